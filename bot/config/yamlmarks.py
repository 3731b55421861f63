"""YAML parsing that remembers where every value came from.

PyYAML's node graph knows the line of every key and item; the plain data it
builds does not. This module walks the node graph itself so that every
location (a tuple of keys and indexes, the shape of a pydantic error ``loc``)
maps to a line of the file. It also reports what PyYAML silently accepts but a
configuration file should not: duplicate keys, non-scalar keys, unknown tags.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from yaml.constructor import ConstructorError
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from bot.config.issues import Loc

MERGE_TAG = "tag:yaml.org,2002:merge"
MAP_TAG = "tag:yaml.org,2002:map"
SEQ_TAG = "tag:yaml.org,2002:seq"
# Configuration files are small; these bounds only stop hostile documents
# (alias "billion laughs", absurd nesting) from exhausting memory or the stack.
MAX_NODES = 200_000
MAX_DEPTH = 64


@dataclass(frozen=True)
class YamlProblem:
    line: int | None
    loc: Loc
    message: str


@dataclass
class ParsedYaml:
    """``data`` is None when the text holds no document or could not be parsed."""

    data: Any
    lines: dict[Loc, int] = field(default_factory=dict)
    problems: list[YamlProblem] = field(default_factory=list)
    # The text of each unquoted scalar YAML read as something other than a string (011122223333 is the
    # octal number 1229530843): messages show what the person wrote, not what YAML made of it.
    written: dict[Loc, str] = field(default_factory=dict)

    def line_of(self, loc: Loc) -> int | None:
        """The line of the deepest part of ``loc`` that exists in the document."""
        for end in range(len(loc), -1, -1):
            line = self.lines.get(tuple(loc[:end]))
            if line is not None:
                return line
        return None


class _ConfigLoader(yaml.SafeLoader):
    """Safe loading only: no Python object tags, ever."""


def parse_yaml_file(path: Path) -> ParsedYaml | None:
    """A config file's line marks, to place an issue found after loading; None when it cannot be read."""
    try:
        return parse_yaml(path.read_text(encoding="utf-8-sig"))
    except (OSError, UnicodeDecodeError):
        return None


def parse_yaml(text: str) -> ParsedYaml:
    try:
        loader = _ConfigLoader(text)
    except yaml.reader.ReaderError as exc:
        # Raised before parsing starts, so there is no mark: locate the character ourselves.
        line = text.count("\n", 0, exc.position) + 1
        message = f"invalid YAML: the character #x{exc.character:04x} is not allowed in a YAML file"
        return ParsedYaml(None, problems=[YamlProblem(line, (), message)])
    try:
        root = loader.get_single_node()
    except yaml.MarkedYAMLError as exc:
        return ParsedYaml(None, problems=[_syntax_problem(exc, text)])
    except yaml.YAMLError as exc:
        return ParsedYaml(None, problems=[YamlProblem(None, (), f"invalid YAML: {exc}")])
    except RecursionError:
        return ParsedYaml(None, problems=[YamlProblem(None, (), "invalid YAML: the document is nested too deeply")])
    finally:
        loader.dispose()
    if root is None:
        return ParsedYaml(None)
    walker = _Walker(loader)
    try:
        data = walker.build(root, (), depth=0)
    except _TooLarge as exc:
        return ParsedYaml(None, walker.lines, walker.problems + [YamlProblem(exc.line, (), str(exc))])
    return ParsedYaml(data, walker.lines, walker.problems, walker.written)


def _syntax_problem(exc: yaml.MarkedYAMLError, text: str = "") -> YamlProblem:
    mark = exc.problem_mark or exc.context_mark
    problem = exc.problem or exc.context or "syntax error"
    quoting = _quoting_problem(exc, text)
    if quoting is not None:
        return quoting
    if "found another document" in problem:
        return YamlProblem(
            mark.line + 1 if mark else None,
            (),
            "invalid YAML: a configuration file holds a single YAML document, but found a second one ('---')",
        )
    if "expected '<document start>'" in problem and mark is not None:
        return _second_top_level_block(mark.line, text)
    if "mapping values are not allowed" in problem and mark is not None:
        misplaced = _misplaced_colon(mark.line, mark.column, text)
        if misplaced is not None:
            return misplaced
    if "could not find expected ':'" in problem and exc.context_mark is not None:
        # PyYAML reports the line after the one missing its colon; the context mark is that line.
        missing = _missing_colon(exc.context_mark.line, text.splitlines())
        if missing is not None:
            return missing
    if "\\t" in problem or "\t" in problem:
        problem += " (indent with spaces: YAML does not allow tabs)"
    elif "<block end>" in problem and mark is not None:
        misaligned = _misaligned_line(mark.line, text)
        if misaligned is not None:
            return misaligned
        problem = f"bad indentation: {problem}"
    if exc.context and exc.context_mark is not None and mark is not None and exc.context_mark.line != mark.line:
        problem += f" ({exc.context} that starts on line {exc.context_mark.line + 1})"
    return YamlProblem(mark.line + 1 if mark else None, (), f"invalid YAML: {problem}")


