"""Rows of the hot reads' statements straight from psycopg's asyncio connection, on the event loop (PostgreSQL).

A hot read (app/api/fast.py) runs one or two Core statements of plain columns: a site by id, a page of a list. On
PostgreSQL, SQLAlchemy's execution (its Session, execution context and result) and a hop to a worker thread cost
more than the statement and its round trip. Here the statement is compiled once by SQLAlchemy, for the same SQL
and parameters it would send, and run with psycopg's `AsyncConnection` from a small pool of its own (autocommit,
like `Database.reader()`'s connections), so the event loop serves other requests while the server answers.

The work itself stays synchronous code (one function for the route and the fast path): the fast path runs it with
SQLAlchemy's `greenlet_spawn`, and `rows()` waits for the driver with `await_only`, as SQLAlchemy's own asyncio
extension does. `rows()` is also what the work calls on any other session: there it is SQLAlchemy's execution.

Exactness: a statement is taken here only when SQLAlchemy would hand the driver's values through untouched (no
bind or result processing for its columns' types, as psycopg returns them: its connections are given the adapters
SQLAlchemy gives its own, JSON's loads among them); anything else, or anything SQLAlchemy
compiles in a way this module does not know, runs through SQLAlchemy as before — on the fast path that is the
synchronous driver on the event loop, blocking it for that statement (bounded by the watchdog), so
tests/core/test_rows.py checks that no hot statement falls back, and compares the rows of both ways for every one;
tests/api/test_fast_reads.py compares every answer.

Outages are bounded as on the synchronous path (app/core/database.py): connecting has the connect timeout, the
server enforces the statement timeout, and a server that does not answer at all is given up after the watchdog's
limit; the connection is then dropped and the error is SQLAlchemy's `OperationalError`, which the API answers with a
503. Driver errors are wrapped as SQLAlchemy wraps them (`DBAPIError.instance`), so every handler sees the same
exceptions whichever way a statement ran.
"""

from __future__ import annotations

import asyncio
import logging
from collections import namedtuple
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import psycopg
from sqlalchemy import exc
from sqlalchemy.engine import Dialect
from sqlalchemy.sql import Executable
from sqlalchemy.util import await_only
from sqlmodel import Session

log = logging.getLogger("contest_hub.database")

FAST = "contest_hub.rows"  # the session.info key of a session whose statements `rows()` runs on the driver


def rows(session: Session, statement: Executable, parameters: Mapping[str, Any]) -> Sequence[Any]:
    """The rows of a Core statement of plain columns, read like records (`row.name`), indexable and sliceable.

    On a session of the PostgreSQL fast path, from the driver on the event loop (`AsyncRows`); otherwise SQLAlchemy's
    execution on the session's connection, in its transaction."""
    fast: AsyncRows | None = session.info.get(FAST)
    if fast is not None:
        found = fast.rows_if_exact(statement, parameters)
        if found is not None:
            return found
    session.flush()  # what `session.execute` would do first (nothing, on a read)
    return session.connection().execute(statement, parameters).all()


@dataclass
class _Prepared:
    """A statement as SQLAlchemy compiles it for psycopg: its SQL, its fixed parameters, its rows' shape."""

    sql: str
    fixed: dict[str, Any]  # the statement's own values (e.g. the markings a clearance may see), by bound name
    types: list[Any]  # the result columns' SQLAlchemy types, for the check of their result processing
    row: Callable[..., Any]  # the row class: a named tuple of the result columns
    exact: bool | None = None  # None until the first answer shows whether psycopg's values are SQLAlchemy's


