"""Moderation read models in SQL: the queue, open reports, banned users and locked threads."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from threadline.adapters.sql.schema import (
    banned_users,
    comment_view_reports,
    entity_stats,
    locked_threads,
    moderation_queue,
    user_actions,
)
from threadline.adapters.sql.upsert import insert_if_absent
from threadline.application.ports.projection import LockEntry, QueueEntry


class SqlModerationViewWriter:
    def __init__(self, connection: AsyncConnection) -> None:
        self._connection = connection

    async def enqueue(self, item: QueueEntry, *, reported_at: str | None) -> None:
        tenant_id, comment_id = item.tenant_id, item.comment_id
        row = {
            "tenant_id": tenant_id,
            "comment_id": comment_id,
            "entity_type": item.entity_type,
            "entity_id": item.entity_id,
            "owner_id": item.owner_id,
            "queued_seq": item.seq,
            "pending": item.pending,
            "report_count": 1 if reported_at else 0,
            "last_reported_at": reported_at,
        }
        if await insert_if_absent(self._connection, moderation_queue, row) or reported_at is None:
            return
        c = moderation_queue.c
        await self._connection.execute(
            moderation_queue.update()
            .where(c.tenant_id == tenant_id, c.comment_id == comment_id)
            .values(report_count=c.report_count + 1, last_reported_at=reported_at)
        )

    async def dequeue(self, tenant_id: str, comment_id: str) -> None:
        c = moderation_queue.c
        await self._connection.execute(
            moderation_queue.delete().where(c.tenant_id == tenant_id, c.comment_id == comment_id)
        )

    async def add_report(
        self, tenant_id: str, comment_id: str, user_id: str, reason: str | None, at: str
    ) -> None:
        row = {
            "tenant_id": tenant_id,
            "comment_id": comment_id,
            "user_id": user_id,
            "reason": reason,
            "reported_at": at,
        }
        await insert_if_absent(self._connection, comment_view_reports, row)

    async def clear_reports(self, tenant_id: str, comment_id: str) -> None:
        c = comment_view_reports.c
        await self._connection.execute(
            comment_view_reports.delete().where(c.tenant_id == tenant_id, c.comment_id == comment_id)
        )

    async def set_ban(
        self, tenant_id: str, user_id: str, reason: str | None, expires_at: str | None, by: str, at: str
    ) -> None:
        await self.lift_ban(tenant_id, user_id)
        await self._connection.execute(
            banned_users.insert().values(
                tenant_id=tenant_id,
                user_id=user_id,
                reason=reason,
                expires_at=expires_at,
                banned_by=by,
                banned_at=at,
            )
        )

    async def lift_ban(self, tenant_id: str, user_id: str) -> None:
        c = banned_users.c
        await self._connection.execute(
            banned_users.delete().where(c.tenant_id == tenant_id, c.user_id == user_id)
        )

    async def file_user_action(self, tenant_id: str, user_id: str, position: int, comment_id: str) -> None:
        row = {"tenant_id": tenant_id, "user_id": user_id, "position": position, "comment_id": comment_id}
        await insert_if_absent(self._connection, user_actions, row)

    async def unfile_comment_actions(self, tenant_id: str, comment_id: str) -> None:
        c = user_actions.c
        await self._connection.execute(
            user_actions.delete().where(c.tenant_id == tenant_id, c.comment_id == comment_id)
        )

    async def set_thread_locked(
        self, tenant_id: str, entity_type: str, entity_id: str, lock: LockEntry | None
    ) -> None:
        locked = lock is not None
        c = entity_stats.c
        key = sa.and_(c.tenant_id == tenant_id, c.entity_type == entity_type, c.entity_id == entity_id)
        result = await self._connection.execute(entity_stats.update().where(key).values(locked=locked))
        if result.rowcount == 0:
            await self._connection.execute(
                entity_stats.insert().values(
                    tenant_id=tenant_id,
                    entity_type=entity_type,
                    entity_id=entity_id,
                    comment_count=0,
                    root_count=0,
                    locked=locked,
                )
            )
        t = locked_threads.c
        await self._connection.execute(
            locked_threads.delete().where(
                t.tenant_id == tenant_id, t.entity_type == entity_type, t.entity_id == entity_id
            )
        )
        if lock is not None:
            await self._connection.execute(
                locked_threads.insert().values(
                    tenant_id=tenant_id,
                    entity_type=entity_type,
                    entity_id=entity_id,
                    reason=lock.reason,
                    locked_by=lock.locked_by,
                    locked_at=lock.locked_at,
                    locked_seq=lock.seq,
                )
            )
