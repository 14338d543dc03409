"""The lane scheduler: for any log and any order in which sends complete or fail, one thread's
events are in flight one at a time and in log order, lanes bound what is in flight, and the
checkpoint never passes an event that was not delivered."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from threadline.application.webhooks.lanes import Lanes

THREADS = [("post", "a"), ("post", "b"), ("post", "c"), ("", "")]

logs = st.lists(st.tuples(st.sampled_from(THREADS), st.booleans()), min_size=1, max_size=40)


@settings(max_examples=300, deadline=None)
@given(
    log=logs,
    lanes=st.integers(1, 4),
    choices=st.lists(st.tuples(st.integers(0, 99), st.booleans()), max_size=400),
)
def test_any_completion_order_keeps_thread_order_and_never_checkpoints_past_an_undelivered_event(
    log: list[tuple[tuple[str, str], bool]], lanes: int, choices: list[tuple[int, bool]]
) -> None:
    scheduler = Lanes(lanes, after=0)
    thread_of: dict[int, tuple[str, str]] = {}
    wanted: set[int] = set()
    for position, (thread, is_wanted) in enumerate(log, start=1):
        scheduler.add(position, thread, wanted=is_wanted)
        thread_of[position] = thread
        if is_wanted:
            wanted.add(position)
    delivered: list[int] = []
    in_flight: list[int] = []
    moves = iter(choices)
    while len(delivered) < len(wanted):
        started = scheduler.start()
        in_flight.extend(started)
        assert len(in_flight) <= lanes
        assert len({thread_of[p] for p in in_flight}) == len(in_flight)  # one per thread
        pick, succeeds = next(moves, (0, True))
        position = in_flight.pop(pick % len(in_flight))
        if succeeds:
            # Every earlier wanted event of its thread was delivered before it.
            earlier = [p for p in wanted if thread_of[p] == thread_of[position] and p < position]
            assert set(earlier) <= set(delivered)
            scheduler.finish(position)
            delivered.append(position)
        else:
            scheduler.release(position)
        undelivered = wanted - set(delivered)
        assert scheduler.checkpoint < min(undelivered, default=len(log) + 1)
    assert scheduler.checkpoint == len(log)
    assert scheduler.waiting == 0


def test_an_unwanted_event_behind_an_unfinished_one_does_not_move_the_checkpoint() -> None:
    scheduler = Lanes(2, after=10)
    scheduler.add(11, ("post", "a"))
    scheduler.add(12, ("post", "b"), wanted=False)
    assert scheduler.start() == [11] and scheduler.checkpoint == 10
    scheduler.finish(11)
    assert scheduler.checkpoint == 12


def test_finishing_an_event_that_is_not_in_flight_is_refused() -> None:
    scheduler = Lanes(1, after=0)
    scheduler.add(1, ("post", "a"))
    scheduler.add(2, ("post", "a"))
    scheduler.start()
    with pytest.raises(ValueError, match="not its thread's event in flight"):
        scheduler.finish(2)
