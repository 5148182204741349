"""The JSON API, /api/v1: one router per resource, HTTP in and out, nothing else."""

from __future__ import annotations

from fastapi import APIRouter, Depends, FastAPI

from app.api.deps import strict_query_parameters
from app.api.disclosure import DisclosureMiddleware
from app.api.idempotency import IdempotencyMiddleware
from app.api.negotiation import negotiate
from app.api.problems import install as install_problem_handlers
from app.api.rate_limit import RateLimitHeaders
from app.core.database import Database
from app.core.settings import Settings
from app.discovery import modules
from app.models.common import Problem

_PROBLEM = {"content": {"application/problem+json": {"schema": Problem.model_json_schema()}}}
PROBLEM_RESPONSES: dict[int | str, dict[str, object]] = {
    status: {**_PROBLEM, "description": text}
    for status, text in {
        400: "Bad request",
        401: "No valid bearer token",
        403: "The token lacks the scope, or clearance",
        404: "Not found (or above your clearance)",
        409: "Conflict",
        412: "If-Match is stale",
        413: "Body over 1 MiB",
        422: "Validation failed (see `errors`)",
        428: "If-Match is missing",
        429: "Too many requests (see Retry-After)",
    }.items()
}


def routers() -> list[APIRouter]:
    """Every module of app.api that has a `router`, in name order."""
    return [m.router for m in modules("app.api") if isinstance(getattr(m, "router", None), APIRouter)]


DESCRIPTION = """
The API partner agencies code against. Conventions (errors as problem+json, keyset pagination with
`next_cursor` and `Link`, ETag/If-Match, Idempotency-Key, classification) are described in the README.
Authenticate with `Authorization: Bearer <token>`: an API key, or a user token from `POST /auth/token`.
"""


def create_api(settings: Settings, database: Database) -> FastAPI:
    """The API application, to be mounted at /api/v1."""
    api = FastAPI(
        title="CONTEST Hub API",
        version="1.0.0",
        description=DESCRIPTION,
        openapi_url="/openapi.json",
        docs_url=None,
        redoc_url=None,
        dependencies=[Depends(strict_query_parameters), Depends(negotiate)],
    )
    api.state.settings = settings
    api.state.database = database
    install_problem_handlers(api)
    api.add_middleware(IdempotencyMiddleware)
    api.add_middleware(DisclosureMiddleware)
    api.add_middleware(RateLimitHeaders)
    for router in routers():
        api.include_router(router, responses=PROBLEM_RESPONSES)
    return api
