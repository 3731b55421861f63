"""Slack Web API errors, by what can be done about them."""

from __future__ import annotations

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
