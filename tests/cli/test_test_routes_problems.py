"""`finops-bot test-routes`: the problems of a cases file, as a person reads them top to bottom."""

from __future__ import annotations

import io
from pathlib import Path

from bot.cli.test_routes import _load_cases, case_problems
from bot.config.loader import load_config
from tests.slack.harness import SHIPPED_CONFIG


def problems_in(cases: Path) -> list[str]:
    """What `test-routes` reports for the cases file, checked against the shipped personas."""
    read = _load_cases(str(cases), io.StringIO())
    assert read is not None
    loaded, lines = read
    return case_problems(str(cases), loaded, load_config(SHIPPED_CONFIG).config.persona_ids, lines)


def test_unknown_keys_are_listed_in_the_files_line_order(tmp_path: Path) -> None:
    cases = tmp_path / "cases.yaml"
    cases.write_text("- id: x\n  txt: hi\n  expcet: []\n  amout: 5\n", encoding="utf-8")
    problems = problems_in(cases)

    assert [p.split(": case")[0].rsplit(":", 1)[1] for p in problems] == ["2", "3", "4"]
    assert "unknown key 'txt' (did you mean 'text'?)" in problems[0]


def test_a_case_with_no_message_and_no_topic_stops_the_run(tmp_path: Path) -> None:
    cases = tmp_path / "cases.yaml"
    cases.write_text("- id: ok\n  text: hi\n  expect: []\n- id: empty\n  expect: [finance]\n", encoding="utf-8")
    problems = problems_in(cases)

    assert problems == [
        f"{cases}:4: case 2 (empty): no message: give text, attachments or blocks (a routing case) "
        "or topic (a who-owns case)"
    ]
