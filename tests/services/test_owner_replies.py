"""The team in what the bot posts: the routed reply, nudges, /finops open and the digest (pure renderers)."""

from __future__ import annotations

import datetime as dt

from bot.config.models import SlackTargets, Team
from bot.domain.digest import RequestRef
from bot.render import digest
from bot.render.commands import OpenRequestLine, render_open_requests, render_route_preview
from bot.render.replies import RoutedReply, render_nudge, render_routed_reply
from bot.render.text import Mentions
from bot.routing.decision import Decision, PersonaTag
from bot.routing.owners import OwnerMatch

MENTIONS = Mentions(
    by_persona={
        "engineering": "<#CENG>",
        "finops-practitioner": "<#CFINOPS>",
        "team:payments": "<#CPAY> <!subteam^SPAY>",
    },
    names={
        "engineering": "Engineering",
        "finops-practitioner": "FinOps",
        "team:payments": "Payments",
        "team:ghost": "Ghost",
    },
)


def _reply(**changes) -> RoutedReply:
    values = dict(
        request_ref="CALERTS:1.0",
        responsible=("engineering",),
        consulted=("security",),
        escalated=(),
        fallback_added=(),
        topic_names=("Cost anomalies",),
        matched_terms=("cost anomaly",),
        amount_usd=2740.12,
        explanation="Cost anomalies → engineering responsible; account 111122223333 → payments (owning team)",
    )
    values.update(changes)
    return RoutedReply(**values)


def _text(message: dict) -> str:
    return "\n".join(str(block) for block in message["blocks"]) + message["text"]


def test_the_owning_team_is_tagged_and_the_persona_consulted():
    message = render_routed_reply(
        _reply(team="team:payments", team_scope="account 111122223333", team_tagged=True), MENTIONS, ()
    )
    text = _text(message)
    assert "→ <#CPAY> <!subteam^SPAY>" in text and "<#CENG>" not in text
    assert "Owned by *Payments* (account 111122223333)" in text
    assert "Consulted: Engineering, security" in text
    assert "team *Payments*" in text  # the status line over the buttons


def test_a_team_slack_cannot_reach_leaves_the_persona_tagged():
    message = render_routed_reply(_reply(team="team:ghost", team_scope="account 1", team_tagged=False), MENTIONS, ())
    text = _text(message)
    assert "→ <#CENG>" in text and "could not be reached in Slack" in text


def test_without_a_team_the_reply_is_as_before():
    text = _text(render_routed_reply(_reply(), MENTIONS, ()))
    assert "→ <#CENG>" in text and "Owned by" not in text and "team *" not in text


def test_the_amount_is_shown_as_stated_with_its_usd_equivalent():
    text = _text(render_routed_reply(_reply(amount_usd=1_102_000.0, amount_stated="€950,000"), MENTIONS, ()))
    assert "Amount: *€950,000* (≈ $1,102,000)" in text
    text = _text(render_routed_reply(_reply(amount_usd=35.0, amount_stated="$35/hour"), MENTIONS, ()))
    assert "Amount: *$35/hour*" in text


def test_a_nudge_reminds_the_owning_team():
    text = render_nudge(["finops-practitioner"], MENTIONS, "1 business day", team="team:payments")["text"]
    assert "<#CPAY> <!subteam^SPAY> (*Payments* owns it)" in text and "<#CFINOPS>" in text
    assert "owns it" not in render_nudge(["finops-practitioner"], MENTIONS, "1 business day")["text"]


def test_open_requests_name_the_team():
    line = OpenRequestLine(
        request_id=7,
        request_ref="C:1",
        link="https://slack.com/archives/C/p1",
        topic_name="Cost anomalies",
        persona_name="Engineering",
        status="open",
        opened_at=dt.datetime(2026, 3, 2, tzinfo=dt.UTC),
        amount_usd=None,
        excerpt="anomaly",
        team_name="Payments",
    )
    assert "Cost anomalies → Payments (Engineering)" in render_open_requests("Open", [line])["text"]


def test_digest_lines_name_the_team():
    ref = RequestRef(
        request_id=1,
        channel_id="C1",
        message_ts="1.0",
        opened_at=dt.datetime(2026, 3, 2, tzinfo=dt.UTC),
        topic="cost-anomalies",
        amount_usd=2740.0,
        excerpt="AWS anomaly",
        status="open",
        team="payments",
    )
    assert digest._ref_link(ref).endswith("(team payments)")
    assert "team" not in digest._ref_link(RequestRef(**{**ref.__dict__, "team": None}))


def _owned_decision(team_id: str) -> Decision:
    team = Team(id=team_id, name=team_id.title(), slack=SlackTargets(channel="#payments-eng"))
    return Decision(
        is_request=True,
        tags=(PersonaTag("engineering", "responsible"), PersonaTag("finops-practitioner", "escalation")),
        consulted=("security",),
        topics=("cost-anomalies",),
        explanation="Cost anomalies → engineering responsible; account 111122223333 → payments (owning team)",
        team=OwnerMatch(team, "account 111122223333", "id"),
    )


def test_the_route_preview_tags_whom_the_reply_would_tag():
    # A new user's finding: the preview said "Engineering (responsible)" where the reply tagged the team.
    preview = render_route_preview("x", _owned_decision("payments"), MENTIONS, {"cost-anomalies": "Cost anomalies"})
    assert "*Would tag:* Payments (owning team, account 111122223333), FinOps (escalation)" in preview["text"]
    assert "*Consulted:* Engineering, security" in preview["text"]


def test_the_route_preview_of_a_team_slack_cannot_reach_tags_the_personas():
    preview = render_route_preview("x", _owned_decision("ghost"), MENTIONS, {})
    assert "*Would tag:* Engineering (responsible), FinOps (escalation)" in preview["text"]
    assert "*Consulted:* security" in preview["text"]
