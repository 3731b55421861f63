"""Edits to ``routing.yaml`` made line by line, so its comments and layout survive.

``suggest-routing`` (``bot.services.routing_feedback``) proposes changes from
recorded corrections; these apply one to the file's lines and return the new
lines, or None when the file is not laid out as expected (the proposal is then
shown without a diff). Block and flow lists are both understood.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

MAX_LINE = 100  # a flow list longer than this gets its new terms on a line of their own

_TOPIC_ID = r"^(\s*)-\s+id:\s*['\"]?{}['\"]?\s*(#.*)?$"


def _topic_span(lines: list[str], topic_id: str) -> tuple[int, int, int] | None:
    """(first line, end line exclusive, indent of '-') of the topic's list item."""
    pattern = re.compile(_TOPIC_ID.format(re.escape(topic_id)))
    for start, line in enumerate(lines):
        match = pattern.match(line.rstrip("\n"))
        if not match:
            continue
        indent = len(match.group(1))
        end = start + 1
        while end < len(lines):
            text = lines[end].rstrip("\n")
            stripped = text.strip()
            if stripped and not stripped.startswith("#"):
                current = len(text) - len(text.lstrip())
                if current < indent or (current == indent and stripped.startswith("-")):
                    break
            end += 1
        # Trailing blank lines and comments belong to whatever follows.
        while end - 1 > start and (not lines[end - 1].strip() or lines[end - 1].lstrip().startswith("#")):
            end -= 1
        return start, end, indent
    return None


def _topic_key(lines: list[str], topic_id: str, key: str) -> tuple[tuple[int, int, int], tuple[int, int, str]] | None:
    """The topic's span (``_topic_span``) and its ``key`` line (``_key_line``), or None when either is missing."""
    span = _topic_span(lines, topic_id)
    found = _key_line(lines, span[0], span[1], key) if span else None
    return (span, found) if span is not None and found is not None else None


def _key_line(lines: list[str], start: int, end: int, key: str) -> tuple[int, int, str] | None:
    """(line index, indent, text after 'key:') of the first ``key:`` within the span."""
    pattern = re.compile(rf"^(\s*)(?:-\s+)?{re.escape(key)}:\s*(.*?)\s*$")
    for index in range(start, end):
        match = pattern.match(lines[index].rstrip("\n"))
        if match:
            rest = re.sub(r"\s+#[^'\"]*$", "", match.group(2))  # a trailing comment
            return index, len(match.group(1)), rest
    return None


def _flow_end(lines: list[str], first: int) -> int | None:
    """Index of the line closing the flow list opened on line ``first``."""
    depth = 0
    quote: str | None = None
    for index in range(first, len(lines)):
        for char in lines[index]:
            if quote:
                if char == quote:
                    quote = None
            elif char in "'\"":
                quote = char
            elif char == "#":
                break
            elif char == "[":
                depth += 1
            elif char == "]":
                depth -= 1
                if depth == 0:
                    return index
    return None


def _block_items(lines: list[str], key_index: int, key_indent: int, end: int) -> list[int]:
    items = []
    for index in range(key_index + 1, end):
        text = lines[index].rstrip("\n")
        stripped = text.strip()
        if not stripped or stripped.startswith("#"):
            continue
        indent = len(text) - len(text.lstrip())
        if indent < key_indent or (indent == key_indent and not stripped.startswith("- ")):
            break
        if stripped.startswith("- "):
            items.append(index)
    return items


def _yaml_scalar(term: str) -> str:
    if re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9 \-]*[A-Za-z0-9]|[A-Za-z0-9]", term):
        return term
    return "'" + term.replace("'", "''") + "'"


def _unquote(item: str) -> str:
    item = item.strip()
    if len(item) >= 2 and item[0] == item[-1] and item[0] in "'\"":
        return item[1:-1].replace("''", "'") if item[0] == "'" else item[1:-1]
    return item


