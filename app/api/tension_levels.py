"""The council's community tension scale (`tensions:read` or `tensions:report`)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends

from app.api.deps import RequiresAnyOf, SettingsDep
from app.api.kept import Kept
from app.core.security import Principal
from app.models.tensions import TensionLevel
from app.services import tension_levels

router = APIRouter(prefix="/tension-levels", tags=["tensions"])

Follower = Annotated[Principal, Depends(RequiresAnyOf("tensions:read", "tensions:report"))]


@router.get("", response_model=list[TensionLevel], dependencies=[Kept])
def list_tension_levels(settings: SettingsDep, principal: Follower) -> list[TensionLevel]:
    """The levels an assessment uses, lowest first: the council's default or CONTEST_TENSION_LEVELS."""
    return list(tension_levels.parse_levels(settings.tension_levels))
