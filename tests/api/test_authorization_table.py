"""Every cell of the PERMISSIONS table, walked through the HTTP endpoint that enforces it.

A cell is (action, role, whose comment). The expected outcome is read from the table itself, so a
handler that ignores the table fails here; a second test pins the table to what the issue asks.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import httpx
import pytest

from tests.api.support import Api, assert_problem
from threadline.bootstrap import Threadline
from threadline.domain.authorization import PERMISSIONS, Action
from threadline.domain.identity import Role
from threadline.domain.tenant import Tenant, TenantSettings

ACTOR = "actor"
OTHER_AUTHOR = "someone"

Call = Callable[[Api, str, Role], Awaitable[httpx.Response]]


async def _create(api: Api, comment_id: str, role: Role) -> httpx.Response:
    parent = (await api.comment(comment_id))["entity_id"]
    return await api.send(
        "POST",
        "/v1/comments",
        user=ACTOR,
        role=role,
        json={"entity_type": "post", "entity_id": parent, "content": "a reply", "parent_id": comment_id},
    )


async def _update(api: Api, comment_id: str, role: Role) -> httpx.Response:
    return await api.send(
        "PATCH", f"/v1/comments/{comment_id}", user=ACTOR, role=role, json={"content": "new"}
    )


async def _delete(api: Api, comment_id: str, role: Role) -> httpx.Response:
    return await api.send(
        "DELETE", f"/v1/comments/{comment_id}", user=ACTOR, role=role, params={"reason": "r"}
    )


async def _hard_delete(api: Api, comment_id: str, role: Role) -> httpx.Response:
    return await api.send(
        "DELETE", f"/v1/admin/comments/{comment_id}", user=ACTOR, role=role, params={"reason": "erase"}
    )


async def _like(api: Api, comment_id: str, role: Role) -> httpx.Response:
    return await api.send("PUT", f"/v1/comments/{comment_id}/like", user=ACTOR, role=role)


async def _pin(api: Api, comment_id: str, role: Role) -> httpx.Response:
    return await api.send("PUT", f"/v1/comments/{comment_id}/pin", user=ACTOR, role=role)


async def _read_history(api: Api, comment_id: str, role: Role) -> httpx.Response:
    await api.settle()
    return await api.http.get(f"/v1/comments/{comment_id}/history", headers=api.auth(ACTOR, role))


async def _read_audit(api: Api, comment_id: str, role: Role) -> httpx.Response:
    return await api.http.get(
        "/v1/admin/audit", params={"comment_id": comment_id}, headers=api.auth(ACTOR, role)
    )


async def _author(api: Api, comment_id: str) -> str:
    return str((await api.comment(comment_id))["author_id"])


async def _read_unpublished(api: Api, comment_id: str, role: Role) -> httpx.Response:
    # The target awaits approval (see PENDING_TARGET): only its author and staff may read it.
    await api.settle()
    return await api.http.get(
        f"/v1/comments/{comment_id}",
        params={"min_position": api.log.value},
        headers=api.auth(ACTOR, role),
    )


async def _approve(api: Api, comment_id: str, role: Role) -> httpx.Response:
    return await api.send("POST", f"/v1/comments/{comment_id}/approve", user=ACTOR, role=role)


async def _reject(api: Api, comment_id: str, role: Role) -> httpx.Response:
    return await api.send("POST", f"/v1/comments/{comment_id}/reject", user=ACTOR, role=role)


async def _report(api: Api, comment_id: str, role: Role) -> httpx.Response:
    return await api.send(
        "POST", f"/v1/comments/{comment_id}/report", user=ACTOR, role=role, json={"reason": "spam"}
    )


async def _read_queue(api: Api, comment_id: str, role: Role) -> httpx.Response:
    return await api.http.get("/v1/moderation/queue", headers=api.auth(ACTOR, role))


async def _ban(api: Api, comment_id: str, role: Role) -> httpx.Response:
    # Whose comment it is decides the cell: banning oneself, or banning its author.
    author = await _author(api, comment_id)
    return await api.send("PUT", f"/v1/moderation/bans/{author}", user=ACTOR, role=role)


async def _lock(api: Api, comment_id: str, role: Role) -> httpx.Response:
    entity_id = (await api.comment(comment_id))["entity_id"]
    return await api.send("PUT", f"/v1/entities/post/{entity_id}/lock", user=ACTOR, role=role)


async def _export_user(api: Api, comment_id: str, role: Role) -> httpx.Response:
    author = await _author(api, comment_id)
    return await api.http.get(f"/v1/users/{author}/export", headers=api.auth(ACTOR, role))


async def _erase_user(api: Api, comment_id: str, role: Role) -> httpx.Response:
    author = await _author(api, comment_id)
    return await api.send("DELETE", f"/v1/users/{author}", user=ACTOR, role=role)


async def _manage_webhooks(api: Api, comment_id: str, role: Role) -> httpx.Response:
    # Webhooks have no owner; a public address literal needs no DNS, and it is never sent to.
    hook = {"url": "https://93.184.215.14/hook", "enabled": False}
    return await api.send("POST", "/v1/admin/webhooks", user=ACTOR, role=role, json=hook)


async def _read_activity(api: Api, comment_id: str, role: Role) -> httpx.Response:
    # Whose records they are does not matter (staff only either way); the siblings below walk
    # the console's other reads through the same cells.
    return await api.http.get("/v1/moderation/locks", headers=api.auth(ACTOR, role))


CALLS: dict[Action, Call] = {
    Action.CREATE: _create,
    Action.UPDATE: _update,
    Action.DELETE: _delete,
    Action.HARD_DELETE: _hard_delete,
    Action.LIKE: _like,
    Action.PIN: _pin,
    Action.READ_HISTORY: _read_history,
    Action.READ_AUDIT: _read_audit,
    Action.READ_UNPUBLISHED: _read_unpublished,
    Action.APPROVE: _approve,
    Action.REJECT: _reject,
    Action.REPORT: _report,
    Action.READ_QUEUE: _read_queue,
    Action.BAN: _ban,
    Action.LOCK: _lock,
    Action.EXPORT_USER: _export_user,
    Action.ERASE_USER: _erase_user,
    Action.MANAGE_WEBHOOKS: _manage_webhooks,
    Action.READ_ACTIVITY: _read_activity,
}

# A denied cell answers 403, except reading an unpublished comment: for whoever may not read it,
# it does not exist.
DENIED: dict[Action, tuple[int, str]] = {Action.READ_UNPUBLISHED: (404, "comment_not_found")}
# Its target is written under pre-moderation by its author as a plain user, so it stays pending.
PENDING_TARGET = {Action.READ_UNPUBLISHED}

# Unpin, unlike, unban and unlock go through the same cells as pin, like, ban and lock; the
# console's reads all go through one.
SIBLINGS: dict[Action, list[tuple[str, str]]] = {
    Action.LIKE: [("DELETE", "/v1/comments/{id}/like")],
    Action.PIN: [("DELETE", "/v1/comments/{id}/pin")],
    Action.BAN: [("DELETE", "/v1/moderation/bans/{author}")],
    Action.LOCK: [("DELETE", "/v1/entities/post/{entity_id}/lock")],
    Action.MANAGE_WEBHOOKS: [("GET", "/v1/admin/webhooks")],
    Action.READ_ACTIVITY: [
        ("GET", "/v1/moderation/comments/{id}/timeline"),
        ("GET", "/v1/moderation/users/{author}/comments"),
        ("GET", "/v1/moderation/users/{author}/actions"),
    ],
}

CELLS = [
    pytest.param(action, role, own, id=f"{action.value}-{role.value}-{'own' if own else 'others'}")
    for action in Action
    for role in Role
    for own in (True, False)
]


def test_every_action_has_an_endpoint_under_test() -> None:
    assert set(CALLS) == set(Action) == set(PERMISSIONS)


def test_the_table_is_the_one_the_issue_describes() -> None:
    anyone, staff, admin, nobody = set(Role), {Role.MODERATOR, Role.ADMIN}, {Role.ADMIN}, set[Role]()
    expected = {
        Action.CREATE: (anyone, anyone),
        Action.UPDATE: (anyone, staff),
        Action.DELETE: (anyone, staff),
        Action.HARD_DELETE: (admin, admin),
        Action.LIKE: (anyone, anyone),
        Action.PIN: (staff, staff),
        Action.READ_HISTORY: (anyone, staff),
        Action.READ_AUDIT: (admin, admin),
        Action.READ_UNPUBLISHED: (anyone, staff),
        Action.APPROVE: (staff, staff),
        Action.REJECT: (staff, staff),
        Action.REPORT: (nobody, anyone),
        Action.READ_QUEUE: (staff, staff),
        Action.BAN: (nobody, staff),
        Action.LOCK: (staff, staff),
        Action.EXPORT_USER: (anyone, admin),
        Action.ERASE_USER: (anyone, admin),  # own: where the tenant allows self-erasure (it does here)
        Action.MANAGE_WEBHOOKS: (admin, admin),
        Action.READ_ACTIVITY: (staff, staff),
    }
    assert {action: (set(own), set(others)) for action, (own, others) in PERMISSIONS.items()} == expected


@pytest.mark.parametrize(("action", "role", "own"), CELLS)
async def test_each_cell_of_the_permissions_table_holds_over_http(
    api: Api, container: Threadline, tenant: Tenant, action: Action, role: Role, own: bool
) -> None:
    premoderation = action in PENDING_TARGET
    settings = TenantSettings(users_may_erase_themselves=True, premoderation=premoderation)
    await container.tenants.set_settings(tenant.id, settings)
    container.verifier.forget(tenant.id)
    author, author_role = (ACTOR, role) if own else (OTHER_AUTHOR, Role.USER)
    if premoderation:
        author_role = Role.USER
    target = await api.create("the target comment", user=author, role=author_role)
    await api.edit(target["id"], "the target comment, edited", user=author, role=author_role)
    allowed = role in PERMISSIONS[action][0 if own else 1]

    response = await CALLS[action](api, target["id"], role)

    if allowed:
        assert response.is_success, response.text
        if premoderation:
            assert response.json()["status"] == "PENDING"
    elif action in DENIED:
        assert_problem(response, *DENIED[action])  # the call itself changed the comment: no check
    else:
        assert_problem(response, 403, "permission_denied")
        node = await api.comment(target["id"])
        assert (node["content"], node["status"], node["is_pinned"]) == (
            "the target comment, edited",
            "ACTIVE",
            False,
        )
        assert node["like_count"] == 0 and node["reply_count"] == 0
    for method, path in SIBLINGS.get(action, []):
        where = path.format(id=target["id"], author=author, entity_id="p1")
        if method == "GET":
            await api.settle()  # a read of the comment: once the read model has it
        sibling = await api.send(method, where, user=ACTOR, role=role)
        if allowed:
            assert sibling.is_success, sibling.text
        else:
            assert_problem(sibling, 403, "permission_denied")


async def test_moderator_actions_on_someone_else_s_comment_are_attributed_to_the_moderator(api: Api) -> None:
    target = await api.create("by alice", user="alice")
    await api.reply(target, "keeps the tombstone", user="bob")

    await api.edit(target["id"], "edited by a moderator", user="mod", role=Role.MODERATOR)
    await api.pin(target["id"])
    await api.unpin(target["id"])
    await api.delete(target["id"], user="mod", role=Role.MODERATOR, reason="off-topic")

    events = await api.audit_events(comment_id=target["id"])
    assert [(e["event_type"], e["metadata"]["actor_id"], e["metadata"]["actor_role"]) for e in events] == [
        ("CommentCreated", "alice", "user"),
        ("CommentUpdated", "mod", "moderator"),
        ("CommentPinned", "mod", "moderator"),
        ("CommentUnpinned", "mod", "moderator"),
        ("CommentDeleted", "mod", "moderator"),
    ]
    assert events[1]["payload"]["editor_id"] == "mod"
    # The comment still belongs to alice: its history (now a tombstone's) is hers to read.
    [edit] = await api.history(target["id"], user="alice")
    assert (edit["previous_content"], edit["editor_id"]) == ("by alice", "mod")


async def test_an_admin_hard_delete_is_attributed_to_the_admin(api: Api) -> None:
    target = await api.create("by alice", user="alice")

    await api.hard_delete(target["id"], reason="court order")

    [record] = await api.audit_events(comment_id=target["id"], event_type="CommentHardDeleted")
    assert (record["metadata"]["actor_id"], record["metadata"]["actor_role"]) == ("root", "admin")
