"""What every apply function is given: the writers of the batch's transaction, the renderer, the
cache scopes the batch touched, and where the log recorded the event being applied."""

from __future__ import annotations

from dataclasses import dataclass, field

from threadline.application.ports.projection import (
    CommentViewWriter,
    ContentRenderer,
    ModerationViewWriter,
    StoredEvent,
)
from threadline.application.queries.cache_scopes import comment_scope, thread_scope
from threadline.domain.comment import Status

# The statuses as the read model stores them (a hard-deleted comment is simply DELETED there).
ACTIVE, DELETED, PENDING, REJECTED = (
    Status.ACTIVE.value,
    Status.DELETED.value,
    Status.PENDING.value,
    Status.REJECTED.value,
)


@dataclass
class Touched:
    """What an applied batch changed: the cache scopes, bumped only after the batch commits, and
    the threads and comments whose prepared pages and documents it renders again before that."""

    scopes: set[str] = field(default_factory=set)
    threads: set[tuple[str, str, str]] = field(default_factory=set)  # whose pages to prepare again
    comments: set[tuple[str, str]] = field(default_factory=set)  # whose documents to prepare again

    def thread(self, tenant_id: str, entity_type: str, entity_id: str) -> None:
        self.scopes.add(thread_scope(tenant_id, entity_type, entity_id))
        self.threads.add((tenant_id, entity_type, entity_id))

    def comment(self, tenant_id: str, comment_id: str) -> None:
        self.scopes.add(comment_scope(tenant_id, comment_id))
        self.comments.add((tenant_id, comment_id))


@dataclass
class ProjectionContext:
    views: CommentViewWriter
    moderation: ModerationViewWriter
    renderer: ContentRenderer
    touched: Touched


@dataclass(frozen=True, slots=True)
class Logged:
    """What the log knows of an event beyond its payload: whose it is, where, and who caused it."""

    tenant_id: str
    position: int
    actor_id: str

    @classmethod
    def of(cls, stored: StoredEvent) -> Logged:
        return cls(stored.tenant_id, stored.position, str(stored.metadata.get("actor_id", "")))
