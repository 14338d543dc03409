"""`make bench-browser` end to end on a small thread, so the benchmark cannot rot: the widget and
the ceiling both render the first page and are measured, the journey loads and scrolls. No figure
is judged here (speed belongs to the benchmark)."""

from __future__ import annotations

import socket

import pytest
from benchmarks.browser_widget import CHROMIUM, Shape, browser_table, browser_targets, run_browser_widget

from tests.backends import IN_CI


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def test_the_browser_benchmark_measures_the_widget_and_its_ceiling() -> None:
    if not CHROMIUM.exists():
        if IN_CI:
            pytest.fail(f"{CHROMIUM} is missing")
        pytest.skip(f"{CHROMIUM} is missing; install it with: apt-get install -y chromium")
    shape = Shape(comments=60, roots=20, runs=1, scrolled=40)

    result = run_browser_widget(shape, port=_free_port())

    widget, ceiling, journey = result["widget"], result["ceiling"], result["journey"]
    assert widget["comments"] == ceiling["comments"] > 20  # the same page: 20 roots and replies
    for measured in (widget, ceiling):
        assert 0 < measured["dom_ms"]["median"] <= measured["painted_ms"]["median"]
    assert "/comments?" in result["page_url"]
    assert journey["comments_in_dom"] >= 40 and journey["wheel_steps"] > 0
    assert journey["scrolled_px"] > 0
    assert len(browser_targets(result)) == 2
    assert browser_table(result).row_count == 2
