"""`finops-bot demo --interactive`: what is typed is posted by the person typing it."""

from __future__ import annotations

import io

from bot.devtools import demo
from tests.slack.harness import SHIPPED_CONFIG


def test_a_typed_line_that_looks_like_an_alert_is_still_posted_by_the_person() -> None:
    # "AWS …" made the sample feed's guess post it as the "Cost alerts" app, so a person's own
    # message was routed, muted (source=person) and exported as an app's.
    out = io.StringIO()
    typed = ["AWS bill doubled this month: $90k vs $45k, who owns it?"]

    assert demo.run_demo(SHIPPED_CONFIG, interactive=True, out=out, typed=typed) == 0
    shown = out.getvalue()
    assert "Cost alerts APP" not in shown
    assert "] dana\n    AWS bill doubled this month" in shown
