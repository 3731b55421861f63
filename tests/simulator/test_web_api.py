"""The fake Web API, driven by a real slack_sdk WebClient over HTTP."""

from __future__ import annotations

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.devtools.simulator import SlackSimulator


def test_auth_test_names_the_bot_user_and_team(sim: SlackSimulator, web_client: WebClient) -> None:
    answer = web_client.auth_test()
    assert answer["user_id"] == sim.bot_user_id
    assert answer["bot_id"] == sim.bot_id
    assert answer["team_id"] == "T0FINOPS"


def test_post_message_joins_history_authored_by_the_bot(sim: SlackSimulator, web_client: WebClient) -> None:
    channel = sim.add_channel("cost-alerts")
    blocks = [{"type": "section", "text": {"type": "mrkdwn", "text": "*Budget* exceeded"}}]

    first = web_client.chat_postMessage(channel=channel, text="Budget exceeded", blocks=blocks)
    second = web_client.chat_postMessage(channel="#cost-alerts", text="again")

    assert first["channel"] == channel and second["channel"] == channel
    assert float(second["ts"]) > float(first["ts"])
    assert first["message"]["bot_id"] == sim.bot_id and first["message"]["user"] == sim.bot_user_id
    call = sim.calls("chat.postMessage")[0]
    assert call.params["blocks"] == blocks  # JSON string parameter decoded
    assert call.token == sim.bot_token
    history = web_client.conversations_history(channel=channel)
    assert [m["text"] for m in history["messages"]] == ["again", "Budget exceeded"]  # newest first


def test_thread_replies_are_counted_and_listed(sim: SlackSimulator, web_client: WebClient) -> None:
    channel = sim.add_channel("cost-alerts")
    alice = sim.add_user("alice")
    parent_ts = sim.post_message(None, channel, alice, "Why did the bill jump?")

    web_client.chat_postMessage(channel=channel, text="first", thread_ts=parent_ts)
    web_client.chat_postMessage(channel=channel, text="second", thread_ts=parent_ts)

    replies = web_client.conversations_replies(channel=channel, ts=parent_ts)["messages"]
    assert [m["text"] for m in replies] == ["Why did the bill jump?", "first", "second"]
    assert replies[0]["reply_count"] == 2
    history = web_client.conversations_history(channel=channel)["messages"]
    assert [m["ts"] for m in history] == [parent_ts]  # replies stay in the thread
    assert [m["text"] for m in sim.thread(channel, parent_ts)] == ["Why did the bill jump?", "first", "second"]


def test_post_to_unknown_channel_is_channel_not_found(web_client: WebClient) -> None:
    with pytest.raises(SlackApiError) as raised:
        web_client.chat_postMessage(channel="C0NOPE", text="hello")
    assert raised.value.response["error"] == "channel_not_found"


def test_post_without_content_is_no_text(sim: SlackSimulator, web_client: WebClient) -> None:
    with pytest.raises(SlackApiError) as raised:
        web_client.api_call("chat.postMessage", params={"channel": sim.general_channel_id})
    assert raised.value.response["error"] == "no_text"


def test_update_ephemeral_and_permalink(sim: SlackSimulator, web_client: WebClient) -> None:
    channel = sim.add_channel("cost-alerts")
    alice = sim.add_user("alice")
    posted = web_client.chat_postMessage(channel=channel, text="draft")

    web_client.chat_update(channel=channel, ts=posted["ts"], text="final")
    ephemeral = web_client.chat_postEphemeral(channel=channel, user=alice, text="just for you")
    permalink = web_client.chat_getPermalink(channel=channel, message_ts=posted["ts"])

    assert [m["text"] for m in sim.messages(channel)] == ["final"]
    only_alice = sim.ephemeral_messages(channel, user=alice)
    assert [(m["text"], m["ts"]) for m in only_alice] == [("just for you", ephemeral["message_ts"])]
    assert permalink["permalink"].endswith(f"/archives/{channel}/p{posted['ts'].replace('.', '')}")


def test_updating_a_person_s_message_is_refused(sim: SlackSimulator, web_client: WebClient) -> None:
    channel = sim.add_channel("cost-alerts")
    ts = sim.post_message(None, channel, sim.add_user("alice"), "mine")
    with pytest.raises(SlackApiError) as raised:
        web_client.chat_update(channel=channel, ts=ts, text="changed")
    assert raised.value.response["error"] == "cant_update_message"


def test_conversations_list_paginates_with_cursors(sim: SlackSimulator, web_client: WebClient) -> None:
    created = {sim.add_channel(f"team-{n}") for n in range(7)}
    sim.add_channel("secret", is_private=True)

    names: list[str] = []
    cursor = None
    pages = 0
    while True:
        page = web_client.conversations_list(limit=3, cursor=cursor, types="public_channel")
        pages += 1
        names.extend(c["name"] for c in page["channels"])
        assert len(page["channels"]) <= 3
        cursor = page["response_metadata"]["next_cursor"]
        if not cursor:
            break

    assert pages == 3  # 8 public channels (7 + #general) at 3 per page
    assert sorted(names) == sorted(["general"] + [f"team-{n}" for n in range(7)])
    assert {sim.channel_id(name) for name in names if name != "general"} == created
    private = web_client.conversations_list(types="private_channel")["channels"]
    assert [c["name"] for c in private] == ["secret"]


def test_conversations_info_and_unknown_channel(sim: SlackSimulator, web_client: WebClient) -> None:
    channel = sim.add_channel("cost-alerts")
    assert web_client.conversations_info(channel=channel)["channel"]["name"] == "cost-alerts"
    with pytest.raises(SlackApiError) as raised:
        web_client.conversations_info(channel="C0MISSING")
    assert raised.value.response["error"] == "channel_not_found"


