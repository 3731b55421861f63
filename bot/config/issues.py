"""Configuration problems as values: where they are and what is wrong.

Every problem found while loading the YAML files becomes a ``ConfigIssue`` so
that all of them can be reported together, each pointing at a file, a line and
a key path a person can find in their editor.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

Severity = Literal["error", "warning"]
# A location inside a YAML document: mapping keys and sequence indexes, the
# same shape as a pydantic error ``loc``.
Loc = tuple[str | int, ...]


@dataclass(frozen=True)
class ConfigIssue:
    file: str
    line: int | None
    path: str
    message: str
    severity: Severity = "error"

    def __str__(self) -> str:
        where = self.file if self.line is None else f"{self.file}:{self.line}"
        parts = [where]
        if self.path:
            parts.append(self.path)
        message = self.message if self.severity == "error" else f"warning: {self.message}"
        parts.append(message)
        return ": ".join(parts)


class ConfigError(Exception):
    """The configuration is invalid. ``issues`` holds every error found."""

    def __init__(self, issues: Sequence[ConfigIssue], warnings: Sequence[ConfigIssue] = ()) -> None:
        self.issues: tuple[ConfigIssue, ...] = tuple(issues)
        self.warnings: tuple[ConfigIssue, ...] = tuple(warnings)
        super().__init__(str(self))

    def __str__(self) -> str:
        return "\n".join(str(issue) for issue in self.issues)


def format_loc(loc: Loc) -> str:
    """``("topics", 7, "owners", "responsible", 0)`` -> ``topics[7].owners.responsible[0]``."""
    text = ""
    for part in loc:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else str(part)
    return text


def describe_value(value: object) -> str:
    """A short, human description of a parsed YAML value for error messages."""
    if value is None:
        return "nothing (null)"
    if isinstance(value, bool):
        return f"a boolean ({str(value).lower()})"
    if isinstance(value, (int, float)):
        return f"a number ({value})"
    if isinstance(value, str):
        shown = value if len(value) <= 60 else value[:57] + "..."
        return f"a string ({shown!r})"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, (list, tuple)):
        return "a list"
    return f"a {type(value).__name__} ({value})"
