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
