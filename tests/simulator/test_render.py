"""render_channel: the channel as Slack shows it, in plain text."""

from __future__ import annotations

from slack_sdk import WebClient

from bot.devtools.simulator import SlackSimulator, display_mrkdwn

# 2023-11-14 22:13:20 UTC, so every message renders at 22:13.
FIXED_NOW = 1_700_000_000.0


def test_mentions_render_as_slack_displays_them() -> None:
    sim = SlackSimulator(clock=lambda: FIXED_NOW)
    alice = sim.add_user("alice")
    alerts = sim.add_channel("cost-alerts")
    group = sim.add_usergroup("finops-eng", [alice])

    shown = display_mrkdwn(
        f"<@{alice}> <!subteam^{group}> <!subteam^S0GONE|@old-team> <#{alerts}> <!here> "
        "<https://example.com|the report> &lt;b&gt; &amp;",
        sim.workspace,
    )

    assert shown == "@alice @finops-eng @old-team #cost-alerts @here the report <b> &"


def test_render_channel_shows_threads_blocks_attachments_and_ephemerals() -> None:
    sim = SlackSimulator(clock=lambda: FIXED_NOW)
    alerts = sim.add_channel("cost-alerts")
    alice = sim.add_user("alice")
    group = sim.add_usergroup("finops-eng", [alice])
    chatbot = sim.add_bot("AWS Chatbot")
    with sim:
        client = WebClient(token=sim.bot_token, base_url=sim.api_url)
        question = sim.post_message(None, alerts, alice, "Why did our AWS bill jump?")
        client.chat_postMessage(
            channel=alerts,
            thread_ts=question,
            text="fallback",
            blocks=[
                {"type": "header", "text": {"type": "plain_text", "text": "Cost anomaly"}},
                {
                    "type": "section",
                    "text": {"type": "mrkdwn", "text": f"Tagging <!subteam^{group}>"},
                    "fields": [{"type": "mrkdwn", "text": "*Topic*"}, {"type": "mrkdwn", "text": "anomalies"}],
                },
                {
                    "type": "actions",
                    "elements": [
                        {"type": "button", "action_id": "take", "text": {"type": "plain_text", "text": "Take it"}},
                        {"type": "button", "action_id": "no", "text": {"type": "plain_text", "text": "Not mine"}},
                    ],
                },
                {"type": "context", "elements": [{"type": "mrkdwn", "text": f"asked by <@{alice}>"}]},
            ],
        )
        sim.post_message(
            None,
            alerts,
            bot_id=chatbot,
            attachments=[
                {
                    "title": "Budget exceeded",
                    "text": "Actual $1,200",
                    "fields": [{"title": "Account", "value": "prod\nRegion: eu-central-1"}],
                }
            ],
        )
        client.chat_postEphemeral(channel=alerts, user=alice, text="Only you can see this")

    rendered = sim.render_channel(alerts)

    assert rendered == (
        "#cost-alerts\n"
        "════════════════════════════════════════\n"
        "[22:13] alice\n"
        "    Why did our AWS bill jump?\n"
        "  │ 1 reply\n"
        "  │ [22:13] finops-bot APP\n"
        "  │     *Cost anomaly*\n"
        "  │     Tagging @finops-eng\n"
        "  │     *Topic*                         anomalies\n"
        "  │     [ Take it ]  [ Not mine ]\n"
        "  │     asked by @alice\n"
        "\n"
        "[22:13] AWS Chatbot APP\n"
        "    ▌ *Budget exceeded*\n"
        "    ▌ Actual $1,200\n"
        "    ▌ Account: prod\n"
        "    ▌ Region: eu-central-1\n"
        "\n"
        "[22:13] finops-bot APP  (only visible to @alice)\n"
        "    Only you can see this\n"
    )
    assert "Only you can see this" not in sim.render_channel(alerts, include_ephemeral=False)


def test_message_timestamps_stay_unique_under_a_frozen_clock() -> None:
    sim = SlackSimulator(clock=lambda: FIXED_NOW)
    alice = sim.add_user("alice")
    stamps = [sim.post_message(None, "general", alice, str(n)) for n in range(5)]
    assert stamps == sorted(set(stamps), key=float)
    assert stamps[0] == "1700000000.000000"
