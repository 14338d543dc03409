"""The moderation console in a real browser: signing in (a pasted token, a host page's token
callback, a refused reader), the queue and its verdicts (one at a time, in bulk, by keyboard),
bans, locks, search into a comment's history and its author's activity, accessibility, themes
and languages. Data is seeded over the API; only the moderator's actions go through the page."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, Page, Request, expect
from tests.browser.conftest import ARTIFACTS, WAIT_MS, Served, open_widget, shot, wait_live

from threadline.adapters.auth.jwt_tokens import issue_token
from threadline.domain.identity import Role

pytestmark = pytest.mark.xdist_group("browser-console")
# The demo is on, on this module's tenant, for its link to the console.
SERVER_SETTINGS = {"demo_enabled": True, "dev_tenant_name": "browser"}

MOD = "mira"
ACTIVE = "document.getElementById('threadline-console').shadowRoot.activeElement"
ROOT = "document.getElementById('threadline-console').shadowRoot.querySelector('.tc')"


@pytest.fixture(scope="module", autouse=True)
def patient_expectations() -> Iterator[None]:
    """A loaded machine may take longer than expect's 5 s to answer: a liveness guard, not a bound."""
    expect.set_options(timeout=WAIT_MS)
    yield
    expect.set_options(timeout=5_000)


@pytest.fixture(scope="module", autouse=True)
def premoderated(served: Served) -> Iterator[None]:
    """Every reader's comment awaits a moderator here, so each test has a queue to work."""
    served.configure(premoderation=True)
    yield
    served.configure(premoderation=False)


@pytest.fixture(autouse=True)
def empty_queue(served: Served) -> None:
    """Each test starts with nothing waiting, so what it seeds is what the queue shows (a comment
    the last test turned down may still be listed until the read model catches up: skipped)."""
    auth = {"Authorization": f"Bearer {served.token(MOD, Role.MODERATOR)}"}
    position = 0
    while True:
        params = {"limit": 100, "min_position": position}
        waiting = served.http.get(served.base + "/v1/moderation/queue", params=params, headers=auth)
        if not waiting.json()["data"]:
            return
        for entry in waiting.json()["data"]:
            done = served.http.post(
                f"{served.base}/v1/comments/{entry['comment']['id']}/approve", headers=auth
            )
            assert done.status_code in (200, 409), done.text
            position = max(position, done.json().get("position", 0))


def mod(served: Served, method: str, path: str, **kw: Any) -> Any:
    return served.send(method, path, user=MOD, role=Role.MODERATOR, **kw)


def pending(served: Served, entity_id: str, content: str, user: str = "alice", **kw: Any) -> str:
    created = served.comment(entity_id, content, user=user, **kw)
    assert created["status"] == "PENDING"
    # In the queue before the console first reads it: a page opened earlier would show a queue
    # without it, and the console reads its queue once, when it opens.
    served.settle(created["position"])
    comment_id: str = created["id"]
    return comment_id


def published(served: Served, entity_id: str, content: str, user: str = "alice") -> str:
    comment_id = pending(served, entity_id, content, user)
    served.settle(mod(served, "POST", f"/v1/comments/{comment_id}/approve")["position"])
    return comment_id


def sign_in(page: Page, served: Served, user: str = MOD, role: Role = Role.MODERATOR) -> None:
    page.goto(served.base + "/console/")
    page.locator("form.sign-in textarea").fill(served.token(user, role))
    page.locator("form.sign-in button[type=submit]").click()


def queue_item(page: Page, comment_id: str) -> Any:
    return page.locator(f"ul.queue > li[data-id='{comment_id}']")


def queued_texts(page: Page) -> list[str]:
    texts: list[str] = page.locator("ul.queue > li .content").all_text_contents()
    return texts


