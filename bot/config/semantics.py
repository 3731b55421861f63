"""Checks that need more than one value: ids, cross-references, Slack targets.

They run on the raw parsed YAML rather than on the validated models so that a
reference error is reported even when the same file also has a type error
elsewhere: the user gets every problem in one run. Values of the wrong type are
skipped here because model validation already reports them.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from bot.config.issues import ConfigIssue, Loc, Severity, format_loc
from bot.config.languages import SNOWBALL_LANGUAGES
from bot.config.models import ROLES, RoutingFile
from bot.config.receivers import TOPIC_ARN_PATTERN
from bot.config.values import (
    channel_problem,
    check_schedule,
    looks_like_person,
    person_problem,
    persona_id_problem,
    timezone_problem,
    usergroup_problem,
)
from bot.config.yamlmarks import ParsedYaml
from bot.domain.calendars import holiday_code_problem, weekend_problem
from bot.domain.suggestions import did_you_mean

_ONE_WORD = re.compile(r"[^\W_]+")
CORE_PERSONAS = ("finops-practitioner", "leadership", "product", "engineering", "finance", "procurement")
ALLIED_PERSONAS = ("itsm", "itam", "sustainability", "security", "itfm")


class FileReport:
    """Collects issues for one file, turning key paths into line numbers."""

    def __init__(self, file: str, parsed: ParsedYaml | None = None) -> None:
        self.file = file
        self.parsed = parsed
        self.issues: list[ConfigIssue] = []

    def error(self, loc: Loc, message: str, line: int | None = None) -> None:
        self._add(loc, message, "error", line)

    def warning(self, loc: Loc, message: str, line: int | None = None) -> None:
        self._add(loc, message, "warning", line)

    def _add(self, loc: Loc, message: str, severity: Severity, line: int | None) -> None:
        if line is None and self.parsed is not None:
            line = self.parsed.line_of(loc)
        self.issues.append(ConfigIssue(self.file, line, format_loc(loc), message, severity))

    def line_of(self, loc: Loc) -> int | None:
        return self.parsed.line_of(loc) if self.parsed is not None else None


def _text(value: Any) -> str | None:
    return value.strip() if isinstance(value, str) else None


def _mapping(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _items(value: Any) -> Iterator[tuple[int, Any]]:
    if isinstance(value, list):
        yield from enumerate(value)


def _mapping_items(value: Any) -> Iterator[tuple[int, dict[str, Any]]]:
    for index, item in _items(value):
        if isinstance(item, dict):
            yield index, item


class _UniqueIds:
    """Reports an id seen twice, pointing back at the first definition."""

    def __init__(self, report: FileReport, what: str) -> None:
        self._report = report
        self._what = what
        self._first: dict[str, Loc] = {}

    def add(self, loc: Loc, value: Any) -> str | None:
        text = _text(value)
        if text is None:
            return None
        if not text:
            self._report.error(loc, f"{self._what} id must not be empty")
            return None
        first = self._first.get(text)
        if first is not None:
            where = f"line {self._report.line_of(first)}" if self._report.line_of(first) else format_loc(first)
            self._report.error(loc, f"duplicate {self._what} id '{text}' (first defined on {where})")
        else:
            self._first[text] = loc
        return text

    @property
    def ids(self) -> tuple[str, ...]:
        return tuple(self._first)


def check_personas(data: dict[str, Any], report: FileReport) -> tuple[str, ...]:
    """Check personas.yaml; returns the persona ids it defines (for cross-references)."""
    personas = _UniqueIds(report, "persona")
    for index, persona in _mapping_items(data.get("personas")):
        loc: Loc = ("personas", index)
        persona_id = personas.add(loc + ("id",), persona.get("id"))
        if persona_id:
            problem = persona_id_problem(persona_id)
            if problem:
                report.error(loc + ("id",), problem)
        _check_timezone(report, loc + ("timezone",), persona.get("timezone"))
        if _text(persona.get("holidays")):
            problem = holiday_code_problem(_text(persona.get("holidays")) or "")
            if problem:
                report.error(loc + ("holidays",), problem)
        if "weekend" in persona:
            problem = weekend_problem(persona.get("weekend"))
            if problem:
                report.error(loc + ("weekend",), problem)
        _check_slack_targets(report, loc, persona_id, persona.get("slack"), has_slack_key="slack" in persona)
        if any(True for _ in _mapping_items(persona.get("duties"))) and not _text(
            _mapping(persona.get("slack")).get("channel")
        ):
            name = f"persona '{persona_id}'" if persona_id else "this persona"
            report.warning(
                loc + ("duties",),
                f"{name} has duties but no slack.channel: its reminders have nowhere to be posted",
            )
        duties = _UniqueIds(report, "duty")
        for duty_index, duty in _mapping_items(persona.get("duties")):
            duty_loc = loc + ("duties", duty_index)
            duties.add(duty_loc + ("id",), duty.get("id"))
            _check_schedule(report, duty_loc + ("schedule",), duty.get("schedule"))
            _check_timezone(report, duty_loc + ("timezone",), duty.get("timezone"))
    defined = set(personas.ids)
    for core in CORE_PERSONAS:
        if core not in defined:
            report.warning(
                ("personas",),
                f"core persona '{core}' is not defined: the FinOps Framework expects it, and nothing can be routed to it",
            )
    return personas.ids


def _check_slack_targets(
    report: FileReport, loc: Loc, persona_id: str | None, slack: Any, *, has_slack_key: bool
) -> None:
    targets = _mapping(slack)
    _check_comment_trap(report, loc + ("slack", "channel"), targets, "channel", "#finops-team")
    channel = _text(targets.get("channel"))
    usergroup = _text(targets.get("usergroup"))
    people = [(index, _text(person)) for index, person in _items(targets.get("people"))]
    if channel:
        problem = channel_problem(channel)
        if problem:
            report.error(loc + ("slack", "channel"), problem)
    if usergroup:
        problem = usergroup_problem(usergroup)
        if problem:
            report.error(loc + ("slack", "usergroup"), problem)
    for index, person in people:
        if person is not None:
            problem = person_problem(person)
            if problem:
                report.error(loc + ("slack", "people", index), problem)
    # A malformed slack block is already a schema error; "no target" would only add noise.
    well_formed = not has_slack_key or (isinstance(slack, dict) and isinstance(targets.get("people", []), list))
    if well_formed and not (channel or usergroup or any(person for _, person in people)):
        name = f"persona '{persona_id}'" if persona_id else "this persona"
        report.warning(
            loc,
            f"{name} has no Slack target (slack.channel, slack.usergroup or slack.people): nobody can be tagged for it",
        )


def _check_comment_trap(report: FileReport, loc: Loc, mapping: dict[str, Any], key: str, example: str) -> None:
    """``channel: #finops-team`` unquoted is a YAML comment: the key is there with no value."""
    if key in mapping and mapping[key] is None:
        report.error(
            loc,
            f"{key} is empty: in YAML an unquoted # starts a comment, so `{key}: {example}` loses the channel; "
            f'quote it: {key}: "{example}"',
        )


