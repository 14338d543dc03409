"""Keeps the live counts structure equal to the read model: after every committed projector
batch, and by a full load whenever it is cold.

After a batch the counts of the threads it touched are read back from the read model (absolute
values, with the position they reflect), never added as deltas: an update repeated, retried or
landing after a newer one changes nothing. A structure is cold at process start (memory), after
Redis lost it (flushed, restarted), after a write to it failed, and after a rebuild; until a
load finishes it answers "not known" and readers use the read model. A projector that died
between its commit and the update left those threads stale: every projector process loads on
start, which rewrites every count read at a newer position than the stale ones.
"""

from __future__ import annotations

import contextlib
import logging
from dataclasses import dataclass

from threadline.application.ports.live_counts import CountsSource, LiveCounts, Thread
from threadline.application.projection.context import Touched
from threadline.application.queries.cache_scopes import thread_of_scope

log = logging.getLogger(__name__)


@dataclass
class LiveCountsKeeper:
    counts: LiveCounts
    source: CountsSource
    _loaded: bool = False  # by this process since it started
    _lost: bool = False  # a write failed since: the structure may lack an update

    async def batch_committed(self, touched: Touched) -> None:
        """The projector's post-commit listener: the touched threads' counts, as they now are."""
        threads = [Thread(*t) for scope in touched.scopes if (t := thread_of_scope(scope)) is not None]
        if not threads:
            return
        try:
            for read in await self.source.counts_of(threads):
                await self.counts.settle(read.counts, read.position)
        except Exception:
            log.exception("updating live counts failed; they are loaded again")
            self._lost = True
            with contextlib.suppress(Exception):  # stop answers now if the structure is reachable
                await self.counts.begin_load()

    async def keep(self) -> None:
        """Load the structure if this process has not yet, or if it went cold (call it on a
        timer where a projector runs); start it afresh if the read model went back."""
        try:
            # In this order: every stored count was read at a checkpoint committed before it was
            # stored, so it is behind the checkpoint read after it unless the read model was
            # rewound (a rebuild by other means, a restored backup), which no count then survives.
            if await self.counts.position() > await self.source.position():
                log.warning("the read model is behind the live counts: loading them afresh")
                await self.forget()
            if self._lost or not self._loaded or not await self.counts.complete():
                await self.load()
        except Exception:
            log.exception("loading live counts failed; retried next time")

    async def load(self) -> None:
        """Every count from the read model. Over a structure that answers and lost nothing, a
        repair pass (counts read now replace older ones while readers keep being answered);
        otherwise readers are answered again only once it finishes."""
        cold = self._lost or not await self.counts.complete()
        token = await self.counts.begin_load() if cold else None
        self._lost = False
        for read in await self.source.all_counts():
            await self.counts.settle(read.counts, read.position)
        self._loaded = token is None or await self.counts.finish_load(token)

    async def forget(self) -> None:
        """Before a rebuild: positions start again from nothing, so the structure does too."""
        await self.counts.forget()
        self._loaded = self._lost = False
