"""Who viewed a thread page, and counting that view: once per viewer per window of the thread.

Both the routed thread read and the fast read path count views, so the anonymous viewer's
identity (a hash, never the address itself) and what a view counts are written here once: a
reader served from the front must count exactly as the same reader served by the route.
"""

from __future__ import annotations

import hashlib
from collections.abc import Awaitable, Sequence

from threadline.application.ports.cross_cutting import ViewCounter


def anonymous_viewer(client: str, agent: str) -> str:
    """A reader without a token: their address and user agent, hashed so neither is stored."""
    return "a:" + hashlib.blake2b(f"{client}|{agent}".encode(), digest_size=8).hexdigest()


def count_view(
    views: ViewCounter, tenant_id: str, thread: str, viewer: str, comment_ids: Sequence[str]
) -> Awaitable[None]:
    """Every comment on the page was seen; ``thread`` (its cache scope) is the window's key, so
    paging through a thread counts each comment once per viewer. Returns the counter's own
    awaitable (no extra coroutine on the hot path)."""
    return views.record(tenant_id, thread, viewer, comment_ids)
