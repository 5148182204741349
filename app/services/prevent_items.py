"""Prevent delivery plan items and their progress updates (the item's timeline)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from operator import attrgetter
from typing import Any

from sqlalchemy import ColumnElement, Row, and_, case, exists, func, not_, or_, select
from sqlalchemy import delete as sa_delete
from sqlalchemy import update as sa_update
from sqlalchemy.orm import aliased
from sqlmodel import Session

from app.core.clock import rfc3339, today_london
from app.core.errors import Conflict, NotFound, Unprocessable
from app.core.pagination import RowView, SortKey
from app.core.security import Classification, Principal
from app.models.prevent import (
    CLOSED_STATUSES,
    ItemCreate,
    ItemRead,
    ItemStatus,
    ItemUpdate,
    PreventItem,
    PreventItemUpdate,
    PreventPlan,
    PreventPlanStatus,
    ProgressUpdateCreate,
)
from app.services import prevent_updates, records

AREA_PREFIX = {"ideology": "IDE", "institutions": "INS", "safeguarding": "SAF"}
# Automatic refs of OFFICIAL-SENSITIVE items are numbered apart (SAF-S01), so an OFFICIAL item's automatic number
# never steps over a number held by an item its creator may not see (which would tell them it exists).
MARKING_INFIX = {Classification.OFFICIAL: "", Classification.OFFICIAL_SENSITIVE: "S"}
REF_TAKEN = "The plan already has an item with this ref (refs are unique within a plan, in any case)."
_FAR_FUTURE = date(9999, 12, 31)
_NULLABLE = {"rag", "start_date", "due_date"}
_I: Any = PreventItem  # the tables' columns, typed loosely for SQL expressions
_U: Any = PreventItemUpdate


_P: Any = PreventPlan
_APPROVED = PreventPlanStatus.APPROVED.value
READ_ONLY = "This plan has been superseded by the plan now in force; it is read-only."


def superseded_clause(today: date, plan: Any = _P) -> ColumnElement[bool]:
    """SQL for a superseded plan: marked so (before plans came into force by date), or approved with a later
    approved plan that has come into force (its period has started by `today`, Europe/London)."""
    later: Any = aliased(PreventPlan)
    successor = exists().where(
        later.status == _APPROVED, later.period_start > plan.period_start, later.period_start <= today
    )
    return or_(plan.status == PreventPlanStatus.SUPERSEDED.value, and_(plan.status == _APPROVED, successor))


def in_force_statement(today: date) -> Any:
    """The id of the plan in force: the approved plan whose period contains today (the latest to start)."""
    return (
        select(_P.id)
        .where(_P.status == _APPROVED, _P.period_start <= today, _P.period_end >= today)
        .order_by(_P.period_start.desc(), _P.id.desc())
        .limit(1)
    )


def in_force_id(session: Session, today: date) -> str | None:
    """The id of the plan in force today, if there is one."""
    return session.execute(in_force_statement(today)).scalar_one_or_none()


def is_superseded(session: Session, plan_id: str, today: date) -> bool:
    """Whether the plan is superseded (so read-only)."""
    stmt = select(_P.id).where(_P.id == plan_id, superseded_clause(today))
    return session.execute(stmt).first() is not None


def require_open_plan(session: Session, plan_id: str) -> None:
    """409 when the plan is superseded: its items take no new items, changes or updates."""
    if is_superseded(session, plan_id, today_london()):
        raise Conflict(READ_ONLY)


def overdue_clause(today: date) -> ColumnElement[bool]:
    """SQL for `overdue`: due before today (Europe/London) and neither complete nor cancelled."""
    return and_(_I.due_date.is_not(None), _I.due_date < today, _I.status.not_in(CLOSED_STATUSES))


def is_overdue(item: PreventItem, today: date) -> bool:
    """The same rule in Python, for presenting one item."""
    return item.due_date is not None and item.due_date < today and item.status not in CLOSED_STATUSES


# An item's columns in the order `item_json` unpacks them: selected instead of the entity, a row reads like an item
# (`row.ref`) and costs far less to load and to present.
_FIELDS = (
    "id",
    "created_at",
    "updated_at",
    "version",
    "classification",
    "plan_id",
    "ref",
    "title",
    "description",
    "key_area",
    "owner",
    "partners",
    "status",
    "rag",
    "start_date",
    "due_date",
    "measure",
    "priority_refs",
    "continues_item_id",
)
COLUMNS = tuple(PreventItem.__table__.c[name] for name in _FIELDS)  # type: ignore[attr-defined]
_values_of = attrgetter(*_FIELDS)
_N = len(_FIELDS)
_CLOSED = frozenset(CLOSED_STATUSES)


def item_json(item: Any, *, today: date) -> dict[str, Any]:
    """An item as the API shows it (exactly `ItemRead.model_dump(mode="json")`), from an item or a row of
    `COLUMNS`; `overdue` as of `today` (Europe/London)."""
    return _item_json(item[:_N] if isinstance(item, Row) else _values_of(item), today)


def _item_json(values: Sequence[Any], today: date) -> dict[str, Any]:
    """`item_json` of an item's values in `_FIELDS` order (a row's are read by position: by name costs more)."""
    (
        id_,
        created_at,
        updated_at,
        version,
        classification,
        plan_id,
        ref,
        title,
        description,
        key_area,
        owner,
        partners,
        status,
        rag,
        start_date,
        due_date,
        measure,
        priority_refs,
        continues_item_id,
    ) = values
    return {
        "id": id_,
        "created_at": rfc3339(created_at),
        "updated_at": rfc3339(updated_at),
        "version": version,
        "classification": classification,
        "plan_id": plan_id,
        "ref": ref,
        "title": title,
        "description": description,
        "key_area": key_area,
        "owner": owner,
        "partners": list(partners),
        "status": status,
        "rag": rag,
        "start_date": None if start_date is None else start_date.isoformat(),
        "due_date": None if due_date is None else due_date.isoformat(),
        "measure": measure,
        "priority_refs": list(priority_refs),
        "overdue": due_date is not None and due_date < today and status not in _CLOSED,
        "continues_item_id": continues_item_id,
    }


def row_view(today: date) -> RowView:
    """How a page of items is read and shown (see `item_json`)."""
    return RowView(ItemRead, COLUMNS, lambda row: _item_json(row[:_N], today))


def present(item: PreventItem, *, today: date) -> ItemRead:
    """The API view of an item as a model (see `item_json`, which the list uses directly)."""
    return ItemRead.model_validate(item_json(item, today=today))


def visible_statement(principal: Principal) -> Any:
    """Items the principal may see: their own marking and their plan's must both be within clearance."""
    return _visible(principal.clearance)


