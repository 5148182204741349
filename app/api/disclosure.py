"""Every disclosure of OFFICIAL-SENSITIVE records to a partner system is an audit event (docs/architecture.md).

ASGI middleware around the API: when a partner's API key reads (GET) a response that contains records marked
OFFICIAL-SENSITIVE — a record, a page of a list, a CSV or GeoJSON export, records nested in another (a plan's items,
a coverage view's threat assessment, audit events and their snapshots) — one event names the records disclosed.

Durability: the response is held until its event is committed, so a disclosure is never lost for a response that
was sent (a crash before the commit means the partner never got the data). The events of requests finishing at the
same moment are written together, one transaction and one commit for the batch (group commit): the chain lock and
the fsync are paid once per batch, not once per read. On SQLite a worker thread writes the batch; on PostgreSQL the
asyncio driver does, on the event loop, in two round trips (`audit.record_all_async`, app/core/rows.py).
"""

from __future__ import annotations

import asyncio
import csv
import io
import json
from dataclasses import dataclass, field
from typing import Any

from fastapi import Request
from starlette.concurrency import run_in_threadpool
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.core.context import current_request_id
from app.core.database import Database
from app.core.security import Classification, Principal
from app.services import audit

SENSITIVE = Classification.OFFICIAL_SENSITIVE.value
MAX_IDS = 500


class DisclosureMiddleware:
    """Record what OFFICIAL-SENSITIVE data each partner key was given.

    Who is asking is the authenticated principal (`get_principal` puts it on the request's state), known by the
    time the response starts: only then, and only for an API key's successful GET, is the response held back and
    read. Everything else streams through untouched.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "GET":
            await self.app(scope, receive, send)
            return
        held: list[Message] = []
        principal: Principal | None = None

        async def watch(message: Message) -> None:
            nonlocal principal
            if message["type"] == "http.response.start":
                candidate = (scope.get("state") or {}).get("principal")
                if message["status"] == 200 and isinstance(candidate, Principal) and candidate.kind == "api_key":
                    principal = candidate
            if principal is None:
                await send(message)
            else:
                held.append(message)

        await self.app(scope, receive, watch)
        if principal is None:
            return
        start = next(m for m in held if m["type"] == "http.response.start")
        body = b"".join(m.get("body", b"") for m in held if m["type"] == "http.response.body")
        content_type = dict(start.get("headers", [])).get(b"content-type", b"").decode("latin-1")
        state = scope.get("state") or {}
        named = state.get("disclosed") or []
        found = [] if state.get("disclosed_all") else sensitive_ids(body, content_type)
        ids = list(dict.fromkeys([*found, *named]))
        if ids:
            database: Database = scope["app"].state.database
            await journal(database).append(principal, scope["path"], ids)
        for message in held:
            await send(message)


def disclose(request: Request, ids: list[str]) -> None:
    """Name OFFICIAL-SENSITIVE records a response reveals without showing them as records (their counts, their
    owners), so a partner's read of it is logged like any other disclosure."""
    request.state.disclosed = [*getattr(request.state, "disclosed", []), *ids]


def declare_disclosed(request: Request, ids: list[str]) -> None:
    """Name every OFFICIAL-SENSITIVE record a response shows, from the records it was built from, so the log need
    not parse the body back to find them. Only for a response whose every record (nested ones too) is named here;
    tests/api/test_disclosure.py checks the lists that do this against a parse of their bodies."""
    disclose(request, ids)
    request.state.disclosed_all = True


def sensitive_ids(body: bytes, content_type: str) -> list[str]:
    """The ids of OFFICIAL-SENSITIVE records anywhere in a JSON, GeoJSON or CSV response body.

    A record is any object with an `id` and a `classification`, at any depth (a plan's items, a feature's
    properties, an audit event and the record snapshots in its before/after), or an object naming another record
    by `<name>_id` and `<name>_classification` (a plan's threat assessment in its coverage).
    """
    try:
        if content_type.startswith("text/csv"):
            document: Any = list(csv.DictReader(io.StringIO(body.decode("utf-8"))))
        else:
            document = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        return []
    found: dict[str, None] = {}
    _scan(document, found)
    return list(found)


