"""Slack Web API errors, by what can be done about them."""

from __future__ import annotations

from dataclasses import dataclass

# Errors that will fail the same way however often they are retried: the bot
# must be invited to the channel, re-authorised, or the config or message fixed.
PERMANENT_ERRORS = frozenset(
    {
        "channel_not_found",
        "not_in_channel",
        "is_archived",
        "invalid_blocks",
        "invalid_blocks_format",
        "msg_too_long",
        "no_text",
        "cant_update_message",
        "message_not_found",
        "invalid_auth",
        "account_inactive",
        "token_revoked",
        "missing_scope",
        "restricted_action",
    }
)

# What to do about the permanent errors people meet most.
FIXES = {
    "not_in_channel": "invite the bot to the channel (/invite @finops-bot)",
    "channel_not_found": "fix the channel in personas.yaml/routing.yaml, or invite the bot to the private channel",
    "is_archived": "unarchive the channel or point the config at another one",
    "invalid_auth": "set SLACK_BOT_TOKEN to the app's current bot token",
    "token_revoked": "reinstall the app and set SLACK_BOT_TOKEN to the new bot token",
    "account_inactive": "reinstall the app and set SLACK_BOT_TOKEN to the new bot token",
    "missing_scope": "add the scopes the README lists and reinstall the app",
}


@dataclass(frozen=True)
class Refusal:
    """Posts Slack refused for good, grouped by its error and the channel."""

    error: str
    channel: str | None
    count: int
