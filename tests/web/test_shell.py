"""The web shell in a real browser: sign in, sign out, API keys, CSRF, error pages, accessibility."""

from __future__ import annotations

import httpx
import pytest

from tests.browser import assert_accessible
from tests.conftest import TEST_PASSWORD

pytestmark = pytest.mark.browser


def test_sign_in_shows_the_dashboard_and_sign_out_ends_the_session(page, live_server, make_user, sign_in):
    actor = make_user("officer")
    page.goto(f"{live_server}/")
    assert "/login" in page.url  # a page that needs a user sends you to sign in
    assert_accessible(page)
    sign_in(page, actor.username, TEST_PASSWORD)
    assert page.locator("h1").inner_text() == "Dashboard"
    assert "cleared OFFICIAL-SENSITIVE" in page.locator(".app-header__user").inner_text()
    assert "OFFICIAL-SENSITIVE" in page.locator(".app-marking").inner_text()
    assert_accessible(page)
    page.click("button:has-text('Sign out')")
    page.wait_for_url(f"{live_server}/login")
    assert "You have signed out." in page.content()
    page.goto(f"{live_server}/")
    assert "/login" in page.url


def test_wrong_password_shows_an_error_summary(page, live_server, make_user):
    actor = make_user("viewer")
    page.goto(f"{live_server}/login")
    page.fill("#username", actor.username)
    page.fill("#password", "not-the-password")
    page.click("button:has-text('Sign in')")
    summary = page.locator(".govuk-error-summary")
    assert "The username or password is not right" in summary.inner_text()
    assert page.title().startswith("Error:")
    assert_accessible(page)


def test_admin_creates_a_key_sees_it_once_and_revokes_it(page, live_server, make_user, sign_in):
    actor = make_user("admin")
    sign_in(page, actor.username, TEST_PASSWORD)
    page.click("a.govuk-service-navigation__link:has-text('Admin')")
    page.click(".app-subnav a:has-text('API keys')")
    assert_accessible(page)
    page.fill("#name", "Met CT feed")
    page.fill("#organisation", "Metropolitan Police Service")
    page.check("input[value='prevent:read']")
    page.select_option("#clearance", "OFFICIAL-SENSITIVE")
    page.click("button:has-text('Create key')")
    secret = page.locator("#api-key-secret").inner_text()
    assert secret.startswith("chub_")
    assert_accessible(page)
    page.reload()  # post/redirect/get: a refresh sends nothing again and the key is not shown again
    assert secret not in page.content() and "shown only once" in page.content()
    assert page.locator("table tbody tr:has-text('Met CT feed')").count() == 1
    me = httpx.get(f"{live_server}/api/v1/me", headers={"Authorization": f"Bearer {secret}"})
    assert me.json()["organisation"] == "Metropolitan Police Service"
    page.goto(f"{live_server}/admin/api-keys")
    assert secret not in page.content()  # never shown again
    page.click("button:has-text('Revoke')")
    assert page.locator("h1").inner_text() == "Are you sure you want to revoke this API key?"
    assert_accessible(page)
    page.click("button:has-text('Revoke')")
    assert "The API key was revoked." in page.content()
    assert httpx.get(f"{live_server}/api/v1/me", headers={"Authorization": f"Bearer {secret}"}).status_code == 401


def test_missing_fields_on_key_form_are_reported(page, live_server, make_user, sign_in):
    actor = make_user("admin")
    sign_in(page, actor.username, TEST_PASSWORD)
    page.goto(f"{live_server}/admin/api-keys")
    page.click("button:has-text('Create key')")
    assert page.locator(".govuk-error-summary").is_visible()
    assert_accessible(page)


def test_a_post_without_csrf_token_is_refused(page, live_server, make_user, sign_in):
    actor = make_user("admin")
    sign_in(page, actor.username, TEST_PASSWORD)
    response = page.request.post(
        f"{live_server}/admin/api-keys",
        form={"name": "sneaky", "organisation": "x", "scopes": "admin", "clearance": "OFFICIAL"},
    )
    assert response.status == 403
    assert "Your form could not be sent" in response.text()
    page.goto(f"{live_server}/admin/api-keys")
    assert "sneaky" not in page.content()


def test_admin_adds_and_deactivates_a_user(page, live_server, make_user, sign_in):
    actor = make_user("admin")
    sign_in(page, actor.username, TEST_PASSWORD)
    page.goto(f"{live_server}/admin/users")
    assert_accessible(page)
    page.fill("#username", "new.officer")
    page.fill("#name", "New Officer")
    page.select_option("#role", "officer")
    page.fill("#password", "a-long-password-1")
    page.click("button:has-text('Add user')")
    assert "User new.officer was added." in page.content()
    page.click("button:has-text('Deactivate new.officer')")
    assert page.locator("h1").inner_text() == "Are you sure you want to deactivate this user?"
    page.click("button:has-text('Deactivate')")
    assert "new.officer was deactivated." in page.content()


def test_error_pages_are_accessible(page, live_server, make_user, sign_in):
    page.goto(f"{live_server}/no-such-page")
    assert page.locator("h1").inner_text() == "Page not found"
    assert_accessible(page)
    actor = make_user("viewer")
    sign_in(page, actor.username, TEST_PASSWORD)
    response = page.goto(f"{live_server}/admin/api-keys")
    assert response.status == 403
    assert page.locator("h1").inner_text() == "You do not have access"
    assert_accessible(page)


def test_pages_work_without_javascript(browser, live_server, make_user):
    actor = make_user("officer")
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(f"{live_server}/login")
    page.fill("#username", actor.username)
    page.fill("#password", TEST_PASSWORD)
    page.click("button:has-text('Sign in')")
    assert page.locator("h1").inner_text() == "Dashboard"
    context.close()


def test_api_docs_render_from_this_server(page, live_server):
    requests = []
    page.on("request", lambda request: requests.append(request.url))
    page.goto(f"{live_server}/api/docs")
    page.wait_for_selector(".opblock", timeout=15000)
    assert page.locator(".opblock").count() >= 10
    assert all(url.startswith(live_server) for url in requests), [u for u in requests if live_server not in u]


def test_api_guide_is_accessible_and_local(page, live_server):
    requests = []
    page.on("request", lambda request: requests.append(request.url))
    page.goto(f"{live_server}/api/docs/guide")
    assert page.locator("h1").inner_text() == "CONTEST Hub API v1"
    assert_accessible(page)
    page.click("text=Threat feeds and push events")
    assert "webhook-signature" in page.content()
    assert all(url.startswith(live_server) for url in requests), [u for u in requests if live_server not in u]
