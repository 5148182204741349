"""Governance in a real browser: raising an escalation, EMT deciding it with the confirmation step (with and
without JavaScript), the report printed on A4 with its marking on every page, and axe-core on every page."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from app.core.clock import today_london
from tests.browser import assert_accessible
from tests.builders import make_action, make_escalation, make_meeting, make_priority, make_site, make_working_group
from tests.conftest import TEST_PASSWORD

pytestmark = pytest.mark.browser

API = "/api/v1"


def _sign_in(page, live_server, username):
    page.goto(f"{live_server}/login")
    page.fill("#username", username)
    page.fill("#password", TEST_PASSWORD)
    page.click("button:has-text('Sign in')")
    page.wait_for_url(lambda url: "/login" not in url)


def test_a_group_raises_an_escalation_and_emt_decides_it(browser, page, live_server, client, officer, emt, sign_in):
    group = make_working_group(client, officer)
    sign_in(page, officer.username, TEST_PASSWORD)
    page.goto(f"{live_server}/governance/escalations")
    assert_accessible(page)
    page.click("text=Raise an escalation")
    page.wait_for_url("**/governance/escalations/new")
    assert_accessible(page)
    page.click("button:has-text('Raise the escalation')")  # nothing filled in: the errors in plain words
    page.wait_for_selector(".govuk-error-summary")
    summary = page.locator(".govuk-error-summary").inner_text()
    assert "Select the group raising it" in summary and "Enter a short title" in summary
    assert_accessible(page)
    page.select_option("#group_id", group["id"])
    page.fill("#title", "Barriers for the winter market")
    page.check("text=Resources (money, people or time)")
    page.fill("#description", "The barriers we borrow are not available this year.")
    page.click("button:has-text('Raise the escalation')")
    page.wait_for_url(lambda url: url.rstrip("/").split("/")[-1] not in ("new", "escalations"))
    assert "Awaiting EMT's decision" in page.inner_text("main")
    assert "Record EMT's decision" not in page.inner_text("main")  # officers cannot decide
    assert_accessible(page)

    context = browser.new_context()
    board = context.new_page()
    _sign_in(board, live_server, emt.username)
    board.goto(f"{live_server}/")
    board.click("text=escalation awaiting your decision")
    board.click("text=Barriers for the winter market")
    board.click("text=Record EMT's decision")
    assert_accessible(board)
    board.check("text=Accept it")
    board.fill("#decision", "Hire barriers from the events budget")
    board.click("button:has-text('Continue')")
    board.wait_for_selector("h1:has-text('Accept this escalation?')")
    assert_accessible(board)
    listed = client.get(f"{API}/escalations", headers=emt.headers).json()["items"]
    assert listed[0]["status"] == "raised"  # the confirmation step has recorded nothing yet
    board.click("button:has-text('Record the decision')")
    board.wait_for_selector(".govuk-notification-banner")
    main = board.inner_text("main")
    assert "Hire barriers from the events budget" in main and "Accepted" in main
    assert_accessible(board)
    context.close()
    stored = client.get(f"{API}/escalations", headers=emt.headers).json()["items"][0]
    assert stored["status"] == "accepted" and stored["decided_on"] == today_london().isoformat()


def test_emt_decides_without_javascript(browser, live_server, client, officer, emt):
    group = make_working_group(client, officer)
    escalation = make_escalation(client, officer, group["id"])
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    _sign_in(page, live_server, emt.username)
    page.goto(f"{live_server}/governance/escalations/{escalation['id']}/decide")
    page.check("text=Decline it")
    page.fill("#decision", "No budget this year; ask again in April")
    page.click("button:has-text('Continue')")
    page.wait_for_selector("h1:has-text('Decline this escalation?')")
    page.click("button:has-text('Record the decision')")
    page.wait_for_selector(".govuk-notification-banner")
    assert "No budget this year" in page.inner_text("main")
    context.close()
    stored = client.get(f"{API}/escalations/{escalation['id']}", headers=emt.headers).json()
    assert stored["status"] == "declined"


def test_the_report_prints_on_a4_with_its_marking_on_every_page(page, live_server, client, officer, emt, sign_in):
    group = make_working_group(client, officer)
    for n in range(30):  # enough rows to fill more than one page
        make_escalation(client, officer, group["id"], title=f"Escalation {n}")
    make_action(
        client,
        officer,
        group["id"],
        due_on=str(today_london() - timedelta(days=1)),
        classification="OFFICIAL-SENSITIVE",
    )
    sign_in(page, emt.username, TEST_PASSWORD)
    page.goto(f"{live_server}/governance/report")
    assert page.locator(".govuk-service-navigation").first.is_visible()
    assert page.locator(".app-marking").first.inner_text().startswith("OFFICIAL-SENSITIVE")
    assert not page.locator(".app-print-marking").first.is_visible()  # on screen the banner marks the page
    assert_accessible(page)
    page.check("text=This financial year")
    page.click("button:has-text('Apply filters')")
    page.wait_for_url("**period=financial_year**")
    assert "1 April" in page.locator(".govuk-caption-l").first.inner_text()

    page.emulate_media(media="print")
    for selector in (".govuk-service-navigation", "form.app-filters", ".govuk-button", ".app-header__user"):
        assert [el for el in page.locator(selector).all() if el.is_visible()] == [], selector
    markings = page.locator(".app-print-marking")
    assert markings.count() == 2 and all(m.is_visible() for m in markings.all())
    assert [m.inner_text() for m in markings.all()] == ["OFFICIAL-SENSITIVE", "OFFICIAL-SENSITIVE"]
    repeats = page.evaluate(
        "() => [...document.querySelectorAll('.app-print-frame > thead, .app-print-frame > tfoot')]"
        ".map(e => getComputedStyle(e).display)"
    )
    assert repeats == ["table-header-group", "table-footer-group"]  # browsers repeat these on every printed page
    row = page.locator(".app-report-table tr").first.evaluate("tr => getComputedStyle(tr).breakInside")
    assert row == "avoid"
    frame = page.locator(".app-print-frame > tbody > tr").first.evaluate("tr => getComputedStyle(tr).breakInside")
    assert frame == "auto"  # the whole report may run over several pages
    pdf = page.pdf(format="A4")
    assert len(re.findall(rb"/Type\s*/Page[^s]", pdf)) >= 2  # thirty escalations run onto a second A4 page


def test_the_governance_pages_are_accessible(page, live_server, client, officer, emt, sign_in):
    group = make_working_group(client, officer)
    meeting = make_meeting(client, officer, group["id"], decisions=["Adopt the plan"], minutes="We met.")
    site = make_site(client, officer, "Market square", classification="OFFICIAL")
    make_action(
        client,
        officer,
        group["id"],
        meeting_id=meeting["id"],
        due_on=str(today_london() - timedelta(days=3)),
        links=[{"type": "site", "id": site["id"]}],
    )
    make_priority(client, emt)
    sign_in(page, emt.username, TEST_PASSWORD)
    for path in (
        "/governance",
        f"/governance/groups/{group['id']}",
        f"/governance/meetings/{meeting['id']}",
        "/governance/actions",
        "/governance/priorities?year=2026",
        "/",
    ):
        page.goto(f"{live_server}{path}")
        assert page.locator("h1").first.is_visible(), path
        assert_accessible(page)
    page.goto(f"{live_server}/governance/actions")
    page.select_option("#group_id", group["id"])
    page.check("text=Only overdue actions")
    page.click("button:has-text('Apply filters')")
    page.wait_for_url("**overdue=true**")
    assert page.locator("strong.govuk-tag:has-text('Overdue')").count() == 1
