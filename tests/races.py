"""Races tested as races: many requests started together against the served app (`live_server`).

Sequential test-client calls never show a lost update; SQLite serialises writers and hides most of them. These
helpers open one connection per request and release them all at once, so on PostgreSQL the requests really do
overlap inside the database.
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

import httpx

T = TypeVar("T")
Request = tuple[str, str, dict[str, Any]]
"""(method, path, keyword arguments for httpx: json=, headers=, params=, data=)."""


def at_once(base_url: str, requests: Sequence[Request], *, timeout: float = 60) -> list[httpx.Response]:
    """Send every request at the same moment, each on its own connection; the responses in request order."""

    async def fire() -> list[httpx.Response]:
        limits = httpx.Limits(max_connections=len(requests), max_keepalive_connections=0)
        async with httpx.AsyncClient(base_url=base_url, timeout=timeout, limits=limits) as http:
            gate = asyncio.Event()

            async def one(method: str, path: str, kwargs: dict[str, Any]) -> httpx.Response:
                await gate.wait()
                return await http.request(method, path, **kwargs)

            tasks = [asyncio.create_task(one(m, p, k)) for m, p, k in requests]
            await asyncio.sleep(0.05)  # every task is waiting at the gate
            gate.set()
            return list(await asyncio.gather(*tasks))

    return in_own_loop(fire())


def in_own_loop(coroutine: Coroutine[Any, Any, T]) -> T:
    """Run a coroutine to its end on an event loop in a thread of its own (a browser test earlier in the session may
    have left an event loop running in this one, where `asyncio.run` refuses to start)."""
    with ThreadPoolExecutor(max_workers=1) as thread:
        return thread.submit(asyncio.run, coroutine).result()


def statuses(responses: Sequence[httpx.Response]) -> list[int]:
    """The status codes, sorted, for assertions that read well."""
    return sorted(r.status_code for r in responses)
