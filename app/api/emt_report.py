"""GET /reports/emt: the EMT report (any `*:read` scope; each section only for the areas the reader may read)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response

from app.api.deps import RequiresAnyOf, SessionDep, SettingsDep
from app.api.http import CSV_RESPONSE, csv_response, json_model, wants_csv
from app.core.security import READ_SCOPES, Principal
from app.models.common import IsoDate
from app.models.emt_report import EmtReport
from app.services import emt_report

router = APIRouter(prefix="/reports", tags=["governance"])

AnyReader = Annotated[Principal, Depends(RequiresAnyOf(*READ_SCOPES))]


@router.get("/emt", response_model=EmtReport, responses=CSV_RESPONSE)
def read_emt_report(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    principal: AnyReader,
    start: Annotated[IsoDate | None, Query(alias="from", description="First day; default: this quarter's.")] = None,
    end: Annotated[IsoDate | None, Query(alias="to", description="Last day; default: this quarter's.")] = None,
) -> Response:
    """The threat level and its changes, each strand, tensions (where installed) and governance for a period
    (default: this UK financial quarter). Counts include only records you may see; `classification` is the highest
    marking of anything included. `Accept: text/csv` gives every figure as rows of section, measure, value."""
    first, last = emt_report.period(start, end)
    report = emt_report.build(
        session,
        principal,
        start=first,
        end=last,
        risk_matrix=settings.risk_matrix,
        tension_levels=settings.tension_levels,
    )
    if wants_csv(request):
        return csv_response(emt_report.rows(report), filename=f"emt-report-{first}-to-{last}")
    return json_model(report)
