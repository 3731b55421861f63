"""Turn recorded routing corrections into a proposed ``routing.yaml`` change.

Pure: takes feedback rows and the routing file's text, returns the proposals
and a unified diff. The YAML is edited line by line, so comments and layout
survive and the diff shows only what changes. A person reviews and applies it.

Rules (thresholds are parameters):
- owners to change: requests of topic T reassigned from X to Y at least
  ``min_reassignments`` times -> Y becomes T's first responsible persona (X stops being responsible).
- terms to drop: a term that matched in at least ``min_not_a_request`` messages
  marked "not a FinOps request" -> dropped from the topics those messages matched.
- terms to add: words frequent in the messages reassigned to persona Y (in at least
  ``min_term_support`` of them), rare in the other corrections and not a term
  yet -> added to the topic Y is responsible for that best fits those messages.
"""

from __future__ import annotations

import difflib
import re
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

from bot.config import routing_edits

WORD = re.compile(r"[^\W\d_][\w\-]*[^\W_]|[^\W\d_]{1}", re.UNICODE)
STOPWORDS = frozenset(
    [
        "a",
        "about",
        "above",
        "after",
        "again",
        "all",
        "also",
        "am",
        "an",
        "and",
        "any",
        "are",
        "as",
        "at",
        "be",
        "because",
        "been",
        "before",
        "being",
        "below",
        "between",
        "both",
        "but",
        "by",
        "can",
        "could",
        "did",
        "do",
        "does",
        "doing",
        "down",
        "during",
        "each",
        "few",
        "for",
        "from",
        "further",
        "had",
        "has",
        "have",
        "having",
        "he",
        "her",
        "here",
        "hers",
        "him",
        "his",
        "how",
        "i",
        "if",
        "in",
        "into",
        "is",
        "it",
        "its",
        "itself",
        "just",
        "let",
        "me",
        "more",
        "most",
        "my",
        "no",
        "nor",
        "not",
        "now",
        "of",
        "off",
        "on",
        "once",
        "only",
        "or",
        "other",
        "our",
        "ours",
        "out",
        "over",
        "own",
        "same",
        "she",
        "should",
        "so",
        "some",
        "such",
        "than",
        "that",
        "the",
        "their",
        "theirs",
        "them",
        "then",
        "there",
        "these",
        "they",
        "this",
        "those",
        "through",
        "to",
        "too",
        "under",
        "until",
        "up",
        "very",
        "was",
        "we",
        "were",
        "what",
        "when",
        "where",
        "which",
        "while",
        "who",
        "whom",
        "why",
        "will",
        "with",
        "would",
        "you",
        "your",
        "yours",
        "please",
        "thanks",
        "thank",
        "hi",
        "hey",
        "hello",
        "team",
        "anyone",
        "someone",
        "can't",
        "don't",
        "need",
        "needs",
        "know",
        "get",
        "got",
        "see",
        "looks",
        "look",
        "like",
        "one",
        "two",
        "new",
        "still",
        "today",
        "yesterday",
        "week",
        "month",
    ]
)
MIN_WORD_LENGTH = 4


@dataclass(frozen=True)
class Correction:
    """One recorded correction, as plain data (from ``RequestStore.feedback_since``)."""

    kind: str  # 'reassigned' | 'not_a_request'
    from_persona: str | None
    to_persona: str | None
    topics: tuple[str, ...]
    matched_terms: tuple[str, ...]
    excerpt: str


@dataclass(frozen=True)
class TopicInfo:
    id: str
    terms: tuple[str, ...]
    responsible: tuple[str, ...]


@dataclass(frozen=True)
class Proposal:
    kind: str  # 'add_terms' | 'drop_term' | 'change_owner'
    topic: str
    detail: str
    reason: str


@dataclass(frozen=True)
class Suggestions:
    proposals: tuple[Proposal, ...]
    diff: str  # empty when nothing is proposed
    unapplied: tuple[Proposal, ...] = field(default=())  # the YAML layout defeated the line editor

    def summary(self) -> str:
        if not self.proposals:
            return "No routing changes suggested by the recorded corrections."
        lines = [f"{len(self.proposals)} suggested change(s):"]
        lines += [f"- {p.topic}: {p.detail} ({p.reason})" for p in self.proposals]
        lines += [f"- NOT APPLIED (edit by hand): {p.topic}: {p.detail}" for p in self.unapplied]
        return "\n".join(lines)


