"""Pages without a browser (the whole app through TestClient): CSRF, edit conflicts in every area, permissions,
route order, the session cookie, the unavailable page. Journeys stay in the browser tests."""

from __future__ import annotations

import base64
import contextlib
import zlib
from typing import Any

import httpx
import pytest

from app.core.settings import Settings
from app.main import create_app
from app.web.client import ApiClient
from tests.conftest import TEST_SECRET
from tests.web.pages import browser, csrf_token, date_fields, signed_in, submit

API = "/api/v1"
PLAN = {"title": "Plan 2026", "period_start": "2026-04-01", "period_end": "2027-03-31"}


def _created(response: httpx.Response) -> dict[str, Any]:
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


# CSRF ------------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("token", [None, "not-the-token"])
def test_a_form_post_without_the_right_csrf_token_is_refused_and_changes_nothing(app, client, officer, token):
    tab = signed_in(app, officer.username)
    data = {"name": "Sneaky site", "category": "other", "address": "1 Road", "lat": "51.5", "lon": "-0.1"}
    response = tab.post("/protect/sites/new", data=data | ({"csrf_token": token} if token else {}))
    assert response.status_code == 403
    assert "Your form could not be sent" in response.text
    assert client.get(f"{API}/sites", headers=officer.headers).json()["items"] == []


def test_sign_in_itself_needs_the_csrf_token(app, officer):
    tab = browser(app)
    response = tab.post("/login", data={"username": officer.username, "password": "x", "next": "/"})
    assert response.status_code == 403


# Permissions -----------------------------------------------------------------------------------------------------


def test_a_viewer_posting_to_an_officer_form_is_refused(app, client, viewer, officer):
    tab = signed_in(app, viewer.username)
    token = csrf_token(tab.get("/").text)  # every signed-in page has one (the sign-out form)
    response = tab.post(
        "/prevent/plans",
        data={"csrf_token": token, "title": "A plan a viewer may not make", "classification": "OFFICIAL"},
    )
    assert response.status_code == 403  # the page refuses before the API is called: no form, no field error
    assert "You do not have permission to create Prevent plans. Ask an administrator." in response.text
    assert client.get(f"{API}/prevent/plans", headers=officer.headers).json()["items"] == []


def test_a_viewer_cannot_open_an_officer_form(app, viewer):
    tab = signed_in(app, viewer.username)
    response = tab.get("/admin/api-keys")
    assert response.status_code == 403
    assert "You do not have access" in response.text


# Route order -----------------------------------------------------------------------------------------------------


def test_the_new_site_form_is_not_taken_for_a_site_called_new(app, officer):
    tab = signed_in(app, officer.username)
    response = tab.get("/protect/sites/new")
    assert response.status_code == 200
    assert '<h1 class="govuk-heading-l">Add a site</h1>' in response.text


@pytest.mark.parametrize(
    "path", ["/prevent/plans/new", "/prevent/threat-assessments/new", "/prepare/plans/new", "/prepare/risks/new"]
)
def test_every_new_form_renders(app, officer, path):
    tab = signed_in(app, officer.username)
    response = tab.get(path)
    assert response.status_code == 200, response.text
    assert 'method="post"' in response.text


# The cordon search -----------------------------------------------------------------------------------------------


def test_the_cordon_page_works_when_a_site_has_no_postcode(app, client, officer):
    for name, postcode in [("No postcode", None), ("Big Ben", "SW1A 0AA"), ("Trafalgar Square", "WC2N 5DN")]:
        body: dict[str, Any] = {"name": name, "category": "other", "location": {"lat": 51.5, "lon": -0.12}}
        _created(client.post(f"{API}/sites", headers=officer.headers, json=body | {"postcode": postcode}))
    tab = signed_in(app, officer.username)
    response = tab.get("/protect/cordon")
    assert response.status_code == 200, response.text
    assert response.text.index("SW1A 0AA \u2013 Big Ben") < response.text.index("WC2N 5DN \u2013 Trafalgar Square")


# The session cookie ----------------------------------------------------------------------------------------------


def _decodings(value: str) -> list[bytes]:
    """Every way someone might read a cookie: as is, base64 of each dot-separated part, inflated."""
    seen = [value.encode()]
    for part in [value, *value.split(".")]:
        for pad in ("", "=", "=="):
            try:
                raw = base64.urlsafe_b64decode(part + pad)
            except ValueError:
                continue
            seen.append(raw)
            with contextlib.suppress(zlib.error):
                seen.append(zlib.decompress(raw))
    return seen


def test_the_session_cookie_never_carries_the_api_token_readably(app, client, officer):
    tab = signed_in(app, officer.username)
    token = client.post(
        f"{API}/auth/token", data={"username": officer.username, "password": "correct-horse-battery"}
    ).json()["access_token"]
    cookie = tab.cookies.get("contest_session")
    assert cookie
    prefix = token.split("_")[0].encode()
    for decoded in _decodings(cookie):
        assert token.encode() not in decoded
        assert officer.username.encode() not in decoded
        assert prefix + b"_" not in decoded  # no token of any kind, however it is decoded


