"""End to end over HTTP: signed requests in, Web API calls out, nothing of Slack mocked."""

from __future__ import annotations

import datetime as dt
import json
import re
import time
import urllib.request

import pytest

from bot.domain.requests import NewRequest
from bot.render.replies import ACTION_NOT_REQUEST, ACTION_REASSIGN, ACTION_RESOLVE, ACTION_TAKE

AWS_ANOMALY_ATTACHMENT = {
    "fallback": "AWS Cost Anomaly Detection Alert | Account: 123456789012 | Total impact: $4,812.33",
    "title": "AWS Cost Anomaly Detection Alert | Account: 123456789012",
    "fields": [
        {"title": "Monitor", "value": "AWS-Services-All", "short": True},
        {"title": "Total impact", "value": "$4,812.33 (186.40%)", "short": True},
        {"title": "Top root cause", "value": "Service: Amazon Elastic Compute Cloud - Compute\nRegion: us-east-1"},
    ],
    "footer": "AWS Chatbot",
}
BUDGET_BLOCKS = [
    {"type": "header", "text": {"type": "plain_text", "text": "Budget alert: data-platform-monthly"}},
    {
        "type": "section",
        "text": {
            "type": "mrkdwn",
            "text": "The ACTUAL cost of your budget *data-platform-monthly* is $41,236.55, "
            "over the alert threshold of $40,000.00 (budgeted $50,000.00).",
        },
    },
]


def all_text(message: dict) -> str:
    return json.dumps(message)


# --- /finops ------------------------------------------------------------------------------------


def test_who_owns_answers_in_the_acknowledgement_ephemerally(harness):
    response = harness.command("who-owns anomalies")
    assert response.status == 200
    assert response.body["response_type"] == "ephemeral"
    text = all_text(response.body)
    assert "Engineering" in text
    assert "<#C" in text or "<!subteam^S" in text  # real mention syntax, not a handle as text


def test_who_owns_unknown_topic_suggests_the_closest(harness):
    response = harness.command("who-owns budgts")
    text = all_text(response.body)
    assert "Budget" in text


def test_who_owns_nonsense_says_it_does_not_know(harness):
    response = harness.command("who-owns zebra migration patterns")
    assert "don't know" in response.body["text"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("personas", "Procurement"),
        ("persona finance", "Responsibilities"),
        ("persona fiance", "Did you mean"),
        ("route our RI coverage dropped to 60% this month", "Would tag"),
        ("route happy birthday Sam!", "Not routed"),
        ("help", "/finops who-owns"),
        ("frobnicate", "Unknown subcommand"),
        ("", "/finops who-owns"),
    ],
)
def test_every_subcommand_answers(harness, text, expected):
    response = harness.command(text)
    assert response.status == 200
    assert expected in all_text(response.body)


def test_public_flag_posts_in_channel(harness):
    response = harness.command("who-owns budgets --public")
    assert response.body["response_type"] == "in_channel"


# --- auto-tagging --------------------------------------------------------------------------------


def test_human_request_gets_one_thread_reply_tagging_the_owner(harness):
    ts = harness.post("found ~340 unattached EBS volumes from old CI runners, ok to delete them? roughly $2.1k/mo")
    reply = harness.reply_to(ts)
    assert reply["thread_ts"] == ts
    text = all_text(reply)
    assert "$2,100" in text
    assert "finops_take" in text  # lifecycle buttons
    assert len(harness.bot_posts_in_thread(ts)) == 1


def test_bot_alert_with_attachments_is_routed(harness):
    bot_id = harness.sim.add_bot("AWS Chatbot")
    ts = harness.sim.post_message(
        harness.bot.url,
        harness.alerts,
        bot_id=bot_id,
        username="AWS Chatbot",
        text="",
        attachments=[AWS_ANOMALY_ATTACHMENT],
    )
    reply = harness.reply_to(ts)
    assert "$4,812" in all_text(reply)


