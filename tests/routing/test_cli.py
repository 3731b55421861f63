import io
import json
import subprocess
import sys

import pytest

from bot.cli import main
from tests.routing.routing_support import CONFIG_DIR


def run(argv, capsys, monkeypatch, stdin: str | None = None, tty: bool = False):
    if stdin is not None or tty:
        stream = io.TextIOWrapper(io.BytesIO((stdin or "").encode("utf-8")), encoding="utf-8")
        if tty:
            stream.isatty = lambda: True  # type: ignore[method-assign]
        monkeypatch.setattr("sys.stdin", stream)
    code = main([*argv, "--config-dir", str(CONFIG_DIR)])
    out, err = capsys.readouterr()
    return code, out, err


def test_route_text_explains(capsys, monkeypatch):
    code, out, _ = run(["route", "GuardDuty went from $3k to $11k/mo on AWS"], capsys, monkeypatch)
    assert code == 0
    assert "security (responsible)" in out and "$11,000" in out


def test_route_json(capsys, monkeypatch):
    code, out, _ = run(["route", "--json", "Our AWS EDP renewal is due"], capsys, monkeypatch)
    data = json.loads(out)
    assert code == 0 and data["personas"][0] == "procurement" and "explanation" in data


def test_route_without_text_on_a_tty_is_a_usage_error(capsys, monkeypatch):
    code, _out, err = run(["route"], capsys, monkeypatch, tty=True)
    assert code == 2 and "TEXT" in err and "Traceback" not in err


def test_route_jsonl_survives_bad_lines(capsys, monkeypatch):
    nested = '{"text": "top", "blocks": [' + '{"elements": [' * 200 + '{"text": "deep"}' + "]}" * 200 + "]}"
    too_deep = '{"blocks": ' + "[" * 100_000 + "]" * 100_000 + "}"
    lines = [
        json.dumps({"text": "AWS Budgets: prod has exceeded your alert threshold, ACTUAL Amount: $5,100.00"}),
        "{not json",
        json.dumps([1, 2, 3]),
        json.dumps("just a string"),
        json.dumps({"text": "budget " * 8000 + " AWS"}),
        json.dumps({"text": "\u202e\u200bcost anomaly 🔥 e\u0301 on EC2 ‏עלות"}),
        nested,
        too_deep,
        json.dumps({"text": None, "attachments": "nope", "blocks": {"a": 1}}),
        "",
        json.dumps({"text": "I reserved the room"}),
    ]
    code, out, err = run(["route", "--jsonl"], capsys, monkeypatch, stdin="\n".join(lines) + "\n")
    assert code == 1  # invalid lines are answered, named on stderr, and fail the run at the end
    records = [json.loads(line) for line in out.splitlines()]
    assert len(records) == 10
    assert records[0]["personas"] == ["finance"] and records[0]["amount_usd"] == 5100.0
    assert records[1] == {"line": 2, "error": records[1]["error"]} and "invalid JSON" in records[1]["error"]
    assert records[2]["line"] == 3 and "got an array" in records[2]["error"]
    assert records[3]["line"] == 4 and "got a string" in records[3]["error"]
    assert records[7]["line"] == 8 and "error" in records[7]
    assert records[8] == {"line": 9, "error": "'attachments' must be an array, got a string"}
    for record in records[4:7] + records[9:]:
        assert {"personas", "topics", "amount_usd", "explanation", "confidence", "is_request", "roles"} <= set(record)
    assert records[-1]["personas"] == []
    named = [line.split(":")[2].strip() for line in err.splitlines()[:-1]]
    assert named == ["line 2", "line 3", "line 4", "line 8", "line 9"]
    assert err.splitlines()[-1] == "finops-bot: route --jsonl: 5 lines of invalid input (named above)"


def test_route_sample_prints_who_and_why(capsys, monkeypatch):
    code, out, _ = run(["route", "--sample"], capsys, monkeypatch)
    assert code == 0
    assert "tag:" in out and "why:" in out and "tag:         nobody" in out


def test_who_owns_text_and_json(capsys, monkeypatch):
    code, out, _ = run(["who-owns", "savings", "plans"], capsys, monkeypatch)
    assert code == 0 and "responsible" in out and "finops-practitioner" in out
    code, out, _ = run(["who-owns", "--json", "pizza"], capsys, monkeypatch)
    data = json.loads(out)
    assert data["topic"] is None and data["personas"] == [] and "suggestions" in data


