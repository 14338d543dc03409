"""Moderation read models in SQL: the queue, a thread's unpublished comments, the banned users.

Moderators act on what they read here, so it comes from the primary read database, never a
replica that may lag. The statements are written once (``read_statements.py``) and run on the raw
driver (``raw_reads.py``), like the comment reader's.
"""

from __future__ import annotations

from collections import defaultdict

from threadline.adapters.sql.comment_reader import retry_lost_connection
from threadline.adapters.sql.engine import SqliteReaders
from threadline.adapters.sql.raw_reads import RawReads
from threadline.adapters.sql.read_statements import (
    ANY_BY_ID,
    BAN_IN_FORCE,
    BANS_IN_FORCE,
    COMMENTS_OF,
    LOCKED_THREADS,
    OPEN_REPORTS,
    OWN_PENDING_IN_THREAD,
    PENDING_IN_THREAD,
    QUEUE,
    QUEUE_OFFSET,
    USER_ACTIONS,
)
from threadline.adapters.sql.replicas import ReadRouter
from threadline.application.ports.query import BannedUser, CommentRow, LockedThread, QueueItem, Report

REPORTS_SHOWN = 10
NO_BOUND = 1 << 62  # above every log position: the first page of a newest-first list


class SqlModerationReader:
    def __init__(self, router: ReadRouter, *, sqlite: SqliteReaders | None = None) -> None:
        self._reads = RawReads(router, sqlite=sqlite)

    @retry_lost_connection
    async def queue(self, tenant_id: str, *, kind: str | None, after_seq: int, limit: int) -> list[QueueItem]:
        statement = QUEUE[kind if kind in QUEUE else None]
        parameters = {"t": tenant_id, "after": after_seq, "n": limit}
        rows = await self._reads.comments(statement, parameters, primary=True, skip=QUEUE_OFFSET)
        ids = [row[QUEUE_OFFSET] for row in rows]
        reports: dict[str, list[Report]] = defaultdict(list)
        if ids:
            found = await self._reads.rows(OPEN_REPORTS, {"t": tenant_id, "ids": ids}, primary=True)
            for comment_id, user_id, reason, reported_at in found:
                if len(reports[comment_id]) < REPORTS_SHOWN:
                    reports[comment_id].append(Report(user_id, reason, reported_at))
        return [
            QueueItem(
                CommentRow(*row[QUEUE_OFFSET:]),
                bool(row[0]),
                int(row[1]),
                row[2],
                reports.get(row[QUEUE_OFFSET], []),
                int(row[3]),
            )
            for row in rows
        ]

    @retry_lost_connection
    async def unpublished_in_thread(
        self, tenant_id: str, entity_type: str, entity_id: str, owner_id: str | None, limit: int
    ) -> list[CommentRow]:
        """Pending comments of a thread: all of them for a moderator, or one author's own."""
        parameters: dict[str, object] = {"t": tenant_id, "et": entity_type, "eid": entity_id, "n": limit}
        statement = PENDING_IN_THREAD
        if owner_id is not None:
            statement, parameters["owner"] = OWN_PENDING_IN_THREAD, owner_id
        return [CommentRow(*row) for row in await self._reads.comments(statement, parameters, primary=True)]

    @retry_lost_connection
    async def bans(self, tenant_id: str, now: str, *, after_user: str, limit: int) -> list[BannedUser]:
        parameters = {"t": tenant_id, "after": after_user, "now": now, "n": limit}
        return [BannedUser(*row) for row in await self._reads.rows(BANS_IN_FORCE, parameters, primary=True)]

    @retry_lost_connection
    async def any_comment(self, tenant_id: str, comment_id: str) -> CommentRow | None:
        rows = await self._reads.comments(ANY_BY_ID, {"t": tenant_id, "c": comment_id}, primary=True)
        return CommentRow(*rows[0]) if rows else None

    @retry_lost_connection
    async def comments_of(
        self, tenant_id: str, owner_id: str, *, before_seq: int | None, limit: int
    ) -> list[CommentRow]:
        before = NO_BOUND if before_seq is None else before_seq
        parameters = {"t": tenant_id, "u": owner_id, "before": before, "n": limit}
        return [CommentRow(*row) for row in await self._reads.comments(COMMENTS_OF, parameters, primary=True)]

    @retry_lost_connection
    async def ban_of(self, tenant_id: str, user_id: str, now: str) -> BannedUser | None:
        rows = await self._reads.rows(BAN_IN_FORCE, {"t": tenant_id, "u": user_id, "now": now}, primary=True)
        return BannedUser(*rows[0]) if rows else None

    @retry_lost_connection
    async def user_action_positions(
        self, tenant_id: str, user_id: str, *, before: int | None, limit: int
    ) -> list[int]:
        parameters = {
            "t": tenant_id,
            "u": user_id,
            "before": NO_BOUND if before is None else before,
            "n": limit,
        }
        return [int(row[0]) for row in await self._reads.rows(USER_ACTIONS, parameters, primary=True)]

    @retry_lost_connection
    async def locks(self, tenant_id: str, *, before_seq: int | None, limit: int) -> list[LockedThread]:
        before = NO_BOUND if before_seq is None else before_seq
        parameters = {"t": tenant_id, "before": before, "n": limit}
        rows = await self._reads.rows(LOCKED_THREADS, parameters, primary=True)
        return [
            LockedThread(entity_type, entity_id, reason, by, at, int(seq))
            for entity_type, entity_id, reason, by, at, seq in rows
        ]