def add_terms(lines: list[str], topic: str, terms: Sequence[str]) -> list[str] | None:
    found = _topic_key(lines, topic, "terms")
    if found is None:
        return None
    span, (key_index, key_indent, rest) = found
    lines = list(lines)
    addition = ", ".join(_yaml_scalar(t) for t in terms)
    if rest.startswith("["):
        close = _flow_end(lines, key_index)
        if close is None:
            return None
        line = lines[close]
        position = line.rindex("]")
        newline = "\n" if line.endswith("\n") else ""
        if len(line.rstrip("\n")) + len(addition) + 2 <= MAX_LINE:
            lines[close] = f"{line[:position].rstrip()}, {addition}{line[position:]}"
        else:
            continuation = " " * (lines[key_index].index("[") + 1)
            lines[close] = f"{line[:position].rstrip()},{newline}"
            lines.insert(close + 1, f"{continuation}{addition}{line[position:]}")
        return lines
    if rest == "":
        items = _block_items(lines, key_index, key_indent, span[1])
        if not items:
            return None
        last = lines[items[-1]]
        prefix = last[: len(last) - len(last.lstrip())]
        for offset, term in enumerate(terms, start=1):
            lines.insert(items[-1] + offset, f"{prefix}- {_yaml_scalar(term)}\n")
        return lines
    return None


def drop_term(lines: list[str], topic: str, term: str) -> list[str] | None:
    found = _topic_key(lines, topic, "terms")
    if found is None:
        return None
    span, (key_index, key_indent, rest) = found
    lines = list(lines)
    if rest.startswith("["):
        close = _flow_end(lines, key_index)
        if close is None:
            return None
        text = "".join(lines[key_index : close + 1])
        opened = text.index("[")
        closed = text.rindex("]")
        pieces = _split_flow(text[opened + 1 : closed])
        keep = [i for i, p in enumerate(pieces) if _unquote(p) != term]
        if len(keep) == len(pieces):
            keep = [i for i, p in enumerate(pieces) if _unquote(p).casefold() != term.casefold()]
        if len(keep) == len(pieces):
            return None
        kept = [pieces[i] for i in keep]
        if kept and keep[0] != 0:
            kept[0] = kept[0].lstrip(" ")
        replaced = text[: opened + 1] + ",".join(kept) + text[closed:]
        new_lines = [line for line in replaced.splitlines(keepends=True) if line.strip()]
        lines[key_index : close + 1] = new_lines
        return lines
    if rest == "":
        for index in _block_items(lines, key_index, key_indent, span[1]):
            if _unquote(lines[index].strip()[2:]).casefold() == term.casefold():
                del lines[index]
                return lines
    return None


def _split_flow(body: str) -> list[str]:
    """The raw items of a flow list body, each with the whitespace that precedes it."""
    pieces, current, quote = [], "", None
    for char in body:
        if quote:
            quote = None if char == quote else quote
        elif char in "'\"":
            quote = char
        elif char == ",":
            pieces.append(current)
            current = ""
            continue
        current += char
    if current.strip():
        pieces.append(current)
    return pieces


def set_responsible(lines: list[str], topic: str, from_persona: str | None, to_persona: str) -> list[str] | None:
    found_owners = _topic_key(lines, topic, "owners")
    if found_owners is None:
        return None
    span, (owners_index, owners_indent, _) = found_owners
    lines = list(lines)
    found = _key_line(lines, owners_index + 1, span[1], "responsible")
    if found is None:
        lines.insert(owners_index + 1, f"{' ' * (owners_indent + 2)}responsible: [{to_persona}]\n")
        return lines
    key_index, _, rest = found
    if rest.startswith("[") and rest.endswith("]"):
        current = [_unquote(p) for p in _split_flow(rest[1:-1])]
        wanted = [to_persona, *[p for p in current if p not in (to_persona, from_persona)]]
        line = lines[key_index]
        lines[key_index] = line[: line.index("[")] + "[" + ", ".join(wanted) + "]" + line[line.rindex("]") + 1 :]
        return lines
    return None
