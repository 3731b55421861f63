"""Typo correction for the matcher: which vocabulary stem a misspelt word was meant to be.

A word of six letters or more that is not in the vocabulary is corrected when
exactly one vocabulary word is one edit away (two from ten letters): a
symmetric deletion index of the vocabulary, built once, gives the candidates,
and an edit distance checks each. ``bot.routing.matcher`` decides which words
to check, and spends a per-message budget of look-ups on them.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache

TYPO_MIN_LEN = 6
# Words this long may carry two typos ("overprovsioned", "recomendaton").
TYPO2_MIN_LEN = 10
# Above this many typo targets (100x the shipped vocabulary), only one-letter
# deletions of them are indexed.
TYPO2_INDEX_MAX_WORDS = 20_000
# Longer tokens are never corrected: no term is this long, and the candidate
# variants of a word grow with the square of its length.
TYPO_MAX_LEN = 24
TYPO_WEIGHT = 0.9
# Common words one edit away from FinOps vocabulary; never "corrected".
NOT_TYPOS = frozenset(
    {
        "contact",
        "contacts",
        "context",
        "content",
        "counted",
        "counter",
        "resolve",
        "general",
        "results",
        "billion",
        "budgie",
        "forest",
        "foreign",
        "signal",
        "license",
        "licence",
        "commit",
        "expert",
        "export",
        "import",
        "repost",
        "report",
        "retire",
        "retry",
        "credit",
        "creditor",
        "audio",
        "radius",
        "spending",
        "pending",
        "sending",
        "lending",
        "tending",
        "ending",
        "trending",
        "rending",
        "renting",
        "renewed",
        "savings",
        "saving",
        "having",
        "waving",
    }
)


def closest_target(
    folded: str, stemmed: str, deletions: Mapping[str, tuple[str, ...]], targets: Mapping[str, str], budget: list[int]
) -> str | None:
    """The one vocabulary stem within reach of a misspelt word, if exactly one.

    One edit (a letter added, dropped, changed or two swapped) in words of
    six letters or more, two edits from ten letters. Candidates come from
    deleting up to that many letters of the word and looking each variant up
    in the targets' one-letter-deletion index; each is then checked with an
    edit distance. Typos rarely hit the first letter; requiring it avoids
    most false friends.
    """
    allowed = 2 if len(folded) >= TYPO2_MIN_LEN else 1
    candidates: set[str] = set()
    for query in dict.fromkeys((folded, stemmed)):
        if len(query) < TYPO_MIN_LEN:
            continue
        variants = deletion_variants(query, allowed)
        budget[0] -= len(variants)
        for variant in variants:
            found = deletions.get(variant)
            if found:
                candidates.update(found)
        if budget[0] < 0:
            return None
    best: dict[str, int] = {}
    for candidate in candidates:
        # A word that starts with a term's word is a derivation of it
        # ("percentage", "percent"), not a typo.
        if candidate[0] != folded[0] or folded.startswith(candidate) or stemmed.startswith(candidate):
            continue
        distance = min(edit_distance(q, candidate, allowed) for q in (folded, stemmed))
        if distance <= allowed:
            target = targets[candidate]
            best[target] = min(distance, best.get(target, distance))
    if not best:
        return None
    closest = min(best.values())
    winners = [target for target, distance in best.items() if distance == closest]
    return winners[0] if len(winners) == 1 else None


@lru_cache(maxsize=8)
def deletion_index(targets: frozenset[str]) -> dict[str, tuple[str, ...]]:
    """Each typo target and its deletions -> the targets: one letter, and two
    letters from words of ten letters or more (unless the vocabulary is huge,
    when two-letter deletions would cost too much memory)."""
    deep = len(targets) <= TYPO2_INDEX_MAX_WORDS
    index: dict[str, list[str]] = {}
    for word in targets:
        depth = 2 if deep and len(word) >= TYPO2_MIN_LEN else 1
        for variant in set(deletion_variants(word, depth)):
            index.setdefault(variant, []).append(word)
    return {variant: tuple(words) for variant, words in index.items()}


def deletion_variants(word: str, depth: int) -> list[str]:
    """``word`` and every string made from it by deleting up to ``depth`` letters."""
    variants = [word]
    layer = [word]
    for _ in range(depth):
        nxt = {w[:i] + w[i + 1 :] for w in layer for i in range(len(w))}
        layer = list(nxt)
        variants.extend(layer)
    return variants


def edit_distance(a: str, b: str, limit: int) -> int:
    """Optimal-string-alignment distance (insert, delete, substitute, swap two
    neighbours), or ``limit + 1`` as soon as it is known to exceed ``limit``."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        current = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            value = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                value = min(value, previous2[j - 2] + 1)
            current[j] = value
        if min(current) > limit:
            return limit + 1
        previous2, previous = previous, current
    return previous[-1]
