"""The deliverer's and the admin API's ports: subscriptions and deliveries kept beside the log,
the receivers' addresses, and the HTTP attempt itself."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

from threadline.application.ports.projection import StoredEvent
from threadline.domain.webhooks import DeliveryRecord, DeliveryStatus, Subscription


@dataclass(frozen=True, slots=True)
class CommentFacts:
    """What the write model says of a comment at delivery time (its author, whether it is public)."""

    author_id: str | None
    status: str
    parent_id: str | None


@dataclass(frozen=True, slots=True)
class AttemptRecord:
    """Attempts made on one delivery since the last write, and how the last one went."""

    delivery_id: str
    position: int
    event_type: str
    status: DeliveryStatus
    attempts: int
    status_code: int | None
    error: str | None
    response: str | None
    first_attempt_at: str
    last_attempt_at: str
    duration_ms: float
    delivered_at: str | None


@dataclass(frozen=True, slots=True)
class Progress:
    """What one deliverer writes at once, if it still holds the subscription's lease."""

    records: Sequence[AttemptRecord]
    checkpoint: int | None
    lease_until: str
    failing: tuple[str, str] | None = None  # (since, next probe at): it ran out of attempts
    next_probe_at: str | None = None  # a probe failed: the next one
    resumed: bool = False  # a probe succeeded


class WebhookStore(Protocol):
    """Subscriptions and their deliveries, in the write database beside the log."""

    async def add(self, subscription: Subscription) -> None: ...

    async def get(self, tenant_id: str, subscription_id: str) -> Subscription | None: ...

    async def of_tenant(self, tenant_id: str) -> list[Subscription]: ...

    async def change(self, tenant_id: str, subscription_id: str, changes: Mapping[str, object]) -> bool: ...

    async def remove(self, tenant_id: str, subscription_id: str) -> bool: ...

    async def checkpoint(self, subscription_id: str) -> int: ...

    async def replay(self, tenant_id: str, subscription_id: str, after: int, now: str) -> bool:
        """Sets the checkpoint back to ``after``, resumes the subscription and bumps its
        generation, so a deliverer in the middle of it starts over from there."""
        ...

    async def deliveries(
        self, tenant_id: str, subscription_id: str, *, before: int | None, limit: int, status: str | None
    ) -> list[DeliveryRecord]: ...

    async def delivery(
        self, tenant_id: str, subscription_id: str, delivery_id: str
    ) -> DeliveryRecord | None: ...

    async def set_delivery_status(
        self, tenant_id: str, subscription_id: str, delivery_id: str, status: DeliveryStatus
    ) -> None: ...

    # The deliverer's side.

    async def enabled(self) -> list[Subscription]:
        """Every tenant's enabled subscriptions."""
        ...

    async def take_lease(
        self, tenant_id: str, subscription_id: str, holder: str, until: str, now: str
    ) -> bool:
        """Whether ``holder`` now holds the subscription: it was free, expired, or its own."""
        ...

    async def release_lease(self, tenant_id: str, subscription_id: str, holder: str) -> None: ...

    async def write_progress(
        self, tenant_id: str, subscription_id: str, holder: str, generation: int, progress: Progress
    ) -> bool:
        """Writes the records and moves the checkpoint in one transaction, only while ``holder``
        holds the lease and the generation is unchanged (no replay since): False otherwise."""
        ...

    async def requeued(self, tenant_id: str, subscription_id: str, limit: int) -> list[DeliveryRecord]: ...

    async def events_after(self, tenant_id: str, after: int, limit: int) -> list[StoredEvent]:
        """The tenant's events after a position, in log order."""
        ...

    async def event(self, tenant_id: str, position: int) -> StoredEvent | None:
        """One event as the log holds it now (redacted in place if its comment was erased)."""
        ...

    async def comment_facts(self, tenant_id: str, comment_ids: Sequence[str]) -> dict[str, CommentFacts]: ...


class AddressResolver(Protocol):
    async def resolve(self, host: str, port: int) -> list[str]:
        """The host's IP addresses; empty if it does not resolve."""
        ...


@dataclass(frozen=True, slots=True)
class AttemptResult:
    status_code: int | None
    error: str | None  # None for a 2xx
    response: str | None  # the start of the answer's body
    duration_ms: float
    outcome_unknown: bool = False  # the request may have reached the receiver (a timeout)

    @property
    def delivered(self) -> bool:
        return self.error is None


class WebhookSender(Protocol):
    """One HTTP attempt, to one of the addresses already checked (the next one only if the
    connection is refused): it never follows a redirect and reads at most a few KB of the answer."""

    async def send(
        self, url: str, addresses: Sequence[str], headers: dict[str, str], body: bytes, timeout: float
    ) -> AttemptResult: ...

    async def close(self) -> None: ...
