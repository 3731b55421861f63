"""Replies Slack refuses for good are recorded with their error and can be listed (issue 11, item 11)."""

from __future__ import annotations

import pytest

from tests.slack.harness import copy_config, start_harness, stop_harness, wait_until

PERMANENT = ("invalid_auth", "channel_not_found", "not_in_channel")
COST_ALERT = "AWS Budgets: team-{n}-monthly has exceeded your alert threshold. ACTUAL Amount: ${n},236.55"


@pytest.fixture
def running(tmp_path, database_url):
    harness = start_harness(tmp_path, database_url, copy_config(tmp_path))
    yield harness
    stop_harness(harness)


def test_permanent_refusals_are_stored_with_their_error_and_listed(running):
    deliveries = {}
    for n, error in enumerate(PERMANENT):
        running.sim.fail_next("chat.postMessage", error=error)
        ts = running.post(COST_ALERT.format(n=n + 10))
        request = running.store.requests.find_by_message(running.sim.team_id, running.alerts, ts)
        assert request is not None
        (delivery,) = running.store.outbox.deliveries_for_request(request.id)
        deliveries[delivery.id] = error
        # One at a time: each post meets the failure queued for it.
        wait_until(
            lambda d=delivery.id: running.store.outbox.get_delivery(d).status == "failed",
            timeout=30,
            what=f"the delivery refused with {error} to be marked failed",
        )
    failed = running.store.outbox.failed_deliveries()
    assert {row.id: row.last_error for row in failed} == deliveries
    assert all(row.kind == "reply" and row.payload.get("channel") == running.alerts for row in failed)
