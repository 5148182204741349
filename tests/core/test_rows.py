"""The hot reads' statements on PostgreSQL's asyncio driver give exactly SQLAlchemy's rows (app/core/rows.py).

The statements are the ones the fast path really runs: they are recorded while partners and users read sites and
Prevent items (first pages and later ones), then each is run both ways and the rows compared value by value, types
included. What the driver path must not take (values SQLAlchemy converts, a caller's `IN` list) goes to SQLAlchemy;
a driver error is SQLAlchemy's exception; the pool's connections survive a failed statement. The disclosure log's
batches, written through the same driver, are stored exactly as SQLAlchemy stores them, on the same chain.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from datetime import UTC
from typing import Any

import pytest
from sqlalchemy import Integer, String, TypeDecorator, bindparam, column, exc, literal, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.util import await_only, greenlet_spawn

from app.core import rows as rows_module
from app.core.database import Database
from app.core.rows import AsyncRows, rows
from app.core.security import Classification, Principal
from app.services import audit
from tests.builders import make_prevent_item, make_prevent_plan, make_site
from tests.races import in_own_loop

pytestmark = pytest.mark.skipif(
    os.environ.get("CONTEST_TEST_BACKEND", "sqlite") != "postgres", reason="the asyncio driver path is PostgreSQL's"
)


def _fast(database: Database, run: Callable[[Any], Any]) -> Any:
    """Run `run(session)` as the fast path does: a fast reader session, in a greenlet, on an event loop."""

    def work() -> Any:
        with database.fast_reader() as session:
            return run(session)

    async def main() -> Any:
        try:
            return await greenlet_spawn(work)
        finally:
            assert database.async_rows is not None
            database.async_rows.close()  # its connections belong to this loop's run

    return in_own_loop(main())


def _slow(database: Database, statement: Any, parameters: Mapping[str, Any]) -> list[tuple[Any, ...]]:
    with database.reader() as session:
        return [tuple(row) for row in session.connection().execute(statement, parameters).all()]


def _typed(found: Any) -> list[tuple[tuple[type, Any], ...]]:
    return [tuple((type(value), value) for value in row) for row in found]


def test_every_hot_statement_gives_sqlalchemys_rows(client, officer, make_api_key, database, monkeypatch):
    plan = make_prevent_plan(client, officer)
    for n in range(7):
        make_site(client, officer, f"Site {n}", classification="OFFICIAL" if n % 2 else "OFFICIAL-SENSITIVE")
        make_prevent_item(client, officer, plan["id"], title=f"Item {n}")
    partner = make_api_key(["prevent:read", "protect:read"])
    seen: list[tuple[Any, dict[str, Any]]] = []
    real = rows_module.rows

    def spy(session: Any, statement: Any, parameters: Mapping[str, Any]) -> Any:
        seen.append((statement, dict(parameters)))
        return real(session, statement, parameters)

    monkeypatch.setattr(rows_module, "rows", spy)
    monkeypatch.setattr("app.core.pagination.statement_rows", spy)
    monkeypatch.setattr("app.services.sites.statement_rows", spy)
    for actor in (officer, partner):
        for path in ("/api/v1/sites?limit=2", "/api/v1/prevent/items?limit=2"):
            for _ in range(2):  # both on the fast path (the first reads the caller there), the second cached
                page = client.get(path, headers=actor.headers)
                assert page.status_code == 200, page.text
            nxt = page.json()["next_cursor"]
            assert client.get(f"{path}&cursor={nxt}", headers=actor.headers).status_code == 200
        site = page_of_sites = client.get("/api/v1/sites", headers=actor.headers).json()["items"][0]
        assert client.get(f"/api/v1/sites/{site['id']}", headers=actor.headers).status_code == 200
        assert page_of_sites
    assert len({id(s) for s, _ in seen}) >= 4  # sites by id, and first and later pages of both lists

    for statement, parameters in seen:
        expected = _slow(database, statement, parameters)
        assert expected, "every recorded statement finds rows"
        fast = _fast(database, lambda session, s=statement, p=parameters: list(rows(session, s, p)))
        assert _typed(fast) == _typed(expected)  # the first run learns whether psycopg's values are SQLAlchemy's
        fast = _fast(database, lambda session, s=statement, p=parameters: list(rows(session, s, p)))
        assert _typed(fast) == _typed(expected)
        assert database.async_rows is not None
        prepared = database.async_rows._prepared[id(statement)][1]
        assert prepared is not None and prepared.exact, "a hot statement went to SQLAlchemy, not the driver"
        assert fast[0].id == expected[0][0]  # rows read like records


class Shouting(TypeDecorator[str]):
    """A type SQLAlchemy converts on the way out: the driver's value is not the answer."""

    impl = String
    cache_ok = True

    def process_result_value(self, value: str | None, dialect: Any) -> str | None:
        return value.upper() if value is not None else None


def test_a_statement_whose_values_sqlalchemy_converts_runs_through_sqlalchemy(database):
    statement = select(literal("quiet", type_=Shouting()).label("word"), bindparam("n", type_=Integer).label("n"))
    found = _fast(database, lambda session: [tuple(r) for r in rows(session, statement, {"n": 1})])
    assert found == [("QUIET", 1)]
    again = _fast(database, lambda session: [tuple(r) for r in rows(session, statement, {"n": 2})])
    assert again == [("QUIET", 2)]


def test_a_callers_in_list_runs_through_sqlalchemy(database):
    numbers = select(column("n")).select_from(select(literal(1).label("n")).subquery())
    statement = numbers.where(column("n").in_(bindparam("wanted", expanding=True)))
    assert _fast(database, lambda session: [tuple(r) for r in rows(session, statement, {"wanted": [1, 2]})]) == [(1,)]
    assert database.async_rows is not None
    assert database.async_rows._prepared[id(statement)][1] is None


