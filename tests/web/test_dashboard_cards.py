"""Every count on the dashboard links to the list filtered to exactly what it counts (no browser)."""

from __future__ import annotations

import re

from tests.builders import summary_scene
from tests.web.pages import signed_in

_FIGURE = re.compile(
    r'<a class="govuk-link app-figure__link" href="([^"]+)"><span class="app-figure__count">(\d+)</span>'
)
_ROW = re.compile(r'<tr class="govuk-table__row">(.*?)</tr>', re.S)
_DETAIL = {  # the list a card opens → the link each of its rows has to one record
    "/prevent/plans/": re.compile(r'href="/prevent/items/[0-9a-f-]{36}"'),
    "/prevent": re.compile(r'href="/prevent/plans/[0-9a-f-]{36}"'),
    "/protect/sites": re.compile(r'href="/protect/sites/[0-9a-f-]{36}"'),
    "/prepare/plans": re.compile(r'href="/prepare/plans/[0-9a-f-]{36}"'),
    "/prepare/risks": re.compile(r'href="/prepare/risks/[0-9a-f-]{36}"'),
    "/tensions/queue": re.compile(r'href="/tensions/reports/[0-9a-f-]{36}"'),
}


def _rows(html: str, href: str) -> int:
    path = href.split("?")[0]
    detail = next(pattern for prefix, pattern in _DETAIL.items() if path.startswith(prefix))
    return sum(1 for row in _ROW.findall(html) if detail.search(row))


def _check_every_card(tab) -> list[str]:
    dashboard = tab.get("/")
    assert dashboard.status_code == 200
    figures = _FIGURE.findall(dashboard.text)
    assert figures
    for href, count in figures:
        listed = tab.get(href.replace("&amp;", "&"))
        assert listed.status_code == 200, href
        assert _rows(listed.text, href) == int(count), f"{href}: the card says {count}"
    return [href for href, _ in figures]


def test_each_card_opens_the_list_of_exactly_what_it_counts(app, client, officer, emt):
    summary_scene(client, officer, emt)
    hrefs = _check_every_card(signed_in(app, officer.username))
    prevent = [h for h in hrefs if h.startswith("/prevent")]
    in_force = client.get("/api/v1/summary", headers=officer.headers).json()["prevent"]["plan_in_force_id"]
    assert f"/prevent/plans/{in_force}?overdue=true" in prevent  # the overdue items, not the list of plans
    assert {h.split("?")[1] for h in prevent} == {
        "overdue=true",
        "rag=red",
        "rag=amber",
        "open=true",
        "status=submitted",
    }
    assert len(hrefs) == 5 + 4 + 5 + 1  # + community tensions' new reports


def test_an_official_member_gets_the_same_numbers_in_the_lists(app, client, officer, emt, member):
    summary_scene(client, officer, emt)
    _check_every_card(signed_in(app, member.username))


def test_without_a_plan_in_force_the_prevent_cards_say_so(app, client, officer):
    tab = signed_in(app, officer.username)
    page = tab.get("/").text
    assert "No delivery plan is in force today." in page
    assert 'href="/prevent?status=submitted"' in page
