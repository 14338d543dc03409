"""Bans and thread locks: the moderation state a command handler checks before letting a user in."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from threadline.domain.clock import as_timestamp
from threadline.domain.errors import InvalidCommand, ThreadIsLocked, UserIsBanned
from threadline.domain.events import (
    LoggedEvent,
    PendingEvent,
    ThreadLocked,
    ThreadUnlocked,
    UserBanned,
    UserUnbanned,
)
from threadline.domain.identity import Actor, Role

MAX_USER_ID_LENGTH = 256
_USER_ID = re.compile(r"[^\x00-\x1f\x7f]{1,256}")


@dataclass(slots=True)
class Ban:
    """One user's ban in one tenant: an aggregate of its own, versioned like a comment."""

    tenant_id: str
    user_id: str
    active: bool
    reason: str | None
    expires_at: str | None  # ISO-8601 UTC; None: until lifted
    banned_by: str
    version: int
    updated_at: str

    def in_force(self, now: str) -> bool:
        """ISO-8601 UTC strings of one format compare in time order."""
        return self.active and (self.expires_at is None or self.expires_at > now)

    @classmethod
    def impose(
        cls,
        current: Ban | None,
        tenant_id: str,
        user_id: str,
        *,
        reason: str | None,
        expires_at: str | None,
        by: str,
        now: str,
    ) -> tuple[Ban, PendingEvent] | None:
        """The ban after banning again (or for the first time); ``None`` when the same ban (same
        reason and expiry) is already in force, so a repeated ban changes nothing."""
        if (
            current is not None
            and current.in_force(now)
            and (current.reason, current.expires_at)
            == (
                reason,
                expires_at,
            )
        ):
            return None
        version = current.version + 1 if current else 1
        ban = cls(tenant_id, user_id, True, reason, expires_at, by, version, now)
        event = UserBanned(user_id=user_id, occurred_at=now, reason=reason, expires_at=expires_at)
        return ban, PendingEvent(event, ban_id(user_id), version)

    def lift(self, now: str) -> PendingEvent | None:
        if not self.active:
            return None
        self.active = False
        self.version += 1
        self.updated_at = now
        return PendingEvent(
            UserUnbanned(user_id=self.user_id, occurred_at=now), ban_id(self.user_id), self.version
        )


@dataclass(slots=True)
class ThreadLock:
    """Whether users may add comments to one entity's thread: an aggregate of its own."""

    tenant_id: str
    entity_type: str
    entity_id: str
    locked: bool
    reason: str | None
    version: int
    updated_at: str

    @classmethod
    def change(
        cls,
        current: ThreadLock | None,
        tenant_id: str,
        entity_type: str,
        entity_id: str,
        *,
        locked: bool,
        reason: str | None,
        now: str,
    ) -> tuple[ThreadLock, PendingEvent] | None:
        """The lock after locking or unlocking; ``None`` when the thread already is so."""
        if (current.locked if current else False) == locked:
            return None
        version = current.version + 1 if current else 1
        lock = cls(tenant_id, entity_type, entity_id, locked, reason, version, now)
        event: LoggedEvent = (
            ThreadLocked(entity_type=entity_type, entity_id=entity_id, occurred_at=now, reason=reason)
            if locked
            else ThreadUnlocked(entity_type=entity_type, entity_id=entity_id, occurred_at=now)
        )
        return lock, PendingEvent(event, thread_lock_id(entity_type, entity_id), version)


def ban_id(user_id: str) -> str:
    """The aggregate id of a user's ban."""
    return f"user/{user_id}/ban"


def thread_lock_id(entity_type: str, entity_id: str) -> str:
    """The aggregate id of a thread's lock."""
    return f"thread/{entity_type}/{entity_id}/lock"


def ensure_not_banned(ban: Ban | None, now: str) -> None:
    if ban is not None and ban.in_force(now):
        until = f" until {ban.expires_at}" if ban.expires_at else ""
        raise UserIsBanned(f"you are banned from commenting in this tenant{until}")


def ensure_thread_open(lock: ThreadLock | None, actor: Actor) -> None:
    """Moderators and admins may still write in a locked thread (to explain the lock, say)."""
    if lock is not None and lock.locked and actor.role is Role.USER:
        raise ThreadIsLocked()


def valid_user_id(user_id: str) -> str:
    if not _USER_ID.fullmatch(user_id):
        raise InvalidCommand("user id must be 1-256 printable characters", field="user_id")
    return user_id


def valid_expiry(expires_at: str | None, now: str) -> str | None:
    """A ban's end as an ISO-8601 UTC string in the format the log uses, and in the future."""
    if expires_at is None:
        return None
    try:
        parsed = datetime.fromisoformat(expires_at.replace("Z", "+00:00"))
    except ValueError:
        raise InvalidCommand("expires_at must be an ISO-8601 timestamp", field="expires_at") from None
    if parsed.tzinfo is None:
        raise InvalidCommand("expires_at must carry a time zone (e.g. 'Z')", field="expires_at")
    normalized = as_timestamp(parsed)
    if normalized <= now:
        raise InvalidCommand("expires_at must be in the future", field="expires_at")
    return normalized
