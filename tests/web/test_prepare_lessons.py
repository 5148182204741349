"""Exercises and their lessons in a real browser: changing an exercise, lessons with due dates that are changed,
marked done and reopened (never a false conflict when someone else adds a lesson), the tracker of open lessons,
axe-core on every page, and the same journey without JavaScript."""

from __future__ import annotations

from datetime import timedelta

import pytest

from app.core.clock import today_london
from app.web.dates import long_date
from tests.browser import assert_accessible
from tests.builders import make_exercise, make_lesson
from tests.conftest import TEST_PASSWORD
from tests.web.pages import fill_date

pytestmark = pytest.mark.browser

API = "/api/v1/exercises"


def _late(days: int = 10) -> str:
    return (today_london() - timedelta(days=days)).isoformat()


def _soon(days: int = 10) -> str:
    return (today_london() + timedelta(days=days)).isoformat()


def test_an_exercise_is_changed_on_its_own_page(page, live_server, officer, client, sign_in):
    e = make_exercise(client, officer, title="Exercise Safe Haven", summary="")
    sign_in(page, officer.username, TEST_PASSWORD)
    page.goto(f"{live_server}/prepare/exercises/{e['id']}")
    details = page.locator("main dl").inner_text()
    assert "Summary\tNot given" in details and "Summary\tNone" not in details
    page.click("a:has-text('Change this exercise')")
    assert page.locator("h1").inner_text() == "Change Exercise Safe Haven"
    assert_accessible(page)
    page.fill("#title", "")
    fill_date(page, "held_on", "2026-02-30")
    page.click("button:has-text('Save exercise')")
    summary = page.locator(".govuk-error-summary").inner_text()
    assert "Enter the exercise's title" in summary and "Date the exercise was held must be a real date" in summary
    assert page.input_value("#held_on-day") == "30"  # what was typed stays
    assert_accessible(page)
    page.fill("#title", "Exercise Safe Harbour")
    fill_date(page, "held_on", "2026-03-04")
    page.select_option("#exercise_type", "live")
    page.fill("#summary", "Evacuation of the civic centre")
    page.click("button:has-text('Save exercise')")
    assert "Your changes to the exercise were saved." in page.content()
    assert page.locator("h1").inner_text() == "Exercise Safe Harbour"
    details = page.locator("main dl").inner_text()
    assert "4 March 2026" in details and "Live" in details and "Evacuation of the civic centre" in details


def test_changing_an_exercise_someone_else_changed_shows_both_versions(page, live_server, officer, client, sign_in):
    e = make_exercise(client, officer, title="Exercise Northern Lights")
    sign_in(page, officer.username, TEST_PASSWORD)
    page.goto(f"{live_server}/prepare/exercises/{e['id']}/edit")
    page.fill("#title", "My title")
    changed = client.patch(f"{API}/{e['id']}", headers=officer.headers | {"If-Match": '"1"'}, json={"title": "Theirs"})
    assert changed.status_code == 200
    page.click("button:has-text('Save exercise')")
    conflict = page.locator("main").inner_text()
    assert "My title" in conflict and "Theirs" in conflict
    assert_accessible(page)


def test_lessons_get_due_dates_are_changed_marked_done_and_reopened(page, live_server, officer, client, sign_in):
    e = make_exercise(client, officer, title="Exercise Safe Haven")
    sign_in(page, officer.username, TEST_PASSWORD)
    page.goto(f"{live_server}/prepare/exercises/{e['id']}")
    page.click("button:has-text('Add lesson')")  # blank: plain words, no code words
    assert "Enter the lesson learned" in page.locator(".govuk-error-summary").inner_text()
    assert_accessible(page)
    page.fill("#text", "Keys held by one person")
    page.fill("#action", "Second key holder")
    page.fill("#owner", "Facilities")
    fill_date(page, "due_on", _late())
    page.click("button:has-text('Add lesson')")
    assert "The lesson was added." in page.content()
    row = page.locator("#lessons-table tbody tr").first
    assert "Overdue" in row.inner_text() and long_date(_late()) in row.inner_text()
    assert_accessible(page)
    page.click("#lessons-table a:has-text('Change')")
    assert page.locator("h1").inner_text() == "Change a lesson"
    assert_accessible(page)
    page.fill("#owner", "Estates")
    fill_date(page, "due_on", _soon())
    page.click("button:has-text('Save lesson')")
    assert "Your changes to the lesson were saved." in page.content()
    row = page.locator("#lessons-table tbody tr").first
    assert "Estates" in row.inner_text() and "Overdue" not in row.inner_text()
    page.click("button:has-text('Mark done: Keys held by one person')")
    assert "The action was marked done." in page.content()
    assert "0 open actions." in page.locator("#open-actions").inner_text()
    page.click("button:has-text('Reopen: Keys held by one person')")
    assert "The action was reopened." in page.content()
    assert "1 open action." in page.locator("#open-actions").inner_text()


def test_mark_done_is_not_a_conflict_when_someone_else_added_a_lesson(page, live_server, officer, client, sign_in):
    e = make_exercise(client, officer)
    make_lesson(client, officer, e["id"], text="Radios failed in the basement")
    sign_in(page, officer.username, TEST_PASSWORD)
    page.goto(f"{live_server}/prepare/exercises/{e['id']}")
    make_lesson(client, officer, e["id"], text="Added by a colleague meanwhile")  # the page is now out of date
    page.click("button:has-text('Mark done: Radios failed in the basement')")
    assert "The action was marked done." in page.content()
    assert "Someone else changed" not in page.content()
    assert "Added by a colleague meanwhile" in page.locator("#lessons-table").inner_text()


