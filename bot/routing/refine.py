"""What a message says beyond its topics, applied to the topics' decision.

Two readings the topic scores cannot make: a notice that needs nobody
(``notices``: closed, routine, news) tags nobody, and personas the message asks
by name are tagged (``addressees``).
"""

from __future__ import annotations

from dataclasses import replace

from bot.config.models import BotConfig
from bot.routing import notices
from bot.routing.addressees import Addressees
from bot.routing.decision import Decision


class Refiner:
    def __init__(self, config: BotConfig) -> None:
        self.addressees = Addressees({p.id: p.called for p in config.personas.personas})

    def apply(self, decision: Decision, text: str) -> Decision:
        if not decision.is_request:
            return decision
        reason = notices.informational(text)
        if reason is not None:
            return replace(
                decision,
                is_request=False,
                tags=(),
                accountable=(),
                consulted=(),
                informed=(),
                topics=(),
                confidence=0.0,
                explanation=f"{reason} (was: {decision.explanation})",
            )
        return self.addressees.apply(decision, text)
