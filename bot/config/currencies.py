"""The built-in table of conversion rates to USD (routing.yaml ``currencies:`` overrides it)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

# USD per unit of each currency: approximate mid-market rates of the date
# below, for ranking and escalation only, never for accounting. Override or
# extend them in routing.yaml (`currencies:`).
DEFAULT_RATES_DATE = dt.date(2025, 11, 14)
DEFAULT_RATES: Mapping[str, float] = {
    "USD": 1.0,
    "EUR": 1.16,
    "GBP": 1.31,
    "JPY": 0.0065,
    "INR": 0.0113,
    "CAD": 0.713,
    "AUD": 0.65,
    "NZD": 0.565,
    "CHF": 1.25,
    "SEK": 0.105,
    "NOK": 0.099,
    "DKK": 0.155,
    "PLN": 0.273,
    "SGD": 0.767,
    "HKD": 0.1286,
    "CNY": 0.1406,
    "KRW": 0.00068,
    "BRL": 0.188,
    "MXN": 0.0545,
    "ZAR": 0.058,
    "ILS": 0.305,
}
# ISO 4217 codes read in payloads even without a configured rate (then the
# amount is kept as stated, with no USD equivalent).
KNOWN_CODES: frozenset[str] = frozenset(DEFAULT_RATES) | frozenset(
    {"AED", "ARS", "CLP", "COP", "CZK", "EGP", "HUF", "IDR", "MYR", "PHP", "RON", "SAR", "THB", "TRY", "TWD", "VND"}
)
