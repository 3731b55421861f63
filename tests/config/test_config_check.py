"""`finops-bot check-config`: exit codes and what it prints."""

from __future__ import annotations

import argparse
import datetime as dt
import io

import pytest

from bot.cli.config import add_parsers as add_check_config_parser
from bot.config.check import check_config
from tests.config.config_fixtures import ROUTING_YAML


def run(directory: str | None) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    # Before the fixture's calendar date (2026-09-30), so no past-entry warning joins the ones asserted.
    code = check_config(directory, out, err, today=dt.date(2026, 1, 1))
    return code, out.getvalue(), err.getvalue()


def test_valid_config_exits_0_with_a_summary(write_config) -> None:
    code, out, err = run(write_config())

    assert code == 0
    assert err == ""
    assert out.splitlines() == [
        "configuration in config is valid",
        "  personas:         7 (6 core, 1 allied)",
        "  topics:           2 (4 terms)",
        "  watched channels: #cost-alerts",
        "  fallback:         finops-practitioner",
        "  min confidence:   0.5",
        "  escalations:      >= $10,000: leadership",
        "  duties:           2",
        "  calendar entries: 1",
        "  digest:           #finops at '0 9 * * MON' (Europe/Paris)",
        "  owning teams:     none (no owners.yaml teams)",
        "  currencies:       20 rates to USD as of 2025-11-14",
    ]


def test_the_summary_names_each_declared_language_and_how_many_topics_have_its_terms(write_config) -> None:
    # A language just added shows up, with the topics that have terms in it ("it (0 topics)":
    # declared, but no topic can match its words yet).
    routing = ROUTING_YAML.replace(
        "topics:\n",
        "languages:\n  it: {markers: [il, della, che, per]}\n  es: {markers: [el, los, que, por]}\ntopics:\n",
        1,
    ).replace(
        "    terms: [anomaly, spike]\n", "    terms: [anomaly, spike]\n    terms_by_language: {es: [anomalía]}\n", 1
    )
    code, out, _ = run(write_config(routing=routing))

    assert code == 0
    assert "  languages:        English, Italian (it, 0 topics), Spanish (es, 1 topic)" in out.splitlines()


def test_warnings_follow_the_summary(write_config) -> None:
    code, out, _ = run(write_config(routing=ROUTING_YAML.replace("      responsible: [engineering]\n", "")))

    assert code == 0
    assert out.splitlines()[-2:] == [
        "1 warning:",
        "  config/routing.yaml:14: topics[0].owners: warning: topic 'anomalies' has no responsible owner: "
        "matching messages tag nobody",
    ]


def test_invalid_config_exits_1_listing_every_error(write_config) -> None:
    routing = ROUTING_YAML.replace("        - finance\n", "        - fiance\n").replace(
        "    tag: [leadership]", "    tag: [leadrship]"
    )

    code, out, err = run(write_config(routing=routing))

    assert code == 1
    assert out == ""
    assert err.splitlines() == [
        "config/routing.yaml:9: escalations[0].tag[0]: unknown persona 'leadrship' (did you mean 'leadership'?)",
        "config/routing.yaml:22: topics[1].owners.responsible[0]: unknown persona 'fiance' (did you mean 'finance'?)",
        "configuration in config is invalid: 2 errors",
    ]


def test_default_directory_comes_from_the_environment_at_run_time(
    write_config, monkeypatch: pytest.MonkeyPatch, tmp_path
) -> None:
    write_config()
    parser = argparse.ArgumentParser()
    add_check_config_parser(parser.add_subparsers())
    args = parser.parse_args(["check-config"])
    monkeypatch.setenv("FINOPS_CONFIG_DIR", str(tmp_path / "config"))
    assert args.func(args) == 0

    monkeypatch.setenv("FINOPS_CONFIG_DIR", str(tmp_path / "elsewhere"))
    from bot.cli import main

    # A directory named but missing: one line saying where and what to do, exit 1 like any failure.
    assert main(["check-config"]) == 1


