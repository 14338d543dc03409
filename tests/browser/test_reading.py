"""Reading journeys in a real browser: paging a long thread, the count snippet, languages and
themes, a hostile host page, accessibility, and XSS payloads that must stay inert."""

from __future__ import annotations

import re

import pytest
from axe_playwright_python.sync_playwright import Axe
from benchmarks.seeding.threads import PlannedComment
from playwright.sync_api import Dialog, Page, Request, expect
from tests.browser.conftest import Served, load_every_page, open_widget, shot
from tests.unit.test_rendering import XSS_PAYLOADS

from threadline.domain.identity import Role

pytestmark = pytest.mark.xdist_group("browser-reading")

LANGUAGES = (("ru", "1 комментарий"), ("ja", "1 件のコメント"), ("zh", "1 条评论"), ("es", "1 comentario"))
BACKGROUND = "el => getComputedStyle(el).backgroundColor"


def roots(page: Page) -> list[str]:
    ids: list[str] = page.locator("ul.list > li").evaluate_all("items => items.map(i => i.dataset.id)")
    return ids


def test_an_anonymous_reader_pages_through_a_500_comment_thread(served: Served, page: Page) -> None:
    plan = [PlannedComment("writer", f"Comment number {i}") for i in range(500)]
    reply = PlannedComment("replier", "A reply to the newest", parent=499)
    created = served.seed("long", [*plan, reply])[:500]
    open_widget(page, served.host.page("/long.html", tenant=served.tenant, entity_id="long"))

    expect(page.locator("h2.count")).to_have_text("501 comments")
    assert len(roots(page)) == 20
    expect(page.locator("button.sign-in, button.signin")).to_have_text("Sign in to comment")
    load_every_page(page)
    shown = roots(page)
    assert len(shown) == 500 and len(set(shown)) == 500
    # In the server's own order, newest first: each page continued the last, none skipped or repeated.
    assert shown == served.thread_order("long")
    assert sorted(shown) == sorted(created)
    # Focus moved to the first comment the last page brought.
    assert page.evaluate("document.getElementById('threadline').shadowRoot.activeElement?.tagName") in (
        "ARTICLE",
        "BUTTON",
    )
    expect(page.locator(".replies .body").first).to_have_text("A reply to the newest")
    time = page.locator("ul.list > li > article time").first
    assert time.get_attribute("datetime")
    expect(time).to_have_attribute("title", re.compile(r"\d{4}"))  # stamped after the first paint
    expect(time).to_have_text(re.compile(r"\w"))
    shot(page, "thread-anonymous")


def test_the_first_page_is_asked_for_once_while_the_widget_loads(served: Served, page: Page) -> None:
    """embed.js asks for the first page beside the widget's script; the widget uses that answer
    and asks no second time, for a reader with a token and for one without."""
    served.settle(served.comment("early", "Asked for early", user="ann")["position"])
    asked: list[Request] = []
    page.on("request", lambda request: asked.append(request) if "/early/comments" in request.url else None)
    for token in (None, served.token("ben")):
        asked.clear()
        url = served.host.page("/early.html", tenant=served.tenant, entity_id="early", token=token)
        open_widget(page, url)
        expect(page.locator("ul.list .body")).to_have_text(["Asked for early"])
        reads = [r for r in asked if r.method == "GET"]
        assert len(reads) == 1, [r.url for r in reads]
        assert ("authorization" in reads[0].headers) is (token is not None)
    expect(page.locator("ul.list > li > article button.like")).to_be_visible()
    assert not page.errors  # type: ignore[attr-defined]