@dataclass
class AsyncRows:
    """A small pool of psycopg asyncio connections and the statements run on them (PostgreSQL only).

    No more connections are open than sessions may be at once: the database's gate admits every use (the fast path
    takes a slot before it reads), so taking a connection never waits. An idle connection beyond the pool's size,
    or one that failed, is closed."""

    conninfo: str
    dialect: Dialect
    size: int
    connect_timeout: int
    options: str  # the server settings of its connections (`database.server_options`)
    answer_limit_seconds: float  # the watchdog's limit: a server silent for longer is given up
    _idle: list[psycopg.AsyncConnection[Any]] = field(default_factory=list)
    _prepared: dict[int, tuple[Executable, _Prepared | None]] = field(default_factory=dict)

    def rows_if_exact(self, statement: Executable, parameters: Mapping[str, Any]) -> Sequence[Any] | None:
        """The statement's rows from the driver (in a greenlet of `greenlet_spawn`), or None: SQLAlchemy is to run
        it (it processes values of this statement's types, or compiles it in a way not known here)."""
        prepared = self._prepare(statement, parameters)
        if prepared is None or prepared.exact is False:
            return None
        described, found = await_only(
            self._run(prepared, {**prepared.fixed, **parameters}, describe=prepared.exact is None)
        )
        if prepared.exact is None:
            prepared.exact = self._untouched(prepared, described)
            if not prepared.exact:
                return None
        return [prepared.row(*values) for values in found]

    def _prepare(self, statement: Executable, parameters: Mapping[str, Any]) -> _Prepared | None:
        known = self._prepared.get(id(statement))
        if known is not None and known[0] is statement:
            return known[1]
        try:
            prepared = _compile(statement, parameters, self.dialect)
        except Exception:  # an API of SQLAlchemy's compiler this module relies on changed: SQLAlchemy runs it
            log.warning("a hot statement runs through SQLAlchemy: it could not be prepared", exc_info=True)
            prepared = None
        if len(self._prepared) >= 512:  # the services keep their statements (one per clearance and filters): a bound
            self._prepared.clear()
        self._prepared[id(statement)] = (statement, prepared)  # the statement is held: its id is not reused
        return prepared

    def _untouched(self, prepared: _Prepared, described: Sequence[Any]) -> bool:
        """Whether SQLAlchemy would pass each column's value on as psycopg gives it (no result processor)."""
        codes = [column.type_code for column in described]
        return all(
            type_._cached_result_processor(self.dialect, code) is None
            for type_, code in zip(prepared.types, codes, strict=True)
        )

    async def _run(
        self, prepared: _Prepared, parameters: dict[str, Any], *, describe: bool = True
    ) -> tuple[Sequence[Any], list[Any]]:
        """The statement's columns (when asked to `describe` them: psycopg builds them afresh on each asking, for
        the first answer's check) and rows. A pooled connection that the server closed while it was idle (a restart)
        fails at once: the statement, a read, runs again on a new connection, and the other idle ones, gone with the
        same server, are let go (the engines' pools do the same on a disconnect)."""
        for last in (False, True):
            pooled = bool(self._idle)
            try:
                async with self.connection(prepared.sql) as connection, connection.cursor() as cursor:
                    await cursor.execute(prepared.sql, parameters, prepare=True)
                    return (cursor.description or []) if describe else [], await cursor.fetchall()
            except exc.DBAPIError as error:
                if last or not pooled or not error.connection_invalidated:
                    raise
                self.close()
        raise AssertionError("unreachable")

    @asynccontextmanager
    async def connection(self, statement: str = "a block of statements") -> AsyncIterator[psycopg.AsyncConnection[Any]]:
        """One of the pool's connections for a statement or a block of them (the disclosure log's batches write with
        it: app/services/audit.py), in autocommit: a transaction is the block's own BEGIN and COMMIT. Bounded: a
        server silent for longer than the watchdog's limit is given up and the connection dropped. Afterwards the
        connection goes back to the pool only if it is sound and no transaction is left open (a failed statement in
        autocommit leaves none; one inside a block's BEGIN does, and the server rolls it back when the connection
        is dropped). Driver errors are SQLAlchemy's exceptions; `statement` names what ran, for their messages."""
        connection = self._idle.pop() if self._idle else await self._connect()
        try:
            async with asyncio.timeout(self.answer_limit_seconds):
                yield connection
        except TimeoutError:
            _drop(connection)
            log.warning("database did not answer within %.1f s: cutting the connection off", self.answer_limit_seconds)
            raise exc.OperationalError(statement, None, psycopg.OperationalError("no answer")) from None
        except BaseException as error:
            lost = connection.broken  # the server closed it, or the network did (SQLAlchemy: "invalidated")
            if isinstance(error, psycopg.Error) and self._sound(connection):
                self._release(connection)
            else:
                _drop(connection)  # broken, left mid-transaction, or interrupted mid-statement (cancelled)
            if isinstance(error, psycopg.Error):
                raise exc.DBAPIError.instance(
                    statement, None, error, psycopg.Error, connection_invalidated=lost
                ) from error
            raise
        if self._sound(connection):
            self._release(connection)
        else:
            _drop(connection)

    @staticmethod
    def _sound(connection: psycopg.AsyncConnection[Any]) -> bool:
        return not connection.closed and connection.info.transaction_status == psycopg.pq.TransactionStatus.IDLE

    async def _connect(self) -> psycopg.AsyncConnection[Any]:
        try:
            return await psycopg.AsyncConnection.connect(
                self.conninfo,
                context=self.dialect._psycopg_adapters_map,  # type: ignore[attr-defined]  # SQLAlchemy's: JSON_LOADS
                autocommit=True,
                connect_timeout=self.connect_timeout,
                options=self.options,
            )
        except psycopg.Error as error:
            raise exc.DBAPIError.instance("connect", None, error, psycopg.Error) from error

    def _release(self, connection: psycopg.AsyncConnection[Any]) -> None:
        if len(self._idle) < self.size:
            self._idle.append(connection)
        else:
            _drop(connection)

    def close(self) -> None:
        """Close every idle connection (from synchronous code: libpq's own close, no round trip needed)."""
        while self._idle:
            _drop(self._idle.pop())


def _drop(connection: psycopg.AsyncConnection[Any]) -> None:
    connection.pgconn.finish()  # closes the socket at once; the connection object is then closed


def _compile(statement: Executable, parameters: Mapping[str, Any], dialect: Dialect) -> _Prepared | None:
    """The SQL and fixed parameters SQLAlchemy would send for a statement (None: not one this module runs)."""
    compiled: Any = statement.compile(dialect=dialect)  # type: ignore[attr-defined]
    if compiled._bind_processors or not compiled._result_columns:
        return None  # SQLAlchemy converts some parameter on its way to the driver, or it is not a SELECT
    values = compiled.construct_params(dict(parameters))
    sql = compiled.string
    if compiled.post_compile_params:  # `IN (...)` of a list the statement holds: expanded as SQLAlchemy would
        if any(bind.key in parameters for bind in compiled.post_compile_params):
            return None  # the caller's list: its expansion changes from call to call
        expanded = compiled._process_parameters_for_postcompile(values, _populate_self=False)
        sql, values = expanded.statement, expanded.parameters
    names = [column.keyname for column in compiled._result_columns]
    return _Prepared(
        sql=sql,
        fixed={name: value for name, value in values.items() if name not in parameters},
        types=[column.type for column in compiled._result_columns],
        row=namedtuple("Row", names, rename=True),  # type: ignore[misc]
    )
