"""Single-value checks used by the loader."""

from __future__ import annotations

import pytest

from bot.config.issues import format_loc
from bot.config.values import (
    channel_problem,
    check_schedule,
    person_problem,
    persona_id_problem,
    timezone_problem,
    usergroup_problem,
)
from bot.domain.suggestions import closest


@pytest.mark.parametrize(
    "expression", ["0 9 * * MON", "30 8 * * mon-fri", "0 10 1 JAN,APR,JUL,OCT *", "0 9 * * 1-5", "*/15 * * * *"]
)
def test_valid_schedules(expression: str) -> None:
    assert check_schedule(expression).error is None


def test_schedule_restricting_day_of_month_and_weekday_is_warned() -> None:
    result = check_schedule("0 9 1-7 * MON")

    assert result.error is None
    assert result.warning is not None and "fires only on days matching both" in result.warning


@pytest.mark.parametrize(
    ("expression", "reason"),
    [
        ("61 9 * * *", "minute field '61': the last value (61) is higher than the maximum value (59)"),
        ("0 9 * 13 *", "month field '13': the last value (13) is higher than the maximum value (12)"),
        ("0 9 * * * *", "has 6 fields; expected 5"),
        ("daily", "has 1 field; expected 5"),
    ],
)
def test_invalid_schedules_name_the_field(expression: str, reason: str) -> None:
    error = check_schedule(expression).error
    assert error is not None
    assert error.startswith(f"invalid schedule '{expression}': {reason}")


def test_timezones() -> None:
    assert timezone_problem("America/New_York") is None
    assert timezone_problem("UTC") is None
    assert (
        timezone_problem("america/new_york") == "unknown timezone 'america/new_york' (did you mean 'America/New_York'?)"
    )
    assert timezone_problem("../../etc/passwd") is not None


def test_slack_names() -> None:
    assert channel_problem("#finops-finance") is None
    assert channel_problem("C0123ABCD") is None
    assert channel_problem("#two words") is not None
    assert usergroup_problem("@finops-finance") is None
    assert usergroup_problem("S0123ABCD") is None
    assert usergroup_problem("#finops") is not None
    assert person_problem("jane.doe@example.com") is None
    assert person_problem("U0123ABCD") is None
    assert person_problem("W0123ABCD") is None
    assert person_problem("@jane") is not None


def test_persona_ids() -> None:
    assert persona_id_problem("finops-practitioner") is None
    assert persona_id_problem("team-2") is None
    assert persona_id_problem("-finance") is not None
    assert (
        persona_id_problem("FinOps")
        == "invalid persona id 'FinOps': use lowercase letters, digits and '-' (did you mean 'finops'?)"
    )


def test_suggestions_ignore_case_and_reject_far_words() -> None:
    assert closest("Finance", ["finance", "product"]) == "finance"
    assert closest("marketing", ["finance", "product"]) is None


def test_format_loc() -> None:
    assert format_loc(("topics", 7, "owners", "responsible", 0)) == "topics[7].owners.responsible[0]"
    assert format_loc(()) == ""
