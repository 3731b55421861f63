"""Whether a message is about cloud cost at all, before any topic.

Each term carries context groups (cloud, money, request, announcement...);
a message's groups are OR-ed as bits, and ``Context.of`` turns them into how
sure the router may be that the message is a FinOps matter.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from bot.routing import lexicon

CLOUD, MONEY, INFO, ACTION = 1, 2, 4, 8
WEAK_CLOUD, WEAK_MONEY, REQUEST, ANNOUNCE, DECISIVE, DEFECT, OPS = 16, 32, 64, 128, 256, 512, 1024

DECISIVE_GROUP = "__decisive__"
# A question mark that ends a sentence, not one inside a URL's query string.
QUESTION = re.compile(r"\?+(?:\s|$|[)\"'*_~])")
MASK_BITS = {
    lexicon.CLOUD: CLOUD,
    lexicon.MONEY: MONEY,
    lexicon.INFO: INFO,
    lexicon.ACTION: ACTION,
    lexicon.WEAK_CLOUD: WEAK_CLOUD,
    lexicon.WEAK_MONEY: WEAK_MONEY,
    lexicon.REQUEST: REQUEST,
    lexicon.ANNOUNCE: ANNOUNCE,
    DECISIVE_GROUP: DECISIVE,
    lexicon.DEFECT: DEFECT,
    lexicon.OPS: OPS,
}


def mask_of(groups: frozenset[str]) -> int:
    """Context groups as bits, so a message's context is OR-ed, not set-unioned."""
    mask = 0
    for group in groups:
        mask |= MASK_BITS.get(group, 0)
    return mask


@dataclass(frozen=True)
class Context:
    """How sure the message is about cloud cost at all, before any topic.

    ``factor`` scales topic confidence: 1 with a decisive term (Savings Plan,
    chargeback, Glacier), a cloud name with a cost word, or a cloud name in a
    question or ask; 0.9 with a cloud name alone; 0.8 with a cost word alone
    (then the topic needs two terms). Ambiguous words (budget, savings, commit,
    instance, cloud, prod) count only next to a cloud name, a cost word or a
    decisive term, so "budget for the team lunch" or "instance of the class"
    stays chatter.
    """

    factor: float
    needs_two_terms: bool
    cost_message: bool
    announcement: bool
    defect_report: bool
    ops_report: bool

    @staticmethod
    @lru_cache(maxsize=4096)  # a pure function of ten bits and two flags; a Context is immutable, so shared
    def of(mask: int, has_amount: bool, has_question: bool) -> Context:
        decisive = bool(mask & DECISIVE)
        cloud = bool(mask & CLOUD)
        money = bool(mask & MONEY) or has_amount
        request = bool(mask & REQUEST) or has_question
        weak_cloud = bool(mask & WEAK_CLOUD)
        weak_money = bool(mask & WEAK_MONEY)
        cloud_context = cloud or (weak_cloud and (money or decisive))
        money_context = money or (weak_money and (cloud or decisive))
        if decisive or (cloud_context and money_context) or (cloud and request):
            factor = 1.0
        elif cloud_context:
            factor = 0.9
        elif money_context or (weak_cloud and (request or weak_money)):
            factor = 0.8
        else:
            factor = 0.0
        return Context(
            factor=factor,
            needs_two_terms=not (decisive or cloud_context),
            # A stated amount in a question is not enough ("is the gym
            # reimbursement still $50 a month?"); a cost word in one is.
            cost_message=money_context and (cloud_context or decisive or (request and bool(mask & MONEY))),
            # A release that names a cloud service's charges reports their cost ("after the deploy the
            # on-demand charges for that DynamoDB table went up"), not the release.
            announcement=bool(mask & ANNOUNCE)
            and not (decisive or request or has_amount or mask & ACTION or (cloud and bool(mask & MONEY))),
            defect_report=bool(mask & DEFECT) and not (cloud or has_amount),
            # Latency, a failing pipeline, a deploy: with no cost named, not a cost request.
            ops_report=bool(mask & OPS) and not (decisive or money or weak_money),
        )
