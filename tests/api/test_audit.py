"""The audit log: every change recorded, filterable, and chained so tampering shows."""

from __future__ import annotations

from sqlalchemy import text

from tests.conftest import assert_problem


def _make_changes(client, admin):
    client.post(
        "/api/v1/users",
        headers=admin.headers,
        json={"username": "amber", "name": "Amber", "password": "a-long-password-1", "role": "viewer"},
    )
    client.post("/api/v1/threat-level", headers=admin.headers, json={"level": "SEVERE", "note": "x"})
    client.post(
        "/api/v1/api-keys",
        headers=admin.headers,
        json={"name": "NHS", "organisation": "NHS", "scopes": ["prevent:read"]},
    )


def test_changes_are_recorded_with_actor_before_and_after(client, admin):
    _make_changes(client, admin)
    events = client.get("/api/v1/audit-events", headers=admin.headers).json()["items"]
    assert [e["action"] for e in events] == ["api_key.create", "threat_level.record", "user.create"]
    created = events[2]
    assert created["actor"] == f"user:{admin.username}" and created["actor_kind"] == "user"
    assert created["organisation"] == "Council" and created["after"]["username"] == "amber"
    assert "password" not in created["after"] and "password_hash" not in created["after"]
    assert created["at"].endswith("Z") and len(created["hash"]) == 64


def test_filters(client, admin):
    _make_changes(client, admin)
    by_type = client.get("/api/v1/audit-events", params={"entity_type": "threat_level"}, headers=admin.headers)
    assert [e["entity_type"] for e in by_type.json()["items"]] == ["threat_level"]
    by_actor = client.get("/api/v1/audit-events", params={"actor": f"user:{admin.username}"}, headers=admin.headers)
    assert len(by_actor.json()["items"]) == 3
    none_yet = client.get("/api/v1/audit-events", params={"since": "2999-01-01T00:00:00Z"}, headers=admin.headers)
    assert none_yet.json()["items"] == []
    past = client.get("/api/v1/audit-events", params={"until": "2000-01-01T00:00:00Z"}, headers=admin.headers)
    assert past.json()["items"] == []
    assert_problem(client.get("/api/v1/audit-events", params={"since": "12"}, headers=admin.headers), 422)


def test_verify_finds_an_intact_chain(client, admin):
    _make_changes(client, admin)
    assert client.get("/api/v1/audit-events/verify", headers=admin.headers).json() == {
        "ok": True,
        "checked": 3,
        "first_bad_id": None,
    }


def test_verify_finds_an_edited_event(client, admin, database):
    _make_changes(client, admin)
    events = client.get("/api/v1/audit-events", headers=admin.headers).json()["items"]
    middle = events[1]["id"]
    with database.write_engine.begin() as connection:
        connection.execute(text("UPDATE audit_event SET actor = 'user:someone-else' WHERE id = :id"), {"id": middle})
    result = client.get("/api/v1/audit-events/verify", headers=admin.headers).json()
    assert result == {"ok": False, "checked": 1, "first_bad_id": middle}


def test_verify_finds_a_deleted_event(client, admin, database):
    _make_changes(client, admin)
    events = client.get("/api/v1/audit-events", headers=admin.headers).json()["items"]
    with database.write_engine.begin() as connection:
        connection.execute(text("DELETE FROM audit_event WHERE id = :id"), {"id": events[2]["id"]})
    result = client.get("/api/v1/audit-events/verify", headers=admin.headers).json()
    assert result["ok"] is False and result["first_bad_id"] == events[1]["id"]


def test_reading_the_log_needs_audit_read(client, viewer, officer, emt):
    assert_problem(client.get("/api/v1/audit-events", headers=viewer.headers), 403)
    assert_problem(client.get("/api/v1/audit-events/verify", headers=viewer.headers), 403)
    assert client.get("/api/v1/audit-events", headers=officer.headers).status_code == 200
    assert client.get("/api/v1/audit-events", headers=emt.headers).status_code == 200


def test_logins_failures_and_revocations_are_events(client, admin, make_user, make_api_key):
    from tests.conftest import TEST_PASSWORD

    user = make_user("viewer")
    client.post("/api/v1/auth/token", data={"username": user.username, "password": TEST_PASSWORD})
    client.post("/api/v1/auth/token", data={"username": user.username, "password": "wrong-password"})
    key = make_api_key(["prevent:read"])
    client.delete(f"/api/v1/api-keys/{key.user_id}", headers=admin.headers)
    actions = [e["action"] for e in client.get("/api/v1/audit-events", headers=admin.headers).json()["items"]]
    assert {"auth.login", "auth.login_failed", "api_key.revoke"} <= set(actions)