def test_more_replies_sorts_and_pinned_first(served: Served, page: Page) -> None:
    first, liked, pinned, _last = served.comments("sorts", ["First"], user="ann") + [
        served.comment("sorts", text, user="ann")["id"] for text in ("Liked", "Pinned", "Last")
    ]
    replies = [served.comment("sorts", f"Reply {i}", user="ben", parent_id=first)["id"] for i in range(8)]
    for fan in ("u1", "u2"):
        served.send("PUT", f"/v1/comments/{liked}/like", user=fan)
    moderated = served.send("PUT", f"/v1/comments/{pinned}/pin", user="mod", role=Role.MODERATOR)
    served.settle(moderated["position"])
    open_widget(page, served.host.page("/sorts.html", tenant=served.tenant, entity_id="sorts"))
    root_bodies = page.locator("ul.list > li > article > .body")
    expect(root_bodies).to_have_text(["Pinned", "Last", "Liked", "First"])
    expect(page.locator("ul.list > li").first.locator(".badge.pin")).to_have_text("Pinned")

    first_item = page.locator(f"li.item[data-id='{first}']")
    more = first_item.locator(":scope > button.more-replies")
    expect(first_item.locator(":scope > ul.replies > li")).to_have_count(5)
    expect(more).to_have_text("Show 3 more replies")
    more.click()
    expect(first_item.locator(":scope > ul.replies > li > article > .body")).to_have_text(
        [f"Reply {i}" for i in range(8)]
    )
    assert (
        first_item.locator(":scope > ul.replies > li").evaluate_all("l => l.map(i => i.dataset.id)")
        == replies
    )
    expect(more).to_be_hidden()

    page.locator("#tl-sort").select_option("oldest")
    expect(root_bodies).to_have_text(["Pinned", "First", "Liked", "Last"])
    page.locator("#tl-sort").select_option("popular")
    expect(root_bodies.nth(1)).to_have_text("Liked")


def test_count_links_are_filled_in_with_one_counts_call(served: Served, page: Page) -> None:
    served.comments("counted-a", ["one", "two", "three"])
    last = served.comment("counted-b", "only one")
    served.settle(last["position"])
    links = "".join(
        f'<p><a href="/{e}" data-threadline-count data-entity-id="{e}">comments</a></p>'
        for e in ("counted-a", "counted-b", "counted-none")
    )
    url = served.host.add(
        "/list.html",
        f"""<!doctype html><html lang="en"><head><title>List</title></head><body><main>{links}
<script src="{served.base}/embed.js" data-tenant="{served.tenant.id}" data-entity-type="post" async></script>
</main></body></html>""",
    )
    calls: list[str] = []
    page.on("request", lambda request: _note_counts(request, calls))
    page.goto(url)
    expect(page.locator("a[href='/counted-a']")).to_have_text("3 comments")
    expect(page.locator("a[href='/counted-b']")).to_have_text("1 comment")
    expect(page.locator("a[href='/counted-none']")).to_have_text("0 comments")
    assert len(calls) == 1, calls


def _note_counts(request: Request, calls: list[str]) -> None:
    if "/v1/counts" in request.url and request.method == "GET":
        calls.append(request.url)


def test_the_language_follows_the_page_and_can_be_chosen(served: Served, page: Page) -> None:
    served.settle(served.comment("languages", "Hallo")["position"])
    open_widget(
        page, served.host.page("/fr.html", tenant=served.tenant, entity_id="languages", page_lang="fr")
    )
    expect(page.locator("h2.count")).to_have_text("1 commentaire")
    expect(page.locator("section.tl")).to_have_attribute("dir", "ltr")

    open_widget(page, served.host.page("/de.html", tenant=served.tenant, entity_id="languages", lang="de"))
    expect(page.locator("h2.count")).to_have_text("1 Kommentar")
    expect(page.locator("button.signin")).to_have_text("Zum Kommentieren anmelden")

    open_widget(page, served.host.page("/ar.html", tenant=served.tenant, entity_id="languages", lang="ar"))
    expect(page.locator("section.tl")).to_have_attribute("dir", "rtl")
    expect(page.locator("h2.count")).to_have_text("تعليق واحد")
    # Right to left: the count starts at the right edge, the sort switch sits at the left.
    count = page.locator("h2.count").bounding_box()
    sort = page.locator("#tl-sort").bounding_box()
    assert count and sort and count["x"] > sort["x"]
    shot(page, "rtl-arabic")

    for lang, text in (
        ("ru", "1 комментарий"),
        ("ja", "1 件のコメント"),
        ("zh", "1 条评论"),
        ("es", "1 comentario"),
    ):
        open_widget(
            page, served.host.page(f"/{lang}.html", tenant=served.tenant, entity_id="languages", lang=lang)
        )
        expect(page.locator("h2.count")).to_have_text(text)


