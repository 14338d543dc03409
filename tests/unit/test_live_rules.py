"""Live updates without a server: which message each log event becomes and who may receive it
(``domain/live.py``, ``LiveViewer``), and the hub that hands committed batches to subscriptions
(``application/live/hub.py``), fed by the in-process fan-out and an in-memory live feed."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Sequence

import pytest

from threadline.adapters.bus.live_fanout import InProcessLiveFanout
from threadline.application.live.hub import (
    LiveHub,
    LiveLimits,
    LiveViewer,
    StreamLimitReached,
    Subscription,
)
from threadline.application.ports.live import Audience, LiveBatch, LiveFeed, LiveMessage
from threadline.domain.live import Shown, live_event_name, shown_comment_event

ACME, GLOBEX = "tenant-acme", "tenant-globex"
P1 = ("post", "p1")
# Not a speed bound: how long a hub that stopped handing over is waited for.
STUCK_SECONDS = 60.0

# --- the rules ------------------------------------------------------------------------------

STATUSES = ("ACTIVE", "PENDING", "REJECTED", "DELETED", None)  # None: the comment is gone
# How each comment event is shown, by the comment's status at the end of its batch:
#   pub = everyone, with the comment    ids = everyone, the id alone    del = everyone, as a delete
#   own = its author (and moderators), with the comment    own_id = its author, the id alone
#   mod = moderators alone, with the comment                 -    = not shown
TABLE: dict[str, tuple[str, str, str, str, str]] = {
    #                      ACTIVE  PENDING  REJECTED  DELETED  gone
    "CommentCreated": ("pub", "own", "-", "pub", "-"),
    "CommentUpdated": ("pub", "own", "-", "pub", "-"),
    "CommentDeleted": ("pub", "own", "-", "pub", "-"),
    "CommentHardDeleted": ("ids", "ids", "ids", "ids", "ids"),
    "CommentLiked": ("pub", "own", "-", "pub", "-"),
    "CommentUnliked": ("pub", "own", "-", "pub", "-"),
    "CommentPinned": ("pub", "own", "-", "pub", "-"),
    "CommentUnpinned": ("pub", "own", "-", "pub", "-"),
    "CommentApproved": ("pub", "own", "-", "pub", "-"),
    "CommentRejected": ("pub", "own", "own_id", "del", "-"),
    "CommentReported": ("mod", "-", "-", "-", "-"),
    "CommentAnonymized": ("pub", "own", "-", "pub", "-"),
}
NAMES = {
    "CommentCreated": "comment.created",
    "CommentUpdated": "comment.updated",
    "CommentDeleted": "comment.deleted",
    "CommentHardDeleted": "comment.hard_deleted",
    "CommentLiked": "comment.liked",
    "CommentUnliked": "comment.unliked",
    "CommentPinned": "comment.pinned",
    "CommentUnpinned": "comment.unpinned",
    "CommentApproved": "comment.approved",
    "CommentRejected": "comment.rejected",
    "CommentReported": "comment.reported",
    "CommentAnonymized": "comment.anonymized",
    "ThreadLocked": "thread.locked",
    "ThreadUnlocked": "thread.unlocked",
    "UserBanned": "user.banned",
    "UserUnbanned": "user.unbanned",
}


def expected(log_type: str, cell: str) -> Shown | None:
    name = NAMES[log_type]
    return {
        "pub": Shown(name, "public", True),
        "ids": Shown(name, "public", False),
        "del": Shown("comment.deleted", "public", True),
        "own": Shown(name, "author", True),
        "own_id": Shown(name, "author", False),
        "mod": Shown(name, "moderators", True),
        "-": None,
    }[cell]


@pytest.mark.parametrize(
    ("log_type", "status", "cell"),
    [
        (log_type, status, cell)
        for log_type, row in TABLE.items()
        for status, cell in zip(STATUSES, row, strict=True)
    ],
)
def test_each_comment_event_is_shown_as_its_status_at_the_end_of_the_batch_allows(
    log_type: str, status: str | None, cell: str
) -> None:
    assert shown_comment_event(log_type, status) == expected(log_type, cell)


def test_every_create_is_a_comment_created_and_every_other_event_keeps_its_webhook_name() -> None:
    assert {log_type: live_event_name(log_type) for log_type in NAMES} == NAMES


def message(
    position: int,
    *,
    tenant_id: str = ACME,
    thread: tuple[str, str] = P1,
    audience: Audience = "public",
    author_id: str | None = None,
) -> LiveMessage:
    return LiveMessage(
        position,
        tenant_id,
        *thread,
        "comment.created",
        audience,
        author_id,
        f"c{position}",
        b'{"id":"c%d"}' % position,
    )


ANONYMOUS = LiveViewer(None, moderator=False)
ALICE = LiveViewer("alice", moderator=False)
BOB = LiveViewer("bob", moderator=False)
MODERATOR = LiveViewer("mod", moderator=True)


@pytest.mark.parametrize(
    ("audience", "author_id", "who_sees"),
    [
        ("public", None, {"anonymous", "alice", "bob", "mod"}),
        ("author", "alice", {"alice", "mod"}),
        ("author", None, {"mod"}),  # no author to match: an anonymous viewer is nobody's author
        ("moderators", None, {"mod"}),
        ("moderators", "alice", {"mod"}),  # an author id never opens a moderators' message
    ],
)
def test_a_viewer_sees_public_messages_their_own_pending_ones_and_moderators_everything(
    audience: Audience, author_id: str | None, who_sees: set[str]
) -> None:
    viewers = {"anonymous": ANONYMOUS, "alice": ALICE, "bob": BOB, "mod": MODERATOR}
    sent = message(1, audience=audience, author_id=author_id)

    assert {name for name, viewer in viewers.items() if viewer.may_see(sent)} == who_sees


# --- the hub --------------------------------------------------------------------------------


class MemoryLiveFeed(LiveFeed):
    """The live feed as a list: what the projector kept, and the head it reached."""

    def __init__(self) -> None:
        self.kept: list[LiveMessage] = []
        self.at = 0
        self.floor = 0

    def keep(self, messages: Sequence[LiveMessage], through: int) -> LiveBatch:
        """A committed batch: kept, the head moved; returns it for the fan-out."""
        after = self.at
        self.kept.extend(messages)
        self.at = through
        return LiveBatch(after, through, list(messages))

    async def horizon(self) -> int:
        return self.floor

    async def head(self) -> int:
        return self.at

    async def read_after(
        self,
        tenant_id: str,
        after: int,
        *,
        thread: tuple[str, str] | None,
        through: int | None = None,
        limit: int = 1000,
    ) -> list[LiveMessage]:
        found = [
            m
            for m in self.kept
            if m.tenant_id == tenant_id
            and m.position > after
            and (thread is None or m.thread == thread)
            and (through is None or m.position <= through)
        ]
        return found[:limit]

    async def read_range(self, after: int, through: int, *, limit: int = 1000) -> list[LiveMessage]:
        return [m for m in self.kept if after < m.position <= through][:limit]


@pytest.fixture
def feed() -> MemoryLiveFeed:
    return MemoryLiveFeed()


@pytest.fixture
def fanout() -> InProcessLiveFanout:
    return InProcessLiveFanout()


@pytest.fixture
def limits() -> LiveLimits:
    return LiveLimits(queue_size=100, per_tenant=100, per_address=100)


@pytest.fixture
async def hub(
    feed: MemoryLiveFeed, fanout: InProcessLiveFanout, limits: LiveLimits
) -> AsyncIterator[LiveHub]:
    started = LiveHub(feed, fanout, limits, sync_seconds=STUCK_SECONDS)
    await started.start()
    try:
        yield started
    finally:
        await started.close()


async def received(subscription: Subscription, through: int) -> list[int]:
    """The positions handed to ``subscription`` until it got one at ``through`` (or ended)."""
    deadline = time.monotonic() + STUCK_SECONDS
    positions: list[int] = []
    while not positions or positions[-1] < through:
        assert time.monotonic() < deadline, f"the hub stopped handing over; got {positions}"
        positions.extend(m.position for m in await subscription.next(0.25))
        if subscription.closed and not subscription.waiting:
            break
    return positions


async def publish(fanout: InProcessLiveFanout, feed: MemoryLiveFeed, *positions: int) -> None:
    await fanout.publish(feed.keep([message(p) for p in positions], positions[-1]))


async def test_a_subscription_is_handed_every_batch_in_log_order(
    hub: LiveHub, feed: MemoryLiveFeed, fanout: InProcessLiveFanout
) -> None:
    follower = hub.subscribe(ACME, P1, ANONYMOUS, "10.0.0.1")

    await publish(fanout, feed, 1, 2)
    await publish(fanout, feed, 3)
    await publish(fanout, feed, 4, 5, 6)

    assert await received(follower, 6) == [1, 2, 3, 4, 5, 6]
    assert hub.through == 6


async def test_batches_missed_on_the_wire_are_read_back_from_the_feed_before_the_next_one(
    hub: LiveHub, feed: MemoryLiveFeed, fanout: InProcessLiveFanout
) -> None:
    follower = hub.subscribe(ACME, P1, ANONYMOUS, "10.0.0.1")
    await publish(fanout, feed, 1)
    feed.keep([message(2), message(3)], 3)  # committed, but never heard (a Redis reconnect)
    feed.keep([message(5, thread=("post", "other")), message(6)], 6)

    await publish(fanout, feed, 7, 8)

    assert await received(follower, 8) == [1, 2, 3, 6, 7, 8]


async def test_a_batch_heard_twice_or_overlapping_one_handed_over_is_not_handed_over_again(
    hub: LiveHub, feed: MemoryLiveFeed, fanout: InProcessLiveFanout
) -> None:
    follower = hub.subscribe(ACME, P1, ANONYMOUS, "10.0.0.1")
    first = feed.keep([message(1), message(2)], 2)
    await fanout.publish(first)
    await fanout.publish(first)  # its own publish and the echo from Redis
    await fanout.publish(LiveBatch(1, 3, [message(2), message(3)]))
    feed.at = 3

    await publish(fanout, feed, 4)  # after the repeats: once it arrives, they were all judged

    assert await received(follower, 4) == [1, 2, 3, 4]


async def test_a_subscription_registered_at_a_position_gets_exactly_the_messages_after_it(
    hub: LiveHub, feed: MemoryLiveFeed, fanout: InProcessLiveFanout
) -> None:
    early = hub.subscribe(ACME, P1, ANONYMOUS, "10.0.0.1")
    await publish(fanout, feed, 1, 2, 3)
    assert await received(early, 3) == [1, 2, 3]

    late = hub.subscribe(ACME, P1, ANONYMOUS, "10.0.0.2")
    await publish(fanout, feed, 4, 5)

    assert late.start == 3
    assert await received(late, 5) == [4, 5]
    assert await received(early, 5) == [4, 5]


async def test_a_new_hub_starts_at_the_feeds_head_and_hands_over_only_what_comes_after(
    feed: MemoryLiveFeed, fanout: InProcessLiveFanout, limits: LiveLimits
) -> None:
    feed.keep([message(1), message(2)], 2)
    hub = LiveHub(feed, fanout, limits, sync_seconds=STUCK_SECONDS)
    await hub.start()
    try:
        follower = hub.subscribe(ACME, P1, ANONYMOUS, "10.0.0.1")
        await publish(fanout, feed, 3)

        assert follower.start == 2
        assert await received(follower, 3) == [3]
    finally:
        await hub.close()


async def test_batches_never_heard_at_all_are_found_by_checking_the_feeds_head(
    feed: MemoryLiveFeed, fanout: InProcessLiveFanout, limits: LiveLimits
) -> None:
    hub = LiveHub(feed, fanout, limits, sync_seconds=0.01)
    await hub.start()
    try:
        follower = hub.subscribe(ACME, P1, ANONYMOUS, "10.0.0.1")
        feed.keep([message(1), message(2)], 2)  # committed; its publish was lost

        assert await received(follower, 2) == [1, 2]
    finally:
        await hub.close()


async def test_thread_followers_get_their_thread_and_tenant_followers_their_whole_tenant(
    hub: LiveHub, feed: MemoryLiveFeed, fanout: InProcessLiveFanout
) -> None:
    thread = hub.subscribe(ACME, P1, MODERATOR, "10.0.0.1")
    tenant = hub.subscribe(ACME, None, MODERATOR, "10.0.0.1")
    other = hub.subscribe(GLOBEX, None, MODERATOR, "10.0.0.1")

    batch = [
        message(1),
        message(2, thread=("post", "p2")),
        message(3, tenant_id=GLOBEX),
        message(4, thread=("", ""), audience="moderators"),  # a ban
        message(5),
    ]
    await fanout.publish(feed.keep(batch, 5))

    assert await received(thread, 5) == [1, 5]
    assert await received(tenant, 5) == [1, 2, 4, 5]
    assert await received(other, 3) == [3]


async def test_a_subscription_is_handed_only_what_its_viewer_may_see(
    hub: LiveHub, feed: MemoryLiveFeed, fanout: InProcessLiveFanout
) -> None:
    anonymous = hub.subscribe(ACME, P1, ANONYMOUS, "10.0.0.1")
    alice = hub.subscribe(ACME, P1, ALICE, "10.0.0.1")
    bob = hub.subscribe(ACME, P1, BOB, "10.0.0.1")
    batch = [
        message(1, audience="author", author_id="alice"),
        message(2, audience="moderators"),
        message(3),
    ]
    await fanout.publish(feed.keep(batch, 3))

    assert await received(anonymous, 3) == [3]
    assert await received(alice, 3) == [1, 3]
    assert await received(bob, 3) == [3]


@pytest.mark.parametrize("limits", [LiveLimits(queue_size=2, per_tenant=100, per_address=100)])
async def test_a_subscription_whose_queue_overflows_is_ended_and_removed_and_others_go_on(
    hub: LiveHub, feed: MemoryLiveFeed, fanout: InProcessLiveFanout
) -> None:
    slow = hub.subscribe(ACME, P1, ANONYMOUS, "10.0.0.1")
    fast = hub.subscribe(ACME, P1, ANONYMOUS, "10.0.0.2")
    tenant = hub.subscribe(ACME, None, MODERATOR, "10.0.0.3")

    await publish(fanout, feed, 1, 2)
    assert await received(fast, 2) == [1, 2]
    assert await received(tenant, 2) == [1, 2]
    await publish(fanout, feed, 3)
    assert await received(fast, 3) == [3]
    assert await received(tenant, 3) == [3]

    assert slow.overflowed and slow.closed
    assert await slow.next(STUCK_SECONDS) == []  # what it had waiting went with it
    assert slow not in hub.tenant_subscriptions(ACME)
    assert hub.subscribers == 2
    await publish(fanout, feed, 4, 5)
    assert await received(fast, 5) == [4, 5]
    assert not fast.overflowed and not tenant.overflowed


@pytest.mark.parametrize("limits", [LiveLimits(queue_size=2, per_tenant=100, per_address=100)])
async def test_one_batch_larger_than_the_queue_reaches_a_follower_that_keeps_up(
    hub: LiveHub, feed: MemoryLiveFeed, fanout: InProcessLiveFanout
) -> None:
    keeping_up = hub.subscribe(ACME, P1, ANONYMOUS, "10.0.0.1")
    behind = hub.subscribe(ACME, P1, ANONYMOUS, "10.0.0.2")

    await publish(fanout, feed, 1, 2, 3, 4, 5)  # a burst: one batch of five
    assert await received(keeping_up, 5) == [1, 2, 3, 4, 5]
    await publish(fanout, feed, 6)  # the other never took the burst: now it is behind
    assert await received(keeping_up, 6) == [6]

    assert not keeping_up.overflowed
    assert behind.overflowed and behind.closed


@pytest.mark.parametrize("limits", [LiveLimits(queue_size=10, per_tenant=3, per_address=100)])
def test_a_tenant_may_hold_only_so_many_streams_and_a_closed_one_frees_its_place(hub: LiveHub) -> None:
    held = [hub.subscribe(ACME, P1, ANONYMOUS, f"10.0.0.{n}") for n in range(3)]

    with pytest.raises(StreamLimitReached) as refused:
        hub.subscribe(ACME, None, MODERATOR, "10.0.0.9")
    assert refused.value.scope == "tenant"
    hub.subscribe(GLOBEX, P1, ANONYMOUS, "10.0.0.1")  # another tenant's count is its own

    hub.unsubscribe(held[0])
    hub.unsubscribe(held[0])  # twice changes nothing
    hub.subscribe(ACME, P1, ANONYMOUS, "10.0.0.9")
    with pytest.raises(StreamLimitReached):
        hub.subscribe(ACME, P1, ANONYMOUS, "10.0.0.9")


@pytest.mark.parametrize("limits", [LiveLimits(queue_size=10, per_tenant=100, per_address=2)])
def test_an_address_may_hold_only_so_many_streams_across_tenants(hub: LiveHub) -> None:
    first = hub.subscribe(ACME, P1, ANONYMOUS, "10.0.0.1")
    hub.subscribe(GLOBEX, None, MODERATOR, "10.0.0.1")

    with pytest.raises(StreamLimitReached) as refused:
        hub.subscribe(ACME, ("post", "p2"), ANONYMOUS, "10.0.0.1")
    assert refused.value.scope == "address"
    hub.subscribe(ACME, P1, ANONYMOUS, "10.0.0.2")

    hub.unsubscribe(first)
    hub.subscribe(ACME, P1, ANONYMOUS, "10.0.0.1")


async def test_closing_the_hub_ends_every_subscription_at_once(
    feed: MemoryLiveFeed, fanout: InProcessLiveFanout, limits: LiveLimits
) -> None:
    hub = LiveHub(feed, fanout, limits, sync_seconds=STUCK_SECONDS)
    await hub.start()
    followers = [
        hub.subscribe(ACME, P1, ANONYMOUS, "10.0.0.1"),
        hub.subscribe(ACME, None, MODERATOR, "10.0.0.1"),
        hub.subscribe(GLOBEX, ("post", "p9"), ALICE, "10.0.0.2"),
    ]
    waiting = asyncio.create_task(followers[0].next(STUCK_SECONDS))
    await asyncio.sleep(0)

    await hub.close()

    assert await asyncio.wait_for(waiting, STUCK_SECONDS) == []
    assert all(f.closed and not f.overflowed for f in followers)
    assert hub.subscribers == 0
    await publish(fanout, feed, 1)  # no longer listening
    assert all(f.waiting == 0 for f in followers)
