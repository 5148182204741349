"""Protect: one site's page (details, review state, assessments and their recommendations)."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import Response

from app.web.deps import SignedInWeb

router = APIRouter(prefix="/protect/sites")


@router.get("/{site_id}")
async def site_page(web: SignedInWeb, site_id: str) -> Response:
    """A site with its derived fields, and every assessment, newest first."""
    site = await web.fetch(f"/sites/{site_id}")
    assessments = await web.fetch(f"/sites/{site_id}/assessments", params={"limit": 200})
    return web.render("protect/site.html", site=site, assessments=assessments["items"], marking=site["classification"])
