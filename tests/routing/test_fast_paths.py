"""The router's fast paths give exactly what the plain scans they stand in for give.

Each fast path skips work a regex or a Python loop would do (a literal
pre-check, a C-level search, one combined regex): checked here against that
plain form on the suites' texts, the sample alerts and random strings built to
hit the edges.
"""

from __future__ import annotations

import fnmatch
import json
import random
import re
from importlib import resources
from pathlib import Path

import pytest
import yaml

from bot.config.models import OwnersFile
from bot.routing import amounts, clauses, figures, words
from bot.routing.owners import OwnerResolver
from bot.routing.slack_text import message_text
from bot.routing.sources import GENERIC, SOURCES, Identifier, recognise
from bot.routing.sources.base import Pattern, required_literal
from bot.routing.sources.generic import _ACCOUNT
from bot.routing.trie import trie_pattern

SUITES = Path(__file__).resolve().parent


def _texts() -> list[str]:
    texts = []
    for folder in ("golden", "tuning"):
        for path in sorted((SUITES / folder).glob("*.yaml")):
            for case in yaml.safe_load(path.read_text(encoding="utf-8")) or []:
                if isinstance(case, dict):
                    texts.append(message_text(case))
    feed = resources.files("bot").joinpath("samples/cost_alerts.jsonl").read_text(encoding="utf-8")
    texts += [message_text(json.loads(line)) for line in feed.splitlines() if line.strip()]
    rng = random.Random(5)
    pieces = ["project ", "PROJECT_ID: ", "projects/", "cluster `", "namespace=", "rg-", "Budget Name: ", "USD", "eur",
              "1,200", "12 thousand US dollars", "5 k usd", "€", "ſ", "K", "team=", "Team: ", "cost-center=",
              "111122223333", "1111-2222-3333", "/", "-", "_", "\n", " ", "a", "Z", "9", "é"]  # fmt: skip
    texts += ["".join(rng.choice(pieces) for _ in range(rng.randint(1, 30))) for _ in range(3000)]
    return [t for t in texts if t]


TEXTS = _texts()
PATTERNS = [p for source in (GENERIC, *SOURCES) for p in source.identifiers]


@pytest.mark.parametrize("found", PATTERNS, ids=[p.regex.pattern[:40] for p in PATTERNS])
def test_a_pattern_skips_only_texts_it_cannot_match(found: Pattern) -> None:
    plain = Pattern(found.kind, found.regex, found.loose)
    for text in TEXTS:
        lowered = text.lower() if text.isascii() else None
        assert list(found.find(text, lowered)) == list(plain.find(text)), text
        if found.literal:
            for match in found.regex.finditer(text):
                written = match.group(0).lower() if found.folded else match.group(0)
                assert found.literal in written


def test_the_required_literal_is_read_from_the_pattern() -> None:
    assert required_literal(re.compile(r"\bproject(?:[ _]?id)?[\s:]{0,3}(?P<v>\w+)", re.I)) == ("project", True, True)
    assert required_literal(re.compile(r"\bService:\s*(?P<v>\w+)")) == ("Service:", False, True)
    assert required_literal(re.compile(r'"(?i:budgetId)"\s*:')) == ('"budgetid"', True, True)
    assert required_literal(re.compile(r"(?<![\w-])(?P<v>rg-[\w.-]{1,87})")) == ("rg-", False, True)
    # An alternative, a repeat or an optional group ends a run: what follows is
    # still required, but matches do not start with it.
    assert required_literal(re.compile(r"(?:budget|cost) name")) == (" name", False, False)
    assert required_literal(re.compile(r"ab?c")) == ("", False, False)


def test_ascii_words_are_the_regex_words() -> None:
    for text in [*TEXTS, "totalImpact_usd 12.5 a-b__c", "naïve Straße 東京 x", ""]:
        assert words.words(text) == words.WORD.findall(text)


def test_the_currency_suffix_gate_never_skips_a_figure() -> None:
    texts = [*TEXTS, "we spent 12 thousand US dollars", "about 5 k USD", "1,234.5 million euros", "3bn\tEUR"]
    rng = random.Random(13)
    pieces = ["1", "12", "2,5", "1.000", " ", "\n", "\x1c", "\t", "k", " million", "$", "US$", "usd", "USD", "eur", "euro",
              "euros", "Europe", "dollars", "rupee", "rupees", "_", "a", "x9", ",", "."]  # fmt: skip
    texts += ["".join(rng.choice(pieces) for _ in range(rng.randint(1, 12))) for _ in range(20_000)]
    for text in texts:
        if text.isascii() and figures.SUFFIXED.search(text):
            assert figures.figure_before_a_code(text.lower()), text
    assert not figures.figure_before_a_code('"unit": "usd", "region": "europe-west4"')


def test_account_ids_are_found_as_by_the_look_behind_first_regex() -> None:
    reference = re.compile(r"(?<![\w/-])(\d{12}|\d{4}-\d{4}-\d{4})(?![\w-])")
    rng = random.Random(3)
    texts = [*TEXTS, *("".join(rng.choice("0123-/_a ") for _ in range(rng.randint(0, 40))) for _ in range(20_000))]
    for text in texts:
        expected = [(m.start(), m.group(1)) for m in reference.finditer(text)]
        assert [(m.start(), m.group(1)) for m in _ACCOUNT.finditer(text)] == expected, text


def _resolver(globs: list[str], tags: list[str] = ()) -> OwnerResolver:  # type: ignore[assignment]
    teams = [{"id": f"t{i}", "scopes": {"names": [glob]}} for i, glob in enumerate(globs)]
    teams.append({"id": "tags", "scopes": {"tags": list(tags)}})
    return OwnerResolver(OwnersFile.model_validate({"teams": teams}))


