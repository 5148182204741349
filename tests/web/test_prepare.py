"""Prepare pages in a real browser: plan filters (with and without JavaScript), CSV, the risk matrix,
an exercise with lessons, forms with ETag conflicts, and axe-core on every page."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import expect

from app.core.clock import today_london
from tests.browser import assert_accessible
from tests.conftest import TEST_PASSWORD

pytestmark = pytest.mark.browser

API = "/api/v1"


def post(live_server, actor, path, body):
    response = httpx.post(f"{live_server}{API}{path}", headers=actor.headers, json=body)
    assert response.status_code == 201, response.text
    return response.json()


@pytest.fixture
def register(live_server, officer):
    """Plans, risks and an exercise, made through the API."""
    late = (today_london() - timedelta(days=10)).isoformat()
    flood = post(
        live_server,
        officer,
        "/risks",
        {
            "title": "River flooding",
            "category": "flooding",
            "likelihood": 3,
            "impact": 3,
            "owner": "Emergency Planning",
        },
    )
    attack = post(
        live_server,
        officer,
        "/risks",
        {
            "title": "Marauding attack",
            "category": "terrorism",
            "likelihood": 2,
            "impact": 5,
            "owner": "Community Safety",
        },
    )
    rest = post(
        live_server,
        officer,
        "/contingency-plans",
        {
            "title": "Rest centre plan",
            "plan_type": "recovery",
            "owner": "Adult Social Care",
            "status": "approved",
            "activation_level": "NORMAL",
            "risk_ids": [flood["id"]],
        },
    )
    post(
        live_server,
        officer,
        "/contingency-plans",
        {
            "title": "Business continuity plan",
            "plan_type": "business_continuity",
            "owner": "Resilience",
            "review_due": late,
        },
    )
    post(
        live_server,
        officer,
        "/contingency-plans",
        {
            "title": "Crowded places plan",
            "plan_type": "site_specific",
            "owner": "Protect",
            "status": "approved",
            "activation_level": "EXCEPTIONAL",
            "risk_ids": [attack["id"]],
        },
    )
    exercise = post(
        live_server,
        officer,
        "/exercises",
        {
            "title": "Exercise Safe Haven",
            "held_on": "2026-05-01",
            "exercise_type": "tabletop",
            "plan_ids": [rest["id"]],
            "participants": ["London Fire Brigade", "British Red Cross"],
            "lessons": [{"text": "Keys held by one person", "action": "Second key holder", "owner": "Facilities"}],
        },
    )
    return {"rest": rest, "flood": flood, "exercise": exercise}


def rows(page, table="#plans-table"):
    return page.locator(f"{table} tbody tr td:first-child").all_inner_texts()


def test_plan_filters_with_javascript_swap_results_and_csv_follows(page, live_server, officer, sign_in, register):
    sign_in(page, officer.username, TEST_PASSWORD)
    page.click("a.govuk-service-navigation__link:has-text('Prepare')")
    assert page.locator("h1").inner_text() == "Contingency plans"
    assert len(rows(page)) == 3
    assert_accessible(page)
    page.check("#review_overdue")  # htmx fetches the filtered results on change
    page.wait_for_url("**review_overdue=true**")
    expect(page.locator("#plans-table tbody tr")).to_have_count(1)
    assert [r.split("\n")[0] for r in rows(page)] == ["Business continuity plan"]
    assert "Overdue" in page.locator("#plans-table").inner_text()
    with page.expect_download() as download:
        page.click("text=Download these plans as CSV")
    text = Path(download.value.path()).read_text(encoding="utf-8")
    assert "Business continuity plan" in text and "Rest centre plan" not in text
    page.uncheck("#review_overdue")
    page.check("#active_now")
    page.wait_for_url("**active_now=true**")
    expect(page.locator("#plans-table tbody tr")).to_have_count(1)
    assert "Rest centre plan" in rows(page)[0]
    assert_accessible(page)


def test_plan_filters_work_without_javascript(browser, live_server, officer, register):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(f"{live_server}/login")
    page.fill("#username", officer.username)
    page.fill("#password", TEST_PASSWORD)
    page.click("button:has-text('Sign in')")
    page.goto(f"{live_server}/prepare/plans")
    page.select_option("#plan_type", "site_specific")
    page.click("button:has-text('Apply filters')")
    assert "plan_type=site_specific" in page.url
    assert [r.split("\n")[0] for r in rows(page)] == ["Crowded places plan"]
    context.close()


def test_plan_page_shows_risks_exercises_and_review_state(page, live_server, officer, sign_in, register):
    sign_in(page, officer.username, TEST_PASSWORD)
    page.goto(f"{live_server}/prepare/plans/{register['rest']['id']}")
    content = page.locator("main").inner_text()
    assert "River flooding" in content and "Exercise Safe Haven" in content and "Active now" in content
    assert_accessible(page)


def test_editing_a_plan_that_changed_meanwhile_shows_the_current_values(page, live_server, officer, sign_in, register):
    sign_in(page, officer.username, TEST_PASSWORD)
    plan = register["rest"]
    page.goto(f"{live_server}/prepare/plans/{plan['id']}/edit")
    assert_accessible(page)
    httpx.patch(
        f"{live_server}{API}/contingency-plans/{plan['id']}",
        headers=officer.headers | {"If-Match": '"1"'},
        json={"owner": "Housing Needs"},
    ).raise_for_status()
    page.fill("#owner", "My change")
    page.click("button:has-text('Save plan')")
    assert "Someone else changed this record" in page.locator(".govuk-error-summary").inner_text()
    assert page.input_value("#owner") == "Housing Needs"
    assert "My change" in page.locator("#conflict").inner_text()
    assert_accessible(page)
    page.fill("#owner", "My change")
    page.click("button:has-text('Save plan')")
    assert "The plan was saved." in page.content()
    assert "My change" in page.locator("main").inner_text()


def test_adding_a_plan_reports_errors_then_saves(page, live_server, officer, sign_in, register):
    sign_in(page, officer.username, TEST_PASSWORD)
    page.goto(f"{live_server}/prepare/plans/new")
    page.click("button:has-text('Save plan')")
    assert page.locator(".govuk-error-summary").is_visible()
    assert_accessible(page)
    page.fill("#title", "Pandemic plan")
    page.select_option("#plan_type", "business_continuity")
    page.fill("#owner", "Public Health")
    page.click("button:has-text('Save plan')")
    assert page.locator("h1").inner_text() == "Pandemic plan"


def test_risk_matrix_counts_and_links_to_its_risks(page, live_server, officer, sign_in, register):
    sign_in(page, officer.username, TEST_PASSWORD)
    page.goto(f"{live_server}/prepare/risks")
    matrix = page.locator("#risk-matrix")
    assert matrix.locator("th[scope=col]").count() == 5 and matrix.locator("th[scope=row]").count() == 5
    assert "Very high" in matrix.inner_text() and "Catastrophic" in matrix.inner_text()
    assert_accessible(page)
    page.click("#risk-matrix a:has-text('risk with likelihood 2 and impact 5')")
    assert "likelihood=2" in page.url and "impact=5" in page.url
    assert [r.split("\n")[0] for r in rows(page, "#risks-table")] == ["Marauding attack"]
    page.click("#risks-table a:has-text('Marauding attack')")
    assert "Crowded places plan" in page.locator("main").inner_text()
    assert_accessible(page)
    page.click("text=Change this risk")
    assert_accessible(page)


def test_exercise_with_lessons_and_open_actions(page, live_server, officer, sign_in, register):
    sign_in(page, officer.username, TEST_PASSWORD)
    page.goto(f"{live_server}/prepare/exercises")
    assert "1 open" in page.locator("main").inner_text()
    assert_accessible(page)
    page.click("text=Exercise Safe Haven")
    assert "1 open action." in page.locator("#open-actions").inner_text()
    assert_accessible(page)
    page.fill("#text", "Radio coverage poor in the basement")
    page.fill("#action", "Survey coverage")
    page.fill("#owner", "ICT")
    page.click("button:has-text('Add lesson')")
    assert "The lesson was added." in page.content()
    assert "2 open actions." in page.locator("#open-actions").inner_text()
    page.click("button:has-text('Mark done: Keys held by one person')")
    assert "1 open action." in page.locator("#open-actions").inner_text()
    page.goto(f"{live_server}/prepare/exercises/new")
    assert_accessible(page)


def test_a_viewer_reads_but_sees_no_change_links_and_no_sensitive_plans(
    page, live_server, officer, viewer, make_user, sign_in, register
):
    post(
        live_server,
        officer,
        "/contingency-plans",
        {"title": "Secret plan", "plan_type": "other", "owner": "X", "classification": "OFFICIAL-SENSITIVE"},
    )
    actor = make_user("viewer")
    sign_in(page, actor.username, TEST_PASSWORD)
    page.goto(f"{live_server}/prepare/plans")
    assert "Secret plan" not in page.content() and "Add a plan" not in page.content()
    assert len(rows(page)) == 3