def test_who_owns_jsonl(capsys, monkeypatch):
    stdin = '{"topic": "MACC"}\n[1]\nnot json\n{"topic": "forcasting"}\n"savings plans"\n'
    code, out, err = run(["who-owns", "--jsonl"], capsys, monkeypatch, stdin=stdin)
    records = [json.loads(line) for line in out.splitlines()]
    assert code == 1 and len(records) == 5
    assert records[0]["topic"] == "enterprise-commitments"
    assert "error" in records[1] and "error" in records[2]
    assert records[3]["topic"] == "forecasting" and records[4]["topic"] == "commitments"
    assert "who-owns --jsonl: line 2: " in err and "who-owns --jsonl: line 3: invalid JSON" in err


def run_process(argv: list[str], stdin: str):
    """The real `finops-bot` process, for its exit code and its two output streams."""
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", *argv, "--config-dir", str(CONFIG_DIR)],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.parametrize(
    ("line", "problem"),
    [
        ('{"Type": "Notification", "Message": "budget"}', "not a Slack message: no text, attachments or blocks"),
        ('{"text": 123}', "'text' must be a string, got a number"),
        ("{}", "not a Slack message"),
    ],
)
def test_route_jsonl_names_a_line_that_is_no_slack_message_and_fails_at_the_end(line, problem):
    good = json.dumps({"text": "AWS Budgets: prod has exceeded your alert threshold, ACTUAL Amount: $5,100.00"})
    result = run_process(["route", "--jsonl"], f"{line}\n{good}\n")
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert f"finops-bot: route --jsonl: line 1: {problem}" in result.stderr
    first, second = map(json.loads, result.stdout.splitlines())
    assert first["line"] == 1 and problem in first["error"] and "Empty message" not in result.stdout
    assert second["personas"] == ["finance"]  # the stream went on


def test_route_jsonl_gives_the_amount_object_of_route_json():
    texts = [
        "AWS Budgets: prod has exceeded your alert threshold, ACTUAL Amount: $5,100.00",
        "Azure budget alert: spend reached €18,000 of the €20,000 budget",
    ]
    result = run_process(["route", "--jsonl"], "".join(json.dumps({"text": t}) + "\n" for t in texts))
    assert result.returncode == 0 and result.stderr == ""
    for text, line in zip(texts, result.stdout.splitlines(), strict=True):
        single = json.loads(run_process(["route", "--json", text], "").stdout)
        assert json.loads(line)["amount"] == single["amount"] and isinstance(single["amount"], dict)
    assert [json.loads(line)["amount"]["currency"] for line in result.stdout.splitlines()] == ["USD", "EUR"]


@pytest.mark.parametrize("line", ['{"query": "MACC"}', '{"topic": "MACC", "id": 1}', '{"topic": 5}'])
def test_who_owns_jsonl_names_a_line_with_other_keys_and_fails_at_the_end(line):
    result = run_process(["who-owns", "--jsonl"], f'{line}\n{{"topic": "MACC"}}\n')
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert 'finops-bot: who-owns --jsonl: line 1: expected {"topic": "..."}' in result.stderr
    first, second = map(json.loads, result.stdout.splitlines())
    assert first["line"] == 1 and second["topic"] == "enterprise-commitments"


def test_test_routes_reports_failures_and_exit_code(tmp_path, capsys, monkeypatch):
    cases = tmp_path / "cases.yaml"
    cases.write_text(
        "- id: ok\n  text: 'AWS Budgets: prod has exceeded your alert threshold'\n  expect: [finance]\n"
        "- id: wrong\n  text: 'AWS Budgets: prod has exceeded your alert threshold'\n  expect: [itam]\n"
    )
    code, out, _ = run(["test-routes", str(cases)], capsys, monkeypatch)
    assert code == 1
    assert "FAIL" in out and "wrong" in out and "missing itam" in out and "why:" in out
    assert "precision:" in out and "recall:" in out and "topics no case exercised:" in out


BUDGET_5K = "AWS Budgets: prod has exceeded your alert threshold, ACTUAL Amount: $5,000.00"


