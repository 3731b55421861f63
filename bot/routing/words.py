"""A message's words, as the term index reads them.

Letters and digits make words; "_" and "-" split them (JSON keys, "true-up").
A hyphenated, underscored or camelCase word ending in, or joined to, a
software-component part ("invoices-ui", "billing_svc_v2") is one opaque token,
so a service called "invoices" is not an invoice. For ASCII text the words
come from ``bytes.translate`` + ``split`` and camelCase words are found around
each hump, which gives the regexes' words without their per-character cost.
"""

from __future__ import annotations

import re

from bot.routing.trie import trie_pattern

# Letters and digits; "_" splits (JSON keys such as usage_type), "-" splits too
# ("true-up" becomes the phrase "true up" on both sides).
WORD = re.compile(r"[^\W_]+")
# A hump: a lower-case letter, then a capital. Found from the capital (a look-behind for the letter
# before it): capitals are rarer than lower-case letters, so the engine's C scan for the first
# character stops less often. A match starts at the capital, one after the hump.
CAMEL_HINT = re.compile(r"[A-Z](?<=[a-z].)")
# A whole word holding a hump: tried only where a word starts, and lazily up to
# its first hump, so a long word without one (a hex id) costs one pass, not a
# backtracking search from each of its letters.
CAMEL_WORD = re.compile(r"(?<![^\W_])[^\W_]*?[a-z][A-Z][^\W_]*")

# Parts that make a compound word the name of a piece of software.
_COMPONENT_PARTS = (
    "ui",
    "api",
    "apis",
    "svc",
    "srv",
    "service",
    "services",
    "app",
    "apps",
    "web",
    "frontend",
    "backend",
    "fe",
    "be",
    "db",
    "worker",
    "workers",
    "job",
    "jobs",
    "cron",
    "repo",
    "sdk",
    "lib",
    "bot",
    "server",
    "client",
    "portal",
    "proxy",
    "daemon",
    "consumer",
    "producer",
    "handler",
    "controller",
    "microservice",
    "ms",
    "fn",
    "func",
    "queue",
    "engine",
    "processor",
    "exporter",
    "operator",
    "widget",
    "component",
    "module",
    "plugin",
    "cli",
    "tests",
    "test",
)
COMPONENT_SET = frozenset(_COMPONENT_PARTS)
# A component part after a separator ("invoices-ui", "billing_svc_v2"). The
# pattern starts with a literal separator, so a scan costs almost nothing on
# text without one; the rest of the compound is found around each hit.
# The parts as a trie: a separator costs one walk, not one try per part. The look-ahead lets a part
# match only as the whole run of letters after the separator, so which part matches does not depend on
# the order of the alternatives.
# One pattern per separator: the engine scans for one opening character several times faster than for a
# class of two (a payload's long text has few separators among many other characters).
_COMPONENT_AFTER = "(?:" + trie_pattern(_COMPONENT_PARTS) + r")(?![^\W_])"
_COMPONENT_AFTER_SEPARATOR = (
    ("-", re.compile("-" + _COMPONENT_AFTER, re.IGNORECASE)),
    ("_", re.compile("_" + _COMPONENT_AFTER, re.IGNORECASE)),
)


# ASCII letters and digits kept, every other byte a space: for ASCII text,
# splitting the translated bytes gives WORD's words three times faster.
ASCII_WORD_BYTES = bytes(c if chr(c).isascii() and chr(c).isalnum() else 32 for c in range(256))
# Each ASCII byte's case: "a" for a lower-case letter, "A" for a capital, a space for any other byte; a
# hump (CAMEL_HINT) is b"aA" in the text's bytes translated so, found by ``bytes.find`` in C.
ASCII_CASES = bytes(97 if 97 <= c <= 122 else 65 if 65 <= c <= 90 else 32 for c in range(256))


def words(text: str) -> list[str]:
    """``WORD.findall(text)``."""
    if text.isascii():
        return text.encode("ascii").translate(ASCII_WORD_BYTES).decode("ascii").split()
    return WORD.findall(text)


def ascii_words(text: str) -> tuple[list[str], set[str]]:
    """An ASCII text's words (``WORD``'s) and, of them, those holding a hump (``humped_words``)."""
    raw = text.encode("ascii")
    spaced = raw.translate(ASCII_WORD_BYTES).decode("ascii")
    cases = raw.translate(ASCII_CASES)
    return spaced.split(), humped_words(spaced, cases) if b"aA" in cases else set()


def humped_words(spaced: str, cases: bytes | None = None) -> set[str]:
    """``set(CAMEL_WORD.findall(text))`` for ASCII text whose non-word
    characters are spaces: the word around each hump, found by ``str.find``.
    ``cases``: the text's bytes translated by ``ASCII_CASES``, when the caller has them."""
    if cases is None:
        cases = spaced.encode("ascii").translate(ASCII_CASES)
    found: set[str] = set()
    at = cases.find(b"aA")  # the hump's lower-case letter
    while at != -1:
        end = spaced.find(" ", at)
        if end == -1:
            end = len(spaced)
        found.add(spaced[spaced.rfind(" ", 0, at) + 1 : end])
        at = cases.find(b"aA", end)  # past the word's other humps
    return found


def _is_name_char(ch: str) -> bool:
    return ch.isalnum() or ch == "-" or ch == "_"


def opaque_names(text: str) -> str:
    """Each software identifier in ``text`` as one alphanumeric token that no
    term can equal (terms are alphabetic or capitals); the leading digit keeps
    it away from typo correction."""
    spans: list[tuple[int, int]] = []
    hits = [
        hit for separator, pattern in _COMPONENT_AFTER_SEPARATOR if separator in text for hit in pattern.finditer(text)
    ]
    if len(hits) > 1:
        hits.sort(key=re.Match.start)  # as one pattern of both separators finds them
    for hit in hits:
        start, end = hit.start(), hit.end()
        if (spans and start < spans[-1][1]) or start == 0 or not text[start - 1].isalnum():
            continue
        while start > 0 and _is_name_char(text[start - 1]):
            start -= 1
        while end < len(text) and _is_name_char(text[end]):
            end += 1
        spans.append((start, end))
    if not spans:
        return text
    out: list[str] = []
    last = 0
    for start, end in spans:
        out.append(text[last:start])
        out.append("0" + "".join(WORD.findall(text[start:end])))
        last = end
    out.append(text[last:])
    return "".join(out)
