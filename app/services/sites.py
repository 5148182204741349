"""The site register: filters, geography, derived fields, classification."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from operator import attrgetter
from typing import Any

from sqlalchemy import Row, Select, and_, bindparam, func, or_, select
from sqlalchemy import delete as sa_delete
from sqlmodel import Session, col

from app.core.clock import rfc3339, today_london
from app.core.errors import NotFound
from app.core.pagination import RowView
from app.core.rows import rows as statement_rows
from app.core.security import Classification, Principal
from app.models.protect import (
    ENHANCED_FROM,
    STANDARD_FROM,
    SecurityAssessment,
    Site,
    SiteCreate,
    SiteRead,
    SiteUpdate,
    Tier,
)
from app.models.threat_level import ResponseLevel
from app.services import audit, geo, records

OUTSIDE_UK = "The location is outside the UK's rough bounding box: check latitude and longitude are not swapped."


@dataclass(frozen=True)
class SiteFilters:
    """The filters of a site list, combined with AND."""

    category: str | None = None
    ward: str | None = None
    tier: Tier | None = None
    review_overdue: bool | None = None
    q: str | None = None
    bbox: geo.BBox | None = None


@dataclass(frozen=True)
class Near:
    """A `near` query: a point and a radius."""

    lat: float
    lon: float
    radius_m: float


def _tier_clause(tier: Tier) -> Any:
    """The tier as capacity ranges, so the filter runs in SQL on the capacity index."""
    capacity = col(Site.capacity)
    return {
        Tier.ENHANCED: capacity >= ENHANCED_FROM,
        Tier.STANDARD: and_(capacity >= STANDARD_FROM, capacity < ENHANCED_FROM),
        Tier.OUT_OF_SCOPE: capacity < STANDARD_FROM,
        Tier.UNKNOWN: capacity.is_(None),
    }[tier]


def _within(box: geo.BBox) -> Any:
    return and_(
        col(Site.lat).between(box.min_lat, box.max_lat),
        col(Site.lon).between(box.min_lon, box.max_lon),
    )


def list_statement(principal: Principal, filters: SiteFilters, *, today: date | None = None) -> Select[Any]:
    """The sites the principal may see that match every filter.

    Built once per clearance, filters and day, then reused (a statement is immutable, and SQLAlchemy keeps its
    compiled form with it): building one costs more than running it on a page of rows.
    """
    return _list_statement(principal.clearance, filters, today or today_london())


@lru_cache(maxsize=256)
def _list_statement(clearance: Classification, filters: SiteFilters, today: date) -> Select[Any]:
    stmt = select(Site).where(col(Site.classification).in_(clearance.visible()))
    if filters.category:
        stmt = stmt.where(col(Site.category) == filters.category)
    if filters.ward:
        stmt = stmt.where(func.lower(col(Site.ward)) == filters.ward.strip().lower())
    if filters.tier:
        stmt = stmt.where(_tier_clause(filters.tier))
    if filters.review_overdue is not None:
        due = col(Site.next_review_due)
        overdue = and_(due.is_not(None), due < today)
        stmt = stmt.where(overdue if filters.review_overdue else or_(due.is_(None), due >= today))
    if filters.q:
        like = f"%{filters.q.strip().lower()}%"
        stmt = stmt.where(
            or_(
                *(
                    func.lower(c).like(like)
                    for c in (col(Site.name), col(Site.address), col(Site.postcode), col(Site.operator))
                )
            )
        )
    if filters.bbox:
        stmt = stmt.where(_within(filters.bbox))
    return stmt


# A site's columns in the order `site_json` unpacks them: selected instead of the entity, a row reads like a Site
# (`row.name`) and costs far less to load and to present.
_FIELDS = (
    "id",
    "created_at",
    "updated_at",
    "version",
    "classification",
    "name",
    "category",
    "address",
    "postcode",
    "ward",
    "uprn",
    "lat",
    "lon",
    "capacity",
    "response_level",
    "protective_measures",
    "operator",
    "last_assessed_on",
    "next_review_due",
)
COLUMNS = tuple(Site.__table__.c[name] for name in _FIELDS)  # type: ignore[attr-defined]
_values_of = attrgetter(*_FIELDS)


def near(session: Session, stmt: Select[Any], point: Near) -> list[tuple[Any, float]]:
    """Sites of the statement within the radius, nearest first (ties by id), with their distances.

    A bounding box on the (lat, lon) index narrows the candidates; the exact great-circle distance decides. The
    sites are rows of `COLUMNS` (they read like a Site), for `site_json`.
    """
    box = geo.bbox_around(point.lat, point.lon, point.radius_m)
    found = []
    for site in session.execute(stmt.where(_within(box)).with_only_columns(*COLUMNS)):
        distance = round(geo.haversine_m(point.lat, point.lon, site.lat, site.lon), 2)
        if distance <= point.radius_m:
            found.append((site, distance))
    found.sort(key=lambda pair: (pair[1], pair[0].id))
    return found


_ENHANCED, _STANDARD, _OUT_OF_SCOPE, _UNKNOWN = (
    Tier.ENHANCED.value,
    Tier.STANDARD.value,
    Tier.OUT_OF_SCOPE.value,
    Tier.UNKNOWN.value,
)
_LEVELS = {level.value: level.value for level in ResponseLevel}
_N = len(_FIELDS)


def site_json(
    site: Any,
    *,
    sensitive: bool,
    default_level: str | None,
    today: date,
    distance_m: float | None = None,
) -> dict[str, Any]:
    """A site as the API shows it (exactly `SiteRead.model_dump(mode="json")`), from a Site or a row of `COLUMNS`.

    Protective measures only when `sensitive` (the reader is cleared for OFFICIAL-SENSITIVE); `default_level` is
    the level the current UK threat level implies (looked up once per request); `today` decides review_overdue.
    """
    values = site[:_N] if isinstance(site, Row) else _values_of(site)
    return _site_json(values, sensitive, default_level, today, distance_m)


def _site_json(
    values: Sequence[Any], sensitive: bool, default_level: str | None, today: date, distance_m: float | None
) -> dict[str, Any]:
    """`site_json` of a site's values in `_FIELDS` order (a row's are read by position: by name costs more)."""
    (
        id_,
        created_at,
        updated_at,
        version,
        classification,
        name,
        category,
        address,
        postcode,
        ward,
        uprn,
        lat,
        lon,
        capacity,
        own,
        measures,
        operator,
        last_assessed_on,
        due,
    ) = values
    if own is not None:
        own = _LEVELS[own] if own in _LEVELS else ResponseLevel(own).value  # an unknown level fails as the model would
    if capacity is None:
        tier = _UNKNOWN
    else:  # tier_of, without an enum member per row
        tier = _ENHANCED if capacity >= ENHANCED_FROM else _STANDARD if capacity >= STANDARD_FROM else _OUT_OF_SCOPE
    return {
        "id": id_,
        "created_at": rfc3339(created_at),
        "updated_at": rfc3339(updated_at),
        "version": version,
        "classification": classification,
        "name": name,
        "category": category,
        "address": address,
        "postcode": postcode,
        "ward": ward,
        "uprn": uprn,
        "location": {"lat": lat, "lon": lon},
        "capacity": capacity,
        "martyns_law_tier": tier,
        "response_level": own or default_level,
        "site_response_level": own,
        "protective_measures": list(measures) if sensitive else None,
        "operator": operator,
        "last_assessed_on": None if last_assessed_on is None else last_assessed_on.isoformat(),
        "next_review_due": None if due is None else due.isoformat(),
        "review_overdue": due is not None and due < today,
        "distance_m": distance_m,
        "warnings": [] if geo.in_uk(lat, lon) else [OUTSIDE_UK],
    }


def row_view(principal: Principal, *, default_level: ResponseLevel | None, today: date) -> RowView:
    """How a page of sites is read and shown to this principal (see `site_json`)."""
    sensitive = principal.may_see(Classification.OFFICIAL_SENSITIVE)
    level = default_level.value if default_level else None
    return RowView(SiteRead, COLUMNS, lambda row: _site_json(row[:_N], sensitive, level, today, None))


def present(
    site: Any,
    *,
    principal: Principal,
    default_level: ResponseLevel | None,
    today: date | None = None,
    distance_m: float | None = None,
) -> SiteRead:
    """A site with its derived fields as a model (see `site_json`, which the lists use directly)."""
    fields = site_json(
        site,
        sensitive=principal.may_see(Classification.OFFICIAL_SENSITIVE),
        default_level=default_level.value if default_level else None,
        today=today or today_london(),
        distance_m=distance_m,
    )
    return SiteRead.model_validate(fields)


def _stored(site: Site) -> dict[str, Any] | None:
    """A site's stored fields for the audit log (the measures included: the log is audit:read only)."""
    return audit.snapshot(site.model_dump(exclude={"created_at", "updated_at"}))


