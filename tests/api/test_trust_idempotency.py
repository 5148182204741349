"""Idempotency without leaks (issue 11, item 3): secrets are never stored, replays follow the principal as it is
now, old records are purged, and a request is authenticated once."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select, text

from app.core.clock import utcnow
from app.feeds.worker import Worker
from app.models.idempotency import IdempotencyRecord
from app.services import identity
from tests.api.test_sites import SITES, site_body
from tests.conftest import assert_problem


def _stored(database) -> list[IdempotencyRecord]:
    with database.session() as session:
        return list(session.execute(select(IdempotencyRecord)).scalars())


def test_a_new_api_key_is_never_stored_and_its_replay_is_409(client, admin, database):
    headers = {**admin.headers, "Idempotency-Key": "key-1"}
    body = {"name": "NHS", "organisation": "NHS", "scopes": ["prevent:read"]}
    first = client.post("/api/v1/api-keys", headers=headers, json=body)
    assert first.status_code == 201
    secret = first.json()["key"]
    records = _stored(database)
    assert len(records) == 1 and records[0].secret_bearing and records[0].response_body is None
    with database.write_engine.connect() as connection:  # nowhere in the table, in any column
        dump = str(connection.execute(text("SELECT * FROM idempotency_record")).all())
    assert secret not in dump and secret[:12] not in dump
    replay = client.post("/api/v1/api-keys", headers=headers, json=body)
    problem = assert_problem(replay, 409)
    assert "shown only once" in problem["detail"] and "new Idempotency-Key" in problem["detail"]
    assert secret not in replay.text
    keys = client.get("/api/v1/api-keys", headers=admin.headers).json()["items"]
    assert len(keys) == 1  # the replay created nothing


def test_a_user_token_is_never_stored(client, admin, make_user, database):
    user = make_user("viewer")
    from tests.conftest import TEST_PASSWORD

    headers = {**admin.headers, "Idempotency-Key": "login-1"}  # a bearer header makes it an idempotent request
    form = {"username": user.username, "password": TEST_PASSWORD}
    first = client.post("/api/v1/auth/token", headers=headers, data=form)
    assert first.status_code == 200
    token = first.json()["access_token"]
    assert all(r.response_body is None or token.encode() not in r.response_body for r in _stored(database))
    assert_problem(client.post("/api/v1/auth/token", headers=headers, data=form), 409)


def test_a_feed_signing_secret_is_never_stored(client, admin, database):
    headers = {**admin.headers, "Idempotency-Key": "feed-1"}
    body = {"name": "Met pushes", "kind": "push"}
    first = client.post("/api/v1/feeds", headers=headers, json=body)
    assert first.status_code == 201, first.text
    assert all(r.secret_bearing and r.response_body is None for r in _stored(database))
    assert_problem(client.post("/api/v1/feeds", headers=headers, json=body), 409)


def test_other_posts_still_replay(client, officer):
    headers = {**officer.headers, "Idempotency-Key": "site-1"}
    first = client.post(SITES, headers=headers, json=site_body("Once"))
    again = client.post(SITES, headers=headers, json=site_body("Once"))
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json() and again.headers["Idempotent-Replayed"] == "true"


def test_a_replay_after_the_clearance_was_lowered_is_refused(client, officer, admin, database):
    headers = {**officer.headers, "Idempotency-Key": "site-2"}
    body = site_body("Sensitive", classification="OFFICIAL-SENSITIVE")
    assert client.post(SITES, headers=headers, json=body).status_code == 201
    user = client.get(f"/api/v1/users/{officer.user_id}", headers=admin.headers)
    lowered = client.patch(
        f"/api/v1/users/{officer.user_id}",
        headers={**admin.headers, "If-Match": user.headers["ETag"]},
        json={"clearance": "OFFICIAL"},
    )
    assert lowered.status_code == 200
    replay = client.post(SITES, headers=headers, json=body)
    problem = assert_problem(replay, 409)
    assert "clearance or scopes have changed" in problem["detail"] and "Sensitive" not in replay.text


def test_the_feed_worker_purges_expired_records(database, settings):
    with database.session() as session:
        for key, age in (("old", timedelta(hours=25)), ("fresh", timedelta(hours=1))):
            session.add(IdempotencyRecord(principal_id="user:x", key=key, request_hash="h", created_at=utcnow() - age))
        session.commit()
    Worker(settings, database).run_pass()
    assert [r.key for r in _stored(database)] == ["fresh"]


def test_an_idempotent_post_authenticates_once(client, officer, monkeypatch):
    calls: list[str] = []
    real = identity.authenticate

    def counting(session, token):
        calls.append(token)
        return real(session, token)

    monkeypatch.setattr(identity, "authenticate", counting)
    response = client.post(SITES, headers={**officer.headers, "Idempotency-Key": "once"}, json=site_body("One"))
    assert response.status_code == 201
    assert len(calls) == 1
