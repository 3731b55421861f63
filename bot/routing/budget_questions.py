"""Short budget questions in a cost channel: the cloud budget, unless the budget is another's.

"Are we over budget this month?", "<@fin> how much budget is left for november?", "presupuesto al
80%" carry no cloud word, yet in a channel the bot watches "the budget" is the cloud budget. Such a
message is read as cloud-cost context when

* a word of the budget topic matched and a budget word stands in the message,
* a cue asks the budget's state (over, left, burned, this month, superado, ausgeschöpft...) or who
  sets, owns, approves or reviews it (who, sets, approves, quién, wer...), or a percentage is stated,
* the budget is unqualified or qualified only by a period or a cloud scope: the word before it is a
  determiner, a cue, a period or a scope ("the", "over", "monthly", "cloud", not "hiring", "error",
  "time"); the word after it is one of those or a link ("for", "de", "für", "before") followed by a
  period or a scope ("for Q4", "de noviembre", "before friday", "for the data team": a team's name
  may stand before its scope word; not "for the party", "de la boda"); and no later link names
  something else ("left for learning books"),
* nothing names what another budget is for (a movie, a wedding): ``other_budgets``. A message with
  no cloud word that does ("how much of the events budget have we spent?") is not a cost request.

Word lists, in every language: ``budget_questions`` in routing.yaml.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence

from bot.config.models import BudgetQuestions as BudgetQuestionsConfig
from bot.routing.normalize import fold


class BudgetQuestions:
    """Immutable once built; one per router."""

    def __init__(self, config: BudgetQuestionsConfig) -> None:
        self.topic = config.topic or None
        self._words = tuple(fold(word) for word in config.words)
        self._cues = frozenset(fold(word) for word in config.cues)
        # What may qualify a cloud budget: a period or a scope ("the monthly budget", "for Q4").
        self._qualifiers = frozenset(fold(word) for word in (*config.periods, *config.scopes)) | self._cues
        self._scopes = frozenset(fold(word) for word in config.scopes)
        self._around = frozenset(fold(word) for word in config.around) | self._qualifiers
        self._links = frozenset(fold(word) for word in config.links)
        self._others = frozenset(fold(word) for word in config.other_budgets)

    def reading(self, topics: Collection[str], tokens: Sequence[str], text: str) -> bool | None:
        """True when the message asks about the cloud budget's state, False when it names what another
        budget is for (``other_budgets``), None when it says neither; ``topics``: those with evidence."""
        if self.topic is None or self.topic not in topics:
            return None
        words = [fold(token) for token in tokens]
        at = next((i for i, word in enumerate(words) if word.startswith(self._words)), None)
        if at is None:
            return None
        cued = "%" in text
        for word in words:
            if self._other(word):
                return False
            cued = cued or word in self._cues
        if not cued or (at > 0 and words[at - 1] not in self._around):
            return None  # "the hiring budget", "the error budget"
        if at + 1 < len(words):
            after = words[at + 1]
            if after not in self._around and after not in self._links:
                return None  # "the budget meeting", "budget slider"
        # Every link after the budget word ("for", "de", "für") must lead to a period or a scope.
        for i in range(at + 1, len(words)):
            if words[i] in self._links and not self._qualified(words, i + 1):
                return None
        return True

    def names_other_spending(self, tokens: Sequence[str], spans: Sequence[tuple[int, int]]) -> bool:
        """Whether a cost word (its first and last token in ``spans``) is qualified by what other spending
        it is for: "the catering invoice", "the invoice for the offsite". With no cloud word, such a bill
        is not the cloud's; a word elsewhere ("cost anomaly event") qualifies nothing."""
        if self.topic is None:
            return False
        words = [fold(token) for token in tokens]
        for first, last in spans:
            if first > 0 and self._other(words[first - 1]):
                return True
            after = last + 1
            linked = after < len(words) and words[after] in self._links
            if linked and any(self._other(word) for word in words[after + 1 : after + 4]):
                return True  # "for the offsite", "for the team dinner"
        return False

    def _other(self, word: str) -> bool:
        return word in self._others or (word[-1:] == "s" and word[:-1] in self._others)

    def _qualified(self, words: list[str], start: int) -> bool:
        """Whether the words from ``start`` reach a period or a scope before anything else; one name may
        stand before a scope ("for the data team"), none before a period ("for the garden this year")."""
        named = False
        for word in words[start : start + 4]:
            if word in self._scopes if named else word in self._qualifiers:
                return True
            if word in self._around:
                continue
            if named:
                return False
            named = True
        return False
