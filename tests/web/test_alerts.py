"""Public warnings in a real browser: drafting (map and words), approving after a confirmation step, update and
cancel, the public pages without signing in, axe-core on every page, and the journey again with JavaScript off."""

from __future__ import annotations

import httpx
import pytest
from playwright.sync_api import expect

from tests.browser import assert_accessible
from tests.builders import alert_body
from tests.conftest import TEST_PASSWORD
from tests.web.pages import fill_date

pytestmark = pytest.mark.browser

API = "/api/v1"


def api(live_server, actor, method, path, **kwargs):
    response = httpx.request(method, f"{live_server}{API}{path}", headers=actor.headers, **kwargs)
    assert response.status_code in (200, 201), response.text
    return response.json()


def fill_warning(page):
    page.check("#status")  # the first choice: a real warning
    page.fill("#headline", "Avoid Soho Square: police incident")
    page.fill("#event", "Police incident")
    page.fill("#description", "Police are dealing with an incident in Soho Square.")
    page.fill("#instruction", "Stay away from Soho Square.")
    page.fill("#area_description", "Soho Square and the streets off it")
    page.check("input[name=wards][value='West End']")


def test_drafting_a_warning_reports_errors_in_plain_words_then_saves_a_draft(page, live_server, officer, sign_in):
    sign_in(page, officer.username, TEST_PASSWORD)
    page.click("#warnings-link a:has-text('Public warnings')")  # from the dashboard
    assert page.locator("h1").inner_text() == "Public warnings"
    assert_accessible(page)
    page.click("text=Draft a warning")
    page.uncheck("input[name=category][value=Security]")
    page.click("button:has-text('Save draft')")

    summary = page.locator(".govuk-error-summary").inner_text()
    assert "Enter a headline" in summary and "Describe the area in words" in summary
    assert "Select at least one category" in summary
    for leak in ("should", "Input", "literal", "value_error", "area.description"):
        assert leak not in summary
    assert_accessible(page)

    fill_warning(page)
    page.check("input[name=category][value=Security]")
    map_box = page.locator("[data-site-map]")
    expect(map_box).to_have_attribute("data-ready", "true")
    map_box.click()  # the map picks the circle's centre
    assert page.input_value("#lat") and page.input_value("#lon")
    page.fill("#radius_km", "0.3")
    page.click("button:has-text('Save draft')")

    expect(page.locator("#alert-state")).to_have_text("Draft: awaiting approval")
    content = page.locator("main").inner_text()
    assert "Soho Square and the streets off it (wards: West End)" in content
    assert "someone other than" in content
    assert_accessible(page)

    page.click("text=Preview the public page and CAP")
    assert "Avoid Soho Square: police incident" in page.locator("#public-preview").inner_text()
    cap = page.locator("#cap-preview").inner_text()
    assert "<msgType>Alert</msgType>" in cap and "<areaDesc>Soho Square and the streets off it</areaDesc>" in cap
    assert "<circle>" in cap
    assert_accessible(page)


def test_another_person_approves_after_a_confirmation_and_the_public_sees_it(
    page, live_server, officer, emt, sign_in, browser
):
    draft = api(live_server, officer, "POST", "/alerts", json=alert_body(headline="Avoid Leicester Square now"))
    sign_in(page, emt.username, TEST_PASSWORD)
    page.goto(f"{live_server}/prepare/alerts/{draft['id']}")
    page.click("button:has-text('Approve and publish')")

    assert page.locator("h1").inner_text() == "Are you sure you want to publish this warning?"
    assert "Atom feed" in page.locator(".govuk-warning-text").inner_text()
    assert_accessible(page)
    page.click("button:has-text('Publish this warning')")

    expect(page.locator("#alert-state")).to_have_text("Published")
    assert "Published: Avoid Leicester Square now." in page.locator(".govuk-notification-banner").inner_text()
    assert_accessible(page)

    public = browser.new_context().new_page()  # a resident: not signed in
    public.goto(f"{live_server}/alerts")
    assert "Avoid Leicester Square now" in public.locator("#current ~ article").first.inner_text()
    assert public.locator(".app-marking").count() == 0
    assert "Stay away from the area" in public.locator(".govuk-warning-text").inner_text()
    assert_accessible(public)
    public.click("a:has-text('Avoid Leicester Square now')")
    assert public.locator("h1").inner_text() == "Avoid Leicester Square now"
    assert_accessible(public)
    public.click("a.govuk-service-navigation__link:has-text('Be prepared')")
    assert "Run, Hide, Tell" in public.locator("main").inner_text()
    assert_accessible(public)
    public.context.close()


