"""The dashboard in a browser: what needs attention, per area, within the user's clearance."""

from __future__ import annotations

import pytest

from tests.browser import assert_accessible
from tests.builders import summary_scene as _arrange
from tests.conftest import TEST_PASSWORD

pytestmark = pytest.mark.browser


def test_the_dashboard_shows_what_needs_attention(page, live_server, client, make_user, sign_in):
    officer = make_user("officer")
    _arrange(client, officer, make_user("emt"))
    sign_in(page, officer.username, TEST_PASSWORD)
    prevent = page.locator("section[aria-labelledby='prevent-heading']").inner_text()
    assert "1\ndelivery plan items overdue" in prevent and "2\nitems rated red" in prevent
    assert "plans active now" in page.locator("#active-now-heading").inner_text().lower()
    assert "CRITICAL" in page.locator("#threat-banner").inner_text()
    assert_accessible(page)
    page.click("text=sites overdue for review")
    assert "/protect/sites" in page.url


def test_an_official_member_sees_fewer_records_and_no_admin(page, live_server, client, make_user, sign_in):
    _arrange(client, make_user("officer"), make_user("emt"))
    member = make_user("member")
    sign_in(page, member.username, TEST_PASSWORD)
    assert "1\nitems rated red" in page.locator("section[aria-labelledby='prevent-heading']").inner_text()
    assert page.locator("text=Partner API keys").count() == 0
    assert_accessible(page)