def suggest_routing_changes(
    corrections: Sequence[Correction],
    topics: Sequence[TopicInfo],
    routing_yaml: str,
    *,
    min_reassignments: int = 3,
    min_not_a_request: int = 3,
    min_term_support: int = 2,
    max_new_terms: int = 5,
    path: str = "config/routing.yaml",
) -> Suggestions:
    proposals: list[Proposal] = []
    edited = routing_yaml.splitlines(keepends=True)
    unapplied: list[Proposal] = []
    topics_by_id = {t.id: t for t in topics}

    for proposal, apply in [
        *_owner_changes(corrections, topics_by_id, min_reassignments),
        *_terms_to_drop(corrections, topics_by_id, min_not_a_request),
        *_terms_to_add(corrections, topics, min_term_support, max_new_terms),
    ]:
        proposals.append(proposal)
        result = apply(edited)
        if result is None:
            unapplied.append(proposal)
        else:
            edited = result

    diff = "".join(
        difflib.unified_diff(
            routing_yaml.splitlines(keepends=True),
            edited,
            fromfile=f"a/{path.lstrip('/')}",
            tofile=f"b/{path.lstrip('/')}",
        )
    )
    return Suggestions(tuple(proposals), diff, tuple(unapplied))


# ---------------------------------------------------------------- the rules


def _owner_changes(corrections, topics_by_id, threshold):
    moves = Counter(
        (c.topics[0], c.from_persona, c.to_persona)
        for c in corrections
        if c.kind == "reassigned" and c.topics and c.to_persona and c.topics[0] in topics_by_id
    )
    for (topic, from_persona, to_persona), count in sorted(moves.items(), key=lambda item: (-item[1], item[0])):
        if count < threshold or to_persona in topics_by_id[topic].responsible[:1]:
            continue
        proposal = Proposal(
            "change_owner",
            topic,
            f"make {to_persona} responsible" + (f" instead of {from_persona}" if from_persona else ""),
            f"reassigned from {from_persona} to {to_persona} {count} times",
        )
        yield (
            proposal,
            (lambda lines, t=topic, f=from_persona, to=to_persona: routing_edits.set_responsible(lines, t, f, to)),
        )


def _terms_to_drop(corrections, topics_by_id, threshold):
    counts: Counter[tuple[str, str]] = Counter()
    for c in corrections:
        if c.kind != "not_a_request":
            continue
        for term in set(c.matched_terms):
            for topic in c.topics:
                if topic in topics_by_id and _has_term(topics_by_id[topic].terms, term):
                    counts[(topic, term)] += 1
    for (topic, term), count in sorted(counts.items(), key=lambda item: (-item[1], item[0])):
        if count < threshold:
            continue
        proposal = Proposal(
            "drop_term", topic, f"drop term '{term}'", f"matched {count} messages marked not a FinOps request"
        )
        yield proposal, (lambda lines, t=topic, term=term: routing_edits.drop_term(lines, t, term))


def _terms_to_add(corrections, topics, support, max_new):
    known = {term.casefold() for topic in topics for term in topic.terms}
    words_by_target: dict[str, list[set[str]]] = defaultdict(list)
    everyone: Counter[str] = Counter()
    for c in corrections:
        words = {w for w in _words(c.excerpt) if w not in known}
        everyone.update(words)
        if c.kind == "reassigned" and c.to_persona:
            words_by_target[c.to_persona].append(words)

    for persona, excerpts in sorted(words_by_target.items()):
        here = Counter(word for words in excerpts for word in words)
        candidates = [
            (word, count)
            for word, count in here.items()
            # distinctive: mostly seen in the messages that went to this persona
            if count >= support and count >= 2 * (everyone[word] - count)
        ]
        candidates.sort(key=lambda item: (-item[1], item[0]))
        new_terms = [word for word, _ in candidates[:max_new]]
        topic = _best_topic_for(persona, excerpts, topics)
        if not new_terms or topic is None:
            continue
        proposal = Proposal(
            "add_terms",
            topic.id,
            "add terms " + ", ".join(f"'{t}'" for t in new_terms),
            f"frequent in {len(excerpts)} messages reassigned to {persona}",
        )
        yield proposal, (lambda lines, t=topic.id, terms=tuple(new_terms): routing_edits.add_terms(lines, t, terms))


def _best_topic_for(persona: str, excerpts: list[set[str]], topics: Sequence[TopicInfo]) -> TopicInfo | None:
    owned = [t for t in topics if persona in t.responsible]
    if not owned:
        return None
    words = Counter(w for ws in excerpts for w in ws)

    def overlap(topic: TopicInfo) -> int:
        return sum(words[w] for term in topic.terms for w in _words(term))

    # Highest overlap wins; the earlier topic in the file breaks ties (max keeps the first).
    return max(owned, key=overlap)


def _words(text: str) -> list[str]:
    return [
        w
        for w in (m.group(0).casefold() for m in WORD.finditer(text))
        if len(w) >= MIN_WORD_LENGTH and w not in STOPWORDS
    ]


def _has_term(terms: Sequence[str], term: str) -> bool:
    return term in terms or term.casefold() in {t.casefold() for t in terms}
