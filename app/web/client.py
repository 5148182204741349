"""The web layer's API client: the pages see only what the API lets the signed-in user see."""

from __future__ import annotations

import asyncio
import codecs
import json as _json
from collections.abc import Awaitable, Callable, Mapping, MutableMapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, unquote, urlencode

import httpx
from pydantic_core import from_json

from app.core.context import current_request_id

_Message = MutableMapping[str, Any]
_ASGIApp = Callable[
    [_Message, Callable[[], Awaitable[_Message]], Callable[[_Message], Awaitable[None]]], Awaitable[None]
]


async def _exchange(app: _ASGIApp, scope: _Message, body: bytes) -> tuple[int, list[tuple[bytes, bytes]], bytes]:
    """Run one HTTP request through an ASGI app: its status, headers and whole body (none for HEAD)."""
    sent_body, complete = False, asyncio.Event()
    status: int | None = None
    headers: list[tuple[bytes, bytes]] = []
    parts: list[bytes] = []
    head = scope["method"] == "HEAD"

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
            if message.get("body") and not head:
                parts.append(message["body"])
            if not message.get("more_body", False):
                complete.set()

    await app(scope, receive, send)
    assert status is not None and complete.is_set()
    return status, headers, b"".join(parts)


def _text(value: Any) -> str:
    """A query or form value as httpx writes it (True as "true", None as "")."""
    if value is True:
        return "true"
    if value is False:
        return "false"
    return "" if value is None else str(value)


def _encoded(values: Any) -> str:
    """Query parameters or a form (a mapping or pairs; a list value repeats its name) as application/x-www-form-
    urlencoded text."""
    pairs = values.items() if isinstance(values, Mapping) else values
    flat = [
        (str(name), _text(v))
        for name, value in pairs
        for v in (value if isinstance(value, (list, tuple)) else (value,))
    ]
    return urlencode(flat)


class InProcessApi:
    """The API app called in this process directly over ASGI, without httpx.

    The request the API would get from an httpx client on `http://api.internal/api/v1/` (method, path under
    `root_path`, query string as httpx encodes it, headers, body, client address) is built straight into an ASGI
    scope, and the answer read back as status, headers and body. Building httpx's request and response objects and
    parsing their URLs was a visible share of a page's CPU (a page makes several API calls).
    """

    def __init__(
        self,
        app: _ASGIApp,
        root_path: str = "/api/v1",
        host: str = "api.internal",
        client: tuple[str, int] = ("127.0.0.1", 123),
    ) -> None:
        self.app, self.root_path, self.client = app, root_path.rstrip("/"), client
        self.host = host.encode()

    async def request(
        self,
        method: str,
        path: str,
        *,
        params: Any = None,
        json: Any = None,
        data: Any = None,
        headers: Mapping[str, str] | None = None,
    ) -> tuple[int, list[tuple[bytes, bytes]], bytes]:
        """Call the API: its status, raw headers and body."""
        path, _, query = path.partition("?")
        if params:
            query = _encoded(params)  # as httpx does, they replace a query written in the path
        content_type: bytes | None = None
        body = b""
        if json is not None:
            body = _json.dumps(json, ensure_ascii=False, separators=(",", ":"), allow_nan=False).encode()
            content_type = b"application/json"
        elif data is not None:
            body = _encoded(data).encode()
            content_type = b"application/x-www-form-urlencoded"
        raw: list[tuple[bytes, bytes]] = [(b"host", self.host), (b"accept", b"*/*")]
        if method not in _BODILESS or body:
            raw.append((b"content-length", str(len(body)).encode()))
        if content_type:
            raw.append((b"content-type", content_type))
        for name, value in (headers or {}).items():
            key = name.lower().encode("latin-1")
            if key in _REPLACEABLE:
                raw = [pair for pair in raw if pair[0] != key]
            raw.append((key, value.encode("latin-1")))
        full = quote(self.root_path + "/" + path.lstrip("/"), safe=_PATH_SAFE)
        scope = {
            "type": "http",
            "asgi": {"version": "3.0"},
            "http_version": "1.1",
            "method": method,
            "headers": raw,
            "scheme": "http",
            "path": unquote(full),
            "raw_path": full.encode(),
            "query_string": query.encode(),
            "server": (self.host.decode(), 80),
            "client": self.client,
            "root_path": self.root_path,
        }
        return await _exchange(self.app, scope, body)


_BODILESS = {"GET", "HEAD", "OPTIONS", "DELETE"}
_REPLACEABLE = {b"host", b"accept", b"content-type"}
_PATH_SAFE = "!$&'()*+,;=:@/%-._~"  # what httpx leaves as it is in a path (a %XX stays an escape)


class ApiUnavailable(Exception):
    """The API could not be reached, or answered 503 (its database is down): the pages cannot work."""

    def __init__(self, reason: str, retry_after: str | None = None) -> None:
        super().__init__(reason)
        self.retry_after = retry_after


