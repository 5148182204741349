"""How much dearer is the public `GET /api/v1/threat-level` than the cheapest endpoint the app has?

The threat level is the hottest endpoint (every page and many partner systems poll it), so it is served from a
per-process cache. This starts the whole app with uvicorn on a free loopback port (a scratch SQLite database built
by the real migrations), then alternates, in one run, batches of concurrent requests to the threat level and to
`/healthz` (an `async def` returning a constant — the floor), and prints requests per second of each and the ratio.

    .venv/bin/python bench/bench_threat_level.py [--rounds 10] [--requests 400] [--concurrency 16]
"""

from __future__ import annotations

import argparse
import asyncio
import socket
import statistics
import tempfile
import threading
import time
from pathlib import Path

import httpx
import uvicorn

from app.core.database import Database
from app.core.settings import Settings
from app.main import create_app
from app.migrate import upgrade
from app.models.threat_level import ThreatLevel, ThreatLevelCreate
from app.services import threat_level


def serve(settings: Settings) -> tuple[uvicorn.Server, str]:
    """The app on a free loopback port, in a thread."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    server = uvicorn.Server(
        uvicorn.Config(create_app(settings), host="127.0.0.1", port=port, log_level="warning", access_log=False)
    )
    threading.Thread(target=server.run, daemon=True).start()
    while not server.started:
        time.sleep(0.05)
    return server, f"http://127.0.0.1:{port}"


async def batch(http: httpx.AsyncClient, path: str, requests: int, concurrency: int) -> float:
    """Requests per second for `requests` GETs of `path`, `concurrency` at a time."""
    queue = list(range(requests))

    async def worker() -> None:
        while queue:
            queue.pop()
            response = await http.get(path)
            assert response.status_code == 200, response.text

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return requests / (time.perf_counter() - started)


async def measure(base: str, rounds: int, requests: int, concurrency: int) -> tuple[list[float], list[float]]:
    """Alternate the endpoint under test with the floor, round by round."""
    level, floor = [], []
    async with httpx.AsyncClient(base_url=base, timeout=30) as http:
        await batch(http, "/api/v1/threat-level", 100, concurrency)  # warm-up
        await batch(http, "/healthz", 100, concurrency)
        for _ in range(rounds):
            level.append(await batch(http, "/api/v1/threat-level", requests, concurrency))
            floor.append(await batch(http, "/healthz", requests, concurrency))
    return level, floor


def main() -> None:
    """Run the benchmark and print the ratio."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--requests", type=int, default=400)
    parser.add_argument("--concurrency", type=int, default=16)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        url = f"sqlite:///{Path(scratch) / 'bench.db'}"
        upgrade(url)
        settings = Settings(database_url=url, log_level="WARNING")
        database = Database(settings)
        with database.session() as session:
            threat_level.record(session, ThreatLevelCreate(level=ThreatLevel.SUBSTANTIAL, note="bench"), actor=None)
            session.commit()
        database.dispose()
        server, base = serve(settings)
        level, floor = asyncio.run(measure(base, args.rounds, args.requests, args.concurrency))
        server.should_exit = True
    lm, fm = statistics.median(level), statistics.median(floor)
    print(f"GET /api/v1/threat-level: median {lm:,.0f} req/s; GET /healthz (floor): median {fm:,.0f} req/s")
    print(f"ratio threat level / floor: {lm / fm:.2f}  (1.00 would be as cheap as a constant)")


if __name__ == "__main__":
    main()
