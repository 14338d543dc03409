"""Rebuild every read model from the log without ever serving an empty one.

The replay goes into a shadow read model (``ShadowReadModels``) by a projector of its own, while
the live projector keeps the served read model current. When the shadow has caught up with the
log it is switched in, in one atomic step, and the old one dropped. The switch carries the
shadow's checkpoint, so events logged after its last batch are projected into it by the live
projector: none is lost, none applied twice. A rebuild stopped at any point (killed, a failing
event) leaves the served read model untouched; run again, it resumes the shadow from its
checkpoint.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from threadline.application.ports.projection import (
    ContentRenderer,
    EventReader,
    ShadowReadModels,
    StoredEvent,
)
from threadline.application.projection.prepared_pages import PagePreparer
from threadline.application.projection.projector import COMMENTS_PROJECTION, ProjectionSignal, Projector


@dataclass(frozen=True, slots=True)
class RebuildOutcome:
    resumed_from: int  # the shadow's position when this run began (0: a new shadow)
    applied: int  # events this run projected into the shadow
    position: int  # the position the switched-in read model stood at


async def rebuild_read_model(
    shadows: ShadowReadModels,
    events: EventReader,
    renderer: ContentRenderer,
    *,
    batch_size: int,
    fresh: bool = False,
    on_batch: Callable[[list[StoredEvent]], None] | None = None,
    name: str = COMMENTS_PROJECTION,
    preparer: PagePreparer | None = None,
) -> RebuildOutcome:
    """Build a shadow from the log, then switch it in. A failing event raises ``ProjectionFailed``
    before anything is switched (the shadow is kept, to resume once the event projects)."""
    shadow = await shadows.open(fresh=fresh)
    try:
        projector = Projector(
            reader=events,
            store=shadow.store,
            renderer=renderer,
            cache=None,  # nothing reads the shadow yet
            signal=ProjectionSignal(),
            batch_size=batch_size,
            name=name,
            on_batch=on_batch,
        )
        if preparer is not None:  # the served projector's page shape, so the pages switched in are its
            projector.preparer = preparer
        resumed_from = (await shadow.store.status(name)).position
        applied = await projector.catch_up()

        position = 0

        async def last_batches() -> None:
            nonlocal applied, position
            applied += await projector.catch_up()
            position = (await shadow.store.status(name)).position

        await shadow.switch_over(last_batches)
    finally:
        await shadow.close()
    return RebuildOutcome(resumed_from=resumed_from, applied=applied, position=position)