def test_bot_alert_with_blocks_is_routed(harness):
    bot_id = harness.sim.add_bot("Budgets relay")
    ts = harness.sim.post_message(harness.bot.url, harness.alerts, bot_id=bot_id, text="", blocks=BUDGET_BLOCKS)
    reply = harness.reply_to(ts)
    assert "$41,237" in all_text(reply) or "$41,236" in all_text(reply)


def test_chatter_gets_nothing(harness):
    ts = harness.post("happy birthday Sam! cake in the kitchen at 3")
    # The event is routed and committed before Slack gets its 200, so by now any
    # reply would already be in the outbox.
    assert harness.store.requests.find_by_message(harness.sim.team_id, harness.alerts, ts) is None
    assert harness.bot_posts_in_thread(ts) == []


def test_own_messages_thread_replies_and_edits_are_ignored(harness):
    own = harness.sim.post_message(
        harness.bot.url, harness.alerts, bot_id=harness.sim.bot_id, text="AWS budget exceeded by $5,000"
    )
    parent = harness.post("who approves a $50k AWS Savings Plan purchase for our EC2 fleet?")
    harness.reply_to(parent)
    in_thread = harness.sim.post_message(
        harness.bot.url, harness.alerts, user=harness.person, text="also our EDP renewal", thread_ts=parent
    )
    harness.sim.edit_message(
        harness.bot.url, harness.alerts, parent, "who approves a $60k AWS Savings Plan purchase for our EC2 fleet?"
    )
    for ts in (own, in_thread):
        assert harness.store.requests.find_by_message(harness.sim.team_id, harness.alerts, ts) is None
    assert len(harness.bot_posts_in_thread(parent)) == 1


def test_unwatched_channel_is_ignored(harness):
    other = harness.sim.add_channel("random-chat")
    ts = harness.sim.post_message(
        harness.bot.url, other, user=harness.person, text="our AWS bill doubled, who owns this?"
    )
    assert harness.store.requests.find_by_message(harness.sim.team_id, other, ts) is None


def test_slack_retries_and_duplicate_deliveries_post_one_reply(harness):
    event = harness.sim.record_message(
        harness.alerts, harness.person, "GCP budget for analytics exceeded 100%: $12,000 of $12,000"
    )
    first = harness.sim.send_event(harness.bot.url, event, event_id="EvRETRY0001")
    retry = harness.sim.send_event(
        harness.bot.url, event, event_id="EvRETRY0001", retry_num=1, retry_reason="http_timeout"
    )
    duplicate = harness.sim.send_event(harness.bot.url, event, event_id="EvRETRY0002")
    assert (first.status, retry.status, duplicate.status) == (200, 200, 200)
    harness.reply_to(event["ts"])
    request = harness.store.requests.find_by_message(harness.sim.team_id, harness.alerts, event["ts"])
    assert len(harness.store.outbox.deliveries_for_request(request.id)) == 1
    assert len(harness.bot_posts_in_thread(event["ts"])) == 1


def test_bad_signature_and_stale_timestamp_are_rejected(harness):
    event = harness.sim.record_message(harness.alerts, harness.person, "AWS bill is $90k over budget, who owns it?")
    forged = harness.sim.send_event(harness.bot.url, event, signing_secret="not-the-secret")
    stale = harness.sim.send_event(harness.bot.url, event, timestamp=int(time.time()) - 3600)
    command = harness.sim.send_command(harness.bot.url, text="personas", signing_secret="wrong")
    assert (forged.status, stale.status, command.status) == (401, 401, 401)
    assert harness.store.requests.find_by_message(harness.sim.team_id, harness.alerts, event["ts"]) is None


def test_mentions_and_markup_from_the_message_are_never_echoed(harness):
    ts = harness.post(
        "<!channel> <!here> <!everyone> <@U0BOSS> our AWS bill is <script>&amp; 40% over budget: $310k vs $220k plan"
    )
    reply = all_text(harness.reply_to(ts))
    for forbidden in ("<!channel>", "<!here>", "<!everyone>", "<@U0BOSS>", "<script>"):
        assert forbidden not in reply


