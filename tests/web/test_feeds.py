"""The feeds page in a real browser: health at a glance, poll now, create/edit, push secrets shown once."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from app.models.feeds import Feed
from app.services import threat_level
from tests.browser import assert_accessible
from tests.conftest import TEST_PASSWORD
from tests.feeds import HOSTILE, MI5_SAMPLE, feed_server, sign

pytestmark = pytest.mark.browser


@pytest.fixture
def server():
    with feed_server() as running:
        yield running


def _add(page, name, kind, url=""):
    page.fill("#name", name)
    page.check(f"input[name='kind'][value='{kind}']")
    if url:
        page.fill("#url", url)
    page.click("button:has-text('Add feed')")


def test_admin_adds_polls_and_edits_an_mi5_feed(page, live_server, make_user, sign_in, server, database):
    admin = make_user("admin")
    sign_in(page, admin.username, TEST_PASSWORD)
    page.click("a.govuk-service-navigation__link:has-text('Admin')")
    page.click(".app-subnav a:has-text('Feeds')")
    assert "No feeds yet." in page.content()
    assert_accessible(page)
    _add(page, "MI5", "mi5_rss", "not a url")
    assert page.title().startswith("Error:") and page.locator(".govuk-error-summary").count() == 1
    assert_accessible(page)
    _add(page, "MI5", "mi5_rss", server.serve("/feed.xml", MI5_SAMPLE))
    assert "Feed MI5 was added." in page.content()
    row = page.locator("#feeds tbody tr").first
    assert "Never polled" in row.inner_text()
    page.click("button:has-text('Poll now')")
    assert "Polled: UK SUBSTANTIAL, Northern Ireland SUBSTANTIAL: 2 change(s) recorded." in page.content()
    assert "OK" in page.locator("#feeds tbody tr").first.inner_text()
    assert "SUBSTANTIAL" in page.locator("#threat-banner").inner_text()

    server.serve("/feed.xml", (HOSTILE / "challenge.html").read_bytes(), content_type="text/html")
    page.click("button:has-text('Poll now')")
    assert "The poll failed: not an RSS feed (an HTML page" in page.content()
    row = page.locator("#feeds tbody tr").first
    text = row.inner_text()
    assert "Failing" in text and "HTML page" in text and "1 failure in a row" in text
    assert_accessible(page)

    page.click("a:has-text('Change')")
    assert_accessible(page)
    page.fill("#poll_interval_seconds", "600")
    page.uncheck("input[name='enabled']")
    page.click("button:has-text('Save feed')")
    assert "Feed MI5 was saved." in page.content() and "Disabled" in page.content()

    with database.session() as session:  # an hour without success: the banner warns
        feed = session.query(Feed).one()
        feed.last_success_at = datetime.now(UTC) - timedelta(hours=2)
        session.commit()
    threat_level.CACHE.clear()
    page.goto(f"{live_server}/admin/feeds")
    assert "Stale" in page.locator("#feeds tbody tr").first.inner_text()
    assert "has not answered within its freshness window" in page.locator("#threat-banner").inner_text()
    assert_accessible(page)


def test_a_push_feed_secret_is_shown_once_and_rotates(page, live_server, make_user, sign_in):
    admin = make_user("admin")
    sign_in(page, admin.username, TEST_PASSWORD)
    page.goto(f"{live_server}/admin/feeds")
    _add(page, "Met CT", "push")
    secret = page.locator("#feed-secret").inner_text()
    endpoint = page.locator("#feed-endpoint").inner_text().removeprefix("POST ")
    assert secret.startswith("whsec_") and endpoint.endswith("/events")
    assert_accessible(page)
    page.goto(f"{live_server}/admin/feeds")
    assert secret not in page.content()
    body = b'{"type": "threat_level.changed", "data": {"level": "SEVERE"}}'
    pushed = httpx.post(endpoint, content=body, headers=sign(secret, "msg_1", int(time.time()), body))
    assert pushed.status_code == 200 and pushed.json()["outcome"] == "recorded"
    page.click("button:has-text('Rotate secret')")
    rotated = page.locator("#feed-secret").inner_text()
    assert rotated != secret and "The old secret keeps working until" in page.content()
    during_grace = httpx.post(endpoint, content=body, headers=sign(secret, "msg_2", int(time.time()), body))
    assert during_grace.status_code == 200  # the sender has a day to switch (CONTEST_FEED_SECRET_GRACE_SECONDS)
    new = httpx.post(endpoint, content=body, headers=sign(rotated, "msg_3", int(time.time()), body))
    assert new.status_code == 200


def test_feeds_are_for_admins_only(page, live_server, make_user, sign_in):
    officer = make_user("officer")
    sign_in(page, officer.username, TEST_PASSWORD)
    assert page.locator("a.govuk-service-navigation__link, .app-subnav a").filter(has_text="Feeds").count() == 0
    response = page.goto(f"{live_server}/admin/feeds")
    assert response.status == 403
