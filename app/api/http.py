"""HTTP conventions shared by every router: ETags and If-Match, created responses, collections and CSV."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterable, Iterator, Sequence
from functools import lru_cache
from typing import Annotated, Any, TypeVar
from urllib.parse import urlencode

from fastapi import Depends, Header, Query, Request, Response
from fastapi.responses import JSONResponse, StreamingResponse
from pydantic import BaseModel
from pydantic_core import to_json
from sqlalchemy import Select
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool

from app.api.disclosure import declare_disclosed
from app.core.errors import PreconditionFailed, PreconditionRequired
from app.core.pagination import (
    DEFAULT_LIMIT,
    MAX_LIMIT,
    CursorSigner,
    RowView,
    SortKey,
    fetch_page,
    fetch_rows,
    iterate_all,
    iterate_rows,
)
from app.core.security import Classification

CSV_MEDIA = "text/csv"
CSV_RESPONSE: dict[int | str, dict[str, Any]] = {
    200: {
        "content": {CSV_MEDIA: {"schema": {"type": "string"}}},
        "description": "The page as JSON, or with `Accept: text/csv` every matching row as RFC 4180 CSV.",
    }
}
IF_MATCH_RESPONSES: dict[int | str, dict[str, Any]] = {
    412: {"description": "If-Match is stale: the record changed since it was read."},
    428: {"description": "If-Match is missing."},
}


def etag_of(version: int) -> str:
    """The strong ETag of a record at a version."""
    return f'"{version}"'


async def _if_match(
    if_match: Annotated[str | None, Header(alias="If-Match", description="The ETag last read; required.")] = None,
) -> str | None:
    return if_match


IfMatch = Annotated[str | None, Depends(_if_match)]


def check_if_match(if_match: str | None, version: int) -> None:
    """428 without If-Match, 412 when it names another version (so nothing is silently overwritten).

    RFC 9110 §13.1.1: If-Match compares strongly, so a weak tag (`W/"2"`) never matches; `*` matches whatever
    version the record has now (it opts out of the lost-update check, and is documented as doing so).
    """
    if if_match is None or not if_match.strip():
        raise PreconditionRequired()
    tags = {t.strip() for t in if_match.split(",")}
    if "*" not in tags and etag_of(version) not in tags:
        raise PreconditionFailed()


_R = TypeVar("_R")


async def read_in_one_hop(session: Session, work: Callable[[], _R]) -> _R:
    """A read's database work, then the end of its transaction, in one hop to a worker thread.

    For `async def` read routes: a sync route costs a hop for its body, another to validate its return value against
    the response model and a third to end the session; here the route builds its response in the thread, and the
    session, already committed, is closed without one.
    """

    def run() -> _R:
        result = work()
        session.commit()
        return result

    return await run_in_threadpool(run)


def json_model(body: BaseModel, *, headers: dict[str, str] | None = None) -> Response:
    """One record as JSON, serialised by pydantic's own encoder (the same JSON as `model_dump(mode="json")`)."""
    return Response(body.model_dump_json(), media_type="application/json", headers=headers)


def with_etag(response: Response, version: int) -> None:
    """Set the ETag header of a single-resource response."""
    response.headers["ETag"] = etag_of(version)


def created(request: Request, body: BaseModel, *, location: str, version: int | None = None) -> JSONResponse:
    """201 with Location (and ETag, for versioned records)."""
    headers = {"Location": str(request.url_for("api_root")).rstrip("/") + location}
    if version is not None:
        headers["ETag"] = etag_of(version)
    return JSONResponse(body.model_dump(mode="json"), status_code=201, headers=headers)


class PageParams(BaseModel):
    """`limit` and `cursor` of a list request."""

    limit: int = DEFAULT_LIMIT
    cursor: str | None = None


async def page_params(
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT, description="Items per page (1-200).")] = DEFAULT_LIMIT,
    cursor: Annotated[str | None, Query(max_length=2000, description="The next_cursor of the page before.")] = None,
) -> PageParams:
    """The paging parameters of a list request."""
    return PageParams(limit=limit, cursor=cursor)


def wants_csv(request: Request) -> bool:
    """Whether the client asked for CSV rather than JSON."""
    accept = request.headers.get("accept", "")
    return CSV_MEDIA in accept and "application/json" not in accept


def cursor_signer(request: Request) -> CursorSigner:
    """Signs and checks the cursors of the list at this request's path, under the service's secret key."""
    return CursorSigner.from_secret(request.app.state.settings.secret_key, request.url.path.rstrip("/"))


def next_link(request: Request, next_cursor: str) -> str:
    """The `Link` header value of the next page: this request with the new cursor."""
    query = [(k, v) for k, v in request.query_params.multi_items() if k != "cursor"]
    url = request.url.replace(query=urlencode([*query, ("cursor", next_cursor)]))
    return f'<{url}>; rel="next"'


