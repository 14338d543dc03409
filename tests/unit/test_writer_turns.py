"""The embedded default's writer turns: the projector goes before queued commands, never after."""

from __future__ import annotations

import asyncio

from threadline.application.writer_turns import WriterTurns


async def _take(turns: WriterTurns, name: str, order: list[str], *, projector: bool = False) -> None:
    async with turns.turn(projector=projector):
        order.append(name)
        await asyncio.sleep(0)


async def _queued(*tasks: asyncio.Task[None]) -> None:
    """Let every task reach its place in the queue (each needs one step of the loop)."""
    for _ in tasks:
        await asyncio.sleep(0)


async def test_the_projector_is_served_before_commands_queued_ahead_of_it() -> None:
    turns, order = WriterTurns(), list[str]()
    release = asyncio.Event()

    async def batch_in_progress() -> None:
        async with turns.turn():
            order.append("batch 0")
            await release.wait()

    holder = asyncio.create_task(batch_in_progress())
    await _queued(holder)
    commands = [asyncio.create_task(_take(turns, f"batch {i}", order)) for i in (1, 2, 3)]
    await _queued(*commands)
    projector = asyncio.create_task(_take(turns, "projector", order, projector=True))
    await _queued(projector)
    assert turns.commands_waiting

    release.set()
    await asyncio.gather(holder, projector, *commands)
    # The projector waited for the one batch in progress, not for the three queued before it.
    assert order == ["batch 0", "projector", "batch 1", "batch 2", "batch 3"]
    assert not turns.commands_waiting


async def test_commands_get_every_other_turn_while_the_projector_keeps_asking() -> None:
    turns, order = WriterTurns(), list[str]()

    async def projector() -> None:
        for i in range(3):
            await _take(turns, f"projector {i}", order, projector=True)

    async def commands() -> None:
        for i in range(3):
            await _take(turns, f"batch {i}", order)

    await asyncio.gather(projector(), commands())
    assert order == ["projector 0", "batch 0", "projector 1", "batch 1", "projector 2", "batch 2"]


async def test_a_waiter_that_gives_up_leaves_the_turns_working() -> None:
    turns, order = WriterTurns(), list[str]()
    release = asyncio.Event()

    async def holder() -> None:
        async with turns.turn():
            await release.wait()

    held = asyncio.create_task(holder())
    await _queued(held)
    impatient = asyncio.create_task(_take(turns, "impatient", order))
    patient = asyncio.create_task(_take(turns, "patient", order))
    await _queued(impatient, patient)
    impatient.cancel()
    release.set()
    await asyncio.gather(held, patient)
    assert impatient.cancelled()
    assert order == ["patient"]
    await _take(turns, "later", order)  # the writer is free again
    assert order == ["patient", "later"]
