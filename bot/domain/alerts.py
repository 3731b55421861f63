"""An alert received straight from a cloud provider or a webhook, as the alert intake sees it."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Alert:
    """One cost alert from a provider, ready to be routed like a Slack message."""

    receiver: str  # "aws_sns" | "gcp_pubsub" | "azure" | "webhook"
    source: str  # "aws-budgets", "aws-cost-anomaly", "gcp-budget", "azure-budget", a webhook's source...
    kind: str  # "budget" | "cost-anomaly" | "savings-plans" | "reservations" | "notification"
    delivery_id: str  # the provider's id of this delivery: a redelivery carries the same one
    alert_key: str  # the alert's identity: a later notification of the same alert repeats it
    title: str
    text: str
    amount: float | None = None
    currency: str | None = None
    scope: Mapping[str, str] = field(default_factory=dict)  # account, project, subscription, namespace...
    link: str | None = None
    # Where the spend happened, largest impact first, when the alert names it apart from the
    # account that sent it (an AWS anomaly's root causes; scope["account"] is then the monitor's).
    linked_accounts: tuple[str, ...] = ()
    # The sender says the condition that fired has cleared (Azure "Resolved", a CloudWatch alarm back
    # to OK, a webhook's mapped status): a note in the firing alert's thread, never a new request.
    resolved: bool = False

    def message(self) -> dict[str, Any]:
        """The alert as the router reads a Slack message."""
        lines = [self.title, self.text]
        if self.amount is not None:
            lines.append(f"Amount: {format_amount(self.amount, self.currency)}")
        lines.extend(f"{name.replace('_', ' ').capitalize()}: {value}" for name, value in self.scope.items())
        return {"text": "\n".join(line for line in lines if line), "attachments": []}

    def fingerprint(self) -> str:
        return hashlib.sha256(f"{self.source}\x1f{self.alert_key}".encode()).hexdigest()[:40]


def format_amount(amount: float, currency: str | None) -> str:
    code = (currency or "USD").upper()
    return f"${amount:,.2f}" if code == "USD" else f"{amount:,.2f} {code}"
