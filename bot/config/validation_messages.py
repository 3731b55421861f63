"""Pydantic validation errors rewritten for someone editing a YAML file.

Pydantic says "Input should be a valid tuple"; a person editing routing.yaml
needs "expected a list of strings, got a string ('#finops')". The models are
walked alongside the error location to know what was expected there.
"""

from __future__ import annotations

import json
import types
from collections.abc import Callable, Mapping
from typing import Any, Union, get_args, get_origin

from pydantic import BaseModel, ValidationError

from bot.config.issues import Loc, describe_value
from bot.config.receivers import SOURCE_PATTERN, TOPIC_ARN_PATTERN
from bot.domain.suggestions import closest, did_you_mean

LocatedMessage = tuple[Loc, str]


def translate(
    error: ValidationError, root: type[BaseModel], written: Mapping[Loc, str] | None = None
) -> list[LocatedMessage]:
    """One (location, message) per pydantic error, locations relative to ``root``'s input.

    ``written``: the source text of unquoted scalars YAML did not read as strings (yamlmarks), so a
    message can show ``011122223333`` rather than the octal number YAML made of it.
    """
    errors = error.errors(include_url=False)
    misspelt = _misspelt_required_keys(errors, root)
    return [
        _translate_one(details, root, written or {})
        for details in errors
        # "personas[4].knd: unknown key 'knd' (did you mean 'kind'?)" says it all; "field required: 'kind'"
        # beside it would report the one typo twice.
        if not (details["type"] == "missing" and _loc(details) in misspelt)
    ]


def _loc(details: Any) -> Loc:
    return tuple(part for part in details["loc"] if isinstance(part, (str, int)))


def _misspelt_required_keys(errors: list[Any], root: type[BaseModel]) -> set[Loc]:
    """Locations of required keys an unknown key beside them is a misspelling of."""
    found: set[Loc] = set()
    for details in errors:
        if details["type"] != "extra_forbidden":
            continue
        loc = _loc(details)
        suggestion = closest(str(loc[-1]), _model_fields(_annotation_at(root, loc[:-1])))
        if suggestion is not None:
            found.add((*loc[:-1], suggestion))
    return found


def _translate_one(details: Any, root: type[BaseModel], written: Mapping[Loc, str]) -> LocatedMessage:
    loc: Loc = _loc(details)
    kind: str = details["type"]
    value = details.get("input")
    ctx = details.get("ctx") or {}
    text = written.get(loc)
    if kind == "string_type" and text is not None:
        return loc, _unquoted(text, value, loc)
    if kind == "missing":
        return loc[:-1], f"field required: '{loc[-1]}'"
    if kind == "extra_forbidden":
        key = str(loc[-1])
        known = _model_fields(_annotation_at(root, loc[:-1]))
        return loc, f"unknown key '{key}'{did_you_mean(key, known)}"
    expected = _annotation_at(root, loc)
    if kind == "literal_error":
        choices = [repr(choice) for choice in get_args(_unwrap_optional(expected))] or [ctx.get("expected", "?")]
        hint = did_you_mean(str(value), [choice.strip("'") for choice in choices]) if isinstance(value, str) else ""
        return loc, f"expected one of {', '.join(choices)}, got {describe_value(value)}{hint}"
    describe_expectation = _EXPECTATIONS.get(kind)
    if describe_expectation is not None:
        return (
            loc,
            f"expected {describe_expectation(expected, ctx)}, got {describe_value(value)}{_quoting_hint(kind, value, loc)}"
            f"{_one_item_hint(kind, value, expected)}",
        )
    bound = _BOUNDS.get(kind)
    if bound is not None:
        symbol, key = bound
        return loc, f"must be {symbol} {_number(ctx.get(key))}, got {_number(value)}"
    if kind.startswith("date"):
        reason = ctx.get("error")
        detail = f" ({reason})" if reason else ""
        return loc, f"expected a date as YYYY-MM-DD, got {describe_value(value)}{detail}"
    sized = _size_message(kind, value, ctx)
    if sized is not None:
        return loc, sized
    if kind == "string_pattern_mismatch":
        form = PATTERN_FORMS.get(str(ctx.get("pattern")), "the form this setting needs")
        return loc, f"expected {form}, got {describe_value(value)}"
    if kind == "value_error" and ctx.get("error") is not None:
        # Raised by our own validators (finance dates, times): their text is already written for the reader.
        return loc, str(ctx["error"])
    message = str(details.get("msg", "invalid value"))
    return loc, message[:1].lower() + message[1:]


# Patterns of Field(pattern=...) in plain words; pydantic would print the regular expression.
PATTERN_FORMS = {
    SOURCE_PATTERN: "a source name of lower-case letters, digits, '-' and '_' (up to 40, starting with a letter "
    "or digit), such as kubecost",
    TOPIC_ARN_PATTERN: "an SNS topic ARN such as arn:aws:sns:us-east-1:123456789012:finops-cost-alerts",
}


