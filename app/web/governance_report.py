"""The EMT report as a page: a period picker (this quarter, last quarter, this financial year), the report's
tables, a CSV of them, and a print layout for A4 with the marking at the top and bottom of every page."""

from __future__ import annotations

from datetime import date, timedelta

from fastapi import APIRouter, Request
from fastapi.responses import Response

from app.core.clock import financial_quarter, financial_year, today_london
from app.web import options
from app.web.deps import SignedInWeb

router = APIRouter(prefix="/governance/report")


def period_of(choice: str, today: date) -> tuple[date, date]:
    """The first and last day of a period the picker offers."""
    if choice == "last_quarter":
        return financial_quarter(financial_quarter(today)[0] - timedelta(days=1))
    if choice == "financial_year":
        return financial_year(today)
    return financial_quarter(today)


def _choice(request: Request) -> str:
    chosen = request.query_params.get("period") or "this_quarter"
    return chosen if chosen in options.REPORT_PERIODS else "this_quarter"


def _params(choice: str) -> dict[str, str]:
    start, end = period_of(choice, today_london())
    return {"from": start.isoformat(), "to": end.isoformat()}


@router.get("")
async def emt_report(web: SignedInWeb, request: Request) -> Response:
    """The report for the chosen period, each section only for the areas the user may read."""
    choice = _choice(request)
    report = await web.fetch("/reports/emt", params=_params(choice))
    return web.render(
        "governance/report.html",
        report=report,
        choice=choice,
        periods=options.REPORT_PERIODS,
        asks=options.ASKS,
        marking=report["classification"],
    )


@router.get(".csv")
async def emt_report_csv(web: SignedInWeb, request: Request) -> Response:
    """Every figure of the report as CSV: section, measure, value."""
    params = _params(_choice(request))
    return await web.csv_download("/reports/emt", params, f"emt-report-{params['from']}-to-{params['to']}.csv")