def _check_timezone(report: FileReport, loc: Loc, value: Any) -> None:
    name = _text(value)
    if name is not None:
        problem = timezone_problem(name)
        if problem:
            report.error(loc, problem)


def _check_schedule(report: FileReport, loc: Loc, value: Any) -> None:
    expression = _text(value)
    if expression is None:
        return
    result = check_schedule(expression)
    if result.error:
        report.error(loc, result.error)
    if result.warning:
        report.warning(loc, result.warning)


def _check_channel(report: FileReport, loc: Loc, value: Any) -> None:
    channel = _text(value)
    if channel is not None:
        problem = channel_problem(channel)
        if problem:
            report.error(loc, problem)


class _PersonaRefs:
    """Checks persona ids used in routing.yaml; silent when personas.yaml was unusable."""

    def __init__(self, report: FileReport, persona_ids: tuple[str, ...] | None) -> None:
        self._report = report
        self._ids = persona_ids

    def check(self, loc: Loc, value: Any, line: int | None = None, hint: str = "") -> None:
        persona = _text(value)
        if persona is None or self._ids is None or persona in self._ids:
            return
        self._report.error(loc, f"unknown persona '{persona}'{did_you_mean(persona, self._ids)}{hint}", line)

    def check_owners(self, loc: Loc, owners: Any) -> None:
        for role in ROLES:
            for index, persona in _items(_mapping(owners).get(role)):
                self.check(loc + (role, index), persona)


