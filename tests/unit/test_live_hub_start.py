"""The live hub is started by the first stream of its process; when a restarted server's followers
all reconnect at once, many streams start it together."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from threadline.adapters.bus.live_fanout import InProcessLiveFanout
from threadline.application.live.hub import LiveHub, LiveViewer
from threadline.application.ports.live import LiveBatch, LiveMessage

# Not a speed bound: how long a hub that stopped making progress is waited for.
STUCK_SECONDS = 60.0


class EmptyFeed:
    """A live feed with nothing kept, whose head takes a turn of the loop to read, as a
    database's does."""

    async def horizon(self) -> int:
        return 0

    async def head(self) -> int:
        await asyncio.sleep(0)
        return 0

    async def read_after(
        self,
        tenant_id: str,
        after: int,
        *,
        thread: tuple[str, str] | None,
        through: int | None = None,
        limit: int = 1000,
    ) -> list[LiveMessage]:
        return []

    async def read_range(self, after: int, through: int, *, limit: int = 1000) -> list[LiveMessage]:
        return []


class CountedFanout(InProcessLiveFanout):
    def __init__(self) -> None:
        super().__init__()
        self.listened = 0

    def listen(self, listener: Callable[[LiveBatch], None]) -> Callable[[], None]:
        self.listened += 1
        return super().listen(listener)


async def test_a_hub_started_by_many_streams_at_once_listens_once_and_closes() -> None:
    fanout = CountedFanout()
    hub = LiveHub(EmptyFeed(), fanout)
    await asyncio.gather(*(hub.start() for _ in range(5)))
    assert fanout.listened == 1
    follower = hub.subscribe("t1", ("post", "p1"), LiveViewer(None, False), "127.0.0.1")
    message = LiveMessage(1, "t1", "post", "p1", "comment.created", "public", None, "c1", b"{}")
    await fanout.publish(LiveBatch(0, 1, [message]))
    assert await follower.next(STUCK_SECONDS) == [message]
    await asyncio.wait_for(hub.close(), STUCK_SECONDS)
    assert follower.closed
