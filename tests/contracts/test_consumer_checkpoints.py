"""The log consumers' checkpoints: a position per consumer, never moved back, on SQLite and
PostgreSQL (the only implementation is SQL: the relay's tests run on both)."""

from __future__ import annotations

import pytest

from threadline.adapters.sql.consumer_checkpoints import SqlConsumerCheckpoints
from threadline.application.ports.log_consumers import ConsumerCheckpoints
from threadline.bootstrap import Threadline

RELAY = "relay:nats:THREADLINE"


class ConsumerCheckpointsContract:
    @pytest.fixture
    def checkpoints(self) -> ConsumerCheckpoints:
        raise NotImplementedError("each implementation provides its checkpoints")

    async def test_a_consumer_never_stored_starts_at_zero(self, checkpoints: ConsumerCheckpoints) -> None:
        assert await checkpoints.position(RELAY) == 0

    async def test_a_stored_position_is_where_the_consumer_resumes(
        self, checkpoints: ConsumerCheckpoints
    ) -> None:
        await checkpoints.store(RELAY, 7)
        await checkpoints.store(RELAY, 12)
        assert await checkpoints.position(RELAY) == 12

    async def test_a_checkpoint_never_moves_back(self, checkpoints: ConsumerCheckpoints) -> None:
        await checkpoints.store(RELAY, 12)
        await checkpoints.store(RELAY, 5)  # an older copy of the consumer, late
        assert await checkpoints.position(RELAY) == 12

    async def test_each_consumer_has_its_own_checkpoint(self, checkpoints: ConsumerCheckpoints) -> None:
        await checkpoints.store(RELAY, 3)
        await checkpoints.store("webhooks:subscription-1", 9)
        assert (await checkpoints.position(RELAY), await checkpoints.position("webhooks:subscription-1")) == (
            3,
            9,
        )


class TestSqliteConsumerCheckpoints(ConsumerCheckpointsContract):
    @pytest.fixture
    def checkpoints(self, sqlite_threadline: Threadline) -> ConsumerCheckpoints:
        return SqlConsumerCheckpoints(sqlite_threadline.write_db.writer)


class TestPostgresConsumerCheckpoints(ConsumerCheckpointsContract):
    @pytest.fixture
    def checkpoints(self, postgres_threadline: Threadline) -> ConsumerCheckpoints:
        return SqlConsumerCheckpoints(postgres_threadline.write_db.writer)