def check_routing(data: dict[str, Any], report: FileReport, persona_ids: tuple[str, ...] | None) -> None:
    """Check routing.yaml; ``persona_ids`` is None when personas.yaml could not be read."""
    personas = _PersonaRefs(report, persona_ids)
    _check_timezone(report, ("timezone",), data.get("timezone"))
    _check_watched_channels(report, _mapping(data.get("watch")).get("channels"))

    if "fallback_persona" in data:
        personas.check(("fallback_persona",), data["fallback_persona"])
    else:
        default = RoutingFile.model_fields["fallback_persona"].default
        personas.check(("fallback_persona",), default, hint=" (the default fallback_persona; set fallback_persona)")

    escalations = _UniqueIds(report, "escalation")
    for index, escalation in _mapping_items(data.get("escalations")):
        loc: Loc = ("escalations", index)
        escalations.add(loc + ("id",), escalation.get("id"))
        tags = escalation.get("tag")
        if isinstance(tags, list) and not tags:
            report.error(loc + ("tag",), "an escalation must tag at least one persona")
        for tag_index, persona in _items(tags):
            personas.check(loc + ("tag", tag_index), persona)

    acknowledgement = _mapping(data.get("acknowledgement"))
    for index, closer in _items(acknowledgement.get("closers")):
        text = _text(closer)
        if text and not looks_like_person(text):
            personas.check(
                ("acknowledgement", "closers", index), text, hint=" (closers are persona ids, emails or Slack user ids)"
            )

    digest = _mapping(data.get("digest"))
    _check_comment_trap(report, ("digest", "channel"), digest, "channel", "#finops")
    _check_channel(report, ("digest", "channel"), digest.get("channel"))
    _check_schedule(report, ("digest", "schedule"), digest.get("schedule"))
    _check_timezone(report, ("digest", "timezone"), digest.get("timezone"))

    languages = _check_languages(data, report)
    _check_shorthand(data, report)
    topic_ids = _check_topics(data, report, personas, languages)
    budget_topic = _mapping(data.get("budget_questions")).get("topic")
    if isinstance(budget_topic, str) and budget_topic and budget_topic not in topic_ids:
        report.error(
            ("budget_questions", "topic"), f"unknown topic '{budget_topic}'{did_you_mean(budget_topic, topic_ids)}"
        )
    for section in ("unit_costs", "cost_rises"):
        _check_reading_term(data, report, topic_ids, section)
    _check_calendar(data, report, personas, topic_ids)
    _check_receivers(_mapping(data.get("receivers")), report)


def _check_reading_term(data: dict[str, Any], report: FileReport, topic_ids: tuple[str, ...], name: str) -> None:
    """``<name>.topic`` names a topic and ``<name>.term`` is one of its terms (``unit_costs``, ``cost_rises``)."""
    section = _mapping(data.get(name))
    topic_id, term = section.get("topic"), section.get("term")
    if not isinstance(topic_id, str) or not topic_id:
        return
    if topic_id not in topic_ids:
        report.error((name, "topic"), f"unknown topic '{topic_id}'{did_you_mean(topic_id, topic_ids)}")
        return
    topic = next((t for _, t in _mapping_items(data.get("topics")) if t.get("id") == topic_id), {})
    # A term as written, without its boost ("^2") or decisive mark ("!").
    terms = [
        raw.split("^")[0].strip().rstrip("!").lower() for _, raw in _items(topic.get("terms")) if isinstance(raw, str)
    ]
    if not isinstance(term, str) or term.strip().lower() not in terms:
        report.error((name, "term"), f"'{term}' is not a term of topic '{topic_id}'; add it to its terms")


def _check_watched_channels(report: FileReport, channels: Any) -> None:
    first_seen: dict[str, Loc] = {}
    for index, channel in _items(channels):
        loc: Loc = ("watch", "channels", index)
        if channel is None:
            report.error(loc, 'channel is empty: in YAML an unquoted # starts a comment; quote it: - "#cost-alerts"')
        _check_channel(report, loc, channel)
        name = _text(channel)
        if not name:
            continue
        first = first_seen.setdefault(name, loc)
        if first != loc:
            line = report.line_of(first)
            # Both may sit on one line (`channels: [a, a]`): then the key path says which came first.
            where = f"on line {line}" if line and line != report.line_of(loc) else f"as {format_loc(first)}"
            report.error(loc, f"channel '{name}' is listed twice (first {where})")


def _check_receivers(receivers: dict[str, Any], report: FileReport) -> None:
    for name in ("aws_sns", "gcp_pubsub", "azure"):
        if isinstance(receivers.get(name), dict):
            _check_channel(report, ("receivers", name, "channel"), receivers[name].get("channel"))
    for index, arn in _items(_mapping(receivers.get("aws_sns")).get("topic_arns")):
        if isinstance(arn, str) and not re.match(TOPIC_ARN_PATTERN, arn.strip()):
            report.error(
                ("receivers", "aws_sns", "topic_arns", index),
                f"invalid topic ARN '{arn}': expected arn:aws:sns:<region>:<account id>:<topic name>",
            )
    pubsub = receivers.get("gcp_pubsub")
    if isinstance(pubsub, dict):
        has_oidc = [bool(pubsub.get(key)) for key in ("audience", "service_account")]
        if any(has_oidc) and not all(has_oidc):
            report.error(("receivers", "gcp_pubsub"), "OIDC needs both audience and service_account")
        elif not any(has_oidc) and pubsub.get("allow_url_token") is not True:
            report.error(
                ("receivers", "gcp_pubsub"),
                "no authentication: set audience and service_account (OIDC) or allow_url_token: true",
            )
    sources = _UniqueIds(report, "webhook source")
    for index, webhook in _mapping_items(receivers.get("webhooks")):
        loc: Loc = ("receivers", "webhooks", index)
        sources.add(loc + ("source",), webhook.get("source"))
        _check_channel(report, loc + ("channel",), webhook.get("channel"))


