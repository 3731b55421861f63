"""`finops-bot test-routes`: run labelled routing and who-owns cases against the config, for CI.

The case format is described once, in docs/configuration.md ("Routing test cases");
bot.routing.evaluation scores the cases, and this module decides pass or fail and prints.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, TextIO

from bot.config.models import BotConfig
from bot.config.yamlmarks import ParsedYaml
from bot.domain.suggestions import did_you_mean

FORMAT_DOC = "docs/configuration.md, section 'Routing test cases'"


def add_parsers(subparsers: argparse._SubParsersAction) -> None:
    from bot.cli.common import add_config_dir

    test = subparsers.add_parser(
        "test-routes",
        help="run your routing and who-owns test cases against the config; exit 1 on any failure",
        description="Regression-test your routing config against labelled cases: messages with the personas "
        "they must tag (and the amount they state), and who-owns queries with the personas that own them. "
        f"Case format: {FORMAT_DOC}.",
    )
    test.add_argument("files", nargs="+", metavar="FILE", help=f"YAML files, each a list of cases ({FORMAT_DOC})")
    test.add_argument("--quiet", action="store_true", help="print only the summary")
    add_config_dir(test)
    test.set_defaults(func=run_test_routes)


def run_test_routes(args: argparse.Namespace) -> int:
    from bot.cli.routing import load_or_report

    config = load_or_report(args.config_dir, sys.stderr)
    if config is None:
        return 1
    files: list[tuple[str, list[Mapping[str, Any]]]] = []
    lines: dict[str, CaseLines] = {}
    for name in args.files:
        read = _load_cases(name, sys.stderr)
        if read is None:
            return 1
        loaded, lines[name] = read
        problems = case_problems(name, loaded, config.persona_ids, lines[name])
        for problem in problems:
            print(problem, file=sys.stderr)
        if problems:
            return 1
        files.append((name, loaded))
    from bot.routing.evaluation import combine, score_cases
    from bot.routing.router import Router
    from bot.routing.who_owns import TopicLookup

    router, lookup = Router(config), TopicLookup(config)
    # Who-owns cases (a `topic`: the query) are scored by the lookup, not routed. A case without an
    # id is named by its place in its file, as bot.routing.evaluation names it.
    route_cases = [
        (lines[name].where(name, (number - 1,)), {**case, "id": case.get("id") or f"#{number}"})
        for name, loaded in files
        for number, case in enumerate(loaded, start=1)
        if "topic" not in case
    ]
    report = run_cases(router, route_cases)
    per_file = [score_cases(loaded, router=router, lookup=lookup, name=name) for name, loaded in files]
    report.who_owns_cases = sum(item.who_owns.total for item in per_file)
    who_owns_failures = [
        f"FAIL {lines[item.name].where(item.name, lines[item.name].index_of(failure.case_id, loaded))}: {failure}"
        for (_, loaded), item in zip(files, per_file, strict=True)
        for failure in item.failures
        if failure.who_owns
    ]
    report.who_owns_failed = len(who_owns_failures)
    out = sys.stdout
    if not args.quiet:
        for line in [*report.failures, *who_owns_failures, *report.wrong_primary]:
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
        lines.append(
            f"  {item.name} ({item.cases} case{'' if item.cases == 1 else 's'}: "
            f"{_kinds(item.cases, item.who_owns.total)}): " + "; ".join(cells)
        )
    return lines


def _kinds(total: int, who_owns: int) -> str:
    return f"{total - who_owns} routing, {who_owns} who-owns"


# Every key a case may have (bot.routing.evaluation); anything else is a typo that would silently test nothing.
CASE_KEYS = frozenset(
    {"id", "kind", "lang", "source", "text", "attachments", "blocks", "expect", "accept", "amount", "amount_usd",
     "amount_period", "term_years", "topic", "unknown", "two_owners"}
)  # fmt: skip
_PERIODS = ("hour", "day", "month", "year")


class CaseLines:
    """Where each case and key of a cases file is, as ``file:line`` (from ``bot.config.yamlmarks``)."""

    def __init__(self, parsed: ParsedYaml | None = None) -> None:
        self._parsed = parsed

    def where(self, name: str, loc: tuple[Any, ...] | None) -> str:
        line = self._parsed.line_of(loc) if self._parsed is not None and loc is not None else None
        return f"{name}:{line}" if line else name

    @staticmethod
    def index_of(case_id: str, cases: Sequence[Mapping[str, Any]]) -> tuple[int] | None:
        """The case a failure names: by its id, or ``#N`` for the N-th case without one."""
        for index, case in enumerate(cases):
            if str(case.get("id") or f"#{index + 1}") == case_id:
                return (index,)
        return None


