"""The write side of moderation in SQL: reports, bans and thread locks, by compare-and-set."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from threadline.adapters.sql.schema import comment_reports, thread_locks, user_bans
from threadline.adapters.sql.upsert import insert_if_absent
from threadline.domain.errors import ConcurrencyConflict
from threadline.domain.moderation import Ban, ThreadLock

# Looked up by every create, like and edit: built once, run with bound parameters.
_BAN = sa.select(user_bans).where(
    user_bans.c.tenant_id == sa.bindparam("t"), user_bans.c.user_id == sa.bindparam("u")
)
_THREAD_LOCK = sa.select(thread_locks).where(
    thread_locks.c.tenant_id == sa.bindparam("t"),
    thread_locks.c.entity_type == sa.bindparam("et"),
    thread_locks.c.entity_id == sa.bindparam("ei"),
)


class SqlModerationStore:
    def __init__(self, connection: AsyncConnection) -> None:
        self._connection = connection

    async def add_report(self, tenant_id: str, comment_id: str, user_id: str, reason: str, at: str) -> bool:
        row = {
            "tenant_id": tenant_id,
            "comment_id": comment_id,
            "user_id": user_id,
            "reason": reason,
            "reported_at": at,
        }
        return await insert_if_absent(self._connection, comment_reports, row)

    async def dismiss_reports(self, tenant_id: str, comment_id: str, at: str) -> int:
        c = comment_reports.c
        result = await self._connection.execute(
            comment_reports.update()
            .where(c.tenant_id == tenant_id, c.comment_id == comment_id, c.dismissed_at.is_(None))
            .values(dismissed_at=at)
        )
        return int(result.rowcount)

    async def ban(self, tenant_id: str, user_id: str) -> Ban | None:
        row = (await self._connection.execute(_BAN, {"t": tenant_id, "u": user_id})).first()
        return Ban(**_values(row)) if row is not None else None

    async def save_ban(self, ban: Ban, expected_version: int) -> None:
        values: dict[str, object] = {
            "active": ban.active,
            "reason": ban.reason,
            "expires_at": ban.expires_at,
            "banned_by": ban.banned_by,
            "version": ban.version,
            "updated_at": ban.updated_at,
        }
        c = user_bans.c
        await self._save(
            user_bans,
            {"tenant_id": ban.tenant_id, "user_id": ban.user_id},
            (c.tenant_id == ban.tenant_id, c.user_id == ban.user_id),
            values,
            expected_version,
        )

    async def thread_lock(self, tenant_id: str, entity_type: str, entity_id: str) -> ThreadLock | None:
        params = {"t": tenant_id, "et": entity_type, "ei": entity_id}
        row = (await self._connection.execute(_THREAD_LOCK, params)).first()
        return ThreadLock(**_values(row)) if row is not None else None

    async def save_thread_lock(self, lock: ThreadLock, expected_version: int) -> None:
        c = thread_locks.c
        await self._save(
            thread_locks,
            {"tenant_id": lock.tenant_id, "entity_type": lock.entity_type, "entity_id": lock.entity_id},
            (c.tenant_id == lock.tenant_id, c.entity_type == lock.entity_type, c.entity_id == lock.entity_id),
            {
                "locked": lock.locked,
                "reason": lock.reason,
                "version": lock.version,
                "updated_at": lock.updated_at,
            },
            expected_version,
        )

    async def _save(
        self,
        table: sa.Table,
        key: dict[str, str],
        where: tuple[sa.ColumnElement[bool], ...],
        values: dict[str, object],
        expected_version: int,
    ) -> None:
        if expected_version == 0:
            if not await insert_if_absent(self._connection, table, {**key, **values}):
                raise ConcurrencyConflict()
            return
        result = await self._connection.execute(
            table.update().where(*where, table.c.version == expected_version).values(values)
        )
        if result.rowcount != 1:
            raise ConcurrencyConflict()


def _values(row: Any) -> dict[str, Any]:
    values = dict(row._mapping)
    values.pop("dismissed_at", None)
    return values