def collection(
    request: Request,
    session: Session,
    stmt: Select[Any],
    keys: Sequence[SortKey],
    params: PageParams,
    present: type[BaseModel] | Callable[[Any], BaseModel] | None = None,
    *,
    present_many: Callable[[Sequence[Any]], Sequence[BaseModel]] | None = None,
    rows: RowView | None = None,
) -> Response:
    """A list response: one page of JSON with next_cursor and Link, or every row as CSV.

    `present` turns a row into its API schema: the schema class itself, or a function; or `present_many` turns
    a page of rows at once (so their related records are looked up together, not row by row); or `rows` selects
    plain columns and turns each row straight into its JSON (the hot lists: no ORM object, no model per row).
    """
    if rows is not None:
        return _row_collection(request, session, stmt, keys, params, rows)
    header: list[str] = []
    if present_many is None:
        if present is None:
            raise TypeError("collection needs present or present_many")
        if isinstance(present, type) and issubclass(present, BaseModel):
            header = list(present.model_fields)
            convert: Callable[[Any], BaseModel] = present.model_validate
        else:
            convert = present  # type: ignore[assignment]

        def present_many(items: Sequence[Any]) -> list[BaseModel]:
            return [convert(item) for item in items]

    if wants_csv(request):
        every = [
            model.model_dump(mode="json")
            for chunk in _chunks(iterate_all(session, stmt, keys), 500)
            for model in present_many(chunk)
        ]
        return csv_response(every, filename=request.url.path.rstrip("/").rsplit("/", 1)[-1], header=header)
    items, next_cursor = fetch_page(
        session, stmt, keys, limit=params.limit, cursor=params.cursor, signer=cursor_signer(request)
    )
    headers = {"Link": next_link(request, next_cursor)} if next_cursor else {}
    return page_response(present_many(items), next_cursor, headers=headers)


_SENSITIVE = Classification.OFFICIAL_SENSITIVE.value


@lru_cache(maxsize=256)
def _narrowed(stmt: Select[Any], columns: tuple[Any, ...]) -> Select[Any]:
    """The statement selecting plain columns instead of its entity (once per reused statement)."""
    return stmt.with_only_columns(*columns)


def _row_collection(
    request: Request, session: Session, stmt: Select[Any], keys: Sequence[SortKey], params: PageParams, view: RowView
) -> Response:
    """`collection` for a RowView. The page's OFFICIAL-SENSITIVE records are named to the disclosure log here,
    from the rows themselves, so it need not parse the body back (the view's records have no records nested)."""
    stmt = _narrowed(stmt, tuple(view.columns))
    present = view.present
    if wants_csv(request):
        every = [present(row) for row in iterate_rows(session, stmt, keys)]
        name = request.url.path.rstrip("/").rsplit("/", 1)[-1]
        return csv_response(every, filename=name, header=list(view.schema.model_fields))
    page, next_cursor = fetch_rows(
        session, stmt, keys, limit=params.limit, cursor=params.cursor, signer=cursor_signer(request)
    )
    items = [present(row) for row in page]
    declare_disclosed(request, [item["id"] for item in items if item["classification"] == _SENSITIVE])
    headers = {"Link": next_link(request, next_cursor)} if next_cursor else {}
    return json_page(items, next_cursor, headers=headers)


def json_page(items: list[dict[str, Any]], next_cursor: str | None, *, headers: dict[str, str]) -> Response:
    """A page of a list as JSON, from items already in their JSON form (written as pydantic writes JSON)."""
    body = to_json({"items": items, "next_cursor": next_cursor})
    return Response(body, media_type="application/json", headers=headers)


def page_response(items: Iterable[BaseModel], next_cursor: str | None, *, headers: dict[str, str]) -> Response:
    """A page of a list as JSON: each item serialised by pydantic's own encoder (the JSON `model_dump(mode="json")`
    then `json.dumps` would give), not built as dicts first."""
    body = b'{"items":[' + b",".join(item.__pydantic_serializer__.to_json(item) for item in items) + b"]"
    body += b',"next_cursor":' + json.dumps(next_cursor).encode() + b"}"
    return Response(body, media_type="application/json", headers=headers)


def _chunks(items: Iterable[Any], size: int) -> Iterator[list[Any]]:
    chunk: list[Any] = []
    for item in items:
        chunk.append(item)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value: Any) -> str:
    """One CSV cell: lists joined, objects as JSON, and text that a spreadsheet would run made inert."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        value = "; ".join(csv_cell(v) if not isinstance(v, dict) else json.dumps(v) for v in value)
    elif isinstance(value, dict):
        value = json.dumps(value, ensure_ascii=False)
    text = str(value)
    if text.startswith(_FORMULA_START) and not _is_number(text):
        return "'" + text
    return text


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def flatten(row: dict[str, Any]) -> dict[str, Any]:
    """Nested objects as dotted columns (location.lat), one level deep."""
    flat: dict[str, Any] = {}
    for key, value in row.items():
        if isinstance(value, dict) and value and all(not isinstance(v, dict | list) for v in value.values()):
            for sub, inner in value.items():
                flat[f"{key}.{sub}"] = inner
        else:
            flat[key] = value
    return flat


def csv_response(rows: Iterable[dict[str, Any]], *, filename: str, header: Sequence[str] = ()) -> Response:
    """RFC 4180 CSV (CRLF line ends, a header row), formula-injection safe, as a download."""
    flat = [flatten(r) for r in rows]
    columns: list[str] = [] if flat else list(header)
    for row in flat:
        columns.extend(k for k in row if k not in columns)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(columns)
    for row in flat:
        writer.writerow([csv_cell(row.get(c)) for c in columns])
    safe_name = "".join(ch for ch in filename if ch.isalnum() or ch in "-_") or "export"
    return StreamingResponse(
        iter([buffer.getvalue()]),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{safe_name}.csv"'},
    )
