"""The personas a message asks by name: "finance please…", "can eng look at…", "(ITAM)".

People who know who owns what say so: "eng to cap tokens, product to decide if
the cost per user is acceptable". A persona is named as an addressee only in
the frames of an ask, never as a mere word ("engineering spend rose", "the
finance dashboard"): its name (``called:`` in personas.yaml) followed by
please / a colon / "to", "needs to", "should"… and a verb, preceded by "can",
"could", "ping", "cc", "loop in", in brackets, or in a list of names
("finance + eng pls").

The decision the topics made is then adjusted, never replaced by guesswork:

* two or more personas named → they are the owners, in the order written,
  before the topic's own (who stay, as the topic still needs them);
* one named → tagged too, first when it is named in the message's first
  clause ("finance: the accrual…"), after the topic's personas otherwise;
* a cost message no topic claimed (fallback) → the named personas instead of
  the fallback owner.

Messages that are not requests stay untouched: "ping finance about the party
budget" is still not a cloud cost matter.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import replace

from bot.routing.decision import Decision, PersonaTag, TagRole

_TOKEN = re.compile(r"[^\W_]+|&")
# Longer texts are reports or alerts, not a person's asks.
MAX_CHARS = 1200
_GROUP_WORDS = r"(?:\s+(?:team|teams|folks|people|side|org|group|guys))?"
# "please" and the modal verbs of an ask, in English and the other languages routed (es, fr, de, pt).
_MODALS = r"(?:please|pls|plz|por favor|s'il (?:te|vous) pla[iî]t|svp|bitte|por gentileza)\b"
_ASKING_VERBS = (
    r"to|needs?\s+to|has\s+to|have\s+to|must|should|shall|could|can|will|would"
    r"|puede|pueden|podría|debe|debería|tiene que|peut|peuvent|pourrait|doit|devrait|pode|podem|poderia|deve|precisa"
    r"|kann|können|könnte|soll|sollte|muss"
)
# After the name: please, a colon before a lower-case word, or an obligation with a verb.
_AFTER = re.compile(
    _GROUP_WORDS
    + r"(?:[,:]?\s*"
    + _MODALS
    + r"|:\s+(?=[a-z¿¡])"
    + r"|\s+(?:also\s+)?(?:"
    + _ASKING_VERBS
    + r")\s+(?!be\b|the\b|a\b|an\b|this\b|that\b)[^\W\d_]{2,}"
    + r"|\s+needs?\s+(?:the|a|an|it|this|that|to)\b"
    + r"|\s+(?:also\s+)?(?:executes|approves|decides|confirms|reviews|signs\s+off|handles|owns\s+(?:it|this|that))\b"
    + r"|\s+(?:is|are)\s+(?:deciding|reviewing|handling|checking|looking\s+into)\b"
    + r"|\s*\))",
    re.IGNORECASE,
)
# Before the name: a modal opening an ask, a verb of calling on someone, or a bracket.
_BEFORE = re.compile(
    r"(?:\b(?:can|could|would|will|puede|peut|pode|kann)|\b(?:ping|cc|ask|asking|loop\s+in|looping\s+in|page|paging)"
    r"|\()\s*(?:the\s+|our\s+)?$",
    re.IGNORECASE,
)
# "from engineering to finance", "cost of eng to date": the name is not the subject.
_NOT_SUBJECT = re.compile(r"\b(?:from|of|for|by|between|than|to|into|at)\s+(?:the\s+|our\s+)?$", re.IGNORECASE)
# Names listed together ("finance + eng pls", "procurement & sustainability?").
_JOINER = re.compile(r"\s*(?:\+|&|/|,|\band\b)\s*(?:the\s+)?", re.IGNORECASE)
_LIST_END = re.compile(_GROUP_WORDS + r"\s*(?:[,:]?\s*" + _MODALS + r"|[?!.]|$)", re.IGNORECASE)
# The first clause: up to a sentence end, a semicolon, a line break, a dash or
# ", and" / "and separately" before a new ask.
_FIRST_BREAK = re.compile(
    r"[.?!;]\s|\n|\s[—–-]+\s|,\s*(?:and|but|also|plus|then)\b|\band\s+(?:separately|also|then)\b", re.IGNORECASE
)


class Addressees:
    """Finds the personas a message asks by name, from ``{persona id: names}``."""

    def __init__(self, names: Mapping[str, Iterable[str]]) -> None:
        self._persona: dict[str, str] = {}  # folded name -> persona id
        exact: list[str] = []  # capital abbreviations: "SAM" is ITAM, "Sam" is a person
        folded: list[str] = []
        for persona_id, words in names.items():
            for word in words:
                word = word.strip()
                if not word:
                    continue
                if word.isupper() and len(word) <= 4:
                    exact.append(word)
                    self._persona.setdefault(word, persona_id)
                else:
                    folded.append(word)
                    self._persona.setdefault(word.lower(), persona_id)
        # Matched on the lower-cased text (case-insensitive alternations are
        # slow) and, for capital abbreviations, on the text as written; the
        # regexes open on the names themselves so the engine skips ahead.
        self._folded = _alternation(folded, lower=True)
        # Gate: the words of each name; the regex runs only when one name's words are all there.
        self._by_word: dict[str, list[frozenset[str]]] = {}
        for name in folded:
            words = frozenset(_TOKEN.findall(name.lower()))
            if words:
                self._by_word.setdefault(max(words, key=len), []).append(words)
        self._exact = _alternation(exact, lower=False)

    @property
    def empty(self) -> bool:
        return self._folded is None and self._exact is None

    def named(self, text: str) -> list[tuple[int, str]]:
        """(position, persona id) of each persona asked by name, in text order, each once."""
        if self.empty or len(text) > MAX_CHARS:
            return []
        mentions: list[tuple[int, int, str | None]] = []
        lowered = text.lower()
        if self._folded is not None and len(lowered) == len(text) and self._may_name(lowered):
            mentions += [(m.start(), m.end(), self._persona.get(m.group(0))) for m in self._folded.finditer(lowered)]
        if self._exact is not None:
            mentions += [(m.start(), m.end(), self._persona.get(m.group(0))) for m in self._exact.finditer(text)]
        mentions = sorted(m for m in mentions if m[0] == 0 or not _NAME_BEFORE(text[m[0] - 1]))
        if not mentions:
            return []
        asked: dict[str, int] = {}
        for index, (start, end, persona) in enumerate(mentions):
            if persona is None or persona in asked:
                continue
            subject = not _NOT_SUBJECT.search(text, max(0, start - 16), start)
            if (
                (subject and _AFTER.match(text, end))
                or _BEFORE.search(text, max(0, start - 16), start)
                or _in_list(text, mentions, index)
            ):
                asked[persona] = start
        return sorted(((pos, persona) for persona, pos in asked.items()), key=lambda item: item[0])

    def _may_name(self, lowered: str) -> bool:
        words = set(_TOKEN.findall(lowered))
        by_word = self._by_word
        return any(name <= words for key in by_word.keys() & words for name in by_word[key])

    def apply(self, decision: Decision, text: str) -> Decision:
        """``decision`` with the personas the message asks by name tagged (see the module doc)."""
        if not decision.is_request or self.empty:
            return decision
        named = self.named(text)
        if not named:
            return decision
        personas = [persona for _, persona in named]
        first_break = _FIRST_BREAK.search(text)
        in_first_clause = first_break is None or named[0][0] < first_break.start()
        owners = [t for t in decision.tags if t.role in ("responsible", "fallback")]
        others = [t for t in decision.tags if t.role not in ("responsible", "fallback")]
        if all(t.role == "fallback" for t in owners):
            owners = []
        ordered: list[tuple[str, TagRole]]
        if len(personas) >= 2:
            # The author said who: the topic's own owners are not tagged on top.
            ordered = [(p, "responsible") for p in personas]
        elif in_first_clause:
            ordered = [(p, "responsible") for p in personas] + [(t.persona, t.role) for t in owners]
        else:
            ordered = [(t.persona, t.role) for t in owners] + [(p, "responsible") for p in personas]
        tags: dict[str, TagRole] = {}
        for persona, role in [*ordered, *((t.persona, t.role) for t in others)]:
            tags.setdefault(persona, role)
        if list(tags.items()) == [(t.persona, t.role) for t in decision.tags]:
            return decision
        tagged = set(tags)
        return replace(
            decision,
            tags=tuple(PersonaTag(p, r) for p, r in tags.items()),
            accountable=tuple(p for p in decision.accountable if p not in tagged),
            consulted=tuple(p for p in decision.consulted if p not in tagged),
            informed=tuple(p for p in decision.informed if p not in tagged),
            explanation=f"{decision.explanation}; asked by name: {', '.join(personas)}",
        )


def _alternation(names: list[str], *, lower: bool) -> re.Pattern[str] | None:
    if not names:
        return None
    words = sorted({name.lower() if lower else name for name in names}, key=len, reverse=True)
    return re.compile("(?:" + "|".join(re.escape(w) for w in words) + r")(?![\w-])")


def _NAME_BEFORE(char: str) -> bool:
    """A name glued to what precedes it ("@finance", "#eng", "cost-eng") is not a name."""
    return char.isalnum() or char in "_@#/-"


def _in_list(text: str, mentions: list[tuple[int, int, str | None]], index: int) -> bool:
    """A name in a list of two or more names that ends an ask: "finance + eng pls"."""
    start = index
    while start > 0 and _JOINER.fullmatch(text, mentions[start - 1][1], mentions[start][0]):
        start -= 1
    end = index
    while end + 1 < len(mentions) and _JOINER.fullmatch(text, mentions[end][1], mentions[end + 1][0]):
        end += 1
    if end == start:
        return False
    return bool(_LIST_END.match(text, mentions[end][1]) or _AFTER.match(text, mentions[end][1]))
