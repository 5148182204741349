"""The web layer's API client: the pages see only what the API lets the signed-in user see."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx

from app.core.context import current_request_id


class ApiUnavailable(Exception):
    """The API could not be reached."""


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
        if response.status_code == 503:  # the API is up but its database is not: the 503 page, every page
            raise ApiUnavailable(f"the API answered 503 to {method} {path}")
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

    async def patch(self, path: str, **kwargs: Any) -> ApiResult:
        """PATCH."""
        return await self.request("PATCH", path, **kwargs)

    async def delete(self, path: str, **kwargs: Any) -> ApiResult:
        """DELETE."""
        return await self.request("DELETE", path, **kwargs)