def case_problems(
    name: str, cases: list[Mapping[str, Any]], persona_ids: Sequence[str], lines: CaseLines | None = None
) -> list[str]:
    """Unknown keys, unknown persona ids, amounts in no documented form and an empty file, one line each,
    each starting ``file:line:`` (the key's line, else the case's) when the lines are known."""
    if not cases:
        return [f"finops-bot: {name}: no cases: a test-routes file is a YAML list of cases (text, expect, accept...)"]
    lines = lines or CaseLines()
    problems = []
    known = set(persona_ids)
    for index, case in enumerate(cases):
        case_name = f"case {index + 1}" + (f" ({case['id']})" if case.get("id") else "")

        def label(key: object = None, index: int = index, case_name: str = case_name) -> str:
            return f"{lines.where(name, (index,) if key is None else (index, key))}: {case_name}"

        unknown = [k for k in case if k not in CASE_KEYS]
        for key in unknown:  # in the file's order, so in line order
            problems.append(f"{label(key)}: unknown key {key!r}{did_you_mean(str(key), sorted(CASE_KEYS))}")
        for key in ("expect", "accept"):
            value = case.get(key)
            for persona in [value] if isinstance(value, str) else value if isinstance(value, list) else []:
                if str(persona) not in known:
                    problems.append(
                        f"{label(key)}: {key}: unknown persona {persona!r}{did_you_mean(str(persona), sorted(known))}"
                    )
        # Unless a misspelt key ("txt") was named just above: it says the same.
        if not unknown and not any(key in case for key in ("text", "attachments", "blocks", "topic")):
            problems.append(
                f"{label()}: no message: give text, attachments or blocks (a routing case) or topic (a who-owns case)"
            )
        problems += [f"{label(key)}: {problem}" for key, problem in _amount_problems(case)]
    return problems


def _amount_problems(case: Mapping[str, Any]) -> list[tuple[str, str]]:
    """An amount the scorer could not read would test nothing, silently: say how to write it (key, problem)."""
    problems = []
    amount = case.get("amount")
    if amount is not None:
        value = amount.get("value") if isinstance(amount, Mapping) else None
        currency = amount.get("currency", "USD") if isinstance(amount, Mapping) else None
        extra = set(amount) - {"value", "currency"} if isinstance(amount, Mapping) else set()
        if not _is_number(value) or extra or not (isinstance(currency, str) and len(currency) == 3):
            problems.append(
                (
                    "amount",
                    f"amount: {amount!r} is not an amount: write amount: {{value: 5000, currency: USD}} "
                    "(a number and a 3-letter currency code), or amount_usd: 5000",
                )
            )
    if case.get("amount_usd") is not None and not _is_number(case["amount_usd"]):
        problems.append(("amount_usd", f"amount_usd: {case['amount_usd']!r} is not a number: write amount_usd: 5000"))
    period = case.get("amount_period")
    if period is not None and period not in _PERIODS:
        problems.append(("amount_period", f"amount_period: {period!r} is not one of {', '.join(_PERIODS)}"))
    return problems


