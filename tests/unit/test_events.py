"""Domain events: the registry, their payloads, and ``redact`` for hard deletes."""

from __future__ import annotations

import dataclasses
import inspect
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from threadline.domain import events as events_module
from threadline.domain.events import (
    EVENT_TYPES,
    CommentCreated,
    CommentDeleted,
    CommentHardDeleted,
    CommentLiked,
    CommentPinned,
    CommentUnliked,
    CommentUnpinned,
    CommentUpdated,
    DomainEvent,
    LoggedEvent,
    anonymize,
    redact,
)

BASE: dict[str, Any] = {
    "comment_id": "c1",
    "entity_type": "post",
    "entity_id": "p1",
    "occurred_at": "2024-01-01T00:00:00Z",
}

# One fully filled sample of every event, personal fields included.
SAMPLES: list[DomainEvent] = [
    CommentCreated(
        **BASE,
        parent_id="c0",
        depth=1,
        path="c0/c1",
        author_id="alice",
        author_name="Alice Liddell",
        author_avatar="https://img.test/alice.png",
        author_role="user",
        content="my secret thoughts",
        content_format="markdown",
    ),
    CommentUpdated(**BASE, content="my new secret thoughts", editor_id="alice"),
    CommentDeleted(**BASE, reason="I wrote my phone number"),
    CommentHardDeleted(**BASE, reason="GDPR request"),
    CommentLiked(**BASE, user_id="bob"),
    CommentUnliked(**BASE, user_id="bob"),
    CommentPinned(**BASE),
    CommentUnpinned(**BASE),
    events_module.CommentApproved(**BASE, reports_dismissed=2),
    events_module.CommentRejected(**BASE, reason="off-topic"),
    events_module.CommentReported(**BASE, user_id="carol", reason="Alice posted my address"),
    events_module.CommentAnonymized(**BASE),
]

# What a hard delete must blank in each event type, as the issue describes personal data.
PERSONAL: dict[str, set[str]] = {
    "CommentCreated": {"content", "author_name", "author_avatar"},
    "CommentUpdated": {"content"},
    "CommentDeleted": {"reason"},
    "CommentHardDeleted": set(),
    "CommentLiked": set(),
    "CommentUnliked": set(),
    "CommentPinned": set(),
    "CommentUnpinned": set(),
    "CommentApproved": set(),
    "CommentRejected": set(),
    "CommentReported": {"reason"},  # the reporter's own words
    "CommentAnonymized": set(),
    "UserBanned": set(),
    "UserUnbanned": set(),
    "ThreadLocked": set(),
    "ThreadUnlocked": set(),
}


def all_event_classes() -> set[type[LoggedEvent]]:
    return {
        obj
        for _, obj in inspect.getmembers(events_module, inspect.isclass)
        if issubclass(obj, LoggedEvent) and obj not in (LoggedEvent, DomainEvent)
    }


def test_every_event_class_is_registered_under_its_own_type_name() -> None:
    assert set(EVENT_TYPES.values()) == all_event_classes()
    for name, cls in EVENT_TYPES.items():
        assert cls.event_type == name == cls.__name__


def test_the_registry_holds_exactly_the_comment_and_moderation_events() -> None:
    assert set(EVENT_TYPES) == set(PERSONAL)


@pytest.mark.parametrize("cls", list(EVENT_TYPES.values()), ids=list(EVENT_TYPES))
def test_personal_fields_name_real_payload_fields(cls: type[LoggedEvent]) -> None:
    field_names = {f.name for f in dataclasses.fields(cls)}
    assert set(cls.personal_fields) <= field_names
    assert cls.schema_version >= 1


@pytest.mark.parametrize("event", SAMPLES, ids=[e.event_type for e in SAMPLES])
def test_payload_carries_every_field_and_the_thread_it_belongs_to(event: DomainEvent) -> None:
    payload = event.payload()
    assert set(payload) == {f.name for f in dataclasses.fields(event)}
    assert {k: payload[k] for k in BASE} == BASE


@pytest.mark.parametrize("event", SAMPLES, ids=[e.event_type for e in SAMPLES])
def test_redact_blanks_exactly_the_personal_fields_and_keeps_the_rest(event: DomainEvent) -> None:
    payload = event.payload()
    original = dict(payload)

    redacted = redact(event.event_type, payload)

    assert payload == original, "redact must not change its argument"
    assert list(redacted) == list(payload)
    for key, value in payload.items():
        if key in PERSONAL[event.event_type]:
            assert redacted[key] is None, key
        else:
            assert redacted[key] == value, key


def test_redacted_creation_keeps_the_tree_structure() -> None:
    redacted = redact("CommentCreated", SAMPLES[0].payload())
    assert {
        k: redacted[k] for k in ("comment_id", "parent_id", "depth", "path", "entity_type", "entity_id")
    } == {
        "comment_id": "c1",
        "parent_id": "c0",
        "depth": 1,
        "path": "c0/c1",
        "entity_type": "post",
        "entity_id": "p1",
    }
    assert "secret" not in repr(redacted) and "Alice Liddell" not in repr(redacted)


def test_the_hard_delete_audit_record_keeps_its_reason() -> None:
    assert redact("CommentHardDeleted", SAMPLES[3].payload())["reason"] == "GDPR request"


def test_redacting_an_unknown_event_type_leaves_the_payload_alone() -> None:
    payload: dict[str, object] = {"content": "kept", "x": 1}
    assert redact("SomethingElse", payload) == {"content": "kept", "x": 1}


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=5), children, max_size=3)
    ),
    max_leaves=8,
)


@given(
    st.sampled_from(list(EVENT_TYPES)),
    st.dictionaries(
        st.sampled_from(
            ["content", "author_name", "author_avatar", "reason", "comment_id", "depth", "user_id", "x"]
        ),
        json_values,
    ),
)
def test_redact_is_idempotent_and_only_ever_writes_none(event_type: str, payload: dict[str, Any]) -> None:
    once = redact(event_type, payload)
    assert redact(event_type, once) == once
    assert set(once) == set(payload)
    for key, value in once.items():
        assert value is None or value == payload[key]


def test_anonymizing_keeps_the_words_and_drops_the_name_and_avatar() -> None:
    anonymized = anonymize(SAMPLES[0].payload())
    assert anonymized["content"] == "my secret thoughts"
    assert anonymized["author_name"] is None and anonymized["author_avatar"] is None
    assert "Alice Liddell" not in repr(anonymized) and "alice.png" not in repr(anonymized)


def test_events_about_users_and_threads_are_filed_under_no_comment() -> None:
    ban = events_module.UserBanned(user_id="mallory", occurred_at="2024-01-01T00:00:00Z", reason="spam")
    lock = events_module.ThreadLocked(entity_type="post", entity_id="p1", occurred_at="2024-01-01T00:00:00Z")
    assert ban.subject_comment_id == "" and lock.subject_comment_id == ""
    assert SAMPLES[0].subject_comment_id == "c1"