def run_test_routes_process(tmp_path, text: str):
    """test-routes through the real process, for its exit code."""
    cases = tmp_path / "cases.yaml"
    cases.write_text(text, encoding="utf-8")
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", "test-routes", "--config-dir", str(CONFIG_DIR), str(cases)],
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.parametrize(
    "amount", ["amount: {value: 7000, currency: USD}", "amount_usd: 9000", "amount: {value: 5000, currency: EUR}"]
)
def test_test_routes_fails_a_wrong_amount_in_either_documented_form(tmp_path, amount):
    result = run_test_routes_process(
        tmp_path, f"- id: budget\n  text: '{BUDGET_5K}'\n  expect: [finance]\n  {amount}\n"
    )
    assert result.returncode == 1, result.stdout
    assert "FAIL" in result.stdout and "budget: amount 5,000 USD instead of " in result.stdout
    assert "amounts: 0/1 right" in result.stdout and "amounts 0.000 (0/1)" in result.stdout


def test_test_routes_passes_a_right_amount_in_either_form(tmp_path):
    text = "".join(
        f"- text: '{BUDGET_5K}'\n  expect: [finance]\n  {amount}\n"
        for amount in ("amount: {value: 5000, currency: USD}", "amount: {value: 5000}", "amount_usd: 5000")
    )
    result = run_test_routes_process(tmp_path, text)
    assert result.returncode == 0, result.stdout
    assert "amounts: 3/3 right" in result.stdout and "amounts 1.000 (3/3)" in result.stdout


def test_test_routes_refuses_an_amount_it_could_not_check(tmp_path):
    result = run_test_routes_process(
        tmp_path, f"- id: bare\n  text: '{BUDGET_5K}'\n  expect: [finance]\n  amount: 5000\n  amount_usd: 5k\n"
    )
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "case 1 (bare): amount: 5000 is not an amount: write amount: {value: 5000, currency: USD}" in result.stderr
    assert "case 1 (bare): amount_usd: '5k' is not a number" in result.stderr


def test_test_routes_reports_a_failing_who_owns_case_without_an_id(tmp_path):
    result = run_test_routes_process(tmp_path, "- topic: contract renewals\n  expect: [sustainability]\n")
    assert result.returncode == 1
    assert "#1: 'contract renewals' missing sustainability" in result.stdout
    assert "cases: 1 (0 routing, 1 who-owns), passed: 0, failed: 1" in result.stdout


def test_test_routes_invalid_yaml_is_a_clear_error(tmp_path, capsys, monkeypatch):
    bad = tmp_path / "bad.yaml"
    bad.write_text("- id: x\n  text: [unclosed\n")
    code, _, err = run(["test-routes", str(bad)], capsys, monkeypatch)
    assert code == 1 and "invalid YAML" in err and "Traceback" not in err


def test_test_routes_file_not_utf8_is_a_clear_error(tmp_path, capsys, monkeypatch):
    bad = tmp_path / "cases.yaml"
    bad.write_bytes(b"\xff\xfe- text: hi\n")
    code, _, err = run(["test-routes", str(bad)], capsys, monkeypatch)
    assert code == 1 and "not UTF-8" in err and "Traceback" not in err


def test_config_errors_exit_1_without_traceback(tmp_path, capsys, monkeypatch):
    (tmp_path / "personas.yaml").write_text("personas: [")
    (tmp_path / "routing.yaml").write_text("topics: []\n")
    code = main(["route", "--config-dir", str(tmp_path), "budget"])
    _, err = capsys.readouterr()
    assert code == 1 and "personas.yaml" in err and "Traceback" not in err