def _misaligned_line(line: int, text: str) -> YamlProblem | None:
    """PyYAML's "expected <block end>, but found …" at ``line`` (0-based), in words: which line is out of
    column against which, and under which key path (read from the document up to the line above)."""
    lines = text.splitlines()
    if line >= len(lines):
        return None
    above = next((n for n in range(line - 1, -1, -1) if _is_content(lines[n])), None)
    if above is None:
        return None
    here, there = lines[line], lines[above]
    shown, shown_above = _shown(here), _shown(there)
    column, column_above = len(here) - len(here.lstrip()) + 1, len(there) - len(there.lstrip()) + 1
    if column > column_above:
        message = (
            f"invalid YAML: bad indentation: '{shown}' is indented more than '{shown_above}' on line {above + 1}, "
            "which opens no block: the keys of one mapping start in the same column "
            f"(is line {above + 1} or line {line + 1} out of line?)"
        )
    else:
        # The keys enclosing the line above, nearest first, down to the first one left of this line.
        enclosing: list[tuple[int, int]] = []
        for n in range(above, -1, -1):
            if _is_content(lines[n]):
                indent = len(lines[n]) - len(lines[n].lstrip()) + 1
                if not enclosing or indent < enclosing[-1][1]:
                    enclosing.append((n, indent))
                    if indent < column:
                        break
        between = [(n, c) for n, c in enclosing if c > column][-1:] + [(n, c) for n, c in enclosing if c < column][:1]
        columns = " and ".join(f"{c} ('{_shown(lines[n])}', line {n + 1})" for n, c in between)
        message = (
            f"invalid YAML: bad indentation: '{shown}' starts in column {column}, in line with no key above it "
            f"(the nearest start in columns {columns}): the keys of one mapping start in the same column"
        )
        above = between[0][0]
    prefix = parse_yaml("\n".join(lines[:line])) if line < 5_000 else None
    at_above = sorted((loc for loc, n in prefix.lines.items() if n == above + 1), key=len) if prefix else []
    return YamlProblem(line + 1, at_above[0][:-1] if at_above else (), message)


# A line's leading spaces and list dashes, then its key: `  - id: a` -> ("  - ", "id").
_KEY_LINE = re.compile(r"^(\s*(?:-\s+)*)([^\s:#'\"][^:#]*?):(?:\s|$)")
# A line's leading spaces and dashes and its first word, for a line that has no colon: `  kind core`.
_FIRST_WORD = re.compile(r"^(\s*(?:-\s+)*)([^\s:#'\"]+)(?=\s|$)")


def _misplaced_colon(line: int, column: int, text: str) -> YamlProblem | None:
    """PyYAML's "mapping values are not allowed here", a ':' where it cannot start a key, in words.

    Three mistakes give it: a value holding ': ' (`name: Budgets: monthly`), a key indented under the
    line above, whose value it then continues, and a key above with no colon (`version 1`), which the
    line reads on from. Each hint is given only when making its fix lets YAML read on past the line.
    """
    lines = text.splitlines()
    if line >= len(lines):
        return None
    here = lines[line]
    key = _KEY_LINE.match(here)
    if key is not None and key.end(2) < column:
        value = re.split(r"\s+#", here[key.end() :].strip(), maxsplit=1)[0]
        quoted = f"'{value}'" if '"' in value else f'"{value}"'
        fixed = f"{key.group(1)}{key.group(2)}: {quoted}"
        if _reads_past(lines, line, fixed):
            return YamlProblem(
                line + 1,
                _loc_at(lines, line, fixed),
                f"invalid YAML: the value of '{key.group(2)}' holds ': ', which YAML reads as the start of a "
                f"key: quote it, {key.group(2)}: {quoted}",
            )
        return None
    above = next((n for n in range(line - 1, -1, -1) if _is_content(lines[n])), None)
    if above is None:
        return None
    key_above = _KEY_LINE.match(lines[above])
    if key_above is None:
        return _missing_colon(above, lines)
    key_column = len(key_above.group(1)) + 1
    column_here = len(here) - len(here.lstrip()) + 1
    fixed = " " * (key_column - 1) + here.lstrip()
    if column_here <= key_column or not _reads_past(lines, line, fixed):
        return None
    return YamlProblem(
        line + 1,
        _loc_at(lines, line, fixed)[:-1],
        f"invalid YAML: bad indentation: '{_shown(here)}' is indented more than '{_shown(lines[above])}' on line "
        f"{above + 1}, so YAML reads it as more of that line's value: the keys of one mapping start in the same "
        f"column (column {key_column}, like '{key_above.group(2)}')",
    )


