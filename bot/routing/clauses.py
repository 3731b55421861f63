"""Several asks in one message: which topics its clauses are about.

"who chases the untagged buckets, and who decides the internal rate card?"
asks about tagging and about chargeback: both topics' owners are tagged, in
the order written. A topic that is no clause's best topic is mentioned in
passing and does not join this way.
"""

from __future__ import annotations

import re
from bisect import bisect_right

from bot.routing.context import CLOUD, DECISIVE, MONEY, QUESTION, REQUEST
from bot.routing.matcher import Hit
from bot.routing.scoring import TopicEvidence, TopicScorer
from bot.routing.words import ASCII_WORD_BYTES

# Clause breaks are sentence ends, semicolons, line breaks, and "and"/"also"/
# "but" before a new ask.
MULTI_ASK_MAX_CHARS = 1200
MAX_CLAUSES = 8
CLAUSE_GROUNDED_SCORE = 1.0
CLAUSE_STATED_SCORE = 1.5
CLAUSE_STRONG_SCORE = 2.0
# Clause evidence by term signature (``TopicScorer.clause_cache``): a few thousand cover people's asks.
CLAUSE_CACHE_SIZE = 4096
# (evidence by topic, ranking scores, topics the clause may be about, best first): shared, never changed.
ClauseScores = tuple[dict[str, TopicEvidence], dict[str, float], tuple[str, ...]]

_ASK_WORDS = (
    r"(?:who|whom|whose|what|which|when|where|why|how|can|could|should|would|will|is|are|do|does|did"
    r"|please|pls|plz|someone|anyone|separately|also)\b"
)
# The same in the configured languages (Spanish, Portuguese, French, German):
# "and" and the question words ("¿" opens a Spanish question). "que" only
# after "and": after a comma it is mostly "that".
_OTHER_ANDS = r"(?:y|e|et|und)"
_OTHER_QUESTION_WORDS = r"quién|quien|quem|qui|wer|qué|quoi|was|cuál|qual|welche[rsn]?"
_OTHER_ASK_WORDS = r"(?:¿|(?:o que|" + _OTHER_QUESTION_WORDS + r")\b)"
_OTHER_ASKS_AFTER_AND = r"(?:¿|(?:que|" + _OTHER_QUESTION_WORDS + r")\b)"
CLAUSE_BREAKS = (
    r"(?<=[?!;])\s+|(?<=[.])\s+(?=\S)|\n+|\s+[—–-]+\s+|\s*[&+]\s+|\s+\d\)\s+|\s+\((?=[^)]{0,40}\))"
    r"|,\s*(?:and|plus|also|but)\s+|,?\s+(?:and|plus|but)\s+(?=" + _ASK_WORDS + r")|,\s+(?=" + _ASK_WORDS + r")"
    r"|,?\s+" + _OTHER_ANDS + r"\s+(?=" + _OTHER_ASKS_AFTER_AND + r")|,\s+(?=" + _OTHER_ASK_WORDS + r")"
    r"|(?<=\S)\s*(?=¿)"
)
# Every break starts at a space, ",", "&", "+" or just before "¿": the leading look-ahead rejects every
# other position in one step instead of trying each alternative there (the same matches). So does the
# next one for the space between two words, most of the rest: no break starts at a space after no "?",
# "!", ";" or "." and before a word that no alternative goes on with (a letter but the first of "and",
# "plus", "but", "y", "e", "et", "und").
_CLAUSE_BREAK = re.compile(
    r"(?=[\s,&+¿])(?! (?<![?!;.] )(?![\s—–\-&+(¿\dapbyeu]))(?:" + CLAUSE_BREAKS + ")", re.IGNORECASE
)
# A clause that opens like a question or a request asks, with or without "?".
# An ask without a question mark or a request phrase ("who chases the
# untagged buckets", "owners?" is caught by the "?").
_ASKS = re.compile(
    r"(?:^|[,;.:&+—–-]\s*|\b(?:and|also|but|plus|y|e|et|und)\s+)(?:(?:who|whom|whose|what|which|how|please|pls|plz"
    r"|(?:can|could|should|would|shall|will|do|does|did|is|are)\s+(?:we|you|i|someone|anyone|somebody|they))\b"
    r"|" + _OTHER_ASKS_AFTER_AND + r")",
    re.IGNORECASE,
)
_WORD_RE = re.compile(r"[^\W_]+")
# A figure with its currency: a clause that states how much ("costs rose by €18,000") reports a cost
# matter of its own, like a phrase does (no nested quantifiers: linear on any input).
_STATES_AMOUNT = re.compile(r"[$€£¥₹]\s?\d|\d\s?(?:[$€£¥₹]|(?:USD|EUR|GBP|JPY|INR|CAD|AUD|CHF)\b)")
# Words that open a subordinate clause or an adverbial of time or condition.
_SUBORDINATORS = frozenset(
    ("before", "after", "once", "until", "till", "since", "because", "unless", "while", "if", "when", "whenever")
)
# Words that make a message ask something without "?" or a request phrase
# ("who chases the untagged buckets"); a set test on the tokens, not a regex.
ASK_TOKENS = frozenset(
    form
    for word in ("who", "whom", "whose", "what", "which", "how", "please", "pls", "plz", "can", "could", "should")
    for form in (word, word.capitalize(), word.upper())
)


