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
MAX_LINE = 100


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
        yield proposal, (lambda lines, t=topic, f=from_persona, to=to_persona: _set_responsible(lines, t, f, to))


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
        yield proposal, (lambda lines, t=topic, term=term: _drop_term(lines, t, term))


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
        yield proposal, (lambda lines, t=topic.id, terms=tuple(new_terms): _add_terms(lines, t, terms))


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


# ---------------------------------------------------------------- line-based YAML edits

_TOPIC_ID = r"^(\s*)-\s+id:\s*['\"]?{}['\"]?\s*(#.*)?$"


def _topic_span(lines: list[str], topic_id: str) -> tuple[int, int, int] | None:
    """(first line, end line exclusive, indent of '-') of the topic's list item."""
    pattern = re.compile(_TOPIC_ID.format(re.escape(topic_id)))
    for start, line in enumerate(lines):
        match = pattern.match(line.rstrip("\n"))
        if not match:
            continue
        indent = len(match.group(1))
        end = start + 1
        while end < len(lines):
            text = lines[end].rstrip("\n")
            stripped = text.strip()
            if stripped and not stripped.startswith("#"):
                current = len(text) - len(text.lstrip())
                if current < indent or (current == indent and stripped.startswith("-")):
                    break
            end += 1
        # Trailing blank lines and comments belong to whatever follows.
        while end - 1 > start and (not lines[end - 1].strip() or lines[end - 1].lstrip().startswith("#")):
            end -= 1
        return start, end, indent
    return None


def _key_line(lines: list[str], start: int, end: int, key: str) -> tuple[int, int, str] | None:
    """(line index, indent, text after 'key:') of the first ``key:`` within the span."""
    pattern = re.compile(rf"^(\s*)(?:-\s+)?{re.escape(key)}:\s*(.*?)\s*$")
    for index in range(start, end):
        match = pattern.match(lines[index].rstrip("\n"))
        if match:
            rest = re.sub(r"\s+#[^'\"]*$", "", match.group(2))  # a trailing comment
            return index, len(match.group(1)), rest
    return None


def _flow_end(lines: list[str], first: int) -> int | None:
    """Index of the line closing the flow list opened on line ``first``."""
    depth = 0
    quote: str | None = None
    for index in range(first, len(lines)):
        for char in lines[index]:
            if quote:
                if char == quote:
                    quote = None
            elif char in "'\"":
                quote = char
            elif char == "#":
                break
            elif char == "[":
                depth += 1
            elif char == "]":
                depth -= 1
                if depth == 0:
                    return index
    return None


def _block_items(lines: list[str], key_index: int, key_indent: int, end: int) -> list[int]:
    items = []
    for index in range(key_index + 1, end):
        text = lines[index].rstrip("\n")
        stripped = text.strip()
        if not stripped or stripped.startswith("#"):
            continue
        indent = len(text) - len(text.lstrip())
        if indent < key_indent or (indent == key_indent and not stripped.startswith("- ")):
            break
        if stripped.startswith("- "):
            items.append(index)
    return items


def _yaml_scalar(term: str) -> str:
    if re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9 \-]*[A-Za-z0-9]|[A-Za-z0-9]", term):
        return term
    return "'" + term.replace("'", "''") + "'"


def _unquote(item: str) -> str:
    item = item.strip()
    if len(item) >= 2 and item[0] == item[-1] and item[0] in "'\"":
        return item[1:-1].replace("''", "'") if item[0] == "'" else item[1:-1]
    return item


def _add_terms(lines: list[str], topic: str, terms: Sequence[str]) -> list[str] | None:
    span = _topic_span(lines, topic)
    found = _key_line(lines, span[0], span[1], "terms") if span else None
    if span is None or not found:
        return None
    key_index, key_indent, rest = found
    lines = list(lines)
    addition = ", ".join(_yaml_scalar(t) for t in terms)
    if rest.startswith("["):
        close = _flow_end(lines, key_index)
        if close is None:
            return None
        line = lines[close]
        position = line.rindex("]")
        newline = "\n" if line.endswith("\n") else ""
        if len(line.rstrip("\n")) + len(addition) + 2 <= MAX_LINE:
            lines[close] = f"{line[:position].rstrip()}, {addition}{line[position:]}"
        else:
            continuation = " " * (lines[key_index].index("[") + 1)
            lines[close] = f"{line[:position].rstrip()},{newline}"
            lines.insert(close + 1, f"{continuation}{addition}{line[position:]}")
        return lines
    if rest == "":
        items = _block_items(lines, key_index, key_indent, span[1])
        if not items:
            return None
        last = lines[items[-1]]
        prefix = last[: len(last) - len(last.lstrip())]
        for offset, term in enumerate(terms, start=1):
            lines.insert(items[-1] + offset, f"{prefix}- {_yaml_scalar(term)}\n")
        return lines
    return None


def _drop_term(lines: list[str], topic: str, term: str) -> list[str] | None:
    span = _topic_span(lines, topic)
    found = _key_line(lines, span[0], span[1], "terms") if span else None
    if span is None or not found:
        return None
    key_index, key_indent, rest = found
    lines = list(lines)
    if rest.startswith("["):
        close = _flow_end(lines, key_index)
        if close is None:
            return None
        text = "".join(lines[key_index : close + 1])
        opened = text.index("[")
        closed = text.rindex("]")
        pieces = _split_flow(text[opened + 1 : closed])
        keep = [i for i, p in enumerate(pieces) if _unquote(p) != term]
        if len(keep) == len(pieces):
            keep = [i for i, p in enumerate(pieces) if _unquote(p).casefold() != term.casefold()]
        if len(keep) == len(pieces):
            return None
        kept = [pieces[i] for i in keep]
        if kept and keep[0] != 0:
            kept[0] = kept[0].lstrip(" ")
        replaced = text[: opened + 1] + ",".join(kept) + text[closed:]
        new_lines = [line for line in replaced.splitlines(keepends=True) if line.strip()]
        lines[key_index : close + 1] = new_lines
        return lines
    if rest == "":
        for index in _block_items(lines, key_index, key_indent, span[1]):
            if _unquote(lines[index].strip()[2:]).casefold() == term.casefold():
                del lines[index]
                return lines
    return None


def _split_flow(body: str) -> list[str]:
    """The raw items of a flow list body, each with the whitespace that precedes it."""
    pieces, current, quote = [], "", None
    for char in body:
        if quote:
            quote = None if char == quote else quote
        elif char in "'\"":
            quote = char
        elif char == ",":
            pieces.append(current)
            current = ""
            continue
        current += char
    if current.strip():
        pieces.append(current)
    return pieces


def _set_responsible(lines: list[str], topic: str, from_persona: str | None, to_persona: str) -> list[str] | None:
    span = _topic_span(lines, topic)
    owners = _key_line(lines, span[0], span[1], "owners") if span else None
    if span is None or not owners:
        return None
    owners_index, owners_indent, _ = owners
    lines = list(lines)
    found = _key_line(lines, owners_index + 1, span[1], "responsible")
    if found is None:
        lines.insert(owners_index + 1, f"{' ' * (owners_indent + 2)}responsible: [{to_persona}]\n")
        return lines
    key_index, _, rest = found
    if rest.startswith("[") and rest.endswith("]"):
        current = [_unquote(p) for p in _split_flow(rest[1:-1])]
        wanted = [to_persona, *[p for p in current if p not in (to_persona, from_persona)]]
        line = lines[key_index]
        lines[key_index] = line[: line.index("[")] + "[" + ", ".join(wanted) + "]" + line[line.rindex("]") + 1 :]
        return lines
    return None
