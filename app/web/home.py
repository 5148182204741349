"""The dashboard."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import Response

from app.web.deps import NavItem, SignedInWeb

router = APIRouter()
NAVIGATION = [NavItem(0, "Dashboard", "/")]


@router.get("/")
async def dashboard(web: SignedInWeb) -> Response:
    """What the signed-in user needs to see first."""
    me = await web.fetch("/me")
    return web.render("home/dashboard.html", me=me)
