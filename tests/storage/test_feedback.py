"""Routing suggestions from corrections: pure logic on plain data and YAML text."""

from __future__ import annotations

import yaml

from bot.services.routing_feedback import Correction, TopicInfo, suggest_routing_changes

ROUTING = """\
version: 1
topics:
  # spend signals
  - id: cost-anomalies
    name: Cost anomalies
    terms: [anomaly, cost anomaly, spike, increased,
            baseline, Kostenanstieg]
    owners:
      responsible: [engineering]
      accountable: [finops-practitioner]

  - id: budgets
    name: Budgets
    terms:
      - budget
      - over budget
    owners:
      responsible: [finance]  # the budget owners
      accountable: [finops-practitioner]

  - id: commitments
    name: Commitments
    terms: [commitment, RI, savings plan]
    owners:
      responsible: [procurement, finops-practitioner]
"""

TOPICS = [
    TopicInfo(
        "cost-anomalies",
        ("anomaly", "cost anomaly", "spike", "increased", "baseline", "Kostenanstieg"),
        ("engineering",),
    ),
    TopicInfo("budgets", ("budget", "over budget"), ("finance",)),
    TopicInfo("commitments", ("commitment", "RI", "savings plan"), ("procurement", "finops-practitioner")),
]


def reassigned(topic: str | None, from_persona: str, to_persona: str, excerpt: str) -> Correction:
    return Correction("reassigned", from_persona, to_persona, (topic,) if topic else (), (), excerpt)


def not_a_request(topic: str, terms: tuple[str, ...], excerpt: str = "lunch order increased") -> Correction:
    return Correction("not_a_request", "engineering", None, (topic,), terms, excerpt)


def apply(result_diff: str, original: str) -> str:
    """Apply a unified diff produced by difflib to the original text (test helper)."""
    lines = original.splitlines(keepends=True)
    out: list[str] = []
    position = 0
    for line in result_diff.splitlines(keepends=True)[2:]:
        if line.startswith("@@"):
            start = int(line.split()[1].split(",")[0][1:]) - 1
            out.extend(lines[position:start])
            position = start
        elif line.startswith("-"):
            position += 1
        elif line.startswith("+"):
            out.append(line[1:])
        else:
            out.append(lines[position])
            position += 1
    out.extend(lines[position:])
    return "".join(out)


def test_nothing_recorded_suggests_nothing() -> None:
    result = suggest_routing_changes([], TOPICS, ROUTING)
    assert result.proposals == () and result.diff == ""
    assert "No routing changes" in result.summary()


def test_repeated_reassignments_change_the_owner_and_keep_the_comment() -> None:
    corrections = [reassigned("budgets", "finance", "engineering", f"budget for cluster {n}") for n in range(3)]
    result = suggest_routing_changes(corrections, TOPICS, ROUTING, min_term_support=99)
    [proposal] = result.proposals
    assert proposal.kind == "change_owner" and proposal.topic == "budgets"
    assert "-      responsible: [finance]  # the budget owners" in result.diff
    assert "+      responsible: [engineering]  # the budget owners" in result.diff
    edited = yaml.safe_load(apply(result.diff, ROUTING))
    assert edited["topics"][1]["owners"]["responsible"] == ["engineering"]


def test_two_reassignments_are_not_enough_by_default() -> None:
    corrections = [reassigned("budgets", "finance", "engineering", "x") for _ in range(2)]
    assert suggest_routing_changes(corrections, TOPICS, ROUTING).proposals == ()


def test_terms_behind_not_a_request_marks_are_dropped_from_a_multiline_flow_list() -> None:
    corrections = [not_a_request("cost-anomalies", ("increased",)) for _ in range(3)]
    result = suggest_routing_changes(corrections, TOPICS, ROUTING)
    [proposal] = [p for p in result.proposals if p.kind == "drop_term"]
    assert proposal.detail == "drop term 'increased'"
    edited = yaml.safe_load(apply(result.diff, ROUTING))
    assert edited["topics"][0]["terms"] == ["anomaly", "cost anomaly", "spike", "baseline", "Kostenanstieg"]
    assert "# spend signals" in apply(result.diff, ROUTING)


def test_dropping_the_last_item_of_a_flow_list_and_a_block_item() -> None:
    corrections = [not_a_request("cost-anomalies", ("Kostenanstieg",)) for _ in range(3)]
    corrections += [not_a_request("budgets", ("over budget",)) for _ in range(3)]
    result = suggest_routing_changes(corrections, TOPICS, ROUTING)
    edited = yaml.safe_load(apply(result.diff, ROUTING))
    assert edited["topics"][0]["terms"] == ["anomaly", "cost anomaly", "spike", "increased", "baseline"]
    assert edited["topics"][1]["terms"] == ["budget"]
    assert result.unapplied == ()


def test_distinctive_words_of_reassigned_messages_become_terms_of_the_new_owners_topic() -> None:
    corrections = [
        reassigned(None, "finops-practitioner", "procurement", "Our Azure reservation renewal quote from the reseller"),
        reassigned(None, "finops-practitioner", "procurement", "reseller sent the reservation quote, who signs?"),
        reassigned(None, "finops-practitioner", "procurement", "reservation commitment for next year"),
        reassigned("cost-anomalies", "engineering", "finance", "the quote for the accrual is wrong"),
        reassigned("cost-anomalies", "engineering", "finance", "which quote did finance approve"),
    ]
    result = suggest_routing_changes(corrections, TOPICS, ROUTING)
    [proposal] = [p for p in result.proposals if p.kind == "add_terms"]
    assert proposal.topic == "commitments"
    # 'quote' appears as often in messages that went elsewhere, so it is not distinctive enough.
    assert proposal.detail == "add terms 'reservation', 'reseller'"
    edited = yaml.safe_load(apply(result.diff, ROUTING))
    assert edited["topics"][2]["terms"] == ["commitment", "RI", "savings plan", "reservation", "reseller"]


def test_new_terms_go_to_a_block_list_too() -> None:
    corrections = [reassigned(None, "engineering", "finance", f"chargeback split for department {n}") for n in range(2)]
    result = suggest_routing_changes(corrections, TOPICS, ROUTING)
    edited = yaml.safe_load(apply(result.diff, ROUTING))
    assert edited["topics"][1]["terms"] == ["budget", "over budget", "chargeback", "department", "split"]
    assert result.diff.startswith("--- a/config/routing.yaml\n+++ b/config/routing.yaml\n")
