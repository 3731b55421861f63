"""`finops-bot demo --interactive`: what is typed is posted by the person typing it."""

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
