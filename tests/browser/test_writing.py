"""Writing journeys in a real browser: two signed-in readers replying to each other live, editing,
deleting to a tombstone, liking, the API's refusals as readable messages, pre-moderation, the
token callback, and a reply posted with the keyboard alone."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, Locator, Page, expect
from tests.browser.conftest import WAIT_MS, Served, open_widget, shot, wait_live

from threadline.adapters.auth.jwt_tokens import issue_token
from threadline.domain.identity import Role

pytestmark = pytest.mark.xdist_group("browser-writing")

ACTIVE = "document.getElementById('threadline').shadowRoot.activeElement"


def bodies(page: Page, text: str) -> Locator:
    """The bodies of the comments that say exactly ``text`` (a comment's own, not its replies')."""
    return page.locator("article > .body", has_text=re.compile(f"^{re.escape(text)}$"))


FIND_ITEM = """text => {
  const shadow = document.getElementById('threadline').shadowRoot;
  const body = [...shadow.querySelectorAll('article > .body')].find(b => b.textContent.trim() === text);
  return body ? body.closest('li.item').dataset.id : null;
}"""


def item(page: Page, text: str) -> Locator:
    """The comment that says ``text``, with its replies, once it is shown (found in one step: a
    live message may render its article again at any moment)."""
    comment_id = page.wait_for_function(FIND_ITEM, arg=text).json_value()
    return page.locator(f"li.item[data-id='{comment_id}']")


def test_two_readers_see_each_other_s_replies_arrive_live(served: Served, browser: Browser) -> None:
    root = served.comment("live", "Where shall we meet?", user="carol")
    served.settle(root["position"])
    pages = []
    for user in ("alice", "bob"):
        context = browser.new_context()
        context.set_default_timeout(WAIT_MS)
        page = context.new_page()
        url = served.host.page(
            f"/live-{user}.html", tenant=served.tenant, entity_id="live", token=served.token(user)
        )
        open_widget(page, url)
        wait_live(page)
        pages.append(page)
    alice, bob = pages
    try:
        item(alice, "Where shall we meet?").locator(":scope > article button.reply").click()
        item(alice, "Where shall we meet?").locator(":scope textarea").fill("At the station.")
        item(alice, "Where shall we meet?").locator(":scope button[type=submit]").click()
        expect(item(bob, "Where shall we meet?").locator(":scope > ul.replies .body")).to_have_text(
            "At the station."
        )

        item(bob, "At the station.").locator(":scope > article button.reply").click()
        item(bob, "At the station.").locator(":scope textarea").fill("See you at **noon**.")
        item(bob, "At the station.").locator(":scope button[type=submit]").click()
        expect(item(alice, "At the station.").locator(":scope > ul.replies strong")).to_have_text("noon")
        for page in pages:  # every reply is shown, so none is announced as still to load
            expect(item(page, "Where shall we meet?").locator(":scope > button.more-replies")).to_be_hidden()
            expect(item(page, "At the station.").locator(":scope > button.more-replies")).to_be_hidden()

        # A new root comment does not shift what Alice reads: it waits behind the banner.
        served.comment("live", "A new topic", user="bob")
        banner = alice.locator("button.banner")
        expect(banner).to_have_text("1 new comment — show")
        expect(alice.locator("div.sr[role=status]")).to_have_text("1 new comment")
        assert bodies(alice, "A new topic").count() == 0
        banner.click()
        expect(alice.locator("ul.list > li").first.locator(":scope > article .body")).to_have_text(
            "A new topic"
        )
        expect(banner).to_be_hidden()
        # Each comment once, however many messages named it.
        assert bodies(alice, "At the station.").count() == 1
        shot(alice, "live-replies")
    finally:
        for page in pages:
            page.context.close()


def test_edit_delete_to_a_tombstone_like_and_unlike(served: Served, page: Page) -> None:
    other = served.comment("own", "Bob thinks so", user="bob")
    served.settle(other["position"])
    open_widget(
        page,
        served.host.page("/own.html", tenant=served.tenant, entity_id="own", token=served.token("alice")),
    )
    wait_live(page)

    page.locator("form.composer textarea").first.fill("My first take")
    page.locator("form.composer button[type=submit]").first.click()
    mine = item(page, "My first take")
    expect(mine).to_have_count(1)
    mine.locator(":scope > article button.edit").click()
    mine.locator("textarea").fill("My *second* take")
    mine.locator("button[type=submit]").click()
    edited = item(page, "My second take")
    expect(edited.locator(":scope > article .edited")).to_have_text("edited")
    expect(edited.locator(":scope > article .body em")).to_have_text("second")
    # The author may read the edit history (as raw text, never as HTML).
    edited.locator(":scope > article button.edited").click()
    expect(edited.locator(":scope > article .history .was")).to_have_text("Before: My first take")
    edited.locator(":scope > article .history button").click()
    expect(edited.locator(":scope > article .history")).to_have_count(0)

    like = item(page, "Bob thinks so").locator(":scope > article button.like")
    like.click()
    expect(like).to_have_attribute("aria-pressed", "true")
    expect(like).to_contain_text("1")
    like.click()
    expect(like).to_have_attribute("aria-pressed", "false")
    expect(like).to_contain_text("0")

    served.comment("own", "A reply that keeps it", user="bob", parent_id=edited.get_attribute("data-id"))
    expect(edited.locator(":scope > ul.replies .body")).to_have_text("A reply that keeps it")
    delete = edited.locator(":scope > article button.delete")
    delete.click()
    expect(delete).to_have_text("Really delete?")
    delete.click()
    tomb = page.locator(f"li.item[data-id='{edited.get_attribute('data-id')}'] > article")
    expect(tomb.locator(".tomb")).to_have_text("This comment was deleted.")
    expect(tomb.locator("button")).to_have_count(0)
    expect(item(page, "A reply that keeps it")).to_have_count(1)
    shot(page, "tombstone")


def test_a_banned_user_is_told_so_in_their_language(served: Served, page: Page) -> None:
    served.send(
        "PUT", "/v1/moderation/bans/mallory", user="mod", role=Role.MODERATOR, json={"reason": "spam"}
    )
    url = served.host.page(
        "/banned.html", tenant=served.tenant, entity_id="banned", token=served.token("mallory")
    )
    open_widget(page, url)
    page.locator("form.composer textarea").fill("Let me in")
    page.locator("form.composer button[type=submit]").click()
    expect(page.locator("form.composer .error")).to_have_text("You have been banned from commenting here.")
    shot(page, "error-banned")
    url = served.host.page(
        "/banned-de.html", tenant=served.tenant, entity_id="banned", token=served.token("mallory"), lang="de"
    )
    open_widget(page, url)
    page.locator("form.composer textarea").fill("Lass mich rein")
    page.locator("form.composer button[type=submit]").click()
    expect(page.locator("form.composer .error")).to_have_text("Du wurdest hier für Kommentare gesperrt.")


def test_a_reply_can_be_posted_with_the_keyboard_alone(served: Served, page: Page) -> None:
    served.settle(served.comment("keys", "Reply to me with keys", user="bob")["position"])
    open_widget(
        page,
        served.host.page("/keys.html", tenant=served.tenant, entity_id="keys", token=served.token("alice")),
    )
    for _ in range(40):
        page.keyboard.press("Tab")
        if page.evaluate(f"() => !!{ACTIVE}?.matches('li.item > article button.reply')"):
            break
    else:
        raise AssertionError("Tab never reached a Reply button")
    page.keyboard.press("Enter")
    assert page.evaluate(f"() => {ACTIVE}?.tagName") == "TEXTAREA"
    page.keyboard.type("Typed, not clicked")
    for _ in range(5):
        page.keyboard.press("Tab")
        if page.evaluate(f"() => {ACTIVE}?.type") == "submit":
            break
    page.keyboard.press("Enter")
    reply = item(page, "Typed, not clicked")
    expect(reply).to_have_count(1)
    # Focus lands on the new reply, so a screen reader reads what was posted.
    page.wait_for_function(
        f"() => {ACTIVE}?.closest('li.item')?.dataset.id === '{reply.get_attribute('data-id')}'"
    )


def test_a_pre_moderated_comment_awaits_approval_for_its_author(served: Served, page: Page) -> None:
    served.configure(premoderation=True)
    try:
        _author_sees_pending(served, page)
    finally:
        served.configure(premoderation=False)


def _author_sees_pending(served: Served, page: Page) -> None:
    url = served.host.page(
        "/pending.html", tenant=served.tenant, entity_id="pending", token=served.token("alice")
    )
    open_widget(page, url)
    page.locator("form.composer textarea").fill("Please approve me")
    page.locator("form.composer button[type=submit]").click()
    pending = item(page, "Please approve me")
    expect(pending.locator(":scope > article .badge.pending")).to_have_text("Awaiting approval")
    expect(page.locator("div.sr[role=status]")).to_contain_text("awaits a moderator")
    # Still there for its author after a reload (the thread's own pending list).
    open_widget(page, url)
    expect(item(page, "Please approve me").locator(":scope > article .badge.pending")).to_have_count(1)
    shot(page, "pending")


def test_the_token_callback_is_asked_again_after_the_token_expired(served: Served, page: Page) -> None:
    served.settle(served.comment("callback", "Hello", user="bob")["position"])
    served.host.add(
        "/callback.js",
        f"""window.__asked = 0;