def _missing_colon(line: int, lines: list[str]) -> YamlProblem | None:
    """A line that is neither `key: value` nor a list item of text, when adding ':' after its first
    word lets YAML read on (`kind core`, `slack` over its block, `version 1`)."""
    if line >= len(lines) or _KEY_LINE.match(lines[line]):
        return None
    word = _FIRST_WORD.match(lines[line])
    if word is None or word.group(1).strip():
        return None  # `- text` is a list item, which needs no colon
    fixed = lines[line][: word.end()] + ":" + lines[line][word.end() :]
    if not _reads_past(lines, line, fixed):
        return None
    return YamlProblem(
        line + 1,
        _loc_at(lines, line, fixed)[:-1],
        f"invalid YAML: '{_shown(lines[line])}' has no ':' after its key: write '{_shown(fixed)}'",
    )


def _reads_past(lines: list[str], line: int, fixed: str) -> bool:
    """Whether YAML reads beyond ``line`` once it is ``fixed``: the fix is the one this mistake needs."""
    loader = _ConfigLoader("\n".join([*lines[:line], fixed, *lines[line + 1 :]]))
    try:
        loader.get_single_node()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        return mark is not None and mark.line > line
    except (yaml.YAMLError, RecursionError):
        return False
    finally:
        loader.dispose()
    return True


def _loc_at(lines: list[str], line: int, fixed: str) -> Loc:
    """The key path of ``line`` (0-based) once it is ``fixed``, read from the document up to it."""
    if line >= 5_000:  # as in _misaligned_line: reading the document above again is for config-sized files
        return ()
    prefix = parse_yaml("\n".join([*lines[:line], fixed]))
    at_line = sorted((loc for loc, n in prefix.lines.items() if n == line + 1), key=len)
    return at_line[-1] if at_line else ()


def _is_content(line: str) -> bool:
    """Neither blank nor a comment."""
    return bool(line.strip()) and not line.lstrip().startswith("#")


def _shown(line: str) -> str:
    """A line as an error quotes it: stripped, without its comment, at most 60 characters."""
    return re.split(r"\s+#", line.strip(), maxsplit=1)[0][:60]


def _second_top_level_block(line: int, text: str) -> YamlProblem:
    """PyYAML's "expected '<document start>', but found …": a second top-level value after the first
    had ended, most often because the file's first content line is indented (uncommented by mistake)."""
    lines = text.splitlines()
    first = next((n for n, s in enumerate(lines[:line]) if _is_content(s)), None)
    if first is not None and lines[first][:1].isspace():
        shown = _shown(lines[first])
        return YamlProblem(
            first + 1,
            (),
            f"invalid YAML: '{shown}' is indented, but nothing above it opens a block: "
            "top-level keys start at the beginning of the line (a line uncommented by mistake?)",
        )
    where = f" after the one that starts on line {first + 1}" if first is not None else ""
    return YamlProblem(
        line + 1,
        (),
        f"invalid YAML: a second top-level value starts here{where}: the file must be one mapping of keys "
        "(version:, personas: …), so check the indentation between them",
    )


_CANNOT_START = "that cannot start any token"
_TOKEN_END = re.compile(r"[\s,\]}]")
# A [flow list] or {flow mapping} with an unquoted #name in it, as in `channels: [#cost-alerts]`.
_FLOW_COMMENT = re.compile(r"[\[{](?:[^\]}'\"#]*[,\s])?#([\w.-]+)[^\n]*")


def _quoting_problem(exc: yaml.MarkedYAMLError, text: str) -> YamlProblem | None:
    """The two YAML traps of this config, said with the fix: '@group' and '#channel' in a [flow list]."""
    lines = text.splitlines()
    problem, mark = exc.problem or "", exc.problem_mark
    token = ""
    if _CANNOT_START in problem and mark is not None and mark.line < len(lines):
        token = _TOKEN_END.split(lines[mark.line][mark.column :], maxsplit=1)[0]
    if token and mark is not None:  # a tab is no token, and has its own hint below
        return YamlProblem(
            mark.line + 1,
            (),
            f'invalid YAML: {token} must be in quotes, "{token}": YAML cannot read a value starting with '
            f"'{token[:1]}' unquoted",
        )
    if (exc.context or "").startswith("while parsing a flow") and mark is not None:
        # The parser notices only where the list should have closed, often lines later or at the end.
        for number in range(min(mark.line, len(lines) - 1), -1, -1):
            found = _FLOW_COMMENT.search(lines[number])
            if found is not None:
                return YamlProblem(
                    number + 1,
                    (),
                    f"invalid YAML: {found.group(0).strip()}: in YAML an unquoted # starts a comment, so the rest "
                    f"of the line is dropped and the brackets never close; quote it: '#{found.group(1)}'",
                )
    return None