def test_the_dark_theme_is_chosen_by_data_theme_or_the_system(served: Served, page: Page) -> None:
    served.settle(served.comment("themes", "In the dark")["position"])
    open_widget(page, served.host.page("/dark.html", tenant=served.tenant, entity_id="themes", theme="dark"))
    background = page.locator("section.tl").evaluate(BACKGROUND)
    assert background == "rgb(21, 23, 28)"
    shot(page, "theme-dark")
    page.emulate_media(color_scheme="dark")
    open_widget(page, served.host.page("/auto.html", tenant=served.tenant, entity_id="themes"))
    assert page.locator("section.tl").evaluate(BACKGROUND) == "rgb(21, 23, 28)"
    page.emulate_media(color_scheme="light")
    open_widget(page, served.host.page("/auto.html", tenant=served.tenant, entity_id="themes"))
    assert page.locator("section.tl").evaluate(BACKGROUND) == "rgba(0, 0, 0, 0)"


def test_a_hostile_host_stylesheet_does_not_break_the_widget(served: Served, page: Page) -> None:
    served.settle(served.comment("hostile", "Still readable", user="bob")["position"])
    served.host.add("/hostile.css", "* { all: unset; } div { display: inline; font-size: 4px; }", "text/css")
    url = served.host.page(
        "/hostile.html",
        tenant=served.tenant,
        entity_id="hostile",
        token=served.token("alice"),
        head='<link rel="stylesheet" href="/hostile.css">',
    )
    open_widget(page, url)
    assert page.locator("#threadline").evaluate("el => getComputedStyle(el).display") == "block"
    body = page.locator("ul.list .body").first
    expect(body).to_have_text("Still readable")
    assert body.evaluate("el => getComputedStyle(el).fontSize") == "16px"
    textarea = page.locator("textarea").bounding_box()
    assert textarea and textarea["height"] > 60 and textarea["width"] > 300
    button = page.locator("form.composer button[type=submit]")
    assert button.evaluate("el => getComputedStyle(el).cursor") == "pointer"
    shot(page, "hostile-host-css")


def test_xss_payloads_never_execute(served: Served, page: Page) -> None:
    payloads = [
        *XSS_PAYLOADS,
        '<img src=x onerror="window.__pwned=1">',
        "[click](javascript:window.__pwned=1)",
        "<svg onload=window.__pwned=1>",
    ]
    plain = served.comments("xss", payloads, user="mallory", content_format="plain")
    marked = served.comments("xss", payloads, user="mallory", content_format="markdown")
    hostile_name = served.token("eve", name='<img src=x onerror="window.__pwned=1">')
    last = served.http.post(
        served.base + "/v1/comments",
        json={"entity_type": "post", "entity_id": "xss", "content": "named", "content_format": "plain"},
        headers={"Authorization": f"Bearer {hostile_name}"},
    ).json()
    served.settle(last["position"])
    dialogs: list[str] = []

    def refuse(dialog: Dialog) -> None:
        dialogs.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", refuse)
    open_widget(page, served.host.page("/xss.html", tenant=served.tenant, entity_id="xss"))
    load_every_page(page)
    assert len(roots(page)) == len(plain) + len(marked) + 1
    for link in page.locator("ul.list .body a").all():
        # As the browser resolves it: a relative link stays on the page's own scheme.
        assert link.evaluate("a => a.protocol") in ("http:", "https:", "mailto:"), link.get_attribute("href")
    expect(page.locator(".author").first).to_have_text('<img src=x onerror="window.__pwned=1">')
    page.wait_for_timeout(500)
    assert page.evaluate("window.__pwned") is None
    assert dialogs == []
    assert not page.errors  # type: ignore[attr-defined]


def test_axe_finds_no_violations_in_the_thread_and_composer(served: Served, page: Page) -> None:
    root = served.comment(
        "a11y", "A **comment** with [a link](https://example.com)", user="bob", content_format="markdown"
    )
    reply = served.comment("a11y", "A reply", user="carol", parent_id=root["id"])
    served.settle(reply["position"])
    for theme in ("light", "dark"):
        url = served.host.page(
            f"/a11y-{theme}.html",
            tenant=served.tenant,
            entity_id="a11y",
            token=served.token("alice"),
            theme=theme,
        )
        open_widget(page, url)
        page.locator("ul.list > li > article button.reply").first.click()
        results = Axe().run(page)
        assert results.violations_count == 0, results.generate_report()
    shot(page, "composer-reply")
