"""The search box in the header and the /search page: fast checks of what the page says, then the journey in
Chromium (axe-core clean, and with JavaScript off)."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from app.web.search import marked
from tests.browser import assert_accessible
from tests.builders import make_prevent_item, make_prevent_plan, make_risk, make_site
from tests.conftest import TEST_PASSWORD
from tests.web import pages
from tests.web.pages import signed_in

# --- fast: no browser ---


def test_marked_splits_a_snippet_into_matches_and_the_rest():
    assert marked("the river floods", [[4, 9]]) == [("the ", False), ("river", True), (" floods", False)]
    assert marked("river", [[0, 5]]) == [("river", True)]
    assert marked("abc", [[2, 1], [0, 9]]) == [("abc", False)]  # nonsense offsets: shown, unmarked


def test_the_page_escapes_what_was_typed_and_stored_and_marks_only_the_match(app, client, officer):
    make_risk(
        client,
        officer,
        title="<b>Bold</b> flood",
        description="Water <script>alert(1)</script> floods the underpass.",
        classification="OFFICIAL",
    )
    tab = signed_in(app, officer.username)
    page = tab.get("/search", params={"q": "underpass"})
    assert page.status_code == 200
    assert "<script>alert(1)</script>" not in page.text
    assert "alert(1)" in page.text  # the stored text is shown as text (PostgreSQL's headline leaves tags out)
    assert '<mark class="app-search-mark">underpass</mark>' in page.text
    assert "&lt;b&gt;Bold&lt;/b&gt; flood" in page.text
    typed = tab.get("/search", params={"q": '"><img src=x onerror=alert(1)>'})
    assert typed.status_code == 200 and "<img src=x" not in typed.text


def test_an_empty_search_shows_the_form_and_no_results_guidance_when_nothing_matches(app, officer):
    tab = signed_in(app, officer.username)
    empty = tab.get("/search")
    assert empty.status_code == 200 and 'id="q"' in empty.text and "no matching results" not in empty.text
    nothing = tab.get("/search", params={"q": "xylophone"})
    assert "There are no matching results." in nothing.text and "double-checking your spelling" in nothing.text


def test_a_search_too_long_is_a_govuk_error_not_the_apis_words(app, officer):
    tab = signed_in(app, officer.username)
    page = tab.get("/search", params={"q": "x" * 600})
    assert page.status_code == 400
    assert "There is a problem" in page.text and "Search for 500 characters or fewer" in page.text
    assert "should have" not in page.text and "String" not in page.text


def test_an_official_user_sees_no_trace_of_sensitive_records(app, client, officer, viewer):
    make_site(client, officer, "Harbour control room", classification="OFFICIAL-SENSITIVE")
    tab = signed_in(app, viewer.username)
    page = tab.get("/search", params={"q": "harbour"})
    assert "There are no matching results." in page.text and "control room" not in page.text


def test_the_header_has_a_search_box_for_signed_in_staff_only(app, officer):
    anonymous = pages.browser(app).get("/login")
    assert 'action="/search"' not in anonymous.text
    home = signed_in(app, officer.username).get("/")
    assert 'action="/search"' in home.text and 'for="app-header-search"' in home.text


def test_types_narrow_the_results_and_paging_keeps_the_search(app, client, officer):
    for n in range(25):
        make_site(client, officer, f"Ferry terminal {n}", classification="OFFICIAL")
    make_risk(client, officer, title="Ferry sinking", classification="OFFICIAL")
    tab = signed_in(app, officer.username)
    sites = tab.get("/search", params={"q": "ferry", "types": "site"})
    assert "Ferry sinking" not in sites.text and sites.text.count('class="app-search-result"') == 20
    assert "q=ferry&amp;types=site&amp;cursor=" in sites.text
    risks = tab.get("/search", params={"q": "ferry", "types": "risk"})
    assert risks.text.count('class="app-search-result"') == 1 and "Ferry sinking" in risks.text


# --- in the browser ---


@pytest.mark.browser
def test_search_from_the_header_to_a_record(page, live_server, client, officer, sign_in):
    plan = make_prevent_plan(client, officer, title="Prevent plan", classification="OFFICIAL")
    item = make_prevent_item(
        client, officer, plan["id"], title="Mentoring at the lighthouse youth club", classification="OFFICIAL"
    )
    make_site(client, officer, "Lighthouse theatre", classification="OFFICIAL-SENSITIVE")
    sign_in(page, officer.username, TEST_PASSWORD)
    page.get_by_label("Search CONTEST Hub").fill("lighth")
    page.get_by_role("button", name="Search", exact=True).click()
    expect(page).to_have_title("lighth \u2013 Search \u2013 CONTEST Hub")
    expect(page.locator("#result-count")).to_have_text("2 results, best first.")
    expect(page.locator(".app-search-result .govuk-tag").first).to_be_visible()
    assert_accessible(page)
    page.get_by_role("link", name="Mentoring at the lighthouse youth club").click()
    page.wait_for_url(f"{live_server}/prevent/items/{item['id']}")


@pytest.mark.browser
def test_no_results_page_is_accessible(page, live_server, officer, sign_in):
    sign_in(page, officer.username, TEST_PASSWORD)
    page.goto(f"{live_server}/search?q=zzzz")
    expect(page.locator("#result-count")).to_have_text("There are no matching results.")
    assert_accessible(page)
    page.goto(f"{live_server}/search?q={'x' * 600}")
    expect(page.locator(".govuk-error-summary")).to_contain_text("Search for 500 characters or fewer")
    assert_accessible(page)


@pytest.mark.browser
def test_search_works_without_javascript(browser, live_server, client, officer):
    make_risk(client, officer, title="Tidal surge", classification="OFFICIAL")
    make_site(client, officer, "Tidal basin", classification="OFFICIAL")
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(f"{live_server}/login")
    page.fill("#username", officer.username)
    page.fill("#password", TEST_PASSWORD)
    page.click("button:has-text('Sign in')")
    page.wait_for_url(lambda url: "/login" not in url)
    page.fill("#app-header-search", "tidal")
    page.click(".app-header__search-button")
    page.wait_for_url("**/search?q=tidal")
    expect(page.locator(".app-search-result")).to_have_count(2)
    page.check("input[name=types][value=risk]")
    page.click("main button:has-text('Search')")
    expect(page.locator(".app-search-result")).to_have_count(1)
    expect(page.locator(".app-search-result h3")).to_have_text("Tidal surge")
    context.close()


@pytest.mark.browser
def test_the_header_search_and_the_results_fit_a_phone(page, live_server, client, officer, sign_in):
    long = "Supercalifragilisticexpialidocious-safeguarding-partnership-arrangements"
    make_risk(client, officer, title=f"Harbour {long}", description=f"{long} " * 5, classification="OFFICIAL-SENSITIVE")
    page.set_viewport_size({"width": 390, "height": 844})
    sign_in(page, officer.username, TEST_PASSWORD)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    expect(page.locator("#app-header-search")).to_be_visible()
    assert_accessible(page)
    page.goto(f"{live_server}/search?q=harbour")
    expect(page.locator(".app-search-result")).to_have_count(1)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    assert_accessible(page)
