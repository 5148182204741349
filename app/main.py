"""The application: the API mounted at /api/v1, the pages, static assets, health checks."""

from __future__ import annotations

import logging
from pathlib import Path
from urllib.parse import urlparse

from fastapi import FastAPI
from fastapi.responses import HTMLResponse, JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.types import Scope

from app import web
from app.api import create_api
from app.api.problems import RETRY_AFTER_SECONDS, UnexpectedErrors
from app.core.database import Database
from app.core.middleware import RequestMiddleware, content_security_policy
from app.core.settings import Settings, get_settings
from app.migrate import is_current
from app.services import feeds, risks, threat_level

STATIC = Path(__file__).resolve().parent / "static"


class CachedStatic(StaticFiles):
    """Static files that browsers may cache for a day (they are versioned by the vendoring script)."""

    async def get_response(self, path: str, scope: Scope) -> Response:
        response = await super().get_response(path, scope)
        if response.status_code == 200:
            response.headers["Cache-Control"] = "public, max-age=86400"
        return response


def create_app(settings: Settings | None = None, database: Database | None = None) -> FastAPI:
    """Build the whole product for one process."""
    settings = settings or get_settings()
    risks.parse_matrix(settings.risk_matrix)  # a malformed CONTEST_RISK_MATRIX stops start-up, not a request
    threat_level.register_staleness_check(feeds.level_is_stale)  # a level from a feed gone quiet is `stale`
    logging.basicConfig(level=settings.log_level)
    logging.getLogger("httpx").setLevel(logging.WARNING)
    database = database or Database(settings)
    app = FastAPI(title="CONTEST Hub", docs_url=None, redoc_url=None, openapi_url=None)
    app.state.settings, app.state.database = settings, database
    api = create_api(settings, database)
    tile_host = ""
    if settings.map_tile_url:
        parsed = urlparse(settings.map_tile_url.replace("{s}", "a"))
        tile_host = f"{parsed.scheme}://{parsed.netloc}".replace("://a.", "://*.")
    app.add_middleware(UnexpectedErrors, owner=app)  # innermost: a 500 still gets the request id and headers
    app.add_middleware(
        RequestMiddleware,
        max_body_bytes=settings.max_body_bytes,  # type: ignore[arg-type]
        csp=content_security_policy(tile_host),
    )

    @app.get("/healthz", include_in_schema=False)
    async def healthz() -> dict[str, str]:
        """The process is alive."""
        return {"status": "ok"}

    @app.get("/readyz", include_in_schema=False)
    def readyz() -> JSONResponse:
        """The database is reachable and migrated."""
        retry = {"Retry-After": str(RETRY_AFTER_SECONDS)}
        try:
            database.ping()
            ready = is_current(database.engine, settings.database_url)
        except Exception as exc:  # any failure means not ready
            return JSONResponse({"status": "unavailable", "detail": type(exc).__name__}, status_code=503, headers=retry)
        if not ready:
            return JSONResponse({"status": "unavailable", "detail": "database not migrated"}, status_code=503)
        return JSONResponse({"status": "ok"})

    @app.get("/api/docs", include_in_schema=False)
    async def api_docs() -> HTMLResponse:
        """Human-readable API documentation (Swagger UI, served from this server)."""
        return HTMLResponse((STATIC / "app" / "api-docs.html").read_text())

    app.mount("/api/v1", api)
    app.mount("/static", CachedStatic(directory=STATIC), name="static")
    app.mount("/assets", CachedStatic(directory=STATIC / "govuk" / "assets"), name="assets")
    web.install(app, settings, api)
    return app