def test_a_moderator_pastes_a_token_and_sees_the_queue_oldest_first_with_reasons(
    served: Served, page: Page
) -> None:
    waiting = [pending(served, "queue", f"Waiting comment {i}", user=f"writer{i % 3}") for i in range(21)]
    reported = published(served, "queue", "A comment some readers dislike", user="bob")
    for reader, reason in (("carol", "spam"), ("dave", "rude to others")):
        served.send("POST", f"/v1/comments/{reported}/report", user=reader, json={"reason": reason})
    sign_in(page, served)
    expect(page.locator("p.who")).to_have_text("Signed in as Mira (moderator)")
    expect(page.locator("ul.queue > li")).to_have_count(20)
    assert queued_texts(page) == [f"Waiting comment {i}" for i in range(20)]
    expect(queue_item(page, waiting[0]).locator(".badge.s-pending")).to_have_text("Pending")

    page.locator("button.more").click()
    expect(page.locator("ul.queue > li")).to_have_count(22)
    assert queued_texts(page)[20:] == ["Waiting comment 20", "A comment some readers dislike"]
    item = queue_item(page, reported)
    expect(item.locator(".badge.reported")).to_have_text("2 reports")
    expect(item.locator(".reasons q")).to_have_text(["rude to others", "spam"])
    # The token stays in this tab only.
    assert page.evaluate("() => !!sessionStorage.getItem('threadline-console-token')")
    page.evaluate("() => scrollTo(0, document.body.scrollHeight)")
    page.screenshot(path=str(ARTIFACTS / "console-queue.png"))  # the last screenful: both kinds

    page.get_by_label("Show").select_option("reported")
    expect(page.locator("ul.queue > li")).to_have_count(1)
    expect(queue_item(page, reported)).to_have_count(1)
    assert page.errors == []  # type: ignore[attr-defined]


def test_a_comment_approved_in_the_console_appears_live_in_an_anonymous_readers_widget(
    served: Served, page: Page, browser: Browser
) -> None:
    root = published(served, "live-approve", "Is the bridge open?", user="bob")
    reply = pending(served, "live-approve", "Yes, since Monday.", user="alice", parent_id=root)
    reader = browser.new_context()
    reader.set_default_timeout(WAIT_MS)
    widget = reader.new_page()
    try:
        open_widget(widget, served.host.page("/reader.html", tenant=served.tenant, entity_id="live-approve"))
        wait_live(widget)
        expect(widget.locator(".replies .body")).to_have_count(0)
        sign_in(page, served)
        queue_item(page, reply).locator("button.approve").click()
        expect(queue_item(page, reply).locator(".result")).to_have_text("Approved")
        expect(widget.locator(".replies .body")).to_have_text("Yes, since Monday.")
    finally:
        reader.close()


def test_a_comment_is_rejected_with_a_reason(served: Served, page: Page) -> None:
    doomed = pending(served, "reject", "Buy cheap watches here", user="spammer")
    sign_in(page, served)
    item = queue_item(page, doomed)
    item.locator("button.reject-open").click()
    expect(item.get_by_label("Reason for rejecting (optional)")).to_be_focused()
    page.keyboard.press("Escape")  # changed their mind: back where they were
    expect(item.locator("form.reject")).to_be_hidden()
    expect(item.locator("button.reject-open")).to_be_focused()
    item.locator("button.reject-open").click()
    item.get_by_label("Reason for rejecting (optional)").fill("advertising")
    item.locator("form.reject button[type=submit]").click()
    expect(item.locator(".result")).to_have_text("Rejected")
    expect(item.locator("button.approve")).to_have_count(0)
    trail = served.send(
        "GET", "/v1/admin/audit", user="root", role=Role.ADMIN, params={"comment_id": doomed}
    )["data"]
    rejected = [event for event in trail if event["event_type"] == "CommentRejected"]
    assert [event["payload"].get("reason") for event in rejected] == ["advertising"]


def test_bulk_approve_sends_one_request_per_comment_and_keeps_failures_selected(
    served: Served, page: Page
) -> None:
    chosen = [pending(served, "bulk", f"Bulk comment {i}", user="erin") for i in range(3)]
    keys: list[str] = []

    def record(request: Request) -> None:
        if request.method == "POST" and request.url.endswith("/approve"):
            keys.append(request.headers.get("idempotency-key", ""))

    page.on("request", record)
    sign_in(page, served)
    expect(page.locator("ul.queue > li")).to_have_count(3)
    page.get_by_label("Select all on this page").check()
    expect(page.locator(".bulk .count")).to_have_text("3 selected")
    # Meanwhile another moderator turns one down: approving it fails, and it stays selected.
    mod(served, "POST", f"/v1/comments/{chosen[1]}/reject", json={"reason": "off-topic"})
    page.locator("button", has_text="Approve selected").click()
    expect(page.locator("p.summary")).to_have_text("Done: 2. Failed: 1.")
    for index in (0, 2):
        expect(queue_item(page, chosen[index]).locator(".result")).to_have_text("Approved")
        expect(queue_item(page, chosen[index]).locator("input[type=checkbox]")).not_to_be_checked()
    failed = queue_item(page, chosen[1])
    expect(failed.locator(".result")).to_have_text("Failed: That comment no longer exists.")
    expect(failed.locator("input[type=checkbox]")).to_be_checked()
    expect(failed.locator("input[type=checkbox]")).to_be_focused()
    expect(page.locator(".bulk .count")).to_have_text("1 selected")
    assert len(keys) == 3 and len(set(keys)) == 3 and all(re.fullmatch(r"[0-9a-f-]{36}", k) for k in keys)


