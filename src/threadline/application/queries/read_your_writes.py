"""Read-your-writes: wait, boundedly, until the projection has reached a command's position."""

from __future__ import annotations

import asyncio
import time

from threadline.application.ports.query import CommentReader
from threadline.application.projection.projector import COMMENTS_PROJECTION, ProjectionSignal

_POLL_SECONDS = 0.05
MAX_POSITION = 2**62  # the highest log position a client may ask to wait for


async def wait_for_position(
    min_position: int, reader: CommentReader, signal: ProjectionSignal, timeout: float
) -> tuple[bool, int]:
    """(reached, position seen). Polls the stored checkpoint, so it works with the projector in
    another process too; an in-process projector wakes it at once."""
    deadline = time.monotonic() + timeout
    while True:
        position = max(signal.position, await reader.projection_position(COMMENTS_PROJECTION))
        if position >= min_position:
            return True, position
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            return False, position
        await signal.wait(min(_POLL_SECONDS, remaining))
        await asyncio.sleep(0)
