"""Identity: tokens, /me, users, API keys, revocation, throttling (docs/api.md 'Identity')."""

from __future__ import annotations

from tests.conftest import TEST_PASSWORD, assert_problem


def _login(client, username, password=TEST_PASSWORD):
    return client.post("/api/v1/auth/token", data={"username": username, "password": password})


def test_token_for_good_credentials_works_on_me(client, make_user):
    actor = make_user("emt")
    response = _login(client, actor.username)
    assert response.status_code == 200
    body = response.json()
    assert body["token_type"] == "bearer" and body["expires_in"] == 480 * 60
    me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {body['access_token']}"})
    assert me.status_code == 200
    assert me.json() | {"name": None} == {
        "name": None,
        "kind": "user",
        "role": "emt",
        "organisation": "Council",
        "username": actor.username,
        "scopes": sorted(
            [
                "prevent:read",
                "protect:read",
                "prepare:read",
                "tensions:read",
                "governance:read",
                "audit:read",
                "tensions:report",
                "approve",
            ]
        ),
        "clearance": "OFFICIAL-SENSITIVE",
    }


def test_bad_password_is_401_with_www_authenticate_and_audited(client, make_user, admin):
    actor = make_user("viewer")
    response = _login(client, actor.username, "wrong-password-123")
    assert_problem(response, 401)
    assert response.headers["www-authenticate"].startswith("Bearer")
    events = client.get("/api/v1/audit-events", params={"action": "auth.login_failed"}, headers=admin.headers)
    assert [e["entity_id"] for e in events.json()["items"]] == [actor.username]


def test_unknown_user_is_401_like_a_bad_password(client):
    assert_problem(_login(client, "nobody-here"), 401)


def test_repeated_failures_are_throttled_with_retry_after(client, make_user):
    actor = make_user("viewer")
    for _ in range(5):
        assert _login(client, actor.username, "wrong-password-123").status_code == 401
    response = _login(client, actor.username)  # even the right password waits
    assert_problem(response, 429)
    assert 1 <= int(response.headers["retry-after"]) <= 900


def test_missing_or_invalid_token_is_401(client):
    assert_problem(client.get("/api/v1/me"), 401)
    response = client.get("/api/v1/me", headers={"Authorization": "Bearer chut_nonsense_abc123"})
    assert_problem(response, 401)
    assert response.headers["www-authenticate"].startswith("Bearer")


def test_logout_revokes_the_token_at_once(client, officer):
    assert client.get("/api/v1/me", headers=officer.headers).status_code == 200
    assert client.delete("/api/v1/auth/token", headers=officer.headers).status_code == 204
    assert_problem(client.get("/api/v1/me", headers=officer.headers), 401)


def test_me_for_an_api_key(client, make_api_key):
    key = make_api_key(["prevent:read"], clearance="OFFICIAL", organisation="NHS North Central London")
    body = client.get("/api/v1/me", headers=key.headers).json()
    assert body["kind"] == "api_key" and body["role"] is None
    assert body["organisation"] == "NHS North Central London"
    assert body["scopes"] == ["prevent:read"] and body["clearance"] == "OFFICIAL"


def test_admin_creates_lists_and_reads_users(client, admin):
    response = client.post(
        "/api/v1/users",
        headers=admin.headers,
        json={
            "username": "Priya.Prevent",
            "name": "Priya Shah",
            "password": "a-long-password-1",
            "role": "officer",
            "organisation": "Community Safety",
        },
    )
    assert response.status_code == 201
    user = response.json()
    assert user["username"] == "priya.prevent" and user["clearance"] == "OFFICIAL-SENSITIVE"
    assert "password" not in user and "password_hash" not in user
    assert response.headers["location"].endswith(f"/api/v1/users/{user['id']}")
    assert response.headers["etag"] == '"1"'
    got = client.get(f"/api/v1/users/{user['id']}", headers=admin.headers)
    assert got.json() == user and got.headers["etag"] == '"1"'
    names = [u["username"] for u in client.get("/api/v1/users", headers=admin.headers).json()["items"]]
    assert "priya.prevent" in names
    assert _login(client, "priya.prevent", "a-long-password-1").status_code == 200


def test_duplicate_username_is_409_and_weak_password_422(client, admin):
    payload = {"username": "sam", "name": "Sam", "password": "a-long-password-1", "role": "viewer"}
    assert client.post("/api/v1/users", headers=admin.headers, json=payload).status_code == 201
    assert_problem(client.post("/api/v1/users", headers=admin.headers, json=payload), 409)
    body = assert_problem(
        client.post("/api/v1/users", headers=admin.headers, json=payload | {"username": "sam2", "password": "short"}),
        422,
    )
    assert body["errors"][0]["field"] == "password"


