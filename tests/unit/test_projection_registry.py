"""The projection registry: one apply function per event type, each handed its event decoded once
into its ``domain.events`` class, redacted payloads included."""

from __future__ import annotations

import orjson
import pytest

from tests.unit.test_events import SAMPLES
from threadline.application.ports.projection import StoredEvent
from threadline.application.projection.registry import APPLY, decoded
from threadline.domain import events as events_module
from threadline.domain.events import EVENT_TYPES, CommentCreated, LoggedEvent, redact

OTHER_SAMPLES: list[LoggedEvent] = [
    events_module.UserBanned(user_id="mallory", occurred_at="2024-01-01T00:00:00Z", reason="spam"),
    events_module.UserUnbanned(user_id="mallory", occurred_at="2024-01-02T00:00:00Z"),
    events_module.ThreadLocked(entity_type="post", entity_id="p1", occurred_at="2024-01-01T00:00:00Z"),
    events_module.ThreadUnlocked(entity_type="post", entity_id="p1", occurred_at="2024-01-01T00:00:00Z"),
]
EVERY_SAMPLE: list[LoggedEvent] = [*SAMPLES, *OTHER_SAMPLES]


def stored(event_type: str, payload: dict[str, object]) -> StoredEvent:
    """As the log hands it over: the payload went through JSON on its way in and out."""
    return StoredEvent(
        position=7,
        event_id="e7",
        tenant_id="t1",
        aggregate_id="c1",
        aggregate_version=1,
        comment_id="c1",
        event_type=event_type,
        schema_version=1,
        payload=orjson.loads(orjson.dumps(payload)),
        metadata={"actor_id": "alice"},
        recorded_at="2024-01-01T00:00:00Z",
    )


def test_the_projector_applies_every_registered_event_type() -> None:
    assert set(APPLY) == set(EVENT_TYPES)


def test_every_projection_expects_the_class_the_log_decodes_its_type_into() -> None:
    for event_type, projection in APPLY.items():
        assert projection.event_class is EVENT_TYPES[event_type], event_type


def test_the_samples_cover_every_event_type() -> None:
    assert {event.event_type for event in EVERY_SAMPLE} == set(EVENT_TYPES)


@pytest.mark.parametrize("event", EVERY_SAMPLE, ids=[e.event_type for e in EVERY_SAMPLE])
def test_a_stored_event_decodes_into_the_event_that_was_appended(event: LoggedEvent) -> None:
    assert decoded(stored(event.event_type, event.payload())) == event


@pytest.mark.parametrize("event", EVERY_SAMPLE, ids=[e.event_type for e in EVERY_SAMPLE])
def test_a_redacted_event_decodes_with_its_personal_fields_none(event: LoggedEvent) -> None:
    payload = redact(event.event_type, event.payload())

    again = decoded(stored(event.event_type, payload))

    assert type(again) is type(event)
    for name in event.personal_fields:
        assert getattr(again, name) is None, name
    assert again.payload() == payload


def test_a_redacted_creation_keeps_its_place_in_the_tree() -> None:
    [created] = [event for event in SAMPLES if isinstance(event, CommentCreated)]

    again = decoded(stored("CommentCreated", redact("CommentCreated", created.payload())))

    assert isinstance(again, CommentCreated)
    assert (again.parent_id, again.depth, again.path, again.author_id) == ("c0", 1, "c0/c1", "alice")
    assert (again.content, again.author_name, again.author_avatar) == (None, None, None)


def test_an_event_type_the_log_should_not_hold_is_refused() -> None:
    with pytest.raises(LookupError):
        decoded(stored("CommentTeleported", {"comment_id": "c1"}))


def test_a_payload_that_does_not_fit_its_class_is_refused() -> None:
    with pytest.raises(TypeError):
        decoded(stored("CommentLiked", {**SAMPLES[4].payload(), "mood": "happy"}))


async def test_a_projection_refuses_an_event_of_another_class() -> None:
    liked = APPLY["CommentLiked"]
    unliked = decoded(stored("CommentUnliked", SAMPLES[5].payload()))
    with pytest.raises(TypeError):
        await liked(None, unliked, None)  # type: ignore[arg-type]
