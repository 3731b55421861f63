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
from collections.abc import Iterable, Mapping, Set
from dataclasses import replace

from bot.routing.decision import Decision, TagRole, persona_tags

_GENERIC_WORDS = frozenset(
    {"the", "cloud", "cost", "data", "api", "ml", "it", "our", "management", "service", "group", "sec", "fp"}
)
_TOKEN = re.compile(r"[^\W_]+")
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
# A second ask joined by "and" to a first one: "can itam reclaim the licences and engineering resize the
# hosts?", "itam please check the terms, and itsm decide...": the name after "and" is asked too, when
# an earlier name was and the word after it is not a noun the name qualifies ("and engineering spend").
_COORDINATED = re.compile(r"(?:,\s*|\s)and\s+(?:the\s+|our\s+)?$", re.IGNORECASE)
_VERB_AFTER = re.compile(
    r"\s+(?!(?:spend|spending|cost|costs|budget|budgets|bill|bills|side|team|teams|account|"
    r"accounts|org|dashboard|dashboards|report|reports|data|tooling|people|folks)\b)[a-z]{3,}\b"
)
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
        # A name is looked for (str.find on the lower-cased text) only when all
        # its words are among the message's words; most messages hold none.
        self._by_word: dict[str, list[tuple[frozenset[str], str]]] = {}
        for name in sorted({n.lower() for n in folded}, key=len, reverse=True):
            words = frozenset(_TOKEN.findall(name))
            if words:
                # Keyed by its most telling word: "dev team" by "dev", not by "team".
                telling = words - _GENERIC_WORDS or words
                self._by_word.setdefault(max(sorted(telling), key=len), []).append((words, name))
        self._exact = _alternation(exact, lower=False)
        self._exact_words = frozenset(name.lower() for name in exact)

    @property
    def empty(self) -> bool:
        return not self._by_word and self._exact is None

    def named(self, text: str, words: Set[str] | None = None) -> list[tuple[int, str]]:
        """(position, persona id) of each persona asked by name, in text order, each once.

        ``words``: the message's words, lower-cased, when the caller has them."""
        if self.empty or len(text) > MAX_CHARS:
            return []
        if words is None:
            words = set(_TOKEN.findall(text.lower()))
        candidates = self._candidates(words)
        exact = self._exact is not None and not self._exact_words.isdisjoint(words)
        if not candidates and not exact:
            return []
        mentions: list[tuple[int, int, str | None]] = []
        if candidates:
            lowered = text.lower()
            if len(lowered) == len(text):
                mentions += self._find(lowered, candidates)
        if exact and self._exact is not None:
            mentions += [(m.start(), m.end(), self._persona.get(m.group(0))) for m in self._exact.finditer(text)]
        mentions = sorted(m for m in mentions if m[0] == 0 or not _glued(text[m[0] - 1]))
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
                or (asked and _COORDINATED.search(text, max(0, start - 16), start) and _VERB_AFTER.match(text, end))
            ):
                asked[persona] = start
        return sorted(((pos, persona) for persona, pos in asked.items()), key=lambda item: item[0])

    def _candidates(self, words: Set[str]) -> list[str]:
        """Names whose words are all in the message, longest first."""
        by_word = self._by_word
        keys = by_word.keys() & words
        if not keys:
            return []
        found = [name for key in keys for need, name in by_word[key] if need <= words]
        return sorted(found, key=len, reverse=True)

    def _find(self, lowered: str, names: list[str]) -> list[tuple[int, int, str | None]]:
        """Where each name stands as whole words; a longer name wins over one inside it."""
        taken: list[tuple[int, int, str | None]] = []
        for name in names:
            at = lowered.find(name)
            while at >= 0:
                end = at + len(name)
                whole = end == len(lowered) or not (lowered[end].isalnum() or lowered[end] in "_-")
                if whole and all(end <= s or at >= e for s, e, _ in taken):
                    taken.append((at, end, self._persona.get(name)))
                at = lowered.find(name, at + 1)
        return taken

    def apply(self, decision: Decision, text: str, words: Set[str] | None = None) -> Decision:
        """``decision`` with the personas the message asks by name tagged (see the module doc)."""
        if not decision.is_request or self.empty:
            return decision
        named = self.named(text, words)
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
            tags=persona_tags(tags),
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


def _glued(char: str) -> bool:
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
