"""Every API error as application/problem+json: our own errors, FastAPI's validation errors, and the rest."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.routing import iter_route_contexts
from sqlalchemy.exc import DataError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match

from app.core.errors import PROBLEM_JSON, AppError, problem_body

log = logging.getLogger("contest_hub.api")

_TITLES = {
    400: "Bad request",
    401: "Not authenticated",
    403: "Forbidden",
    404: "Not found",
    405: "Method not allowed",
    406: "Not acceptable",
    409: "Conflict",
    413: "Payload too large",
    415: "Unsupported media type",
    422: "Validation failed",
    429: "Too many requests",
}


def problem_response(body: dict[str, Any], headers: dict[str, str] | None = None) -> JSONResponse:
    """A problem+json response."""
    return JSONResponse(body, status_code=body["status"], headers=headers, media_type=PROBLEM_JSON)


def field_name(loc: tuple[Any, ...] | list[Any]) -> str:
    """`("body", "priorities", 0, "rating")` → `priorities.0.rating`."""
    parts = [str(p) for p in loc]
    if parts and parts[0] in {"body", "query", "path", "header", "cookie", "form"}:
        parts = parts[1:] or parts
    return ".".join(parts)


def validation_errors(errors: Any) -> list[dict[str, str]]:
    """FastAPI's validation errors as `[{field, message}]`."""
    return [{"field": field_name(e.get("loc", ())), "message": str(e.get("msg", "is not valid"))} for e in errors]


def allowed_methods(request: Request) -> list[str]:
    """Every method some route of this app accepts at the request's path (for a 405's Allow header)."""
    contexts = list(iter_route_contexts(request.app.routes))
    matching = [c for c in contexts if c.route.matches(request.scope)[0] != Match.NONE]
    if not matching:
        return []
    template = matching[0].path  # the route this path resolves to; others with the same template share it
    return sorted({m for c in contexts if c.path == template for m in (c.methods or ())})


def install(app: FastAPI) -> None:
    """Register the handlers on an app."""

    @app.exception_handler(AppError)
    async def _app_error(request: Request, exc: AppError) -> JSONResponse:
        return problem_response(exc.problem(instance=request.url.path), exc.headers)

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = validation_errors(exc.errors())
        detail = "; ".join(f"{e['field']}: {e['message']}" for e in errors[:5]) or "The request is not valid."
        return problem_response(
            problem_body(
                422,
                "Validation failed",
                detail,
                slug="validation-failed",
                errors=errors,
                instance=request.url.path,
            )
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        title = _TITLES.get(exc.status_code, "Error")
        generic = not isinstance(exc.detail, str) or exc.detail.lower() == title.lower()
        detail = (
            exc.detail
            if not generic
            else {
                404: f"There is nothing at {request.url.path}.",
                405: f"{request.method} is not allowed on {request.url.path}.",
            }.get(exc.status_code, title)
        )
        headers = dict(exc.headers or {})
        if exc.status_code == 405:
            headers["Allow"] = ", ".join(allowed_methods(request))
        return problem_response(problem_body(exc.status_code, title, detail, instance=request.url.path), headers)

    @app.exception_handler(DataError)
    async def _data(request: Request, exc: DataError) -> JSONResponse:
        # The last line of defence: a value the schema let through but the database refuses (too long for its
        # column, out of range). Nothing was written: the request's transaction is rolled back.
        log.warning("database refused a value on %s %s: %s", request.method, request.url.path, exc.orig)
        return problem_response(
            problem_body(
                422,
                "Validation failed",
                "A value is too long or out of range for its field.",
                slug="validation-failed",
                errors=[],
                instance=request.url.path,
            )
        )

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        return problem_response(
            problem_body(
                500,
                "Internal server error",
                "Something went wrong on our side; it has been logged.",
                instance=request.url.path,
            )
        )
