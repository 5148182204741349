"""The database going away, for real: a throwaway PostgreSQL server is stopped, started, frozen and thawed.

Down (connections refused) and hung (accepted, never answered) are different failures; both must give a 503
(problem+json with Retry-After for the API, a plain page for the web) within seconds, and the service must
recover by itself when the database is back.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator

import httpx
import pytest

from app.core.database import Database
from app.core.security import Role, hash_password
from app.core.settings import Settings
from app.main import create_app
from app.migrate import upgrade
from app.models.identity import User
from app.services import identity, threat_level
from tests.conftest import TEST_SECRET, assert_problem
from tests.ops import ThrowawayPostgres, can_run_postgres, served, throwaway_postgres

pytestmark = pytest.mark.skipif(can_run_postgres() is not None, reason=str(can_run_postgres()))

HISTORY = "/api/v1/threat-level/history"
BOUND = 10.0  # seconds: the README promises a 503 within this


@pytest.fixture
def outage_app() -> Iterator[tuple[ThrowawayPostgres, str, dict[str, str]]]:
    with throwaway_postgres() as pg:
        upgrade(pg.url)
        settings = Settings(env="test", database_url=pg.url, secret_key=TEST_SECRET, db_pool_size=4)
        database = Database(settings)
        with database.session() as session:
            user = User(
                username="admin",
                name="Admin",
                role=Role.ADMIN,
                organisation="Council",
                clearance="OFFICIAL-SENSITIVE",
                password_hash=hash_password("correct-horse-battery"),
            )
            session.add(user)
            session.flush()
            token = identity.issue_token(session, user, lifetime_seconds=3600)
            session.commit()
        try:
            with served(create_app(settings, database)) as base:
                yield pg, base, {"Authorization": f"Bearer {token}"}
        finally:
            database.dispose()
            threat_level.CACHE.clear()


def _sign_in(client: httpx.Client) -> None:
    form = client.get("/login").text
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', form)
    assert csrf, form
    done = client.post(
        "/login", data={"username": "admin", "password": "correct-horse-battery", "csrf_token": csrf.group(1)}
    )
    assert done.status_code in (200, 303), done.text


def _all_well(client: httpx.Client, headers: dict[str, str]) -> None:
    assert client.get("/").status_code == 200  # the signed-in dashboard, which calls the API
    assert client.get(HISTORY).status_code == 200
    assert client.get("/api/v1/sites", headers=headers).status_code == 200
    assert client.get("/readyz").status_code == 200


def _all_unavailable(client: httpx.Client, headers: dict[str, str]) -> None:
    # /me needs nothing but the principal, which the principal cache may still hold for its TTL (a few seconds):
    # past that it needs the database like everything else.
    identity.PRINCIPALS.clear()
    for path, sent in ((HISTORY, {}), ("/api/v1/sites", headers), ("/api/v1/me", headers)):
        started = time.monotonic()
        response = client.get(path, headers=sent)
        assert time.monotonic() - started < BOUND, path
        assert_problem(response, 503)
        assert int(response.headers["Retry-After"]) > 0
    posted = client.post("/api/v1/threat-level", headers=headers, json={"level": "SEVERE", "note": "during the outage"})
    assert_problem(posted, 503)
    ready = client.get("/readyz")
    assert ready.status_code == 503 and ready.headers["Retry-After"]
    page = client.get("/")
    assert page.status_code == 503, page.text
    assert "Sorry, the service is unavailable" in page.text and "try again in a few minutes" in page.text.lower()


def _recovers(client: httpx.Client, headers: dict[str, str]) -> None:
    deadline = time.monotonic() + 20
    while client.get(HISTORY).status_code != 200:
        assert time.monotonic() < deadline, "the service did not recover by itself"
        time.sleep(0.5)
    _all_well(client, headers)


def test_database_down_gives_503_and_the_service_recovers_when_it_returns(outage_app):
    pg, base, headers = outage_app
    with httpx.Client(base_url=base, timeout=60) as client:
        _sign_in(client)
        _all_well(client, headers)
        pg.stop()
        _all_unavailable(client, headers)
        pg.start()
        _recovers(client, headers)
        levels = client.get(HISTORY).json()["items"]
        assert all(item["note"] != "during the outage" for item in levels)


def test_database_hung_gives_503_within_the_bound_and_recovers_when_it_resumes(outage_app):
    pg, base, headers = outage_app
    with httpx.Client(base_url=base, timeout=60) as client:
        _sign_in(client)
        _all_well(client, headers)
        pg.freeze()
        try:
            _all_unavailable(client, headers)
        finally:
            pg.thaw()
        _recovers(client, headers)