def _check_languages(data: dict[str, Any], report: FileReport) -> tuple[str, ...]:
    """Language codes declared under ``languages:``, each with a Snowball stemmer."""
    declared = _mapping(data.get("languages"))
    supported = tuple(code for code in SNOWBALL_LANGUAGES if code != "en")
    for code, language in declared.items():
        if code not in supported:
            hint = did_you_mean(str(code), supported) or f" (supported: {', '.join(supported)})"
            report.error(("languages", code), f"unknown language '{code}'{hint}")
        elif (
            isinstance(language, dict)
            and isinstance(language.get("markers"), list)
            and not _items_present(language["markers"])
        ):
            report.error(("languages", code, "markers"), f"language '{code}' needs marker words")
    return tuple(code for code in declared if code in supported)


def _check_shorthand(data: dict[str, Any], report: FileReport) -> None:
    for short, word in _mapping(data.get("shorthand")).items():
        loc: Loc = ("shorthand", short)
        if not isinstance(short, str) or not _ONE_WORD.fullmatch(short):
            report.error(loc, f"a shorthand must be one word of letters and digits, got '{short}'")
        elif isinstance(word, str) and not _ONE_WORD.fullmatch(word.strip()):
            report.error(loc, f"'{short}' must stand for one word, got '{word}' (phrases are not expanded)")


def _check_topics(
    data: dict[str, Any], report: FileReport, personas: _PersonaRefs, languages: tuple[str, ...]
) -> tuple[str, ...]:
    topics = _UniqueIds(report, "topic")
    yielding: list[tuple[Loc, Any]] = []
    for index, topic in _mapping_items(data.get("topics")):
        loc: Loc = ("topics", index)
        topic_id = topics.add(loc + ("id",), topic.get("id"))
        label = f"topic '{topic_id}'" if topic_id else "this topic"
        owners = topic.get("owners")
        personas.check_owners(loc + ("owners",), owners)
        responsible = owners.get("responsible") if isinstance(owners, dict) else None
        if isinstance(owners, dict) and isinstance(responsible, (list, type(None))) and not _items_present(responsible):
            report.warning(loc + ("owners",), f"{label} has no responsible owner: matching messages tag nobody")
        for key in ("yields_to", "excluded_under"):
            for other_index, other in _items(topic.get(key)):
                yielding.append((loc + (key, other_index), other))
        terms = topic.get("terms")
        if isinstance(terms, list) and not any(_text(term) for term in terms):
            report.warning(loc + ("terms",), f"{label} has no terms: no message can match it")
        for code in _mapping(topic.get("terms_by_language")):
            if code not in languages:
                hint = did_you_mean(str(code), languages) or (
                    f" (declared: {', '.join(languages)})" if languages else " (no languages: section declares any)"
                )
                report.error(
                    loc + ("terms_by_language", code), f"language '{code}' is not declared under languages:{hint}"
                )
    for loc, other in yielding:
        if isinstance(other, str) and other not in topics.ids:
            report.error(loc, f"unknown topic '{other}'{did_you_mean(other, topics.ids)}")
    return topics.ids


def _items_present(value: Any) -> bool:
    return any(_text(item) for _, item in _items(value))


def _check_calendar(
    data: dict[str, Any], report: FileReport, personas: _PersonaRefs, topic_ids: tuple[str, ...]
) -> None:
    entries = _UniqueIds(report, "calendar entry")
    for index, entry in _mapping_items(data.get("calendar")):
        loc: Loc = ("calendar", index)
        entries.add(loc + ("id",), entry.get("id"))
        topic = _text(entry.get("topic"))
        owners = entry.get("owners")
        if topic is not None and topic not in topic_ids:
            report.error(loc + ("topic",), f"unknown topic '{topic}'{did_you_mean(topic, topic_ids)}")
        if owners is not None:
            personas.check_owners(loc + ("owners",), owners)
        if not topic and owners is None:
            report.error(loc, "a calendar entry needs a topic or owners: nobody would be reminded")
        for lead_index, lead in _items(entry.get("lead_days")):
            if isinstance(lead, int) and not isinstance(lead, bool) and lead < 0:
                report.error(
                    loc + ("lead_days", lead_index), f"lead days count down to the date and must be >= 0, got {lead}"
                )
