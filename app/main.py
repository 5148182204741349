"""The application: the API mounted at /api/v1, the pages, static assets, health checks."""

from __future__ import annotations

import html
import logging
import re
from functools import lru_cache
from pathlib import Path
from urllib.parse import urlparse

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from markdown_it import MarkdownIt
from starlette.types import Scope

from app import web
from app.api import create_api, telemetry
from app.api.problems import RETRY_AFTER_SECONDS, UnexpectedErrors
from app.core.database import Database
from app.core.middleware import RequestMiddleware, content_security_policy
from app.core.settings import Settings, get_settings
from app.migrate import is_current
from app.services import feeds, risks, tension_levels, threat_level

STATIC = Path(__file__).resolve().parent / "static"
GUIDES = {"": "api.md", "/feeds": "feeds.md"}  # /api/docs/guide and /api/docs/guide/feeds (app/docs → docs/)
_GUIDE_LINKS = {"api.md": "/api/docs/guide", "feeds.md": "/api/docs/guide/feeds"}
_HREF = re.compile(r'href="([^"#]*)(#[^"]*)?"')


class CachedStatic(StaticFiles):
    """Static files that browsers may cache for a day (they are versioned by the vendoring script)."""

    async def get_response(self, path: str, scope: Scope) -> Response:
        response = await super().get_response(path, scope)
        if response.status_code == 200:
            response.headers["Cache-Control"] = "public, max-age=86400"
        return response


def _local_link(match: re.Match[str]) -> str:
    """A link between the guide's pages stays in the guide; one to a file the server does not serve is dropped."""
    target, fragment = match.group(1), match.group(2) or ""
    if target.startswith(("http://", "https://", "/")) or not target:
        return match.group(0)
    page = _GUIDE_LINKS.get(target.rsplit("/", 1)[-1])
    return f'href="{page}{fragment}"' if page else 'data-file="' + target + '"'


@lru_cache(maxsize=len(GUIDES))
def render_guide(page: str) -> str:
    """One page of the API guide as HTML (markdown's raw HTML is escaped, not passed through)."""
    source = Path(__file__).resolve().parent / "docs" / GUIDES[page]
    markdown = MarkdownIt("commonmark", {"html": False}).enable("table")
    body = _HREF.sub(_local_link, markdown.render(source.read_text(encoding="utf-8")))
    title = source.read_text(encoding="utf-8").splitlines()[0].lstrip("# ").strip()
    return (
        (STATIC / "app" / "api-guide.html").read_text().replace("{title}", html.escape(title)).replace("{body}", body)
    )


def create_app(settings: Settings | None = None, database: Database | None = None) -> FastAPI:
    """Build the whole product for one process."""
    settings = settings or get_settings()
    risks.parse_matrix(settings.risk_matrix)  # a malformed CONTEST_RISK_MATRIX stops start-up, not a request
    tension_levels.parse_levels(settings.tension_levels)  # and so does a malformed CONTEST_TENSION_LEVELS
    threat_level.register_staleness_check(feeds.level_is_stale)  # a level from a feed gone quiet is `stale`
    logging.basicConfig(level=settings.log_level)
    logging.getLogger("httpx").setLevel(logging.WARNING)
    database = database or Database(settings)
    app = FastAPI(title="CONTEST Hub", docs_url=None, redoc_url=None, openapi_url=None, telemetry=telemetry(settings))
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

    app.mount("/api/v1", api)  # first: the router tries its routes in order, and most requests are the API's

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

    @app.get("/api/docs/guide", include_in_schema=False)
    @app.get("/api/docs/guide/feeds", include_in_schema=False)
    def api_guide(request: Request) -> HTMLResponse:
        """The human guide next to Swagger UI: conventions, scopes, endpoints (docs/api.md), push events
        (docs/feeds.md), rendered on the server (no script, no outside assets)."""
        return HTMLResponse(render_guide(request.url.path.removeprefix("/api/docs/guide")))

    app.mount("/static", CachedStatic(directory=STATIC), name="static")
    app.mount("/assets", CachedStatic(directory=STATIC / "govuk" / "assets"), name="assets")
    web.install(app, settings, api)
    return app
