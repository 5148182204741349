"""Under load the service never stalls: 256 concurrent authenticated requests are all answered."""

from __future__ import annotations

import asyncio
import time

import httpx

from tests.races import in_own_loop


def test_256_concurrent_authenticated_requests_are_all_answered(live_server, admin, client):
    for i in range(5):
        client.post(
            "/api/v1/users",
            headers=admin.headers,
            json={"username": f"load-{i}", "name": "Load", "password": "a-long-password-1", "role": "viewer"},
        )

    async def fire() -> list[httpx.Response]:
        limits = httpx.Limits(max_connections=256, max_keepalive_connections=0)
        async with httpx.AsyncClient(base_url=live_server, timeout=60, limits=limits) as http:
            return await asyncio.gather(
                *[
                    http.get("/api/v1/users", headers=admin.headers)
                    if i % 2
                    else http.post(
                        "/api/v1/threat-level",
                        headers=admin.headers,
                        json={"level": "SEVERE", "note": f"{i}"},
                    )
                    for i in range(256)
                ]
            )

    started = time.monotonic()
    responses = in_own_loop(fire())
    elapsed = time.monotonic() - started
    statuses = [r.status_code for r in responses]
    assert statuses.count(200) == 128 and statuses.count(201) == 128, statuses
    assert all(len(r.json()["items"]) == 6 for r in responses if r.status_code == 200)
    assert elapsed < 60
    history = client.get("/api/v1/threat-level/history", params={"limit": 200}).json()["items"]
    assert len(history) == 128
    chain = client.get("/api/v1/audit-events/verify", headers=admin.headers).json()
    assert chain["ok"] is True and chain["checked"] >= 128 + 5  # concurrent writers never fork the chain