def test_a_ban_with_an_expiry_is_listed_and_lifted(served: Served, page: Page) -> None:
    sign_in(page, served)
    page.locator("nav button", has_text="Bans").click()
    expect(page.locator("h2")).to_be_focused()
    form = page.locator("form", has_text="Ban a user")
    form.get_by_label("User id").fill("troll")
    form.get_by_label("Reason").fill("spam links")
    form.get_by_label("Expires").fill("2030-01-01T12:00")
    form.locator("button[type=submit]").click()
    row = page.locator("tr[data-user='troll']")
    expect(row).to_contain_text("spam links")
    expect(row.locator("time")).to_have_count(2)
    bans = mod(served, "GET", "/v1/moderation/bans")["data"]
    troll = next(ban for ban in bans if ban["user_id"] == "troll")
    assert troll["reason"] == "spam links" and troll["expires_at"].startswith("2030-01-01")
    shot(page, "console-bans")
    with page.expect_response(lambda r: r.request.method == "DELETE") as lifted:
        row.get_by_role("button", name="Lift the ban on troll").click()
    expect(page.locator("tr[data-user='troll']")).to_have_count(0)
    served.settle(lifted.value.json()["position"])  # however long a loaded projector takes
    after = mod(served, "GET", "/v1/moderation/bans")["data"]
    assert all(ban["user_id"] != "troll" for ban in after), after
    expect(page.locator("tr[data-user='troll']")).to_have_count(0)


def test_a_thread_is_locked_and_unlocked(served: Served, page: Page) -> None:
    sign_in(page, served)
    page.locator("nav button", has_text="Locked threads").click()
    form = page.locator("form", has_text="Lock a thread")
    form.get_by_label("Thread id").fill("heated")
    form.get_by_label("Reason").fill("cooling off")
    form.locator("button[type=submit]").click()
    row = page.locator("tr[data-thread='post / heated']")
    expect(row).to_contain_text("cooling off")
    thread = served.http.get(
        f"{served.base}/v1/entities/post/heated/comments", headers={"X-Tenant-ID": served.tenant.id}
    ).json()
    assert thread["meta"]["locked"] is True
    shot(page, "console-locks")
    row.get_by_role("button", name="Unlock post / heated").click()
    expect(page.locator("tr[data-thread='post / heated']")).to_have_count(0)
    expect(page.locator("p.empty")).to_have_text("No thread is locked.")


def test_search_leads_to_a_comments_history_with_word_diffs_and_to_its_authors_activity(
    served: Served, page: Page
) -> None:
    written = published(served, "history", "The quick brown fox sleeps", user="dora")
    served.send("PATCH", f"/v1/comments/{written}", user="dora", json={"content": "The quick red fox sleeps"})
    edited = served.send(
        "PATCH", f"/v1/comments/{written}", user="dora", json={"content": "The quick red fox jumps high"}
    )
    served.settle(edited["position"])
    sign_in(page, served)
    page.locator("nav button", has_text="Search").click()
    expect(page.get_by_label("Search all comments")).to_be_focused()
    page.get_by_label("Search all comments").fill("fox")
    page.keyboard.press("Enter")
    hit = page.locator(f"ol.results > li[data-id='{written}']")
    expect(hit.locator("mark")).to_have_text("fox")

    hit.get_by_role("button", name="History of the comment by Dora").click()
    expect(page.locator("h2")).to_have_text("A comment's history")
    expect(page.locator("h2")).to_be_focused()
    edits = page.locator("ol.timeline > li[data-event='CommentUpdated']")
    expect(edits).to_have_count(2)
    expect(edits.nth(0).locator("del")).to_have_text("brown")
    expect(edits.nth(0).locator("ins")).to_have_text("red")
    expect(edits.nth(1).locator("ins")).to_have_text("jumps high")
    expect(edits.nth(1).locator("del")).to_have_text("sleeps")
    approval = page.locator("ol.timeline > li[data-event='CommentApproved']")
    expect(approval).to_contain_text(f"by {MOD} (moderator)")
    shot(page, "console-history")
    results = Axe().run(page)
    assert results.violations_count == 0, results.generate_report()

    page.locator(".card").get_by_role("button", name="Author's activity").click()
    expect(page.locator("h2")).to_have_text("Activity of dora")
    expect(page.locator(f"ul.comments > li[data-id='{written}'] .content")).to_have_text(
        "The quick red fox jumps high"
    )
    expect(page.locator("ol.actions-list > li[data-event='CommentApproved']")).to_have_count(1)
    ban = page.locator("section.ban")
    shot(page, "console-user")
    results = Axe().run(page)
    assert results.violations_count == 0, results.generate_report()
    ban.get_by_label("Reason").fill("cooling off")
    ban.locator("button[type=submit]").click()
    expect(page.locator("section.ban .banned")).to_have_text("Banned until lifted — cooling off")
    page.get_by_role("button", name="Lift the ban on dora").click()
    expect(page.locator("section.ban")).to_contain_text("Not banned.")
    page.locator("button.back").click()
    expect(page.locator("h2")).to_have_text("A comment's history")


