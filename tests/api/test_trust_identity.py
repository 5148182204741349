"""Trust in identity (issue 11): nobody raises anyone above themselves; sign-in is throttled atomically, per
username and per address, and its timing does not tell which accounts exist; settings errors keep secrets."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from app.core import security
from app.core.settings import Settings
from tests.conftest import TEST_PASSWORD, assert_problem
from tests.races import at_once, statuses

USERS, KEYS, TOKEN = "/api/v1/users", "/api/v1/api-keys", "/api/v1/auth/token"
READS = ["prevent:read", "protect:read", "prepare:read", "tensions:read", "governance:read"]


def _user(username="newcomer", role="viewer", **extra):
    return {"username": username, "name": "New Comer", "password": "a-long-password-1", "role": role, **extra}


def test_an_official_admin_key_cannot_create_a_user_above_its_clearance(client, make_api_key):
    admin_key = make_api_key(["admin", *READS], clearance="OFFICIAL")
    body = assert_problem(client.post(USERS, headers=admin_key.headers, json=_user(role="officer")), 403)
    assert "OFFICIAL-SENSITIVE" in body["detail"]
    sensitive_viewer = _user(clearance="OFFICIAL-SENSITIVE")
    assert_problem(client.post(USERS, headers=admin_key.headers, json=sensitive_viewer), 403)
    assert client.post(USERS, headers=admin_key.headers, json=_user()).status_code == 201  # within its reach


def test_nobody_grants_scopes_they_do_not_hold(client, admin, make_api_key):
    admin_key = make_api_key(["admin", *READS], clearance="OFFICIAL-SENSITIVE")
    key = {"name": "Approver", "organisation": "Met", "scopes": ["prevent:read", "approve"]}
    body = assert_problem(client.post(KEYS, headers=admin_key.headers, json=key), 403)
    assert "approve" in body["detail"]
    body = assert_problem(client.post(USERS, headers=admin_key.headers, json=_user(role="member")), 403)
    assert "tensions:report" in body["detail"]  # a member's role grants it; the key does not hold it
    assert client.post(KEYS, headers=admin.headers, json=key).status_code == 201  # an admin user holds every scope


def test_an_official_admin_key_cannot_create_a_sensitive_key(client, make_api_key):
    admin_key = make_api_key(["admin", "prevent:read"], clearance="OFFICIAL")
    key = {"name": "K", "organisation": "Met", "scopes": ["prevent:read"], "clearance": "OFFICIAL-SENSITIVE"}
    assert_problem(client.post(KEYS, headers=admin_key.headers, json=key), 403)


def test_an_official_admin_key_cannot_raise_or_take_over_a_user(client, make_api_key, make_user):
    admin_key = make_api_key(["admin", *READS], clearance="OFFICIAL")
    viewer = make_user("viewer")
    url = f"{USERS}/{viewer.user_id}"
    for change in ({"clearance": "OFFICIAL-SENSITIVE"}, {"role": "officer"}):
        assert_problem(client.patch(url, headers={**admin_key.headers, "If-Match": '"1"'}, json=change), 403)
    officer = make_user("officer")  # cleared above the key: its password would be a way in
    takeover = {"password": "mine-now-123456"}
    officer_url = f"{USERS}/{officer.user_id}"
    assert_problem(client.patch(officer_url, headers={**admin_key.headers, "If-Match": '"1"'}, json=takeover), 403)
    renamed = client.patch(url, headers={**admin_key.headers, "If-Match": '"1"'}, json={"name": "Renamed"})
    assert renamed.status_code == 200 and renamed.headers["ETag"] == '"2"'


def test_concurrent_creates_of_one_username_give_one_201_and_the_rest_409(live_server, admin):
    requests = [("POST", USERS, {"headers": admin.headers, "json": _user("contested")}) for _ in range(12)]
    responses = at_once(live_server, requests)
    assert statuses(responses) == [201] + [409] * 11
    assert all(
        r.headers["content-type"].startswith("application/problem+json") for r in responses[1:] if r.status_code == 409
    )


def test_thirty_wrong_passwords_at_once_give_at_most_five_401s(live_server, make_user):
    victim = make_user("viewer")
    form = {"username": victim.username, "password": "wrong-password-123"}
    responses = at_once(live_server, [("POST", TOKEN, {"data": form}) for _ in range(30)])
    assert statuses(responses) == [401] * 5 + [429] * 25
    assert all(int(r.headers["retry-after"]) >= 1 for r in responses if r.status_code == 429)


def test_a_success_does_not_count_as_a_failure(client, make_user):
    actor = make_user("viewer")
    for _ in range(4):
        assert client.post(TOKEN, data={"username": actor.username, "password": "wrong-password-1"}).status_code == 401
    for _ in range(3):
        assert client.post(TOKEN, data={"username": actor.username, "password": TEST_PASSWORD}).status_code == 200
    assert client.post(TOKEN, data={"username": actor.username, "password": "wrong-password-1"}).status_code == 401
    assert_problem(client.post(TOKEN, data={"username": actor.username, "password": TEST_PASSWORD}), 429)


def test_one_address_trying_many_usernames_is_throttled(client, settings, monkeypatch):
    monkeypatch.setattr(settings, "login_max_failures_per_address", 3)
    for name in ("alice", "bob", "carol"):
        assert client.post(TOKEN, data={"username": name, "password": "guess-123456"}).status_code == 401
    response = client.post(TOKEN, data={"username": "dave", "password": "guess-123456"})
    body = assert_problem(response, 429)
    assert "address" in body["detail"] and int(response.headers["retry-after"]) >= 1


def test_the_address_comes_from_a_trusted_proxy_only(client, settings, monkeypatch):
    monkeypatch.setattr(settings, "login_max_failures_per_address", 1)
    spoofed = {"X-Forwarded-For": "203.0.113.9"}  # the test client is not a trusted proxy: ignored
    assert client.post(TOKEN, headers=spoofed, data={"username": "a1", "password": "guess-123456"}).status_code == 401
    assert_problem(client.post(TOKEN, headers=spoofed, data={"username": "a2", "password": "guess-123456"}), 429)
    monkeypatch.setattr(settings, "trusted_proxies", "testclient")  # as the pages are, in process
    for browser in ("198.51.100.1", "198.51.100.2"):
        form = {"username": f"u-{browser}", "password": "guess-123456"}
        forwarded = {"X-Forwarded-For": f"10.9.9.9, {browser}"}  # the last entry is the one the proxy saw
        assert client.post(TOKEN, headers=forwarded, data=form).status_code == 401


def test_every_sign_in_pays_for_one_password_check(client, admin, make_user, monkeypatch):
    active, deactivated = make_user("viewer"), make_user("viewer")
    response = client.patch(
        f"{USERS}/{deactivated.user_id}", headers={**admin.headers, "If-Match": '"1"'}, json={"active": False}
    )
    assert response.status_code == 200
    checks: list[str] = []
    real = security._hasher

    class Counting:
        def verify(self, password_hash: str, password: str) -> bool:
            checks.append(password)
            return real.verify(password_hash, password)

    monkeypatch.setattr(security, "_hasher", Counting())
    for username in (active.username, deactivated.username, "nobody-at-all"):
        checks.clear()
        assert client.post(TOKEN, data={"username": username, "password": TEST_PASSWORD + "x"}).status_code == 401
        assert len(checks) == 1, username
    checks.clear()
    assert client.post(TOKEN, data={"username": deactivated.username, "password": TEST_PASSWORD}).status_code == 401
    assert len(checks) == 1


def test_a_bad_secret_key_is_described_never_echoed():
    for value in ("hunter2-short", "x" * 20):
        with pytest.raises(ValidationError) as raised:
            Settings(env="production", secret_key=value, database_url="postgresql://u:pw-9876@db/hub")
        message = str(raised.value)
        assert value not in message and "pw-9876" not in message
        assert "CONTEST_SECRET_KEY" in message and "32 characters" in message
