"""Community tension pages in a real browser: a member reports on a phone (and without JavaScript), an officer
triages and assesses, the trends and the events calendar, each page checked with axe-core."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from app.core.security import Role
from tests.browser import assert_accessible
from tests.builders import assess_tension_report, make_community_event, make_tension_report
from tests.conftest import TEST_PASSWORD

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}


def _report_on_a_phone(page, live_server) -> None:
    page.goto(f"{live_server}/tensions/report")
    assert page.locator("h1").inner_text() == "Report a community tension"
    page.click("button:has-text('Send report')")  # nothing filled in: the errors, in words
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_contain_text("Enter the ward")
    expect(summary).to_contain_text("Describe what is happening")
    page.fill("#ward", "Church Street")
    page.check("input[name=category][value=rumour]")
    page.fill("#summary", "Traders at the market say a march will come through on Saturday.")
    page.fill("#communities", "Market traders")
    page.check("input[name=trigger][value=international]")
    page.check("input[name=source][value=told]")
    page.click("button:has-text('Send report')")
    page.wait_for_url("**/tensions/report/sent/**")
    expect(page.locator(".govuk-panel__title")).to_have_text("Report sent")


def test_a_member_reports_a_tension_on_a_phone_and_follows_it(page, live_server, make_user, sign_in, client, officer):
    member = make_user(Role.MEMBER)
    page.set_viewport_size(PHONE)
    sign_in(page, member.username, TEST_PASSWORD)
    page.goto(f"{live_server}/tensions/report")
    assert_accessible(page)
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]  # no sideways scrolling

    _report_on_a_phone(page, live_server)
    assert_accessible(page)
    report = client.get("/api/v1/tension-reports", headers=officer.headers).json()["items"][0]
    assess_tension_report(client, officer, report, level=2, status="assessed", reassurance_message="Patrols are up.")
    page.click("a:has-text('your reports')")
    card = page.locator(f"#report-{report['id']}")
    expect(card).to_contain_text("Assessed")
    expect(card).to_contain_text("2 – Some concern")  # noqa: RUF001
    expect(card).to_contain_text("Patrols are up.")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    assert_accessible(page)
    page.goto(f"{live_server}/tensions/messages")
    expect(page.locator("main")).to_contain_text("Patrols are up.")
    assert_accessible(page)


def test_a_member_reports_without_javascript(browser, live_server, make_user, sign_in, client, officer):
    member = make_user(Role.MEMBER)
    context = browser.new_context(java_script_enabled=False, viewport=PHONE)
    page = context.new_page()
    sign_in(page, member.username, TEST_PASSWORD)

    _report_on_a_phone(page, live_server)

    page.click("a:has-text('your reports')")
    expect(page.locator("main")).to_contain_text("Church Street")
    assert len(client.get("/api/v1/tension-reports", headers=officer.headers).json()["items"]) == 1
    context.close()


def test_an_officer_triages_new_reports_first_and_assesses_one(page, live_server, client, officer, make_user, sign_in):
    member = make_user(Role.MEMBER)
    older = make_tension_report(client, member, ward="Pimlico North", summary="Posts about the hotel")
    assess_tension_report(client, officer, older, level=4, status="monitoring")
    fresh = make_tension_report(client, member, ward="Harrow Road", summary="Shouting on the bus")
    sign_in(page, officer.username, TEST_PASSWORD)

    page.click("a.govuk-service-navigation__link:has-text('Community tensions')")
    assert page.locator("h1").inner_text() == "Community tension reports"
    rows = page.locator("#report-table tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.nth(0)).to_contain_text("Harrow Road")  # new first
    expect(rows.nth(1)).to_contain_text("4 – High")  # noqa: RUF001
    assert_accessible(page)
    page.select_option("#status", "new")  # htmx narrows the table in place
    page.wait_for_url("**status=new**")
    expect(rows).to_have_count(1)

    rows.nth(0).locator("a").click()
    page.wait_for_url(f"**/tensions/reports/{fresh['id']}")
    assert_accessible(page)
    page.click("a:has-text('Assess this report')")
    assert_accessible(page)
    page.check("#level-3")  # GOV.UK radios: the third level's input
    page.check("input[name=trend][value=rising]")
    page.check("input[name=status][value=assessed]")
    page.fill("#actions", "Refer to TfL and police")
    page.fill("#reassurance_message", "Extra patrols on the evening buses.")
    page.click("button:has-text('Save assessment')")
    page.wait_for_url(f"**/tensions/reports/{fresh['id']}")
    expect(page.locator("#report-details")).to_contain_text("3 – Raised")  # noqa: RUF001
    expect(page.locator("#report-details")).to_contain_text("Refer to TfL and police")
    assert_accessible(page)


def test_the_trends_and_the_events_calendar(page, live_server, client, officer, make_user, sign_in):
    event = make_community_event(client, officer, starts_at="2030-05-04T09:00:00Z", ends_at="2030-05-04T12:00:00Z")
    report = make_tension_report(client, make_user(Role.MEMBER), ward="Maida Vale", community_event_id=event["id"])
    assess_tension_report(client, officer, report, level=2, status="assessed")
    sign_in(page, officer.username, TEST_PASSWORD)

    page.goto(f"{live_server}/tensions/trends")
    expect(page.locator("#ward-table")).to_contain_text("Maida Vale")
    expect(page.locator("#heat-table")).to_contain_text("1 (2)")
    assert_accessible(page)
    page.click("a:has-text('Events calendar')")
    expect(page.locator("main")).to_contain_text("Vigil for the victims of the earthquake")
    assert_accessible(page)
    page.click("a:has-text('Vigil for the victims of the earthquake')")
    expect(page.locator("main")).to_contain_text("Maida Vale")
    assert_accessible(page)
    page.click("a:has-text('Change this event')")
    page.fill("#place", "St Mary's Church")
    page.click("button:has-text('Save event')")
    expect(page.locator("#event-details")).to_contain_text("St Mary's Church")
    page.goto(f"{live_server}/tensions/events/new")
    page.click("button:has-text('Save event')")
    expect(page.locator(".govuk-error-summary")).to_contain_text("Enter the event's title")
    assert_accessible(page)
    page.goto(f"{live_server}/tensions/events/{event['id']}")
    page.click("button:has-text('Remove this event')")
    assert_accessible(page)
    page.click("button:has-text('Remove this event')")
    page.wait_for_url("**/tensions/events")
    expect(page.locator("main")).not_to_contain_text("Vigil for the victims")