def test_a_driver_error_is_sqlalchemys_and_the_connection_is_kept(database):
    divide = select((literal(1) / bindparam("by", type_=Integer)).label("q"))

    def run(session: Any) -> Any:
        with pytest.raises(exc.DataError):  # division by zero: what SQLAlchemy would raise
            rows(session, divide, {"by": 0})
        pool: AsyncRows = session.info[rows_module.FAST]
        kept = len(pool._idle)
        answer = [tuple(r) for r in rows(session, divide, {"by": 1})]
        return kept, answer

    kept, answer = _fast(database, run)
    assert kept == 1  # the connection went back to the pool after the error
    assert answer == [(1,)]


def test_a_read_on_a_pooled_connection_the_server_closed_runs_again_on_a_new_one(database):
    """A connection the server closed while it was idle in the pool (a restart: every one of them) fails at once;
    the read runs again on a new connection rather than failing with a 503, and the other idle ones are let go."""
    one = select(literal(1).label("n"))

    def run(session: Any) -> Any:
        pool: AsyncRows = session.info[rows_module.FAST]
        rows(session, one, {})  # a pooled connection
        pool._release(await_only(pool._connect()))  # and another
        gone = list(pool._idle)
        pids = [connection.info.backend_pid for connection in gone]
        with database.write_engine.connect() as admin:  # the server ends their backends, as a restart would
            for pid in pids:
                admin.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
            admin.commit()
        answer = [tuple(r) for r in rows(session, one, {})]
        return answer, all(connection.closed for connection in gone), pids, pool._idle[-1].info.backend_pid

    answer, all_let_go, old, new = _fast(database, run)
    assert answer == [(1,)]
    assert all_let_go
    assert new not in old


def _principal() -> Principal:
    return Principal(
        id="k", kind="api_key", name="Police", organisation="Met", scopes=frozenset(), clearance="OFFICIAL-SENSITIVE"
    )  # type: ignore[arg-type]


def _batch() -> list[audit.Entry]:
    return [
        audit.Entry(
            actor=_principal(),
            action="disclosure",
            entity_type="sites",
            entity_id=f"site-{n}",
            after={"path": f"/api/v1/sites/site-{n}", "count": 1, "ids": [f"site-{n}"]},
            classification=Classification.OFFICIAL_SENSITIVE,
            request_id=f"request-{n}",
        )
        for n in range(3)
    ]


async def _write_through_the_driver(database: Database, entries: list[audit.Entry]) -> None:
    try:
        await audit.record_all_async(database, entries)
    finally:
        assert database.async_rows is not None
        database.async_rows.close()


def test_a_batch_of_disclosures_through_the_driver_is_stored_as_sqlalchemy_stores_it(database):
    with database.session() as session:
        audit.record_all(session, _batch())
        session.commit()
    in_own_loop(_write_through_the_driver(database, _batch()))
    with database.session() as session:
        stored = (
            session.execute(text("SELECT *, before IS NULL AS sql_null_before FROM audit_event ORDER BY id"))
            .mappings()
            .all()
        )
        assert audit.verify(session).ok  # one chain across both ways of writing
    assert len(stored) == 6
    chained = {"id", "at", "prev_hash", "hash"}
    by_sqlalchemy = [{k: v for k, v in row.items() if k not in chained} for row in stored[:3]]
    by_driver = [{k: v for k, v in row.items() if k not in chained} for row in stored[3:]]
    assert by_driver == by_sqlalchemy
    assert stored[3]["prev_hash"] == stored[2]["hash"]


def test_a_failed_batch_is_sqlalchemys_error_and_leaves_nothing_behind(database, monkeypatch):
    monkeypatch.setattr(audit, "_TAKE_CHAIN", "BEGIN; SELECT no_such_function()")
    with pytest.raises(exc.ProgrammingError):
        in_own_loop(_write_through_the_driver(database, _batch()))
    monkeypatch.undo()
    in_own_loop(_write_through_the_driver(database, _batch()))  # the pool goes on with a good connection
    with database.session() as session:
        assert session.execute(text("SELECT count(*) FROM audit_event")).scalar() == 3
        assert audit.verify(session).ok


def test_every_connection_reads_times_in_utc_whatever_the_servers_zone(settings):
    """Each connection sets its session's zone to UTC (database.server_options): the driver gives times as
    `datetime.UTC` (no zone database conversion per value), the same whichever zone the server defaults to."""
    name = make_url(settings.database_url).database
    admin = Database(settings)
    with admin.write_engine.connect() as connection:
        connection.execute(text(f"ALTER DATABASE \"{name}\" SET TimeZone = 'Europe/London'"))
        connection.commit()
    database = Database(settings)  # connections made after the change of default
    moment = "SELECT current_setting('TimeZone'), TIMESTAMPTZ '2026-06-01 12:00:00+01'"
    try:
        for engine in (database.engine, database._reader_engine):
            with engine.connect() as connection:
                zone, at = connection.execute(text(moment)).one()
            assert (zone, at.tzinfo, at.hour) == ("UTC", UTC, 11)

        async def on_the_driver() -> Any:
            assert database.async_rows is not None
            try:
                async with database.async_rows.connection() as connection:
                    return await (await connection.execute(moment)).fetchone()
            finally:
                database.async_rows.close()

        zone, at = in_own_loop(on_the_driver())
        assert (zone, at.tzinfo, at.hour) == ("UTC", UTC, 11)
    finally:
        database.dispose()
        with admin.write_engine.connect() as connection:
            connection.execute(text(f'ALTER DATABASE "{name}" RESET TimeZone'))
            connection.commit()
        admin.dispose()
