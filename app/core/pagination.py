"""Keyset pagination: stable under inserts, index-friendly, with an opaque cursor."""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, or_
from sqlmodel import Session

from app.core.errors import Unprocessable

DEFAULT_LIMIT = 50
MAX_LIMIT = 200


@dataclass(frozen=True)
class SortKey:
    """One expression of the sort order; the last key of an order must be unique (the id)."""

    expression: Any  # a column or SQL expression (SQLModel columns are typed as their Python values)
    descending: bool = False


def encode_cursor(values: Sequence[Any]) -> str:
    """An opaque, URL-safe cursor for the position after a row."""
    raw = json.dumps([_encode_value(v) for v in values], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str, keys: Sequence[SortKey]) -> list[Any]:
    """The position a cursor names; a cursor that is not ours is a 422."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        values = json.loads(raw)
        if not isinstance(values, list) or len(values) != len(keys):
            raise ValueError("wrong shape")
        return [_decode_value(v, k) for v, k in zip(values, keys, strict=True)]
    except (ValueError, TypeError, binascii.Error, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise Unprocessable.field("cursor", "is not a cursor this list gave out") from exc


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


def fetch_page(
    session: Session, stmt: Select[Any], keys: Sequence[SortKey], *, limit: int, cursor: str | None
) -> tuple[list[Any], str | None]:
    """One page of entities and the cursor of the next page (None on the last)."""
    query = ordered(stmt, keys)
    if cursor:
        query = query.where(_after(keys, decode_cursor(cursor, keys)))
    rows = session.execute(query.limit(limit + 1)).all()
    more = len(rows) > limit
    rows = rows[:limit]
    next_cursor = encode_cursor(tuple(rows[-1])[1:]) if more and rows else None
    return [row[0] for row in rows], next_cursor


def iterate_all(session: Session, stmt: Select[Any], keys: Sequence[SortKey], *, chunk: int = 500) -> Iterator[Any]:
    """Every entity of the statement, fetched page by page (for exports)."""
    cursor: str | None = None
    while True:
        items, cursor = fetch_page(session, stmt, keys, limit=chunk, cursor=cursor)
        yield from items
        if cursor is None:
            return
