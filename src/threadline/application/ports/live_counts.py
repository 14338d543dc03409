"""Live comment counts: a structure the projector keeps equal to the read model's counts, so the
"N comments" badges of a list page cost one lookup instead of a query.

The structure is a copy, so the two ways it could lie are written into the port: it answers
only once it is known to hold every entity (``lookup`` says ``None`` until a load finished, and
again after Redis lost it), and every count it holds is an absolute value stamped with the
projection position it was read at, kept only if no newer one is there — a late, repeated or
out-of-order update never undoes a newer one, and never adds twice.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from typing import NamedTuple, Protocol


class Thread(NamedTuple):
    """The entity a thread of comments hangs on, within its tenant."""

    tenant_id: str
    entity_type: str
    entity_id: str


class CountsAt(NamedTuple):
    """Comment counts read from the read model in one snapshot, and the projection position
    that snapshot reflects (every event up to it, none after)."""

    counts: dict[Thread, int]
    position: int


class LiveCounts(Protocol):
    async def lookup(
        self, tenant_id: str, entity_type: str, entity_ids: Sequence[str]
    ) -> dict[str, int] | None:
        """The counts of these (distinct) entities in one lookup, 0 for one without comments,
        in the order asked; ``None`` while the structure is not known to be complete (or cannot
        be reached): the caller reads the read model instead, never a wrong 0."""
        ...

    async def settle(self, counts: Mapping[Thread, int], position: int) -> None:
        """Store absolute counts read at ``position``; a count already stored from a later
        position is kept."""
        ...

    async def complete(self) -> bool:
        """Whether ``lookup`` answers: a load finished and nothing has been lost since."""
        ...

    async def position(self) -> int:
        """The latest position any stored count was read at (0 when there is none): if the read
        model's checkpoint is behind it, the read model went back (rebuilt, restored)."""
        ...

    async def begin_load(self) -> str:
        """Stop answering until a full load finishes; returns the load's token. A later
        ``begin_load`` (another process's) supersedes this one."""
        ...

    async def finish_load(self, token: str) -> bool:
        """Answer again, if ``token``'s load is still the current one and nothing was lost
        meanwhile; ``False`` otherwise (load again)."""
        ...

    async def forget(self) -> None:
        """Drop every count and stop answering (the read model is being rebuilt from nothing,
        so even the positions start again)."""
        ...


class CountsSource(Protocol):
    """The read model's own counts, with the position they reflect (read in one snapshot)."""

    async def counts_of(self, threads: Collection[Thread]) -> list[CountsAt]:
        """The counts of these threads (0 for one without comments)."""
        ...

    async def all_counts(self) -> list[CountsAt]:
        """Every entity's count (entities without comments may be left out)."""
        ...

    async def position(self) -> int:
        """The projection's checkpoint now (0 before its first batch)."""
        ...
