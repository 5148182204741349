"""The public history of UK threat level changes since 2006 (from app/demo/data/threat-level-history.csv)."""

from __future__ import annotations

import csv
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import func
from sqlmodel import Session, select

from app.models.threat_level import ThreatLevel, ThreatLevelChange, ThreatLevelCreate, ThreatScope
from app.services import threat_level

ORDER = 10
HISTORY = Path(__file__).resolve().parent / "data" / "threat-level-history.csv"


def load(session: Session, report: object) -> None:
    """Record the history once (skipped when any level is already recorded)."""
    if session.execute(select(func.count()).select_from(ThreatLevelChange)).scalar_one():
        return
    with HISTORY.open(newline="") as handle:
        for row in csv.DictReader(handle):
            effective = datetime.fromisoformat(row["effective_on"]).replace(tzinfo=UTC)
            data = ThreatLevelCreate(
                level=ThreatLevel(row["level"]),
                scope=ThreatScope(row["scope"]),
                effective_from=effective,
                note=row["note"] or "",
            )
            threat_level.create(session, data, actor=None, source="public record", recorded_by="demo")