def test_one_regex_picks_the_glob_the_linear_scan_picks() -> None:
    rng = random.Random(7)
    globs = list(dict.fromkeys("".join(rng.choice("ab*?-[]") for _ in range(rng.randint(1, 6))) for _ in range(60)))
    globs = [g for g in globs if not g.startswith("[") or "]" in g]
    resolver = _resolver(globs)
    ordered = resolver._globs
    for _ in range(5000):
        value = "".join(rng.choice("abAB-") for _ in range(rng.randint(0, 8)))
        expected = next((glob for glob, _, _ in ordered if fnmatch.fnmatchcase(value.casefold(), glob)), None)
        found = resolver._glob_match(Identifier("name", value))
        assert (found[1].scope.rpartition("(matches ")[2][:-1] if found else None) == expected, value


def test_written_tags_are_found_as_by_a_full_scan() -> None:
    resolver = _resolver(["x-*"], ["team=payments", "cost-center=1234", "Team-Lead=ana"])
    assert resolver._tag_re is not None
    for text in [*TEXTS, "TEAM = payments, team:checkout team=team=x cost-center=1234", "ſteam=x Team=é"]:
        expected = [(m.start(), m.group(0)) for m in resolver._tag_re.finditer(text)]
        assert [(m.start(), m.group(0)) for m in resolver._written_tags(text)] == expected, text


def test_the_marker_automaton_recognises_what_each_source_would() -> None:
    texts = [*TEXTS, "Cost Anomaly Detected", "AWS Cost Anomaly Detection", "kubecost-cost-analyzer Datadog"]
    for text in texts:
        assert recognise(text) == tuple(source for source in SOURCES if source.recognises(text)), text
    assert {source.id for source in recognise("Kubecost alert via Datadog [Triggered]")} == {"kubecost", "datadog"}


def test_humped_words_are_the_backtracking_regexs_words() -> None:
    reference = re.compile(r"[^\W_]*[a-z][A-Z][^\W_]*")
    rng = random.Random(9)
    texts = [*TEXTS, *("".join(rng.choice("aZ_ 9é-") for _ in range(rng.randint(0, 30))) for _ in range(20_000))]
    for text in texts:
        assert words.CAMEL_WORD.findall(text) == reference.findall(text), text
        if text.isascii():
            spaced = text.encode("ascii").translate(words.ASCII_WORD_BYTES).decode("ascii")
            assert words.humped_words(spaced) == set(reference.findall(text)), text


def test_messages_with_the_same_terms_share_their_evidence_not_their_decision(shipped_config) -> None:
    from bot.routing.router import Router

    router = Router(shipped_config)
    first = router.route_text("Our AWS bill for account 111122223333 is up $4,100 this month, who checks?")
    signatures = len(router._scored)
    second = router.route_text("Our AWS bill for account 444455556666 is up €9,000 this month, who checks?")
    assert len(router._scored) == signatures  # the second message reused the first's evidence
    assert (first.amount_usd, second.amount and second.amount.currency) == (4100, "EUR")
    # Each decision is the one a router without that cache entry makes.
    assert second == Router(shipped_config).route_text(
        "Our AWS bill for account 444455556666 is up €9,000 this month, who checks?"
    )
    assert first.personas and first.topics == second.topics


def test_the_clause_breaks_gated_by_their_first_character_are_the_plain_alternations() -> None:
    plain = re.compile(clauses.CLAUSE_BREAKS, re.IGNORECASE)
    rng = random.Random(11)
    pieces = [" ", "  ", "\n", ",", ", ", "&", "+", "¿", "?", "!", ";", ".", "-", "—", "(", ")", "1) ", "and ", "but ",
              "plus ", "also ", "who ", "Y ", "und ", "qué ", "que ", "x", "é", "\t"]  # fmt: skip
    texts = [*TEXTS, *("".join(rng.choice(pieces) for _ in range(rng.randint(0, 25))) for _ in range(20_000))]
    for text in texts:
        assert [m.span() for m in clauses._CLAUSE_BREAK.finditer(text)] == [m.span() for m in plain.finditer(text)]


def test_a_trie_finds_what_the_longest_first_alternation_finds() -> None:
    from bot.routing.sources import LABELS

    rng = random.Random(17)
    cases = [sorted(LABELS), ["a", "ab", "abc", "b", "bc", "x.y", "(", "a b"], ["to", " to ", "total", "tot"]]
    for strings in cases:
        plain = re.compile("|".join(re.escape(s) for s in sorted(strings, key=len, reverse=True)))
        trie = re.compile(trie_pattern(strings))
        pieces = [*strings, " ", "x", ":", "\n", "T"]
        texts = [
            *(t.lower() for t in TEXTS),
            *("".join(rng.choice(pieces) for _ in range(rng.randint(0, 12))) for _ in range(5000)),
        ]
        for text in texts:
            assert [m.span() for m in trie.finditer(text)] == [m.span() for m in plain.finditer(text)], text
    assert amounts._LABEL_RE.pattern == trie_pattern(LABELS)


def test_a_clause_without_a_currency_mark_states_no_figure() -> None:
    rng = random.Random(19)
    pieces = ["1", "2,5", " ", "$", "€", "usd", "eur", "rs", "rs.", "dollars", "euros", "rupees", "us", "x", "."]
    clauses_ = [t.lower()[i : i + 72] for t in TEXTS for i in range(0, len(t), 36)]
    clauses_ += ["".join(rng.choice(pieces) for _ in range(rng.randint(0, 10))) for _ in range(20_000)]
    for clause in clauses_:
        if amounts._STATED_FIGURE.search(clause):
            assert amounts._CURRENCY_MARK.search(clause), clause
