"""Prevent pages in a real browser: filters with and without JavaScript, updates, conflicts, review, a11y."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from app.core.clock import today_london
from tests.browser import assert_accessible
from tests.conftest import TEST_PASSWORD
from tests.web.pages import fill_date

pytestmark = pytest.mark.browser
API = "/api/v1"
TODAY = today_london()


def arrange(client, actor, *, with_assessment=True):
    """A plan with a threat assessment and five items, made through the API."""
    ta = None
    if with_assessment:
        ta = client.post(
            f"{API}/threat-assessments",
            headers=actor.headers,
            json={
                "title": "CTLP 2026",
                "issued_by": "Met CT Policing",
                "period_start": "2026-01-01",
                "period_end": "2026-12-31",
                "priorities": [
                    {"area": "Northbank ward", "theme": "Extreme right-wing", "rating": "high"},
                    {"area": "Colleges", "theme": "Islamist", "rating": "medium"},
                ],
            },
        ).json()
    plan = client.post(
        f"{API}/prevent/plans",
        headers=actor.headers,
        json={
            "title": "Prevent delivery plan 2026-27",
            "period_start": "2026-04-01",
            "period_end": "2027-03-31",
            **({"threat_assessment_id": ta["id"]} if ta else {}),
        },
    ).json()
    specs = [
        ("ideology", "red", -3, "Counter-narrative workshops"),
        ("ideology", "green", 20, "Venue hire policy"),
        ("institutions", "red", 10, "Prevent duty audit of colleges"),
        ("safeguarding", "amber", -1, "Channel panel attendance review"),
        ("safeguarding", None, 40, "Youth worker training"),
    ]
    items = []
    for area, rag, days, title in specs:
        items.append(
            client.post(
                f"{API}/prevent/items",
                headers=actor.headers,
                json={
                    "plan_id": plan["id"],
                    "title": title,
                    "key_area": area,
                    "owner": "Prevent Coordinator",
                    "rag": rag,
                    "due_date": str(TODAY + timedelta(days=days)),
                    "priority_refs": ["P1"],
                },
            ).json()
        )
    return plan, items


def shown_titles(page):
    return sorted(page.locator("table.app-items tbody td:nth-child(2) a").all_inner_texts())


def test_plan_filters_update_in_place_with_htmx(page, live_server, client, make_user, sign_in):
    officer = make_user("officer")
    plan, _items = arrange(client, officer)
    sign_in(page, officer.username, TEST_PASSWORD)
    page.click("a.govuk-service-navigation__link:has-text('Prevent')")
    assert_accessible(page)
    page.click(f"a:has-text('{plan['title']}')")
    assert page.locator("h1").inner_text() == plan["title"]
    assert len(shown_titles(page)) == 5
    assert_accessible(page)
    page.evaluate("window.__stillHere = true")
    with page.expect_response(lambda r: "rag=red" in r.url):
        page.select_option("#rag", "red")
    expect(page.locator("table.app-items tbody tr")).to_have_count(2)
    assert page.evaluate("window.__stillHere") is True  # swapped in place, not reloaded
    assert "rag=red" in page.url
    assert shown_titles(page) == ["Counter-narrative workshops", "Prevent duty audit of colleges"]
    page.fill("#q", "colleges")
    page.click("button:has-text('Apply filters')")
    expect(page.locator("table.app-items tbody tr")).to_have_count(1)
    assert page.evaluate("window.__stillHere") is True
    assert_accessible(page)
    href = page.get_attribute("a:has-text('Download these items as CSV')", "href")
    exported = page.request.get(f"{live_server}{href}")
    rows = list(csv.DictReader(io.StringIO(exported.text())))
    assert [r["title"] for r in rows] == ["Prevent duty audit of colleges"]


def test_plan_filters_and_sorting_work_without_javascript(browser, live_server, client, make_user):
    officer = make_user("officer")
    plan, _items = arrange(client, officer)
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(f"{live_server}/login")
    page.fill("#username", officer.username)
    page.fill("#password", TEST_PASSWORD)
    page.click("button:has-text('Sign in')")
    page.goto(f"{live_server}/prevent/plans/{plan['id']}")
    page.select_option("#overdue", "true")
    page.click("button:has-text('Apply filters')")
    assert "overdue=true" in page.url
    assert shown_titles(page) == ["Channel panel attendance review", "Counter-narrative workshops"]
    page.goto(f"{live_server}/prevent/plans/{plan['id']}?key_area=ideology")
    page.click("table[data-key-area='ideology'] th a:has-text('Due')")
    assert "sort=due_date" in page.url and "key_area=ideology" in page.url
    order = page.locator("table.app-items tbody td:nth-child(2) a").all_inner_texts()
    assert order == ["Counter-narrative workshops", "Venue hire policy"]
    page.click("table[data-key-area='ideology'] th a:has-text('Due')")
    assert "sort=-due_date" in page.url
    assert page.locator("table.app-items tbody td:nth-child(2) a").all_inner_texts() == order[::-1]
    context.close()


def test_adding_a_progress_update_changes_the_item_and_its_timeline(page, live_server, client, make_user, sign_in):
    officer = make_user("officer")
    _plan, items = arrange(client, officer)
    sign_in(page, officer.username, TEST_PASSWORD)
    page.goto(f"{live_server}/prevent/items/{items[0]['id']}")
    assert_accessible(page)
    page.click("button:has-text('Add update')")  # an empty note is refused with an error summary
    assert page.locator(".govuk-error-summary").is_visible()
    assert_accessible(page)
    page.fill("#note", "Final workshop held at the library; evaluation returned.")
    page.select_option("#status", "complete")
    page.click("button:has-text('Add update')")
    assert "Your update was added to the timeline." in page.content()
    entry = page.locator(".app-timeline__entry").first.inner_text()
    assert "Not started → Complete" in entry and "Red → None" in entry and "evaluation returned" in entry
    item = client.get(f"{API}/prevent/items/{items[0]['id']}", headers=officer.headers).json()
    assert item["status"] == "complete" and item["rag"] is None and item["version"] == 2
    assert_accessible(page)


def test_an_edit_conflict_shows_the_current_values_and_overwrites_nothing(
    page, live_server, client, make_user, sign_in
):
    officer = make_user("officer")
    _plan, items = arrange(client, officer)
    item = items[2]
    sign_in(page, officer.username, TEST_PASSWORD)
    page.goto(f"{live_server}/prevent/items/{item['id']}/edit")
    assert_accessible(page)
    page.fill("#title", "My new title")
    other = client.patch(
        f"{API}/prevent/items/{item['id']}",
        headers=officer.headers | {"If-Match": '"1"'},
        json={"title": "Their new title", "owner": "Education Safeguarding Team"},
    )
    assert other.status_code == 200
    page.click("button:has-text('Save item')")
    assert "Someone else changed this record" in page.locator(".govuk-error-summary").inner_text()
    assert "My new title" in page.locator("#conflict").inner_text()
    assert page.input_value("#title") == "Their new title"
    assert page.input_value("#owner") == "Education Safeguarding Team"
    assert_accessible(page)
    now = client.get(f"{API}/prevent/items/{item['id']}", headers=officer.headers).json()
    assert now["title"] == "Their new title" and now["version"] == 2
    page.fill("#title", "Agreed title")  # saving again, from the current version, works
    page.click("button:has-text('Save item')")
    assert "The item was saved." in page.content()
    assert client.get(f"{API}/prevent/items/{item['id']}", headers=officer.headers).json()["title"] == "Agreed title"


def test_submit_return_resubmit_approve_then_the_annual_review(page, live_server, client, make_user, sign_in, emt):
    officer = make_user("officer")
    plan, items = arrange(client, officer)
    client.patch(
        f"{API}/prevent/items/{items[1]['id']}",
        headers=officer.headers | {"If-Match": '"1"'},
        json={"status": "complete"},
    )
    approver = make_user("emt")
    plan_url = f"{live_server}/prevent/plans/{plan['id']}"

    def as_user(user):
        page.context.clear_cookies()
        sign_in(page, user.username, TEST_PASSWORD)
        page.goto(plan_url)

    def submit():
        page.click("a:has-text('Submit for approval')")
        assert page.locator("h1").inner_text() == "Submit this plan to EMT for approval?"
        assert_accessible(page)
        page.click("button:has-text('Submit for approval')")
        assert "The plan was submitted to EMT for approval." in page.content()

    def decide(outcome, comments=""):
        page.click('a:has-text("Record EMT\'s decision")')
        assert_accessible(page)
        page.check(f"input[name=outcome][value={outcome}]")
        page.fill("#meeting", "EMT 26 November 2026")
        page.fill("#comments", comments)
        page.click("button:has-text('Continue')")

    as_user(officer)
    submit()
    as_user(approver)
    assert page.locator("button:has-text('Start the annual review')").count() == 0  # EMT reads and decides
    decide("return")  # no comments: the form says what is missing
    assert "Enter comments to return the plan" in page.locator(".govuk-error-summary").inner_text()
    assert_accessible(page)
    page.fill("#comments", "Add the schools work")
    page.click("button:has-text('Continue')")
    assert page.locator("h1").inner_text() == "Return this plan with comments?"
    assert_accessible(page)
    page.click("button:has-text('Return the plan')")
    assert "The plan was returned with your comments." in page.content()
    assert "Add the schools work" in page.locator("#decision").inner_text()
    as_user(officer)
    assert "Returned" in page.locator("h1 + p").inner_text()
    submit()
    as_user(approver)
    decide("approve")
    assert page.locator("h1").inner_text() == "Approve this plan?"
    page.click("button:has-text('Approve the plan')")
    assert "The plan was approved." in page.content()
    assert "EMT 26 November 2026" in page.locator("#decision").inner_text()
    assert_accessible(page)
    as_user(officer)
    assert page.locator('a:has-text("Record EMT\'s decision")').count() == 0
    page.click("button:has-text('Start the annual review')")
    page.click("button:has-text('Start the annual review')")  # are you sure?
    assert "was drafted with every open item carried forward" in page.content()
    assert page.locator("h1").inner_text() == "Prevent delivery plan 2027\u201328"
    assert "Venue hire policy" not in shown_titles(page) and len(shown_titles(page)) == 4
    assert_accessible(page)
    page.click("a:has-text('Threat assessment coverage')")
    assert "1 of 2 priorities have no item answering them." in page.inner_text("#unanswered-summary")
    assert page.locator(".app-unanswered").count() == 1
    assert "Not answered" in page.locator(".app-unanswered").inner_text()
    assert_accessible(page)
    page.click(".app-answered a >> nth=0")
    assert "The same action in the previous plan" in page.content()


def test_threat_assessment_plan_and_item_forms(page, live_server, make_user, sign_in):
    officer = make_user("officer")
    sign_in(page, officer.username, TEST_PASSWORD)
    page.goto(f"{live_server}/prevent/threat-assessments")
    assert_accessible(page)
    page.click("a:has-text('Record a threat assessment')")
    assert_accessible(page)
    page.fill("#title", "CTLP 2027")
    page.fill("#issued_by", "Met CT Policing")
    fill_date(page, "period_start", "2027-01-01")
    fill_date(page, "period_end", "2027-12-31")
    page.fill("#priorities-0-area", "Riverside ward")
    page.fill("#priorities-0-theme", "Extreme right-wing")
    page.select_option("#priorities-0-rating", "high")
    page.click("button:has-text('Record assessment')")
    assert "was recorded" in page.content() and "Riverside ward" in page.content()
    assert "OFFICIAL-SENSITIVE" in page.locator(".app-marking").inner_text()
    assert_accessible(page)
    page.click("a:has-text('Change this assessment')")
    assert_accessible(page)
    page.fill("#priorities-1-area", "Online")
    page.fill("#priorities-1-theme", "Mixed ideologies")
    page.click("button:has-text('Save assessment')")
    assert page.locator(".govuk-error-summary").is_visible()  # the second priority has no rating
    page.select_option("#priorities-1-rating", "low")
    page.click("button:has-text('Save assessment')")
    assert "The threat assessment was saved." in page.content()

    page.goto(f"{live_server}/prevent")
    page.click("a:has-text('Create a plan')")
    assert_accessible(page)
    page.fill("#title", "Prevent delivery plan 2027-28")
    fill_date(page, "period_start", "2027-04-01")
    fill_date(page, "period_end", "2027-03-01")
    page.click("button:has-text('Create plan')")
    assert page.locator(".govuk-error-summary a[href='#period_end-day']").is_visible()
    assert "The plan must end on or after the day it starts" in page.locator(".govuk-error-summary").inner_text()
    assert_accessible(page)
    fill_date(page, "period_end", "2028-03-31")
    page.select_option("#threat_assessment_id", label="CTLP 2027 (Met CT Policing)")
    page.click("button:has-text('Create plan')")
    assert "was created" in page.content()
    page.click("a:has-text('Add an item')")
    assert_accessible(page)
    page.fill("#title", "Faith leaders' forum on online harms")
    page.check("input[name='key_area'][value='ideology']")
    page.fill("#owner", "Community Cohesion Team")
    fill_date(page, "start_date", "2027-06-01")
    fill_date(page, "due_date", "2027-05-01")
    page.check("input[name='priority_refs'][value='P1']")
    page.click("button:has-text('Add item')")
    assert "The item must be due on or after the date it starts" in page.locator(".govuk-error-summary").inner_text()
    assert_accessible(page)
    fill_date(page, "due_date", "2027-09-30")
    page.click("button:has-text('Add item')")
    assert "Item IDE-01 was added." in page.content()
    assert "P1" in page.content()
