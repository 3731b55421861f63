"""The configuration shipped in config/ is valid and follows the persona catalogue rules."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bot.config.loader import load_config

SHIPPED = Path(__file__).resolve().parents[2] / "config"
PERSONA_IDS = (
    "finops-practitioner",
    "leadership",
    "product",
    "engineering",
    "finance",
    "procurement",
    "itsm",
    "itam",
    "sustainability",
    "security",
    "itfm",
)
MINIMAL_ROUTING = """\
topics:
  - id: anomalies
    name: Cost anomalies
    terms: [anomaly]
    owners: {responsible: [engineering], accountable: [finops-practitioner]}
"""


def test_shipped_persona_catalogue(tmp_path: Path) -> None:
    # Checked against a minimal routing.yaml so this test is about personas.yaml alone.
    shutil.copy(SHIPPED / "personas.yaml", tmp_path / "personas.yaml")
    (tmp_path / "routing.yaml").write_text(MINIMAL_ROUTING, encoding="utf-8")

    loaded = load_config(tmp_path)

    assert loaded.warnings == ()
    personas = loaded.config.personas.personas
    assert tuple(persona.id for persona in personas) == PERSONA_IDS
    assert [persona.kind for persona in personas] == ["core"] * 6 + ["allied"] * 5
    for persona in personas:
        assert persona.name and persona.summary, persona.id
        assert 4 <= len(persona.responsibilities) <= 7, persona.id
        assert persona.slack.channel and persona.slack.channel.startswith("#finops-"), persona.id
        assert persona.slack.usergroup and persona.slack.usergroup.startswith("@"), persona.id
        if persona.kind == "core":
            assert persona.duties, f"core persona {persona.id} has no duties"


@pytest.mark.skipif(not (SHIPPED / "routing.yaml").exists(), reason="config/routing.yaml has not been written yet")
def test_shipped_config_directory_loads_cleanly() -> None:
    loaded = load_config(SHIPPED)

    assert [str(warning) for warning in loaded.warnings] == []
    assert loaded.config.persona_ids == PERSONA_IDS
