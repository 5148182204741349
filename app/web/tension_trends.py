"""Community tension trends: a ward table and a ward-by-week heat table (a real table: its cells say the numbers)."""

from __future__ import annotations

import asyncio
from datetime import date, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.responses import Response

from app.core.clock import today_london
from app.web.deps import SignedInWeb, require

router = APIRouter(prefix="/tensions")

WEEK_CHOICES = (4, 8, 12, 26)


def weeks_back(today: date, count: int) -> list[tuple[str, date]]:
    """The last `count` ISO weeks up to this one, oldest first, as (`2026-W48`, its Monday)."""
    monday = today - timedelta(days=today.weekday())
    weeks = []
    for back in range(count - 1, -1, -1):
        start = monday - timedelta(weeks=back)
        year, week, _ = start.isocalendar()
        weeks.append((f"{year}-W{week:02d}", start))
    return weeks


@router.get("/trends", dependencies=[require("tensions:read", "read community tension reports")])
async def trends(web: SignedInWeb, weeks: Annotated[int, Query(ge=1, le=52)] = 8) -> Response:
    """Reports by ward over the chosen weeks, and each ward week by week, with the highest level assessed."""
    columns = weeks_back(today_london(), weeks)
    period = {"from": columns[0][1].isoformat(), "to": today_london().isoformat()}
    by_ward, levels = await asyncio.gather(
        web.fetch("/tension-reports/summary", params={"by": "ward", **period}), web.fetch("/tension-levels")
    )
    wards = [g["key"] for g in by_ward["groups"]]
    per_ward = await asyncio.gather(
        *(web.fetch("/tension-reports/summary", params={"by": "week", "ward": w, **period}) for w in wards)
    )
    heat: dict[str, dict[str, Any]] = {
        w: {g["key"]: g for g in s["groups"]} for w, s in zip(wards, per_ward, strict=True)
    }
    return web.render(
        "tensions/trends.html",
        summary=by_ward,
        weeks=columns,
        heat=heat,
        levels={lv["level"]: lv["name"] for lv in levels},
        scale=levels,
        chosen=weeks,
        week_choices=WEEK_CHOICES,
    )
