"""`finops-bot digest --persona` with a typo suggests the persona meant, as `/finops persona` does."""

from __future__ import annotations

import pytest

from bot.cli import main
from tests.slack.harness import SHIPPED_CONFIG


def test_a_mistyped_persona_gets_a_did_you_mean(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["digest", "--dry-run", "--persona", "fiance", "--config-dir", str(SHIPPED_CONFIG)])
    assert code == 2
    err = capsys.readouterr().err
    assert err.startswith("finops-bot: unknown persona 'fiance' (did you mean 'finance'?); known: ")
    assert len(err.splitlines()) == 1
