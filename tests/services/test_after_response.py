"""Work deferred until a request's response is sent (``bot.services.after_response``)."""

from __future__ import annotations

import logging

import pytest

from bot.services import after_response


def test_outside_a_request_nothing_is_deferred() -> None:
    after_response.run_deferred()  # no scope open in this thread
    assert after_response.defer(lambda: None) is False


def test_deferred_work_runs_in_order_when_the_response_is_closed(caplog: pytest.LogCaptureFixture) -> None:
    ran: list[str] = []
    closed: list[bool] = []

    class Body(list):
        def close(self) -> None:
            closed.append(True)

    def fails() -> None:
        raise RuntimeError("boom")

    after_response.scope()
    assert after_response.defer(lambda: ran.append("first"))
    assert after_response.defer(fails)
    assert after_response.defer(lambda: ran.append("third"))
    body = after_response.ClosingBody(Body([b"ok"]))
    assert list(body) == [b"ok"] and ran == []  # not while the response is being written
    with caplog.at_level(logging.ERROR):
        body.close()
    assert closed == [True]
    assert ran == ["first", "third"]  # one task failing does not stop the others
    assert "boom" in caplog.text or "deferred" in caplog.text
    assert after_response.defer(lambda: None) is False  # the scope ended with the response


def test_a_scope_whose_response_was_never_closed_runs_its_work_when_the_next_request_starts() -> None:
    ran: list[int] = []
    after_response.scope()
    after_response.defer(lambda: ran.append(1))
    after_response.scope()  # the server never closed the first response
    assert ran == [1]
    after_response.run_deferred()