def _size_message(kind: str, value: object, ctx: dict) -> str | None:
    if kind in ("too_short", "too_long"):
        limit = ctx.get("min_length" if kind == "too_short" else "max_length")
        actual = ctx.get("actual_length")
        if kind == "too_short" and not actual:
            return f"must not be empty: list at least {_items(limit)}"
        bound = "at least" if kind == "too_short" else "at most"
        return f"must list {bound} {_items(limit)}, got {actual}"
    if kind == "string_too_short":
        limit = ctx.get("min_length")
        return "must not be empty" if limit == 1 else f"must be at least {limit} characters long"
    if kind == "string_too_long":
        return f"must be at most {ctx.get('max_length')} characters long, got {len(str(value))}"
    return None


def _items(count: object) -> str:
    return f"{count} item{'' if count == 1 else 's'}"


def _unquoted(text: str, value: object, loc: Loc) -> str:
    """A text setting written unquoted and read by YAML as a number, boolean, date or null."""
    read = describe_value(value)
    if "aws_accounts" in loc and isinstance(value, int):
        octal = text.startswith("0") and str(value) != text.lstrip("0")
        read = f"the octal number {value}" if octal else "a number, which drops any leading zeros"
        return f'account id {text} must be in quotes, "{text}": unquoted, YAML reads {read}'
    return f'expected a string, got {text} unquoted, which YAML reads as {read}: put it in quotes, "{text}"'


def _quoting_hint(kind: str, value: object, loc: Loc = ()) -> str:
    # YAML 1.1 reads yes/no/on/off as booleans and 2024 as a number; a text
    # setting written that way only needs quotes.
    if kind == "string_type" and isinstance(value, int) and "aws_accounts" in loc:
        return " (write account ids in quotes: unquoted, YAML reads a number and drops leading zeros)"
    if kind == "string_type" and isinstance(value, (bool, int, float)):
        return " (put the value in quotes to make it text)"
    return ""


def _one_item_hint(kind: str, value: object, expected: Any) -> str:
    """A single text where a list of texts goes (`channels: "#cost-alerts"`): the list to write instead."""
    if kind not in ("tuple_type", "list_type") or not isinstance(value, str) or _item_type(expected) is not str:
        return ""
    items = [item.strip() for item in value.split(",") if item.strip()] or [value]
    written = ", ".join(json.dumps(item, ensure_ascii=False) for item in items)
    return f": write a list, [{written}]" if len(items) > 1 else f": one item is a list too, write [{written}]"


def _number(value: object) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _list_of(annotation: Any, _ctx: dict) -> str:
    item = _item_type(annotation)
    if item is str:
        return "a list of strings"
    if item is int:
        return "a list of whole numbers"
    if isinstance(item, type) and issubclass(item, BaseModel):
        return "a list of mappings (each item `- key: value`)"
    return "a list"


def _mapping(annotation: Any, _ctx: dict) -> str:
    model = _unwrap_optional(annotation)
    if isinstance(model, type) and issubclass(model, BaseModel):
        keys = ", ".join(model.model_fields)
        return f"a mapping with keys such as {keys}"
    return "a mapping (key: value)"


def _fixed(text: str) -> Callable[[Any, dict], str]:
    return lambda _annotation, _ctx: text


_EXPECTATIONS: dict[str, Callable[[Any, dict], str]] = {
    "string_type": _fixed("a string"),
    "tuple_type": _list_of,
    "list_type": _list_of,
    "model_type": _mapping,
    "model_attributes_type": _mapping,
    "dict_type": _mapping,
    "float_type": _fixed("a number"),
    "float_parsing": _fixed("a number"),
    "finite_number": _fixed("a finite number"),
    "int_type": _fixed("a whole number"),
    "int_parsing": _fixed("a whole number"),
    "int_from_float": _fixed("a whole number"),
    "bool_type": _fixed("true or false"),
    "bool_parsing": _fixed("true or false"),
}

_BOUNDS: dict[str, tuple[str, str]] = {
    "greater_than": (">", "gt"),
    "greater_than_equal": (">=", "ge"),
    "less_than": ("<", "lt"),
    "less_than_equal": ("<=", "le"),
}


def _unwrap_optional(annotation: Any) -> Any:
    if get_origin(annotation) in (Union, types.UnionType):
        rest = [arg for arg in get_args(annotation) if arg is not type(None)]
        if len(rest) == 1:
            return rest[0]
    return annotation


def _item_type(annotation: Any) -> Any:
    annotation = _unwrap_optional(annotation)
    if get_origin(annotation) in (tuple, list):
        args = [arg for arg in get_args(annotation) if arg is not Ellipsis]
        return args[0] if args else None
    return None


def _annotation_at(root: type[BaseModel], loc: Loc) -> Any:
    """The declared type at ``loc`` (None when the location leaves the schema)."""
    current: Any = root
    for part in loc:
        current = _unwrap_optional(current)
        if isinstance(part, int):
            current = _item_type(current)
        elif isinstance(current, type) and issubclass(current, BaseModel) and part in current.model_fields:
            current = current.model_fields[part].annotation
        else:
            return None
    return current


def _model_fields(annotation: Any) -> list[str]:
    model = _unwrap_optional(annotation)
    if isinstance(model, type) and issubclass(model, BaseModel):
        return list(model.model_fields)
    return []
