"""Fixtures for configuration tests: small, valid YAML files whose line numbers tests rely on."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from tests.config.config_fixtures import PERSONAS_YAML, ROUTING_YAML

WriteConfig = Callable[..., str]


@pytest.fixture
def write_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> WriteConfig:
    """Writes ``config/personas.yaml`` and ``config/routing.yaml`` under a temporary
    working directory and returns ``"config"``, so issues read ``config/routing.yaml:N``.
    Pass ``None`` to leave a file out."""
    monkeypatch.chdir(tmp_path)

    def write(personas: str | None = PERSONAS_YAML, routing: str | None = ROUTING_YAML) -> str:
        directory = tmp_path / "config"
        directory.mkdir(exist_ok=True)
        for name, text in (("personas.yaml", personas), ("routing.yaml", routing)):
            path = directory / name
            if text is None:
                path.unlink(missing_ok=True)
            else:
                path.write_text(text, encoding="utf-8")
        return "config"

    return write


@pytest.fixture
def config_errors(write_config: WriteConfig) -> Callable[..., list[str]]:
    """Loads a configuration that must be invalid; returns its errors as strings."""
    from bot.config.loader import ConfigError, load_config

    def errors(personas: str | None = PERSONAS_YAML, routing: str | None = ROUTING_YAML) -> list[str]:
        directory = write_config(personas=personas, routing=routing)
        with pytest.raises(ConfigError) as caught:
            load_config(directory)
        assert str(caught.value) == "\n".join(str(issue) for issue in caught.value.issues)
        assert all(issue.severity == "error" for issue in caught.value.issues)
        return [str(issue) for issue in caught.value.issues]

    return errors
