"""Who may do what to whose comment: the one table every command handler consults.

Rows are actions; a cell names the roles allowed when the actor is the comment's author (or, for
actions about a user, that user) and when they are not. Thread and queue actions have no owner,
so both cells agree. ARCHITECTURE.md shows the same table; a test walks every cell over HTTP.
"""

from __future__ import annotations

from enum import StrEnum

from threadline.domain.comment import is_unpublished
from threadline.domain.errors import PermissionDenied
from threadline.domain.identity import Actor, Role


class Action(StrEnum):
    CREATE = "create"
    UPDATE = "update"
    DELETE = "delete"
    HARD_DELETE = "hard_delete"
    LIKE = "like"
    PIN = "pin"
    READ_HISTORY = "read_history"
    READ_AUDIT = "read_audit"
    READ_UNPUBLISHED = "read_unpublished"  # a pending or rejected comment
    APPROVE = "approve"
    REJECT = "reject"
    REPORT = "report"
    READ_QUEUE = "read_queue"
    BAN = "ban"
    LOCK = "lock"
    EXPORT_USER = "export_user"
    ERASE_USER = "erase_user"
    MANAGE_WEBHOOKS = "manage_webhooks"
    # The moderation console's records: locked threads, a comment's timeline, a user's activity.
    READ_ACTIVITY = "read_activity"


_ANYONE = frozenset(Role)
_STAFF = frozenset({Role.MODERATOR, Role.ADMIN})
_ADMIN = frozenset({Role.ADMIN})
_NOBODY: frozenset[Role] = frozenset()

# action -> (roles allowed on their own comment, roles allowed on someone else's)
PERMISSIONS: dict[Action, tuple[frozenset[Role], frozenset[Role]]] = {
    Action.CREATE: (_ANYONE, _ANYONE),
    Action.UPDATE: (_ANYONE, _STAFF),
    Action.DELETE: (_ANYONE, _STAFF),
    Action.HARD_DELETE: (_ADMIN, _ADMIN),
    Action.LIKE: (_ANYONE, _ANYONE),
    Action.PIN: (_STAFF, _STAFF),
    Action.READ_HISTORY: (_ANYONE, _STAFF),
    Action.READ_AUDIT: (_ADMIN, _ADMIN),
    Action.READ_UNPUBLISHED: (_ANYONE, _STAFF),
    Action.APPROVE: (_STAFF, _STAFF),
    Action.REJECT: (_STAFF, _STAFF),
    Action.REPORT: (_NOBODY, _ANYONE),
    Action.READ_QUEUE: (_STAFF, _STAFF),
    Action.BAN: (_NOBODY, _STAFF),
    Action.LOCK: (_STAFF, _STAFF),
    Action.EXPORT_USER: (_ANYONE, _ADMIN),
    # The own cell holds only where the tenant lets users erase themselves; else it is admin only.
    Action.ERASE_USER: (_ANYONE, _ADMIN),
    # Webhooks have no owner: both cells agree.
    Action.MANAGE_WEBHOOKS: (_ADMIN, _ADMIN),
    # Staff only, whoever's records they are: a user does not read the moderators' view of
    # themself (their own data is the export).
    Action.READ_ACTIVITY: (_STAFF, _STAFF),
}


def is_allowed(actor: Actor, action: Action, author_id: str | None) -> bool:
    own, others = PERMISSIONS[action]
    allowed = own if author_id is not None and author_id == actor.user_id else others
    return actor.role in allowed


def ensure_allowed(actor: Actor, action: Action, author_id: str | None = None) -> None:
    if not is_allowed(actor, action, author_id):
        raise PermissionDenied(f"role '{actor.role.value}' may not {action.value.replace('_', ' ')} here")


def may_see(actor: Actor | None, status: str, author_id: str | None) -> bool:
    """Whether a comment in this status exists for this actor: everyone sees published comments
    and tombstones; a pending or rejected one exists only for its author and staff."""
    if not is_unpublished(status):
        return True
    return actor is not None and is_allowed(actor, Action.READ_UNPUBLISHED, author_id)


def ensure_may_erase(actor: Actor, user_id: str, users_may_erase_themselves: bool) -> None:
    if actor.user_id == user_id and actor.role is not Role.ADMIN and not users_may_erase_themselves:
        raise PermissionDenied("only an admin may erase a user here: this tenant does not allow self-erasure")
    ensure_allowed(actor, Action.ERASE_USER, user_id)
