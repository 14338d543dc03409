"""The query side's statements as SQL text, written once per dialect at import and run with bound
parameters: no expression tree is built, compiled or cache-keyed per request.

Each ``Statement`` holds its SQLite text (named ``:param`` placeholders, as sqlite3 takes them) and
its PostgreSQL text (the same placeholders turned into ``$n`` for asyncpg, which prepares each text
once per connection and reuses it). A list of ids is one parameter on either dialect (a JSON array
read by ``json_each`` on SQLite, a ``text[]`` on PostgreSQL), so a statement's text never depends
on how many ids it is given and every call reuses the one prepared statement.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import orjson

from threadline.application.client_comment import CLIENT_FIELDS
from threadline.domain.comment import UNPUBLISHED

_PLACEHOLDER = re.compile(r"(?<![:\w]):([a-z_]+)")
ROW_FIELDS = [*CLIENT_FIELDS, "created_seq", "owner_id"]  # ``CommentRow``'s field order
# sqlite3 gives booleans back as 0 and 1: the row fields to turn back into bools.
BOOLEAN_FIELDS = tuple(ROW_FIELDS.index(name) for name in ("is_pinned", "is_edited"))


@dataclass(frozen=True, slots=True)
class Statement:
    sqlite: str
    postgres: str
    names: tuple[str, ...]  # the parameters in ``$n`` order
    lists: frozenset[str]  # parameters that are lists of ids

    def sqlite_parameters(self, parameters: Mapping[str, Any]) -> dict[str, Any]:
        if not self.lists:
            return dict(parameters)
        return {
            name: orjson.dumps(list(value)).decode() if name in self.lists else value
            for name, value in parameters.items()
        }

    def postgres_parameters(self, parameters: Mapping[str, Any]) -> list[Any]:
        return [list(parameters[n]) if n in self.lists else parameters[n] for n in self.names]


def statement(template: str, *, lists: Sequence[str] = ()) -> Statement:
    """``template`` with ``{true}``, ``{false}`` and ``{in_NAME}`` written for each dialect."""
    sqlite = template.format_map(_Dialect("1", "0", "(SELECT value FROM json_each(:{}))"))
    postgres = template.format_map(_Dialect("true", "false", "(SELECT unnest(:{}::text[]))"))
    names: list[str] = []

    def numbered(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in names:
            names.append(name)
        return f"${names.index(name) + 1}"

    return Statement(sqlite, _PLACEHOLDER.sub(numbered, postgres), tuple(names), frozenset(lists))


class _Dialect(dict[str, str]):
    def __init__(self, true: str, false: str, ids: str) -> None:
        super().__init__(true=true, false=false)
        self._ids = ids

    def __missing__(self, key: str) -> str:
        if key.startswith("in_"):
            return self._ids.format(key.removeprefix("in_"))
        raise KeyError(key)


def _columns(prefix: str = "") -> str:
    return ", ".join(prefix + name for name in ROW_FIELDS)


COLUMNS = _columns()
_SIBLINGS = (
    "FROM comment_view WHERE tenant_id = :t AND entity_type = :et AND entity_id = :eid"
    " AND parent_key = :parent AND visible = {true}"
)
_ORDER = {
    "oldest": "created_seq ASC",
    "newest": "created_seq DESC",
    "popular": "like_count DESC, created_seq DESC",
}
_AFTER = {
    "oldest": "created_seq > :seq",
    "newest": "created_seq < :seq",
    "popular": "(like_count, created_seq) < (:likes, :seq)",
}


def _segment(sort: str, *, pinned: bool, after: bool) -> str:
    """One clean index range scan: the pinned or the unpinned siblings, in sort order."""
    where = f" AND is_pinned = {{{'true' if pinned else 'false'}}}" + (
        f" AND {_AFTER[sort]}" if after else ""
    )
    return f"SELECT {COLUMNS} {_SIBLINGS}{where} ORDER BY {_ORDER[sort]} LIMIT :n"


def _both_segments(sort: str, *, pinned_after: bool) -> Statement:
    """Pinned first: the pinned segment, then the rest, in one round trip."""
    pinned = _segment(sort, pinned=True, after=pinned_after)
    rest = _segment(sort, pinned=False, after=False)
    return statement(
        f"SELECT * FROM ({pinned}) AS pinned UNION ALL SELECT * FROM ({rest}) AS rest"
        f" ORDER BY is_pinned DESC, {_ORDER[sort]} LIMIT :n"
    )


@dataclass(frozen=True, slots=True)
class PageStatements:
    first: Statement  # no cursor: pinned, then the rest
    after_pinned: Statement  # the cursor is in the pinned segment: the rest of it, then the rest
    after_unpinned: Statement  # the cursor is past the pinned segment
    offset: Statement  # ``page=N`` without a cursor


PAGES = {
    sort: PageStatements(
        first=_both_segments(sort, pinned_after=False),
        after_pinned=_both_segments(sort, pinned_after=True),
        after_unpinned=statement(_segment(sort, pinned=False, after=True)),
        offset=statement(
            f"SELECT {COLUMNS} {_SIBLINGS} ORDER BY is_pinned DESC, {_ORDER[sort]} LIMIT :n OFFSET :offset"
        ),
    )
    for sort in _ORDER
}

# Replies of many parents, the first ``n`` of each, in one statement whatever their number; each
# parent's replies are one range scan of the index (replies are never pinned).
_REPLIES_OF = (
    "SELECT rowid FROM comment_view WHERE tenant_id = :t AND entity_type = :et AND entity_id = :eid"
    " AND parent_key = p.value AND visible = 1 AND is_pinned = 0 ORDER BY created_seq LIMIT :n"
)
CHILDREN = Statement(
    sqlite=f"SELECT {_columns('c.')} FROM json_each(:parents) AS p"
    f" JOIN comment_view AS c ON c.rowid IN ({_REPLIES_OF}) ORDER BY p.key, c.created_seq",
    postgres=f"SELECT {_columns('c.')} FROM unnest($4::text[]) WITH ORDINALITY AS p(id, ord)"
    f" CROSS JOIN LATERAL (SELECT {COLUMNS} FROM comment_view WHERE tenant_id = $1 AND entity_type = $2"
    " AND entity_id = $3 AND parent_key = p.id AND visible AND NOT is_pinned"
    " ORDER BY created_seq LIMIT $5) AS c ORDER BY p.ord, c.created_seq",
    names=("t", "et", "eid", "parents", "n"),
    lists=frozenset({"parents"}),
)

_UNPUBLISHED = ", ".join(f"'{status}'" for status in sorted(UNPUBLISHED))
# Hidden rows are gone for everyone, except pending and rejected ones: their author and
# moderators may read them, which the query side decides.
BY_IDS = statement(
    f"SELECT {COLUMNS} FROM comment_view WHERE tenant_id = :t AND id IN {{in_ids}}"
    f" AND (visible = {{true}} OR status IN ({_UNPUBLISHED}))",
    lists=["ids"],
)
# Staff records (the moderation console): any row the read model keeps, hidden tombstones too.
ANY_BY_ID = statement(f"SELECT {COLUMNS} FROM comment_view WHERE tenant_id = :t AND id = :c")
THREAD_SUMMARY = statement(
    "SELECT root_count, locked FROM entity_stats"
    " WHERE tenant_id = :t AND entity_type = :et AND entity_id = :eid"
)
COUNTS = statement(
    "SELECT entity_id, comment_count FROM entity_stats"
    " WHERE tenant_id = :t AND entity_type = :et AND entity_id IN {in_ids}",
    lists=["ids"],
)
LIKED_AMONG = statement(
    "SELECT comment_id FROM comment_view_likes"
    " WHERE tenant_id = :t AND user_id = :u AND comment_id IN {in_ids}",
    lists=["ids"],
)
EDITS = statement(
    "SELECT previous_content, new_content, editor_id, edited_at FROM comment_view_edits"
    " WHERE tenant_id = :t AND comment_id = :c ORDER BY position"
)
PREPARED_PAGE = statement(
    "SELECT body FROM prepared_pages"
    " WHERE tenant_id = :t AND entity_type = :et AND entity_id = :eid AND sort = :s"
)
PREPARED_COMMENT = statement("SELECT body FROM prepared_comments WHERE tenant_id = :t AND comment_id = :c")
PROJECTION_POSITION = statement("SELECT position FROM projection_checkpoints WHERE name = :name")

# The moderation read models (``moderation_reader.py``).
_QUEUED = (
    f"SELECT q.pending, q.report_count, q.last_reported_at, q.queued_seq, {_columns('c.')}"
    " FROM moderation_queue AS q JOIN comment_view AS c ON c.tenant_id = q.tenant_id AND c.id = q.comment_id"
    " WHERE q.tenant_id = :t AND q.queued_seq > :after{kind} ORDER BY q.queued_seq LIMIT :n"
)
QUEUE = {
    None: statement(_QUEUED.replace("{kind}", "")),
    "pending": statement(_QUEUED.replace("{kind}", " AND q.pending = {true}")),
    "reported": statement(_QUEUED.replace("{kind}", " AND q.report_count > 0")),
}
QUEUE_OFFSET = 4  # the comment's fields start after the queue's own columns
OPEN_REPORTS = statement(
    "SELECT comment_id, user_id, reason, reported_at FROM comment_view_reports"
    " WHERE tenant_id = :t AND comment_id IN {in_ids} ORDER BY comment_id, reported_at DESC",
    lists=["ids"],
)
_PENDING_IN_THREAD = (
    f"SELECT {_columns('c.')} FROM comment_view AS c"
    " JOIN moderation_queue AS q ON q.tenant_id = c.tenant_id AND q.comment_id = c.id"
    " WHERE q.tenant_id = :t AND q.entity_type = :et AND q.entity_id = :eid AND q.pending = {true}"
    "{owner} ORDER BY q.queued_seq LIMIT :n"
)
PENDING_IN_THREAD = statement(_PENDING_IN_THREAD.replace("{owner}", ""))
OWN_PENDING_IN_THREAD = statement(_PENDING_IN_THREAD.replace("{owner}", " AND q.owner_id = :owner"))
_BAN_COLUMNS = "user_id, reason, expires_at, banned_by, banned_at"
_IN_FORCE = "(expires_at IS NULL OR expires_at > :now)"  # an expired ban simply stops applying
BANS_IN_FORCE = statement(
    f"SELECT {_BAN_COLUMNS} FROM banned_users WHERE tenant_id = :t AND user_id > :after AND {_IN_FORCE}"
    " ORDER BY user_id LIMIT :n"
)
BAN_IN_FORCE = statement(
    f"SELECT {_BAN_COLUMNS} FROM banned_users WHERE tenant_id = :t AND user_id = :u AND {_IN_FORCE}"
)
LOCKED_THREADS = statement(
    "SELECT entity_type, entity_id, reason, locked_by, locked_at, locked_seq FROM locked_threads"
    " WHERE tenant_id = :t AND locked_seq < :before ORDER BY locked_seq DESC LIMIT :n"
)
# A user's comments in any state the read model keeps them, newest first (ix_comment_view_owner).
COMMENTS_OF = statement(
    f"SELECT {COLUMNS} FROM comment_view WHERE tenant_id = :t AND owner_id = :u AND created_seq < :before"
    " ORDER BY created_seq DESC LIMIT :n"
)
USER_ACTIONS = statement(
    "SELECT position FROM user_actions WHERE tenant_id = :t AND user_id = :u AND position < :before"
    " ORDER BY position DESC LIMIT :n"
)
