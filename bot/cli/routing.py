"""`finops-bot route`, `who-owns`, `test-routes` and `check-config`: the offline CLI.

Everything here works without Slack: it loads the configuration, routes
messages (one, a JSONL stream, or the bundled sample feed) and prints who would
be tagged and why.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterable, Mapping
from functools import cache
from importlib import resources
from typing import Any, TextIO

from bot.cli.common import stdin_lines, stdin_text
from bot.config.models import BotConfig
from bot.render.text import tags_with_team

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


def _add_config_dir(parser: argparse.ArgumentParser) -> None:
    from bot.cli.common import add_config_dir

    add_config_dir(parser)


def load_or_report(config_dir: str | None, err: TextIO) -> BotConfig | None:
    """The config, or None after printing every error (never a traceback)."""
    from bot.cli.common import check_config_command
    from bot.cli.common import config_dir as locate
    from bot.config.loader import ConfigError, load_config
    from bot.settings import Settings

    directory = locate(argparse.Namespace(config_dir=config_dir), Settings.from_env())
    try:
        return load_config(directory).config
    except ConfigError as exc:
        for issue in exc.issues:
            print(issue, file=err)
        print(f"finops-bot: configuration in {directory} is invalid; run `{check_config_command(directory)}`", file=err)
        return None


# ---------------------------------------------------------------------- route


def run_route(args: argparse.Namespace) -> int:
    stdin, out, err = sys.stdin, sys.stdout, sys.stderr
    if not args.jsonl and not args.sample and args.text is None and stdin.isatty():
        print(
            "finops-bot: route: give the message TEXT, pipe it on stdin, or use --jsonl / --sample",
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


def route_jsonl(router: Any, lines: Iterable[bytes | str], out: TextIO, err: TextIO | None = None) -> int:
    """One decision (or error record) per input line; a bad line never stops the stream.

    A line that is not a Slack message is also named on ``err``, and makes the exit code 1 at the end:
    routed as it is, it would read as an empty message and tag nobody, which looks like an answer.
    """
    err = err if err is not None else sys.stderr
    route = router.route
    dumps = json.dumps
    loads = json.loads
    encode = _record_encoder()
    batch: list[str] = []
    invalid = 0
    try:
        for number, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            try:
                # A line that opens an object and is not UTF-16/32 is what json.loads would decode as
                # UTF-8: decoded here, json's Python-level encoding sniffing is skipped.
                if type(line) is bytes and line[:1] == b"{" and line[1:2] != b"\x00":
                    line = line.decode("utf-8", "surrogatepass")
                message = loads(line)
            except (ValueError, RecursionError) as exc:
                problem: str | None = f"invalid JSON: {_short(exc)}"
            else:
                problem = slack_message_problem(message)
            if problem is None:
                try:
                    batch.append("".join(encode(jsonl_record(route(message)), 0)))
                except RecursionError:
                    problem = "message nested too deeply"
                except Exception as exc:  # one bad message must not end the stream
                    problem = f"cannot route: {type(exc).__name__}"
            if problem is not None:
                invalid += 1
                batch.append(dumps({"line": number, "error": problem}))
                print(f"finops-bot: route --jsonl: line {number}: {problem}", file=err)
            if len(batch) >= _JSONL_BATCH:
                out.write("\n".join(batch) + "\n")
                batch.clear()
    finally:
        # Input that stops being text ends the stream; the lines before it still get their answers.
        if batch:
            out.write("\n".join(batch) + "\n")
        out.flush()
    return _invalid_lines(invalid, err, "route --jsonl")


def _record_encoder() -> Any:
    """What ``json.dumps(record)`` runs, built once per stream: dumps builds a new C encoder (and a dict for
    its circular-reference check) for every record. A record is made here and is never circular, so its
    text is the same without the check."""
    make = getattr(json.encoder, "c_make_encoder", None)
    if make is None:
        return lambda record, _level: (json.dumps(record),)
    defaults = json.JSONEncoder()
    return make(
        None,
        defaults.default,
        json.encoder.encode_basestring_ascii,
        None,
        defaults.key_separator,
        defaults.item_separator,
        defaults.sort_keys,
        defaults.skipkeys,
        defaults.allow_nan,
    )


_MESSAGE_KEYS = {"text": str, "attachments": list, "blocks": list}
_JSON_KINDS = {dict: "an object", list: "an array", str: "a string", bool: "true or false", int: "a number"}


def _json_kind(value: object) -> str:
    return "null" if value is None else _JSON_KINDS.get(type(value), "a number")


def slack_message_problem(message: object) -> str | None:
    """Why a parsed JSON line is not a Slack message (text, attachments, blocks), or None."""
    if type(message) is not dict and not isinstance(message, Mapping):
        return f"expected a JSON object (a Slack message), got {_json_kind(message)}"
    if type(message.get("text")) is str and message.get("attachments") is None and message.get("blocks") is None:
        return None  # a person's message, the most common kind: the checks below would pass it
    present = False
    for key, kind in _MESSAGE_KEYS.items():
        value = message.get(key)
        if value is not None:
            if not isinstance(value, kind):
                return f"'{key}' must be {_JSON_KINDS[kind]}, got {_json_kind(value)}"
            present = True
    if not present:
        keys = ", ".join(sorted(map(str, message))[:5]) or "none"
        return f"not a Slack message: no text, attachments or blocks (its keys: {keys})"
    return None


def _invalid_lines(count: int, err: TextIO, command: str) -> int:
    if not count:
        return 0
    print(f"finops-bot: {command}: {count} line{'s' if count != 1 else ''} of invalid input (named above)", file=err)
    return 1


def jsonl_record(decision: Any) -> dict[str, object]:
    money_dict = _money_dict()
    team = decision.team
    tags = decision.tags
    return {
        "personas": [tag.persona for tag in tags],
        "topics": list(decision.topics),
        "amount_usd": decision.amount_usd,
        "amount": money_dict(decision.amount),  # the object `route --json` gives
        "team": team.team_id if team is not None else None,
        "team_scope": team.scope if team is not None else None,
        "explanation": decision.explanation,
        "confidence": decision.confidence,
        "is_request": decision.is_request,
        "roles": {tag.persona: tag.role for tag in tags},
    }


@cache
def _money_dict() -> Any:
    """``bot.routing.decision.money_dict``, imported on first use (importing the router's modules slows
    every command), then remembered: an import statement per record costs more than the record."""
    from bot.routing.decision import money_dict

    return money_dict


def _short(exc: BaseException) -> str:
    text = str(exc)
    return text if len(text) <= 120 else text[:117] + "..."


def describe_decision(decision: Any) -> str:
    """The decision as the reply would tag it: an owning team with a Slack target takes the responsible
    personas' place (they are consulted instead), as ``bot.render.replies.render_routed_reply`` does."""
    lines = []
    team = decision.team.team if decision.team is not None else None
    targets = " ".join(t for t in (team.slack.channel, team.slack.usergroup) if t) if team else ""
    team_tagged = team is not None and bool(targets or team.slack.people)
    consulted = decision.consulted
    tags = [f"{t.persona} ({t.role})" for t in decision.tags]
    if team is not None and team_tagged:
        escalated, consulted = tags_with_team(decision.tags, decision.consulted)
        tags = [f"{team.id} team ({decision.team.scope})" + (f" — {targets}" if targets else "")] + [
            f"{t.persona} ({t.role})" for t in escalated
        ]
    lines.append(f"tag:         {', '.join(tags) or 'nobody'}")
    if decision.topics:
        lines.append(f"topics:      {', '.join(decision.topics)}")
    if decision.accountable:
        lines.append(f"accountable: {', '.join(decision.accountable)}")
    if consulted:
        lines.append(f"consulted:   {', '.join(consulted)}")
    if team is not None and not team_tagged:
        lines.append(f"team:        {team.id} ({decision.team.scope}): no Slack target, so the personas are tagged")
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
    if not query.strip() and not args.json:
        print("finops-bot: who-owns: which topic? e.g. finops-bot who-owns savings plans", file=sys.stderr)
        return 2
    scoped = scope_answer(lookup, query)
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
        return "\n".join(answer.unowned_lines()) + "\n"
    team = answer.match.team
    lines = [f"{answer.query.label} → {team.name or team.id} [{team.id}] ({answer.match.scope})"]
    targets = [t for t in (team.slack.channel, team.slack.usergroup, *team.slack.people) if t]
    if targets:
        lines.append(f"  tagged:   {' '.join(targets)}")
    if team.personas:
        lines.append(f"  for:      {', '.join(team.personas)} topics (others go to the persona's channel)")
    return "\n".join(lines) + "\n"


