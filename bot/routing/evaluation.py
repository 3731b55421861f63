"""Score a router and a who-owns lookup against labeled cases (no Slack, no CLI).

A case is a mapping in the format docs/configuration.md describes ("Routing test
cases"), that of ``tests/routing/golden`` and of the evaluation corpus in
``tests/routing/heldout`` / ``tests/routing/tuning``:

* routing cases: ``text`` and/or ``attachments`` / ``blocks`` (the Slack
  message), ``expect`` (persona ids that must be tagged, primary first; ``[]``
  for chatter), ``accept`` (tolerated extras), and optionally the headline
  amount as ``amount: {value, currency}`` (or the older ``amount_usd``), with
  ``amount_period`` / ``term_years`` for a commitment stated as a rate;
* who-owns cases: ``topic`` (the words typed after ``/finops who-owns``) with
  ``expect`` / ``accept``, or ``unknown: true`` when no persona owns it.

``router`` is anything with ``route(message) -> decision`` where the decision
has ``personas`` (or ``tags`` with ``.persona``) and an amount (see
``decision_amount``); ``lookup`` is anything with ``lookup(query) -> answer``
where the answer has ``personas`` and ``topic`` (None when unknown).

Metrics, per file:

* **strict**: all expected personas tagged and nothing outside expect + accept;
  for chatter (``expect: []``), nothing tagged at all;
* **recall**: expected tags made / expected tags;
* **precision**: acceptable tags / tags made;
* **chatter tagged**: chatter cases where anything was tagged / chatter cases;
* **primary**: on FinOps cases, first persona tagged == first expected;
* **amounts**: value and currency both right within 1% (a rate may also be
  reported as the commitment's total over its term);
* **who-owns**: expected personas all named with an expected one first, or
  "unknown" answered for an unknown topic.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

AMOUNT_TOLERANCE = 0.01
_HOURS_PER_YEAR = 8760
_PERIODS_PER_YEAR = {"hour": _HOURS_PER_YEAR, "day": 365, "month": 12, "year": 1}
_MESSAGE_KEYS = ("text", "attachments", "blocks")


class RouterLike(Protocol):
    def route(self, message: Mapping) -> Any: ...


class LookupLike(Protocol):
    def lookup(self, query: str) -> Any: ...


@dataclass(frozen=True)
class Ratio:
    hits: int = 0
    total: int = 0

    @property
    def value(self) -> float | None:
        return self.hits / self.total if self.total else None

    def __add__(self, other: Ratio) -> Ratio:
        return Ratio(self.hits + other.hits, self.total + other.total)

    def __str__(self) -> str:
        value = self.value
        return "n/a" if value is None else f"{value:.3f} ({self.hits}/{self.total})"


@dataclass(frozen=True)
class Failure:
    case_id: str
    reason: str
    who_owns: bool = False  # a who-owns case (``topic``), not a routed message

    def __str__(self) -> str:
        return f"{self.case_id}: {self.reason}"


@dataclass
class FileMetrics:
    name: str
    cases: int = 0
    strict: Ratio = field(default_factory=Ratio)
    recall: Ratio = field(default_factory=Ratio)
    precision: Ratio = field(default_factory=Ratio)
    chatter_tagged: Ratio = field(default_factory=Ratio)
    primary: Ratio = field(default_factory=Ratio)
    amounts: Ratio = field(default_factory=Ratio)
    who_owns: Ratio = field(default_factory=Ratio)
    failures: list[Failure] = field(default_factory=list)

    METRICS = ("strict", "recall", "precision", "chatter_tagged", "primary", "amounts", "who_owns")

    def merged(self, other: FileMetrics, name: str | None = None) -> FileMetrics:
        out = FileMetrics(name or self.name, cases=self.cases + other.cases)
        for metric in self.METRICS:
            setattr(out, metric, getattr(self, metric) + getattr(other, metric))
        out.failures = [*self.failures, *other.failures]
        return out


def combine(metrics: Iterable[FileMetrics], name: str) -> FileMetrics:
    total = FileMetrics(name)
    for item in metrics:
        total = total.merged(item, name)
    return total


def score_cases(
    cases: Sequence[Mapping[str, Any]],
    router: RouterLike | None = None,
    lookup: LookupLike | None = None,
    name: str = "",
) -> FileMetrics:
    """Score every case; routing cases need ``router``, who-owns cases ``lookup``."""
    metrics = FileMetrics(name)
    for number, case in enumerate(cases, start=1):
        case_id = str(case.get("id") or f"#{number}")
        metrics.cases += 1
        if "topic" in case:
            if lookup is None:
                raise ValueError(f"{name}: {case_id} is a who-owns case but no lookup was given")
            _score_who_owns(case, case_id, lookup, metrics)
        else:
            if router is None:
                raise ValueError(f"{name}: {case_id} is a routing case but no router was given")
            _score_route(case, case_id, router, metrics)
    return metrics


def message_of(case: Mapping[str, Any]) -> dict[str, Any]:
    """The Slack message a case describes: its text, attachments and blocks."""
    return {key: case[key] for key in _MESSAGE_KEYS if case.get(key) is not None}


def decision_personas(decision: Any) -> list[str]:
    personas = getattr(decision, "personas", None)
    if personas is None:
        personas = [tag.persona for tag in getattr(decision, "tags", ())]
    return list(dict.fromkeys(personas))


def decision_amount(decision: Any) -> tuple[float, str] | None:
    """(value, currency) the decision read, or None.

    Reads ``decision.amount`` when it is a mapping or object with ``value`` and
    ``currency`` (or a ``(value, currency)`` pair); otherwise ``amount_usd`` as USD.
    """
    amount = getattr(decision, "amount", None)
    if amount is not None:
        if isinstance(amount, Mapping):
            value, currency = amount.get("value"), amount.get("currency")
        elif isinstance(amount, (tuple, list)) and len(amount) == 2:
            value, currency = amount
        else:  # an object: the router's Money names its figure `amount`
            value = getattr(amount, "value", None)
            if value is None:
                value = getattr(amount, "amount", None)
            currency = getattr(amount, "currency", None)
        if value is not None and currency:
            return float(value), str(currency).upper()
    usd = getattr(decision, "amount_usd", None)
    return (float(usd), "USD") if usd is not None else None


def expected_amount(case: Mapping[str, Any]) -> tuple[float, str] | None:
    amount = case.get("amount")
    if isinstance(amount, Mapping) and amount.get("value") is not None:
        return float(amount["value"]), str(amount.get("currency") or "USD").upper()
    if case.get("amount_usd") is not None:
        return float(case["amount_usd"]), "USD"
    return None


def amount_matches(case: Mapping[str, Any], got: tuple[float, str] | None) -> bool:
    want = expected_amount(case)
    if want is None:
        return True
    if got is None or got[1] != want[1]:
        return False
    targets = [want[0]]
    period, years = case.get("amount_period"), case.get("term_years")
    if period in _PERIODS_PER_YEAR and years:
        targets.append(want[0] * _PERIODS_PER_YEAR[period] * float(years))
    return any(abs(got[0] - target) <= AMOUNT_TOLERANCE * abs(target) for target in targets)


def amount_problem(case: Mapping[str, Any], decision: Any) -> tuple[bool, str | None]:
    """(whether the case states an amount, what is wrong with the decision's or None).

    The one amount check: ``amount: {value, currency}`` and ``amount_usd`` alike, so a
    case fails, and counts in the amounts figure, whichever form it states its amount in.
    """
    want = expected_amount(case)
    if want is None:
        return False, None
    have = decision_amount(decision)
    if amount_matches(case, have):
        return True, None
    shown = "none" if have is None else f"{_number(have[0])} {have[1]}"
    return True, f"amount {shown} instead of {_number(want[0])} {want[1]}"


def _number(value: float) -> str:
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.2f}"


def _ids(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    return [str(item) for item in value]


def _score_route(case: Mapping[str, Any], case_id: str, router: RouterLike, metrics: FileMetrics) -> None:
    expect, accept = _ids(case.get("expect")), _ids(case.get("accept"))
    decision = router.route(message_of(case))
    got = decision_personas(decision)
    reasons: list[str] = []
    acceptable = [p for p in got if p in expect or p in accept]
    metrics.precision += Ratio(len(acceptable), len(got))
    if not expect:
        metrics.chatter_tagged += Ratio(1 if got else 0, 1)
        ok = not got
        if got:
            reasons.append(f"chatter tagged {', '.join(got)}")
    else:
        found = [p for p in expect if p in got]
        metrics.recall += Ratio(len(found), len(expect))
        missing = [p for p in expect if p not in got]
        extra = [p for p in got if p not in expect and p not in accept]
        ok = not missing and not extra
        if missing:
            reasons.append(f"missing {', '.join(missing)}")
        if extra:
            reasons.append(f"unexpected {', '.join(extra)}")
        primary_ok = bool(got) and got[0] == expect[0]
        metrics.primary += Ratio(1 if primary_ok else 0, 1)
        if not primary_ok and got and not missing:
            reasons.append(f"primary {got[0]} instead of {expect[0]}")
    metrics.strict += Ratio(1 if ok else 0, 1)
    checked, problem = amount_problem(case, decision)
    if checked:
        metrics.amounts += Ratio(1 if problem is None else 0, 1)
    if problem is not None:
        reasons.append(problem)
    if reasons:
        tagged = ", ".join(got) or "nobody"
        metrics.failures.append(Failure(case_id, f"{'; '.join(reasons)} (tagged: {tagged})"))


def _score_who_owns(case: Mapping[str, Any], case_id: str, lookup: LookupLike, metrics: FileMetrics) -> None:
    topic = str(case.get("topic") or "")
    answer = lookup.lookup(topic)
    got = list(getattr(answer, "personas", ()) or ())
    answered_unknown = getattr(answer, "topic", None) is None or not got
    expect = _ids(case.get("expect"))
    if case.get("unknown") or not expect:
        ok = answered_unknown
        reason = "" if ok else f"'{topic}' should be unknown, answered {', '.join(got)}"
    else:
        missing = [p for p in expect if p not in got]
        ok = not answered_unknown and not missing and got[0] in expect
        if answered_unknown:
            reason = f"'{topic}' answered unknown, want {', '.join(expect)}"
        elif missing:
            reason = f"'{topic}' missing {', '.join(missing)} (answered {', '.join(got)})"
        else:
            reason = f"'{topic}' answered {got[0]} first, want {expect[0]}"
    metrics.who_owns += Ratio(1 if ok else 0, 1)
    if not ok:
        metrics.failures.append(Failure(case_id, reason, who_owns=True))
