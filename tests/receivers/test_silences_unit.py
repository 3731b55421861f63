"""Silences: matchers, durations, expiry; the store on both back ends; the digest's muted lines."""

from __future__ import annotations

import datetime as dt
import json
import re

import pytest

from bot.cli.silences import line as cli_line
from bot.config.receivers import ReceiversConfig
from bot.domain.alerts import Alert
from bot.domain.silences import (
    Silence,
    SilenceError,
    first_match,
    match_key,
    matches,
    parse_duration,
    parse_matchers,
)
from bot.render.silences import muted_digest_lines, render_mute_refused, silence_line
from bot.routing.decision import Decision
from bot.services.alert_intake import alert_attributes
from bot.services.silencing import parse_mute, scope_keys
from bot.storage.database import Database
from bot.storage.silences import SilenceStore

NOW = dt.datetime(2026, 12, 1, 9, 0, tzinfo=dt.UTC)


def test_matchers_parse_and_match_case_insensitively_with_wildcards() -> None:
    matchers = parse_matchers(" source=kubecost , Account=1234* ")
    assert matchers == {"source": "kubecost", "account": "1234*"}
    assert matches(matchers, {"source": "Kubecost", "account": "123456789012", "kind": "budget"})
    assert not matches(matchers, {"source": "kubecost", "account": "999"})
    assert not matches(matchers, {"source": "kubecost"})  # a key the alert lacks never matches


@pytest.mark.parametrize("bad", ["", "kubecost", "source=", "=x", "-=x", "1source=x", "source=a,,=b"])
def test_bad_matchers_say_what_is_expected(bad: str) -> None:
    with pytest.raises(SilenceError, match="key"):
        parse_matchers(bad)


@pytest.mark.parametrize("name", ["cost-center", "CostCenter", "costCenter", "Cost Center", "cost_center"])
def test_a_webhooks_scope_name_is_matched_however_it_is_spelt(name: str) -> None:
    # The scope as a webhook maps it (alert_attributes spells it with match_key) and the silence as typed.
    receivers = ReceiversConfig.model_validate(
        {"webhooks": [{"source": "finops-tool", "channel": "#c", "fields": {"text": "m", "scope": {name: "l.cc"}}}]}
    )
    keys = scope_keys(receivers)
    alert = Alert("webhook", "finops-tool", "notification", "d1", "a1", "t", "x", scope={name: "1234"})
    attributes = alert_attributes(alert, Decision(is_request=True), "C1")
    for typed in ("cost-center=1234", "CostCenter=12*", "cost_center=1234"):
        matchers = parse_matchers(typed, keys)
        assert matchers == {"cost_center": matchers["cost_center"]}
        assert matches(matchers, attributes)
        assert matches(parse_mute(f"{typed} for 1d", keys)[0], attributes)
    assert not matches(parse_matchers("cost-center=99", keys), attributes)
    with pytest.raises(SilenceError, match=r"unknown matcher key 'cost-centre' \(did you mean 'cost_center'\?\)"):
        parse_matchers("cost-centre=1234", keys)


def test_matcher_keys_are_lower_case_with_underscores() -> None:
    assert [match_key(n) for n in ("namespace", "Linked account", "AWSAccountID", " cost.center ", "x--y")] == [
        "namespace",
        "linked_account",
        "aws_account_id",
        "cost_center",
        "x_y",
    ]


def test_an_unknown_matcher_key_is_refused_naming_the_keys() -> None:
    with pytest.raises(SilenceError) as refused:
        parse_matchers("source=kubecost,acount=123", scope_keys(None))
    message = str(refused.value)
    assert message.startswith("unknown matcher key 'acount' (did you mean 'account'?); keys: source, kind, ")
    assert "\n" not in message and "namespace" in message and "fields.scope" in message
    with pytest.raises(SilenceError, match="unknown matcher key 'team'"):
        parse_mute("team=payments for 7d", scope_keys(None))


def test_a_webhooks_own_scope_names_are_matcher_keys() -> None:
    receivers = ReceiversConfig.model_validate(
        {
            "webhooks": [
                {"source": "kubecost", "channel": "#cost-alerts", "fields": {"text": "m", "scope": {"team": "l.t"}}}
            ]
        }
    )
    assert parse_matchers("source=kubecost,team=payments", scope_keys(receivers)) == {
        "source": "kubecost",
        "team": "payments",
    }
    assert parse_matchers("whatever=x") == {"whatever": "x"}  # no keys given: any well-formed key


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("30m", dt.timedelta(minutes=30)),
        ("12h", dt.timedelta(hours=12)),
        ("7d", dt.timedelta(days=7)),
        ("2w", dt.timedelta(days=14)),
        ("1.5 days", dt.timedelta(hours=36)),
    ],
)
def test_durations(text: str, expected: dt.timedelta) -> None:
    assert parse_duration(text) == expected


