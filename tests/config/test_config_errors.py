"""Every kind of configuration error names its file, line and key path."""

from __future__ import annotations

import pytest

from bot.config.loader import ConfigError, load_config
from tests.config.config_fixtures import PERSONAS_YAML, ROUTING_YAML


def test_misspelt_persona_in_owners_points_at_its_line_with_a_suggestion(config_errors) -> None:
    routing = ROUTING_YAML.replace("        - finance\n", "        - fiance\n")

    assert config_errors(routing=routing) == [
        "config/routing.yaml:22: topics[1].owners.responsible[0]: unknown persona 'fiance' (did you mean 'finance'?)"
    ]


def test_every_persona_reference_is_checked_and_all_errors_are_reported(config_errors) -> None:
    routing = (
        ROUTING_YAML.replace("fallback_persona: finops-practitioner", "fallback_persona: finops-practicioner")
        .replace("    tag: [leadership]", "    tag: [leadrship]")
        .replace("      accountable: [finops-practitioner]", "      accountable: [product, enginering]")
        .replace("      informed: [leadership]", "      informed: [marketing]")
        .replace("    topic: budgets", "    topic: budget")
        + "acknowledgement:\n  closers: [finance, fnance, ops@example.com, U0ABCDEFG]\n"
    )

    assert config_errors(routing=routing) == [
        "config/routing.yaml:5: fallback_persona: unknown persona 'finops-practicioner' "
        "(did you mean 'finops-practitioner'?)",
        "config/routing.yaml:9: escalations[0].tag[0]: unknown persona 'leadrship' (did you mean 'leadership'?)",
        "config/routing.yaml:16: topics[0].owners.accountable[1]: unknown persona 'enginering' "
        "(did you mean 'engineering'?)",
        "config/routing.yaml:23: topics[1].owners.informed[0]: unknown persona 'marketing'",
        "config/routing.yaml:28: calendar[0].topic: unknown topic 'budget' (did you mean 'budgets'?)",
        "config/routing.yaml:30: acknowledgement.closers[1]: unknown persona 'fnance' (did you mean 'finance'?) "
        "(closers are persona ids, emails or Slack user ids)",
    ]


def test_default_fallback_persona_must_exist(config_errors) -> None:
    personas = PERSONAS_YAML.replace("{id: finops-practitioner,", "{id: practitioner,")
    routing = ROUTING_YAML.replace("fallback_persona: finops-practitioner\n", "").replace(
        "accountable: [finops-practitioner]", "accountable: [practitioner]"
    )

    assert config_errors(personas=personas, routing=routing) == [
        "config/routing.yaml:1: fallback_persona: unknown persona 'finops-practitioner' "
        "(did you mean 'practitioner'?) (the default fallback_persona; set fallback_persona)"
    ]


def test_unknown_keys_suggest_the_closest_known_key(config_errors) -> None:
    routing = ROUTING_YAML.replace("      responsible: [engineering]", "      responsable: [engineering]").replace(
        "timezone: Europe/Paris", "timezone: Europe/Paris\ndigests:\n  channel: '#finops'"
    )

    assert config_errors(routing=routing) == [
        "config/routing.yaml:3: digests: unknown key 'digests' (did you mean 'digest'?)",
        "config/routing.yaml:17: topics[0].owners.responsable: unknown key 'responsable' (did you mean 'responsible'?)",
    ]


