"""The JSON API, /api/v1: one router per resource, HTTP in and out, nothing else."""

from __future__ import annotations

from fastapi import APIRouter, FastAPI

from app.api.problems import install as install_problem_handlers
from app.api.routing import IdempotencyMiddleware
from app.core.database import Database
from app.core.settings import Settings

from app.discovery import modules


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
    )
    api.state.settings = settings
    api.state.database = database
    install_problem_handlers(api)
    api.add_middleware(IdempotencyMiddleware)
    for router in routers():
        api.include_router(router)
    return api
