"""Single flight: one load per key however many callers ask at once; errors and cancellations
never strand a waiter; a finished load is never handed to a later caller."""

from __future__ import annotations

import asyncio

import pytest

from threadline.application.single_flight import SingleFlight


class GatedLoad:
    """A load that signals when it starts and finishes only when released, counting its runs."""

    def __init__(self, error: Exception | None = None) -> None:
        self.runs = 0
        self.finished = 0
        self.started = asyncio.Event()
        self.release = asyncio.Event()
        self.error = error

    async def __call__(self) -> int:
        self.runs += 1
        run = self.runs
        self.started.set()
        await self.release.wait()
        self.finished += 1
        if self.error is not None:
            raise self.error
        return run


async def test_concurrent_callers_of_one_key_share_one_load() -> None:
    flights: SingleFlight[str, int] = SingleFlight()
    load = GatedLoad()
    callers = [asyncio.create_task(flights.run("k", load)) for _ in range(20)]
    await load.started.wait()  # every caller has joined: they ran before the load's first step

    load.release.set()

    assert await asyncio.gather(*callers) == [1] * 20
    assert load.runs == 1


async def test_different_keys_load_side_by_side() -> None:
    flights: SingleFlight[str, int] = SingleFlight()
    first, second = GatedLoad(), GatedLoad()
    one = asyncio.create_task(flights.run("a", first))
    two = asyncio.create_task(flights.run("b", second))

    await asyncio.wait_for(asyncio.gather(first.started.wait(), second.started.wait()), 1.0)
    assert len(flights) == 2
    first.release.set()
    second.release.set()

    assert list(await asyncio.gather(one, two)) == [1, 1]


async def test_an_error_reaches_every_waiter_and_the_next_call_loads_again() -> None:
    flights: SingleFlight[str, int] = SingleFlight()
    broken = GatedLoad(error=RuntimeError("database down"))
    callers = [asyncio.create_task(flights.run("k", broken)) for _ in range(5)]
    await broken.started.wait()

    broken.release.set()
    outcomes = await asyncio.gather(*callers, return_exceptions=True)

    assert all(outcome is broken.error for outcome in outcomes)
    assert len(flights) == 0
    healthy = GatedLoad()
    healthy.release.set()
    assert await flights.run("k", healthy) == 1


async def test_a_cancelled_first_caller_leaves_the_load_running_for_the_others() -> None:
    flights: SingleFlight[str, int] = SingleFlight()
    load = GatedLoad()
    first = asyncio.create_task(flights.run("k", load))
    second = asyncio.create_task(flights.run("k", load))
    await load.started.wait()  # both have joined

    first.cancel()
    with pytest.raises(asyncio.CancelledError):
        await first
    load.release.set()

    assert await asyncio.wait_for(second, 1.0) == 1
    assert (load.runs, load.finished) == (1, 1)


async def test_a_cancelled_waiter_does_not_cancel_the_load_of_the_first_caller() -> None:
    flights: SingleFlight[str, int] = SingleFlight()
    load = GatedLoad()
    first = asyncio.create_task(flights.run("k", load))
    waiter = asyncio.create_task(flights.run("k", load))
    await load.started.wait()

    waiter.cancel()
    with pytest.raises(asyncio.CancelledError):
        await waiter
    load.release.set()

    assert await asyncio.wait_for(first, 1.0) == 1


async def test_a_finished_load_is_forgotten_so_a_later_call_loads_again() -> None:
    flights: SingleFlight[str, int] = SingleFlight()
    load = GatedLoad()
    load.release.set()

    assert await flights.run("k", load) == 1
    assert len(flights) == 0
    assert await flights.run("k", load) == 2


async def test_a_call_arriving_as_the_load_ends_starts_its_own_instead_of_taking_the_old_result() -> None:
    flights: SingleFlight[str, int] = SingleFlight()
    ending = asyncio.Event()
    runs = 0

    async def load() -> int:
        nonlocal runs
        runs += 1
        if runs == 1:
            ending.set()  # wakes the late caller before this load's completion is announced
        return runs

    async def late_caller() -> int:
        await ending.wait()
        return await flights.run("k", load)

    late = asyncio.create_task(late_caller())
    assert await flights.run("k", load) == 1
    assert await late == 2  # its own load, though it asked the moment the first one ended
