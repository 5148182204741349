"""The read-path caches keep their bounds: the principal cache, the summary cache, and batched disclosures.

A change made "by another process" is simulated with plain SQL on a connection of its own: no ORM events and no
unit of work of this process see it, exactly as with a second server or the command line.
"""

from __future__ import annotations

import asyncio
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from sqlalchemy import text

from app.api import disclosure, kept
from app.core.security import Principal, hash_secret
from app.services import audit, identity, summary
from tests.builders import make_site, record_threat_level
from tests.conftest import assert_problem
from tests.races import in_own_loop


def _elsewhere(database, sql, **params):
    """A change committed outside this process's sessions (as another process would make it)."""
    with database.write_engine.begin() as connection:
        connection.execute(text(sql), params)


def _wait_until(predicate, bound):
    deadline = time.monotonic() + bound
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.02)
    return predicate()


def test_a_known_token_is_not_looked_up_again(client, officer, database):
    assert client.get("/api/v1/me", headers=officer.headers).status_code == 200
    assert identity.PRINCIPALS.get(hash_secret(officer.token), identity.utcnow()) is not None


def test_revocation_in_this_process_is_immediate_even_when_cached(client, admin, make_api_key, officer):
    key = make_api_key(["prevent:read"])
    for actor in (key, officer):
        assert client.get("/api/v1/me", headers=actor.headers).status_code == 200  # now cached
    assert client.delete(f"/api/v1/api-keys/{key.user_id}", headers=admin.headers).status_code == 204
    assert_problem(client.get("/api/v1/me", headers=key.headers), 401)
    changed = client.patch(
        f"/api/v1/users/{officer.user_id}",
        headers={
            **admin.headers,
            "If-Match": client.get(f"/api/v1/users/{officer.user_id}", headers=admin.headers).headers["etag"],
        },
        json={"active": False},
    )
    assert changed.status_code == 200, changed.text
    assert_problem(client.get("/api/v1/me", headers=officer.headers), 401)


def test_a_direct_orm_change_in_this_process_clears_the_cache(client, officer, db_session):
    assert client.get("/api/v1/me", headers=officer.headers).json()["role"] == "officer"
    from app.models.identity import User

    user = db_session.get(User, officer.user_id)
    user.role = "viewer"
    db_session.commit()
    assert client.get("/api/v1/me", headers=officer.headers).json()["role"] == "viewer"


def test_recording_a_keys_last_use_keeps_the_cache_but_changing_the_key_clears_it(make_api_key, officer, db_session):
    from app.models.identity import ApiKey

    key = make_api_key(["prevent:read"])
    cached = identity.PRINCIPALS.generation
    identity.touch_api_key(db_session, key.user_id)  # bookkeeping: who the key stands for is unchanged
    db_session.commit()
    assert identity.PRINCIPALS.generation == cached
    db_session.get(ApiKey, key.user_id).scopes = ["protect:read"]
    db_session.commit()
    assert identity.PRINCIPALS.generation > cached


def test_revocation_by_another_process_is_honoured_within_the_ttl(client, make_api_key, database, monkeypatch):
    monkeypatch.setattr(identity.PRINCIPALS, "ttl", 0.3)
    key = make_api_key(["prevent:read"])
    assert client.get("/api/v1/me", headers=key.headers).status_code == 200
    _elsewhere(database, "UPDATE api_key SET revoked_at = CURRENT_TIMESTAMP WHERE id = :id", id=key.user_id)
    assert _wait_until(lambda: client.get("/api/v1/me", headers=key.headers).status_code == 401, 0.3 + 1.0)


def test_a_principal_read_while_the_cache_was_cleared_is_not_kept():
    cache = identity.PrincipalCache(ttl=60)
    principal = Principal(id="k", kind="api_key", name="k", organisation="o", scopes=frozenset(), clearance="OFFICIAL")  # type: ignore[arg-type]
    generation = cache.generation  # the read begins
    cache.clear()  # a revocation commits meanwhile
    cache.put("digest", identity._Known(principal, None, time.monotonic()), generation)
    assert cache.get("digest", identity.utcnow()) is None


def test_summary_shows_a_change_in_this_process_at_once(client, officer):
    assert client.get("/api/v1/summary", headers=officer.headers).json()["protect"]["sites"] == 0
    make_site(client, officer, "One")
    assert client.get("/api/v1/summary", headers=officer.headers).json()["protect"]["sites"] == 1


