"""The command handlers' test harness: the real ``CommandRunner`` over in-memory fakes, and
the actors the tests play."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

from tests.unit.fakes import FakeBus, FakeDatabase
from threadline.application.command_runner import (
    CommandContext,
    CommandOutcome,
    CommandPolicy,
    CommandRunner,
    Handler,
)
from threadline.application.commands.create_comment import create_comment
from threadline.application.ports.projection import StoredEvent
from threadline.domain.commands import (
    ContentFormat,
    CreateComment,
)
from threadline.domain.comment import Comment
from threadline.domain.identity import Actor, Role

TENANT = "tenant-a"
OTHER_TENANT = "tenant-b"


def actor(user_id: str = "alice", role: Role = Role.USER, tenant_id: str = TENANT) -> Actor:
    return Actor(tenant_id, user_id, user_id.title(), f"https://img.test/{user_id}.png", role)


ALICE = actor("alice")
BOB = actor("bob")
MOD = actor("mia", Role.MODERATOR)
ADMIN = actor("ada", Role.ADMIN)


def new_id() -> str:
    return str(uuid.uuid4())


@dataclass
class Harness:
    """A runner over a fake database, with helpers that read the committed state back."""

    db: FakeDatabase = field(default_factory=FakeDatabase)
    bus: FakeBus = field(default_factory=FakeBus)
    policy: CommandPolicy = field(default_factory=CommandPolicy)
    retries: int = 5

    @property
    def runner(self) -> CommandRunner:
        return CommandRunner(uow_factory=self.db.uow, bus=self.bus, policy=self.policy, retries=self.retries)

    async def run(self, handler: Handler[Any], command: object, who: Actor = ALICE) -> CommandOutcome:
        return await self.runner.run(handler, command, CommandContext(who))

    async def create(
        self,
        who: Actor = ALICE,
        content: str = "hello",
        *,
        parent_id: str | None = None,
        entity: tuple[str, str] = ("post", "p1"),
        comment_id: str | None = None,
        content_format: ContentFormat = ContentFormat.PLAIN,
    ) -> Comment:
        command = CreateComment(
            comment_id=comment_id or new_id(),
            entity_type=entity[0],
            entity_id=entity[1],
            content=content,
            content_format=content_format,
            parent_id=parent_id,
        )
        outcome = await self.run(create_comment, command, who)
        assert outcome.comment is not None
        return outcome.comment

    def comment(self, comment_id: str, tenant_id: str = TENANT) -> Comment:
        return self.db.state.comments[(tenant_id, comment_id)]

    @property
    def events(self) -> list[StoredEvent]:
        return self.db.state.events

    def events_of(self, comment_id: str) -> list[StoredEvent]:
        return [e for e in self.events if e.comment_id == comment_id]

    def likers(self, comment_id: str) -> set[str]:
        return {k[2] for k, r in self.db.state.likes.items() if k[1] == comment_id and r.liked}
