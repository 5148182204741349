"""The JSON API, /api/v1: one router per resource, HTTP in and out, nothing else."""

from __future__ import annotations

from fastapi import APIRouter, Depends, FastAPI
from fastapi.telemetry import TelemetryConfig

from app.api import fast, fastapi_memo, openapi
from app.api.deps import strict_query_parameters
from app.api.disclosure import DisclosureMiddleware
from app.api.fast import FastReads
from app.api.idempotency import IdempotencyMiddleware
from app.api.kept import KeptReads
from app.api.negotiation import negotiate
from app.api.problems import install as install_problem_handlers
from app.api.rate_limit import RateLimitHeaders
from app.api.threat_level import FreshLevel
from app.core.database import Database
from app.core.settings import Settings
from app.discovery import guarded, modules


def routers() -> list[APIRouter]:
    """Every module of app.api that has a `router`, in name order."""
    return [m.router for m in modules("app.api") if isinstance(getattr(m, "router", None), APIRouter)]


def telemetry(settings: Settings) -> TelemetryConfig:
    """FastAPI's own OpenTelemetry for an app of this product: as FastAPI sets it (used when a provider is
    configured) with `CONTEST_TELEMETRY`, else off, so no request asks whether a provider is configured."""
    if settings.telemetry:
        return {}
    return {"tracing": False, "metrics": False, "logs": False, "operation_spans": False}


def create_api(settings: Settings, database: Database) -> FastAPI:
    """The API application, to be mounted at /api/v1."""
    fastapi_memo.install()
    api = FastAPI(
        title="CONTEST Hub API",
        version="1.0.0",
        description=openapi.DESCRIPTION,
        openapi_url="/openapi.json",
        docs_url=None,
        redoc_url=None,
        dependencies=[Depends(strict_query_parameters), Depends(negotiate)],
        generate_unique_id_function=openapi.operation_id,
        telemetry=telemetry(settings),
    )
    api.state.settings = settings
    api.state.database = database
    install_problem_handlers(api)
    api.add_middleware(FastReads, reads=fast.HOT, enabled=settings.fast_reads)  # innermost: plain hot reads
    api.add_middleware(KeptReads, api=api)  # a user's repeated reads of the dashboard's panels (app/api/kept.py)
    api.add_middleware(IdempotencyMiddleware)
    api.add_middleware(DisclosureMiddleware)
    api.add_middleware(RateLimitHeaders)
    api.add_middleware(FreshLevel)  # outermost: the cached public threat level skips routing (app/api/threat_level.py)
    for router in routers():
        api.include_router(guarded(router))
    openapi.install(api)  # the document's conventions, declared from each route's metadata (app/api/openapi.py)
    return api
