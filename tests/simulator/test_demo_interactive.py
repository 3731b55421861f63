"""`finops-bot demo --interactive`: what is typed is posted by the person typing it, or by an app when asked."""

from __future__ import annotations

import io
import shutil
from pathlib import Path

import pytest

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


def test_a_message_the_bot_rightly_leaves_unanswered_does_not_end_the_demo(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # A silence with slack_messages: no_reply answers nothing: the demo waited, then raised TimeoutError.
    directory = tmp_path / "config"
    shutil.copytree(SHIPPED_CONFIG, directory)
    routing = directory / "routing.yaml"
    text = routing.read_text(encoding="utf-8")
    routing.write_text(text.replace("\ntopics:\n", "\nsilences: {slack_messages: no_reply}\ntopics:\n", 1), "utf-8")
    monkeypatch.setattr(demo, "REPLY_TIMEOUT", 3.0)
    out = io.StringIO()
    typed = ["/finops mute source=person for 1h demo", "AWS bill doubled this month, who owns it?", "/finops mutes"]

    assert demo.run_demo(directory, interactive=True, out=out, typed=typed) == 0
    assert "no reply within 3 s" in capsys.readouterr().err
    assert "· 1 muted" in out.getvalue()  # the last command still ran


BUDGET_ALERT = "AWS Budgets: data-platform-monthly has exceeded your alert threshold. ACTUAL Amount: $41,236.55"


def test_a_line_starting_alert_is_posted_by_an_app_so_its_second_coming_is_a_repeat() -> None:
    out = io.StringIO()
    typed = [f"alert: {BUDGET_ALERT}", f"ALERT: {BUDGET_ALERT}"]

    assert demo.run_demo(SHIPPED_CONFIG, interactive=True, out=out, typed=typed) == 0
    shown = out.getvalue()
    assert shown.count(f"] Cost alerts APP\n    {BUDGET_ALERT}") == 2  # the prefix itself is not posted
    assert "Same alert as before (repeat #1)" in shown


def test_an_app_alert_typed_in_is_muted_by_a_silence_on_its_source() -> None:
    out = io.StringIO()
    anomaly = "AWS Cost Anomaly Detection Alert | Account: 123456789012 | Amazon EC2 | Total impact: $4,812.33"
    typed = ["/finops mute source=aws-* for 1h maintenance", f"alert: {anomaly}"]

    assert demo.run_demo(SHIPPED_CONFIG, interactive=True, out=out, typed=typed) == 0
    assert "Recorded without tagging anyone: silence #1 `source=aws-*`" in out.getvalue()
