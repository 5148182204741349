"""Partner API keys are rate-limited per key (a database counter, so the limit holds across processes), with the
IETF `RateLimit` / `RateLimit-Policy` headers on every partner response and `Retry-After` on the 429."""

from __future__ import annotations

import re

import pytest

from tests.conftest import assert_problem
from tests.races import in_own_loop

SITES = "/api/v1/sites"
POLICY = re.compile(r'^"partner";q=(\d+);w=(\d+)$')
STATE = re.compile(r'^"partner";r=(\d+);t=(\d+)$')


@pytest.fixture
def limit(settings, monkeypatch):
    def set_limit(requests_per_window: int, window_seconds: int = 60) -> None:
        monkeypatch.setattr(settings, "partner_rate_limit", requests_per_window)
        monkeypatch.setattr(settings, "partner_rate_window_seconds", window_seconds)

    return set_limit


def _remaining(response) -> int:
    match = STATE.match(response.headers["RateLimit"])
    assert match, response.headers["RateLimit"]
    return int(match.group(1))


def test_a_partner_key_past_its_limit_gets_429_with_retry_after(client, make_api_key, limit):
    limit(100, window_seconds=3600)  # windows follow the clock: 150 requests must not straddle a boundary
    key = make_api_key(["protect:read"])
    statuses = [client.get(SITES, headers=key.headers).status_code for _ in range(150)]
    assert statuses[:100] == [200] * 100
    assert set(statuses[100:]) == {429}
    refused = client.get(SITES, headers=key.headers)
    problem = assert_problem(refused, 429)
    assert problem["instance"] == SITES and "100 requests" in problem["detail"]
    retry = int(refused.headers["Retry-After"])
    assert 1 <= retry <= 3600
    assert refused.headers["RateLimit-Policy"] == '"partner";q=100;w=3600'
    assert _remaining(refused) == 0
    # another key is not affected
    other = make_api_key(["protect:read"])
    assert client.get(SITES, headers=other.headers).status_code == 200


def test_every_partner_response_carries_the_headers_and_counts_down(client, make_api_key, limit):
    limit(600)
    key = make_api_key(["protect:read"])
    first = client.get(SITES, headers=key.headers)
    assert first.status_code == 200
    assert POLICY.match(first.headers["RateLimit-Policy"]).groups() == ("600", "60")
    assert _remaining(first) == 599
    assert 1 <= int(STATE.match(first.headers["RateLimit"]).group(2)) <= 60
    second = client.get(SITES, headers=key.headers)
    assert _remaining(second) == 598
    # errors count and carry the headers too (403 without the scope, 404, 422)
    forbidden = client.get("/api/v1/risks", headers=key.headers)
    assert forbidden.status_code == 403 and _remaining(forbidden) == 597
    missing = client.get(f"{SITES}/nope", headers=key.headers)
    assert missing.status_code == 404 and "RateLimit" in missing.headers
    write = client.post(SITES, headers=key.headers, json={})
    assert write.status_code == 403 and "RateLimit-Policy" in write.headers


def test_users_are_not_rate_limited(client, officer, limit):
    limit(3)
    for _ in range(6):
        response = client.get(SITES, headers=officer.headers)
        assert response.status_code == 200
        assert "RateLimit" not in response.headers and "RateLimit-Policy" not in response.headers


def test_zero_disables_the_limit(client, make_api_key, limit):
    limit(0)
    key = make_api_key(["protect:read"])
    for _ in range(5):
        response = client.get(SITES, headers=key.headers)
        assert response.status_code == 200 and "RateLimit" not in response.headers


def test_the_counter_is_shared_by_every_process(client, make_api_key, limit, database):
    """Another process's requests count: the count lives in the database, not in this process."""
    from app.api import rate_limit

    limit(5)
    key = make_api_key(["protect:read"])
    assert client.get(SITES, headers=key.headers).status_code == 200
    for _ in range(4):  # what another process would do: the same statement on the same table
        rate_limit.count(database, key.user_id, window_seconds=60)
    assert assert_problem(client.get(SITES, headers=key.headers), 429)


def test_a_busy_key_leases_slots_instead_of_writing_on_every_request(client, make_api_key, limit, database):
    """One process hands out leased slots from memory: 120 reads cost a handful of writes, and the database has
    counted every slot used (never fewer, so other processes see them)."""
    from sqlmodel import select

    from app.api import rate_limit
    from app.models.identity import ApiRateLimit

    limit(600)
    key = make_api_key(["protect:read"])
    limiter = rate_limit.limiter(database)
    before = limiter.writes
    remaining = [_remaining(client.get(SITES, headers=key.headers)) for _ in range(120)]
    assert remaining == list(range(599, 479, -1))  # exact in one process
    assert limiter.writes - before <= 6
    with database.session(write=False) as session:
        counted = session.exec(select(ApiRateLimit).where(ApiRateLimit.key_id == key.user_id)).one().hits
    assert 120 <= counted <= 120 + rate_limit.MAX_LEASE


def test_processes_leasing_together_never_pass_the_limit(make_api_key, database):
    """Two processes' limiters on one database, taking turns: together they never let a key past the limit, and
    refuse it early by no more than the slots the other one leased and had not used (MAX_LEASE)."""

    from app.api import rate_limit

    key = make_api_key(["protect:read"])
    first, second = rate_limit.Limiter(database), rate_limit.Limiter(database)

    async def hammer() -> list[bool]:
        allowed = []
        for turn in range(1200):
            ok, _, _ = await (first if turn % 3 else second).take(key.user_id, limit=1000, window_seconds=3600)
            allowed.append(ok)
        return allowed

    allowed = in_own_loop(hammer())
    assert 1000 - rate_limit.MAX_LEASE <= sum(allowed) <= 1000
    assert not any(allowed[1100:])  # once the database says the window is used up, both refuse
