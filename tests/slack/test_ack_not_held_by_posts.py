"""An event's acknowledgement never waits for an earlier reply's Web API call.

Slack sends events over keep-alive connections and retries any it has not seen
acknowledged within 3 seconds. If a request's thread posted its reply after the
response but before the server read the connection's next request, every event
behind it would wait out Slack's latency (seconds, under a slowdown) before
being read at all.
"""

from __future__ import annotations

import threading

from tests.slack.harness import wait_until

EVENTS = 12
COST_ALERT = "AWS Budgets: team-{n}-monthly has exceeded your alert threshold. ACTUAL Amount: ${n},236.55"


def test_events_on_one_connection_are_acked_while_slack_holds_every_reply(harness) -> None:
    # chat.postMessage answers nothing until released: a reply's post cannot finish during the posts below.
    harness.sim.fail_next("chat.postMessage", delay=120.0, times=10_000)
    acked: list[str] = []
    errors: list[Exception] = []

    def post_all() -> None:
        try:
            for n in range(EVENTS):
                acked.append(harness.post(COST_ALERT.format(n=n + 10)))
        except Exception as error:  # the simulator's client gives up after 10 s without an answer
            errors.append(error)

    try:
        # One thread, one pooled keep-alive connection: each post returns once the bot has answered 2xx.
        poster = threading.Thread(target=post_all)
        poster.start()
        poster.join(timeout=60)
        assert not poster.is_alive(), f"{len(acked)} of {EVENTS} events acked; the next waits on a reply's post"
        assert errors == [], f"{len(acked)} of {EVENTS} events acked before: {errors[0]!r}"
        assert len(acked) == EVENTS
        assert not [call for call in harness.sim.calls("chat.postMessage") if call.ok]  # no reply got through yet
    finally:
        harness.sim.clear_failures()
        harness.sim.release_delays()
    replies = wait_until(
        lambda: all(harness.bot_posts_in_thread(ts) for ts in acked), timeout=60, what="a reply in every thread"
    )
    assert replies
