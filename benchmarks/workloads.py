"""The workloads of the load suite, each with a stable id and the label the report shows.

Targets and results refer to a workload by its id; the label is for people, and
benchmarks/RESULTS.md quotes the labels, so they stay as they were.
"""

from __future__ import annotations

from dataclasses import dataclass

from benchmarks.config import MIXED_DURATION, ONLY


@dataclass(frozen=True)
class Workload:
    id: str
    label: str


CACHED_PAGE = Workload("cached_page", "1 cached page (1,000-comment thread)")
UNCACHED_PAGE = Workload("uncached_page", "2 uncached page (1,000-comment thread)")
DEEP_PAGE = Workload("deep_page_by_cursor", "3 page 500 by cursor (10,000 roots)")
WRITES = Workload("writes", "5 writes (creates+replies)")
MIXED = Workload("mixed", f"6 mixed 95/5 ({MIXED_DURATION} s)")
SEARCH_SELECTIVE = Workload("search_selective", "7 search, selective term (tenant-wide)")
SEARCH_SELECTIVE_THREAD = Workload("search_selective_thread", "7 search, selective term (one thread)")
COUNTS = Workload("counts", "7 counts (50 entities)")
SEARCH_COMMON = Workload("search_common", "7 search, common word (~half the table)")
SEARCH_COMMON_THREAD = Workload("search_common_thread", "7 search, common word (one thread)")
SEARCH_PHRASE = Workload("search_phrase", "7 search, phrase of two common words")
SEARCH_PATHOLOGICAL = Workload("search_pathological", "7 search, 12 common words ANDed")
CEILING = Workload("ceiling", "ceiling: bare ASGI, same bytes")
WRITE_CEILING = Workload("write_ceiling", "ceiling: create transactions, raw driver")
WEBHOOK_DELIVERY = Workload("webhook_delivery", "8 webhooks: 10,000 events, 30% 500s, 5% timeouts")
LIVE_FANOUT = Workload("live_fanout", "9 live: 5,000 SSE subscribers, creates at 50/s")
BROWSER_WIDGET = Workload("browser_widget", "10 browser: widget's first page, 1,000 comments; scroll 500")
# Workloads that start their own servers on fresh databases (no seed, no load run around them).
STANDALONE = frozenset({WEBHOOK_DELIVERY.id, LIVE_FANOUT.id, BROWSER_WIDGET.id})


def first_page(size: int) -> Workload:
    """Workload 4: the first page of a thread of ``size`` comments (one per seeded scale)."""
    return Workload(f"first_page_{size}", f"4 first page, {size:,}-comment thread")


def selected(*workloads: Workload) -> bool:
    """Whether BENCH_ONLY asks for any of these workloads (every one, when it is unset)."""
    return not ONLY or any(
        workload.id in ONLY or (workload.id.startswith("first_page_") and "first_page" in ONLY)
        for workload in workloads
    )