def test_the_console_mounted_in_a_host_page_asks_the_host_again_for_an_expired_token(
    served: Served, page: Page
) -> None:
    pending(served, "mounted", "Seen from the host's admin page", user="frank")
    expired = issue_token(served.tenant, user_id=MOD, name="Mira", role=Role.MODERATOR, ttl_seconds=-120)
    fresh = served.token(MOD, Role.MODERATOR)
    served.host.add(
        "/console-host.js",
        f"""window.asked = 0;
window.threadline = {{ token: async () => (++window.asked === 1 ? "{expired}" : "{fresh}") }};""",
        "text/javascript",
    )
    url = served.host.add(
        "/admin.html",
        f"""<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Admin</title>
<script src="/console-host.js"></script></head><body><main><h1>Our admin</h1>
<div id="threadline-console"></div>
<script src="{served.base}/console.js" data-tenant="{served.tenant.id}" data-lang="fr" async></script>
</main></body></html>""",
    )
    page.goto(url)
    expect(page.locator("ul.queue > li .content")).to_have_text(["Seen from the host's admin page"])
    expect(page.locator("h2")).to_have_text("File d'attente")
    assert page.evaluate("() => window.asked") == 2
    assert page.evaluate("() => sessionStorage.length") == 0  # the host keeps the token, not the console
    results = Axe().run(page)  # a region of the host's page, not a second page in it
    assert results.violations_count == 0, results.generate_report()
    page.locator("ul.queue button.approve").click()
    expect(page.locator("ul.queue .result")).to_have_text("Approuvé")
    assert page.errors == []  # type: ignore[attr-defined]


def test_a_readers_token_is_refused_with_a_message(served: Served, page: Page) -> None:
    sign_in(page, served, user="alice", role=Role.USER)
    expect(page.locator("p.refused")).to_have_text(
        "Alice is neither a moderator nor an admin: the console is only for a site's moderators and admins."
    )
    expect(page.locator("nav")).to_have_count(0)


def test_an_expired_pasted_token_asks_to_sign_in_again(served: Served, page: Page) -> None:
    expired = issue_token(served.tenant, user_id=MOD, name="Mira", role=Role.MODERATOR, ttl_seconds=-120)
    page.goto(served.base + "/console/")
    page.locator("form.sign-in textarea").fill(expired)
    page.locator("form.sign-in button[type=submit]").click()
    expect(page.locator("form.sign-in .error")).to_have_text("Your session has expired. Sign in again.")
    expect(page.locator("form.sign-in textarea")).to_be_focused()
    assert page.evaluate("() => sessionStorage.getItem('threadline-console-token')") is None


def test_a_token_handed_over_in_the_fragment_signs_in_and_leaves_the_address(
    served: Served, page: Page
) -> None:
    page.goto(f"{served.base}/console/#token={served.token(MOD, Role.MODERATOR)}")
    expect(page.locator("p.who")).to_have_text("Signed in as Mira (moderator)")
    assert page.url == served.base + "/console/"


def test_the_demo_opens_the_console_for_its_moderator_but_offers_it_no_reader(
    served: Served, page: Page
) -> None:
    page.goto(served.base + "/demo?as=alice")
    page.wait_for_selector("section.tl[data-ready]")
    expect(page.locator("#console-link")).to_be_hidden()
    page.goto(served.base + "/demo?as=mira")
    link = page.get_by_role("link", name="Open the moderation console")
    expect(link).to_have_attribute("href", re.compile(r"^/console/#token=ey"))
    link.click()
    expect(page.locator("p.who")).to_have_text("Signed in as Mira (moderator)")
    assert page.url == served.base + "/console/"


