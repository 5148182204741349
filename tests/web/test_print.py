"""Printing the plan, the risk register and the site list for EMT papers: content only, marked, no link addresses."""

from __future__ import annotations

import pytest

from tests import builders
from tests.conftest import TEST_PASSWORD

pytestmark = pytest.mark.browser

HIDDEN_WHEN_PRINTED = [".govuk-service-navigation", "form.app-filters", ".govuk-button", ".app-header__user"]


def test_plan_risks_and_sites_print_without_navigation_or_filters(page, live_server, client, officer, sign_in):
    plan = builders.make_prevent_plan(client, officer)
    builders.make_prevent_item(client, officer, plan["id"])
    builders.make_risk(client, officer)
    builders.make_site(client, officer, "Covent Garden piazza")
    sign_in(page, officer.username, TEST_PASSWORD)
    for path in (f"/prevent/plans/{plan['id']}", "/prepare/risks", "/protect/sites"):
        page.emulate_media(media="screen")
        page.goto(f"{live_server}{path}")
        for selector in (".govuk-service-navigation", "form.app-filters"):
            assert page.locator(selector).first.is_visible(), (path, selector)
        page.emulate_media(media="print")
        for selector in HIDDEN_WHEN_PRINTED:
            shown = [el for el in page.locator(selector).all() if el.is_visible()]
            assert shown == [], (path, selector)
        assert page.locator(".app-marking").is_visible(), path
        assert page.locator("table.govuk-table").first.is_visible(), path
        after = page.locator("main a.govuk-link").first.evaluate("a => getComputedStyle(a, '::after').content")
        assert after in ("none", "normal", '""'), (path, after)  # no "(https://…)" after links
        rows = page.locator("table.govuk-table tr").first.evaluate("tr => getComputedStyle(tr).breakInside")
        assert rows == "avoid", path