class _TooLarge(Exception):
    def __init__(self, message: str, line: int | None) -> None:
        super().__init__(message)
        self.line = line


def _line(node: Node) -> int:
    return node.start_mark.line + 1


class _Walker:
    def __init__(self, loader: _ConfigLoader) -> None:
        self._loader = loader
        self._visited = 0
        self._active: set[int] = set()
        self.lines: dict[Loc, int] = {}
        self.problems: list[YamlProblem] = []
        self.written: dict[Loc, str] = {}

    def build(self, node: Node, loc: Loc, depth: int) -> Any:
        self._visited += 1
        if self._visited > MAX_NODES:
            raise _TooLarge(
                f"invalid YAML: the document expands to more than {MAX_NODES} values (alias loop?)", _line(node)
            )
        if depth > MAX_DEPTH:
            raise _TooLarge(f"invalid YAML: the document is nested more than {MAX_DEPTH} levels deep", _line(node))
        self.lines.setdefault(loc, _line(node))
        if isinstance(node, ScalarNode):
            return self._scalar(node, loc)
        if id(node) in self._active:
            self.problems.append(YamlProblem(_line(node), loc, "an alias refers to the value that contains it"))
            return None
        self._active.add(id(node))
        try:
            if isinstance(node, SequenceNode):
                self._check_tag(node, SEQ_TAG, loc)
                return [self._item(item, loc + (index,), depth) for index, item in enumerate(node.value)]
            if isinstance(node, MappingNode):
                self._check_tag(node, MAP_TAG, loc)
                return self._mapping(node, loc, depth)
        finally:
            self._active.discard(id(node))
        return None  # pragma: no cover - PyYAML has no other node kinds

    def _item(self, node: Node, loc: Loc, depth: int) -> Any:
        self.lines[loc] = _line(node)
        return self.build(node, loc, depth + 1)

    def _scalar(self, node: ScalarNode, loc: Loc) -> Any:
        try:
            value = self._loader.construct_object(node, deep=True)
        except ConstructorError as exc:
            problem = (exc.problem or "cannot read this value").replace("tag:yaml.org,2002:", "!!")
            self.problems.append(YamlProblem(_line(node), loc, f"unsupported YAML value: {problem}"))
            return None
        except ValueError:
            # An impossible timestamp such as 2025-02-30: keep the text and let
            # validation say what was expected where it matters.
            return node.value
        # Only what was written: an empty value (nothing, or only a comment) has no text to show back.
        if node.style is None and not isinstance(value, str) and node.value:
            self.written[loc] = node.value
        return value

    def _check_tag(self, node: Node, expected: str, loc: Loc) -> None:
        if node.tag != expected:
            shown = node.tag.replace("tag:yaml.org,2002:", "!!")
            self.problems.append(YamlProblem(_line(node), loc, f"unsupported YAML tag '{shown}'"))

    def _mapping(self, node: MappingNode, loc: Loc, depth: int) -> dict[str, Any]:
        first_line: dict[str, int] = {}
        for key_node, _ in node.value:
            if key_node.tag == MERGE_TAG or not isinstance(key_node, ScalarNode):
                continue
            key = key_node.value
            if key in first_line:
                self.problems.append(
                    YamlProblem(
                        _line(key_node),
                        loc + (key,),
                        f"duplicate key '{key}' (first defined on line {first_line[key]})",
                    )
                )
            else:
                first_line[key] = _line(key_node)
        try:
            # Resolves "<<: *anchor" merges; explicit keys come after merged ones and win.
            self._loader.flatten_mapping(node)
        except ConstructorError as exc:
            self.problems.append(YamlProblem(_line(node), loc, f"invalid merge (<<): {exc.problem}"))
        result: dict[str, Any] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, ScalarNode) or key_node.tag == MERGE_TAG:
                self.problems.append(
                    YamlProblem(_line(key_node), loc, "keys must be plain words, not lists or mappings")
                )
                continue
            # Keys are always names in this schema; the raw text keeps `on:` or `1:` as written.
            key = key_node.value
            child = loc + (key,)
            self.lines[child] = _line(key_node)
            result[key] = self.build(value_node, child, depth + 1)
            self.lines[child] = _line(key_node)
        return result
