"""The dashboard: the threat level, then what needs attention in each area the user can read."""

from __future__ import annotations

import asyncio
from typing import Any

from fastapi import APIRouter
from fastapi.responses import Response

from app.web.deps import NavItem, SignedInWeb, Web

router = APIRouter()
NAVIGATION = [NavItem(0, "Dashboard", "/")]


@router.get("/")
async def dashboard(web: SignedInWeb) -> Response:
    """What the signed-in user needs to see first (its API calls made at once, not one after another)."""
    me, summary, panel, governance = await asyncio.gather(
        web.fetch("/me"), web.fetch("/summary"), active_now_panel(web), governance_panel(web)
    )
    return web.render("home/dashboard.html", me=me, summary=summary, **panel, **governance)


async def active_now_panel(web: Web) -> dict[str, Any]:
    """The context of prepare/_active_now_panel.html: plans the current response level activates."""
    if not web.can("prepare:read"):
        return {"active_plans": None}
    result = await web.call("GET", "/contingency-plans", params={"active_now": "true", "limit": 50})
    return {
        "active_plans": result.body["items"] if result.ok else [],
        "response_level": (web.threat or {}).get("response_level"),
    }


async def governance_panel(web: Web) -> dict[str, Any]:
    """The context of governance/_dashboard_panel.html: for EMT, how many escalations await their decision."""
    if not (web.can("approve") and web.can("governance:read")):
        return {"awaiting_decision": None}
    result = await web.call("GET", "/escalations", params={"status": "raised", "limit": 200})
    return {"awaiting_decision": len(result.body["items"]) if result.ok else None}