def test_type_errors_read_like_the_yaml(config_errors) -> None:
    routing = (
        ROUTING_YAML.replace('  channels: ["#cost-alerts"]', '  channels: "#cost-alerts"')
        .replace("    min_amount_usd: 10000", "    min_amount_usd: -5")
        .replace("    terms: [anomaly, spike]", "    terms: anomaly")
        .replace("    date: 2026-09-30", "    date: 2026-02-30")
        + "min_confidence: high\n"
    )
    personas = PERSONAS_YAML.replace("    kind: allied", "    kind: alied").replace(
        "    name: Security", "    name: yes"
    )

    assert config_errors(personas=personas, routing=routing) == [
        "config/personas.yaml:10: personas[6].name: expected a string, got yes unquoted, which YAML reads as a "
        'boolean (true): put it in quotes, "yes"',
        "config/personas.yaml:11: personas[6].kind: expected one of 'core', 'allied', got a string ('alied') "
        "(did you mean 'allied'?)",
        "config/routing.yaml:4: watch.channels: expected a list of strings, got a string ('#cost-alerts'): one "
        'item is a list too, write ["#cost-alerts"]',
        "config/routing.yaml:8: escalations[0].min_amount_usd: must be >= 0, got -5",
        "config/routing.yaml:13: topics[0].terms: expected a list of strings, got a string ('anomaly'): one item "
        'is a list too, write ["anomaly"]',
        "config/routing.yaml:27: calendar[0].date: expected a date as YYYY-MM-DD, got a string ('2026-02-30') "
        "(day value is outside expected range)",
        "config/routing.yaml:29: min_confidence: expected a number, got a string ('high')",
    ]


def test_a_comma_separated_text_where_a_list_goes_gets_the_list_to_write(config_errors) -> None:
    routing = ROUTING_YAML.replace("    terms: [anomaly, spike]", "    terms: anomaly, spike")

    assert config_errors(routing=routing) == [
        "config/routing.yaml:13: topics[0].terms: expected a list of strings, got a string ('anomaly, spike'): "
        'write a list, ["anomaly", "spike"]'
    ]


def test_missing_required_keys_are_named(config_errors) -> None:
    routing = ROUTING_YAML.replace("    terms: [budget, forecast]\n", "")

    assert config_errors(routing=routing) == ["config/routing.yaml:17: topics[1]: field required: 'terms'"]


def test_list_item_that_is_not_a_mapping(config_errors) -> None:
    routing = ROUTING_YAML.replace("calendar:\n", "calendar:\n  - edp renewal on 2026-09-30\n")

    [error] = config_errors(routing=routing)
    assert error.startswith("config/routing.yaml:25: calendar[0]: expected a mapping with keys such as id, name, date")
    assert error.endswith("got a string ('edp renewal on 2026-09-30')")


def test_duplicate_ids_point_back_at_the_first(config_errors) -> None:
    personas = PERSONAS_YAML.replace("      - id: weekly-check", "      - id: monthly-review") + (
        '  - {id: finance, name: Finance 2, kind: core, summary: Again., slack: {channel: "#f2"}}\n'
    )
    routing = ROUTING_YAML.replace("  - id: budgets", "  - id: anomalies")

    assert config_errors(personas=personas, routing=routing) == [
        "config/personas.yaml:21: personas[6].duties[1].id: duplicate duty id 'monthly-review' "
        "(first defined on line 18)",
        "config/personas.yaml:24: personas[7].id: duplicate persona id 'finance' (first defined on line 7)",
        "config/routing.yaml:17: topics[1].id: duplicate topic id 'anomalies' (first defined on line 11)",
        "config/routing.yaml:28: calendar[0].topic: unknown topic 'budgets'",
    ]


def test_a_channel_watched_twice_points_back_at_the_first(config_errors) -> None:
    inline = ROUTING_YAML.replace('  channels: ["#cost-alerts"]', '  channels: ["#cost-alerts", "#cost-alerts"]')
    assert config_errors(routing=inline) == [
        "config/routing.yaml:4: watch.channels[1]: channel '#cost-alerts' is listed twice (first as watch.channels[0])"
    ]
    block = ROUTING_YAML.replace(
        '  channels: ["#cost-alerts"]', '  channels:\n    - "#cost-alerts"\n    - "#finops"\n    - " #cost-alerts"'
    )
    assert config_errors(routing=block) == [
        "config/routing.yaml:7: watch.channels[2]: channel '#cost-alerts' is listed twice (first on line 5)"
    ]


def test_persona_ids_must_be_lowercase_slugs(config_errors) -> None:
    personas = (
        PERSONAS_YAML + '  - {id: Cloud Ops, name: Cloud Ops, kind: allied, summary: Ops., slack: {channel: "#ops"}}\n'
    )

    assert config_errors(personas=personas) == [
        "config/personas.yaml:24: personas[7].id: invalid persona id 'Cloud Ops': use lowercase letters, digits "
        "and '-' (did you mean 'cloud-ops'?)"
    ]