def test_parser_wires_check_config(write_config, capsys: pytest.CaptureFixture[str]) -> None:
    directory = write_config(routing=ROUTING_YAML.replace("timezone: Europe/Paris", "timezone: Europe/Pariss"))
    parser = argparse.ArgumentParser()
    add_check_config_parser(parser.add_subparsers())

    args = parser.parse_args(["check-config", "--config-dir", directory])

    assert args.func(args) == 1
    assert "timezone: unknown timezone 'Europe/Pariss'" in capsys.readouterr().err


def test_without_a_config_here_it_says_it_checked_the_shipped_example(
    monkeypatch: pytest.MonkeyPatch, tmp_path, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("FINOPS_CONFIG_DIR", raising=False)
    from bot.cli import main

    assert main(["check-config"]) == 0
    captured = capsys.readouterr()
    assert captured.out.startswith("the example configuration in ")
    assert "is valid\n" in captured.out.splitlines(keepends=True)[0]
    assert captured.err.startswith("note: no config here (no --config-dir, no $FINOPS_CONFIG_DIR, no ./config): ")
    assert "pass --config-dir DIR or set FINOPS_CONFIG_DIR to check yours" in captured.err


def test_a_half_written_config_here_is_checked_not_replaced_by_the_example(
    write_config, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    write_config(routing=None)
    monkeypatch.delenv("FINOPS_CONFIG_DIR", raising=False)
    from bot.cli import main

    assert main(["check-config"]) == 1
    assert capsys.readouterr().err.splitlines() == [
        "config/routing.yaml: file not found: run `finops-bot init config` to write the missing files",
        "configuration in config is invalid: 1 error",
    ]


def test_a_topic_yielding_to_an_unknown_topic_is_an_error(write_config) -> None:
    routing = ROUTING_YAML.replace(
        "    terms: [anomaly, spike]\n", "    terms: [anomaly, spike]\n    yields_to: [budgts]\n"
    )

    code, _, err = run(write_config(routing=routing))

    assert code == 1
    assert err.splitlines()[0] == (
        "config/routing.yaml:14: topics[0].yields_to[0]: unknown topic 'budgts' (did you mean 'budgets'?)"
    )


def test_a_topic_excluded_under_an_unknown_topic_is_an_error(write_config) -> None:
    routing = ROUTING_YAML.replace(
        "    terms: [anomaly, spike]\n", "    terms: [anomaly, spike]\n    excluded_under: [budgts]\n"
    )

    code, _, err = run(write_config(routing=routing))

    assert code == 1
    assert err.splitlines()[0] == (
        "config/routing.yaml:14: topics[0].excluded_under[0]: unknown topic 'budgts' (did you mean 'budgets'?)"
    )


def test_budget_questions_name_a_known_topic(write_config) -> None:
    routing = ROUTING_YAML.replace("topics:\n", "budget_questions:\n  topic: budgts\ntopics:\n", 1)

    code, _, err = run(write_config(routing=routing))

    assert code == 1
    assert "budget_questions.topic: unknown topic 'budgts' (did you mean 'budgets'?)" in err


def test_unit_costs_name_a_known_topic_and_one_of_its_terms(write_config) -> None:
    unknown = ROUTING_YAML.replace("topics:\n", "unit_costs:\n  topic: budgts\n  term: budget\ntopics:\n", 1)
    not_a_term = ROUTING_YAML.replace("topics:\n", "unit_costs:\n  topic: budgets\n  term: cost per unit\ntopics:\n", 1)
    a_term = ROUTING_YAML.replace("topics:\n", "unit_costs:\n  topic: budgets\n  term: Forecast\ntopics:\n", 1)

    code, _, err = run(write_config(routing=unknown))
    assert code == 1
    assert "config/routing.yaml:11: unit_costs.topic: unknown topic 'budgts' (did you mean 'budgets'?)" in err
    code, _, err = run(write_config(routing=not_a_term))
    assert code == 1
    assert (
        "config/routing.yaml:12: unit_costs.term: 'cost per unit' is not a term of topic 'budgets'; add it to its terms"
        in err
    )
    assert run(write_config(routing=a_term))[0] == 0
