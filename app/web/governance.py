"""Governance pages: the working groups with their members and meetings, a meeting, the actions tracker, and
EMT's priorities for the year. Escalations and the EMT report have page modules of their own."""

from __future__ import annotations

import asyncio
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from app.core.clock import financial_year, today_london
from app.web import options
from app.web.deps import NavItem, SignedInWeb, marking_of

router = APIRouter(prefix="/governance")
NAVIGATION = [NavItem(50, "Governance", "/governance", "governance:read")]

ACTION_FILTERS = ("group_id", "owner", "status", "overdue")


def links_shown(records: list[dict[str, Any]]) -> None:
    """Give each link of each record the words and the page a reader follows (links the API left out stay out)."""
    for record in records:
        record["shown_links"] = [
            {
                "text": options.LINK_TYPES.label(link["type"]),
                "href": options.LINK_PAGES.get(link["type"], "").format(id=link["id"]) or None,
            }
            for link in record.get("links") or []
        ]


@router.get("")
async def working_groups(web: SignedInWeb) -> Response:
    """EMT and the working groups, with what waits for EMT."""
    groups, waiting = await asyncio.gather(
        web.fetch("/working-groups", params={"limit": 200}),
        web.fetch("/escalations", params={"status": "raised", "limit": 200}),
    )
    return web.render(
        "governance/groups.html",
        groups=groups["items"],
        waiting=len(waiting["items"]),
        strands=options.STRANDS,
        marking=marking_of(*groups["items"], *waiting["items"]),
    )


@router.get("/groups/{group_id}")
async def working_group(web: SignedInWeb, group_id: str) -> Response:
    """A group: its members, its meetings (newest first) and its actions (overdue first)."""
    group = await web.fetch(f"/working-groups/{group_id}")
    meetings, actions = await asyncio.gather(
        web.fetch("/meetings", params={"group_id": group_id, "limit": 200}),
        web.fetch("/actions", params={"group_id": group_id, "status": "open", "limit": 200}),
    )
    links_shown(actions["items"])
    return web.render(
        "governance/group.html",
        group=group,
        meetings=meetings["items"],
        actions=actions["items"],
        strands=options.STRANDS,
        marking=marking_of(group, *meetings["items"], *actions["items"]),
    )


@router.get("/meetings/{meeting_id}")
async def meeting(web: SignedInWeb, meeting_id: str) -> Response:
    """A meeting: who came, the agenda, the minutes, the decisions and the actions agreed."""
    found = await web.fetch(f"/meetings/{meeting_id}")
    group, actions = await asyncio.gather(
        web.fetch(f"/working-groups/{found['group_id']}"),
        web.fetch("/actions", params={"meeting_id": meeting_id, "limit": 200}),
    )
    links_shown(actions["items"])
    return web.render(
        "governance/meeting.html",
        meeting=found,
        group=group,
        actions=actions["items"],
        marking=marking_of(found, group, *actions["items"]),
    )


def _action_filters(request: Request, groups: dict[str, str]) -> dict[str, str]:
    chosen: dict[str, str] = {}
    allowed = {"group_id": set(groups), "status": set(options.ACTION_STATUSES), "overdue": {"true"}}
    for name in ACTION_FILTERS:
        value = (request.query_params.get(name) or "").strip()[:200]
        if value and (name not in allowed or value in allowed[name]):
            chosen[name] = value
    return chosen


@router.get("/actions")
async def actions_tracker(web: SignedInWeb, request: Request) -> Response:
    """Every action the user may see: open ones first, overdue leading; filter by group, owner, status."""
    groups_page = await web.fetch("/working-groups", params={"limit": 200})
    groups = {g["id"]: g["name"] for g in groups_page["items"]}
    filters = _action_filters(request, groups)
    cursor = (request.query_params.get("cursor") or "")[:2000]
    page = await web.fetch("/actions", params={**filters, "limit": 50, **({"cursor": cursor} if cursor else {})})
    links_shown(page["items"])
    return web.render(
        "governance/actions.html",
        page=page,
        groups=groups,
        filters=filters,
        statuses=options.ACTION_STATUSES,
        marking=marking_of(*page["items"]),
    )


@router.get("/actions.csv")
async def actions_csv(web: SignedInWeb, request: Request) -> Response:
    """The tracker's actions, with its filters, as CSV."""
    groups_page = await web.fetch("/working-groups", params={"limit": 200})
    filters = _action_filters(request, {g["id"]: g["name"] for g in groups_page["items"]})
    return await web.csv_download("/actions", filters, "actions.csv")


def _year_label(start_year: int) -> str:
    return f"{start_year}/{(start_year + 1) % 100:02d}"


@router.get("/priorities")
async def priorities(web: SignedInWeb, request: Request) -> Response:
    """EMT's priorities for a financial year (this year unless another is chosen), by strand."""
    this_year = financial_year(today_london())[0].year
    asked = (request.query_params.get("year") or "")[:4]
    start_year = int(asked) if asked.isdigit() and 2000 <= int(asked) <= 2100 else this_year
    found = await web.fetch("/priorities", params={"year": _year_label(start_year), "limit": 200})
    links_shown(found["items"])
    by_strand = {s: [p for p in found["items"] if p["strand"] == s] for s in options.STRANDS}
    return web.render(
        "governance/priorities.html",
        year=_year_label(start_year),
        previous=start_year - 1,
        following=start_year + 1,
        by_strand={s: rows for s, rows in by_strand.items() if rows},
        strands=options.STRANDS,
        statuses=options.PRIORITY_STATUSES,
        marking=marking_of(*found["items"]),
    )
