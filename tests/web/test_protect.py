"""Protect pages in a real browser: the register, its map and CSV, the cordon search, edits and conflicts."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.browser import assert_accessible
from tests.conftest import TEST_PASSWORD
from tests.web.pages import fill_date

pytestmark = pytest.mark.browser

SITES = "/api/v1/sites"
PLACES = [
    ("Trafalgar Square", "crowded_place", (51.50809, -0.12806), "WC2N 5DN", 5000),
    ("Charing Cross Station", "transport_hub", (51.50802, -0.12478), "WC2N 5HF", 3000),
    ("Big Ben", "iconic_site", (51.50073, -0.12463), "SW1A 0AA", 150),
    ("St Paul's Cathedral", "place_of_worship", (51.51381, -0.09836), "EC4M 8AD", 2500),
]


@pytest.fixture
def register(client, officer):
    """Four sites, created through the API."""
    ids = {}
    for name, category, (lat, lon), postcode, capacity in PLACES:
        response = client.post(
            SITES,
            headers=officer.headers,
            json={
                "name": name,
                "category": category,
                "location": {"lat": lat, "lon": lon},
                "postcode": postcode,
                "capacity": capacity,
                "ward": "St James's",
                "protective_measures": ["CCTV"],
            },
        )
        assert response.status_code == 201, response.text
        ids[name] = response.json()["id"]
    return ids


def _markers(page) -> int:
    page.wait_for_selector("[data-site-map][data-ready='true']")
    return page.locator(".leaflet-marker-icon").count()


def test_register_filters_in_place_and_the_map_shows_the_filtered_sites(page, live_server, officer, register, sign_in):
    sign_in(page, officer.username, TEST_PASSWORD)
    page.click("a.govuk-service-navigation__link:has-text('Protect')")
    assert page.locator("h1").inner_text() == "Protective security sites"
    assert page.locator("#site-table tbody tr").count() == 4
    assert _markers(page) == 4
    assert_accessible(page)
    page.select_option("#tier", "enhanced")  # htmx swaps the results in place and pushes the URL
    page.wait_for_url("**tier=enhanced**")
    expect(page.locator("#site-table tbody tr")).to_have_count(3)
    assert _markers(page) == 3
    page.fill("#q", "station")
    page.click("button:has-text('Apply filters')")
    expect(page.locator("#site-table tbody tr")).to_have_count(1)
    assert "Charing Cross Station" in page.locator("#site-table").inner_text()
    assert _markers(page) == 1
    with page.expect_download() as download:
        page.click("a:has-text('Download these sites as CSV')")
    text = Path(download.value.path()).read_text(encoding="utf-8")
    assert "Charing Cross Station" in text and "Trafalgar Square" not in text
    page.locator(".leaflet-marker-icon").first.click()
    page.click(".leaflet-popup a:has-text('Charing Cross Station')")
    page.wait_for_url(f"**/protect/sites/{register['Charing Cross Station']}")
    assert_accessible(page)


def test_register_works_without_javascript(browser, live_server, officer, register, sign_in):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    sign_in(page, officer.username, TEST_PASSWORD)
    page.goto(f"{live_server}/protect/sites?category=iconic_site")
    assert page.locator("#site-table tbody tr").count() == 1
    assert not page.locator("[data-site-map]").is_visible()  # the table is the map's alternative
    page.click("a:has-text('Capacity')")
    assert "sort=capacity" in page.url
    context.close()


def test_cordon_search_from_a_listed_site_and_from_a_map_click(page, live_server, officer, register, sign_in):
    sign_in(page, officer.username, TEST_PASSWORD)
    page.goto(f"{live_server}/protect/cordon")
    assert_accessible(page)
    page.select_option("#site", register["Trafalgar Square"])
    page.fill("#radius_m", "400")
    page.click("main button:has-text('Search')")  # not the header's search
    rows = page.locator("#cordon-table tbody tr")
    assert rows.count() == 2
    assert "Trafalgar Square" in rows.nth(0).inner_text() and "0 m" in rows.nth(0).inner_text()
    assert "Charing Cross Station" in rows.nth(1).inner_text() and "227 m" in rows.nth(1).inner_text()
    assert _markers(page) == 2
    assert_accessible(page)
    page.locator("[data-site-map]").click(
        position={"x": 40, "y": 380}
    )  # a click on the map (off the markers) sets the point
    assert page.input_value("#lat") != "" and page.input_value("#site") == ""
    page.fill("#lat", "51.51381")
    page.fill("#lon", "-0.09836")
    page.fill("#radius_m", "100")
    page.click("main button:has-text('Search')")
    assert page.locator("#cordon-table tbody tr").count() == 1
    assert "St Paul's Cathedral" in page.locator("#cordon-table").inner_text()


def test_edit_a_site_and_meet_a_conflict(page, live_server, officer, register, sign_in, client):
    site_id = register["Big Ben"]
    sign_in(page, officer.username, TEST_PASSWORD)
    page.goto(f"{live_server}/protect/sites/{site_id}")
    assert "Out of scope" in page.locator("#site-details").inner_text()
    assert_accessible(page)
    page.click("a:has-text('Change this site')")
    assert_accessible(page)
    page.fill("#capacity", "900")
    page.click("button:has-text('Save site')")
    assert "Your changes were saved." in page.content()
    assert "Enhanced" in page.locator("#site-details").inner_text()
    page.click("a:has-text('Change this site')")
    page.fill("#capacity", "250")
    etag = client.get(f"{SITES}/{site_id}", headers=officer.headers).headers["etag"]
    changed = client.patch(
        f"{SITES}/{site_id}",
        headers=officer.headers | {"If-Match": etag},
        json={"operator": "Parliamentary Estate"},
    )  # someone else, meanwhile
    assert changed.status_code == 200
    page.click("button:has-text('Save site')")
    assert "Someone else changed this record" in page.locator(".govuk-error-summary").inner_text()
    assert page.input_value("#operator") == "Parliamentary Estate"  # their version is shown
    assert "250" in page.locator("#conflict").inner_text()  # and what you typed, not saved
    assert client.get(f"{SITES}/{site_id}", headers=officer.headers).json()["capacity"] == 900
    assert_accessible(page)
    page.fill("#capacity", "250")
    page.click("button:has-text('Save site')")
    assert "Standard" in page.locator("#site-details").inner_text()


def test_add_a_site_and_an_assessment(page, live_server, officer, sign_in):
    sign_in(page, officer.username, TEST_PASSWORD)
    page.goto(f"{live_server}/protect/sites/new")
    assert_accessible(page)
    page.click("button:has-text('Save site')")
    assert page.locator(".govuk-error-summary").is_visible()
    assert_accessible(page)
    page.fill("#name", "Covent Garden Piazza")
    page.select_option("#category", "commercial_centre")
    page.fill("#postcode", "wc2e8rf")
    page.fill("#lat", "51.51196")
    page.fill("#lon", "-0.12283")
    page.fill("#capacity", "4000")
    page.click("button:has-text('Save site')")
    assert page.locator("h1").inner_text() == "Covent Garden Piazza"
    assert "WC2E 8RF" in page.locator("#site-details").inner_text()
    page.click("a:has-text('Record an assessment')")
    assert_accessible(page)
    fill_date(page, "assessed_on", "2026-10-01")
    page.fill("#assessor", "CTSA Jones")
    page.fill("#rec_text_0", "Install hostile vehicle mitigation")
    page.click("button:has-text('Save assessment')")
    assert "The assessment was recorded." in page.content()
    assert "Install hostile vehicle mitigation" in page.content()
    assert "1 October 2026" in page.locator("#site-details").inner_text()
    page.click("a:has-text('Change this assessment')")
    page.select_option("#rec_status_0", "done")
    page.click("button:has-text('Save assessment')")
    assert "The assessment was saved." in page.content()
    assert page.locator(".govuk-tag:has-text('Done')").count() == 1


def test_training_log_form_chart_and_table(page, live_server, officer, sign_in):
    sign_in(page, officer.username, TEST_PASSWORD)
    page.click("a.govuk-service-navigation__link:has-text('Protect')")
    page.click(".app-subnav a:has-text('Training')")
    assert_accessible(page)
    page.select_option("#course", "act_awareness")
    fill_date(page, "delivered_on", "2026-05-14")
    page.select_option("#audience", "business")
    page.fill("#organisation", "Soho traders")
    page.fill("#attendees", "31")
    page.click("button:has-text('Log session')")
    assert "was logged" in page.content()
    assert page.locator("#training-chart rect").count() == 1
    assert "2026-27 Q1" in page.locator("#training-stats").inner_text()
    assert "31" in page.locator("#training-stats").inner_text()
    assert_accessible(page)
    page.click("button:has-text('Log session')")
    assert page.locator(".govuk-error-summary").is_visible()
    assert_accessible(page)


def test_an_official_user_sees_no_sensitive_sites(page, live_server, viewer, register, sign_in):
    sign_in(page, viewer.username, TEST_PASSWORD)
    page.goto(f"{live_server}/protect/sites")
    assert "No sites match" in page.locator("#site-table").inner_text()
    assert _markers(page) == 0
    response = page.goto(f"{live_server}/protect/sites/{register['Big Ben']}")
    assert response.status == 404