window.threadline = {{
  token: async () => (++window.__asked === 1 ? "{_expired(served)}" : "{served.token("alice")}"),
}};""",
        "text/javascript",
    )
    url = served.host.page(
        "/callback.html",
        tenant=served.tenant,
        entity_id="callback",
        head='<script src="/callback.js"></script>',
    )
    open_widget(page, url)
    page.locator("form.composer textarea").fill("Posted with a renewed token")
    page.locator("form.composer button[type=submit]").click()
    expect(item(page, "Posted with a renewed token")).to_have_count(1)
    assert page.evaluate("window.__asked") >= 2


def _expired(served: Served) -> str:
    """A token that expired two minutes ago (past the verifier's leeway)."""
    return issue_token(served.tenant, user_id="alice", name="Alice", role=Role.USER, ttl_seconds=-120)


def test_without_a_token_the_widget_reads_only_and_asks_the_host_to_sign_in(
    served: Served, page: Page
) -> None:
    served.settle(served.comment("anon", "Read me", user="bob")["position"])
    served.host.add(
        "/signin.js",
        """window.__signin = 0;
document.addEventListener("threadline:signin", () => { window.__signin += 1; });
window.threadline = { token: async () => null, signIn: () => { window.__signin += 10; } };""",
        "text/javascript",
    )
    url = served.host.page(
        "/anon.html", tenant=served.tenant, entity_id="anon", head='<script src="/signin.js"></script>'
    )
    open_widget(page, url)
    expect(page.locator("textarea")).to_have_count(0)
    expect(item(page, "Read me").locator(":scope > article button.edit")).to_have_count(0)
    page.locator("button.signin").click()
    assert page.evaluate("window.__signin") == 11


def test_a_dropped_stream_resumes_without_losing_or_repeating_a_change(served: Served, page: Page) -> None:
    root = served.comment("drop", "Before the drop", user="bob")
    served.settle(root["position"])
    url = served.host.page(
        "/drop.html", tenant=served.tenant, entity_id="drop", api_origin=served.relay.origin
    )
    open_widget(page, url)
    wait_live(page)
    served.relay.sever()
    page.wait_for_selector("section.tl[data-live=reconnecting]")
    served.comment("drop", "Said while you were away", user="bob", parent_id=root["id"])
    served.send(
        "PATCH", f"/v1/comments/{root['id']}", user="bob", json={"content": "Before the drop, edited"}
    )
    expect(item(page, "Said while you were away")).to_have_count(1)
    expect(item(page, "Before the drop, edited").locator(":scope > article .edited")).to_have_text("edited")
    wait_live(page)
    assert bodies(page, "Said while you were away").count() == 1


def test_locked_threads_and_overlong_comments_are_explained(served: Served, page: Page) -> None:
    open_widget(
        page,
        served.host.page("/lock.html", tenant=served.tenant, entity_id="lock", token=served.token("alice")),
    )
    wait_live(page)
    page.locator("form.composer textarea").fill("A draft")
    page.locator("#tl-sort").select_option("oldest")
    page.wait_for_selector("section.tl:not([aria-busy])")
    expect(page.locator("form.composer textarea")).to_have_value("A draft")  # a sort switch keeps it
    page.locator("form.composer textarea").fill("x" * 10_001)
    page.locator("form.composer button[type=submit]").click()
    expect(page.locator("form.composer .error")).to_have_text(
        "Your comment is too long (at most 10,000 characters)."
    )
    served.send("PUT", "/v1/entities/post/lock/lock", user="mod", role=Role.MODERATOR)
    # The thread's live stream says it is locked: the composer gives way to the notice.
    expect(page.locator(".compose .notice")).to_have_text("This thread is locked: no new comments.")
    expect(page.locator("form.composer")).to_have_count(0)


def test_a_moderator_approves_pins_and_locks_from_the_comment_s_menu(
    served: Served, browser: Browser
) -> None:
    served.configure(premoderation=True)
    pages: list[Page] = []
    try:
        awaiting = served.comment("moderated", "Approve me please", user="alice")
        assert awaiting["status"] == "PENDING"
        served.settle(awaiting["position"])
        for name, token in (("reader", None), ("mira", served.token("mira", Role.MODERATOR))):
            context = browser.new_context()
            context.set_default_timeout(WAIT_MS)
            page = context.new_page()
            url = served.host.page(
                f"/moderated-{name}.html", tenant=served.tenant, entity_id="moderated", token=token
            )
            open_widget(page, url)
            wait_live(page)
            pages.append(page)
        reader, mira = pages
        assert bodies(reader, "Approve me please").count() == 0
        pending = item(mira, "Approve me please")
        expect(pending.locator(":scope > article .badge.pending")).to_have_text("Awaiting approval")
        pending.locator(":scope > article button.approve").click()
        expect(pending.locator(":scope > article .badge.pending")).to_have_count(0)
        # The reader's widget learns of it live, behind the banner.
        reader.locator("button.banner").click()
        expect(item(reader, "Approve me please")).to_have_count(1)
        for page in pages:
            expect(page.locator("h2.count")).to_have_text("1 comment")

        pending.locator(":scope > article button.pin").click()
        expect(item(reader, "Approve me please").locator(":scope > article .badge.pin")).to_have_text(
            "Pinned"
        )
        mira.locator("button.lock").click()
        expect(mira.locator("button.lock")).to_have_text("Unlock thread")
        expect(item(reader, "Approve me please").locator(":scope > article button.reply")).to_have_count(0)
        shot(mira, "moderator-menu")
    finally:
        served.configure(premoderation=False)
        for page in pages:
            page.context.close()
