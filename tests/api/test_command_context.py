"""Every command route runs its command in the one context ``api/dependencies.command_context``
builds: the request's correlation id reaches the event, whatever the command."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import Any

import pytest

from tests.api.support import Api, Json
from threadline.domain.identity import Role

MOD: dict[str, Any] = {"user": "mod", "role": Role.MODERATOR}
ADMIN: dict[str, Any] = {"user": "root", "role": Role.ADMIN}
Setup = Callable[[Api, str], Awaitable[object]]


async def nothing(api: Api, comment_id: str) -> None:
    return None


async def liked(api: Api, comment_id: str) -> None:
    await api.like(comment_id)


async def pinned(api: Api, comment_id: str) -> None:
    await api.pin(comment_id)


async def reported(api: Api, comment_id: str) -> None:
    await api.ok("POST", f"/v1/comments/{comment_id}/report", json={"reason": "spam"}, user="bob")


async def banned(api: Api, comment_id: str) -> None:
    await api.ok("PUT", "/v1/moderation/bans/bob", **MOD)


async def locked(api: Api, comment_id: str) -> None:
    await api.ok("PUT", "/v1/entities/post/p1/lock", **MOD)


# (setup, method, path, who, body, the event the command appends)
COMMANDS: dict[str, tuple[Setup, str, str, Mapping[str, Any], Json | None, str]] = {
    "edit": (nothing, "PATCH", "/v1/comments/{id}", {}, {"content": "edited"}, "CommentUpdated"),
    "delete": (nothing, "DELETE", "/v1/comments/{id}", {}, None, "CommentDeleted"),
    "like": (nothing, "PUT", "/v1/comments/{id}/like", {"user": "bob"}, None, "CommentLiked"),
    "unlike": (liked, "DELETE", "/v1/comments/{id}/like", {"user": "bob"}, None, "CommentUnliked"),
    "pin": (nothing, "PUT", "/v1/comments/{id}/pin", MOD, None, "CommentPinned"),
    "unpin": (pinned, "DELETE", "/v1/comments/{id}/pin", MOD, None, "CommentUnpinned"),
    "report": (
        nothing,
        "POST",
        "/v1/comments/{id}/report",
        {"user": "bob"},
        {"reason": "x"},
        "CommentReported",
    ),
    "approve": (reported, "POST", "/v1/comments/{id}/approve", MOD, None, "CommentApproved"),
    "reject": (nothing, "POST", "/v1/comments/{id}/reject", MOD, {"reason": "off topic"}, "CommentRejected"),
    "hard delete": (
        nothing,
        "DELETE",
        "/v1/admin/comments/{id}",
        ADMIN,
        {"reason": "gdpr"},
        "CommentHardDeleted",
    ),
    "ban": (nothing, "PUT", "/v1/moderation/bans/bob", MOD, None, "UserBanned"),
    "unban": (banned, "DELETE", "/v1/moderation/bans/bob", MOD, None, "UserUnbanned"),
    "lock": (nothing, "PUT", "/v1/entities/post/p1/lock", MOD, None, "ThreadLocked"),
    "unlock": (locked, "DELETE", "/v1/entities/post/p1/lock", MOD, None, "ThreadUnlocked"),
    "erase": (nothing, "DELETE", "/v1/users/alice", ADMIN, None, "CommentHardDeleted"),
}


@pytest.mark.parametrize("name", COMMANDS)
async def test_every_command_route_carries_the_request_s_correlation_id_into_its_event(
    api: Api, name: str
) -> None:
    setup, method, path, who, body, event_type = COMMANDS[name]
    created = await api.create("the comment every command is about")
    await setup(api, created["id"])
    correlation = f"req-{name.replace(' ', '-')}"

    response = await api.send(
        method,
        path.format(id=created["id"]),
        json=body,
        headers={"X-Correlation-ID": correlation},
        **who,
    )

    assert response.is_success, response.text
    events = await api.audit_events(event_type=event_type)
    assert correlation in {event["metadata"]["correlation_id"] for event in events}
