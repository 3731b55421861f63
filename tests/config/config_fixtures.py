"""Valid YAML texts for configuration tests; tests assert line numbers within them."""

from __future__ import annotations

CORE = ("finops-practitioner", "leadership", "product", "engineering", "finance", "procurement")

# One persona per line so that personas[i] is on line 3 + i.
PERSONAS_YAML = (
    "version: 1\n"
    "personas:\n"
    + "".join(
        f"  - {{id: {persona}, name: {persona.title()}, kind: core, summary: Owns things., "
        f'slack: {{channel: "#finops-{persona}"}}}}\n'
        for persona in CORE
    )
    + "  - id: security\n"  # line 9
    "    name: Security\n"
    "    kind: allied\n"
    "    summary: Keeps cloud use safe.\n"
    '    slack: {channel: "#finops-security",\n'  # duties post to the channel
    '      usergroup: "@finops-security",\n'
    '      people: ["sec-lead@example.com", "U0123ABCD"]}\n'
    "    timezone: Europe/Berlin\n"
    "    duties:\n"
    "      - id: monthly-review\n"  # line 18
    "        text: Review security tooling spend.\n"
    '        schedule: "0 9 3 * *"\n'
    "      - id: weekly-check\n"  # line 21
    "        text: Check for suspicious spend.\n"
    '        schedule: "0 9 * * MON-FRI"\n'
)

ROUTING_YAML = """\
version: 1
timezone: Europe/Paris
watch:
  channels: ["#cost-alerts"]
fallback_persona: finops-practitioner
escalations:
  - id: large-spend
    min_amount_usd: 10000
    tag: [leadership]
topics:
  - id: anomalies
    name: Cost anomalies
    terms: [anomaly, spike]
    owners:
      responsible: [engineering]
      accountable: [finops-practitioner]
  - id: budgets
    name: Budgets
    terms: [budget, forecast]
    owners:
      responsible:
        - finance
      informed: [leadership]
calendar:
  - id: edp-renewal
    name: EDP renewal
    date: 2026-09-30
    topic: budgets
"""
