"""Datadog monitors on Cloud Cost and estimated usage: "[Triggered] [P2] …",
``team:checkout`` tags, "@slack-…" handles, links to ``app.datadoghq.com/monitors/<id>``
and ``datadog.estimated_usage.*`` metrics."""

from __future__ import annotations

import re
from collections.abc import Iterator

from bot.routing.sources.base import AlertSource, Identifier, pattern

# `team:checkout`, team:ml — a Datadog tag in a monitor's title or message.
_TAG = re.compile(r"(?<![\w@/.-])`?(?P<key>[a-z][\w.-]{0,40}):(?P<value>[a-z0-9][\w./-]{0,80})`?(?![\w/])")


def _tags(text: str) -> Iterator[Identifier]:
    for match in _TAG.finditer(text):
        if match.group("key") in ("http", "https", "datadog.estimated_usage"):
            continue
        yield Identifier("tag", f"{match.group('key')}={match.group('value')}")


SOURCE = AlertSource(
    id="datadog",
    name="Datadog cost and usage monitors",
    markers=("[Triggered]", "[Warn]", "[Recovered]", "datadoghq", "Datadog", "estimated_usage"),
    identifiers=(
        pattern("alert_id", r"\bmonitors/(?P<v>\d+)"),
        pattern("name", r"\bdatadog\.estimated_usage\.(?P<v>[\w.]{2,60})"),
    ),
    extractors=(_tags,),
)
