"""Every cell of the permission table: action x role x (own comment | someone else's)."""

from __future__ import annotations

import itertools

import pytest

from threadline.domain.authorization import PERMISSIONS, Action, ensure_allowed, ensure_may_erase, is_allowed
from threadline.domain.errors import PermissionDenied
from threadline.domain.identity import Actor, Role

U, M, A = Role.USER, Role.MODERATOR, Role.ADMIN

# The issue's rules written out independently of the module: (allowed on own, allowed on others').
EXPECTED: dict[Action, tuple[set[Role], set[Role]]] = {
    Action.CREATE: ({U, M, A}, {U, M, A}),
    Action.UPDATE: ({U, M, A}, {M, A}),
    Action.DELETE: ({U, M, A}, {M, A}),
    Action.HARD_DELETE: ({A}, {A}),
    Action.LIKE: ({U, M, A}, {U, M, A}),
    Action.PIN: ({M, A}, {M, A}),
    Action.READ_HISTORY: ({U, M, A}, {M, A}),
    Action.READ_AUDIT: ({A}, {A}),
    Action.READ_UNPUBLISHED: ({U, M, A}, {M, A}),
    Action.APPROVE: ({M, A}, {M, A}),
    Action.REJECT: ({M, A}, {M, A}),
    Action.REPORT: (set(), {U, M, A}),
    Action.READ_QUEUE: ({M, A}, {M, A}),
    Action.BAN: (set(), {M, A}),
    Action.LOCK: ({M, A}, {M, A}),
    Action.EXPORT_USER: ({U, M, A}, {A}),
    Action.ERASE_USER: ({U, M, A}, {A}),  # own: only where the tenant allows self-erasure
    Action.MANAGE_WEBHOOKS: ({A}, {A}),  # tenant admins alone subscribe servers to its changes
    Action.READ_ACTIVITY: ({M, A}, {M, A}),  # the moderation console: staff, whoever it is about
}

CELLS = [(action, role, own) for action, role, own in itertools.product(Action, Role, (True, False))]


def actor(role: Role, user_id: str = "me") -> Actor:
    return Actor("tenant", user_id, user_id, None, role)


def test_the_table_has_a_row_for_every_action() -> None:
    assert set(PERMISSIONS) == set(Action) == set(EXPECTED)


@pytest.mark.parametrize(
    ("action", "role", "own"),
    CELLS,
    ids=[f"{a.value}-{r.value}-{'own' if o else 'other'}" for a, r, o in CELLS],
)
def test_each_cell_allows_exactly_the_roles_the_issue_names(action: Action, role: Role, own: bool) -> None:
    allowed_roles = EXPECTED[action][0 if own else 1]
    author_id = "me" if own else "someone-else"
    who = actor(role)

    assert is_allowed(who, action, author_id) == (role in allowed_roles)
    if role in allowed_roles:
        ensure_allowed(who, action, author_id)
    else:
        with pytest.raises(PermissionDenied) as raised:
            ensure_allowed(who, action, author_id)
        assert raised.value.code == "permission_denied"
        assert role.value in raised.value.detail


@pytest.mark.parametrize("action", list(Action))
@pytest.mark.parametrize("role", list(Role))
def test_a_comment_without_author_is_judged_as_someone_elses(action: Action, role: Role) -> None:
    # A tombstone has no author: nobody may claim it as their own.
    assert is_allowed(actor(role), action, None) == (role in EXPECTED[action][1])


def test_a_user_id_that_only_looks_alike_is_not_the_author() -> None:
    assert not is_allowed(actor(U, "alice"), Action.UPDATE, "Alice")
    assert not is_allowed(actor(U, "alice"), Action.DELETE, "alice ")
    assert is_allowed(actor(U, "alice"), Action.UPDATE, "alice")


def test_staff_roles_are_exactly_moderator_and_admin() -> None:
    assert {r for r in Role if r.is_staff} == {M, A}


@pytest.mark.parametrize("role", list(Role))
@pytest.mark.parametrize("tenant_allows", [True, False])
def test_erasing_oneself_needs_the_tenant_s_consent_unless_admin(role: Role, tenant_allows: bool) -> None:
    me = actor(role, "me")
    if tenant_allows or role is A:
        ensure_may_erase(me, "me", tenant_allows)
    else:
        with pytest.raises(PermissionDenied):
            ensure_may_erase(me, "me", tenant_allows)
    if role is A:
        ensure_may_erase(me, "someone-else", tenant_allows)
    else:
        with pytest.raises(PermissionDenied):
            ensure_may_erase(me, "someone-else", tenant_allows)