def test_a_comment_is_approved_with_the_keyboard_alone(served: Served, page: Page) -> None:
    first = pending(served, "keys", "First by keyboard", user="gina")
    second = pending(served, "keys", "Second by keyboard", user="gina")
    page.goto(served.base + "/console/")
    page.locator("form.sign-in textarea").focus()
    page.keyboard.insert_text(served.token(MOD, Role.MODERATOR))
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    expect(queue_item(page, first)).to_have_count(1)
    for _ in range(60):
        page.keyboard.press("Tab")
        if page.evaluate(f"() => !!{ACTIVE}?.matches('li.item button.approve')"):
            break
    else:
        raise AssertionError("Tab never reached an Approve button")
    assert page.evaluate(f"() => {ACTIVE}.closest('li.item').dataset.id") == first
    assert page.evaluate(f"() => getComputedStyle({ACTIVE}).outlineStyle") == "solid"
    page.keyboard.press("Enter")
    expect(queue_item(page, first).locator(".result")).to_have_text("Approved")
    # Focus moves on to the next comment's verdict.
    page.wait_for_function(
        f"() => {ACTIVE}?.matches('button.approve') && {ACTIVE}.closest('li.item').dataset.id === '{second}'"
    )
    expect(page.locator("div.sr[role=status]")).to_have_text("Approved")


def test_axe_finds_no_violations_in_the_light_and_dark_console(served: Served, page: Page) -> None:
    pending(served, "axe", "A comment to look at", user="hana")
    reported = published(served, "axe", "A reported one", user="hana")
    served.send("POST", f"/v1/comments/{reported}/report", user="ivan", json={"reason": "spam"})
    axe = Axe()
    page.goto(served.base + "/console/")
    expect(page.locator("form.sign-in")).to_be_visible()
    assert axe.run(page).violations_count == 0, axe.run(page).generate_report()
    sign_in(page, served)
    expect(page.locator("ul.queue > li")).to_have_count(2)
    results = axe.run(page)
    assert results.violations_count == 0, results.generate_report()
    background = f"() => getComputedStyle({ROOT}).backgroundColor"
    assert page.evaluate(background) == "rgb(255, 255, 255)"
    page.emulate_media(color_scheme="dark")  # "auto" follows the reader's system
    assert page.evaluate(background) == "rgb(21, 23, 28)"
    page.emulate_media(color_scheme="light")
    page.get_by_label("Theme").select_option("dark")  # and the override wins over it
    assert page.evaluate(background) == "rgb(21, 23, 28)"
    expect(page.locator(".tc[data-theme=dark]")).to_have_count(1)
    results = axe.run(page)
    assert results.violations_count == 0, results.generate_report()
    shot(page, "console-dark")
    page.locator("nav button", has_text="Bans").click()
    expect(page.locator("table tbody:not([aria-busy])")).to_have_count(1)
    results = axe.run(page)
    assert results.violations_count == 0, results.generate_report()


def test_the_console_speaks_the_browsers_language_and_switches_to_arabic_right_to_left(
    served: Served, browser: Browser
) -> None:
    pending(served, "lang", "Un commentaire", user="jules")
    context = browser.new_context(locale="de-DE", viewport={"width": 900, "height": 900})
    context.set_default_timeout(WAIT_MS)
    page = context.new_page()
    try:
        sign_in(page, served)
        expect(page.locator("h2")).to_have_text("Warteschlange")
        expect(page.locator("ul.queue button.approve")).to_have_text("Freigeben")
        assert page.evaluate("() => document.documentElement.lang") == "de"
        page.get_by_label("Sprache").select_option("ar")
        expect(page.locator("h2")).to_have_text("قائمة الانتظار")
        expect(page.locator("ul.queue button.approve")).to_have_text("موافقة")
        assert page.locator(".tc").get_attribute("dir") == "rtl"
        assert page.evaluate("() => document.documentElement.dir") == "rtl"
        # Right to left: the nav's first tab sits at the right edge.
        tabs = page.locator("nav button")
        assert tabs.nth(0).bounding_box()["x"] > tabs.nth(1).bounding_box()["x"]  # type: ignore[index]
        shot(page, "console-rtl")
        page.reload()  # the choice is kept
        expect(page.locator("h2")).to_have_text("قائمة الانتظار")
    finally:
        context.close()
