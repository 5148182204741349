"""Community events: the calendar of protests, marches, vigils and gatherings, linked to sites and reports."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy import update as sa_update
from sqlmodel import Session, col

from app.core.clock import as_utc
from app.core.errors import NotFound, Unprocessable
from app.core.security import Principal
from app.models.protect import Location, Site
from app.models.tensions import (
    CommunityEvent,
    CommunityEventCreate,
    CommunityEventRead,
    CommunityEventSite,
    CommunityEventUpdate,
    TensionReport,
)
from app.services import audit, links, records
from app.services.tension_reports import london_day_start


@dataclass(frozen=True)
class CommunityEventFilters:
    """The filters of the event list, combined with AND."""

    start: date | None = None
    end: date | None = None
    ward: str | None = None
    kind: str | None = None


def list_statement(principal: Principal, filters: CommunityEventFilters) -> Select[Any]:
    """The events the principal may see that match every filter; `from`/`to` keep events overlapping those
    London days."""
    stmt = select(CommunityEvent).where(col(CommunityEvent.classification).in_(principal.clearance.visible()))
    if filters.start is not None:
        stmt = stmt.where(col(CommunityEvent.ends_at) >= london_day_start(filters.start))
    if filters.end is not None:
        stmt = stmt.where(col(CommunityEvent.starts_at) < london_day_start(filters.end + timedelta(days=1)))
    if filters.ward:
        stmt = stmt.where(func.lower(col(CommunityEvent.ward)) == filters.ward.strip().lower())
    if filters.kind:
        stmt = stmt.where(col(CommunityEvent.kind) == filters.kind)
    return stmt


def get(session: Session, event_id: str, principal: Principal) -> CommunityEvent:
    """An event the principal may see, or 404."""
    event = session.get(CommunityEvent, event_id)
    if event is None or not principal.may_see(event.classification):
        raise NotFound(f"There is no community event with id {event_id!r}.")
    return event


def _site_ids(session: Session, event_ids: list[str], principal: Principal) -> dict[str, list[str]]:
    rows = session.execute(
        select(col(CommunityEventSite.event_id), col(CommunityEventSite.site_id))
        .join(Site, col(Site.id) == col(CommunityEventSite.site_id))
        .where(
            col(CommunityEventSite.event_id).in_(event_ids),
            col(Site.classification).in_(principal.clearance.visible()),
        )
        .order_by(col(CommunityEventSite.event_id), col(CommunityEventSite.site_id))
    ).all()
    found: dict[str, list[str]] = {}
    for event_id, site_id in rows:
        found.setdefault(event_id, []).append(site_id)
    return found


def _report_counts(session: Session, event_ids: list[str], principal: Principal) -> dict[str, int]:
    rows = session.execute(
        select(col(TensionReport.community_event_id), func.count())
        .where(
            col(TensionReport.community_event_id).in_(event_ids),
            col(TensionReport.classification).in_(principal.clearance.visible()),
        )
        .group_by(col(TensionReport.community_event_id))
    ).all()
    return {event_id: count for event_id, count in rows}


def present_many(
    events: Sequence[CommunityEvent], *, session: Session, principal: Principal
) -> list[CommunityEventRead]:
    """Events with the sites and the count of reports the principal may see (two queries for all of them)."""
    ids = [e.id for e in events]
    if not ids:
        return []
    sites, reports = _site_ids(session, ids, principal), _report_counts(session, ids, principal)
    return [
        CommunityEventRead(
            id=e.id,
            created_at=e.created_at,
            updated_at=e.updated_at,
            version=e.version,
            classification=e.classification,
            title=e.title,
            kind=e.kind,
            starts_at=e.starts_at,
            ends_at=e.ends_at,
            place=e.place,
            ward=e.ward,
            location=Location(lat=e.lat, lon=e.lon) if e.lat is not None and e.lon is not None else None,
            expected_attendance=e.expected_attendance,
            organiser=e.organiser,
            notes=e.notes,
            site_ids=sites.get(e.id, []),
            reports=reports.get(e.id, 0),
        )
        for e in events
    ]


def present(event: CommunityEvent, *, session: Session, principal: Principal) -> CommunityEventRead:
    """One event as `present_many` shows it."""
    return present_many([event], session=session, principal=principal)[0]


def _linked(session: Session, event_id: str) -> list[str]:
    return list(
        session.execute(
            select(col(CommunityEventSite.site_id))
            .where(col(CommunityEventSite.event_id) == event_id)
            .order_by(col(CommunityEventSite.site_id))
        ).scalars()
    )


def _snapshot(session: Session) -> records.Snapshot:
    def snapshot(event: CommunityEvent) -> dict[str, Any] | None:
        fields = event.model_dump(exclude={"created_at", "updated_at", "version"}, warnings=False)
        return audit.snapshot({**fields, "site_ids": _linked(session, event.id)})

    return snapshot


def _check_times(event: CommunityEvent) -> None:
    """A change of one end only must still leave the event ending after it starts."""
    if as_utc(event.ends_at) < as_utc(event.starts_at):
        raise Unprocessable.field("ends_at", "must not be before starts_at")


def create(session: Session, data: CommunityEventCreate, *, actor: Principal) -> CommunityEvent:
    """Add an event to the calendar."""
    site_ids = links.require(session, Site, data.site_ids, actor, field="site_ids", noun="site")
    fields = data.model_dump(exclude={"location", "site_ids"})
    location = data.location
    event = CommunityEvent(**fields, lat=location.lat if location else None, lon=location.lon if location else None)
    session.add(event)
    session.flush()
    session.add_all(CommunityEventSite(event_id=event.id, site_id=i) for i in site_ids)
    return records.create(session, event, actor=actor, snapshot=_snapshot(session))


def update(session: Session, event: CommunityEvent, data: CommunityEventUpdate, *, actor: Principal) -> CommunityEvent:
    """Change an event; `site_ids` replaces the links the actor can see and keeps the others.

    The row is held first and checked unchanged, so a stale edit touches no link before its 412.
    """
    records.hold(session, event)
    changes = data.model_dump(exclude_unset=True, exclude={"site_ids"})
    wanted = None
    if data.site_ids is not None:
        wanted = links.require(session, Site, data.site_ids, actor, field="site_ids", noun="site")
    with records.changing(session, event, actor=actor, snapshot=_snapshot(session)):
        if "location" in changes:
            location = changes.pop("location")
            event.lat, event.lon = (location["lat"], location["lon"]) if location else (None, None)
        for name, value in changes.items():
            setattr(event, name, value)
        _check_times(event)
        if wanted is not None:
            kept = links.hidden(session, Site, _linked(session, event.id), actor)
            session.execute(
                CommunityEventSite.__table__.delete().where(  # type: ignore[attr-defined]
                    col(CommunityEventSite.event_id) == event.id
                )
            )
            session.add_all(CommunityEventSite(event_id=event.id, site_id=i) for i in dict.fromkeys([*wanted, *kept]))
            session.flush()
    return event


def delete(session: Session, event: CommunityEvent, *, actor: Principal) -> None:
    """Remove an event and its site links; reports about it stay, no longer linked to it."""
    records.hold(session, event)
    session.execute(
        sa_update(TensionReport)
        .where(col(TensionReport.community_event_id) == event.id)
        .values(community_event_id=None)
        .execution_options(synchronize_session=False)
    )
    session.execute(
        CommunityEventSite.__table__.delete().where(  # type: ignore[attr-defined]
            col(CommunityEventSite.event_id) == event.id
        )
    )
    records.delete(session, event, actor=actor, snapshot=_snapshot(session))
