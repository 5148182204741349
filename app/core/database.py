"""The database engine and the per-request unit of work.

SQLite gets WAL, foreign keys, a busy timeout and synchronous=FULL; writing sessions there start with
BEGIN IMMEDIATE so two writers never deadlock upgrading a read lock. The number of sessions open at once is
bounded by the pool size, so a request thread never waits for a connection (the stack's concurrency trap).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, MetaData, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool

from app.core.settings import Settings

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


# Connections beyond the gated pool, for short side transactions (an API key's last use, idempotency records)
# that run while the request's own session holds its connection.
SIDE_CONNECTIONS = 5


def configure_metadata(metadata: MetaData) -> None:
    """Give every constraint and index a predictable name, so migrations can refer to them."""
    metadata.naming_convention = NAMING_CONVENTION


def _sqlite_engine(url: str, *, immediate: bool, pool_size: int) -> Engine:
    parsed = make_url(url)
    if parsed.database and parsed.database != ":memory:":
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(
        url,
        connect_args={"check_same_thread": False, "timeout": 30},
        pool_size=pool_size,
        max_overflow=SIDE_CONNECTIONS,
        pool_timeout=60,
    )

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # we issue BEGIN ourselves
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

    return engine


@dataclass
class Database:
    """The engines of one process and the gate that bounds open sessions to the pool size."""

    settings: Settings
    engine: Engine = field(init=False)
    write_engine: Engine = field(init=False)
    _gate: asyncio.Semaphore | None = field(init=False, default=None)

    def __post_init__(self) -> None:
        url = self.settings.database_url
        size = self.settings.db_pool_size
        if self.settings.is_sqlite:
            self.engine = _sqlite_engine(url, immediate=False, pool_size=size)
            self.write_engine = _sqlite_engine(url, immediate=True, pool_size=size)
        else:
            self.engine = create_engine(
                _psycopg_url(url),
                pool_size=size,
                max_overflow=SIDE_CONNECTIONS,
                pool_timeout=60,
                pool_pre_ping=True,
            )
            self.write_engine = self.engine

    @property
    def gate(self) -> asyncio.Semaphore:
        """How many sessions may be open at once in this process (no more than the pool holds)."""
        if self._gate is None:
            self._gate = asyncio.Semaphore(self.settings.db_pool_size)
        return self._gate

    def session(self, *, write: bool = True) -> Session:
        """A new session; the caller commits or rolls back."""
        return Session(self.write_engine if write else self.engine, expire_on_commit=False)

    async def unit_of_work(self, *, write: bool) -> AsyncIterator[Session]:
        """Yield a session for one request; commit if the request succeeded, else roll back."""
        async with self.gate:
            session = self.session(write=write)
            try:
                yield session
                await run_in_threadpool(session.commit)
                for callback in session.info.pop("after_commit", []):
                    callback()
            except BaseException:
                await run_in_threadpool(session.rollback)
                raise
            finally:
                await run_in_threadpool(session.close)

    def ping(self) -> None:
        """Raise if the database cannot be reached."""
        with self.engine.connect() as connection:
            connection.execute(text("SELECT 1"))

    def dispose(self) -> None:
        """Close every pooled connection."""
        self.engine.dispose()
        self.write_engine.dispose()


def _psycopg_url(url: str) -> str:
    """Use psycopg 3 for postgresql:// URLs that name no driver."""
    if url.startswith("postgresql://"):
        return "postgresql+psycopg://" + url.removeprefix("postgresql://")
    if url.startswith("postgres://"):
        return "postgresql+psycopg://" + url.removeprefix("postgres://")
    return url