def asked_topics(
    scorer: TopicScorer,
    text: str,
    hits: list[Hit],
    tokens: list[str],
    evidence: dict[str, TopicEvidence],
    grounded: bool = False,
) -> tuple[str, ...] | None:
    """The topics the clauses of a message that asks something are about,
    in text order (two or more), () when fewer, or None for a message of
    one clause (or too long to be a person's asks).

    Clauses end at sentence ends, semicolons, line breaks, dashes, "&",
    "+", numbered items, "and"/"plus"/"also"/"but", and a comma before a
    new ask. A clause is about its best topic (ahead of any other, not
    named only by a fee) when the clause has a cloud, cost or decisive word
    of its own and one term, or strong evidence without (two terms, a
    phrase, a weighted term). A topic that is no clause's best topic is
    mentioned in passing. ``grounded``: the message is about the cloud by
    a reading beyond its words (an hourly rate committed for years, an AWS
    account id), so its asks may lean on it as on a cloud word.
    """
    if len(text) > MULTI_ASK_MAX_CHARS:
        return None
    breaks = [m.end() for m in _CLAUSE_BREAK.finditer(text)]
    if not breaks or len(breaks) >= MAX_CLAUSES:
        return None
    # The clause of each word, from the number of words in each clause (the
    # message's hits are reused, not matched again per clause).
    edges = [0, *breaks, len(text)]
    firsts: list[int] = []  # index of each clause's first word
    count = 0
    if text.isascii():
        # The regex's words, by translate + split (``bot.routing.words``): one pass over the text.
        spaced = text.encode("ascii").translate(ASCII_WORD_BYTES).decode("ascii")
        for index in range(len(edges) - 1):
            firsts.append(count)
            count += len(spaced[edges[index] : edges[index + 1]].split())
    else:
        findall = _WORD_RE.findall
        for index in range(len(edges) - 1):
            firsts.append(count)
            count += len(findall(text, edges[index], edges[index + 1]))
    if count != len(tokens):
        return None  # software names or camelCase changed the words: one clause
    by_clause: dict[int, list[Hit]] = {}
    for hit in hits:
        by_clause.setdefault(bisect_right(firsts, hit.position) - 1, []).append(hit)
    if len(by_clause) < 2:
        return None
    about: dict[str, int] = {}  # topic -> first clause about it
    asked: dict[str, int] = {}  # topic -> first clause that asks about it
    masks = scorer.masks
    order = scorer.order
    clause_masks = {index: _mask(masks, clause_hits) for index, clause_hits in by_clause.items()}
    message_grounded = grounded or any(m & (CLOUD | MONEY | DECISIVE) for m in clause_masks.values())
    weights = scorer.weights
    cache = scorer.clause_cache
    for index, clause_hits in by_clause.items():
        # A clause's evidence depends only on which terms it matched, in which order, and how: shared
        # by the clauses (of any message) with the same terms, read-only once stored.
        signature = tuple([(hit[0].ident, hit[2], hit[3]) for hit in clause_hits])
        scored = cache.get(signature)
        if scored is None:
            scored = _clause_scores(scorer, clause_hits, order)
            if len(cache) < CLAUSE_CACHE_SIZE:
                cache[signature] = scored
        clause_evidence, rank, ordered = scored
        if not ordered:
            continue
        mask = clause_masks[index]
        best = ordered[0]
        clause_text = text[edges[index] : edges[index + 1]]
        is_ask = bool(mask & REQUEST or QUESTION.search(clause_text + " ") or _ASKS.match(clause_text))
        if len(ordered) > 1 and rank[ordered[1]] >= rank[best]:
            # Two topics tie: an ask is about what it names first ("who sets
            # the budgets once allocation works?"); a statement settles neither.
            first = _named_first(scorer, clause_hits, ordered, rank) if is_ask else None
            if first is None:
                continue
            best = first
        score = clause_evidence[best].score
        # A clause that names a cloud service, a cost or a decisive term
        # itself is about its topic on one plain word when it asks ("can
        # you check the idle RDS instances") and on a decisive word or a
        # phrase when it states ("untagged RDS", "overdue AWS invoice");
        # otherwise it takes strong evidence: "is that worth it?", "what
        # model?" or "it's one more read replica" are about nothing new.
        grounded = bool(mask & (CLOUD | MONEY | DECISIVE))
        decisive = not scorer.decisive.isdisjoint(clause_evidence[best].terms)
        # An ask in a message already about cloud cost may lean on the rest
        # of the message for its context ("can eng chase the untagged
        # buckets, and who sets the per-BU budgets?"), when its words belong
        # to its topic alone: a word shared by topics names none of them.
        # The asked thing is in the main clause: "should we commit more
        # before the price change?" does not ask about prices.
        distinctive = (
            is_ask
            and message_grounded
            and all(len(weights.get(ident, ())) == 1 for ident in clause_evidence[best].terms)
            and _in_main_clause(scorer, best, clause_hits, tokens, firsts[index])
        )
        if best in evidence and (
            score >= CLAUSE_STRONG_SCORE
            or (
                (grounded or distinctive)
                and (is_ask or decisive or score >= CLAUSE_STATED_SCORE or _STATES_AMOUNT.search(clause_text))
                and score >= CLAUSE_GROUNDED_SCORE
            )
        ):
            about.setdefault(best, index)
            if is_ask:
                asked.setdefault(best, index)
    if len(about) < 2:
        return ()
    if len(asked) < 2:
        # Text order: the first clause's owners are the primary ones.
        return tuple(sorted(about, key=lambda t: about[t]))
    # Two asks about two topics ("who fixes tags, who designs the chargeback?"): the asks lead in
    # the order asked, and a topic only stated before them ("finance wants chargeback in Q1") is
    # the subject, not the first ask.
    return tuple(sorted(about, key=lambda t: (0, asked[t]) if t in asked else (1, about[t])))