def test_users_lookup_by_email_and_info(sim: SlackSimulator, web_client: WebClient) -> None:
    alice = sim.add_user("alice", "Alice@Example.com")

    assert web_client.users_lookupByEmail(email="alice@example.com")["user"]["id"] == alice
    assert web_client.users_info(user=alice)["user"]["name"] == "alice"
    with pytest.raises(SlackApiError) as raised:
        web_client.users_lookupByEmail(email="nobody@example.com")
    assert raised.value.response["error"] == "users_not_found"


def test_usergroups_list_and_members(sim: SlackSimulator, web_client: WebClient) -> None:
    alice = sim.add_user("alice", "alice@example.com")
    bob = sim.add_user("bob")
    group = sim.add_usergroup("finops-eng", [alice, "bob"])

    listed = web_client.usergroups_list(include_users=True)["usergroups"]
    assert [(g["id"], g["handle"], g["users"]) for g in listed] == [(group, "finops-eng", [alice, bob])]
    assert "users" not in web_client.usergroups_list()["usergroups"][0]
    assert web_client.usergroups_users_list(usergroup=group)["users"] == [alice, bob]
    with pytest.raises(SlackApiError) as raised:
        web_client.usergroups_users_list(usergroup="S0MISSING")
    assert raised.value.response["error"] == "no_such_subteam"


def test_views_publish_and_open(sim: SlackSimulator, web_client: WebClient) -> None:
    alice = sim.add_user("alice")
    home = {"type": "home", "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": "Hi"}}]}

    published = web_client.views_publish(user_id=alice, view=home)
    web_client.views_open(
        trigger_id="123.456.abc", view={"type": "modal", "title": {"type": "plain_text", "text": "T"}}
    )

    assert published["view"]["id"].startswith("V")
    assert sim.home_view(alice)["blocks"] == home["blocks"]
    assert [v["type"] for v in sim.opened_views()] == ["modal"]


def test_wrong_or_missing_token_is_refused(sim: SlackSimulator) -> None:
    with pytest.raises(SlackApiError) as wrong:
        WebClient(token="xoxb-wrong", base_url=sim.api_url).auth_test()
    with pytest.raises(SlackApiError) as missing:
        WebClient(base_url=sim.api_url).auth_test()
    with pytest.raises(SlackApiError) as app_token_for_chat:
        WebClient(token=sim.app_token, base_url=sim.api_url).chat_postMessage(channel="general", text="x")

    assert wrong.value.response["error"] == "invalid_auth"
    assert missing.value.response["error"] == "not_authed"
    assert app_token_for_chat.value.response["error"] == "not_allowed_token_type"
    assert sim.messages("general") == []


def test_unknown_method(web_client: WebClient) -> None:
    with pytest.raises(SlackApiError) as raised:
        web_client.api_call("chat.teleport")
    assert raised.value.response["error"] == "unknown_method"


def test_json_bodies_are_accepted(sim: SlackSimulator, web_client: WebClient) -> None:
    answer = web_client.api_call(
        "chat.postMessage", json={"channel": "general", "text": "json", "blocks": [{"type": "divider"}]}
    )
    assert answer["ok"]
    assert sim.messages("general")[0]["blocks"] == [{"type": "divider"}]


def test_wait_for_returns_matching_calls_or_times_out(sim: SlackSimulator, web_client: WebClient) -> None:
    web_client.chat_postMessage(channel="general", text="one")
    assert [c.params["text"] for c in sim.wait_for("chat.postMessage")] == ["one"]
    with pytest.raises(TimeoutError, match=r"chat\.postMessage"):
        sim.wait_for("chat.postMessage", count=2, timeout=0.05)
    sim.reset_calls()
    assert sim.calls() == []


def test_reactions_join_delete_and_users_list(sim: SlackSimulator, web_client: WebClient) -> None:
    alerts = sim.add_channel("cost-alerts", bot_is_member=False)
    for name in ("alice", "bob", "carol"):
        sim.add_user(name)
    posted = web_client.chat_postMessage(channel=alerts, text="to delete")

    web_client.reactions_add(channel=alerts, timestamp=posted["ts"], name="eyes")
    assert sim.messages(alerts)[0]["reactions"] == [{"name": "eyes", "users": [sim.bot_user_id], "count": 1}]
    assert web_client.conversations_join(channel=alerts)["channel"]["is_member"] is True
    web_client.chat_delete(channel=alerts, ts=posted["ts"])
    assert sim.messages(alerts) == []
    first = web_client.users_list(limit=2)
    second = web_client.users_list(limit=2, cursor=first["response_metadata"]["next_cursor"])
    names = [u["name"] for u in first["members"] + second["members"]]
    assert names == ["finops-bot", "alice", "bob", "carol"]
    assert second["response_metadata"]["next_cursor"] == ""


def test_history_bounds(sim: SlackSimulator, web_client: WebClient) -> None:
    alice = sim.add_user("alice")
    stamps = [sim.post_message(None, "general", alice, str(n)) for n in range(3)]

    middle = web_client.conversations_history(channel="general", oldest=stamps[0], latest=stamps[2])
    both_ends = web_client.conversations_history(channel="general", oldest=stamps[0], latest=stamps[2], inclusive=True)

    assert [m["text"] for m in middle["messages"]] == ["1"]
    assert [m["text"] for m in both_ends["messages"]] == ["2", "1", "0"]
    with pytest.raises(SlackApiError) as raised:
        web_client.conversations_history(channel="general", oldest="yesterday")
    assert raised.value.response["error"] == "invalid_ts_oldest"
