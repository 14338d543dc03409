"""The audit trail, read straight from the event log: who did what to which comment (or user, or
thread), when."""

from __future__ import annotations

from dataclasses import asdict

from threadline.application.ports.cross_cutting import JsonObject
from threadline.application.ports.projection import EventReader
from threadline.domain.authorization import Action, ensure_allowed
from threadline.domain.errors import InvalidCursor, InvalidQuery
from threadline.domain.events import EVENT_TYPES
from threadline.domain.identity import Actor


def audit_cursor_position(cursor: str | None) -> int:
    """The audit trail pages by log position; anything else is a malformed cursor."""
    if not cursor:
        return 0
    if not (cursor.isascii() and cursor.isdigit() and len(cursor) <= 18):
        raise InvalidCursor(field="cursor")
    return int(cursor)


async def audit_trail(
    actor: Actor,
    reader: EventReader,
    *,
    after_position: int,
    limit: int,
    comment_id: str | None,
    actor_id: str | None,
    event_type: str | None,
) -> JsonObject:
    ensure_allowed(actor, Action.READ_AUDIT)
    if event_type is not None and event_type not in EVENT_TYPES:
        raise InvalidQuery(f"unknown event_type; one of {', '.join(EVENT_TYPES)}", field="event_type")
    for field, value in (("comment_id", comment_id), ("actor_id", actor_id)):
        if value is not None and "\x00" in value:  # no stored id has one; PostgreSQL text cannot
            raise InvalidQuery(f"{field} must not contain NUL characters", field=field)
    events = await reader.audit(
        actor.tenant_id,
        after_position=after_position,
        limit=limit + 1,
        comment_id=comment_id,
        actor_id=actor_id,
        event_types=None if event_type is None else (event_type,),
    )
    has_more = len(events) > limit
    events = events[:limit]
    data = [asdict(event) for event in events]
    for item in data:
        item.pop("tenant_id", None)
        item["comment_id"] = item["comment_id"] or None  # bans and locks are about no comment
    return {
        "data": data,
        "meta": {
            "limit": limit,
            "next_cursor": str(events[-1].position) if has_more and events else None,
        },
    }