def test_summary_is_per_clearance(client, officer, viewer):
    make_site(client, officer, "Secret")  # OFFICIAL-SENSITIVE
    make_site(client, officer, "Open", classification="OFFICIAL")
    assert client.get("/api/v1/summary", headers=officer.headers).json()["protect"]["sites"] == 2
    assert client.get("/api/v1/summary", headers=viewer.headers).json()["protect"]["sites"] == 1


def test_summary_shows_a_change_by_another_process_within_the_ttl(client, officer, database, monkeypatch):
    monkeypatch.setattr(summary.CACHE, "ttl", 0.3)
    monkeypatch.setattr(kept, "TTL", 0.3)  # a user's summary is also a kept answer (app/api/kept.py): the same 5 s
    site = make_site(client, officer, "One")
    assert client.get("/api/v1/summary", headers=officer.headers).json()["protect"]["sites"] == 1
    _elsewhere(database, "DELETE FROM site WHERE id = :id", id=site["id"])

    def sites() -> int:
        count: int = client.get("/api/v1/summary", headers=officer.headers).json()["protect"]["sites"]
        return count

    assert _wait_until(lambda: sites() == 0, 0.3 + 1.0)


def _partner_reads(live_server, key, paths):
    """Concurrent reads against the served app (its own event loop, as in production)."""

    async def run():
        async with httpx.AsyncClient(base_url=live_server, timeout=30) as http:
            return await asyncio.gather(*(http.get(p, headers=key.headers) for p in paths))

    return in_own_loop(run())


def test_concurrent_disclosures_are_all_logged_in_fewer_transactions(
    live_server, client, officer, admin, make_api_key, database
):
    ids = [make_site(client, officer, f"Secret {n}")["id"] for n in range(12)]
    police = make_api_key(["protect:read"], clearance="OFFICIAL-SENSITIVE")
    journal = disclosure.journal(database)
    before = journal.batches
    responses = _partner_reads(live_server, police, [f"/api/v1/sites/{i}" for i in ids])
    assert all(r.status_code == 200 for r in responses)
    events = client.get(
        "/api/v1/audit-events", params={"action": "disclosure", "limit": 100}, headers=admin.headers
    ).json()["items"]
    assert sorted(e["entity_id"] for e in events) == sorted(ids)  # one event per response sent
    assert journal.batches - before < len(ids)  # written together
    assert client.get("/api/v1/audit-events/verify", headers=admin.headers).json()["ok"] is True


def test_no_response_is_sent_when_its_disclosure_cannot_be_written(
    live_server, client, officer, make_api_key, monkeypatch
):
    site = make_site(client, officer, "Secret")
    police = make_api_key(["protect:read"], clearance="OFFICIAL-SENSITIVE")

    def broken(*_args, **_kwargs):
        raise RuntimeError("the audit log is unavailable")

    async def broken_async(*_args, **_kwargs):
        raise RuntimeError("the audit log is unavailable")

    monkeypatch.setattr(audit, "record_all", broken)  # SQLite's writer
    monkeypatch.setattr(audit, "record_all_async", broken_async)  # PostgreSQL's (app/core/rows.py)
    (response,) = _partner_reads(live_server, police, [f"/api/v1/sites/{site['id']}"])
    assert response.status_code == 500 and "Secret" not in response.text  # the record was not disclosed


def test_the_cached_threat_level_answers_exactly_as_the_route_does(client, admin):
    """`FreshLevel` answers the plain GET from the cache before routing: the same status, headers and body as the
    route gave on the cold cache, the same 304, and what it cannot answer (a query, an Accept without JSON) still
    goes to the route."""
    from app.services import threat_level

    record_threat_level(client, admin, "SUBSTANTIAL")
    threat_level.CACHE.clear()
    cold = client.get("/api/v1/threat-level")  # the route loads the level and fills the cache
    warm = client.get("/api/v1/threat-level")  # answered from the cache
    assert cold.status_code == warm.status_code == 200 and cold.content == warm.content
    assert {k: v for k, v in cold.headers.items() if k != "x-request-id"} == {
        k: v for k, v in warm.headers.items() if k != "x-request-id"
    }
    assert cold.json()["level"] == "SUBSTANTIAL"
    unchanged = client.get("/api/v1/threat-level", headers={"If-None-Match": warm.headers["ETag"]})
    assert unchanged.status_code == 304 and unchanged.headers["ETag"] == warm.headers["ETag"]
    assert_problem(client.get("/api/v1/threat-level", headers={"Accept": "text/csv"}), 406)
    assert_problem(client.get("/api/v1/threat-level?scpoe=UK"), 422)  # a typo is still refused by the route
    assert client.get("/api/v1/threat-level?scope=UK").content == warm.content


