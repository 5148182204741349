"""The database engine and the per-request unit of work.

SQLite gets WAL, foreign keys, a busy timeout and synchronous=FULL; writing sessions there start with
BEGIN IMMEDIATE so two writers never deadlock upgrading a read lock. The number of sessions open at once is
bounded by the pool size, so a request thread never waits for a connection (the stack's concurrency trap).

Outages are bounded (README "Timeouts"). PostgreSQL connections have a connect timeout and a server-side
statement timeout; a server that is frozen (accepts, never answers) cannot enforce the latter, so a watchdog
thread shuts the socket of any statement, ping, commit or rollback that outlives it, and the request gets a
503 instead of waiting for ever. Waiting for a session (the gate) and for a pooled connection is bounded too.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import threading
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import anyio
from pydantic_core import from_json
from sqlalchemy import Engine, MetaData, create_engine, event, exc, text
from sqlalchemy.engine import make_url
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool

from app.core.errors import ServiceUnavailable
from app.core.rows import FAST, AsyncRows
from app.core.settings import Settings

log = logging.getLogger("contest_hub.database")

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


PING_AFTER_IDLE_SECONDS = 1.0  # a pooled PostgreSQL connection idle longer than this is pinged before use
BUSY = "The service is too busy or its database is not answering; try again."

# How JSON columns are read (`json.loads`' values, ~8 times faster: a page of sites reads one list per row).
JSON_LOADS = from_json

# Connections beyond the gated pool, for short side transactions (an API key's last use, idempotency records)
# that run while the request's own session holds its connection.
SIDE_CONNECTIONS = 5


def configure_metadata(metadata: MetaData) -> None:
    """Give every constraint and index a predictable name, so migrations can refer to them."""
    metadata.naming_convention = NAMING_CONVENTION


def _sqlite_engine(url: str, *, immediate: bool | None, pool_size: int, settings: Settings) -> Engine:
    """`immediate`: transactions start with BEGIN IMMEDIATE (writers) or BEGIN (readers); None: no transaction at all,
    each statement on its own (read-only sessions; in WAL each sees the last commit, as under READ COMMITTED)."""
    parsed = make_url(url)
    if parsed.database and parsed.database != ":memory:":
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(
        url,
        connect_args={"check_same_thread": False, "timeout": settings.db_busy_timeout_seconds},
        pool_size=pool_size,
        max_overflow=SIDE_CONNECTIONS,
        pool_timeout=settings.db_pool_timeout_seconds,
        json_deserializer=JSON_LOADS,
    )
    busy_ms = int(settings.db_busy_timeout_seconds * 1000)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # we issue BEGIN ourselves
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={busy_ms}")
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.close()

    if immediate is not None:

        @event.listens_for(engine, "begin")
        def _on_begin(connection: Any) -> None:
            connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

    return engine


class Watchdog:
    """Shuts the socket of a PostgreSQL connection busy for longer than its limit (a hung server).

    Arming marks a DBAPI connection as waiting on the server from now; disarming clears it. A daemon thread
    checks a few times a second. Shutting the socket makes the blocked call fail at once with a disconnect
    error, which SQLAlchemy turns into an invalidated connection and the API into a 503.
    """

    def __init__(self, limit_seconds: float) -> None:
        self.limit = limit_seconds
        self._busy: dict[int, tuple[float, int]] = {}  # id(connection) -> (deadline, socket fd)
        self.fired: set[int] = set()
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def arm(self, dbapi_connection: Any) -> None:
        """The connection starts waiting on the server."""
        try:
            fd = dbapi_connection.fileno()
        except Exception:  # already closed or broken: nothing to watch
            return
        with self._lock:
            self._busy[id(dbapi_connection)] = (time.monotonic() + self.limit, fd)
            self.fired.discard(id(dbapi_connection))
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="db-watchdog", daemon=True)
                self._thread.start()

    def disarm(self, dbapi_connection: Any) -> None:
        """The server answered."""
        with self._lock:
            self._busy.pop(id(dbapi_connection), None)

    def was_fired(self, dbapi_connection: Any) -> bool:
        """Whether the watchdog cut this connection off."""
        with self._lock:
            return id(dbapi_connection) in self.fired

    def stop(self) -> None:
        """End the thread."""
        self._stop.set()

    def _run(self) -> None:
        while not self._stop.wait(0.2):
            now = time.monotonic()
            with self._lock:
                overdue = [(key, fd) for key, (deadline, fd) in self._busy.items() if deadline <= now]
                for key, _ in overdue:
                    del self._busy[key]
                    self.fired.add(key)
            for _, fd in overdue:
                log.warning("database did not answer within %.1f s: cutting the connection off", self.limit)
                try:
                    sock = socket.socket(fileno=os.dup(fd))
                except OSError:
                    continue
                try:
                    sock.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
                finally:
                    sock.close()


def server_options(settings: Settings) -> str:
    """What each PostgreSQL connection of the process sets when it connects: the statement and lock timeouts, and
    UTC as the session's time zone. Every time is kept and computed in UTC (Europe/London in Python, where a date
    needs it), so the zone changes no answer; but the driver then gives times as UTC (`datetime.UTC`) rather than in
    whatever zone the server defaults to: no zone database conversion for each time it reads (~80 us of a page of
    40 sites) and the same values whatever the server's configuration."""
    statement_ms = int(settings.db_statement_timeout_seconds * 1000)
    return f"-c statement_timeout={statement_ms} -c lock_timeout={statement_ms} -c TimeZone=UTC"


