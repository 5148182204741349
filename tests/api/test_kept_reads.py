"""A user's repeated reads of the dashboard's panels are kept for a few seconds, within the bounds app/api/kept.py
states: a change through this process shows at once, one elsewhere within the TTL; sign-out and identity changes
end them at once; partner keys are never answered from them; no user is ever given another's answer.

A change "elsewhere" is plain SQL on a connection of its own, as another process would make it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import text

from app.api import kept
from app.core.database import Database
from app.core.security import Role
from tests.builders import API, make_contingency_plan
from tests.conftest import Actor


def _elsewhere(database: Database, sql: str, **params: Any) -> None:
    with database.write_engine.begin() as connection:
        connection.execute(text(sql), params)


def _titles(client: TestClient, actor: Actor) -> list[str]:
    response = client.get(f"{API}/contingency-plans", headers=actor.headers)
    assert response.status_code == 200, response.text
    return [plan["title"] for plan in response.json()["items"]]


def test_the_dashboards_reads_are_kept(app: FastAPI) -> None:
    paths = {
        p.pattern for p in kept.kept_paths(next(r.app for r in app.routes if getattr(r, "path", None) == "/api/v1"))
    }  # type: ignore[attr-defined]
    for path in (
        "/me",
        "/summary",
        "/contingency-plans",
        "/alerts",
        "/escalations",
        "/tension-reports/summary",
        "/tension-levels",
    ):
        assert kept.path_pattern(path).pattern in paths, path


def test_a_change_elsewhere_shows_within_the_ttl_and_one_here_at_once(
    client: TestClient, database: Database, officer: Actor, monkeypatch: pytest.MonkeyPatch
) -> None:
    plan = make_contingency_plan(client, officer, title="Flood plan")
    assert _titles(client, officer) == ["Flood plan"]
    _elsewhere(database, "UPDATE contingency_plan SET title = 'Renamed elsewhere' WHERE id = :id", id=plan["id"])
    assert _titles(client, officer) == ["Flood plan"]  # kept: another process's change is not seen yet
    monkeypatch.setattr(kept, "TTL", 0.0)
    assert _titles(client, officer) == ["Renamed elsewhere"]  # past the TTL it is
    monkeypatch.setattr(kept, "TTL", 60.0)
    make_contingency_plan(client, officer, title="Heat plan")  # a change through this process
    assert _titles(client, officer) == ["Heat plan", "Renamed elsewhere"]


def test_sign_out_and_identity_changes_end_kept_answers_at_once(
    client: TestClient, admin: Actor, officer: Actor, make_user: Callable[..., Actor]
) -> None:
    make_contingency_plan(client, officer, title="Flood plan")
    viewer = make_user(Role.VIEWER)
    assert client.get(f"{API}/me", headers=viewer.headers).json()["role"] == "viewer"
    etag = client.get(f"{API}/users/{viewer.user_id}", headers=admin.headers).headers["etag"]
    changed = client.patch(
        f"{API}/users/{viewer.user_id}", headers={**admin.headers, "If-Match": etag}, json={"role": "officer"}
    )
    assert changed.status_code == 200, changed.text
    assert client.get(f"{API}/me", headers=viewer.headers).json()["role"] == "officer"
    assert _titles(client, officer) == ["Flood plan"]
    assert client.delete(f"{API}/auth/token", headers=officer.headers).status_code == 204
    assert client.get(f"{API}/contingency-plans", headers=officer.headers).status_code == 401


def test_each_user_gets_their_own_answers(
    client: TestClient, officer: Actor, make_user: Callable[..., Actor], database: Database
) -> None:
    make_contingency_plan(client, officer, title="Open plan", classification="OFFICIAL")
    make_contingency_plan(client, officer, title="Secret plan", classification="OFFICIAL-SENSITIVE")
    reader = make_user(Role.VIEWER, clearance="OFFICIAL")
    for _ in range(2):
        assert _titles(client, officer) == ["Open plan", "Secret plan"]
        assert _titles(client, reader) == ["Open plan"]
        assert (
            client.get(f"{API}/me", headers=reader.headers).json()["name"]
            != (client.get(f"{API}/me", headers=officer.headers).json()["name"])
        )


def test_partner_keys_are_never_answered_from_kept_reads(
    client: TestClient, database: Database, officer: Actor, make_api_key: Callable[..., Actor]
) -> None:
    plan = make_contingency_plan(client, officer, title="Flood plan", classification="OFFICIAL")
    partner = make_api_key(["prepare:read"])
    assert _titles(client, partner) == ["Flood plan"]
    _elsewhere(database, "UPDATE contingency_plan SET title = 'Renamed elsewhere' WHERE id = :id", id=plan["id"])
    assert _titles(client, partner) == ["Renamed elsewhere"]


def test_a_kept_answer_is_given_with_this_requests_own_id(client: TestClient, officer: Actor) -> None:
    first = client.get(f"{API}/me", headers=officer.headers)
    again = client.get(f"{API}/me", headers={**officer.headers, "X-Request-Id": "mine-123"})
    assert again.content == first.content
    assert again.headers.get_list("x-request-id") == ["mine-123"]
    assert first.headers["x-request-id"] != "mine-123"


def test_a_route_marked_kept_must_authenticate() -> None:
    api = FastAPI()

    @api.get("/open", dependencies=[kept.Kept])
    async def open_read() -> dict[str, str]:
        return {}

    with pytest.raises(RuntimeError, match="does not authenticate"):
        kept.kept_paths(api)