def _principal() -> Principal:
    return Principal(id="k", kind="api_key", name="k", organisation="o", scopes=frozenset(), clearance="OFFICIAL")  # type: ignore[arg-type]


def test_an_entry_near_the_end_of_its_life_is_renewed_by_one_caller(monkeypatch):
    cache = identity.PrincipalCache(ttl=1.0)
    principal, now = _principal(), identity.utcnow()
    cache.put("digest", identity._Known(principal, None, time.monotonic() - 0.5), cache.generation)
    assert cache.get("digest", now, claim=True) == (principal, False)  # half its life: no renewal yet
    cache.put("digest", identity._Known(principal, None, time.monotonic() - 0.9), cache.generation)
    assert cache.get("digest", now, claim=True) == (principal, True)  # the last fifth: this caller renews it
    assert cache.get("digest", now, claim=True) == (principal, False)  # the others go on using it
    assert cache.get("digest", now) == (principal, False)  # a caller that cannot renew is never told to
    monkeypatch.setattr(cache, "RENEW_CLAIM_SECONDS", 0.0)  # the renewal never came (that request failed) ...
    assert cache.get("digest", now, claim=True) == (principal, True)  # ... so another caller is told
    cache.put("digest", identity._Known(principal, None, time.monotonic()), cache.generation)  # renewed
    assert cache.get("digest", now, claim=True) == (principal, False)


def test_an_entry_is_never_used_past_its_ttl_even_while_being_renewed():
    cache = identity.PrincipalCache(ttl=1.0)
    cache.put("digest", identity._Known(_principal(), None, time.monotonic() - 0.95), cache.generation)
    assert cache.get("digest", identity.utcnow(), claim=True) is not None  # claimed; the renewal is slow ...
    time.sleep(0.06)
    assert cache.get("digest", identity.utcnow()) is None  # ... and the bound holds


def test_of_many_callers_at_once_one_renews():
    cache = identity.PrincipalCache(ttl=60)
    cache.put("digest", identity._Known(_principal(), None, time.monotonic() - 59), cache.generation)
    start = threading.Barrier(16)

    def ask(_: int) -> bool:
        start.wait()
        known = cache.get("digest", identity.utcnow(), claim=True)
        assert known is not None
        return known[1]

    with ThreadPoolExecutor(16) as pool:
        told = list(pool.map(ask, range(16)))
    assert told.count(True) == 1


@pytest.mark.parametrize(
    "route", ["/api/v1/sites/{id}", "/api/v1/me", "/api/v1/search?q=One"], ids=["fast path", "kept", "route"]
)
def test_a_busy_token_is_renewed_before_it_lapses(client, officer, monkeypatch, route):
    """Under steady use the entry is renewed ahead, by one request at a time: it never lapses for all at once."""
    path = route.format(id=make_site(client, officer, "One")["id"])
    monkeypatch.setattr(identity.PRINCIPALS, "ttl", 0.5)
    loads: list[bool] = []  # for each read from the database: was the cached entry still there (renewal ahead)?
    load = identity._load_principal

    def counted(session, token):
        loads.append(identity.PRINCIPALS.get(hash_secret(token), identity.utcnow()) is not None)
        return load(session, token)

    monkeypatch.setattr(identity, "_load_principal", counted)
    assert client.get(path, headers=officer.headers).status_code == 200
    deadline = time.monotonic() + 1.6
    while time.monotonic() < deadline:
        assert client.get(path, headers=officer.headers).status_code == 200
        time.sleep(0.005)
    renewals = loads[1:] if loads and not loads[0] else loads  # the first read may be a miss (the cache was new)
    assert 3 <= len(renewals) <= 5, loads  # once in each 0.4 s of use
    assert all(renewals), loads  # never after the entry had lapsed
