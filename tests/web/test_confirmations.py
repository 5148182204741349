"""Irreversible actions ask "Are you sure?" first, on a page that works without JavaScript (app/web/confirm.py,
macros/confirm.html): the warning says what will happen, the button POSTs the action, Cancel changes nothing."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser import assert_accessible
from tests.builders import make_prevent_item, make_prevent_plan
from tests.conftest import TEST_PASSWORD

pytestmark = pytest.mark.browser
API = "/api/v1"


@pytest.fixture
def no_js(browser, live_server):
    """A page with JavaScript off, and a way to sign it in."""
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()

    def sign_in(username: str) -> None:
        page.goto(f"{live_server}/login")
        page.fill("#username", username)
        page.fill("#password", TEST_PASSWORD)
        page.click("button:has-text('Sign in')")

    yield page, sign_in
    context.close()


def _confirm_page(page, question: str) -> None:
    assert page.locator("h1").inner_text() == question
    assert page.locator(".govuk-warning-text").count() == 1
    assert page.locator("a:has-text('Cancel')").count() == 1


def test_removing_an_item_asks_first_and_cancel_keeps_it(no_js, live_server, client, officer):
    page, sign_in = no_js
    plan = make_prevent_plan(client, officer)
    item = make_prevent_item(client, officer, plan["id"])
    sign_in(officer.username)
    page.goto(f"{live_server}/prevent/items/{item['id']}")
    page.click("button:has-text('Remove this item')")
    _confirm_page(page, "Are you sure you want to remove this item?")
    page.click("a:has-text('Cancel')")
    assert client.get(f"{API}/prevent/items/{item['id']}", headers=officer.headers).status_code == 200
    page.click("button:has-text('Remove this item')")
    page.click("button:has-text('Remove this item')")
    expect(page.locator("main")).to_contain_text(f"Item {item['ref']} was removed.")
    assert client.get(f"{API}/prevent/items/{item['id']}", headers=officer.headers).status_code == 404


def test_starting_the_annual_review_asks_first(no_js, live_server, client, officer, emt):
    # Approval asks first too, through its own decision and check pages (tests/web/test_prevent.py).
    page, sign_in = no_js
    plan = make_prevent_plan(client, officer)
    assert client.post(f"{API}/prevent/plans/{plan['id']}/submit", headers=officer.headers).status_code == 200
    assert client.post(f"{API}/prevent/plans/{plan['id']}/approve", headers=emt.headers, json={}).status_code == 200
    sign_in(officer.username)
    page.goto(f"{live_server}/prevent/plans/{plan['id']}")
    page.click("button:has-text('Start the annual review')")
    _confirm_page(page, "Are you sure you want to start the annual review?")
    page.click("button:has-text('Start the annual review')")
    expect(page.locator("main")).to_contain_text("was drafted with every open item carried forward")


def test_revoking_a_key_and_deactivating_a_user_ask_first(no_js, live_server, client, admin, make_user):
    page, sign_in = no_js
    user = make_user("officer")
    sign_in(admin.username)
    page.goto(f"{live_server}/admin/api-keys")
    page.fill("#name", "Partner key")
    page.fill("#organisation", "Met")
    page.check("input[value='prevent:read']")
    page.click("button:has-text('Create key')")
    assert page.locator("#api-key-secret").inner_text().startswith("chub_")
    page.goto(f"{live_server}/admin/api-keys")
    page.click("button:has-text('Revoke')")
    _confirm_page(page, "Are you sure you want to revoke this API key?")
    page.click("button:has-text('Revoke')")
    expect(page.locator("main")).to_contain_text("The API key was revoked.")
    page.goto(f"{live_server}/admin/users")
    page.click(f"button:has-text('Deactivate {user.username}')")
    _confirm_page(page, "Are you sure you want to deactivate this user?")
    page.click("button:has-text('Deactivate')")
    expect(page.locator("main")).to_contain_text(f"{user.username} was deactivated.")


def test_recording_the_threat_level_asks_first(no_js, live_server, client, officer):
    page, sign_in = no_js
    sign_in(officer.username)
    page.goto(f"{live_server}/threat-level")
    page.check("input[name='level'][value='SEVERE']")
    page.click("button:has-text('Record threat level')")
    _confirm_page(page, "Are you sure you want to record the UK national threat level as SEVERE?")
    assert client.get(f"{API}/threat-level/history", headers=officer.headers).json()["items"] == []
    page.click("button:has-text('Record threat level')")
    expect(page.locator("main")).to_contain_text("Recorded: UK national threat level SEVERE.")


def test_every_confirmation_page_is_accessible(page, live_server, client, admin, sign_in):
    plan = make_prevent_plan(client, admin)
    item = make_prevent_item(client, admin, plan["id"])
    key = client.post(
        f"{API}/api-keys", headers=admin.headers, json={"name": "k", "organisation": "o", "scopes": ["prevent:read"]}
    )
    sign_in(page, admin.username, TEST_PASSWORD)
    for path in [
        f"/prevent/items/{item['id']}/delete",
        f"/prevent/plans/{plan['id']}/review",
        f"/admin/api-keys/{key.json()['id']}/revoke",
        f"/admin/users/{admin.user_id}/deactivate",
    ]:
        page.goto(f"{live_server}{path}")
        assert page.locator("h1").inner_text().startswith("Are you sure you want to"), path
        assert_accessible(page)
    page.goto(f"{live_server}/threat-level")
    page.check("input[name='level'][value='LOW']")
    page.click("button:has-text('Record threat level')")
    assert page.locator("h1").inner_text().startswith("Are you sure you want to")
    assert_accessible(page)