def _postgres_engine(
    url: str, *, pool_size: int, settings: Settings, watchdog: Watchdog | None = None, autocommit: bool = False
) -> tuple[Engine, Watchdog]:
    """`autocommit`: connections that run each statement on its own, set once when connected (read-only sessions)."""
    engine = create_engine(
        _psycopg_url(url),
        connect_args={"connect_timeout": settings.db_connect_timeout_seconds, "options": server_options(settings)},
        pool_size=pool_size,
        max_overflow=SIDE_CONNECTIONS,
        pool_timeout=settings.db_pool_timeout_seconds,
        json_deserializer=JSON_LOADS,
        **({"isolation_level": "AUTOCOMMIT"} if autocommit else {}),
    )
    # The server enforces statement_timeout itself; the watchdog is for when it cannot (frozen): a second later.
    watchdog = watchdog or Watchdog(settings.db_statement_timeout_seconds + 1.0)

    @event.listens_for(engine, "checkout")
    def _ping(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        # pool_pre_ping, with a bound: a dead pooled connection is replaced (DisconnectionError makes the pool
        # try a fresh one); a hung server is not retried, it is a 503 now. A connection that answered within the
        # last moment is not asked again (two round trips a request otherwise); if the server went away since, its
        # first statement fails as a disconnect, the request is a 503, and the pool replaces its connections.
        if time.monotonic() - record.info.get("answered", 0.0) < PING_AFTER_IDLE_SECONDS:
            return
        watchdog.arm(dbapi_connection)
        try:
            with dbapi_connection.cursor() as cursor:
                cursor.execute("SELECT 1")
            dbapi_connection.rollback()
        except Exception as error:
            if watchdog.was_fired(dbapi_connection):
                raise ServiceUnavailable() from error
            raise exc.DisconnectionError() from error
        finally:
            watchdog.disarm(dbapi_connection)

    @event.listens_for(engine, "before_cursor_execute")
    def _before(connection: Any, *_args: Any) -> None:
        watchdog.arm(connection.connection.dbapi_connection)

    @event.listens_for(engine, "after_cursor_execute")
    def _after(connection: Any, *_args: Any) -> None:
        watchdog.disarm(connection.connection.dbapi_connection)

    @event.listens_for(engine, "handle_error")
    def _error(context: Any) -> None:
        if context.connection is not None and context.connection.connection.dbapi_connection is not None:
            watchdog.disarm(context.connection.connection.dbapi_connection)

    @event.listens_for(engine, "commit")
    @event.listens_for(engine, "rollback")
    def _ending(connection: Any) -> None:
        if connection.invalidated:  # lost (the server went away): nothing left to watch, and no connection to ask
            return
        watchdog.arm(connection.connection.dbapi_connection)  # until the connection is checked in

    @event.listens_for(engine.pool, "reset")
    def _reset(dbapi_connection: Any, *_args: Any) -> None:
        watchdog.arm(dbapi_connection)

    @event.listens_for(engine.pool, "checkin")
    def _checkin(dbapi_connection: Any, record: Any) -> None:
        if dbapi_connection is not None:
            watchdog.disarm(dbapi_connection)
            record.info["answered"] = time.monotonic()

    return engine, watchdog


@dataclass
class Database:
    """The engines of one process and the gate that bounds open sessions to the pool size."""

    settings: Settings
    engine: Engine = field(init=False)
    write_engine: Engine = field(init=False)
    _gate: asyncio.Semaphore | None = field(init=False, default=None)
    _watchdog: Watchdog | None = field(init=False, default=None)
    _reader_engine: Engine = field(init=False)
    url_key: str = field(init=False)
    async_rows: AsyncRows | None = field(init=False, default=None)
    """PostgreSQL: the hot reads' statements run on the event loop (app/core/rows.py); None on SQLite."""
    changes: int = field(init=False, default=0)
    """How many write units of work this process has committed (a generation for caches of derived reads)."""

    def __post_init__(self) -> None:
        url = self.settings.database_url
        size = self.settings.db_pool_size
        if self.settings.is_sqlite:
            self.engine = _sqlite_engine(url, immediate=False, pool_size=size, settings=self.settings)
            self.write_engine = _sqlite_engine(url, immediate=True, pool_size=size, settings=self.settings)
        else:
            self.engine, self._watchdog = _postgres_engine(url, pool_size=size, settings=self.settings)
            self.write_engine = self.engine
        self.url_key = str(self.engine.url)  # what caches of this database's data are keyed by (as rendered once)
        if self.settings.is_sqlite:
            self._reader_engine = _sqlite_engine(url, immediate=None, pool_size=size, settings=self.settings)
        else:  # connections of their own, in autocommit from the start: switching a pooled one costs each time
            self._reader_engine, watchdog = _postgres_engine(
                url, pool_size=size, settings=self.settings, watchdog=self._watchdog, autocommit=True
            )
            self.async_rows = AsyncRows(
                conninfo=self._reader_engine.url.set(drivername="postgresql").render_as_string(hide_password=False),
                dialect=self._reader_engine.dialect,
                size=size,
                connect_timeout=self.settings.db_connect_timeout_seconds,
                options=server_options(self.settings),
                answer_limit_seconds=watchdog.limit,
            )

    @property
    def gate(self) -> asyncio.Semaphore:
        """How many sessions may be open at once in this process (no more than the pool holds)."""
        if self._gate is None:
            self._gate = asyncio.Semaphore(self.settings.db_pool_size)
        return self._gate

    def session(self, *, write: bool = True) -> Session:
        """A new session; the caller commits or rolls back."""
        return Session(self.write_engine if write else self.engine, expire_on_commit=False)

    def reader(self) -> Session:
        """A session for read-only work: each statement runs on its own, without BEGIN and COMMIT (round trips on
        PostgreSQL, statements on SQLite); it sees the data as a READ COMMITTED transaction would, statement by
        statement (PostgreSQL's default isolation; SQLite's WAL gives each statement the last commit). Never write
        with it."""
        return Session(self._reader_engine, expire_on_commit=False)

    def fast_reader(self) -> Session:
        """`reader()` whose plain Core statements `app.core.rows.rows` runs on the event loop through the driver, on
        PostgreSQL (in `greenlet_spawn`; see app/core/rows.py). Anything else it runs is `reader()`'s."""
        session = self.reader()
        if self.async_rows is not None:
            session.info[FAST] = self.async_rows
        return session

    async def admit(self) -> None:
        """Take one of the gate's slots (one per open session); 503 after waiting `db_queue_timeout_seconds`.

        Release it with `self.gate.release()`."""
        if self.gate.locked():  # wait, but not for ever (wait_for costs a task and a timer: only when waiting)
            try:
                await asyncio.wait_for(self.gate.acquire(), timeout=self.settings.db_queue_timeout_seconds)
            except TimeoutError:
                raise ServiceUnavailable(BUSY) from None
        else:
            await self.gate.acquire()  # a free slot: taken at once

    @asynccontextmanager
    async def unit_of_work(self, *, write: bool) -> AsyncIterator[Session]:
        """A session for one request (`async with`); committed if the block succeeds, else rolled back at once.

        A context manager, not a generator to iterate: an error raised in an `async for` body never reaches the
        generator, whose transaction then stays open (SQLite's write lock held) until it is garbage-collected."""
        await self.admit()
        try:
            session = self.session(write=write)
            try:
                yield session
            except BaseException:
                try:
                    await _end(session, commit=False)
                except Exception:  # a rollback on a dead connection fails too: the first error is the one to answer
                    log.warning("could not roll back a failed request's transaction", exc_info=True)
                raise
            await _end(session, commit=True)
            if write:
                self.changes += 1  # what this process has committed: caches keyed by it are out of date
            for callback in session.info.pop("after_commit", []):
                callback()
        finally:
            self.gate.release()

    def ping(self) -> None:
        """Raise if the database cannot be reached."""
        with self.engine.connect() as connection:
            connection.execute(text("SELECT 1"))

    def dispose(self) -> None:
        """Close every pooled connection."""
        self.engine.dispose()
        self.write_engine.dispose()
        self._reader_engine.dispose()
        if self.async_rows is not None:
            self.async_rows.close()
        if self._watchdog is not None:
            self._watchdog.stop()


def _finish(session: Session, commit: bool) -> None:
    try:
        if commit:
            session.commit()
        else:
            session.rollback()
    finally:
        session.close()


async def _end(session: Session, *, commit: bool) -> None:
    """Commit (or roll back) and close a request's session: one hop to a thread, none if it never used the database
    (a request answered from caches).

    Shielded from cancellation: a request cancelled mid-way (its client went away) would otherwise leave its
    transaction open until the session is garbage-collected, holding SQLite's one write lock or PostgreSQL's row
    locks for everyone else."""
    if not session.in_transaction() and not session.new and not session.dirty and not session.deleted:
        session.close()
        return
    with anyio.CancelScope(shield=True):
        await run_in_threadpool(_finish, session, commit)


def _psycopg_url(url: str) -> str:
    """Use psycopg 3 for postgresql:// URLs that name no driver."""
    if url.startswith("postgresql://"):
        return "postgresql+psycopg://" + url.removeprefix("postgresql://")
    if url.startswith("postgres://"):
        return "postgresql+psycopg://" + url.removeprefix("postgres://")
    return url