def get(session: Session, site_id: str, principal: Principal) -> Site:
    """A site the principal may see, or 404 (a site above their clearance does not exist for them)."""
    site = session.get(Site, site_id)
    if site is None or not principal.may_see(site.classification):
        raise NotFound(f"There is no site with id {site_id!r}.")
    return site


_ONE_ROW = select(*COLUMNS).where(Site.__table__.c.id == bindparam("site_id"))  # type: ignore[attr-defined]


def get_row(session: Session, site_id: str, principal: Principal) -> Any:
    """`get` for reading only: the site as a row of `COLUMNS` (for `site_json`), with no ORM object; the same 404."""
    found = statement_rows(session, _ONE_ROW, {"site_id": site_id})
    row = found[0] if found else None
    if row is None or not principal.may_see(row.classification):
        raise NotFound(f"There is no site with id {site_id!r}.")
    return row


def create(session: Session, data: SiteCreate, *, actor: Principal) -> Site:
    """Add a site to the register."""
    fields = data.model_dump(exclude={"location"})
    site = Site(**fields, lat=data.location.lat, lon=data.location.lon)
    return records.create(session, site, actor=actor, snapshot=_stored)


def update(session: Session, site: Site, data: SiteUpdate, *, actor: Principal) -> Site:
    """Change a site; null clears an optional field."""
    changes = data.model_dump(exclude_unset=True)
    location = changes.pop("location", None)
    with records.changing(session, site, actor=actor, snapshot=_stored):
        if location is not None:
            site.lat, site.lon = location["lat"], location["lon"]
        for name, value in changes.items():
            setattr(site, name, value)
    return site


def delete(session: Session, site: Site, *, actor: Principal) -> None:
    """Remove a site, its assessments and the contingency plans' links to it.

    The site row is held first, as every change to its assessments holds it first: one lock order, no deadlock.
    """
    records.lock(session, site)
    session.execute(sa_delete(SecurityAssessment).where(col(SecurityAssessment.site_id) == site.id))
    records.delete(session, site, actor=actor, snapshot=_stored)