@pytest.mark.parametrize("bad", ["", "7", "forever", "0d", "91d", "-1d"])
def test_bad_durations(bad: str) -> None:
    with pytest.raises(SilenceError):
        parse_duration(bad)


def test_mute_command_text() -> None:
    assert parse_mute("kubecost for 7d known migration") == (
        {"source": "kubecost"},
        dt.timedelta(days=7),
        "known migration",
    )
    assert parse_mute("source=aws-budgets,account=1 for 12h")[0] == {"source": "aws-budgets", "account": "1"}
    with pytest.raises(SilenceError, match="usage"):
        parse_mute("kubecost 7d")


def test_a_refused_mute_shows_its_placeholders_in_slack() -> None:
    with pytest.raises(SilenceError) as refused:
        parse_mute("<!channel> 7d")
    answer = render_mute_refused(str(refused.value))
    for text in (answer["text"], answer["blocks"][0]["text"]["text"]):
        assert "for &lt;duration&gt;" in text and "<" not in text and ">" not in text


@pytest.mark.parametrize(
    ("ends", "expired_at", "words"),
    [
        (NOW + dt.timedelta(hours=1), None, "until 2026-12-01 10:00 UTC"),
        (NOW - dt.timedelta(hours=1), None, "ended 2026-12-01 08:00 UTC"),
        (NOW + dt.timedelta(hours=1), NOW, "ended early 2026-12-01 09:00 UTC by bob"),
    ],
)
def test_the_cli_and_slack_say_alike_where_a_silence_stands(ends, expired_at, words) -> None:
    silence = Silence(3, {"source": "x"}, "", "alice", NOW, ends, expired_at=expired_at, expired_by="bob")
    slack = re.sub(r"<!date\^\d+\^[^|]*\|([^>]*)>", r"\1", silence_line(silence, NOW))  # Slack's fallback text
    assert words in slack
    assert words in cli_line(silence, NOW).split("\t")


def test_the_cli_names_who_set_a_silence_apart_from_who_ended_it() -> None:
    # Both were `root`: the line read "ended early … by root<TAB>by root", the actor seemingly twice.
    silence = Silence(3, {"source": "x"}, "", "root", NOW, NOW + dt.timedelta(hours=1), NOW, "root")
    assert cli_line(silence, NOW).split("\t")[2:4] == ["ended early 2026-12-01 09:00 UTC by root", "set by root"]


def test_a_silence_ends_on_time_or_when_expired() -> None:
    silence = Silence(1, {"source": "x"}, "", "U1", NOW, NOW + dt.timedelta(hours=1))
    assert first_match([silence], {"source": "x"}, NOW + dt.timedelta(minutes=59)) is silence
    assert first_match([silence], {"source": "x"}, NOW + dt.timedelta(hours=1)) is None
    ended = Silence(1, {"source": "x"}, "", "U1", NOW, NOW + dt.timedelta(hours=1), expired_at=NOW)
    assert first_match([ended], {"source": "x"}, NOW) is None


def test_store_keeps_silences_and_counts_muted_alerts_once(migrated_engine) -> None:
    store = SilenceStore(Database(migrated_engine))
    kept = store.add({"source": "kubecost"}, NOW + dt.timedelta(days=7), "known migration", "U1", NOW)
    short = store.add({"source": "vantage"}, NOW + dt.timedelta(hours=1), "", "alice", NOW)
    assert [s.id for s in store.active(NOW)] == [short.id, kept.id]
    assert [s.id for s in store.active(NOW + dt.timedelta(hours=2))] == [kept.id]

    assert store.record_muted("k1", kept.id, "kubecost", "C1", "spend up", 12.5, None, NOW)
    assert not store.record_muted("k1", kept.id, "kubecost", "C1", "spend up", 12.5, None, NOW)  # redelivery
    assert store.record_muted("k2", kept.id, "kubecost", "C1", "spend up", None, None, NOW + dt.timedelta(hours=1))
    [counted] = store.muted_between(NOW, NOW + dt.timedelta(days=1))
    assert (counted.silence_id, counted.muted, counted.reason, counted.created_by) == (
        kept.id,
        2,
        "known migration",
        "U1",
    )
    assert store.get(kept.id).muted == 2

    ended = store.expire(kept.id, "bob", NOW + dt.timedelta(hours=3))
    assert ended is not None and ended.expired_by == "bob"
    assert store.active(NOW + dt.timedelta(hours=3)) == []
    assert {s.id for s in store.recent(NOW + dt.timedelta(hours=3))} == {kept.id, short.id}
    assert store.expire(999, "bob", NOW) is None