def _clause_scores(scorer: TopicScorer, hits: list[Hit], order: dict[str, int]) -> ClauseScores:
    """A clause's evidence by topic, its ranking scores, and the topics it may be about, best first."""
    evidence: dict[str, TopicEvidence] = {}
    for hit in hits:
        scorer.add_evidence(evidence, hit)
    for ev in evidence.values():
        ev.finish()
    rank = scorer.corroborated(evidence) if evidence else {}
    # A topic named only by a fee ("the support plan fee") is not asked about.
    ordered = tuple(
        sorted((t for t, ev in evidence.items() if not ev.only_line_items), key=lambda t: (-rank[t], order[t]))
    )
    return evidence, rank, ordered


def _mask(masks: dict[tuple[str, ...], int], hits: list[Hit]) -> int:
    mask = 0
    for hit in hits:
        mask |= masks[hit.term.ident]
    return mask


def _named_first(scorer: TopicScorer, hits: list[Hit], ordered: tuple[str, ...], rank: dict[str, float]) -> str | None:
    """Of the topics tied at the top, the one whose term comes first, or None
    when one term names several of them."""
    tied = {t for t in ordered if rank[t] >= rank[ordered[0]]}
    for hit in hits:
        named = [t for t, _, _ in scorer.weights.get(hit.term.ident, ()) if t in tied]
        if named:
            return named[0] if len(named) == 1 else None
    return None


def _in_main_clause(scorer: TopicScorer, topic: str, hits: list[Hit], tokens: list[str], first: int) -> bool:
    """Whether the topic's first term comes before any word that opens a
    subordinate clause (the clause's first word aside: "when does...")."""
    position = next(h.position for h in hits if any(t == topic for t, _, _ in scorer.weights.get(h.term.ident, ())))
    return all(tokens[i].lower() not in _SUBORDINATORS for i in range(first + 1, position))
