"""The widget on a server that enforces its write limits: a reader who writes too fast is told so
in words, and keeps what they wrote."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect
from tests.browser.conftest import Served, open_widget, shot

pytestmark = pytest.mark.xdist_group("browser-rate-limits")

WRITES_PER_MINUTE = 3


SERVER_SETTINGS = {"rate_limits_enabled": True, "rate_limit_writes_per_user": f"{WRITES_PER_MINUTE}/minute"}


def test_a_reader_who_writes_too_fast_is_told_to_wait_and_keeps_the_draft(served: Served, page: Page) -> None:
    for n in range(WRITES_PER_MINUTE):
        served.comment("fast", f"Quick thought {n}", user="speedy")
    open_widget(
        page,
        served.host.page("/fast.html", tenant=served.tenant, entity_id="fast", token=served.token("speedy")),
    )
    composer = page.locator("form.composer").first
    composer.locator("textarea").fill("One more, right away")
    composer.locator("button[type=submit]").click()

    expect(composer.locator(".error")).to_have_text("You are going too fast. Wait a moment and try again.")
    expect(composer.locator("textarea")).to_have_value("One more, right away")
    shot(page, "error-rate-limited")
    # The limit is the user's own: another reader on the same page may still write.
    other = page.context.new_page()
    open_widget(
        other,
        served.host.page("/fast-2.html", tenant=served.tenant, entity_id="fast", token=served.token("calm")),
    )
    other.locator("form.composer textarea").first.fill("Taking my time")
    other.locator("form.composer button[type=submit]").first.click()
    expect(other.locator("li.item article", has_text="Taking my time")).to_have_count(1)
    # Nothing of the refused attempt was kept: a fresh reader sees the four that were accepted.
    open_widget(page, served.host.page("/fast-3.html", tenant=served.tenant, entity_id="fast"))
    expect(page.locator("li.item article", has_text="Taking my time")).to_have_count(1)
    expect(page.locator("li.item article")).to_have_count(WRITES_PER_MINUTE + 1)
    expect(page.locator("li.item article", has_text="One more, right away")).to_have_count(0)
