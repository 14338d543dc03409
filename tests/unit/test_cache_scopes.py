"""A thread scope names its thread, and reads back as that thread (the live counts learn which
threads a projector batch touched from its scopes)."""

from __future__ import annotations

from threadline.application.queries.cache_scopes import comment_scope, thread_of_scope, thread_scope


def test_a_thread_scope_reads_back_as_its_thread() -> None:
    scope = thread_scope("tenant-1", "post", "a|b c:d")

    assert thread_of_scope(scope) == ("tenant-1", "post", "a|b c:d")


def test_a_comment_scope_names_no_thread() -> None:
    assert thread_of_scope(comment_scope("tenant-1", "c1")) is None