def test_unknown_role_is_422_naming_the_field(client, admin):
    body = assert_problem(
        client.post(
            "/api/v1/users",
            headers=admin.headers,
            json={"username": "x1", "name": "X", "password": "a-long-password-1", "role": "superuser"},
        ),
        422,
    )
    assert body["errors"][0]["field"] == "role"


def test_deactivating_a_user_ends_their_tokens_at_once(client, admin, officer):
    got = client.get(f"/api/v1/users/{officer.user_id}", headers=admin.headers)
    response = client.patch(
        f"/api/v1/users/{officer.user_id}",
        headers=admin.headers | {"If-Match": got.headers["etag"]},
        json={"active": False},
    )
    assert response.status_code == 200 and response.json()["active"] is False
    assert response.headers["etag"] == '"2"'
    assert_problem(client.get("/api/v1/me", headers=officer.headers), 401)
    assert_problem(_login(client, officer.username), 401)


def test_user_patch_needs_if_match(client, admin, officer):
    url = f"/api/v1/users/{officer.user_id}"
    assert_problem(client.patch(url, headers=admin.headers, json={"name": "New"}), 428)
    assert_problem(client.patch(url, headers=admin.headers | {"If-Match": '"7"'}, json={"name": "New"}), 412)
    assert client.get(url, headers=admin.headers).json()["name"] != "New"


def test_unknown_user_is_404(client, admin):
    assert_problem(client.get("/api/v1/users/no-such-id", headers=admin.headers), 404)


def test_non_admin_cannot_manage_users_or_keys(client, officer):
    assert_problem(client.get("/api/v1/users", headers=officer.headers), 403)
    assert_problem(client.get("/api/v1/api-keys", headers=officer.headers), 403)


def test_api_key_shown_once_hash_stored_and_usable(client, admin, database):
    response = client.post(
        "/api/v1/api-keys",
        headers=admin.headers,
        json={
            "name": "LFB resilience",
            "organisation": "London Fire Brigade",
            "scopes": ["prepare:read"],
            "clearance": "OFFICIAL",
            "expires_at": "2099-01-01T00:00:00Z",
        },
    )
    assert response.status_code == 201
    created = response.json()
    secret = created["key"]
    assert secret.startswith("chub_") and created["prefix"] == secret[:12]
    listed = client.get("/api/v1/api-keys", headers=admin.headers).json()["items"]
    assert [k["id"] for k in listed] == [created["id"]] and "key" not in listed[0]
    with database.engine.connect() as connection:
        stored = connection.exec_driver_sql("SELECT key_hash FROM api_key").scalar_one()
    assert secret not in stored and len(stored) == 64
    me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {secret}"})
    assert me.status_code == 200 and me.json()["organisation"] == "London Fire Brigade"
    used = client.get("/api/v1/api-keys", headers=admin.headers).json()["items"][0]
    assert used["last_used_at"] is not None


def test_revoked_key_is_401_and_revoking_again_is_fine(client, admin, make_api_key):
    key = make_api_key(["prevent:read"])
    assert client.get("/api/v1/me", headers=key.headers).status_code == 200
    assert client.delete(f"/api/v1/api-keys/{key.user_id}", headers=admin.headers).status_code == 204
    assert_problem(client.get("/api/v1/me", headers=key.headers), 401)
    assert client.delete(f"/api/v1/api-keys/{key.user_id}", headers=admin.headers).status_code == 204
    actions = [
        e["action"]
        for e in client.get("/api/v1/audit-events", headers=admin.headers, params={"entity_id": key.user_id}).json()[
            "items"
        ]
    ]
    assert actions.count("api_key.revoke") == 1


def test_expired_key_is_401(client, make_api_key):
    key = make_api_key(["prevent:read"], expires_at="2020-01-01T00:00:00Z")
    assert_problem(client.get("/api/v1/me", headers=key.headers), 401)


def test_key_with_unknown_scope_is_422(client, admin):
    body = assert_problem(
        client.post(
            "/api/v1/api-keys",
            headers=admin.headers,
            json={"name": "x", "organisation": "y", "scopes": ["everything"]},
        ),
        422,
    )
    assert body["errors"][0]["field"].startswith("scopes")


def test_unknown_key_revocation_is_404(client, admin):
    assert_problem(client.delete("/api/v1/api-keys/nope", headers=admin.headers), 404)
