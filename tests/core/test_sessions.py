"""A request's unit of work always ends its transaction at once: when the route fails, and when the request is
cancelled half-way (its client went away). On SQLite a transaction left open holds the one write lock for everyone.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Iterator
from types import SimpleNamespace

import anyio
import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url
from starlette.requests import Request

from app.api.deps import get_session
from app.core.database import Database
from app.core.errors import Unprocessable
from app.core.settings import Settings
from tests.races import in_own_loop


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


@pytest.fixture
def own_database(settings: Settings) -> Iterator[Database]:
    if not settings.database_url.startswith("sqlite"):
        pytest.skip("SQLite's single write lock shows a transaction left open at once")
    database = Database(settings)
    yield database
    database.dispose()


def test_a_route_that_fails_ends_its_transaction_at_once(own_database: Database, settings: Settings) -> None:
    """As FastAPI runs a dependency with yield: the route's error is thrown in at the yield."""
    app = SimpleNamespace(state=SimpleNamespace(database=own_database))
    request = Request({"type": "http", "method": "POST", "app": app, "headers": [], "path": "/", "query_string": b""})

    async def failing_request() -> None:
        dependency = get_session(request)
        session = await dependency.__anext__()
        session.execute(text("SELECT 1"))  # BEGIN IMMEDIATE: the write lock is held
        with pytest.raises(Unprocessable):
            await dependency.athrow(Unprocessable("the route refused the request"))
        assert _write_lock_is_free(settings.database_url)  # not waiting for the generator to be collected

    in_own_loop(failing_request())


@pytest.mark.parametrize("fails", [False, True], ids=["cancelled-after-success", "cancelled-with-an-error"])
def test_a_cancelled_request_releases_the_write_lock(own_database: Database, settings: Settings, fails: bool) -> None:
    """The client goes away while its write is in flight: the task is cancelled, and the cleanup must still run."""

    async def request() -> None:
        unit = own_database.unit_of_work(write=True)
        session = await unit.__aenter__()
        session.execute(text("SELECT 1"))  # BEGIN IMMEDIATE: this session now holds the write lock
        with anyio.CancelScope() as scope:
            scope.cancel()  # everything awaited from here on is cancelled, as for a request whose client left
            if fails:
                error = asyncio.CancelledError()
                assert await unit.__aexit__(asyncio.CancelledError, error, None) is False  # re-raised, not swallowed
            else:
                await unit.__aexit__(None, None, None)

    in_own_loop(request())
    assert _write_lock_is_free(settings.database_url)