def test_config_dir_defaults_to_env(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("FINOPS_CONFIG_DIR", str(tmp_path / "missing"))
    code = main(["who-owns", "budgets"])
    _, err = capsys.readouterr()
    assert code == 1 and "missing" in err and "FINOPS_CONFIG_DIR" in err and "Traceback" not in err


def test_check_config_is_wired(capsys, monkeypatch):
    code, out, _ = run(["check-config"], capsys, monkeypatch)
    assert code == 0 and "valid" in out


def test_test_routes_reports_metrics_per_file_and_scores_who_owns_cases(tmp_path, capsys, monkeypatch):
    routes = tmp_path / "routes.yaml"
    routes.write_text(
        "- id: ri\n  text: our RI coverage dropped to 60%, who looks at it?\n  expect: [finops-practitioner]\n  accept: [procurement]\n"
        "- id: lunch\n  text: lunch is at noon in the big room\n  expect: []\n"
    )
    owners = tmp_path / "owners.yaml"
    owners.write_text(
        "- id: renewals\n  topic: contract renewals\n  expect: [procurement]\n"
        "- id: wrong-on-purpose\n  topic: contract renewals\n  expect: [sustainability]\n"
    )
    code, out, _ = run(["test-routes", "--config-dir", str(CONFIG_DIR), str(routes), str(owners)], capsys, monkeypatch)
    assert code == 1  # the who-owns case labelled wrong fails the run
    assert "wrong-on-purpose" in out and "FAIL" in out
    assert "routes.yaml (2 cases: 2 routing, 0 who-owns): strict 1.000 (2/2)" in out
    assert "cases: 4 (2 routing, 2 who-owns), passed: 3, failed: 1" in out
    assert "chatter tagged 0.000 (0/1)" in out
    assert "owners.yaml (2 cases: 0 routing, 2 who-owns)" in out and "who-owns 0.500 (1/2)" in out


def test_test_routes_names_a_passing_case_whose_first_tag_is_not_the_expected_primary(tmp_path, capsys, monkeypatch):
    # A new user saw "primary 0.600 (3/5)" and no line saying which cases: each is listed now.
    routes = tmp_path / "routes.yaml"
    two = "who looks at why the AWS bill doubled, and who decides the internal rate card?"
    routes.write_text(f"- id: two\n  text: {two}\n  expect: [finance, engineering]\n")
    code, out, _ = run(["test-routes", "--config-dir", str(CONFIG_DIR), str(routes)], capsys, monkeypatch)
    assert code == 0  # it passes: both are tagged
    assert f"PRIMARY {routes}:1: two: engineering first instead of finance (tagged: engineering, finance)" in out
    assert "primary 0.000 (0/1)" in out and "(1 case: 1 routing, 0 who-owns)" in out


def test_test_routes_totals_show_no_ratio_where_nothing_was_counted(tmp_path, capsys, monkeypatch):
    owners = tmp_path / "owners.yaml"
    owners.write_text("- topic: contract renewals\n  expect: [procurement]\n")
    code, out, _ = run(["test-routes", "--config-dir", str(CONFIG_DIR), str(owners)], capsys, monkeypatch)
    assert code == 0
    assert "precision: - (0/0 tags acceptable)" in out and "recall: - (0/0 required tags made)" in out


def test_who_owns_without_a_topic_says_what_to_type_and_exits_2(capsys, monkeypatch):
    code, out, err = run(["who-owns", " "], capsys, monkeypatch)
    assert (code, out) == (2, "")
    assert err == "finops-bot: who-owns: which topic? e.g. finops-bot who-owns savings plans\n"


# ---------------------------------------------------------------- owners by scope

OWNERS = """\
version: 1
teams:
  - id: payments
    name: Payments
    slack: {channel: "#payments-eng", usergroup: "@payments-oncall"}
    personas: [engineering]
    scopes: {aws_accounts: ["111122223333"], gcp_projects: [payments-prod]}
  - id: search
    slack: {channel: "#search-eng"}
    scopes: {aws_accounts: ["444455556666"], kubernetes_namespaces: [prod-eu/search-indexer]}
"""


def _owned_config(tmp_path):
    import shutil

    directory = tmp_path / "cfg"
    shutil.copytree(CONFIG_DIR, directory)
    (directory / "owners.yaml").write_text(OWNERS)
    return directory


def run_in(directory, argv, capsys, monkeypatch, stdin: str | None = None):
    if stdin is not None:
        monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(stdin.encode()), encoding="utf-8"))
    code = main([*argv, "--config-dir", str(directory)])
    out, err = capsys.readouterr()
    return code, out, err


