"""`/finops who-owns <topic>`: which personas own a topic, by role.

The query is matched against each topic's id, name, terms and aliases
(capability names, everyday synonyms; weighted above terms) with the same
folding, stemming, shorthand and typo tolerance as the router, but without case
sensitivity (people type "cuds" and "macc" in a slash command). The topic whose
terms cover most of the query wins. Typo corrections alone answer only a query
they cover entirely; otherwise, and for an unknown topic, the answer is
"unknown" with suggestions, never a guess.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass

from bot.config.models import BotConfig, Topic
from bot.routing import lexicon
from bot.routing.matcher import TermIndex, split_boost
from bot.routing.normalize import fold
from bot.routing.slack_text import clean_mrkdwn

MAX_SUGGESTIONS = 3
MAX_DUTIES = 3
ALIAS_BOOST = 1.5
# Words of a query that name no topic ("who owns the ...").
_FILLER = frozenset(
    {"the", "a", "an", "our", "my", "of", "for", "and", "or", "to", "in", "on", "who", "owns", "is", "what", "about"}
)
_GENERIC_NAME_WORDS = frozenset({"cost", "costs", "spend", "with", "from", "and", "cloud", "data", "their"})
_COMMAND_PREFIX = re.compile(r"^\s*/?(?:finops\s+)?who[\s-]*owns\b[\s:]*", re.IGNORECASE)


@dataclass(frozen=True)
class WhoOwnsAnswer:
    query: str
    topic: Topic | None
    personas: tuple[str, ...]  # responsible first, then accountable, consulted
    suggestions: tuple[str, ...]  # topic ids
    # Per responsible persona, its responsibilities and duties about the topic (none when none names it).
    duties: tuple[tuple[str, tuple[str, ...]], ...] = ()
    # For an unknown topic: the known word or phrase closest to the query, whose topics are the
    # suggestions ("lunch" is near "launch"), so a suggestion shows why it is made.
    near: str | None = None

    def to_dict(self) -> dict[str, object]:
        owners = self.topic.owners if self.topic else None
        return {
            "query": self.query,
            "topic": self.topic.id if self.topic else None,
            "topic_name": self.topic.name if self.topic else None,
            "personas": list(self.personas),
            "owners": {
                "responsible": list(owners.responsible) if owners else [],
                "accountable": list(owners.accountable) if owners else [],
                "consulted": list(owners.consulted) if owners else [],
                "informed": list(owners.informed) if owners else [],
            },
            "suggestions": list(self.suggestions),
            "near": self.near,
            "duties": {persona: list(lines) for persona, lines in self.duties},
        }


class TopicLookup:
    def __init__(self, config: BotConfig) -> None:
        self.config = config
        self._topics = {topic.id: topic for topic in config.routing.topics}
        groups: dict[str, list[str]] = {}
        for topic in config.routing.topics:
            names = [topic.id.replace("-", " "), topic.name.lower()]
            names += [split_boost(term)[0].lower() for term in topic.terms]
            # A topic's aliases: capability names and everyday synonyms, which
            # outweigh a term of the same length (see _rank).
            names += [f"{alias.lower()}^{ALIAS_BOOST}" for alias in topic.aliases]
            groups[topic.id] = names
        # Everyday collocations ("expense report", "office budget") name no
        # topic: the longer phrase consumes the word a topic would have taken.
        groups[lexicon.NEUTRAL] = list(lexicon.NEUTRAL_TERMS)
        self._index = TermIndex(groups, shorthand=config.routing.shorthand)
        # Second chance: single words of topic names ("kubernetes" finds
        # "Kubernetes cost allocation"), tried only when no term matched.
        name_words: dict[str, list[str]] = {}
        for topic in config.routing.topics:
            words = re.findall(r"[^\W_]+", topic.name.lower())
            name_words[topic.id] = [w for w in words if len(w) >= 4 and w not in _GENERIC_NAME_WORDS]
        self._name_index = TermIndex(name_words)
        # Other languages' words for topics ("presupuesto", "Rechnung"), tried
        # when no English term answers.
        self._foreign = [
            TermIndex(
                {
                    topic.id: [split_boost(t)[0].lower() for t in topic.terms_by_language.get(code, ())]
                    for topic in config.routing.topics
                },
                language=code,
            )
            for code in config.routing.languages
        ]
        self._duties = self._duties_by_topic(config)
        self._labels: dict[str, str] = {}
        for topic in config.routing.topics:
            for label in [topic.id, topic.name, *topic.aliases, *(split_boost(t)[0] for t in topic.terms)]:
                self._labels.setdefault(fold(label), topic.id)

    def lookup(self, query: str) -> WhoOwnsAnswer:
        text = _COMMAND_PREFIX.sub("", clean_mrkdwn(query or "")).strip()
        if not text:
            return WhoOwnsAnswer(query=text, topic=None, personas=(), suggestions=())
        ranked = self._rank(text)
        if not ranked:
            near, suggestions = self._suggest(text)
            return WhoOwnsAnswer(query=text, topic=None, personas=(), suggestions=suggestions, near=near)
        topic = self._topics[ranked[0]]
        owners = topic.owners
        personas = tuple(dict.fromkeys((*owners.responsible, *owners.accountable, *owners.consulted)))
        # Only lines about the topic: a persona's general duties under "Kubernetes cost allocation" read as
        # if they were about it (a new user saw finance's invoice reconciliation there).
        duties = tuple((p, self._duties.get((p, topic.id), ())) for p in owners.responsible)
        return WhoOwnsAnswer(
            query=text,
            topic=topic,
            personas=personas,
            suggestions=tuple(ranked[1 : 1 + MAX_SUGGESTIONS]),
            duties=duties,
        )

    def names_a_topic(self, query: str) -> bool:
        """Whether ``query`` is word for word a topic's id, name, alias or term: "namespace cost"
        opens with a scope word but is Kubernetes cost allocation's (see bot.routing.scope_queries)."""
        text = _COMMAND_PREFIX.sub("", clean_mrkdwn(query or ""))
        return fold(" ".join(text.split())) in self._labels

    def _duties_by_topic(self, config: BotConfig) -> dict[tuple[str, str], tuple[str, ...]]:
        """(persona, topic) -> the persona's responsibilities and duties naming the topic's terms."""
        found: dict[tuple[str, str], list[str]] = {}
        for persona in config.personas.personas:
            for line in (*persona.responsibilities, *(" ".join(d.text.split()) for d in persona.duties)):
                # A line is about the topics most of its words name: "track
                # KPIs, unit metrics and allocation coverage" is not commitments'.
                weight: dict[str, int] = {}
                for hit in self._index.match(line):
                    for group in hit.term.groups:
                        if not hit.typo and group in self._topics:
                            weight[group] = weight.get(group, 0) + len(hit.term.key)
                best = max(weight.values(), default=0)
                about = [t for t, w in weight.items() if w == best]
                # A line naming three topics or more once each is general.
                for topic_id in about if len(about) <= 2 else ():
                    lines = found.setdefault((persona.id, topic_id), [])
                    if line not in lines and len(lines) < MAX_DUTIES:
                        lines.append(line)
        return {key: tuple(lines) for key, lines in found.items()}

    def _rank(self, text: str) -> list[str]:
        ranked, everyday = self._rank_english(text)
        if ranked or everyday:
            return ranked  # "marketing budget" is nobody's in any language
        for index in self._foreign:
            scores: dict[str, float] = {}
            hits = index.match(text)
            if any(hit.typo for hit in hits):
                continue  # another language's words are taken as written
            for hit in hits:
                for topic_id in hit.term.groups:
                    scores[topic_id] = scores.get(topic_id, 0.0) + len(hit.term.key) / len(hit.term.groups)
            if scores:
                order = {topic_id: i for i, topic_id in enumerate(self._topics)}
                return sorted(scores, key=lambda t: (-scores[t], order[t]))
        return []

    def _rank_english(self, text: str) -> tuple[list[str], bool]:
        """The topics ranked, and whether the query holds an everyday collocation."""
        tokens = self._index.tokens(text)
        content = sum(1 for t in tokens if fold(t) not in _FILLER)
        scores: dict[str, float] = {}
        everyday = False
        for variant in (text, " ".join(_singular(t) for t in tokens)):
            exact = 0
            typo_words = 0
            for hit in self._index.match(variant):
                everyday = everyday or lexicon.NEUTRAL in hit.term.groups
                # Coverage first: the topic whose term spans more of the query.
                weight = len(hit.term.key) * (0.7 if hit.typo else 1.0)
                if hit.typo:
                    typo_words += len(hit.term.key)
                else:
                    exact += 1
                for topic_id, boost in zip(hit.term.groups, hit.term.boosts, strict=True):
                    if topic_id not in self._topics:
                        continue
                    share = weight * boost / len(hit.term.groups)
                    scores[topic_id] = scores.get(topic_id, 0.0) + share
            # Typo corrections alone answer only a query they cover entirely:
            # "forcast" is forecasting, "parking permits" is nobody's.
            if scores and not exact and typo_words < content:
                scores = {}
            if scores:
                break
        if not scores and not everyday:
            for hit in self._name_index.match(text):
                if hit.typo and len(hit.term.key) < content:
                    continue
                for topic_id in hit.term.groups:
                    scores[topic_id] = scores.get(topic_id, 0.0) + 1.0 / len(hit.term.groups)
        order = {topic_id: i for i, topic_id in enumerate(self._topics)}
        return sorted(scores, key=lambda t: (-scores[t], order[t])), everyday

    def _suggest(self, text: str) -> tuple[str | None, tuple[str, ...]]:
        """The closest known label and the topics of the labels about as close. Only a near spelling
        counts (difflib ratio 0.75: one letter in four): at 0.5 "parking permits" drew "pricing terms"."""
        close = difflib.get_close_matches(fold(text), list(self._labels), n=10, cutoff=0.75)
        topics = tuple(dict.fromkeys(self._labels[label] for label in close))[:MAX_SUGGESTIONS]
        return (close[0] if close else None), topics


def _singular(token: str) -> str:
    """'RIs', 'SPs', 'cuds' -> 'RI', 'SP', 'cud' (the stemmer leaves short words alone)."""
    if len(token) >= 3 and token[-1] in "sS" and not token.lower().endswith("ss"):
        return token[:-1]
    return token
