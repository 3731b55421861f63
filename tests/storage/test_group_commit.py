"""Group commit: concurrent callers share a batch, and each gets its own outcome."""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence

import pytest

from bot.storage.group_commit import GroupCommit


class GatedWriter:
    """A batch writer whose first batch waits until the test lets it finish."""

    def __init__(self, outcome=lambda item: item * 10) -> None:
        self.batches: list[list[int]] = []
        self.first_entered = threading.Event()
        self.release_first = threading.Event()
        self.outcome = outcome

    def __call__(self, items: Sequence[int]) -> list[object]:
        self.batches.append(list(items))
        if len(self.batches) == 1:
            self.first_entered.set()
            assert self.release_first.wait(10), "the test never released the first batch"
        return [self.outcome(item) for item in items]


def submit_in_thread(group: GroupCommit, item: int, outcomes: dict) -> threading.Thread:
    def run() -> None:
        try:
            outcomes[item] = group.submit(item)
        except Exception as error:
            outcomes[item] = error

    thread = threading.Thread(target=run)
    thread.start()
    return thread


def wait_for_queue(group: GroupCommit, length: int) -> None:
    deadline = time.monotonic() + 10
    while group.queued < length:
        assert time.monotonic() < deadline, f"only {group.queued} of {length} callers queued"
        threading.Event().wait(0.005)


def test_a_lone_caller_writes_at_once() -> None:
    batches: list[list[int]] = []
    group = GroupCommit(lambda items: batches.append(list(items)) or [item + 1 for item in items])
    assert group.submit(1) == 2
    assert group.submit(5) == 6
    assert batches == [[1], [5]]


def test_callers_arriving_during_a_write_share_the_next_batch() -> None:
    writer = GatedWriter()
    group = GroupCommit(writer)
    outcomes: dict[int, object] = {}
    threads = [submit_in_thread(group, 1, outcomes)]
    assert writer.first_entered.wait(10)
    threads += [submit_in_thread(group, item, outcomes) for item in (2, 3, 4)]
    wait_for_queue(group, 3)
    writer.release_first.set()
    for thread in threads:
        thread.join(10)
    assert writer.batches[0] == [1]
    assert len(writer.batches) == 2 and sorted(writer.batches[1]) == [2, 3, 4]
    assert outcomes == {1: 10, 2: 20, 3: 30, 4: 40}
    assert group.queued == 0


def test_an_exception_for_one_item_is_raised_in_that_caller_only() -> None:
    writer = GatedWriter(outcome=lambda item: ValueError(f"bad {item}") if item == 3 else item)
    group = GroupCommit(writer)
    outcomes: dict[int, object] = {}
    threads = [submit_in_thread(group, 1, outcomes)]
    assert writer.first_entered.wait(10)
    threads += [submit_in_thread(group, item, outcomes) for item in (2, 3)]
    wait_for_queue(group, 2)
    writer.release_first.set()
    for thread in threads:
        thread.join(10)
    assert outcomes[1] == 1 and outcomes[2] == 2
    assert isinstance(outcomes[3], ValueError) and str(outcomes[3]) == "bad 3"


def test_a_failed_batch_fails_its_callers_and_the_next_batch_still_runs() -> None:
    calls: list[list[int]] = []

    def write(items: Sequence[int]) -> list[int]:
        calls.append(list(items))
        if len(calls) == 1:
            raise ConnectionError("database gone")
        return list(items)

    group = GroupCommit(write)
    with pytest.raises(ConnectionError, match="database gone"):
        group.submit(1)
    assert group.submit(2) == 2


def test_a_batch_takes_at_most_max_batch_callers() -> None:
    writer = GatedWriter()
    group = GroupCommit(writer, max_batch=2)
    outcomes: dict[int, object] = {}
    threads = [submit_in_thread(group, 1, outcomes)]
    assert writer.first_entered.wait(10)
    threads += [submit_in_thread(group, item, outcomes) for item in (2, 3, 4, 5, 6)]
    wait_for_queue(group, 5)
    writer.release_first.set()
    for thread in threads:
        thread.join(10)
    assert [len(batch) for batch in writer.batches] == [1, 2, 2, 1]
    assert outcomes == {item: item * 10 for item in range(1, 7)}


def test_a_writer_returning_the_wrong_number_of_outcomes_fails_the_batch() -> None:
    group = GroupCommit(lambda items: [])
    with pytest.raises(RuntimeError, match="returned 0 outcomes"):
        group.submit(1)


def test_with_a_hold_the_leader_takes_its_batch_once_it_holds_the_lock() -> None:
    lock = threading.Lock()
    lock.acquire()  # another process's write, say
    batches: list[list[int]] = []
    group = GroupCommit(lambda items: batches.append(list(items)) or [item * 10 for item in items], hold=lambda: lock)
    outcomes: dict[int, object] = {}
    threads = [submit_in_thread(group, 1, outcomes)]
    wait_for_queue(group, 1)  # the leader waits for the lock, its batch not taken yet
    threads += [submit_in_thread(group, item, outcomes) for item in (2, 3)]
    wait_for_queue(group, 3)
    lock.release()
    for thread in threads:
        thread.join(10)
    assert batches == [[1, 2, 3]]
    assert outcomes == {1: 10, 2: 20, 3: 30}
    assert not lock.locked()
