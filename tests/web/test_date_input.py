"""A date form in the browser, with and without JavaScript: day, month and year boxes; a date typed wrongly gets
the GOV.UK date message, the wrong boxes are highlighted and what was typed stays; then the plan is created."""

from __future__ import annotations

import pytest

from tests.browser import assert_accessible
from tests.conftest import TEST_PASSWORD
from tests.web.pages import fill_date

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("javascript", [True, False], ids=["javascript", "no-javascript"])
def test_a_wrong_date_is_explained_kept_and_corrected(browser, live_server, make_user, javascript):
    officer = make_user("officer")
    context = browser.new_context(java_script_enabled=javascript)
    page = context.new_page()
    page.goto(f"{live_server}/login?next=/prevent/plans/new")
    page.fill("#username", officer.username)
    page.fill("#password", TEST_PASSWORD)
    page.click("button:has-text('Sign in')")
    assert page.locator("input[type='date']").count() == 0
    assert "For example, 31 3 2027" in page.locator("#period_start-hint").inner_text()

    page.fill("#title", "Prevent delivery plan 2027 to 2028")
    page.fill("#period_start-day", "31")
    page.fill("#period_start-month", "2")
    page.fill("#period_start-year", "2027")
    page.fill("#period_end-day", "31")
    page.fill("#period_end-year", "2028")
    page.click("button:has-text('Create plan')")

    summary = page.locator(".govuk-error-summary")
    assert "Date the plan starts must be a real date" in summary.inner_text()
    assert "Date the plan ends must include a month" in summary.inner_text()
    assert summary.locator("a[href='#period_start-day']").count() == 1
    assert summary.locator("a[href='#period_end-month']").count() == 1
    for box, typed in [("period_start-day", "31"), ("period_start-month", "2"), ("period_start-year", "2027")]:
        assert page.input_value(f"#{box}") == typed  # what was typed stays
    assert page.input_value("#period_end-day") == "31" and page.input_value("#period_end-month") == ""
    assert "govuk-input--error" in page.get_attribute("#period_start-day", "class")
    assert "govuk-input--error" not in page.get_attribute("#period_start-year", "class")
    assert "govuk-input--error" in page.get_attribute("#period_end-month", "class")
    assert "govuk-input--error" not in page.get_attribute("#period_end-day", "class")
    assert page.input_value("#title") == "Prevent delivery plan 2027 to 2028"
    if javascript:  # axe-core runs as a script in the page
        assert_accessible(page)

    if javascript:  # GOV.UK Frontend moves focus to the box to correct (without it, the link is a plain anchor)
        summary.locator("a[href='#period_end-month']").click()
        assert page.evaluate("document.activeElement.id") == "period_end-month"
    fill_date(page, "period_start", "2027-04-01")
    fill_date(page, "period_end", "2028-03-31")
    page.click("button:has-text('Create plan')")
    assert "The draft plan Prevent delivery plan 2027 to 2028 was created." in page.content()
    assert "1 April 2027" in page.content() and "31 March 2028" in page.content()
    context.close()
