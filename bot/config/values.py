"""Checks of single setting values: timezones, cron schedules, Slack names, ids.

Each function returns a problem description (None when the value is fine) so
the loader can attach it to a file, line and key path.
"""

from __future__ import annotations

import functools
import re
import zoneinfo
from dataclasses import dataclass

from apscheduler.triggers.cron import CronTrigger

from bot.domain.cron import CronError, normalise_cron, validate_cron
from bot.domain.suggestions import did_you_mean

PERSONA_ID = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
CHANNEL_NAME = re.compile(r"^#[^\s#@<>|,A-Z]{1,80}$")
# Slack ids: C public, G private (legacy), D direct-message channels; U/W users.
CHANNEL_ID = re.compile(r"^[CGD][A-Z0-9]{6,}$")
USERGROUP_HANDLE = re.compile(r"^@[^\s#@<>|,A-Z]{1,80}$")
USERGROUP_ID = re.compile(r"^S[A-Z0-9]{6,}$")
USER_ID = re.compile(r"^[UW][A-Z0-9]{6,}$")
EMAIL = re.compile(r"^[^@\s<>]+@[^@\s<>]+\.[^@\s<>]+$")
CRON_FIELDS = ("minute", "hour", "day", "month", "day_of_week")
CRON_FIELD_NAMES = ("minute", "hour", "day of month", "month", "day of week")


@functools.cache
def _known_timezones() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


def timezone_problem(name: str) -> str | None:
    try:
        zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        hint = did_you_mean(name, _known_timezones()) or " (use an IANA name such as Europe/Paris)"
        return f"unknown timezone '{name}'{hint}"
    return None


@dataclass(frozen=True)
class ScheduleCheck:
    error: str | None = None
    warning: str | None = None


def check_schedule(expression: str) -> ScheduleCheck:
    """Validate a five-field cron expression with the scheduler's own parser.

    Using ``bot.domain.cron`` keeps "check-config passes" and "the
    scheduler accepts it" the same statement (crontab weekday numbers, ``L``,
    schedules that can never fire).
    """
    try:
        validate_cron(expression)
    except CronError as exc:
        return ScheduleCheck(error=f"invalid schedule '{expression}': {_cron_reason(expression, str(exc))}")
    fields = expression.split()
    if fields[2] not in ("*", "?") and fields[4] not in ("*", "?"):
        return ScheduleCheck(
            warning=f"schedule '{expression}' restricts both day of month and day of week: it fires only on days "
            f"matching both (classic cron fires on either)"
        )
    return ScheduleCheck()


def _cron_reason(expression: str, message: str) -> str:
    prefix = f"cron {expression!r}"
    reason = message[len(prefix) :].lstrip(": ") if message.startswith(prefix) else message
    if reason.startswith("Error validating expression"):
        # APScheduler does not say which field the bad value is in.
        return _explain_cron_error(normalise_cron(expression).split(), reason)
    return reason


def _explain_cron_error(fields: list[str], fallback: str) -> str:
    utc = zoneinfo.ZoneInfo("UTC")
    for field, value, label in zip(CRON_FIELDS, fields, CRON_FIELD_NAMES, strict=False):
        try:
            CronTrigger(timezone=utc, **{field: value})
        except ValueError as field_exc:
            reason = re.sub(r"^Error validating expression '[^']*': ", "", str(field_exc))
            return f"{label} field '{value}': {reason}"
    return fallback


def channel_problem(value: str) -> str | None:
    if CHANNEL_NAME.match(value) or CHANNEL_ID.match(value):
        return None
    if value.lower() != value and CHANNEL_NAME.match(value.lower()):
        return f"invalid channel '{value}': Slack channel names are lowercase (did you mean '{value.lower()}'?)"
    if not value.startswith("#") and CHANNEL_NAME.match("#" + value.lower()):
        return f"invalid channel '{value}': channel names start with '#' (did you mean '#{value.lower()}'?)"
    return f"invalid channel '{value}': expected a channel name such as '#finops-finance' or a channel id (C...)"


def usergroup_problem(value: str) -> str | None:
    if USERGROUP_HANDLE.match(value) or USERGROUP_ID.match(value):
        return None
    if not value.startswith("@") and USERGROUP_HANDLE.match("@" + value.lower()):
        return f"invalid user group '{value}': user-group handles start with '@' (did you mean '@{value.lower()}'?)"
    return f"invalid user group '{value}': expected a handle such as '@finops-finance' or a user-group id (S...)"


def person_problem(value: str) -> str | None:
    if EMAIL.match(value) or USER_ID.match(value):
        return None
    return f"invalid person '{value}': expected an email address or a Slack user id (U... or W...)"


def looks_like_person(value: str) -> bool:
    return bool(EMAIL.match(value) or USER_ID.match(value))


def persona_id_problem(value: str) -> str | None:
    if PERSONA_ID.match(value):
        return None
    slug = re.sub(r"[^a-z0-9]+", "-", value.lower()).strip("-")
    suggestion = f" (did you mean '{slug}'?)" if slug else ""
    return f"invalid persona id '{value}': use lowercase letters, digits and '-'{suggestion}"