def _is_number(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _load_cases(name: str, err: TextIO) -> tuple[list[Mapping[str, Any]], CaseLines] | None:
    import yaml

    from bot.config.yamlmarks import parse_yaml

    try:
        with open(name, encoding="utf-8") as handle:
            text = handle.read()
        data = yaml.safe_load(text)
    except OSError as exc:
        print(f"finops-bot: {name}: cannot read: {exc.strerror or exc}", file=err)
        return None
    except UnicodeDecodeError as exc:
        print(f"finops-bot: {name}: not UTF-8 text (byte {exc.start}): save the file as UTF-8", file=err)
        return None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f":{mark.line + 1}" if mark is not None else ""
        print(f"finops-bot: {name}{where}: invalid YAML: {getattr(exc, 'problem', None) or exc}", file=err)
        return None
    if data is None:
        return [], CaseLines()
    if not isinstance(data, list) or not all(isinstance(c, Mapping) for c in data):
        print(f"finops-bot: {name}: expected a list of cases (mappings with text, expect, accept...)", file=err)
        return None
    return data, CaseLines(parse_yaml(text))


class RouteReport:
    def __init__(self) -> None:
        self.failures: list[str] = []
        # Passing cases whose first tag is not the expected primary: they count against `primary`.
        self.wrong_primary: list[str] = []
        self.cases = 0
        self.tagged = 0
        self.tagged_ok = 0
        self.expected = 0
        self.expected_found = 0
        self.amounts = 0
        self.amounts_ok = 0
        self.topics_seen: set[str] = set()
        # Filled in by test-routes, which scores who-owns cases with the lookup.
        self.who_owns_cases = 0
        self.who_owns_failed = 0

    def summary(self, config: BotConfig) -> list[str]:
        total = self.cases + self.who_owns_cases
        failed = len(self.failures) + self.who_owns_failed
        lines = [
            f"cases: {total} ({_kinds(total, self.who_owns_cases)}), passed: {total - failed}, failed: {failed}",
            f"precision: {_share(self.tagged_ok, self.tagged)} ({self.tagged_ok}/{self.tagged} tags acceptable)",
            f"recall: {_share(self.expected_found, self.expected)} ({self.expected_found}/{self.expected} "
            "required tags made)",
        ]
        if self.amounts:
            lines.append(f"amounts: {self.amounts_ok}/{self.amounts} right (value and currency)")
        unexercised = [t.id for t in config.routing.topics if t.id not in self.topics_seen]
        lines.append("topics no case exercised: " + (", ".join(unexercised) if unexercised else "none"))
        return lines


def run_cases(router: Any, cases: Iterable[tuple[str, Mapping[str, Any]]]) -> RouteReport:
    """Route each case; it fails on a missing or unacceptable persona or a wrong amount (in either form)."""
    from bot.routing.evaluation import amount_problem, message_of

    report = RouteReport()
    for source, case in cases:
        report.cases += 1
        expect = _ids(case.get("expect"))
        accept = _ids(case.get("accept"))
        decision = router.route(message_of(case))
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
        checked, problem = amount_problem(case, decision)
        if checked:
            report.amounts += 1
            report.amounts_ok += 1 if problem is None else 0
        if problem is not None:
            problems.append(problem)
        case_id = case.get("id", f"#{report.cases}")
        if problems:
            report.failures.append(
                f"FAIL {source}: {case_id}: {'; '.join(problems)} (tagged: {', '.join(got) or 'nobody'})\n"
                f"     why: {decision.explanation}"
            )
        elif expect and got and got[0] != expect[0]:
            report.wrong_primary.append(
                f"PRIMARY {source}: {case_id}: {got[0]} first instead of {expect[0]} (tagged: {', '.join(got)})"
            )
    return report


def _share(part: int, whole: int) -> str:
    """A ratio to three places; "-" when there is nothing to divide (not a perfect 1.000)."""
    return f"{part / whole:.3f}" if whole else "-"


def _ids(value: object) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [str(v) for v in value]
    return []