def test_timezones_and_schedules_are_validated(config_errors) -> None:
    personas = (
        PERSONAS_YAML.replace("    timezone: Europe/Berlin", "    timezone: Europe/Berlim")
        .replace('        schedule: "0 9 3 * *"', '        schedule: "0 25 3 * *"')
        .replace('        schedule: "0 9 * * MON-FRI"', '        schedule: "0 9 * * MOON-FRI"')
    )
    routing = ROUTING_YAML.replace("timezone: Europe/Paris", "timezone: utc") + (
        "digest:\n  schedule: '0 9 * *'\n  timezone: Mars/Olympus_Mons\n"
    )

    assert config_errors(personas=personas, routing=routing) == [
        "config/personas.yaml:16: personas[6].timezone: unknown timezone 'Europe/Berlim' (did you mean 'Europe/Berlin'?)",
        "config/personas.yaml:20: personas[6].duties[0].schedule: invalid schedule '0 25 3 * *': hour field '25': "
        "the last value (25) is higher than the maximum value (23)",
        "config/personas.yaml:23: personas[6].duties[1].schedule: invalid schedule '0 9 * * MOON-FRI': "
        "unknown day 'moon' (use MON..SUN or 0-7)",
        "config/routing.yaml:2: timezone: unknown timezone 'utc' (did you mean 'UTC'?)",
        "config/routing.yaml:30: digest.schedule: invalid schedule '0 9 * *': has 4 fields; expected 5: "
        "minute hour day-of-month month day-of-week",
        "config/routing.yaml:31: digest.timezone: unknown timezone 'Mars/Olympus_Mons' "
        "(use an IANA name such as Europe/Paris)",
    ]


def test_schedule_that_never_fires_is_an_error(config_errors) -> None:
    personas = PERSONAS_YAML.replace('        schedule: "0 9 3 * *"', '        schedule: "0 9 30 FEB *"')

    assert config_errors(personas=personas) == [
        "config/personas.yaml:20: personas[6].duties[0].schedule: invalid schedule '0 9 30 FEB *': never fires"
    ]


def test_slack_targets_are_validated(config_errors) -> None:
    personas = (
        PERSONAS_YAML.replace('slack: {channel: "#finops-finance"}', "slack: {channel: finops-finance}")
        .replace('      usergroup: "@finops-security"', "      usergroup: finops-security")
        .replace('["sec-lead@example.com", "U0123ABCD"]', '["sec-lead", "U0123ABCD"]')
    )
    routing = ROUTING_YAML.replace('  channels: ["#cost-alerts"]', '  channels: ["#Cost-Alerts", "C0123ABCD"]')

    assert config_errors(personas=personas, routing=routing) == [
        "config/personas.yaml:7: personas[4].slack.channel: invalid channel 'finops-finance': channel names start "
        "with '#' (did you mean '#finops-finance'?)",
        "config/personas.yaml:14: personas[6].slack.usergroup: invalid user group 'finops-security': user-group "
        "handles start with '@' (did you mean '@finops-security'?)",
        "config/personas.yaml:15: personas[6].slack.people[0]: invalid person 'sec-lead': expected an email address "
        "or a Slack user id (U... or W...)",
        "config/routing.yaml:4: watch.channels[0]: invalid channel '#Cost-Alerts': Slack channel names are "
        "lowercase (did you mean '#cost-alerts'?)",
    ]


def test_calendar_entry_needs_a_topic_or_owners(config_errors) -> None:
    routing = ROUTING_YAML.replace("    topic: budgets\n", "    lead_days: [30, -7]\n")

    assert config_errors(routing=routing) == [
        "config/routing.yaml:25: calendar[0]: a calendar entry needs a topic or owners: nobody would be reminded",
        "config/routing.yaml:28: calendar[0].lead_days[1]: lead days count down to the date and must be >= 0, got -7",
    ]


def test_calendar_owners_are_checked(config_errors) -> None:
    routing = ROUTING_YAML.replace("    topic: budgets\n", "    owners:\n      responsible: [procurment]\n")

    assert config_errors(routing=routing) == [
        "config/routing.yaml:29: calendar[0].owners.responsible[0]: unknown persona 'procurment' "
        "(did you mean 'procurement'?)"
    ]