def test_the_author_is_told_someone_else_must_approve(page, live_server, admin, sign_in):
    draft = api(live_server, admin, "POST", "/alerts", json=alert_body())
    sign_in(page, admin.username, TEST_PASSWORD)
    page.goto(f"{live_server}/prepare/alerts/{draft['id']}")
    expect(page.locator("#own-draft")).to_contain_text("someone else must approve it")
    assert page.locator("button:has-text('Approve and publish')").count() == 0
    assert_accessible(page)


def test_cancelling_a_published_warning_is_a_draft_someone_else_approves(page, live_server, officer, emt, sign_in):
    draft = api(live_server, officer, "POST", "/alerts", json=alert_body(headline="Whitehall closed"))
    api(live_server, emt, "POST", f"/alerts/{draft['id']}/approve")
    sign_in(page, officer.username, TEST_PASSWORD)
    page.goto(f"{live_server}/prepare/alerts/{draft['id']}")
    page.click("button:has-text('Start a cancellation')")

    assert page.locator("h1").inner_text() == "Change the draft cancellation"
    assert_accessible(page)
    page.fill("#description", "Whitehall has reopened.")
    page.click("button:has-text('Save draft')")
    expect(page.locator("#alert-state")).to_have_text("Draft: awaiting approval")
    assert "The warning it cancels" in page.locator("main").inner_text()
    cancel_url = page.url

    cancel_id = cancel_url.rstrip("/").rsplit("/", 1)[1]
    api(live_server, emt, "POST", f"/alerts/{cancel_id}/approve")
    page.goto(f"{live_server}/prepare/alerts/{draft['id']}")
    expect(page.locator("#alert-state")).to_have_text("Cancelled")
    page.goto(f"{live_server}/prepare/alerts?state=cancelled")
    assert "Whitehall closed" in page.locator("#alerts-table").inner_text()
    assert_accessible(page)


def test_drafting_and_approving_work_without_javascript(browser, live_server, officer, emt):
    def signed_in(actor):
        context = browser.new_context(java_script_enabled=False)
        tab = context.new_page()
        tab.goto(f"{live_server}/login")
        tab.fill("#username", actor.username)
        tab.fill("#password", TEST_PASSWORD)
        tab.click("button:has-text('Sign in')")
        return tab

    author = signed_in(officer)
    author.goto(f"{live_server}/prepare/alerts/new")
    fill_warning(author)
    author.fill("#lat", "51.5153")
    author.fill("#lon", "-0.1322")
    author.fill("#radius_km", "0.2")
    fill_date(author, "expires_date", "2099-01-01")
    author.fill("#expires_time", "18:00")
    author.click("button:has-text('Save draft')")
    assert author.locator("#alert-state").inner_text() == "Draft: awaiting approval"
    assert "1 January 2099, 18:00" in author.locator("main").inner_text()
    alert_url = author.url

    approver = signed_in(emt)
    approver.goto(alert_url)
    approver.click("button:has-text('Approve and publish')")
    approver.click("button:has-text('Publish this warning')")
    assert approver.locator("#alert-state").inner_text() == "Published"

    resident = browser.new_context(java_script_enabled=False).new_page()
    resident.goto(f"{live_server}/alerts")
    assert "Avoid Soho Square: police incident" in resident.locator("main").inner_text()
    for tab in (author, approver, resident):
        tab.context.close()


def test_at_exceptional_the_dashboard_prompts_a_review_of_public_messaging(page, live_server, admin, officer, sign_in):
    api(live_server, admin, "POST", "/threat-level", json={"level": "CRITICAL", "note": "Exercise scenario"})
    sign_in(page, officer.username, TEST_PASSWORD)
    prompt = page.locator("#messaging-prompt")
    expect(prompt).to_contain_text("The response level is EXCEPTIONAL")
    assert_accessible(page)
    prompt.locator("a:has-text('Review public warnings')").click()
    assert page.url.endswith("/prepare/alerts") and page.locator("h1").inner_text() == "Public warnings"