def scope_answer(lookup: Any, query: str, resolver: Any = None) -> Any:
    """``lookup`` is the config's ``bot.routing.who_owns.TopicLookup``: a topic's exact wording stays a topic.
    ``resolver``: the config's ``OwnerResolver``, built here when not given (pass one to answer many)."""
    from bot.routing.owners import OwnerResolver
    from bot.routing.scope_queries import answer_scope

    return answer_scope(resolver or OwnerResolver(lookup.config.owners), query, lookup)


def who_owns_jsonl(lookup: Any, lines: Iterable[str], out: TextIO, err: TextIO | None = None) -> int:
    """One answer (or error record) per line: ``{"topic": "..."}`` or a JSON string; anything else is
    named on ``err`` and makes the exit code 1 at the end."""
    from bot.routing.owners import OwnerResolver

    err = err if err is not None else sys.stderr
    resolver = OwnerResolver(lookup.config.owners)  # once for the stream, not per line
    invalid = 0
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            request = json.loads(line)
        except ValueError as exc:
            problem: str | None = f"invalid JSON: {_short(exc)}"
        else:
            problem = _who_owns_problem(request)
        if problem is None:
            topic = request["topic"] if isinstance(request, Mapping) else request
            scoped = scope_answer(lookup, topic, resolver)
            record = scoped.to_dict() if scoped is not None else lookup.lookup(topic).to_dict()
        else:
            invalid += 1
            record = {"line": number, "error": problem}
            print(f"finops-bot: who-owns --jsonl: line {number}: {problem}", file=err)
        out.write(json.dumps(record, ensure_ascii=False) + "\n")
    out.flush()
    return _invalid_lines(invalid, err, "who-owns --jsonl")


