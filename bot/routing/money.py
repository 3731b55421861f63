"""Money as stated in a message, and its USD equivalent.

Escalation thresholds are in USD; an alert may state euros, pounds, yen...
The stated figure and currency are kept and shown as stated; the USD
equivalent uses approximate conversion rates (``routing.yaml``
``currencies:``, falling back to ``DEFAULT_RATES``). A commitment's hourly or
monthly rate ("$64.00/hour" on a 3-year plan) counts for escalation as the
commitment's total over its term.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import NamedTuple

from bot.config.currencies import DEFAULT_RATES, DEFAULT_RATES_DATE, KNOWN_CODES
from bot.routing.sources import AmountKind

__all__ = ["DEFAULT_RATES", "DEFAULT_RATES_DATE", "KNOWN_CODES", "SYMBOLS", "Money", "format_usd", "money"]

# Symbols written before a figure; "$" alone is US dollars.
SYMBOLS: Mapping[str, str] = {
    "$": "USD",
    "US$": "USD",
    "€": "EUR",
    "£": "GBP",
    "¥": "JPY",
    "₹": "INR",
    "C$": "CAD",
    "CA$": "CAD",
    "CAD$": "CAD",
    "A$": "AUD",
    "AU$": "AUD",
    "AUD$": "AUD",
    "NZ$": "NZD",
    "S$": "SGD",
    "HK$": "HKD",
    "R$": "BRL",
    "MX$": "MXN",
}
_SHOWN = {"USD": "$", "EUR": "€", "GBP": "£", "JPY": "¥", "INR": "₹", "CAD": "CA$", "AUD": "A$"}
HOURS_PER_YEAR = 8760
# Periods a commitment's rate is stated per, as multiples of one year.
_PER_YEAR = {"hour": HOURS_PER_YEAR, "month": 12}


class Money(NamedTuple):
    """Immutable; a named tuple because one is built for every message stating an amount."""

    amount: float  # as stated
    currency: str  # ISO 4217
    usd: float | None = None  # ``amount`` in USD; None when no rate is known for the currency
    per: str | None = None  # "hour", "month", "day", "week", "year" when stated as a rate
    kind: AmountKind | None = None  # what the figure is, from its label
    term_years: float | None = None  # a commitment's term, when ``per`` is an hour or a month
    total_usd: float | None = None  # the commitment's total over its term, in USD

    @property
    def escalation_usd(self) -> float | None:
        """The figure escalation thresholds compare against."""
        return self.total_usd if self.total_usd is not None else self.usd

    def stated(self) -> str:
        """The figure as the message stated it: "€45,000", "$35.00/hour", "12,000 CHF"."""
        number = _number(self.amount)
        symbol = _SHOWN.get(self.currency)
        text = f"{symbol}{number}" if symbol else f"{number} {self.currency}"
        return f"{text}/{self.per}" if self.per else text

    def describe(self) -> str:
        """For explanations: the stated figure and, when it differs, what counts in USD."""
        text = f"{self.stated()} stated"
        if self.total_usd is not None:
            years = f"{self.term_years:g}-year" if self.term_years else "1-year"
            return f"{text} (≈ {format_usd(self.total_usd)} over a {years} commitment)"
        if self.currency != "USD":
            if self.usd is None:
                return f"{text} (no conversion rate for {self.currency})"
            return f"{text} (≈ {format_usd(self.usd)})"
        return text


def money(
    amount: float,
    currency: str,
    rates: Mapping[str, float],
    *,
    per: str | None = None,
    kind: AmountKind | None = None,
    term_years: float | None = None,
) -> Money:
    rate = rates.get(currency)
    usd = None
    if rate is not None:
        usd = amount * rate
        # A rate ("$1.125/hour") or a figure under a dollar keeps its tenths of a cent.
        usd = round(usd, 4) if per or abs(usd) < 1 else round(usd, 2)
    total = None
    if usd is not None and per in _PER_YEAR and term_years:
        total = round(usd * _PER_YEAR[per] * term_years, 2)
    return Money(amount, currency, usd, per, kind, term_years if total is not None else None, total)


def format_usd(amount: float) -> str:
    return f"${amount:,.2f}" if amount % 1 else f"${amount:,.0f}"


def _number(amount: float) -> str:
    if abs(amount) < 1 and round(amount, 2) != amount:
        return f"{amount:.4f}".rstrip("0")  # a unit price or rate in fractions of a cent: "0.045", "0.0125"
    return f"{amount:,.2f}" if amount % 1 else f"{amount:,.0f}"
