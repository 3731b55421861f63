"""One regex for many literal strings, shaped as a trie.

An alternation of literals (``total impact|total|impact|…``) makes the regex
engine try every alternative at every position; the same strings as a trie
(``total(?: impact)?|impact``) try one branch per character. Where several
strings match at a position the longest wins, as in an alternation sorted
longest first, so ``finditer`` finds the same matches. No repetition: the work
at a position is bounded by the longest string.
"""

from __future__ import annotations

import re
from collections.abc import Iterable


def trie_pattern(strings: Iterable[str]) -> str:
    """A pattern matching exactly ``strings`` (literally), the longest one at each position."""
    root: dict[str, dict] = {}
    for string in strings:
        node = root
        for char in string:
            node = node.setdefault(char, {})
        node[""] = {}  # a string ends here
    return _branch(root)


def _branch(node: dict[str, dict]) -> str:
    # Children differ in their first character, so at most one can go on: their order is free.
    alternatives = [re.escape(char) + _branch(child) for char, child in sorted(node.items()) if char]
    if not alternatives:
        return ""
    body = alternatives[0] if len(alternatives) == 1 else "(?:" + "|".join(alternatives) + ")"
    if "" not in node:
        return body
    # A string ends here, and longer ones go on: the greedy "?" tries them first.
    return f"(?:{body})?" if len(alternatives) == 1 else body + "?"


# What IGNORECASE matches to an ASCII letter besides its two cases (İ ı for "i", ſ for "s", the Kelvin
# sign for "k"): checked over all of Unicode.
_OTHER_CASE_FORMS = "\u0130\u0131\u017f\u212a"


def word_pattern(alternatives: Iterable[str]) -> str:
    """``\\b(?:alternatives)`` matched ignoring case, opening on the class of their first characters.

    With IGNORECASE or a leading ``\\b`` the engine tries a match at every position; opening on a class
    (each first letter in every case IGNORECASE matches) it skips in C to the positions that class
    allows, and the word boundary is a look-behind past that first character. Each alternative starts
    with an ASCII letter or digit; the rest is a regex, matched ignoring case (a look-behind in it also
    sees the first character: ``r(?<!not .)enew``). Alternatives keep their order within a first letter,
    so the same one matches first at a position, and the pattern finds what the plain one does.
    """
    firsts: dict[str, list[str]] = {}
    for alternative in alternatives:
        first = alternative[0]
        if not (first.isascii() and first.isalnum()):
            raise ValueError(f"{alternative!r} does not start with an ASCII letter or digit")
        firsts.setdefault(first.lower(), []).append(alternative[1:])
    forms = sorted(
        {form for first in firsts for form in (first, first.upper())}
        | {form for first in firsts for form in _OTHER_CASE_FORMS if re.fullmatch(first, form, re.IGNORECASE)}
    )
    branches = "|".join(f"(?<={first})(?:{'|'.join(rests)})" for first, rests in firsts.items())
    return f"[{''.join(forms)}](?<!\\w.)(?i:{branches})"
