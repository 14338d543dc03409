"""Moderation read models in SQL: the queue, a thread's unpublished comments, the banned users.

Moderators act on what they read here, so it comes from the primary read database, never a
replica that may lag.
"""

from __future__ import annotations

from collections import defaultdict

import sqlalchemy as sa

from threadline.adapters.sql.comment_reader import ROW_COLUMNS, retry_lost_connection
from threadline.adapters.sql.replicas import ReadRouter
from threadline.adapters.sql.schema import banned_users, comment_view, comment_view_reports, moderation_queue
from threadline.application.ports.query import BannedUser, CommentRow, QueueItem, Report

_q, _v, _r, _b = moderation_queue.c, comment_view.c, comment_view_reports.c, banned_users.c
REPORTS_SHOWN = 10


class SqlModerationReader:
    def __init__(self, router: ReadRouter) -> None:
        self._router = router

    @retry_lost_connection
    async def queue(self, tenant_id: str, *, kind: str | None, after_seq: int, limit: int) -> list[QueueItem]:
        query = (
            sa.select(_q.pending, _q.report_count, _q.last_reported_at, _q.queued_seq, *ROW_COLUMNS)
            .join(comment_view, sa.and_(_v.tenant_id == _q.tenant_id, _v.id == _q.comment_id))
            .where(_q.tenant_id == tenant_id, _q.queued_seq > after_seq)
            .order_by(_q.queued_seq)
            .limit(limit)
        )
        if kind == "pending":
            query = query.where(_q.pending == sa.true())
        elif kind == "reported":
            query = query.where(_q.report_count > 0)
        async with self._router.connect(primary=True) as connection:
            rows = (await connection.execute(query)).all()
            ids = [row.id for row in rows]
            reports: dict[str, list[Report]] = defaultdict(list)
            if ids:
                found = await connection.execute(
                    sa.select(_r.comment_id, _r.user_id, _r.reason, _r.reported_at)
                    .where(_r.tenant_id == tenant_id, _r.comment_id.in_(ids))
                    .order_by(_r.comment_id, _r.reported_at.desc())
                )
                for report in found.all():
                    if len(reports[report.comment_id]) < REPORTS_SHOWN:
                        reports[report.comment_id].append(
                            Report(report.user_id, report.reason, report.reported_at)
                        )
        return [
            QueueItem(
                CommentRow(*row[4:]),
                bool(row.pending),
                int(row.report_count),
                row.last_reported_at,
                reports.get(row.id, []),
                int(row.queued_seq),
            )
            for row in rows
        ]

    @retry_lost_connection
    async def unpublished_in_thread(
        self, tenant_id: str, entity_type: str, entity_id: str, owner_id: str | None, limit: int
    ) -> list[CommentRow]:
        """Pending comments of a thread: all of them for a moderator, or one author's own."""
        query = (
            sa.select(*ROW_COLUMNS)
            .join(moderation_queue, sa.and_(_q.tenant_id == _v.tenant_id, _q.comment_id == _v.id))
            .where(
                _q.tenant_id == tenant_id,
                _q.entity_type == entity_type,
                _q.entity_id == entity_id,
                _q.pending == sa.true(),
            )
            .order_by(_q.queued_seq)
            .limit(limit)
        )
        if owner_id is not None:
            query = query.where(_q.owner_id == owner_id)
        async with self._router.connect(primary=True) as connection:
            return [CommentRow(*row) for row in (await connection.execute(query)).all()]

    @retry_lost_connection
    async def bans(self, tenant_id: str, now: str, *, after_user: str, limit: int) -> list[BannedUser]:
        in_force = sa.or_(_b.expires_at.is_(None), _b.expires_at > now)
        query = (
            sa.select(_b.user_id, _b.reason, _b.expires_at, _b.banned_by, _b.banned_at)
            .where(_b.tenant_id == tenant_id, _b.user_id > after_user, in_force)
            .order_by(_b.user_id)
            .limit(limit)
        )
        async with self._router.connect(primary=True) as connection:
            rows = (await connection.execute(query)).all()
        return [BannedUser(*row) for row in rows]
