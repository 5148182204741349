"""Every disclosure of OFFICIAL-SENSITIVE records to a partner system is an audit event (docs/architecture.md).

ASGI middleware around the API: when a partner's API key reads (GET) a response that contains records marked
OFFICIAL-SENSITIVE — a record, a page of a list, a CSV or GeoJSON export — one event names the records disclosed.
"""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.core.database import Database
from app.core.security import Classification, Principal
from app.services import audit

SENSITIVE = Classification.OFFICIAL_SENSITIVE.value
MAX_IDS = 500


class DisclosureMiddleware:
    """Record what OFFICIAL-SENSITIVE data each partner key was given."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        headers = dict(scope.get("headers") or [])
        partner = headers.get(b"authorization", b"").lower().startswith(b"bearer chub_")
        if scope["type"] != "http" or scope["method"] != "GET" or not partner:
            await self.app(scope, receive, send)
            return
        messages: list[Message] = []

        async def keep(message: Message) -> None:
            messages.append(message)

        await self.app(scope, receive, keep)
        start = next((m for m in messages if m["type"] == "http.response.start"), None)
        principal = (scope.get("state") or {}).get("principal")
        if start and start["status"] == 200 and isinstance(principal, Principal) and principal.kind == "api_key":
            body = b"".join(m.get("body", b"") for m in messages if m["type"] == "http.response.body")
            content_type = dict(start.get("headers", [])).get(b"content-type", b"").decode("latin-1")
            ids = sensitive_ids(body, content_type)
            if ids:
                database: Database = scope["app"].state.database
                await run_in_threadpool(_record, database, principal, scope["path"], ids)
        for message in messages:
            await send(message)


def sensitive_ids(body: bytes, content_type: str) -> list[str]:
    """The ids of OFFICIAL-SENSITIVE records in a JSON, GeoJSON or CSV response body."""
    try:
        if content_type.startswith("text/csv"):
            rows: list[Any] = list(csv.DictReader(io.StringIO(body.decode("utf-8"))))
        else:
            document = json.loads(body)
            rows = _records(document)
    except (ValueError, UnicodeDecodeError):
        return []
    return [str(row.get("id")) for row in rows if isinstance(row, dict) and row.get("classification") == SENSITIVE]


def _records(document: Any) -> list[Any]:
    if isinstance(document, dict) and isinstance(document.get("items"), list):
        return list(document["items"])
    if isinstance(document, dict) and isinstance(document.get("features"), list):
        return [f.get("properties") for f in document["features"] if isinstance(f, dict)]
    return [document]


def _record(database: Database, principal: Principal, path: str, ids: list[str]) -> None:
    entity_type = path.removeprefix("/api/v1/").split("/")[0] or "api"
    with database.session(write=True) as session:
        audit.record(
            session,
            actor=principal,
            action="disclosure",
            entity_type=entity_type,
            entity_id=ids[0] if len(ids) == 1 else None,
            after={"path": path, "count": len(ids), "ids": ids[:MAX_IDS]},
        )
        session.commit()