def _scan(node: Any, found: dict[str, None]) -> None:
    if isinstance(node, list):
        for child in node:
            _scan(child, found)
        return
    if not isinstance(node, dict):
        return
    if node.get("classification") == SENSITIVE and node.get("id") not in (None, ""):
        found[str(node["id"])] = None
    for name, value in node.items():
        if value == SENSITIVE and isinstance(name, str) and name.endswith("_classification"):
            named = node.get(name.removesuffix("_classification") + "_id")
            if named not in (None, ""):
                found[str(named)] = None
        elif isinstance(value, (dict, list)):
            _scan(value, found)


@dataclass(frozen=True)
class Disclosure:
    """One event to write: who was given which sensitive records, on which path, in which request."""

    principal: Principal
    path: str
    ids: list[str]
    request_id: str | None


@dataclass
class DisclosureJournal:
    """Writes disclosure events in batches: whoever arrives while a batch is being written joins the next one.

    `append` returns only once the event is committed (or raises, and the response is never sent).
    """

    database: Database
    _pending: list[tuple[Disclosure, asyncio.Future[None]]] = field(default_factory=list)
    _writing: bool = False
    batches: int = 0  # how many transactions were written (for the tests)

    async def append(self, principal: Principal, path: str, ids: list[str]) -> None:
        """Log one disclosure; return once it is committed."""
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._pending.append((Disclosure(principal, path, ids, current_request_id()), done))
        if not self._writing:
            self._writing = True
            asyncio.get_running_loop().create_task(self._write_all())
        await asyncio.shield(done)  # a client that goes away does not cancel the write of its batch

    async def _write_all(self) -> None:
        try:
            while self._pending:
                batch, self._pending = self._pending, []
                try:
                    entries = _entries([d for d, _ in batch])
                    if self.database.async_rows is not None:  # PostgreSQL: on the event loop (app/core/rows.py)
                        await audit.record_all_async(self.database, entries)
                    else:
                        await run_in_threadpool(_record, self.database, entries)
                except BaseException as error:  # every request of the batch fails: none of their responses is sent
                    for _, done in batch:
                        if not done.done():
                            done.set_exception(error if isinstance(error, Exception) else RuntimeError(str(error)))
                    if not isinstance(error, Exception):
                        raise
                    continue
                self.batches += 1
                for _, done in batch:
                    if not done.done():
                        done.set_result(None)
        finally:
            self._writing = False


def journal(database: Database) -> DisclosureJournal:
    """The disclosure journal of a database (one per process and event loop)."""
    found: DisclosureJournal | None = getattr(database, "_disclosure_journal", None)
    if found is None:
        found = DisclosureJournal(database)
        database._disclosure_journal = found  # type: ignore[attr-defined]
    return found


def _entries(batch: list[Disclosure]) -> list[audit.Entry]:
    return [
        audit.Entry(
            actor=disclosure.principal,
            action="disclosure",
            entity_type=disclosure.path.removeprefix("/api/v1/").split("/")[0] or "api",
            entity_id=disclosure.ids[0] if len(disclosure.ids) == 1 else None,
            after={"path": disclosure.path, "count": len(disclosure.ids), "ids": disclosure.ids[:MAX_IDS]},
            classification=Classification.OFFICIAL_SENSITIVE,  # hidden below that clearance
            request_id=disclosure.request_id,
        )
        for disclosure in batch
    ]


def _record(database: Database, entries: list[audit.Entry]) -> None:
    with database.session(write=True) as session:
        audit.record_all(session, entries)  # the batch holds the chain from its first event to its commit
        session.commit()
