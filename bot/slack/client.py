"""The Slack Web API client every part of the bot uses: keep-alive connections, slack_sdk's retries."""

from __future__ import annotations

import math

from slack_sdk import WebClient
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)

from bot.slack.http import PooledWebClient


def make_web_client(token: str, base_url: str, timeout: float = 10, wait_out_429: bool = True) -> WebClient:
    """``wait_out_429=False``: a 429 is answered at once (the paced relay pauses that channel
    itself, instead of a sender thread sleeping through Retry-After inside the call)."""
    handlers = [ConnectionErrorRetryHandler(max_retry_count=2), ServerErrorRetryHandler(max_retry_count=2)]
    if wait_out_429:
        handlers.insert(1, RateLimitErrorRetryHandler(max_retry_count=2))
    return PooledWebClient(
        token=token,
        base_url=base_url,
        timeout=math.ceil(timeout),  # whole seconds for the client; the setting may be fractional
        retry_handlers=handlers,
    )