def _who_owns_problem(request: object) -> str | None:
    if isinstance(request, str):
        return None
    expected = 'expected {"topic": "..."}'
    if not isinstance(request, Mapping):
        return f"{expected}, got {_json_kind(request)}"
    unknown = sorted(str(key) for key in request if key != "topic")
    if unknown:
        return f"{expected}, got the key{'s' if len(unknown) > 1 else ''} {', '.join(map(repr, unknown))}"
    if not isinstance(request.get("topic"), str):
        return f"{expected}, got 'topic' as {_json_kind(request.get('topic'))}"
    return None


def describe_owners(config: BotConfig, answer: Any) -> str:
    if answer.topic is None:
        if answer.suggestions:
            hint = f" Did you mean '{answer.near}' ({', '.join(answer.suggestions)})?"
        else:  # who would get it, which is what the asker wants to know
            fallback = config.routing.fallback_persona
            hint = f" A message about it would go to the fallback owner, {_persona_line(config, fallback)}."
        return f"No topic matches '{answer.query}'.{hint}\n"
    topic = answer.topic
    lines = [f"{topic.name} ({topic.id})"]
    if topic.description:
        lines.append(f"  {topic.description}")
    for role in ("responsible", "accountable", "consulted", "informed"):
        for persona_id in getattr(topic.owners, role):
            lines.append(f"  {role:<12} {_persona_line(config, persona_id)}")
            if role == "responsible":
                for duty in dict(answer.duties).get(persona_id) or ():
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