def test_rate_limited_reply_is_retried_after_retry_after(harness):
    harness.sim.fail_next("chat.postMessage", status=429, retry_after=1)
    ts = harness.post("RI utilization dropped to 71% after the migration, who looks at coverage?")
    harness.reply_to(ts, timeout=30)
    posts = [c for c in harness.sim.calls("chat.postMessage") if c.params.get("thread_ts") == ts]
    assert [c.status for c in posts] == [429, 200]
    assert posts[1].at - posts[0].at >= 1.0  # waited for Retry-After


def test_healthz_reports_ready(harness):
    with urllib.request.urlopen(harness.bot.health_url) as response:
        status = json.loads(response.read())
    assert status["ok"] is True and status["personas"] == 11


# --- lifecycle buttons ------------------------------------------------------------------------------


def press(harness, reply: dict, action_id: str, user: str, value: str | None = None):
    payload = harness.sim.block_actions_payload(reply["ts"], harness.alerts, action_id, user_id=user)
    if value is not None:  # a menu choice
        payload["actions"][0]["selected_option"] = {"value": value}
    return harness.sim.send_action(harness.bot.url, payload)


def test_take_it_updates_the_reply_in_place_and_replays_are_harmless(harness):
    ts = harness.post("Azure budget alert: subscription prod-eu at 110% of $30,000 budget")
    reply = harness.reply_to(ts)
    taker = harness.members["finance"]
    # A double click sends the same payload twice, built from the message before the update.
    double_click = harness.sim.block_actions_payload(reply["ts"], harness.alerts, ACTION_TAKE, user_id=taker)
    assert harness.sim.send_action(harness.bot.url, double_click).status == 200
    update = harness.sim.wait_for(
        lambda c: c.method == "chat.update" and c.params.get("ts") == reply["ts"], timeout=15
    )[0]
    assert "Taken" in all_text(update.params) and taker in all_text(update.params)
    request = harness.store.requests.find_by_message(harness.sim.team_id, harness.alerts, ts)
    assert request.status == "acknowledged" and request.status_by == taker
    assert harness.sim.send_action(harness.bot.url, double_click).status == 200  # replay: no error, no change
    assert harness.store.requests.find_by_message(harness.sim.team_id, harness.alerts, ts).status == "acknowledged"


def test_take_it_keeps_the_terms_the_reply_matched(harness):
    ts = harness.post("our RI coverage dropped to 60% this month, who looks at it?")
    reply = harness.reply_to(ts)
    [matched] = re.findall(r"Matched: [^\"]*", all_text(reply))
    assert press(harness, reply, ACTION_TAKE, harness.members["finance"]).status == 200
    update = harness.sim.wait_for(
        lambda c: c.method == "chat.update" and c.params.get("ts") == reply["ts"], timeout=15
    )[0]
    assert "Taken" in all_text(update.params)
    assert re.findall(r"Matched: [^\"]*", all_text(update.params)) == [matched]


def test_take_it_keeps_the_amount_as_the_message_stated_it(harness):
    ts = harness.post("the EDP renewal quote came in at €950,000 for next year, who negotiates it?")
    reply = harness.reply_to(ts)
    [amount] = re.findall(r"Amount: [^·\"]*", json.dumps(reply, ensure_ascii=False))
    assert amount == "Amount: *€950,000* (≈ $1,102,000) "
    assert press(harness, reply, ACTION_TAKE, harness.members["procurement"]).status == 200
    update = harness.sim.wait_for(
        lambda c: c.method == "chat.update" and c.params.get("ts") == reply["ts"], timeout=15
    )[0]
    assert "Taken" in all_text(update.params)
    assert re.findall(r"Amount: [^·\"]*", json.dumps(update.params, ensure_ascii=False)) == [amount]