def test_a_delivery_already_routed_is_not_muted_on_redelivery(migrated_engine) -> None:
    database = Database(migrated_engine)
    store = SilenceStore(database)
    silence = store.add({"source": "kubecost"}, NOW + dt.timedelta(days=1), "", "U1", NOW)
    from bot.storage.intake import IntakeStore

    assert IntakeStore(database).mark_event_processed("alert:webhook:k-1", NOW)  # routed before the silence
    assert not store.record_muted(
        "alert:webhook:k-1", silence.id, "kubecost", None, "x", None, None, NOW, event_id="alert:webhook:k-1"
    )
    assert store.record_muted(
        "alert:webhook:k-2", silence.id, "kubecost", None, "x", None, None, NOW, event_id="alert:webhook:k-2"
    )
    assert not store.record_muted(
        "alert:webhook:k-2", silence.id, "kubecost", None, "x", None, None, NOW, event_id="alert:webhook:k-2"
    )
    assert store.get(silence.id).muted == 1


def test_digest_lines_count_muted_alerts() -> None:
    from bot.domain.silences import MutedCount

    [block] = muted_digest_lines([MutedCount(3, "source=kubecost", "known migration", "U1", 12)])
    text = block["text"]["text"]
    assert "12" in text and "source=kubecost" in text and "known migration" in text and "<@U1>" in text
    assert muted_digest_lines([]) == []


def test_the_digest_lists_what_silences_muted_that_week() -> None:
    from bot.config.loader import load_config
    from bot.domain.digest import DigestData
    from bot.domain.silences import MutedCount
    from bot.services.scheduled_posts import compose_digest

    config = load_config("config").config
    asked: list[tuple[dt.datetime, dt.datetime]] = []

    class Source:
        def digest_data(self, week_start, week_end, fallback_persona):
            return DigestData(week_start, week_end, 4, 3, (1, 1, 1, 1, 0, 0, 0), ())

    def muted_between(start, end):
        asked.append((start, end))
        return [MutedCount(7, "account=123,source=aws-budgets", "known migration", "U1", 5)]

    week = (NOW - dt.timedelta(days=7), NOW)
    message = compose_digest(config, Source(), NOW, "UTC", week=week, muted=muted_between)
    assert asked == [week]
    assert "*5* muted" in json.dumps(message["blocks"]) and "known migration" in json.dumps(message["blocks"])
    persona_digest = compose_digest(config, Source(), NOW, "UTC", week=week, audience="finance", muted=muted_between)
    assert "muted" not in json.dumps(persona_digest["blocks"])


class _Records:
    """The silence table as another process sees it: counts the reads."""

    def __init__(self) -> None:
        self.silences: list[Silence] = []
        self.reads = 0

    def active(self, now: dt.datetime) -> list[Silence]:
        self.reads += 1
        return [s for s in self.silences if s.active(now)]

    def add(self, matchers, expires_at, reason, created_by, now) -> Silence:
        silence = Silence(len(self.silences) + 1, dict(matchers), reason, created_by, now, expires_at)
        self.silences.append(silence)
        return silence


def test_silences_are_read_once_per_refresh_and_one_set_here_applies_at_once() -> None:
    from bot.services.silencing import Silencing

    now = dt.datetime(2026, 12, 1, 9, tzinfo=dt.UTC)
    clock = [now]
    records = _Records()
    silencing = Silencing(None, records, None, None, None, lambda: clock[0], refresh=dt.timedelta(seconds=1))  # type: ignore[arg-type]
    kubecost = {"source": "kubecost"}

    assert silencing.matching(kubecost) is None
    assert silencing.matching(kubecost) is None and records.reads == 1  # the second message reads nothing

    records.add({"source": "kubecost"}, now + dt.timedelta(hours=1), "", "cli", now)  # set by another process
    assert silencing.matching(kubecost) is None  # not seen before the refresh...
    clock[0] = now + dt.timedelta(seconds=1)
    assert silencing.matching(kubecost) is not None and records.reads == 2  # ...and seen at it

    added = silencing.add({"source": "datadog"}, dt.timedelta(hours=1), "", "U1")  # set here: no wait
    assert silencing.matching({"source": "datadog"}) == added and records.reads == 3


def test_without_a_refresh_every_message_reads_the_silences() -> None:
    from bot.services.silencing import Silencing

    now = dt.datetime(2026, 12, 1, 9, tzinfo=dt.UTC)
    records = _Records()
    silencing = Silencing(None, records, None, None, None, lambda: now)  # type: ignore[arg-type]
    silencing.matching({"source": "kubecost"})
    silencing.matching({"source": "kubecost"})
    assert records.reads == 2
