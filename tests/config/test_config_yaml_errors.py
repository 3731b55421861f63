"""Problems at the YAML level: syntax, duplicate keys, empty or misshapen files."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.config.loader import ConfigError, load_config
from tests.config.config_fixtures import PERSONAS_YAML, ROUTING_YAML


def test_a_value_holding_a_colon_gets_the_quotes_to_add(config_errors) -> None:
    # PyYAML said "mapping values are not allowed here", with no key path and no fix.
    routing = ROUTING_YAML.replace("    name: Budgets\n", "    name: Budgets: monthly\n")

    assert config_errors(routing=routing) == [
        "config/routing.yaml:18: topics[1].name: invalid YAML: the value of 'name' holds ': ', which YAML reads as "
        'the start of a key: quote it, name: "Budgets: monthly"'
    ]


def test_a_key_indented_under_the_line_above_is_named_with_the_column_it_belongs_in(config_errors) -> None:
    # PyYAML said "mapping values are not allowed here": YAML reads `name:` as more of the id's value.
    routing = ROUTING_YAML.replace("    name: Budgets\n", "      name: Budgets\n")

    assert config_errors(routing=routing) == [
        "config/routing.yaml:18: topics[1]: invalid YAML: bad indentation: 'name: Budgets' is indented more than "
        "'- id: budgets' on line 17, so YAML reads it as more of that line's value: the keys of one mapping start "
        "in the same column (column 5, like 'id')"
    ]


@pytest.mark.parametrize(
    ("before", "after", "line", "message"),
    [
        # PyYAML said "could not find expected ':' (while scanning a simple key that starts on line 14)", on line 15.
        (
            "    owners:\n      responsible: [engineering]",
            "    owners\n      responsible: [engineering]",
            14,
            "topics[0]: invalid YAML: 'owners' has no ':' after its key: write 'owners:'",
        ),
        (
            "    name: Budgets\n",
            "    name Budgets\n",
            18,
            "topics[1]: invalid YAML: 'name Budgets' has no ':' after its key: write 'name: Budgets'",
        ),
        # PyYAML said "mapping values are not allowed here" on line 2: `version 1` reads on into it.
        ("version: 1\n", "version 1\n", 1, "invalid YAML: 'version 1' has no ':' after its key: write 'version: 1'"),
    ],
)
def test_a_key_without_its_colon_is_named_on_its_own_line_with_the_fix(
    config_errors, before: str, after: str, line: int, message: str
) -> None:
    assert config_errors(routing=ROUTING_YAML.replace(before, after, 1)) == [f"config/routing.yaml:{line}: {message}"]


def test_a_colon_no_single_fix_explains_keeps_yamls_own_words(config_errors) -> None:
    # A continuation line of a multi-line value, then a key under it: no one edit lets YAML read on.
    routing = ROUTING_YAML.replace("    name: Budgets\n", "    name: Budgets\n      and forecasts\n      scope: all\n")

    assert config_errors(routing=routing) == [
        "config/routing.yaml:20: invalid YAML: mapping values are not allowed here"
    ]


def test_a_line_uncommented_by_mistake_above_the_content_is_named(config_errors) -> None:
    # PyYAML said "expected '<document start>', but found '<block mapping start>'" at `version: 1`.
    personas = "# personas\n#   example:\n    - id: finance   # a slug\n# end of the example\n" + PERSONAS_YAML

    assert config_errors(personas=personas) == [
        "config/personas.yaml:3: invalid YAML: '- id: finance' is indented, but nothing above it opens a block: "
        "top-level keys start at the beginning of the line (a line uncommented by mistake?)"
    ]


def test_a_second_top_level_value_names_where_the_first_starts(config_errors) -> None:
    personas = "[finance, engineering]\n" + PERSONAS_YAML

    [error] = config_errors(personas=personas)
    assert error.startswith(
        "config/personas.yaml:2: invalid YAML: a second top-level value starts here after the one that starts on line 1"
    )


def test_a_key_between_two_columns_names_them_and_its_key_path(config_errors) -> None:
    # PyYAML said "expected <block end>, but found '<block mapping start>'".
    routing = ROUTING_YAML.replace("      informed: [leadership]\n", "     informed: [leadership]\n")

    assert config_errors(routing=routing) == [
        "config/routing.yaml:23: topics[1].owners: invalid YAML: bad indentation: 'informed: [leadership]' starts "
        "in column 6, in line with no key above it (the nearest start in columns 7 ('responsible:', line 21) and "
        "5 ('owners:', line 20)): the keys of one mapping start in the same column"
    ]


def test_a_key_outdented_by_mistake_is_named_with_the_line_it_breaks(config_errors) -> None:
    routing = ROUTING_YAML.replace(
        "      responsible: [engineering]\n      accountable:", "    responsible: [engineering]\n      accountable:"
    )

    assert config_errors(routing=routing) == [
        "config/routing.yaml:16: topics[0]: invalid YAML: bad indentation: 'accountable: [finops-practitioner]' is "
        "indented more than 'responsible: [engineering]' on line 15, which opens no block: the keys of one mapping "
        "start in the same column (is line 15 or line 16 out of line?)"
    ]


def test_tabs_get_a_hint(config_errors) -> None:
    routing = ROUTING_YAML.replace("      informed: [leadership]\n", "\tinformed: [leadership]\n")

    [error] = config_errors(routing=routing)
    assert error.startswith("config/routing.yaml:23: invalid YAML:")
    assert error.endswith("(indent with spaces: YAML does not allow tabs)")


@pytest.mark.parametrize("channels", ["[#cost-alerts]", '[#cost-alerts, "#finops"]'])
def test_an_unquoted_channel_in_a_flow_list_gets_the_quoting_hint(config_errors, channels: str) -> None:
    routing = ROUTING_YAML.replace('  channels: ["#cost-alerts"]\n', f"  channels: {channels}\n")

    [error] = config_errors(routing=routing)
    assert error.startswith(
        f"config/routing.yaml:4: invalid YAML: {channels}: "
    )  # the line to fix, not where YAML gave up
    assert "an unquoted # starts a comment" in error and "quote it: '#cost-alerts'" in error


def test_an_unquoted_channel_in_a_block_list_is_one_error_saying_why_it_is_empty(config_errors) -> None:
    # `- #cost-alerts` is an item holding only a comment: YAML reads it as null. The schema's
    # "expected a string" (which had no text to show back) is not reported on top.
    routing = ROUTING_YAML.replace('  channels: ["#cost-alerts"]\n', "  channels:\n    - #cost-alerts\n")

    assert config_errors(routing=routing) == [
        "config/routing.yaml:5: watch.channels[0]: channel is empty: in YAML an unquoted # starts a comment; "
        'quote it: - "#cost-alerts"'
    ]


def test_an_empty_value_the_schema_alone_rejects_reads_as_nothing(config_errors) -> None:
    routing = ROUTING_YAML.replace("    name: Budgets\n", "    name:  # to do\n")

    assert config_errors(routing=routing) == [
        "config/routing.yaml:18: topics[1].name: expected a string, got nothing (null)"
    ]


def test_an_unquoted_user_group_gets_the_quoting_hint(config_errors) -> None:
    personas = PERSONAS_YAML.replace('usergroup: "@finops-security"', "usergroup: @finops-security")

    [error] = config_errors(personas=personas)
    assert error == (
        'config/personas.yaml:14: invalid YAML: @finops-security must be in quotes, "@finops-security": '
        "YAML cannot read a value starting with '@' unquoted"
    )


def test_syntax_errors_in_one_file_do_not_hide_errors_in_the_other(config_errors) -> None:
    personas = PERSONAS_YAML.replace("    name: Security\n", "    name: [Security\n")
    routing = ROUTING_YAML.replace("    tag: [leadership]", "    tag: [leadrship]").replace(
        "timezone: Europe/Paris", "timezone: Europe/Pariss"
    )

    errors = config_errors(personas=personas, routing=routing)

    assert len(errors) == 2
    assert errors[0].startswith("config/personas.yaml:") and "invalid YAML" in errors[0]
    # personas.yaml could not be read, so persona references are not second-guessed.
    assert (
        errors[1] == "config/routing.yaml:2: timezone: unknown timezone 'Europe/Pariss' (did you mean 'Europe/Paris'?)"
    )


def test_duplicate_keys_are_errors(config_errors) -> None:
    routing = ROUTING_YAML.replace("    name: Budgets\n", "    name: Budgets\n    name: Budget\n").replace(
        "timezone: Europe/Paris\n", "timezone: Europe/Paris\ntimezone: UTC\n"
    )

    assert config_errors(routing=routing) == [
        "config/routing.yaml:3: timezone: duplicate key 'timezone' (first defined on line 2)",
        "config/routing.yaml:20: topics[1].name: duplicate key 'name' (first defined on line 19)",
    ]


def test_second_document_is_an_error(config_errors) -> None:
    assert config_errors(routing=ROUTING_YAML + "---\nversion: 1\n") == [
        "config/routing.yaml:29: invalid YAML: a configuration file holds a single YAML document, "
        "but found a second one ('---')"
    ]


@pytest.mark.parametrize("text", ["", "\n# only a comment\n"])
def test_empty_file(config_errors, text: str) -> None:
    assert config_errors(routing=text) == [
        "config/routing.yaml: the file is empty: expected a mapping with a 'topics:' key"
    ]


def test_top_level_list(config_errors) -> None:
    assert config_errors(personas="- id: finance\n- id: engineering\n") == [
        "config/personas.yaml:1: expected a mapping at the top level (keys such as 'personas:'), got a list"
    ]


def test_missing_files(config_errors) -> None:
    assert config_errors(personas=None, routing=None) == [
        "config/personas.yaml: file not found: run `finops-bot init config` to write the missing files",
        "config/routing.yaml: file not found: run `finops-bot init config` to write the missing files",
    ]


def test_missing_directory(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as caught:
        load_config(tmp_path / "nowhere")

    assert str(caught.value) == f"{tmp_path / 'nowhere'}: configuration directory does not exist"


def test_file_that_is_not_utf8(write_config, tmp_path: Path) -> None:
    directory = write_config()
    (tmp_path / "config" / "routing.yaml").write_bytes(b"version: 1\ntopics:\n  - name: caf\xe9\n")

    with pytest.raises(ConfigError) as caught:
        load_config(directory)

    assert str(caught.value) == "config/routing.yaml:3: the file is not UTF-8 text"


def test_python_tags_are_refused(config_errors) -> None:
    routing = ROUTING_YAML.replace("    name: Budgets\n", "    name: !!python/object/apply:os.system [echo hi]\n")

    [error] = config_errors(routing=routing)
    assert error == "config/routing.yaml:18: topics[1].name: unsupported YAML tag '!!python/object/apply:os.system'"


def test_alias_expansion_bomb_is_stopped(config_errors) -> None:
    bomb = "a: &a [x, x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{name}: &{name} [{', '.join(['*' + previous] * 10)}]\n"
        for previous, name in zip("abcdefg", "bcdefgh", strict=False)
    )

    [error] = config_errors(routing=ROUTING_YAML + bomb)
    assert "the document expands to more than" in error


def test_deep_nesting_is_an_error_not_a_crash(config_errors) -> None:
    [error] = config_errors(routing="topics: " + "[" * 3000 + "]" * 3000 + "\n")
    assert error.startswith("config/routing.yaml")
    assert "nested" in error


def test_control_characters_are_located(config_errors) -> None:
    routing = ROUTING_YAML.replace("    name: Budgets\n", "    name: Bud\x00gets\n")

    assert config_errors(routing=routing) == [
        "config/routing.yaml:18: invalid YAML: the character #x0000 is not allowed in a YAML file"
    ]
