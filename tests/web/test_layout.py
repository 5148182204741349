"""Every page on a 390 px phone: never wider than the screen, and accessible at that width."""

from __future__ import annotations

import re
from urllib.parse import urljoin, urlsplit

import pytest

from tests import builders
from tests.browser import axe_violations
from tests.conftest import TEST_PASSWORD

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
_ID = re.compile(r"/(?=[0-9a-zA-Z_-]*\d)[0-9a-zA-Z_-]{16,}")
_SKIP = re.compile(r"^/(api|static|assets|logout)|\.(csv|geojson|atom|cap)$")  # pages only, not data


def wide_scene(client, officer):
    """Records with long words and long ids, in every area, so wide tables would show."""
    long = "Supercalifragilisticexpialidocious-safeguarding-partnership-arrangements"
    builders.record_threat_level(client, officer, "SUBSTANTIAL")
    builders.record_threat_level(client, officer, "SEVERE", scope="NORTHERN_IRELAND")
    plan = builders.make_prevent_plan(client, officer)
    builders.make_prevent_item(client, officer, plan["id"], owner=long, rag="red")
    builders.make_threat_assessment(client, officer)
    site = builders.make_site(client, officer, name=f"Site {long}", capacity=5000)
    builders.make_training_session(client, officer, organisation=long)
    risk = builders.make_risk(client, officer, title=f"Risk {long}", likelihood=5, impact=5)
    builders.make_contingency_plan(client, officer, title=f"Plan {long}", risk_ids=[risk["id"]], site_ids=[site["id"]])
    builders.make_exercise(client, officer, title=f"Exercise {long}")


def overflow(page) -> int:
    """How many pixels the page is wider than the window (0 when it fits)."""
    width: int = page.evaluate("document.documentElement.scrollWidth")
    return max(0, width - PHONE["width"])


def links(page, base: str) -> list[str]:
    """The same-site page links on the page, without fragments."""
    hrefs = page.locator("a[href]").evaluate_all("els => els.map(e => e.getAttribute('href'))")
    found = []
    for href in hrefs:
        url = urljoin(page.url, href).split("#")[0]
        if url.startswith(base) and not _SKIP.search(urlsplit(url).path):
            found.append(url)
    return found


def crawl(page, base: str, start: list[str], problems: dict[str, object]) -> int:
    """Visit every page reachable from `start` (one per path shape); note each one's overflow and axe violations."""
    seen: set[str] = set()
    queue = list(start)
    visited = 0
    while queue:
        url = queue.pop(0)
        split = urlsplit(url)
        shape = _ID.sub("/{id}", split.path) + ("?" if split.query and url not in start else "")
        if shape in seen:
            continue
        seen.add(shape)
        response = page.goto(url)
        assert response is not None and response.status < 500, url
        visited += 1
        if px := overflow(page):
            problems[f"{url} is {px} px too wide"] = px
        if violations := axe_violations(page):
            problems[url] = violations
        queue.extend(links(page, base))
    return visited


def test_every_page_fits_a_phone_screen(page, live_server, client, admin, officer, sign_in):
    wide_scene(client, officer)
    page.set_viewport_size(PHONE)
    problems: dict[str, object] = {}
    crawl(page, live_server, [f"{live_server}/login"], problems)
    sign_in(page, admin.username, TEST_PASSWORD)
    extra = [f"{live_server}/protect/cordon?lat=51.508&lon=-0.128&radius_m=500"]
    visited = crawl(page, live_server, [f"{live_server}/", *extra], problems)
    assert visited > 25  # it really went everywhere
    assert problems == {}, problems


def test_the_admin_navigation_is_one_row_on_a_desktop(page, live_server, admin, sign_in):
    page.set_viewport_size({"width": 1280, "height": 800})
    sign_in(page, admin.username, TEST_PASSWORD)
    items = page.locator(".govuk-service-navigation__item")
    assert items.count() >= 12  # every area and every admin page
    tops = {round(box["y"]) for box in (item.bounding_box() for item in items.all()) if box}
    assert len(tops) == 1, tops