def test_route_shows_the_owning_team(tmp_path, capsys, monkeypatch):
    directory = _owned_config(tmp_path)
    alert = "AWS Cost Anomaly Detection Alert | Account: {} | Amazon EC2 | Total impact: $2,740.12"
    code, out, _ = run_in(directory, ["route", alert.format("111122223333")], capsys, monkeypatch)
    # Tagged as the reply tags it: the team in the responsible persona's place, the persona consulted.
    assert code == 0 and "tag:         payments team (account 111122223333) — #payments-eng @payments-oncall" in out
    assert "consulted:   engineering" in out
    code, out, _ = run_in(directory, ["route", "--json", alert.format("444455556666")], capsys, monkeypatch)
    data = json.loads(out)
    assert data["team"]["id"] == "search" and data["team"]["scope"] == "account 444455556666"
    lines = "\n".join(json.dumps({"text": alert.format(a)}) for a in ("111122223333", "444455556666", "210987654321"))
    code, out, _ = run_in(directory, ["route", "--jsonl"], capsys, monkeypatch, stdin=lines)
    teams = [(r["team"], r["team_scope"]) for r in map(json.loads, out.splitlines())]
    assert teams == [("payments", "account 111122223333"), ("search", "account 444455556666"), (None, None)]


def test_who_owns_a_scope(tmp_path, capsys, monkeypatch):
    directory = _owned_config(tmp_path)
    code, out, _ = run_in(directory, ["who-owns", "account", "111122223333"], capsys, monkeypatch)
    assert code == 0 and out.startswith("account 111122223333 → Payments [payments]") and "#payments-eng" in out
    _, out, _ = run_in(directory, ["who-owns", "project", "payments-prod"], capsys, monkeypatch)
    assert "→ Payments [payments]" in out
    _, out, _ = run_in(directory, ["who-owns", "namespace", "prod-eu/search-indexer", "--json"], capsys, monkeypatch)
    assert json.loads(out)["team"]["id"] == "search"
    _, out, _ = run_in(
        directory, ["who-owns", "subscription", "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0"], capsys, monkeypatch
    )
    assert out.startswith("No team owns subscription 0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0")
    # Topic words are still topics.
    _, out, _ = run_in(directory, ["who-owns", "savings", "plans"], capsys, monkeypatch)
    assert "No team owns" not in out
    lines = '{"topic": "account 444455556666"}\n{"topic": "savings plans"}\n'
    _, out, _ = run_in(directory, ["who-owns", "--jsonl"], capsys, monkeypatch, stdin=lines)
    first, second = map(json.loads, out.splitlines())
    assert first["team"]["id"] == "search" and second["topic"]


def test_who_owns_an_unowned_scope_suggests_and_explains(tmp_path, capsys, monkeypatch):
    directory = _owned_config(tmp_path)
    _, out, _ = run_in(directory, ["who-owns", "namespace", "search-indexer"], capsys, monkeypatch)
    assert out == (
        "No team owns namespace search-indexer in owners.yaml: alerts about it tag the topic's persona channel.\n"
        "Did you mean 'namespace prod-eu/search-indexer'?\n"
    )
    _, out, _ = run_in(directory, ["who-owns", "--json", "account", "12345"], capsys, monkeypatch)
    data = json.loads(out)
    assert data["team"] is None and data["problem"].startswith("12345 has 5 digits: AWS account ids have 12 digits")
    lines = '{"topic": "project analytics"}\n{"topic": "namespace cost"}\n'
    _, out, _ = run_in(directory, ["who-owns", "--jsonl"], capsys, monkeypatch, stdin=lines)
    scope, topic = map(json.loads, out.splitlines())
    assert scope["query"] == "project analytics" and scope["team"] is None
    assert topic["topic"] == "k8s-cost-allocation"


def test_test_routes_names_the_file_line_of_each_problem_and_failure(tmp_path):
    # Like config errors: `file:line:` first, the key's line for a key's problem, the case's line for a failure.
    bad = run_test_routes_process(
        tmp_path, "- id: ok\n  text: hi\n- text: our RI coverage dropped\n  expcet: [finops-practitioner]\n"
    )
    cases = str(tmp_path / "cases.yaml")
    assert bad.returncode == 1
    assert f"{cases}:4: case 2: unknown key 'expcet'" in bad.stderr

    failing = run_test_routes_process(
        tmp_path,
        "- id: chatter\n  text: lunch?\n"
        "- text: our RI coverage dropped to 60%\n  expect: [sustainability]\n"
        "- topic: contract renewals\n  expect: [sustainability]\n",
    )
    assert failing.returncode == 1
    assert f"FAIL {cases}:3: #2: missing sustainability" in failing.stdout
    assert f"FAIL {cases}:5: #3: 'contract renewals' missing sustainability" in failing.stdout
