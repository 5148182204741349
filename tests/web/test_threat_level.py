"""The threat level in the browser: the banner on every page, the history page, recording a change."""

from __future__ import annotations

import pytest

from tests.browser import assert_accessible
from tests.conftest import TEST_PASSWORD
from tests.web.pages import fill_date

pytestmark = pytest.mark.browser


def _seed(client, actor):
    for level, day in [("SEVERE", "2014-08-29"), ("SUBSTANTIAL", "2022-02-09")]:
        client.post(
            "/api/v1/threat-level",
            headers=actor.headers,
            json={"level": level, "effective_from": f"{day}T00:00:00Z", "note": "seed"},
        )


def test_officer_records_a_change_and_the_banner_follows(page, live_server, client, make_user, sign_in):
    officer = make_user("officer")
    _seed(client, officer)
    sign_in(page, officer.username, TEST_PASSWORD)
    banner = page.locator("#threat-banner")
    assert "SUBSTANTIAL" in banner.inner_text() and "HEIGHTENED" in banner.inner_text()
    assert_accessible(page)  # the dashboard, with its banner
    page.click("a.govuk-service-navigation__link:has-text('Threat level')")
    assert page.locator("svg.app-chart path.app-chart__line").count() == 1
    assert page.locator("#history tbody tr").count() == 2
    assert_accessible(page)
    page.check("input[name='level'][value='CRITICAL']")
    page.fill("#note", "raised after an attack")
    page.click("button:has-text('Record threat level')")
    assert (
        page.locator("h1").inner_text() == "Are you sure you want to record the UK national threat level as CRITICAL?"
    )
    assert_accessible(page)
    page.click("button:has-text('Record threat level')")
    assert "Recorded: UK national threat level CRITICAL." in page.content()
    page.click("a.govuk-service-navigation__link:has-text('Dashboard')")
    banner = page.locator("#threat-banner")
    assert "CRITICAL" in banner.inner_text() and "EXCEPTIONAL" in banner.inner_text()
    assert "app-threat--critical" in banner.get_attribute("class")
    assert_accessible(page)


def test_a_missing_level_is_reported_on_the_form(page, live_server, make_user, sign_in):
    officer = make_user("officer")
    sign_in(page, officer.username, TEST_PASSWORD)
    page.goto(f"{live_server}/threat-level")
    page.click("button:has-text('Record threat level')")
    assert "Select the threat level" in page.locator(".govuk-error-summary").inner_text()
    assert_accessible(page)


def test_a_viewer_sees_the_level_but_no_form(page, live_server, client, make_user, sign_in):
    _seed(client, make_user("officer"))
    viewer = make_user("viewer")
    sign_in(page, viewer.username, TEST_PASSWORD)
    page.goto(f"{live_server}/threat-level")
    assert page.locator("h1").inner_text() == "National threat level"
    assert page.locator("form[action='/threat-level']").count() == 0
    assert "SUBSTANTIAL" in page.locator("#threat-banner").inner_text()
    assert_accessible(page)


def test_every_level_style_is_accessible(page, live_server, client, make_user, sign_in):
    officer = make_user("officer")
    sign_in(page, officer.username, TEST_PASSWORD)
    for level in ["LOW", "MODERATE", "SUBSTANTIAL", "SEVERE", "CRITICAL"]:
        client.post("/api/v1/threat-level", headers=officer.headers, json={"level": level, "note": ""})
        page.goto(f"{live_server}/threat-level")
        assert level in page.locator("#threat-banner").inner_text()
        assert_accessible(page)


def test_recording_works_without_javascript(browser, live_server, make_user):
    officer = make_user("officer")
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(f"{live_server}/login?next=/threat-level")
    page.fill("#username", officer.username)
    page.fill("#password", TEST_PASSWORD)
    page.click("button:has-text('Sign in')")
    page.check("input[name='level'][value='MODERATE']")
    fill_date(page, "effective_date", "2026-01-15")
    page.fill("#effective_time", "09:30")
    page.fill("#note", "no js")
    page.click("button:has-text('Record threat level')")
    assert "15 January 2026 09:30" in page.locator(".govuk-summary-list").inner_text()
    page.click("button:has-text('Record threat level')")
    assert "Recorded: UK national threat level MODERATE." in page.content()
    assert "15 January 2026" in page.locator("#history").inner_text()
    context.close()