def test_escalation_must_tag_someone(config_errors) -> None:
    routing = ROUTING_YAML.replace("    tag: [leadership]", "    tag: []")

    assert config_errors(routing=routing) == [
        "config/routing.yaml:9: escalations[0].tag: an escalation must tag at least one persona"
    ]


def test_a_misspelt_required_key_is_one_error_not_two(config_errors) -> None:
    # It was also reported as "topics[1]: field required: 'terms'": one typo, two errors.
    routing = ROUTING_YAML.replace("    terms: [budget, forecast]\n", "    trems: [budget, forecast]\n")

    assert config_errors(routing=routing) == [
        "config/routing.yaml:19: topics[1].trems: unknown key 'trems' (did you mean 'terms'?)"
    ]


def test_a_required_key_missing_beside_an_unrelated_unknown_key_is_still_named(config_errors) -> None:
    routing = ROUTING_YAML.replace("    terms: [budget, forecast]\n", "    colour: blue\n")

    assert config_errors(routing=routing) == [
        "config/routing.yaml:17: topics[1]: field required: 'terms'",
        "config/routing.yaml:19: topics[1].colour: unknown key 'colour'",
    ]


def test_schema_and_reference_errors_in_both_files_come_together(config_errors) -> None:
    personas = PERSONAS_YAML.replace("    summary: Keeps cloud use safe.\n", "")
    routing = ROUTING_YAML.replace("        - finance\n", "        - fiance\n").replace(
        "    name: Budgets\n", "    name: Budgets\n    owner: finance\n"
    )

    errors = config_errors(personas=personas, routing=routing)

    assert errors == [
        "config/personas.yaml:9: personas[6]: field required: 'summary'",
        "config/routing.yaml:19: topics[1].owner: unknown key 'owner' (did you mean 'owners'?)",
        "config/routing.yaml:23: topics[1].owners.responsible[0]: unknown persona 'fiance' (did you mean 'finance'?)",
    ]


def test_a_malformed_value_is_not_also_reported_as_missing(write_config) -> None:
    personas = PERSONAS_YAML.replace('slack: {channel: "#finops-finance"}', "slack: null")
    routing = ROUTING_YAML.replace("      responsible: [engineering]", "      responsible: engineering")

    with pytest.raises(ConfigError) as caught:
        load_config(write_config(personas=personas, routing=routing))

    assert [issue.path for issue in caught.value.issues] == ["personas[4].slack", "topics[0].owners.responsible"]
    assert caught.value.warnings == ()


def test_languages_terms_by_language_and_shorthand_are_validated(config_errors) -> None:
    routing = ROUTING_YAML.replace(
        "    terms: [anomaly, spike]\n",
        "    terms: [anomaly, spike]\n    terms_by_language:\n      es: [anomalía]\n      fr: [anomalie]\n",
    ) + (
        "languages:\n"
        "  es:\n"
        "    markers: [el, los]\n"
        "  sp:\n"
        "    markers: [el]\n"
        "  pt:\n"
        "    markers: []\n"
        "  de:\n"
        "    markers: [der]\n"
        "    context:\n"
        "      mony: [Kosten]\n"
        "shorthand:\n"
        "  pls: please\n"
        "  lst wk: last week\n"
        "  wk: last week\n"
    )
    assert config_errors(routing=routing) == [
        "config/routing.yaml:16: topics[0].terms_by_language.fr: language 'fr' is not declared under languages: "
        "(declared: es, pt, de)",
        "config/routing.yaml:35: languages.sp: unknown language 'sp' (supported: es, fr, de, pt, it, nl)",
        "config/routing.yaml:38: languages.pt.markers: language 'pt' needs marker words",
        "config/routing.yaml:42: languages.de.context.mony: unknown key 'mony'",
        "config/routing.yaml:45: shorthand.lst wk: a shorthand must be one word of letters and digits, got 'lst wk'",
        "config/routing.yaml:46: shorthand.wk: 'wk' must stand for one word, got 'last week' (phrases are not "
        "expanded)",
    ]