def test_marking_done_a_lesson_someone_else_changed_is_refused_in_words(page, live_server, officer, client, sign_in):
    e = make_exercise(client, officer)
    lesson = make_lesson(client, officer, e["id"], text="Rest centre too small")
    sign_in(page, officer.username, TEST_PASSWORD)
    page.goto(f"{live_server}/prepare/exercises/{e['id']}")
    url = f"{API}/{e['id']}/lessons/{lesson['id']}"
    assert client.patch(url, headers=officer.headers | {"If-Match": '"1"'}, json={"owner": "EP"}).status_code == 200
    page.click("button:has-text('Mark done: Rest centre too small')")
    assert "Someone else changed this lesson" in page.locator(".govuk-error-summary").inner_text()
    assert client.get(url, headers=officer.headers).json()["status"] == "open"
    assert_accessible(page)


def test_the_tracker_lists_open_lessons_of_every_exercise_overdue_first(page, live_server, officer, client, sign_in):
    first = make_exercise(client, officer, title="Exercise Alpha")
    second = make_exercise(client, officer, title="Exercise Bravo")
    make_lesson(client, officer, first["id"], text="No date yet")
    make_lesson(client, officer, second["id"], text="Due soon", due_on=_soon(), owner="ICT")
    make_lesson(client, officer, first["id"], text="Long overdue", due_on=_late(30))
    make_lesson(client, officer, second["id"], text="Finished", status="done")
    sign_in(page, officer.username, TEST_PASSWORD)
    page.goto(f"{live_server}/prepare/exercises")
    page.click("#tracker-link")
    assert page.locator("h1").inner_text() == "Lessons from exercises"
    rows = page.locator("#tracker-table tbody tr")
    assert [rows.nth(i).locator("td").first.inner_text().split("\n")[0] for i in range(3)] == [
        "Long overdue",
        "Due soon",
        "No date yet",
    ]
    assert "Overdue" in rows.nth(0).inner_text() and "Exercise Alpha" in rows.nth(0).inner_text()
    assert "Finished" not in page.locator("#tracker-table").inner_text()
    assert_accessible(page)
    page.check("#overdue")
    page.click("button:has-text('Apply filters')")
    assert page.locator("#tracker-table tbody tr").count() == 1
    page.goto(f"{live_server}/prepare/lessons?status=done")
    assert "Finished" in page.locator("#tracker-table").inner_text()
    page.goto(f"{live_server}/prepare/lessons?owner=ict")
    assert page.locator("#tracker-table tbody tr").count() == 1
    page.goto(f"{live_server}/prepare/lessons")
    page.click("#tracker-table button:has-text('Mark done: Long overdue')")
    assert "The action was marked done." in page.content()


def test_lessons_and_the_tracker_work_without_javascript(browser, live_server, officer, client, sign_in):
    e = make_exercise(client, officer, title="Exercise Safe Haven")
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    sign_in(page, officer.username, TEST_PASSWORD)
    page.goto(f"{live_server}/prepare/exercises/{e['id']}")
    page.fill("#text", "Generator did not start")
    fill_date(page, "due_on", _late())
    page.click("button:has-text('Add lesson')")
    assert "The lesson was added." in page.content()
    page.goto(f"{live_server}/prepare/lessons")
    assert "Generator did not start" in page.locator("#tracker-table").inner_text()
    assert "Overdue" in page.locator("#tracker-table").inner_text()
    page.goto(f"{live_server}/prepare/exercises/{e['id']}")
    page.click("button:has-text('Mark done: Generator did not start')")
    assert "0 open actions." in page.locator("#open-actions").inner_text()
    page.click("button:has-text('Reopen: Generator did not start')")
    assert "1 open action." in page.locator("#open-actions").inner_text()
    page.click("#lessons-table a:has-text('Change')")
    page.fill("#owner", "Facilities")
    page.click("button:has-text('Save lesson')")
    assert "Facilities" in page.locator("#lessons-table").inner_text()
    page.click("a:has-text('Change this exercise')")
    page.fill("#title", "Exercise Safe Harbour")
    page.click("button:has-text('Save exercise')")
    assert page.locator("h1").inner_text() == "Exercise Safe Harbour"
    context.close()


def test_on_a_phone_the_exercise_and_the_tracker_fit_the_screen(browser, live_server, officer, client, sign_in):
    e = make_exercise(client, officer, title="Exercise Safe Haven")
    make_lesson(client, officer, e["id"], text="Keys held by one person", due_on=_late(), owner="Facilities")
    context = browser.new_context(viewport={"width": 390, "height": 844})
    page = context.new_page()
    sign_in(page, officer.username, TEST_PASSWORD)
    for path in (f"/prepare/exercises/{e['id']}", "/prepare/lessons", f"/prepare/exercises/{e['id']}/edit"):
        page.goto(f"{live_server}{path}")
        assert page.evaluate("() => document.documentElement.scrollWidth") <= 390, path
    context.close()
