"""A request's unit of work always ends its transaction, even when the request is cancelled half-way."""

from __future__ import annotations

import asyncio
import sqlite3

import anyio
import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url

from app.core.database import Database
from app.core.settings import Settings


def _write_lock_is_free(url: str) -> bool:
    probe = sqlite3.connect(make_url(url).database or "", timeout=0.2, isolation_level=None)
    try:
        probe.execute("BEGIN IMMEDIATE")
        probe.execute("ROLLBACK")
        return True
    except sqlite3.OperationalError:
        return False
    finally:
        probe.close()


@pytest.mark.parametrize("fails", [False, True], ids=["cancelled-after-success", "cancelled-with-an-error"])
def test_a_cancelled_request_releases_the_write_lock(settings: Settings, fails: bool) -> None:
    """The client goes away while its write is in flight: the task is cancelled, and the cleanup must still run."""
    if not settings.database_url.startswith("sqlite"):
        pytest.skip("SQLite's single write lock shows a leaked transaction at once")
    database = Database(settings)

    async def request() -> None:
        unit = database.unit_of_work(write=True)
        session = await unit.__anext__()
        session.execute(text("SELECT 1"))  # BEGIN IMMEDIATE: this session now holds the write lock
        with anyio.CancelScope() as scope:
            scope.cancel()  # everything awaited from here on is cancelled, as for a request whose client left
            if fails:
                with pytest.raises(asyncio.CancelledError):
                    await unit.athrow(asyncio.CancelledError())
            else:
                with pytest.raises(StopAsyncIteration):
                    await unit.__anext__()

    try:
        anyio.run(request)
        assert _write_lock_is_free(settings.database_url)
    finally:
        database.dispose()