class Headers(dict[str, str]):
    """A response's headers by lower-case name (a repeated header's values joined by ", ", as httpx does)."""

    @classmethod
    def of(cls, raw: Any) -> Headers:
        """From raw (name, value) byte pairs or from httpx.Headers."""
        headers = cls()
        if isinstance(raw, httpx.Headers):
            for name, value in raw.multi_items():
                headers.add(name, value)
        else:
            for name, value in raw:
                headers.add(name.decode("latin-1"), value.decode("latin-1"))
        return headers

    def add(self, name: str, value: str) -> None:
        """One more value of a header."""
        key = name.lower()
        self[key] = f"{self[key]}, {value}" if key in self else value

    def get(self, name: str, default: Any = None) -> Any:  # type: ignore[override]
        """A header by name, in any case."""
        return super().get(name.lower(), default)


@dataclass(frozen=True)
class ApiResult:
    """An API response, decoded."""

    status: int
    body: Any
    headers: Headers

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


# GETs answered from the API's configuration, by the scopes the API asks for them (any one of them will do): the same
# for every caller allowed them, and they change only when the API's process restarts (CONTEST_TENSION_LEVELS).
CONFIGURATION = {"/tension-levels": ("tensions:read", "tensions:report")}


class ApiClient:
    """Thin calls to /api/v1 with the user's token; one client per process, one token per call.

    `http` is an httpx client on the API's base URL (a separate API server, or a test's stand-in), or an
    `InProcessApi`: the API in this process, called over ASGI without httpx.
    """

    def __init__(self, http: httpx.AsyncClient | InProcessApi) -> None:
        self.http = http
        self.configuration: dict[str, tuple[int, Headers, bytes]] = {}  # path -> the API's answer, kept

    async def configured(self, path: str, *, token: str | None = None) -> ApiResult:
        """GET one of the API's `CONFIGURATION` paths: its first successful answer is kept when the API runs in
        this process, since it is the same for every caller allowed it and changes only when the process restarts.

        The caller decides who may have it (the scopes in `CONFIGURATION`); each call gets its own decoded copy.
        """
        kept = self.configuration.get(path)
        if kept is None:
            if not isinstance(self.http, InProcessApi):
                return await self.request("GET", path, token=token)
            kept = await self._send("GET", path, headers=self._headers(None, token))
            if not 200 <= kept[0] < 300:
                return self._result("GET", path, kept)
            self.configuration[path] = kept
        return self._result("GET", path, kept)

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
        sent = self._headers(headers, token)
        answer = await self._send(method, path, params=params, json=json, data=data, headers=sent)
        return self._result(method, path, answer)

    @staticmethod
    def _headers(headers: dict[str, str] | None, token: str | None) -> dict[str, str]:
        sent = dict(headers or {})
        if token:
            sent["Authorization"] = f"Bearer {token}"
        request_id = current_request_id()
        if request_id:
            sent["X-Request-ID"] = request_id
        return sent

    async def _send(self, method: str, path: str, **kwargs: Any) -> tuple[int, Headers, bytes]:
        """The API's status, headers and body."""
        if isinstance(self.http, InProcessApi):
            status, raw, content = await self.http.request(method, path, **kwargs)
            return status, Headers.of(raw), content
        try:
            response = await self.http.request(method, path.lstrip("/"), **kwargs)
        except httpx.HTTPError as exc:
            raise ApiUnavailable(str(exc)) from exc
        return response.status_code, Headers.of(response.headers), response.content

    @staticmethod
    def _result(method: str, path: str, answer: tuple[int, Headers, bytes]) -> ApiResult:
        """The answer decoded; a 503 (the API's database is down) raises ApiUnavailable."""
        status, received, content = answer
        if status == 503:
            raise ApiUnavailable(f"{method} {path} answered 503", received.get("retry-after"))
        body: Any = None
        if "json" in received.get("content-type", ""):
            body = from_json(content)  # pydantic-core's parser: the same values as json.loads, in about half the time
        elif content:
            body = content.decode(_charset(received.get("content-type", "")), errors="replace")
        return ApiResult(status, body, received)

    async def get(self, path: str, **kwargs: Any) -> ApiResult:
        """GET."""
        return await self.request("GET", path, **kwargs)

    async def post(self, path: str, **kwargs: Any) -> ApiResult:
        """POST."""
        return await self.request("POST", path, **kwargs)


def _charset(content_type: str) -> str:
    """The charset a Content-Type names (utf-8 when none, or one Python does not know)."""
    for part in content_type.split(";")[1:]:
        name, _, value = part.strip().partition("=")
        if name.lower() == "charset" and value:
            try:
                return codecs.lookup(value.strip('"')).name
            except LookupError:
                break
    return "utf-8"
