"""The HTTP conventions of docs/api.md that every endpoint inherits."""

from __future__ import annotations

import csv
import io

from fastapi.testclient import TestClient

from tests.conftest import assert_problem


def test_unknown_api_path_is_problem_json_404(client):
    body = assert_problem(client.get("/api/v1/no-such-thing"), 404)
    assert body["instance"] == "/api/v1/no-such-thing"


def test_wrong_method_is_problem_json_405(client):
    assert_problem(client.put("/api/v1/me"), 405)


def test_validation_errors_name_each_field(client, admin):
    response = client.get("/api/v1/users", params={"limit": 0}, headers=admin.headers)
    body = assert_problem(response, 422)
    assert body["errors"] == [{"field": "limit", "message": body["errors"][0]["message"]}]
    body = assert_problem(client.post("/api/v1/users", headers=admin.headers, json={"name": 5}), 422)
    fields = {e["field"] for e in body["errors"]}
    assert {"username", "name", "password", "role"} <= fields


def test_malformed_json_is_a_422_problem_not_a_500(client, admin):
    response = client.post(
        "/api/v1/users", headers=admin.headers | {"Content-Type": "application/json"}, content=b"{not json"
    )
    assert_problem(response, 422)


def test_limit_above_200_is_422(client, admin):
    assert_problem(client.get("/api/v1/users", params={"limit": 201}, headers=admin.headers), 422)


def test_a_cursor_we_did_not_issue_is_422(client, admin):
    body = assert_problem(client.get("/api/v1/users", params={"cursor": "garbage!"}, headers=admin.headers), 422)
    assert body["errors"][0]["field"] == "cursor"


def test_request_id_is_echoed_or_made(client):
    assert client.get("/healthz", headers={"X-Request-ID": "abc-123"}).headers["x-request-id"] == "abc-123"
    made = client.get("/healthz").headers["x-request-id"]
    assert len(made) == 32
    assert (
        client.get("/healthz", headers={"X-Request-ID": "bad id\twith spaces"}).headers["x-request-id"]
        != "bad id\twith spaces"
    )


def test_request_id_lands_in_the_audit_event(client, admin):
    client.post(
        "/api/v1/users",
        headers=admin.headers | {"X-Request-ID": "req-for-audit"},
        json={"username": "audited", "name": "A", "password": "a-long-password-1", "role": "viewer"},
    )
    events = client.get("/api/v1/audit-events", params={"action": "user.create"}, headers=admin.headers).json()
    assert events["items"][0]["request_id"] == "req-for-audit"


def test_security_headers_on_every_response(client, admin):
    for response in (
        client.get("/healthz"),
        client.get("/api/v1/me", headers=admin.headers),
        client.get("/login"),
        client.get("/api/v1/nope"),
    ):
        headers = response.headers
        assert "script-src 'self'" in headers["content-security-policy"]
        assert "'unsafe-inline'" not in headers["content-security-policy"]
        assert "frame-ancestors 'none'" in headers["content-security-policy"]
        assert headers["x-content-type-options"] == "nosniff"
        assert headers["referrer-policy"] == "strict-origin-when-cross-origin"
        assert headers["cache-control"] == "no-store"
        assert "strict-transport-security" not in headers


def test_hsts_only_over_https(app):
    with TestClient(app, base_url="https://testserver") as secure:
        assert secure.get("/healthz").headers["strict-transport-security"].startswith("max-age=")


def test_static_assets_are_cacheable(client):
    response = client.get("/static/govuk/govuk-frontend.min.css")
    assert response.status_code == 200 and response.headers["cache-control"].startswith("public")


def test_body_over_1_mib_is_413(client, admin):
    big = b"x" * (1024 * 1024 + 1)
    response = client.post("/api/v1/users", headers=admin.headers | {"Content-Type": "application/json"}, content=big)
    assert_problem(response, 413)

    def chunks():
        for _ in range(17):
            yield b"y" * 65536

    response = client.post(
        "/api/v1/users", headers=admin.headers | {"Content-Type": "application/json"}, content=chunks()
    )
    assert_problem(response, 413)


def _create_user(client, admin, username):
    response = client.post(
        "/api/v1/users",
        headers=admin.headers,
        json={"username": username, "name": username, "password": "a-long-password-1", "role": "viewer"},
    )
    assert response.status_code == 201, response.text


def test_keyset_pages_lose_nothing_and_repeat_nothing_under_inserts(client, admin):
    for i in range(10):
        _create_user(client, admin, f"user-{i:02d}")
    seen, cursor, pages = [], None, 0
    while True:
        params = {"limit": 3} | ({"cursor": cursor} if cursor else {})
        response = client.get("/api/v1/users", params=params, headers=admin.headers)
        body = response.json()
        seen += [u["username"] for u in body["items"]]
        cursor, pages = body["next_cursor"], pages + 1
        if cursor is None:
            assert "link" not in response.headers
            break
        assert response.headers["link"].endswith('rel="next"') and f"cursor={cursor}" in response.headers["link"]
        _create_user(client, admin, f"aaa-inserted-{pages}")  # sorts before every page already read
        _create_user(client, admin, f"zzz-inserted-{pages}")  # sorts after
    assert len(seen) == len(set(seen))
    assert {f"user-{i:02d}" for i in range(10)} <= set(seen)
    assert seen == sorted(seen)


