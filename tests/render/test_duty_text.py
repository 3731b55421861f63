"""A duty's text is Slack mrkdwn (docs/configuration.md): its lines, links and mentions reach Slack."""

from __future__ import annotations

import datetime as dt
import json

from bot.render.blocks import config_mrkdwn
from bot.render.reminders import render_duty_reminder

NOW = dt.datetime(2026, 12, 1, 9, tzinfo=dt.UTC)
CHECKLIST = (
    "Month-end close checklist (<https://wiki.example.com/finops/close|runbook>):\n"
    "• accruals posted, cc <!subteam^S0FIN|@finance>\n"
    "• P&L variance > 5% explained\n"
)


def test_a_duty_keeps_its_lines_and_its_runbook_link() -> None:
    reminder = render_duty_reminder("Finance", CHECKLIST, ["<!subteam^S0FIN>"], (), NOW)
    section = reminder["blocks"][0]["text"]["text"]
    assert "<https://wiki.example.com/finops/close|runbook>" in section
    assert "checklist (<https://wiki.example.com/finops/close|runbook>):\n• accruals posted" in section
    assert "P&amp;L variance &gt; 5% explained" in section
    assert "<https://wiki.example.com/finops/close|runbook>" in reminder["text"]


def test_a_duty_never_broadcasts_and_stray_markup_shows_as_written() -> None:
    shown = config_mrkdwn("review <!channel> <!here|here> <not a link> & <@U0AB12|sam> <#C0ABC> <!date^1|x>")
    assert shown == (
        "review &lt;!channel&gt; &lt;!here|here&gt; &lt;not a link&gt; &amp; <@U0AB12|sam> <#C0ABC> <!date^1|x>"
    )
    reminder = render_duty_reminder("Finance", "<!everyone> close the books", [], (), NOW)
    assert "<!everyone>" not in json.dumps(reminder)
