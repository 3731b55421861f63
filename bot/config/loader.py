"""Load ``personas.yaml``, ``routing.yaml`` and the optional ``owners.yaml`` into one validated ``BotConfig``.

Loading never stops at the first problem: YAML syntax, schema (types, unknown
keys, missing keys), values (timezones, schedules, Slack names) and
cross-references between the two files are all checked, and every error comes
back in one ``ConfigError``, each naming its file, line and key path.
"""

from __future__ import annotations

import os
import shlex
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Generic, TypeVar

from pydantic import BaseModel, ValidationError

from bot.config.issues import ConfigError, ConfigIssue
from bot.config.models import BotConfig, OwnersFile, PersonasFile, RoutingFile
from bot.config.owners_checks import check_currencies, check_owners
from bot.config.semantics import FileReport, check_personas, check_routing
from bot.config.validation_messages import translate
from bot.config.yamlmarks import parse_yaml

__all__ = [
    "OWNERS_FILE",
    "PERSONAS_FILE",
    "ROUTING_FILE",
    "ConfigError",
    "ConfigIssue",
    "LoadedConfig",
    "load_config",
]

PERSONAS_FILE = "personas.yaml"
ROUTING_FILE = "routing.yaml"
OWNERS_FILE = "owners.yaml"  # optional: without it no team owns anything

ModelT = TypeVar("ModelT", bound=BaseModel)


@dataclass(frozen=True)
class LoadedConfig:
    config: BotConfig
    warnings: tuple[ConfigIssue, ...] = ()


def load_config(config_dir: str | os.PathLike[str]) -> LoadedConfig:
    directory = Path(config_dir)
    if not directory.is_dir():
        reason = "is not a directory" if directory.exists() else "does not exist"
        raise ConfigError([ConfigIssue(str(directory), None, "", f"configuration directory {reason}")])

    personas = _load_file(directory / PERSONAS_FILE, PersonasFile, "personas")
    persona_ids = check_personas(personas.data, personas.report) if personas.data is not None else None
    routing = _load_file(directory / ROUTING_FILE, RoutingFile, "topics")
    if routing.data is not None:
        check_routing(routing.data, routing.report, persona_ids)
        check_currencies(routing.data, routing.report)
    owners = _load_owners(directory / OWNERS_FILE, persona_ids)
    for loaded in (personas, routing, owners):
        loaded.drop_restated_empties()

    issues = _in_order(personas.report.issues) + _in_order(routing.report.issues) + _in_order(owners.report.issues)
    errors = [issue for issue in issues if issue.severity == "error"]
    warnings = tuple(issue for issue in issues if issue.severity == "warning")
    if errors or personas.model is None or routing.model is None or owners.model is None:
        raise ConfigError(errors, warnings)
    config = BotConfig(personas=personas.model, routing=routing.model, owners=owners.model, source_dir=str(directory))
    return LoadedConfig(config=config, warnings=warnings)


@dataclass
class _LoadedFile(Generic[ModelT]):
    report: FileReport
    data: dict[str, Any] | None = None  # the raw mapping, when the file parsed into one
    model: ModelT | None = None
    # Schema errors about an empty value (YAML's null), which a value check may explain better.
    empties: list[ConfigIssue] = field(default_factory=list)

    def drop_restated_empties(self) -> None:
        """An empty value a value check also reported keeps only that check's error: it says why it is
        empty (`- #cost-alerts` unquoted is a comment) where the schema only says a string was expected."""
        empties = {id(issue) for issue in self.empties}
        explained = {
            (issue.line, issue.path)
            for issue in self.report.issues
            if issue.severity == "error" and id(issue) not in empties
        }
        self.report.issues = [
            issue
            for issue in self.report.issues
            if id(issue) not in empties or (issue.line, issue.path) not in explained
        ]


def _load_file(path: Path, model: type[ModelT], main_key: str, empty_ok: bool = False) -> _LoadedFile[ModelT]:
    report = FileReport(str(path))
    loaded: _LoadedFile[ModelT] = _LoadedFile(report)
    text = _read_text(path, report)
    if text is None:
        return loaded
    parsed = parse_yaml(text)
    report.parsed = parsed
    for problem in parsed.problems:
        report.error(problem.loc, problem.message, problem.line)
    if parsed.data is None:
        if not parsed.problems and not empty_ok:
            report.error((), f"the file is empty: expected a mapping with a '{main_key}:' key")
        return loaded
    if not isinstance(parsed.data, dict):
        kind = "a list" if isinstance(parsed.data, list) else "a single value"
        report.error((), f"expected a mapping at the top level (keys such as '{main_key}:'), got {kind}", line=1)
        return loaded
    loaded.data = parsed.data
    try:
        loaded.model = model.model_validate(parsed.data)
    except ValidationError as exc:
        already_reported = [problem.loc for problem in parsed.problems]
        for loc, message in translate(exc, model, parsed.written):
            # A value the YAML layer already rejected would only be reported twice.
            if not any(loc[: len(bad)] == bad for bad in already_reported):
                report.error(loc, message)
                if _value_at(parsed.data, loc) is None:
                    loaded.empties.append(report.issues[-1])
    return loaded


def _value_at(data: Any, loc: tuple[str | int, ...]) -> Any:
    """The raw value at ``loc`` (None also when the path leads nowhere)."""
    for part in loc:
        if isinstance(data, dict) and isinstance(part, str):
            data = data.get(part)
        elif isinstance(data, list) and isinstance(part, int) and 0 <= part < len(data):
            data = data[part]
        else:
            return None
    return data


def _load_owners(path: Path, persona_ids: tuple[str, ...] | None) -> _LoadedFile[OwnersFile]:
    """owners.yaml is optional, and a file of comments only (the shipped example) owns nothing."""
    if not path.exists():
        return _LoadedFile(FileReport(str(path)), model=OwnersFile())
    loaded = _load_file(path, OwnersFile, "teams", empty_ok=True)
    if loaded.data is not None:
        check_owners(loaded.data, loaded.report, persona_ids)
    elif loaded.model is None and not loaded.report.issues:
        loaded.model = OwnersFile()
    return loaded


def _read_text(path: Path, report: FileReport) -> str | None:
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        report.error(
            (), f"file not found: run `finops-bot init {shlex.quote(str(path.parent))}` to write the missing files"
        )
        return None
    except IsADirectoryError:
        report.error((), "expected a file, found a directory")
        return None
    except OSError as exc:
        report.error((), f"cannot read the file: {exc.strerror or exc}")
        return None
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        report.error((), "the file is not UTF-8 text", line=line)
        return None


def _in_order(issues: list[ConfigIssue]) -> list[ConfigIssue]:
    """File order, so the report reads top to bottom; issues without a line first."""
    return sorted(issues, key=lambda issue: issue.line or 0)
