"""One delivery's call to Slack: the Web API method, the metadata that finds it again, the outcome.

The relay (``bot.slack.relay``) decides when and whether to send; these functions
make the call, look for an earlier post of the same delivery, and classify
Slack's answer into sent, retry later (and when), or give up.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from dataclasses import dataclass
from urllib.error import URLError

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.domain.deliveries import POST, UPDATE, DeliveryRow, EncodedDeliveryRow
from bot.domain.slack_errors import PERMANENT_ERRORS
from bot.slack.http import PooledWebClient

log = logging.getLogger(__name__)

METADATA_EVENT = "finops_delivery"


def backoff(attempts: int) -> dt.timedelta:
    return dt.timedelta(seconds=min(300, 2 ** max(0, attempts)))


@dataclass(frozen=True)
class SendOutcome:
    sent: bool
    response_ts: str | None = None
    retry_at: dt.datetime | None = None
    error: str | None = None
    retry_after: float | None = None  # a 429's Retry-After, seconds
    maybe_sent: bool = False  # a timeout or a dropped connection: Slack may still complete the call


# The Web API method for each kind of delivery; anything else is already a method name
# (rows written by earlier versions stored Slack's names).
SLACK_METHODS = {POST: "chat.postMessage", UPDATE: "chat.update"}


def slack_method(delivery_method: str) -> str:
    return SLACK_METHODS.get(delivery_method, delivery_method)


def tag_with_delivery(method: str, payload: dict, delivery_id: int) -> dict:
    """Mark a post with its delivery id (Slack message metadata), so a resend can find it."""
    if method != "chat.postMessage":
        return payload
    return {**payload, "metadata": {"event_type": METADATA_EVENT, "event_payload": {"delivery_id": delivery_id}}}


_compact = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False).encode


def tagged_body(method: str, row: DeliveryRow) -> bytes | None:
    """``tag_with_delivery``'s request body, from the JSON text its writer stored; None when there is none.

    The row's payload is then not encoded a second time (a routed reply is ~2.5 KB of JSON).
    """
    if not isinstance(row, EncodedDeliveryRow) or not row.payload or not row.payload_json.endswith("}"):
        return None
    if method != "chat.postMessage":
        return row.payload_json.encode()
    if "metadata" in row.payload:
        return None  # tag_with_delivery replaces it: the dict way
    metadata = {"event_type": METADATA_EVENT, "event_payload": {"delivery_id": row.id}}
    return (row.payload_json[:-1] + ',"metadata":' + _compact(metadata) + "}").encode()


class LookupFailed(Exception):
    """Slack could not say whether an earlier post landed: posting now might double it."""


def find_posted(client: WebClient, payload: dict, delivery_id: int, since: dt.datetime) -> str | None:
    """The ts of an earlier post of this delivery, if one reached Slack; None when not found.

    Raises ``LookupFailed`` when the lookup itself failed.
    """
    channel = payload.get("channel")
    if not isinstance(channel, str):
        return None
    try:
        if payload.get("thread_ts"):
            response = client.conversations_replies(
                channel=channel, ts=payload["thread_ts"], include_all_metadata=True, limit=200
            )
        else:
            response = client.conversations_history(
                channel=channel, oldest=f"{since.timestamp() - 60:.6f}", include_all_metadata=True, limit=200
            )
    except (SlackApiError, URLError, TimeoutError, ConnectionError, OSError) as error:
        log.warning("outbox: could not check for an earlier post of delivery %s: %s", delivery_id, error)
        raise LookupFailed(str(error)) from error
    for message in response.get("messages") or []:
        metadata = message.get("metadata") or {}
        if (
            metadata.get("event_type") == METADATA_EVENT
            and (metadata.get("event_payload") or {}).get("delivery_id") == delivery_id
        ):
            return message.get("ts")
    return None


def send_delivery(
    client: WebClient, method: str, payload: dict, attempts: int, now: dt.datetime, body: bytes | None = None
) -> SendOutcome:
    """Call the Web API once (with slack_sdk's own retries) and classify the result.

    ``body``: ``payload`` already encoded as the JSON request body (see ``tagged_body``), sent as it is
    by our pooled client; any other client is given ``payload``.
    """
    try:
        if body is not None and isinstance(client, PooledWebClient):
            response = client.api_call_json_body(method, body, payload)
        else:
            response = client.api_call(method, json=payload)
    except SlackApiError as error:
        status = error.response.status_code
        code = str(error.response.get("error") or f"http_{status}")
        if status == 429 or code == "ratelimited":
            retry_after = int(
                error.response.headers.get("Retry-After", error.response.headers.get("retry-after", 1)) or 1
            )
            return SendOutcome(
                False, retry_at=now + dt.timedelta(seconds=retry_after), error=code, retry_after=retry_after
            )
        if status >= 500 or code in {"internal_error", "fatal_error", "service_unavailable", "request_timeout"}:
            return SendOutcome(False, retry_at=now + backoff(attempts), error=code)
        if code in PERMANENT_ERRORS:
            return SendOutcome(False, error=code)
        return SendOutcome(False, retry_at=now + backoff(attempts), error=code)
    except (URLError, TimeoutError, ConnectionError, OSError) as error:
        # The request may have reached Slack and complete later: the caller waits before looking for it.
        return SendOutcome(
            False, retry_at=now + backoff(attempts), error=f"connection: {type(error).__name__}", maybe_sent=True
        )
    return SendOutcome(True, response_ts=response.get("ts") or (response.get("message") or {}).get("ts"))