@lru_cache(maxsize=4)
def _visible(clearance: Classification) -> Any:
    visible = clearance.visible()
    return (
        select(PreventItem)
        .join(PreventPlan, PreventPlan.id == _I.plan_id)
        .where(_I.classification.in_(visible), PreventPlan.classification.in_(visible))  # type: ignore[attr-defined]
    )


@dataclass(frozen=True)
class ItemFilters:
    """The filters of the item list, combined with AND."""

    plan_id: str | None = None
    key_area: str | None = None
    status: str | None = None
    rag: str | None = None
    owner: str | None = None
    overdue: bool | None = None
    q: str | None = None
    due_before: date | None = None
    due_after: date | None = None
    open: bool | None = None
    in_force: bool | None = None


def list_statement(principal: Principal, filters: ItemFilters) -> Any:
    """Visible items matching every filter; `overdue` is decided in SQL, before paging.

    Built once per clearance, filters and day, then reused (a statement is immutable, and SQLAlchemy keeps its
    compiled form with it): building one costs more than running it on a page of rows.
    """
    return _list_statement(principal.clearance, filters, today_london())


@lru_cache(maxsize=256)
def _list_statement(clearance: Classification, filters: ItemFilters, today: date) -> Any:
    stmt, f = _visible(clearance), filters
    if f.plan_id:
        stmt = stmt.where(_I.plan_id == f.plan_id)
    if f.key_area:
        stmt = stmt.where(_I.key_area == f.key_area)
    if f.status:
        stmt = stmt.where(_I.status == f.status)
    if f.open is not None:
        closed = _I.status.in_(CLOSED_STATUSES)
        stmt = stmt.where(not_(closed) if f.open else closed)
    if f.in_force is not None:
        current = _I.plan_id.in_(in_force_statement(today).scalar_subquery())
        stmt = stmt.where(current if f.in_force else not_(current))
    if f.rag:
        stmt = stmt.where(_I.rag.is_(None) if f.rag == "none" else _I.rag == f.rag)
    if f.owner:
        stmt = stmt.where(func.lower(_I.owner) == f.owner.strip().lower())
    if f.overdue is not None:
        clause = overdue_clause(today)
        stmt = stmt.where(clause if f.overdue else not_(clause))
    if f.q and f.q.strip():
        text = f.q.strip()
        stmt = stmt.where(
            or_(
                _I.ref.icontains(text, autoescape=True),
                _I.title.icontains(text, autoescape=True),
                _I.description.icontains(text, autoescape=True),
            )
        )
    if f.due_before:
        stmt = stmt.where(_I.due_date < f.due_before)
    if f.due_after:
        stmt = stmt.where(_I.due_date > f.due_after)
    return stmt


_RAG_ORDER = case({"red": 0, "amber": 1, "green": 2}, value=_I.rag, else_=3)
_STATUS_ORDER = case({"not_started": 0, "in_progress": 1, "complete": 2, "cancelled": 3}, value=_I.status, else_=4)
SORTS: dict[str, Any] = {
    "ref": _I.ref,
    "title": _I.title,
    "owner": _I.owner,
    "due_date": func.coalesce(_I.due_date, _FAR_FUTURE),  # no due date sorts last
    "rag": _RAG_ORDER,
    "status": _STATUS_ORDER,
}
SORT_PATTERN = "^-?(" + "|".join(SORTS) + ")$"


def sort_keys(sort: str | None) -> list[SortKey]:
    """A keyset-stable order: the chosen column (`-` for descending), then ref, then id."""
    return list(_sort_keys(sort))


