"""`finops-bot route`, `who-owns`, `test-routes` and `check-config`: the offline CLI.

Everything here works without Slack: it loads the configuration, routes
messages (one, a JSONL stream, or the bundled sample feed) and prints who would
be tagged and why.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterable, Mapping, Sequence
from importlib import resources
from typing import Any, TextIO

from bot.cli.common import stdin_lines, stdin_text
from bot.config.issues import did_you_mean
from bot.config.models import BotConfig

SAMPLE_FEED = "samples/cost_alerts.jsonl"
_JSONL_BATCH = 512


def add_parsers(subparsers: argparse._SubParsersAction) -> None:
    route = subparsers.add_parser(
        "route",
        help="route one message, a JSONL stream of Slack messages, or the bundled sample feed",
        description="Show who a message would tag and why.",
    )
    route.add_argument("text", nargs="?", help="message text (Slack mrkdwn); read from stdin when omitted")
    mode = route.add_mutually_exclusive_group()
    mode.add_argument("--jsonl", action="store_true", help="read one Slack message (JSON object) per line from stdin")
    mode.add_argument("--sample", action="store_true", help="route the bundled sample feed of cost alerts")
    route.add_argument("--json", action="store_true", help="print the decision as JSON")
    _add_config_dir(route)
    route.set_defaults(func=run_route)

    who = subparsers.add_parser(
        "who-owns",
        help="which personas own a topic",
        description="The answer /finops who-owns gives: the topic matched and its owners by role.",
    )
    who.add_argument(
        "topic",
        nargs="*",
        help="topic words, e.g. 'savings plans' (typos and plurals are fine), or a scope: "
        "'account 111122223333', 'project payments-prod', 'subscription <id>', 'namespace prod-eu/payments'",
    )
    who.add_argument("--json", action="store_true", help="print the answer as JSON")
    who.add_argument("--jsonl", action="store_true", help='read {"topic": "..."} objects per line from stdin')
    _add_config_dir(who)
    who.set_defaults(func=run_who_owns)

    test = subparsers.add_parser(
        "test-routes",
        help="run golden routing cases (routing_examples.yaml format); exit 1 on any failure",
        description="Regression-test your routing config against labeled example messages.",
    )
    test.add_argument("files", nargs="+", metavar="FILE", help="YAML files with a list of cases")
    test.add_argument("--quiet", action="store_true", help="print only the summary")
    _add_config_dir(test)
    test.set_defaults(func=run_test_routes)


def _add_config_dir(parser: argparse.ArgumentParser) -> None:
    from bot.cli.common import add_config_dir

    add_config_dir(parser)


def load_or_report(config_dir: str | None, err: TextIO) -> BotConfig | None:
    """The config, or None after printing every error (never a traceback)."""
    from bot.cli.common import config_dir as locate
    from bot.config.loader import ConfigError, load_config
    from bot.settings import Settings

    directory = locate(argparse.Namespace(config_dir=config_dir), Settings.from_env())
    try:
        return load_config(directory).config
    except ConfigError as exc:
        for issue in exc.issues:
            print(issue, file=err)
        print(f"configuration in {directory} is invalid; run `finops-bot check-config`", file=err)
        return None


# ---------------------------------------------------------------------- route


def run_route(args: argparse.Namespace) -> int:
    stdin, out, err = sys.stdin, sys.stdout, sys.stderr
    if not args.jsonl and not args.sample and args.text is None and stdin.isatty():
        print(
            "finops-bot route: give the message TEXT, pipe it on stdin, or use --jsonl / --sample",
            file=err,
        )
        return 2
    config = load_or_report(args.config_dir, err)
    if config is None:
        return 1
    from bot.routing.router import Router

    router = Router(config)
    if args.jsonl:
        return route_jsonl(router, stdin_lines("route --jsonl"), out)
    if args.sample:
        return route_sample(router, out, as_json=args.json)
    text = args.text if args.text is not None else stdin_text("route")
    decision = router.route_text(text)
    if args.json:
        print(json.dumps(decision.to_dict(), ensure_ascii=False), file=out)
    else:
        out.write(describe_decision(decision))
    return 0


def route_jsonl(router: Any, lines: Iterable[bytes | str], out: TextIO) -> int:
    """One decision (or error) per input line; a bad line never stops the stream."""
    route = router.route
    dumps = json.dumps
    loads = json.loads
    batch: list[str] = []
    try:
        for number, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            try:
                message = loads(line)
            except (ValueError, RecursionError) as exc:
                batch.append(dumps({"line": number, "error": f"invalid JSON: {_short(exc)}"}))
            else:
                if isinstance(message, Mapping):
                    try:
                        batch.append(dumps(jsonl_record(route(message))))
                    except RecursionError:
                        batch.append(dumps({"line": number, "error": "message nested too deeply"}))
                    except Exception as exc:  # one bad message must not end the stream
                        batch.append(dumps({"line": number, "error": f"cannot route: {type(exc).__name__}"}))
                else:
                    kind = type(message).__name__
                    batch.append(
                        dumps({"line": number, "error": f"expected a JSON object (a Slack message), got {kind}"})
                    )
            if len(batch) >= _JSONL_BATCH:
                out.write("\n".join(batch) + "\n")
                batch.clear()
    finally:
        # Input that stops being text ends the stream; the lines before it still get their answers.
        if batch:
            out.write("\n".join(batch) + "\n")
        out.flush()
    return 0


def jsonl_record(decision: Any) -> dict[str, object]:
    team = decision.team
    amount = decision.amount
    return {
        "personas": list(decision.personas),
        "topics": list(decision.topics),
        "amount_usd": decision.amount_usd,
        # The figure as stated, when amount_usd alone does not say it (another currency, a rate).
        "amount": amount.stated() if amount is not None and (amount.per or amount.currency != "USD") else None,
        "team": team.team_id if team is not None else None,
        "team_scope": team.scope if team is not None else None,
        "explanation": decision.explanation,
        "confidence": decision.confidence,
        "is_request": decision.is_request,
        "roles": decision.roles,
    }


def _short(exc: BaseException) -> str:
    text = str(exc)
    return text if len(text) <= 120 else text[:117] + "..."


def describe_decision(decision: Any) -> str:
    lines = []
    if decision.tags:
        tags = ", ".join(f"{t.persona} ({t.role})" for t in decision.tags)
        lines.append(f"tag:         {tags}")
    else:
        lines.append("tag:         nobody")
    if decision.topics:
        lines.append(f"topics:      {', '.join(decision.topics)}")
    if decision.accountable:
        lines.append(f"accountable: {', '.join(decision.accountable)}")
    if decision.consulted:
        lines.append(f"consulted:   {', '.join(decision.consulted)}")
    if decision.team is not None:
        team = decision.team.team
        targets = " ".join(t for t in (team.slack.channel, team.slack.usergroup) if t)
        lines.append(f"team:        {team.id} ({decision.team.scope})" + (f" — {targets}" if targets else ""))
    if decision.amount is not None:
        lines.append(f"amount:      {decision.amount.describe().replace(' stated', '', 1)}")
    lines.append(f"confidence:  {decision.confidence:.2f}")
    lines.append(f"why:         {decision.explanation}")
    return "\n".join(lines) + "\n"


def sample_messages() -> list[dict[str, Any]]:
    text = resources.files("bot").joinpath(SAMPLE_FEED).read_text(encoding="utf-8")
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def route_sample(router: Any, out: TextIO, as_json: bool = False) -> int:
    from bot.routing.slack_text import message_text

    for number, message in enumerate(sample_messages(), start=1):
        decision = router.route(message)
        if as_json:
            out.write(json.dumps(jsonl_record(decision), ensure_ascii=False) + "\n")
            continue
        preview = " ".join(message_text(message).split())
        preview = preview if len(preview) <= 100 else preview[:97] + "..."
        out.write(f"#{number} {preview}\n")
        for line in describe_decision(decision).splitlines():
            out.write(f"    {line}\n")
        out.write("\n")
    return 0


# ---------------------------------------------------------------------- who-owns


def run_who_owns(args: argparse.Namespace) -> int:
    config = load_or_report(args.config_dir, sys.stderr)
    if config is None:
        return 1
    from bot.routing.who_owns import TopicLookup

    lookup = TopicLookup(config)
    if args.jsonl:
        return who_owns_jsonl(lookup, stdin_lines("who-owns --jsonl"), sys.stdout)
    query = " ".join(args.topic)
    scoped = scope_answer(config, query)
    if scoped is not None:
        if args.json:
            print(json.dumps(scoped.to_dict(), ensure_ascii=False))
        else:
            sys.stdout.write(describe_scope_answer(scoped))
        return 0
    answer = lookup.lookup(query)
    if args.json:
        print(json.dumps(answer.to_dict(), ensure_ascii=False))
    else:
        sys.stdout.write(describe_owners(config, answer))
    return 0


def describe_scope_answer(answer: Any) -> str:
    """``answer`` is a ``bot.routing.owners.ScopeAnswer``."""
    if answer.match is None:
        return f"No team owns {answer.query.label} in owners.yaml: alerts about it tag the topic's persona channel.\n"
    team = answer.match.team
    lines = [f"{answer.query.label} → {team.name or team.id} [{team.id}] ({answer.match.scope})"]
    targets = [t for t in (team.slack.channel, team.slack.usergroup, *team.slack.people) if t]
    if targets:
        lines.append(f"  tagged:   {' '.join(targets)}")
    if team.personas:
        lines.append(f"  for:      {', '.join(team.personas)} topics (others go to the persona's channel)")
    return "\n".join(lines) + "\n"


def scope_answer(config: BotConfig, query: str) -> Any:
    from bot.routing.owners import OwnerResolver, answer_scope

    return answer_scope(OwnerResolver(config.owners), query)


def who_owns_jsonl(lookup: Any, lines: Iterable[str], out: TextIO) -> int:
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            request = json.loads(line)
        except ValueError as exc:
            record: dict[str, object] = {"line": number, "error": f"invalid JSON: {_short(exc)}"}
        else:
            topic = request.get("topic", "") if isinstance(request, Mapping) else request
            if isinstance(topic, str):
                scoped = scope_answer(lookup.config, topic)
                record = scoped.to_dict() if scoped is not None else lookup.lookup(topic).to_dict()
            else:
                record = {"line": number, "error": 'expected {"topic": "..."}'}
        out.write(json.dumps(record, ensure_ascii=False) + "\n")
    out.flush()
    return 0


def describe_owners(config: BotConfig, answer: Any) -> str:
    if answer.topic is None:
        if not answer.query:
            return "Which topic? e.g. `finops-bot who-owns savings plans`\n"
        hint = f" Did you mean: {', '.join(answer.suggestions)}?" if answer.suggestions else ""
        return f"No topic matches '{answer.query}'.{hint}\n"
    topic = answer.topic
    lines = [f"{topic.name} ({topic.id})"]
    if topic.description:
        lines.append(f"  {topic.description}")
    for role in ("responsible", "accountable", "consulted", "informed"):
        for persona_id in getattr(topic.owners, role):
            lines.append(f"  {role:<12} {_persona_line(config, persona_id)}")
            if role == "responsible":
                for duty in _responsibilities(config, persona_id)[:3]:
                    lines.append(f"               - {duty}")
    if answer.suggestions:
        lines.append(f"  related: {', '.join(answer.suggestions)}")
    return "\n".join(lines) + "\n"


def _persona_line(config: BotConfig, persona_id: str) -> str:
    try:
        persona = config.persona(persona_id)
    except KeyError:
        return persona_id
    targets = [t for t in (persona.slack.channel, persona.slack.usergroup) if t]
    return f"{persona.name} [{persona_id}]" + (f" — {' '.join(targets)}" if targets else "")


def _responsibilities(config: BotConfig, persona_id: str) -> tuple[str, ...]:
    try:
        return config.persona(persona_id).responsibilities
    except KeyError:
        return ()


# ---------------------------------------------------------------------- test-routes


def run_test_routes(args: argparse.Namespace) -> int:
    config = load_or_report(args.config_dir, sys.stderr)
    if config is None:
        return 1
    files: list[tuple[str, list[Mapping[str, Any]]]] = []
    for name in args.files:
        loaded = _load_cases(name, sys.stderr)
        if loaded is None:
            return 1
        problems = case_problems(name, loaded, config.persona_ids)
        for problem in problems:
            print(problem, file=sys.stderr)
        if problems:
            return 1
        files.append((name, loaded))
    from bot.routing.evaluation import combine, score_cases
    from bot.routing.router import Router
    from bot.routing.who_owns import TopicLookup

    router, lookup = Router(config), TopicLookup(config)
    # Who-owns cases (a `topic` instead of a message) are scored by the lookup, not routed.
    route_cases = [(name, case) for name, loaded in files for case in loaded if "topic" not in case]
    report = run_cases(router, route_cases)
    per_file = [score_cases(loaded, router=router, lookup=lookup, name=name) for name, loaded in files]
    who_owns_failures = [
        f"FAIL {item.name}: {failure}"
        for item, (_, loaded) in zip(per_file, files, strict=True)
        for failure in item.failures
        if any(case.get("id") == failure.case_id and "topic" in case for case in loaded)
    ]
    out = sys.stdout
    if not args.quiet:
        for line in [*report.failures, *who_owns_failures]:
            print(line, file=out)
    for line in report.summary(config):
        print(line, file=out)
    for line in metrics_table([*per_file, combine(per_file, "all files")] if len(per_file) > 1 else per_file):
        print(line, file=out)
    return 1 if report.failures or who_owns_failures else 0


METRIC_LABELS = (
    ("strict", "strict"),
    ("recall", "recall"),
    ("precision", "precision"),
    ("chatter_tagged", "chatter tagged"),
    ("primary", "primary"),
    ("amounts", "amounts"),
    ("who_owns", "who-owns"),
)


def metrics_table(per_file: Sequence[Any]) -> list[str]:
    """One line per file: each metric as a ratio with its hits/total, `-` where no case measures it."""
    lines = ["per file: " + ", ".join(label for _, label in METRIC_LABELS)]
    for item in per_file:
        cells = []
        for metric, label in METRIC_LABELS:
            ratio = getattr(item, metric)
            cells.append(f"{label} {ratio.value:.3f} ({ratio.hits}/{ratio.total})" if ratio.total else f"{label} -")
        lines.append(f"  {item.name} ({item.cases} cases): " + "; ".join(cells))
    return lines


# Every key a case may have (bot.routing.evaluation); anything else is a typo that would silently test nothing.
CASE_KEYS = frozenset(
    {"id", "kind", "lang", "source", "text", "attachments", "blocks", "expect", "accept", "amount", "amount_usd",
     "amount_period", "term_years", "topic", "unknown", "two_owners"}
)  # fmt: skip


def case_problems(name: str, cases: list[Mapping[str, Any]], persona_ids: Sequence[str]) -> list[str]:
    """Unknown keys, unknown persona ids and an empty file, one line each."""
    if not cases:
        return [f"{name}: no cases: a test-routes file is a YAML list of cases (text, expect, accept...)"]
    problems = []
    known = set(persona_ids)
    for number, case in enumerate(cases, 1):
        label = f"{name}: case {number}" + (f" ({case['id']})" if case.get("id") else "")
        for key in sorted(set(case) - CASE_KEYS, key=str):
            problems.append(f"{label}: unknown key {key!r}{did_you_mean(str(key), sorted(CASE_KEYS))}")
        for key in ("expect", "accept"):
            value = case.get(key)
            for persona in [value] if isinstance(value, str) else value if isinstance(value, list) else []:
                if str(persona) not in known:
                    problems.append(
                        f"{label}: {key}: unknown persona {persona!r}{did_you_mean(str(persona), sorted(known))}"
                    )
    return problems


def _load_cases(name: str, err: TextIO) -> list[Mapping[str, Any]] | None:
    import yaml

    try:
        with open(name, encoding="utf-8") as handle:
            data = yaml.safe_load(handle)
    except OSError as exc:
        print(f"{name}: cannot read: {exc.strerror or exc}", file=err)
        return None
    except UnicodeDecodeError as exc:
        print(f"{name}: not UTF-8 text (byte {exc.start}): save the file as UTF-8", file=err)
        return None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f":{mark.line + 1}" if mark is not None else ""
        print(f"{name}{where}: invalid YAML: {getattr(exc, 'problem', None) or exc}", file=err)
        return None
    if data is None:
        return []
    if not isinstance(data, list) or not all(isinstance(c, Mapping) for c in data):
        print(f"{name}: expected a list of cases (mappings with text, expect, accept...)", file=err)
        return None
    return data


class RouteReport:
    def __init__(self) -> None:
        self.failures: list[str] = []
        self.cases = 0
        self.tagged = 0
        self.tagged_ok = 0
        self.expected = 0
        self.expected_found = 0
        self.amounts = 0
        self.amounts_ok = 0
        self.topics_seen: set[str] = set()

    def summary(self, config: BotConfig) -> list[str]:
        precision = self.tagged_ok / self.tagged if self.tagged else 1.0
        recall = self.expected_found / self.expected if self.expected else 1.0
        passed = self.cases - len(self.failures)
        lines = [
            f"cases: {self.cases}, passed: {passed}, failed: {len(self.failures)}",
            f"precision: {precision:.3f} ({self.tagged_ok}/{self.tagged} tags acceptable)",
            f"recall: {recall:.3f} ({self.expected_found}/{self.expected} required tags made)",
        ]
        if self.amounts:
            lines.append(f"amounts: {self.amounts_ok}/{self.amounts} found")
        unexercised = [t.id for t in config.routing.topics if t.id not in self.topics_seen]
        lines.append("topics no case exercised: " + (", ".join(unexercised) if unexercised else "none"))
        return lines


def run_cases(router: Any, cases: Iterable[tuple[str, Mapping[str, Any]]]) -> RouteReport:
    report = RouteReport()
    for source, case in cases:
        report.cases += 1
        message = {k: case[k] for k in ("text", "attachments", "blocks") if k in case}
        expect = _ids(case.get("expect"))
        accept = _ids(case.get("accept"))
        decision = router.route(message)
        got = list(decision.personas)
        report.topics_seen.update(decision.topics)
        report.tagged += len(got)
        report.tagged_ok += sum(1 for p in got if p in expect or p in accept)
        report.expected += len(expect)
        report.expected_found += sum(1 for p in expect if p in got)
        problems = []
        missing = [p for p in expect if p not in got]
        extra = [p for p in got if p not in expect and p not in accept]
        if missing:
            problems.append(f"missing {', '.join(missing)}")
        if extra:
            problems.append(f"unexpected {', '.join(extra)}")
        if "amount_usd" in case and case["amount_usd"] is not None:
            report.amounts += 1
            if _amount_matches(case["amount_usd"], decision.amount_usd):
                report.amounts_ok += 1
            else:
                problems.append(f"amount {decision.amount_usd} instead of {case['amount_usd']}")
        if problems:
            case_id = case.get("id", f"#{report.cases}")
            report.failures.append(
                f"FAIL {source}: {case_id}: {'; '.join(problems)} (tagged: {', '.join(got) or 'nobody'})\n"
                f"     why: {decision.explanation}"
            )
    return report


def _ids(value: object) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [str(v) for v in value]
    return []


def _amount_matches(expected: object, got: float | None) -> bool:
    try:
        target = float(expected)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return False
    return got is not None and abs(got - target) <= max(0.01, abs(target) * 0.005)