def test_csv_returns_every_row_and_defuses_formulas(client, admin):
    for i in range(3):
        client.post(
            "/api/v1/api-keys",
            headers=admin.headers,
            json={
                "name": f'=HYPERLINK("http://evil/{i}")',
                "organisation": "+Org, with comma",
                "scopes": ["prevent:read"],
            },
        )
    response = client.get("/api/v1/api-keys", params={"limit": 1}, headers=admin.headers | {"Accept": "text/csv"})
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/csv")
    assert "\r\n" in response.text
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert len(rows) == 3  # every page, not just the first
    assert all(r["name"].startswith("'=") and r["organisation"] == "'+Org, with comma" for r in rows)
    assert rows[0]["scopes"] == "prevent:read"


def test_csv_of_an_empty_list_still_has_a_header(client, admin):
    response = client.get("/api/v1/api-keys", headers=admin.headers | {"Accept": "text/csv"})
    assert response.text.startswith("id,created_at,updated_at,version,name")


def test_idempotency_key_replays_the_first_response(client, admin):
    # A response without a secret (a new key's is never kept: tests/api/test_trust_idempotency.py).
    payload = {"username": "replay", "name": "Replay", "password": "a-long-password-1", "role": "viewer"}
    headers = admin.headers | {"Idempotency-Key": "create-user-1"}
    first = client.post("/api/v1/users", headers=headers, json=payload)
    again = client.post("/api/v1/users", headers=headers, json=payload)
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json() and again.headers["location"] == first.headers["location"]
    assert again.headers["idempotent-replayed"] == "true"
    assert len(client.get("/api/v1/users", headers=admin.headers).json()["items"]) == 2  # the admin and the new one


def test_idempotency_key_with_another_body_is_422(client, admin):
    headers = admin.headers | {"Idempotency-Key": "k2"}
    assert (
        client.post(
            "/api/v1/api-keys",
            headers=headers,
            json={"name": "A", "organisation": "NHS", "scopes": ["prevent:read"]},
        ).status_code
        == 201
    )
    body = assert_problem(
        client.post(
            "/api/v1/api-keys",
            headers=headers,
            json={"name": "B", "organisation": "NHS", "scopes": ["prevent:read"]},
        ),
        422,
    )
    assert body["errors"][0]["field"] == "Idempotency-Key"


def test_idempotency_keys_belong_to_one_principal(client, make_user):
    first, second = make_user("admin"), make_user("admin")
    payload = {"name": "Same", "organisation": "NHS", "scopes": ["prevent:read"]}
    a = client.post("/api/v1/api-keys", headers=first.headers | {"Idempotency-Key": "shared"}, json=payload)
    b = client.post("/api/v1/api-keys", headers=second.headers | {"Idempotency-Key": "shared"}, json=payload)
    assert a.status_code == b.status_code == 201 and a.json()["id"] != b.json()["id"]


def test_a_failed_request_does_not_burn_its_idempotency_key(client, admin):
    headers = admin.headers | {"Idempotency-Key": "retry-me"}
    bad = {"name": "", "organisation": "NHS", "scopes": ["prevent:read"]}
    assert_problem(client.post("/api/v1/api-keys", headers=headers, json=bad), 422)
    assert client.post("/api/v1/api-keys", headers=headers, json=bad | {"name": "fixed"}).status_code == 201


def test_healthz_and_readyz(client):
    assert client.get("/healthz").json() == {"status": "ok"}
    assert client.get("/readyz").status_code == 200


def test_readyz_is_503_when_the_database_is_unreachable(settings):
    from app.main import create_app

    broken = settings.model_copy(update={"database_url": "sqlite:////nonexistent-dir/x/db.sqlite"})
    with TestClient(create_app(broken)) as other:
        assert other.get("/readyz").status_code == 503
        assert other.get("/healthz").status_code == 200


def test_openapi_and_docs_are_served(client):
    spec = client.get("/api/v1/openapi.json").json()
    assert spec["openapi"].startswith("3.1") and "/users" in spec["paths"]
    docs = client.get("/api/docs")
    assert (docs.status_code == 200 and "/api/v1/openapi.json" in docs.text) or "swagger" in docs.text.lower()


def test_a_single_valued_parameter_given_twice_is_422(client, admin):
    body = assert_problem(client.get("/api/v1/audit-events?actor=a&actor=b", headers=admin.headers), 422)
    assert body["errors"][0]["field"] == "actor"
    assert client.get("/api/v1/audit-events?actor=a", headers=admin.headers).status_code == 200


def test_an_unknown_query_parameter_is_422_not_ignored(client, admin):
    body = assert_problem(client.get("/api/v1/audit-events?acter=user:x", headers=admin.headers), 422)
    assert body["errors"] == [{"field": "acter", "message": "is not a parameter of this endpoint"}]
