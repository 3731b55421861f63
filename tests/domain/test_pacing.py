"""Per-channel pacing (bot.domain.pacing), on a clock the tests move by hand."""

from __future__ import annotations

import pytest

from bot.domain.pacing import ChannelPacer, TokenBucket


def send_all(pacer: ChannelPacer[str], start: float = 0.0) -> list[tuple[float, str, str]]:
    """Take every message as soon as the pacer lets it go, each settled at once: (time, channel, item)."""
    now = start
    sent = []
    while len(pacer):
        taken = pacer.take(now)
        if taken is None:
            ready = pacer.next_ready_at(now)
            assert ready is not None and ready > now, "waiting messages but nothing will ever be ready"
            now = ready
            continue
        channel, item = taken
        sent.append((now, channel, item))
        pacer.done(channel, now)
    return sent


def test_a_bucket_gives_its_burst_then_one_per_interval() -> None:
    bucket = TokenBucket.full(rate=2.0, capacity=3, now=0.0)
    assert [bucket.take(0.0) for _ in range(4)] == [True, True, True, False]
    assert bucket.ready_at(0.0) == pytest.approx(0.5)
    assert not bucket.take(0.49)
    assert bucket.take(0.5)
    assert bucket.ready_at(0.5) == pytest.approx(1.0)
    assert bucket.is_full(10.0)


def test_a_burst_in_one_channel_goes_out_at_the_rate_after_the_first_few() -> None:
    pacer: ChannelPacer[str] = ChannelPacer(rate=1.0, burst=3)
    for n in range(10):
        pacer.add("C1", n, f"m{n}", now=0.0)
    sent = send_all(pacer)
    assert [item for _, _, item in sent] == [f"m{n}" for n in range(10)]
    assert [at for at, _, _ in sent] == pytest.approx([0, 0, 0, 1, 2, 3, 4, 5, 6, 7])


def test_two_hundred_in_one_channel_take_about_200_over_the_rate_and_spread_over_20_far_less() -> None:
    one: ChannelPacer[str] = ChannelPacer(rate=1.0, burst=3)
    spread: ChannelPacer[str] = ChannelPacer(rate=1.0, burst=3)
    for n in range(200):
        one.add("C1", n, str(n), now=0.0)
        spread.add(f"C{n % 20}", n, str(n), now=0.0)
    assert send_all(one)[-1][0] == pytest.approx(197.0)
    assert send_all(spread)[-1][0] == pytest.approx(7.0)


def test_within_a_channel_the_oldest_goes_first_whatever_order_they_came_in() -> None:
    pacer: ChannelPacer[str] = ChannelPacer(rate=100.0, burst=1)
    for order in (5, 3, 9, 4):
        pacer.add("C1", order, f"d{order}", now=0.0)
    assert [item for _, _, item in send_all(pacer)] == ["d3", "d4", "d5", "d9"]


def test_a_busy_channel_does_not_hold_back_another() -> None:
    pacer: ChannelPacer[str] = ChannelPacer(rate=1.0, burst=2)
    for n in range(100):
        pacer.add("busy", n, f"b{n}", now=0.0)
    assert pacer.take(0.0) == ("busy", "b0")
    pacer.done("busy", 0.0)
    assert pacer.take(0.0) == ("busy", "b1")
    pacer.done("busy", 0.0)
    assert pacer.take(0.5) is None  # busy's bucket is empty until t=1
    pacer.add("quiet", 1000, "q", now=0.5)
    assert pacer.take(0.5) == ("quiet", "q")  # at once, though 98 older messages wait elsewhere


def test_one_message_per_channel_is_out_at_a_time() -> None:
    pacer: ChannelPacer[str] = ChannelPacer(rate=10.0, burst=5)
    pacer.add("C1", 1, "first", now=0.0)
    pacer.add("C1", 2, "second", now=0.0)
    assert pacer.take(0.0) == ("C1", "first")
    assert pacer.take(0.0) is None  # tokens left, but "first" is not settled: order is kept
    assert pacer.next_ready_at(0.0) is None
    pacer.done("C1", 0.01)
    assert pacer.take(0.01) == ("C1", "second")


def test_among_ready_channels_the_oldest_message_goes_first() -> None:
    pacer: ChannelPacer[str] = ChannelPacer(rate=1.0, burst=1)
    pacer.add("A", 7, "a7", now=0.0)
    pacer.add("B", 2, "b2", now=0.0)
    assert pacer.take(0.0) == ("B", "b2")


def test_a_pause_holds_that_channel_only_then_restarts_at_one_post() -> None:
    pacer: ChannelPacer[str] = ChannelPacer(rate=1.0, burst=3)
    for n in range(3):
        pacer.add("limited", n, f"l{n}", now=0.0)
    pacer.add("other", 10, "o", now=0.0)
    channel, item = pacer.take(0.0) or ("", "")
    assert (channel, item) == ("limited", "l0")
    pacer.pause("limited", until=30.0)  # Slack answered 429, Retry-After: 30
    pacer.put_back("limited", 0, "l0", now=0.0)
    pacer.done("limited", 0.0)
    assert pacer.take(0.0) == ("other", "o")
    pacer.done("other", 0.0)
    assert pacer.take(29.9) is None
    assert pacer.next_ready_at(1.0) == pytest.approx(30.0)
    assert pacer.take(30.0) == ("limited", "l0")  # its place kept
    pacer.done("limited", 30.0)
    assert pacer.take(30.0) is None  # no burst straight after a refusal
    assert pacer.take(31.0) == ("limited", "l1")


def test_idle_channels_are_forgotten_once_their_bucket_is_full() -> None:
    pacer: ChannelPacer[str] = ChannelPacer(rate=1.0, burst=2)
    for n in range(50):
        pacer.add(f"C{n}", n, str(n), now=0.0)
    send_all(pacer)
    assert pacer.channels() == 50  # just used: their buckets are not full yet
    assert pacer.take(5.0) is None
    assert pacer.channels() == 0


def test_clear_hands_back_what_waits() -> None:
    pacer: ChannelPacer[str] = ChannelPacer(rate=1.0, burst=1)
    for n in range(4):
        pacer.add("C1", n, str(n), now=0.0)
    assert pacer.take(0.0) == ("C1", "0")
    assert sorted(pacer.clear()) == ["1", "2", "3"]
    assert len(pacer) == 0


def test_a_rate_of_zero_is_refused() -> None:
    with pytest.raises(ValueError, match="rate"):
        ChannelPacer(rate=0.0, burst=1)


def test_near_term_counts_a_long_backlog_as_one_burst() -> None:
    pacer: ChannelPacer[str] = ChannelPacer(rate=1.0, burst=3)
    for n in range(100):
        pacer.add("hot", n, str(n), now=0.0)
    pacer.add("cool", 100, "c", now=0.0)
    assert len(pacer) == 101
    assert pacer.near_term(3) == 4
