"""Keyset pagination: stable under inserts, index-friendly, with an opaque, signed cursor.

A cursor is the sort-key values of the last row shown, as JSON, with an HMAC tag that binds it to the list that
issued it (its path and sort order). A cursor this service did not issue, or one from another list or another
sort, is a 422 on `cursor` before any of its values reach SQL.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import secrets
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import ColumnElement, Integer, Select, and_, bindparam, or_
from sqlmodel import Session

from app.core.errors import Unprocessable
from app.core.rows import rows as statement_rows

DEFAULT_LIMIT = 50
MAX_LIMIT = 200


@dataclass(frozen=True)
class SortKey:
    """One expression of the sort order; the last key of an order must be unique (the id)."""

    expression: Any  # a column or SQL expression (SQLModel columns are typed as their Python values)
    descending: bool = False


@dataclass(frozen=True)
class RowView:
    """How a list shows its rows without building an ORM object and a Pydantic model for each.

    `columns` are selected instead of the entity; `present` turns one such row into exactly the JSON object the
    API schema would give (`Schema.model_dump(mode="json")`: text, numbers, booleans, None, lists and dicts only),
    with need-to-know already applied. `schema` is the documented schema (the CSV header of an empty export).
    """

    schema: type[Any]
    columns: Sequence[Any]
    present: Callable[[Any], dict[str, Any]]


_NOT_OURS = "is not a cursor this list gave out"


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def order_fingerprint(keys: Sequence[SortKey]) -> str:
    """The sort order as text (same order, same text, in every process)."""
    return ";".join(f"{key.expression}{' desc' if key.descending else ''}" for key in keys)


@dataclass(frozen=True)
class CursorSigner:
    """Signs cursors for one list (`scope`, e.g. its path) with a key derived from the service's secret."""

    key: bytes
    scope: str = ""

    @classmethod
    def from_secret(cls, secret_key: str, scope: str) -> CursorSigner:
        """A signer whose key is derived from CONTEST_SECRET_KEY (passed in, never read here)."""
        return cls(_derived_key(secret_key), scope)

    def _tag(self, keys: Sequence[SortKey], payload: bytes) -> bytes:
        message = b"\x00".join([self.scope.encode(), order_fingerprint(keys).encode(), payload])
        return hmac.digest(self.key, message, "sha256")[:16]

    def encode(self, values: Sequence[Any], keys: Sequence[SortKey]) -> str:
        """An opaque, URL-safe cursor for the position after a row."""
        payload = json.dumps([_encode_value(v) for v in values], separators=(",", ":")).encode()
        return f"{_b64(payload)}.{_b64(self._tag(keys, payload))}"

    def decode(self, cursor: str, keys: Sequence[SortKey]) -> list[Any]:
        """The position a cursor names; a cursor not signed for this list and order is a 422."""
        try:
            body, _, tag = cursor.partition(".")
            payload = _unb64(body)
            if not hmac.compare_digest(_unb64(tag), self._tag(keys, payload)):
                raise ValueError("bad signature")
            values = json.loads(payload)
            if not isinstance(values, list) or len(values) != len(keys):
                raise ValueError("wrong shape")
            return [_decode_value(v, k) for v, k in zip(values, keys, strict=True)]
        except (ValueError, TypeError, binascii.Error, UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise Unprocessable.field("cursor", _NOT_OURS) from exc


@lru_cache(maxsize=8)
def _derived_key(secret_key: str) -> bytes:
    """The cursor key of a secret (derived once per process, not once per request)."""
    root = hashlib.sha256(secret_key.encode()).digest()
    return hmac.digest(root, b"contest-hub-cursor-v1", "sha256")


# For cursors that never leave the process (exports that walk every page): a key of this process alone.
INTERNAL = CursorSigner(secrets.token_bytes(32), "internal")


def encode_cursor(values: Sequence[Any], keys: Sequence[SortKey], signer: CursorSigner = INTERNAL) -> str:
    """An opaque cursor for the position after a row (see CursorSigner)."""
    return signer.encode(values, keys)


def decode_cursor(cursor: str, keys: Sequence[SortKey], signer: CursorSigner = INTERNAL) -> list[Any]:
    """The position a cursor names; a cursor that is not ours is a 422."""
    return signer.decode(cursor, keys)


def _encode_value(value: Any) -> Any:
    if isinstance(value, datetime):
        return {"dt": value.isoformat()}
    if isinstance(value, date):
        return {"d": value.isoformat()}
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return str(value)


def _decode_value(value: Any, key: SortKey) -> Any:
    if isinstance(value, dict) and "dt" in value:
        return datetime.fromisoformat(value["dt"])
    if isinstance(value, dict) and "d" in value:
        return date.fromisoformat(value["d"])
    if isinstance(value, dict | list):
        raise ValueError("unexpected value")
    return value


def _after(keys: Sequence[SortKey], values: Sequence[Any]) -> ColumnElement[bool]:
    """Rows strictly after the position, as an OR of ANDs (portable, and index-usable on the first key)."""
    clauses = []
    for i, key in enumerate(keys):
        equal = [k.expression == v for k, v in zip(keys[:i], values[:i], strict=True)]
        step = key.expression < values[i] if key.descending else key.expression > values[i]
        clauses.append(and_(*equal, step))
    return or_(*clauses)


def ordered(stmt: Select[Any], keys: Sequence[SortKey]) -> Select[Any]:
    """The statement in key order, with the key values selected after the entity."""
    return stmt.add_columns(*(k.expression for k in keys)).order_by(
        *(k.expression.desc() if k.descending else k.expression.asc() for k in keys)
    )


@lru_cache(maxsize=256)
def _page_query(stmt: Select[Any], keys: tuple[SortKey, ...], after: bool) -> Select[Any]:
    """`stmt` in key order, from a position (`after`) or not, and limited: the position and the limit are bound
    parameters (`_after_<i>`, `_limit`), so one statement object serves every page of a reused statement (the
    services build theirs once per clearance and filters) and keeps its compiled form and cache key with it."""
    query = ordered(stmt, keys)
    if after:
        query = query.where(_after(keys, [bindparam(f"_after_{i}") for i in range(len(keys))]))
    return query.limit(bindparam("_limit", type_=Integer))


def fetch_page(
    session: Session,
    stmt: Select[Any],
    keys: Sequence[SortKey],
    *,
    limit: int,
    cursor: str | None,
    signer: CursorSigner = INTERNAL,
) -> tuple[list[Any], str | None]:
    """One page of entities and the cursor of the next page (None on the last), signed by `signer`."""
    query = ordered(stmt, keys)
    if cursor:
        query = query.where(_after(keys, signer.decode(cursor, keys)))
    rows = session.execute(query.limit(limit + 1)).all()
    more = len(rows) > limit
    rows = rows[:limit]
    next_cursor = signer.encode(tuple(rows[-1])[1:], keys) if more and rows else None
    return [row[0] for row in rows], next_cursor


def fetch_rows(
    session: Session,
    stmt: Select[Any],
    keys: Sequence[SortKey],
    *,
    limit: int,
    cursor: str | None,
    signer: CursorSigner = INTERNAL,
) -> tuple[list[Any], str | None]:
    """One page of a statement's rows as they are (SQLAlchemy rows, no ORM objects built) and the next cursor.

    For a statement of plain columns (`select(*table.c)`, or an ORM select narrowed with `with_only_columns`):
    a row reads like the record (`row.name`), for presenting without the cost of loading an entity. The sort keys'
    values are selected after the statement's own columns, as in `fetch_page`.
    """
    parameters: dict[str, Any] = {"_limit": limit + 1}
    if cursor:
        parameters |= {f"_after_{i}": value for i, value in enumerate(signer.decode(cursor, keys))}
    query = _page_query(stmt, tuple(keys), bool(cursor))
    # On the session's connection, in its transaction: the rows as the driver gives them (typed), without the ORM's
    # result processing, which costs a third of the query for rows that are not entities (app/core/rows.py).
    rows = list(statement_rows(session, query, parameters))
    more = len(rows) > limit
    del rows[limit:]
    next_cursor = signer.encode(tuple(rows[-1])[-len(keys) :], keys) if more and rows else None
    return rows, next_cursor


def iterate_rows(session: Session, stmt: Select[Any], keys: Sequence[SortKey], *, chunk: int = 500) -> Iterator[Any]:
    """Every row of a statement of plain columns, fetched page by page (for exports); see `fetch_rows`."""
    cursor: str | None = None
    while True:
        rows, cursor = fetch_rows(session, stmt, keys, limit=chunk, cursor=cursor)
        yield from rows
        if cursor is None:
            return


def iterate_all(session: Session, stmt: Select[Any], keys: Sequence[SortKey], *, chunk: int = 500) -> Iterator[Any]:
    """Every entity of the statement, fetched page by page (for exports)."""
    cursor: str | None = None
    while True:
        items, cursor = fetch_page(session, stmt, keys, limit=chunk, cursor=cursor)
        yield from items
        if cursor is None:
            return
