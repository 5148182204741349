"""The web layer's API client: the pages see only what the API lets the signed-in user see."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass
from typing import Any

import httpx

from app.core.context import current_request_id

_Message = MutableMapping[str, Any]
_ASGIApp = Callable[
    [_Message, Callable[[], Awaitable[_Message]], Callable[[_Message], Awaitable[None]]], Awaitable[None]
]


class InProcessTransport(httpx.AsyncBaseTransport):
    """The API called in this process over ASGI, as `httpx.ASGITransport` does, for asyncio only.

    httpx's transport asks on every request whether trio is running, by trying to import `sniffio`; where that is
    not installed, each call searches the import path on disk. A page makes several API calls, so this matters.
    """

    def __init__(self, app: _ASGIApp, root_path: str = "", client: tuple[str, int] = ("127.0.0.1", 123)) -> None:
        self.app, self.root_path, self.client = app, root_path, client

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        body = await request.aread()
        scope = {
            "type": "http",
            "asgi": {"version": "3.0"},
            "http_version": "1.1",
            "method": request.method,
            "headers": [(k.lower(), v) for (k, v) in request.headers.raw],
            "scheme": request.url.scheme,
            "path": request.url.path,
            "raw_path": request.url.raw_path.split(b"?")[0],
            "query_string": request.url.query,
            "server": (request.url.host, request.url.port),
            "client": self.client,
            "root_path": self.root_path,
        }
        sent_body, complete = False, asyncio.Event()
        status: int | None = None
        headers: list[tuple[bytes, bytes]] = []
        parts: list[bytes] = []

        async def receive() -> _Message:
            nonlocal sent_body
            if sent_body:
                await complete.wait()
                return {"type": "http.disconnect"}
            sent_body = True
            return {"type": "http.request", "body": body, "more_body": False}

        async def send(message: _Message) -> None:
            nonlocal status, headers
            if message["type"] == "http.response.start":
                status, headers = message["status"], list(message.get("headers", []))
            elif message["type"] == "http.response.body":
                if message.get("body") and request.method != "HEAD":
                    parts.append(message["body"])
                if not message.get("more_body", False):
                    complete.set()

        await self.app(scope, receive, send)
        assert status is not None and complete.is_set()
        return httpx.Response(status, headers=headers, content=b"".join(parts))


class ApiUnavailable(Exception):
    """The API could not be reached, or answered 503 (its database is down): the pages cannot work."""

    def __init__(self, reason: str, retry_after: str | None = None) -> None:
        super().__init__(reason)
        self.retry_after = retry_after


@dataclass(frozen=True)
class ApiResult:
    """An API response, decoded."""

    status: int
    body: Any
    headers: httpx.Headers

    @property
    def ok(self) -> bool:
        """Whether the API answered 2xx."""
        return 200 <= self.status < 300

    @property
    def etag(self) -> str | None:
        """The ETag of a single resource."""
        return self.headers.get("etag")

    def field_errors(self) -> dict[str, str]:
        """A 422's errors by field name (first message per field)."""
        errors: dict[str, str] = {}
        if isinstance(self.body, dict):
            for error in self.body.get("errors") or []:
                errors.setdefault(str(error.get("field")), str(error.get("message")))
        return errors

    @property
    def detail(self) -> str:
        """The problem's detail, for showing to the user."""
        if isinstance(self.body, dict):
            return str(self.body.get("detail") or self.body.get("title") or "")
        return ""


class ApiClient:
    """Thin calls to /api/v1 with the user's token; one client per process, one token per call."""

    def __init__(self, http: httpx.AsyncClient) -> None:
        self.http = http

    async def request(
        self,
        method: str,
        path: str,
        *,
        token: str | None = None,
        params: Any = None,
        json: Any = None,
        data: Any = None,
        headers: dict[str, str] | None = None,
    ) -> ApiResult:
        """Call the API; raise ApiUnavailable if it cannot be reached."""
        sent = dict(headers or {})
        if token:
            sent["Authorization"] = f"Bearer {token}"
        request_id = current_request_id()
        if request_id:
            sent["X-Request-ID"] = request_id
        try:
            response = await self.http.request(
                method, path.lstrip("/"), params=params, json=json, data=data, headers=sent
            )
        except httpx.HTTPError as exc:
            raise ApiUnavailable(str(exc)) from exc
        if response.status_code == 503:
            raise ApiUnavailable(f"{method} {path} answered 503", response.headers.get("retry-after"))
        body: Any = None
        content_type = response.headers.get("content-type", "")
        if "json" in content_type:
            body = response.json()
        elif response.content:
            body = response.text
        return ApiResult(response.status_code, body, response.headers)

    async def get(self, path: str, **kwargs: Any) -> ApiResult:
        """GET."""
        return await self.request("GET", path, **kwargs)

    async def post(self, path: str, **kwargs: Any) -> ApiResult:
        """POST."""
        return await self.request("POST", path, **kwargs)