def test_a_tampered_session_cookie_signs_the_user_out(app, officer):
    tab = signed_in(app, officer.username)
    assert tab.get("/").status_code == 200
    cookie = tab.cookies.get("contest_session")
    assert cookie
    flipped = cookie[:20] + ("A" if cookie[20] != "A" else "B") + cookie[21:]
    tab.cookies.set("contest_session", flipped)
    response = tab.get("/")
    assert response.status_code == 303 and response.headers["location"].startswith("/login")


def test_in_production_the_cookie_is_a_host_only_secure_cookie(settings, database):
    production = Settings(**(settings.model_dump() | {"env": "production", "secret_key": TEST_SECRET}))
    app = create_app(production, database)
    tab = browser(app)
    response = tab.get("/login")
    header = response.headers["set-cookie"]
    assert header.startswith("__Host-contest_session=")
    assert "Secure" in header and "Path=/" in header and "Domain" not in header


# The API unavailable ---------------------------------------------------------------------------------------------


async def _database_down(scope: Any, receive: Any, send: Any) -> None:
    """An API whose database is down: every call answers 503 (problem+json, with Retry-After)."""
    body = b'{"status": 503, "title": "Service unavailable", "detail": "The database is unavailable."}'
    headers = [(b"content-type", b"application/problem+json"), (b"retry-after", b"5")]
    await send({"type": "http.response.start", "status": 503, "headers": headers})
    await send({"type": "http.response.body", "body": body})


@pytest.mark.parametrize("failure", ["unreachable", "503"])
def test_pages_show_the_service_unavailable_page_when_the_api_is_down(app, officer, failure):
    tab = signed_in(app, officer.username)
    if failure == "unreachable":  # nothing listens on port 9 (discard) here
        transport: httpx.AsyncBaseTransport = httpx.AsyncHTTPTransport()
        base_url = "http://127.0.0.1:9/api/v1/"
    else:
        transport, base_url = httpx.ASGITransport(app=_database_down), "http://api.internal/api/v1/"
    real = app.state.api_client
    app.state.api_client = ApiClient(httpx.AsyncClient(transport=transport, base_url=base_url))
    try:
        response = tab.get("/protect/sites")
    finally:
        app.state.api_client = real
    assert response.status_code == 503
    assert '<h1 class="govuk-heading-l">Sorry, the service is unavailable</h1>' in response.text
    assert response.headers["retry-after"] == ("5" if failure == "503" else "60")


def test_submit_helper_posts_with_the_pages_token(app, client, officer):
    tab = signed_in(app, officer.username)
    data = {"title": "Plan 2027", "classification": "OFFICIAL"}
    data |= date_fields("period_start", "2026-04-01") | date_fields("period_end", "2027-03-31")
    response = submit(tab, "/prevent/plans", data, form_page="/prevent/plans/new")
    assert response.status_code == 303
    assert client.get(f"{API}/prevent/plans", headers=officer.headers).json()["items"][0]["title"] == "Plan 2027"


# Post/redirect/get ----------------------------------------------------------------------------------------------


def test_a_new_api_key_is_shown_once_after_a_redirect_and_a_refresh_makes_no_second_key(app, client, admin):
    tab = signed_in(app, admin.username)
    data = {"name": "Partner", "organisation": "Met", "scopes": "prevent:read", "clearance": "OFFICIAL"}
    response = submit(tab, "/admin/api-keys", data)
    assert response.status_code == 303 and response.headers["location"] == "/admin/api-keys/created"
    shown = tab.get("/admin/api-keys/created")
    assert shown.status_code == 200
    secret = shown.text.split('id="api-key-secret">', 1)[1].split("<", 1)[0]
    assert secret.startswith("chub_")
    again = tab.get("/admin/api-keys/created")  # a refresh: nothing is posted, the secret is not shown again
    assert again.status_code == 303 and again.headers["location"] == "/admin/api-keys"
    assert secret not in tab.get("/admin/api-keys").text
    assert len(client.get(f"{API}/api-keys", headers=admin.headers).json()["items"]) == 1


@pytest.mark.parametrize(
    ("path", "question"),
    [
        ("/admin/users/{user}/deactivate", "Are you sure you want to deactivate this user?"),
        ("/admin/api-keys/{key}/revoke", "Are you sure you want to revoke this API key?"),
    ],
)
def test_confirmation_pages_change_nothing(app, client, admin, officer, path, question):
    key = _created(
        client.post(
            f"{API}/api-keys",
            headers=admin.headers,
            json={"name": "k", "organisation": "o", "scopes": ["prevent:read"]},
        )
    )
    user_id = officer.user_id
    tab = signed_in(app, admin.username)
    response = tab.get(path.format(user=user_id, key=key["id"]))
    assert response.status_code == 200, response.text
    assert question in response.text and "govuk-warning-text" in response.text
    assert client.get(f"{API}/me", headers=officer.headers).status_code == 200
    assert client.get(f"{API}/api-keys", headers=admin.headers).json()["items"][0]["revoked_at"] is None
