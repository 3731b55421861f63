"""Short text packed with a preset dictionary: a request's explanation, its personas by role, event details.

Both are short (~140 and ~110 bytes) and made of the same words every time:
persona ids, role names, topic names, "matched", "responsible". zlib on its own
cannot pack text that short (it has nothing earlier to refer to); with those
words given as a preset dictionary it packs them to about 40% and 25%
(measured on the shipped samples), and the 'routed' event's detail (its event
id and matched terms) to about 65%: about 0.2 KB less per routed event on both
back ends. Words a config adds (its own topics) only pack less well.

A packed value starts with its dictionary's version byte, so the dictionary can
grow in a later version without making stored rows unreadable: add a new
version, never change an old one. Values stored before packing (text, or JSON
text) are read as they are.
"""

from __future__ import annotations

import functools
import json
import zlib
from typing import Any

from sqlalchemy import LargeBinary, TypeDecorator

# Version 1: the FinOps Framework persona ids and RACI roles, the shipped topic names, and the router's
# explanation phrases. zlib reads most from the end of a dictionary, so the commonest words come last.
_WORDS_V1 = (
    "Cost anomalies; Suspicious usage (cost as a security signal); Budgets and budget alerts; "
    "Overspend against plan; Sandbox and zero-spend tripwires; Forecasting; Financial reporting, variance and "
    "close; COGS and gross margin; KPIs, dashboards and cost visibility; Billing data ingestion and "
    "normalisation (FOCUS); Commitments strategy (RIs, Savings Plans, CUDs); Commitment expiry and purchase "
    "execution; Enterprise agreements and committed spend (EDP, MACC, PPA); Vendor contract renewals; Cloud "
    "marketplace purchases; Credits and refunds; Vendor risk; Invoices and billing; Tagging and labelling; Cost "
    "allocation; Showback and chargeback; Kubernetes cost allocation; Unit economics and product cost decisions; "
    "Rightsizing and workload optimisation; Idle and orphaned resources; Storage lifecycle and retention; Data "
    "transfer and egress; AI and GPU spend; Cost estimates for changes (IaC); Data platform consumption "
    "(Snowflake, Databricks, BigQuery); Software licences and true-ups; Software audits; Asset inventory; "
    "Emissions and sustainability; SLAs and availability trade-offs; Security tooling spend; Billing access and "
    "permissions; Capitalisation, opex/capex and TCO; Large spend approvals; Policy and governance; FinOps "
    "training and culture; Cost message matching no topic confidently (weak hint: ) → (fallback); "
    "(owning team) account; /month stated; /year stated; $ stated; leadership escalated (amount ≥ threshold); "
    ' also "escalation":["leadership"],"fallback":["finops-practitioner"],'
    '"itsm","itam","itfm","sustainability","security","procurement","product","leadership",'
    '"responsible":["engineering"],"responsible":["finance"],"accountable":[],"consulted":[],"informed":[]}'
    '{"responsible":["finops-practitioner"],"accountable":["finops-practitioner"],"consulted":["finance"],'
    '"informed":["engineering"]} → engineering responsible; → finance responsible; (matched \''
)
_DICTIONARIES = {1: _WORDS_V1.encode()}
_CURRENT = 1
_LEVEL = 6  # packs these short values as well as 9 does, in less time
# A 4 KB window holds the dictionary and the value; zlib's small state for it is set up in ~15 µs a value,
# half the time of its default 32 KB window.
_WINDOW_BITS = 12
_MEMORY_LEVEL = 5


@functools.lru_cache(maxsize=2048)  # personas by role repeat with every alert of a kind: packed once (~15 µs)
def pack_text(value: str) -> bytes:
    version = _CURRENT
    packer = zlib.compressobj(
        _LEVEL, zlib.DEFLATED, -_WINDOW_BITS, _MEMORY_LEVEL, zlib.Z_DEFAULT_STRATEGY, _DICTIONARIES[version]
    )
    return bytes((version,)) + packer.compress(value.encode()) + packer.flush()


def unpack_text(value: bytes | str) -> str:
    """A stored value back; rows written before packing hold the text itself (as text, or its bytes)."""
    if isinstance(value, str):
        return value
    data = bytes(value)
    dictionary = _DICTIONARIES.get(data[0]) if data else None
    if dictionary is None:  # a version byte is never printable text: this is the plain text's bytes
        return data.decode()
    unpacker = zlib.decompressobj(-_WINDOW_BITS, dictionary)
    return (unpacker.decompress(data[1:]) + unpacker.flush()).decode()


_compact_json = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False).encode


def pack_json(value: Any) -> bytes:
    return pack_text(_compact_json(value))


def unpack_json(value: Any) -> Any:
    """Packed JSON back; rows written before packing hold JSON text (or, read from a JSON column, the value)."""
    if isinstance(value, (dict, list)):
        return value
    return json.loads(unpack_text(value))


class PackedText(TypeDecorator[str]):
    """Short, repetitive text stored packed with the preset dictionary."""

    impl = LargeBinary
    cache_ok = True

    def process_bind_param(self, value: str | None, dialect: Any) -> bytes | None:
        return None if value is None else pack_text(value)

    def process_result_value(self, value: bytes | str | None, dialect: Any) -> str | None:
        return None if value is None else unpack_text(value)


class PackedSmallJSON(TypeDecorator[Any]):
    """Small JSON (a few persona ids by role) stored packed with the preset dictionary."""

    impl = LargeBinary
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Any) -> bytes | None:
        return None if value is None else pack_json(value)

    def process_result_value(self, value: Any, dialect: Any) -> Any:
        return None if value is None else unpack_json(value)
