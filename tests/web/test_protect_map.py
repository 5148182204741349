"""The site map in a real browser: fitted to the filtered sites, a legend in words, one tab stop before the table,
a point picked on the site form, each site's own map, and words (and the table) without JavaScript."""

from __future__ import annotations

import pytest

from tests.browser import assert_accessible
from tests.builders import make_site
from tests.conftest import TEST_PASSWORD

pytestmark = pytest.mark.browser

CATEGORIES = ["crowded_place", "transport_hub", "iconic_site", "place_of_worship", "night_time_economy"]
PHONE = {"width": 390, "height": 844}


@pytest.fixture
def forty_sites(client, officer):
    """Forty sites spread across London, from Ealing to Greenwich, in five categories."""
    return [
        make_site(
            client,
            officer,
            f"Site {i:02d}",
            point=(51.46 + (i % 8) * 0.013, -0.30 + (i // 8) * 0.075),
            category=CATEGORIES[i % 5],
            capacity=100 + i * 50,
        )
        for i in range(40)
    ]


MAP_STATE = """() => {
  const el = document.querySelector('[data-site-map]');
  const map = el._siteMap;
  const bounds = map.getBounds();
  const markers = [];
  map.eachLayer((layer) => { if (layer instanceof L.Marker) markers.push(layer.getLatLng()); });
  const box = el.getBoundingClientRect();
  const drawn = [...el.querySelectorAll('.leaflet-marker-icon')].map((icon) => icon.getBoundingClientRect());
  return {
    markers: markers.length,
    inside: markers.filter((at) => bounds.contains(at)).length,
    seen: drawn.filter((r) => r.left >= box.left && r.right <= box.right && r.top >= box.top && r.bottom <= box.bottom)
      .length,
    zoom: map.getZoom(),
    height: el.getBoundingClientRect().height,
  };
}"""


def _map(page):
    page.wait_for_selector("[data-site-map][data-ready='true']")
    return page.evaluate(MAP_STATE)


def _no_wider_than_the_screen(page):
    assert page.evaluate("() => document.documentElement.scrollWidth") <= page.viewport_size["width"]


def test_the_map_opens_fitted_to_every_filtered_site_with_a_legend(page, live_server, officer, forty_sites, sign_in):
    sign_in(page, officer.username, TEST_PASSWORD)
    page.goto(f"{live_server}/protect/sites")
    state = _map(page)
    assert state["markers"] == 40 and state["inside"] == 40 and state["seen"] == 40, state  # whole, on screen
    assert state["height"] > 300 and state["zoom"] < 16
    legend = page.locator("#map-legend")
    assert legend.is_visible()
    assert "Crowded place" in legend.inner_text() and "Transport hub" in legend.inner_text()
    assert page.locator("#map-legend li").count() == 11
    assert "lists the same sites" in page.locator("#map-words").inner_text()
    assert_accessible(page)
    page.goto(f"{live_server}/protect/sites?q=Site+07")  # one site: close in, but not at the tiles' maximum
    state = _map(page)
    assert state["markers"] == 1 and state["inside"] == 1 and state["zoom"] == 16


def test_on_a_phone_the_map_shows_every_site_and_nothing_is_wider_than_the_screen(
    browser, live_server, officer, forty_sites, sign_in
):
    context = browser.new_context(viewport=PHONE)
    page = context.new_page()
    sign_in(page, officer.username, TEST_PASSWORD)
    page.goto(f"{live_server}/protect/sites")
    state = _map(page)
    assert state["markers"] == 40 and state["inside"] == 40 and state["seen"] == 40, state
    _no_wider_than_the_screen(page)
    page.goto(f"{live_server}/protect/sites/{forty_sites[0]['id']}")
    assert _map(page)["markers"] == 1
    _no_wider_than_the_screen(page)
    page.goto(f"{live_server}/protect/sites/new")
    _map(page)
    _no_wider_than_the_screen(page)
    context.close()


def test_the_map_is_one_tab_stop_and_the_table_follows_it(page, live_server, officer, forty_sites, sign_in):
    sign_in(page, officer.username, TEST_PASSWORD)
    page.goto(f"{live_server}/protect/sites")
    _map(page)
    assert page.locator(".leaflet-marker-icon[tabindex]:not([tabindex='-1'])").count() == 0
    page.focus("[data-site-map]")
    stops = 0
    while not page.evaluate("() => Boolean(document.activeElement.closest('.app-table-wrapper'))"):
        page.keyboard.press("Tab")
        stops += 1
        assert stops <= 3, "the keyboard should reach the table within three stops of the map (zoom in, zoom out)"
    page.focus("#map-words a")
    page.keyboard.press("Enter")
    assert page.evaluate("() => location.hash") == "#site-table"


def test_picking_a_point_on_the_map_fills_the_fields_and_the_site_shows_it(
    page, live_server, officer, forty_sites, sign_in
):
    sign_in(page, officer.username, TEST_PASSWORD)
    page.goto(f"{live_server}/protect/sites/new")
    _map(page)
    assert page.locator("#pick-hint").is_visible()
    assert page.input_value("#lat") == "" and page.input_value("#lon") == ""
    page.locator("[data-site-map]").click(position={"x": 200, "y": 120})
    lat, lon = float(page.input_value("#lat")), float(page.input_value("#lon"))
    assert 51.3 < lat < 51.7 and -0.5 < lon < 0.3
    assert page.locator(".app-map__picked").count() == 1
    assert_accessible(page)
    page.fill("#name", "Picked on the map")
    page.select_option("#category", "crowded_place")
    page.click("button:has-text('Save site')")
    page.wait_for_selector("#location-words")
    words = page.locator("#location-words").inner_text()
    assert f"Latitude {lat:.6f}, longitude {lon:.6f}" in words
    state = _map(page)
    assert state["markers"] == 1 and state["inside"] == 1
    assert_accessible(page)
    page.click("a:has-text('Change this site')")
    page.wait_for_selector("[data-site-map][data-ready='true']")
    assert page.locator(".app-map__picked").count() == 1  # the form's map starts at the stored point
    page.fill("#lat", "51.5")
    page.fill("#lon", "-0.1")
    page.locator("#lon").dispatch_event("change")
    assert page.evaluate("() => document.querySelector('[data-site-map]').dataset.picked") == "51.500000,-0.100000"


def test_without_javascript_the_words_and_the_table_stand_in_for_the_map(
    browser, live_server, officer, forty_sites, sign_in
):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    sign_in(page, officer.username, TEST_PASSWORD)
    page.goto(f"{live_server}/protect/sites")
    assert "The table of sites below lists the same sites" in page.locator("#map-words").inner_text()
    assert page.locator("#site-table tbody tr").count() == 40
    assert not page.locator("[data-site-map]").is_visible() and not page.locator("#map-legend").is_visible()
    page.goto(f"{live_server}/protect/sites/{forty_sites[3]['id']}")
    site = forty_sites[3]
    expected = f"Latitude {site['location']['lat']:.6f}, longitude {site['location']['lon']:.6f}"
    assert expected in page.locator("#location-words").inner_text()
    page.goto(f"{live_server}/protect/sites/new")
    assert page.locator("#lat").is_visible() and not page.locator("#pick-hint").is_visible()
    context.close()
