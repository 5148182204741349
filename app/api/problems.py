"""Every API error as application/problem+json: our own errors, FastAPI's validation errors, and the rest."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.routing import iter_route_contexts
from sqlalchemy.exc import DataError, DBAPIError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import Request as StarletteRequest
from starlette.responses import Response
from starlette.routing import Match
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.core.errors import PROBLEM_JSON, AppError, ServiceUnavailable, problem_body

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
    503: "Service unavailable",
}
RETRY_AFTER_SECONDS = 5

ExceptionHandler = Callable[[StarletteRequest, Exception], Awaitable[Response]]


def is_database_outage(exc: BaseException) -> bool:
    """Whether an error means the database is unreachable, hung or saturated (not that the request is wrong)."""
    if isinstance(exc, OperationalError | PoolTimeout):
        return True
    return isinstance(exc, DBAPIError) and bool(exc.connection_invalidated)


class UnexpectedErrors:
    """Answer an unexpected exception with the app's own 500 response, and do not re-raise it.

    Starlette's outermost error middleware re-raises after answering, and uvicorn then drops the keep-alive
    connection without `Connection: close`: the client's next request on it fails. This middleware sits inside
    it and ends the exchange cleanly. `owner` is the app whose handler for `Exception` renders the response.
    """

    def __init__(self, app: ASGIApp, *, owner: Any) -> None:
        self.app, self.owner = app, owner

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = finished = False

        async def tracking_send(message: Message) -> None:
            nonlocal started, finished
            if message["type"] == "http.response.start":
                started = True
            elif message["type"] == "http.response.body" and not message.get("more_body", False):
                finished = True
            await send(message)

        try:
            await self.app(scope, receive, tracking_send)
        except Exception as exc:
            if finished:  # an inner app already answered (and re-raised): the exchange is complete
                log.debug("error after a complete response on %s", scope.get("path"), exc_info=exc)
                return
            if started:  # half a response went out: only closing the connection can tell the client
                raise
            handler: ExceptionHandler | None = self.owner.exception_handlers.get(Exception)
            request = StarletteRequest(scope, receive)
            if handler is None:
                log.exception("unhandled error on %s", scope.get("path"))
                response: Response = problem_response(
                    problem_body(
                        500,
                        "Internal server error",
                        "Something went wrong on our side; it has been logged.",
                        instance=scope.get("path"),
                    )
                )
            else:
                response = await handler(request, exc)
            await response(scope, receive, send)


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


def not_json_message(error: dict[str, Any], document: Any) -> str:
    """`is not valid JSON: Expecting value at line 1, column 10` from FastAPI's JSON decode error."""
    reason = str((error.get("ctx") or {}).get("error") or "it cannot be read")
    loc = error.get("loc") or ()
    position = loc[-1] if loc and isinstance(loc[-1], int) else None
    if position is None or not isinstance(document, str):
        return f"is not valid JSON: {reason}."
    line = document.count("\n", 0, position) + 1
    column = position - document.rfind("\n", 0, position)
    return f"is not valid JSON: {reason} at line {line}, column {column}."


def allowed_methods(request: Request) -> list[str]:
    """Every method some route of this app accepts at the request's path (for a 405's Allow header)."""
    contexts = list(iter_route_contexts(request.app.routes))
    matching = [c for c in contexts if c.route.matches(request.scope)[0] != Match.NONE]
    if not matching:
        return []
    template = matching[0].path  # the route this path resolves to; others with the same template share it
    return sorted({m for c in contexts if c.path == template for m in (c.methods or ())})


def unavailable_response(request: Request, exc: BaseException) -> JSONResponse:
    """503 problem+json with Retry-After: the database is down or hung; the service recovers by itself."""
    log.warning("database unavailable on %s %s: %s", request.method, request.url.path, type(exc).__name__)
    error = ServiceUnavailable(retry_after=RETRY_AFTER_SECONDS)
    return problem_response(error.problem(instance=request.url.path), error.headers)


def install(app: FastAPI) -> None:
    """Register the handlers on an app."""
    app.add_middleware(UnexpectedErrors, owner=app)

    @app.exception_handler(OperationalError)
    @app.exception_handler(PoolTimeout)
    async def _database_unavailable(request: Request, exc: Exception) -> JSONResponse:
        return unavailable_response(request, exc)

    @app.exception_handler(AppError)
    async def _app_error(request: Request, exc: AppError) -> JSONResponse:
        return problem_response(exc.problem(instance=request.url.path), exc.headers)

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        malformed = next((e for e in exc.errors() if e.get("type") == "json_invalid"), None)
        if malformed is not None:
            message = not_json_message(malformed, exc.body)
            return problem_response(
                problem_body(
                    422,
                    "Validation failed",
                    f"The body {message}",
                    slug="validation-failed",
                    errors=[{"field": "body", "message": message}],
                    instance=request.url.path,
                )
            )
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
        if is_database_outage(exc):
            return unavailable_response(request, exc)
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        return problem_response(
            problem_body(
                500,
                "Internal server error",
                "Something went wrong on our side; it has been logged.",
                instance=request.url.path,
            )
        )