def test_reassign_tags_the_new_persona_and_records_feedback(harness):
    ts = harness.post("who can explain the MoM variance on GCP for the flash report? +22%")
    reply = harness.reply_to(ts)
    channel_ts = f"{harness.alerts}:{ts}"
    assert press(harness, reply, ACTION_REASSIGN, harness.person, value=f"{channel_ts}:itfm").status == 200
    itfm_channel = harness.sim.channel_id("finops-itfm")
    ping = harness.sim.wait_for(
        lambda c: (
            c.method == "chat.postMessage"
            and c.params.get("thread_ts") == ts
            and "reassigned" in c.params.get("text", "")
        ),
        timeout=15,
    )[0]
    assert f"<#{itfm_channel}>" in ping.params["text"]  # a new message, so the new owner is really notified
    request = harness.store.requests.find_by_message(harness.sim.team_id, harness.alerts, ts)
    assert request.primary_persona == "itfm" and request.status == "rerouted"
    assert any(f.to_persona == "itfm" for f in harness.store.requests.feedback_since(request.created_at))


def test_closed_requests_refuse_further_presses(harness):
    ts = harness.post("our Datadog contract renewal is in 60 days, who negotiates?")
    reply = harness.reply_to(ts)
    # Someone whose Slack still shows the old buttons presses after it was resolved.
    stale = harness.sim.block_actions_payload(reply["ts"], harness.alerts, ACTION_NOT_REQUEST, user_id=harness.person)
    assert press(harness, reply, ACTION_RESOLVE, harness.person).status == 200
    harness.sim.wait_for(lambda c: c.method == "chat.update" and c.params.get("ts") == reply["ts"], timeout=15)
    assert harness.sim.send_action(harness.bot.url, stale).status == 200
    ephemeral = harness.sim.wait_for("response_url", timeout=15)
    assert any("resolved" in all_text(c.params).lower() for c in ephemeral)
    assert harness.store.requests.find_by_message(harness.sim.team_id, harness.alerts, ts).status == "resolved"


def test_open_lists_requests_oldest_first(harness):
    # Written straight to the bot's database, the newer first (so the ids run against the
    # creation times), and older than anything the other tests post, so they lead the list.
    newer_at = dt.datetime(2020, 1, 2, 9, tzinfo=dt.UTC)
    for ts, excerpt, created_at in [
        ("1577955600.000100", "the newer of two open requests", newer_at),
        ("1577869200.000100", "the older of two open requests", newer_at - dt.timedelta(days=1)),
    ]:
        request = NewRequest(
            workspace=harness.sim.team_id,
            channel_id=harness.alerts,
            message_ts=ts,
            source="person",
            source_name=harness.person,
            excerpt=excerpt,
            topics=(),
            personas={"responsible": ["finance"]},
            primary_persona="finance",
        )
        assert not harness.store.intake.record_routed_message(None, request, None, created_at).duplicate
    response = harness.command("open")
    text = all_text(response.body)
    assert "Open FinOps requests" in text and "https://slack.com/archives/" in text
    lines = [line for line in response.body["text"].splitlines() if line.startswith("•")]
    assert "the older of two open requests" in lines[0]
    assert "the newer of two open requests" in lines[1]


def test_mine_lists_the_callers_personas(harness):
    marker = "idle-gpu-sandbox-mine-test"
    ts = harness.post(f"Cost anomaly: 14 idle GPU instances in {marker} are burning $3,100/day, please shut them down")
    harness.reply_to(ts)  # routed and stored before the reply is sent

    engineer = all_text(harness.command("mine", user=harness.members["engineering"]).body)
    assert "Your open requests" in engineer and marker in engineer
    finance = all_text(harness.command("mine", user=harness.members["finance"]).body)
    assert marker not in finance
    assert "not listed in any persona" in all_text(harness.command("mine", user=harness.person).body)


def test_app_home_shows_directory_and_my_requests(harness):
    user = harness.members["engineering"]
    harness.sim.send_event(harness.bot.url, {"type": "app_home_opened", "user": user, "tab": "home", "channel": "D1"})
    publish = harness.sim.wait_for(
        lambda c: c.method == "views.publish" and c.params.get("user_id") == user, timeout=15
    )[0]
    assert "FinOps personas" in all_text(publish.params)
