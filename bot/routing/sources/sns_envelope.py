"""AWS SNS notification envelopes: the JSON SNS delivers to HTTP(S) and e-mail-JSON subscribers.

A notification (``"Type": "Notification"``) carries the publisher's text as
one JSON string in ``"Message"``: an AWS Cost Anomaly Detection alert is its
anomaly JSON with every quote escaped, which no source reader or amount label
sees. The HTTP receiver (``bot.receivers.sns``) gets the envelope parsed and
verified; a person pasting one into a channel gives the router its text, so
the ``Message`` string is decoded in place and the rest of the text is kept.
The string is found by pattern rather than ``json.loads`` of the whole text:
a Slack copy may have lost the URLs that make the envelope valid JSON.
"""

from __future__ import annotations

import json
import re

NOTIFICATION_TYPE = "Notification"
# The keys of a notification that its signature covers, in signing order.
NOTIFICATION_KEYS = ("Message", "MessageId", "Subject", "Timestamp", "TopicArn", "Type")

_TYPE = re.compile(r'"Type"\s*:\s*"Notification"')
# A JSON string literal: escapes taken whole, so an escaped quote does not end it.
_MESSAGE = re.compile(r'"Message"\s*:\s*"((?:[^"\\]|\\.)*)"', re.DOTALL)


def unwrap_notification(text: str) -> str:
    """``text`` with each SNS notification's ``Message`` string decoded in place (cheap without one)."""
    if '"Notification"' not in text or '"Message"' not in text or _TYPE.search(text) is None:
        return text
    return _MESSAGE.sub(_decoded, text)


def _decoded(match: re.Match[str]) -> str:
    try:
        body = json.loads(f'"{match.group(1)}"')
    except ValueError:
        return match.group(0)
    return f'"Message": {body}'
