"""The Slack Web API client every part of the bot uses."""

from __future__ import annotations

import math

from slack_sdk import WebClient
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)


def make_web_client(token: str, base_url: str, timeout: float = 10) -> WebClient:
    return WebClient(
        token=token,
        base_url=base_url,
        timeout=math.ceil(timeout),  # whole seconds for the client; the setting may be fractional
        retry_handlers=[
            ConnectionErrorRetryHandler(max_retry_count=2),
            RateLimitErrorRetryHandler(max_retry_count=2),
            ServerErrorRetryHandler(max_retry_count=2),
        ],
    )
