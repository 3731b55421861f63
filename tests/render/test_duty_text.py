"""A duty's text is Slack mrkdwn (docs/configuration.md): its lines, links and mentions reach Slack."""

from __future__ import annotations

import datetime as dt
import json

from bot.config.loader import load_config
from bot.render.blocks import config_mrkdwn
from bot.render.commands import render_persona
from bot.render.reminders import render_duty_reminder
from bot.render.text import Mentions
from tests.slack.harness import SHIPPED_CONFIG

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


def test_persona_answer_shows_each_duty_on_its_own_bullet_without_a_broadcast() -> None:
    config = load_config(SHIPPED_CONFIG).config
    finance = config.persona("finance")
    duty = finance.duties[0].model_copy(
        update={"text": "Close checklist:\n• accruals <!here>\n• see <https://w.example/c|runbook>"}
    )
    persona = finance.model_copy(update={"duties": (duty,)})

    answer = render_persona(persona, Mentions({}, {}), [], "UTC")
    posted = json.dumps(answer)
    assert "<!here>" not in posted
    assert "• Close checklist: • accruals &lt;!here&gt; • see <https://w.example/c|runbook> — " in answer["text"]