@lru_cache(maxsize=32)
def _sort_keys(sort: str | None) -> tuple[SortKey, ...]:
    name = (sort or "ref").lstrip("-")
    if name not in SORTS:
        raise Unprocessable.field("sort", f"must be one of {', '.join(SORTS)}, optionally prefixed with -")
    descending = bool(sort and sort.startswith("-"))
    keys = [SortKey(SORTS[name], descending)]
    if name != "ref":
        keys.append(SortKey(_I.ref, descending))
    return (*keys, SortKey(_I.id, descending))


def get(session: Session, item_id: str, principal: Principal) -> PreventItem:
    """An item the principal may see, or 404."""
    item = session.execute(visible_statement(principal).where(_I.id == item_id)).scalar_one_or_none()
    if item is None:
        raise NotFound(f"There is no Prevent item with id {item_id!r}.")
    return item


def _check(item: PreventItem, *, rag_given: bool) -> None:
    """The item rules: due on or after the start; a complete item has no RAG (completing clears it)."""
    if item.start_date and item.due_date and item.due_date < item.start_date:
        raise Unprocessable.field("due_date", "cannot be before the start date")
    if item.status == ItemStatus.COMPLETE.value and item.rag is not None:
        if rag_given:
            raise Unprocessable.field("rag", "a complete item has no RAG rating")
        item.rag = None


def _plan(session: Session, plan_id: str, principal: Principal) -> PreventPlan:
    """The plan a new item goes into: one the principal may see, else 422 on plan_id."""
    plan = session.get(PreventPlan, plan_id)
    if plan is None or not principal.may_see(plan.classification):
        raise Unprocessable.field("plan_id", "is not a plan you can see")
    return plan


def _next_ref(session: Session, plan: PreventPlan, key_area: str, marking: Classification) -> str:
    """The first free automatic ref of the key area and marking (call with the plan locked)."""
    prefix = f"{AREA_PREFIX[key_area]}-{MARKING_INFIX[marking]}"
    taken = {r.lower() for r in session.execute(select(_I.ref).where(_I.plan_id == plan.id)).scalars()}
    number = 1
    while f"{prefix}{number:02d}".lower() in taken:
        number += 1
    return f"{prefix}{number:02d}"


def create(session: Session, data: ItemCreate, *, actor: Principal) -> PreventItem:
    """Add an item to a plan the actor may see; without a ref it is numbered within its key area."""
    plan = _plan(session, data.plan_id, actor)
    require_open_plan(session, plan.id)
    records.require_marking(actor, data.classification)
    item = PreventItem(**data.model_dump(exclude={"ref"}, exclude_none=True))
    _check(item, rag_given=data.rag is not None)
    if data.ref:
        item.ref = data.ref
    else:
        records.lock(session, plan)  # concurrent creates in this plan take their numbers one after another
        item.ref = _next_ref(session, plan, data.key_area.value, data.classification)
    with records.unique(session, REF_TAKEN):
        return records.create(session, item, actor=actor)


def update(session: Session, item: PreventItem, data: ItemUpdate, *, actor: Principal) -> PreventItem:
    """Change an item; a status or RAG change also goes on its timeline."""
    changes = data.model_dump(exclude_unset=True)
    for name, value in changes.items():
        if value is None and name not in _NULLABLE:
            raise Unprocessable.field(name, "cannot be empty")
    require_open_plan(session, item.plan_id)
    status_from, rag_from = item.status, item.rag
    with records.unique(session, REF_TAKEN), records.changing(session, item, actor=actor):
        for name, value in changes.items():
            setattr(item, name, value)
        _check(item, rag_given=changes.get("rag") is not None)
        if (item.status, item.rag) != (status_from, rag_from):
            note = "Changed on the edit form."
            prevent_updates.append(session, item, note, status_from=status_from, rag_from=rag_from, actor=actor)
    return item


def delete(session: Session, item: PreventItem, *, actor: Principal) -> None:
    """Remove an item and its timeline; items that continued it keep their own history."""
    require_open_plan(session, item.plan_id)
    session.execute(sa_update(PreventItem).where(_I.continues_item_id == item.id).values(continues_item_id=None))
    session.execute(sa_delete(_U).where(_U.item_id == item.id))
    records.delete(session, item, actor=actor)


def add_update(
    session: Session, item: PreventItem, data: ProgressUpdateCreate, *, actor: Principal
) -> PreventItemUpdate:
    """Append a progress update and apply its status/RAG change to the item, in the same transaction.

    A note alone leaves the item (and its version) as it was.
    """
    require_open_plan(session, item.plan_id)
    status_from, rag_from = item.status, item.rag
    with records.changing(session, item, actor=actor, action="prevent_item.progress"):
        if data.status is not None:
            item.status = data.status.value
        if "rag" in data.model_fields_set:
            item.rag = data.rag.value if data.rag else None
        _check(item, rag_given=data.rag is not None)
    return prevent_updates.append(session, item, data.note, status_from=status_from, rag_from=rag_from, actor=actor)
