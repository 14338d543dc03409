"""Which database errors the command runner may retry: only those after which nothing was done."""

from __future__ import annotations

from sqlalchemy.exc import DBAPIError, IntegrityError

from threadline.adapters.sql.engine import is_transient


class _DriverError(Exception):
    def __init__(self, sqlstate: str) -> None:
        super().__init__(sqlstate)
        self.sqlstate = sqlstate


def test_a_transaction_aborted_to_break_a_deadlock_is_retried() -> None:
    assert is_transient(DBAPIError("INSERT …", {}, _DriverError("40P01")))
    assert is_transient(DBAPIError("INSERT …", {}, _DriverError("40001")))


def test_a_refused_write_is_not_retried() -> None:
    assert not is_transient(IntegrityError("INSERT …", {}, _DriverError("23505")))
    assert not is_transient(DBAPIError("INSERT …", {}, _DriverError("22001")))
