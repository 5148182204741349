"""Prevent delivery plan items and their progress updates (the item's timeline)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, and_, case, func, not_, or_, select, update
from sqlalchemy import delete as sa_delete
from sqlmodel import Session

from app.core.clock import today_london, utcnow
from app.core.errors import Conflict, Forbidden, NotFound, Unprocessable
from app.core.pagination import SortKey
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
    ProgressUpdateCreate,
    ProgressUpdateRead,
    Rag,
)
from app.services import audit

AREA_PREFIX = {"ideology": "IDE", "institutions": "INS", "safeguarding": "SAF"}
_FAR_FUTURE = date(9999, 12, 31)
_NULLABLE = {"rag", "start_date", "due_date"}
_I: Any = PreventItem  # the tables' columns, typed loosely for SQL expressions
_U: Any = PreventItemUpdate


def overdue_clause(today: date) -> ColumnElement[bool]:
    """SQL for `overdue`: due before today (Europe/London) and neither complete nor cancelled."""
    return and_(_I.due_date.is_not(None), _I.due_date < today, _I.status.not_in(CLOSED_STATUSES))


def is_overdue(item: PreventItem, today: date) -> bool:
    """The same rule in Python, for presenting one item."""
    return item.due_date is not None and item.due_date < today and item.status not in CLOSED_STATUSES


def present(item: PreventItem, today: date | None = None) -> ItemRead:
    """The API view of an item."""
    fields = {name: getattr(item, name) for name in ItemRead.model_fields if name != "overdue"}
    return ItemRead.model_validate(fields | {"overdue": is_overdue(item, today or today_london())})


def visible_statement(principal: Principal) -> Any:
    """Items the principal may see: their own marking and their plan's must both be within clearance."""
    visible = principal.clearance.visible()
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


def list_statement(principal: Principal, filters: ItemFilters) -> Any:
    """Visible items matching every filter; `overdue` is decided in SQL, before paging."""
    stmt = visible_statement(principal)
    f = filters
    if f.plan_id:
        stmt = stmt.where(_I.plan_id == f.plan_id)
    if f.key_area:
        stmt = stmt.where(_I.key_area == f.key_area)
    if f.status:
        stmt = stmt.where(_I.status == f.status)
    if f.rag:
        stmt = stmt.where(_I.rag.is_(None) if f.rag == "none" else _I.rag == f.rag)
    if f.owner:
        stmt = stmt.where(func.lower(_I.owner) == f.owner.strip().lower())
    if f.overdue is not None:
        clause = overdue_clause(today_london())
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
    name = (sort or "ref").lstrip("-")
    if name not in SORTS:
        raise Unprocessable.field("sort", f"must be one of {', '.join(SORTS)}, optionally prefixed with -")
    descending = bool(sort and sort.startswith("-"))
    keys = [SortKey(SORTS[name], descending)]
    if name != "ref":
        keys.append(SortKey(_I.ref, descending))
    return [*keys, SortKey(_I.id, descending)]


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


def _check_marking(principal: Principal, marking: Classification) -> None:
    if not principal.may_see(marking):
        raise Forbidden(f"You cannot mark a record {marking.value}: it is above your clearance.")


def _check_ref_free(session: Session, principal: Principal, plan_id: str, ref: str, item_id: str | None) -> None:
    stmt = visible_statement(principal).where(_I.plan_id == plan_id, func.lower(_I.ref) == ref.lower())
    if item_id:
        stmt = stmt.where(_I.id != item_id)
    if session.execute(stmt.limit(1)).first():
        raise Conflict(f"The plan already has an item {ref!r}.")


def _next_ref(session: Session, plan_id: str, key_area: str) -> str:
    prefix = AREA_PREFIX[key_area]
    taken = {r.lower() for r in session.execute(select(_I.ref).where(_I.plan_id == plan_id)).scalars()}
    number = 1
    while f"{prefix}-{number:02d}".lower() in taken:
        number += 1
    return f"{prefix}-{number:02d}"


def create(session: Session, data: ItemCreate, plan: PreventPlan, *, actor: Principal) -> PreventItem:
    """Add an item to a plan the actor may see."""
    _check_marking(actor, data.classification)
    values = data.model_dump(exclude_unset=False, exclude_none=True)
    values.pop("ref", None)
    item = PreventItem(**values)
    item.ref = data.ref or _next_ref(session, plan.id, data.key_area.value)
    _check_ref_free(session, actor, plan.id, item.ref, None)
    _check(item, rag_given=data.rag is not None)
    session.add(item)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="prevent_item.create",
        entity_type="prevent_item",
        entity_id=item.id,
        after=audit.snapshot(present(item)),
    )
    return item


def update_item(session: Session, item: PreventItem, data: ItemUpdate, *, actor: Principal) -> PreventItem:
    """Change an item; a status or RAG change also goes on its timeline."""
    before = present(item)
    changes = data.model_dump(exclude_unset=True)
    for name, value in changes.items():
        if value is None and name not in _NULLABLE:
            raise Unprocessable.field(name, "cannot be empty")
    if "classification" in changes:
        _check_marking(actor, Classification(changes["classification"]))
    if "ref" in changes:
        _check_ref_free(session, actor, item.plan_id, changes["ref"], item.id)
    for name, value in changes.items():
        setattr(item, name, value.value if isinstance(value, Classification) else value)
    _check(item, rag_given=changes.get("rag") is not None)
    if item.status != before.status.value or item.rag != (before.rag.value if before.rag else None):
        _append_update(
            session,
            item,
            actor,
            "Changed on the edit form.",
            before.status.value,
            before.rag.value if before.rag else None,
        )
    return _saved(session, item, actor, "prevent_item.update", before)


def delete(session: Session, item: PreventItem, *, actor: Principal) -> None:
    """Remove an item and its timeline; items that continued it keep their own history."""
    before = audit.snapshot(present(item))
    session.execute(update(PreventItem).where(_I.continues_item_id == item.id).values(continues_item_id=None))
    session.execute(sa_delete(_U).where(_U.item_id == item.id))
    session.delete(item)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="prevent_item.delete",
        entity_type="prevent_item",
        entity_id=item.id,
        before=before,
    )


def add_update(
    session: Session, item: PreventItem, data: ProgressUpdateCreate, *, actor: Principal
) -> PreventItemUpdate:
    """Append a progress update and apply its status/RAG change to the item, in the same transaction."""
    status_from, rag_from = item.status, item.rag
    if data.status is not None:
        item.status = data.status.value
    if "rag" in data.model_fields_set:
        item.rag = data.rag.value if data.rag else None
    _check(item, rag_given=data.rag is not None)
    entry = _append_update(session, item, actor, data.note, status_from, rag_from)
    _saved(session, item, actor, "prevent_item.progress", present_with(status_from, rag_from, item))
    audit.record(
        session,
        actor=actor,
        action="prevent_item_update.create",
        entity_type="prevent_item_update",
        entity_id=entry.id,
        after=audit.snapshot(present_update(entry, item.version)),
    )
    return entry


def present_with(status: str, rag: str | None, item: PreventItem) -> ItemRead:
    """The item as it was before a change of status and RAG (for the audit's before)."""
    return present(item).model_copy(update={"status": ItemStatus(status), "rag": Rag(rag) if rag else None})


def _append_update(
    session: Session, item: PreventItem, actor: Principal, note: str, status_from: str, rag_from: str | None
) -> PreventItemUpdate:
    status_changed, rag_changed = item.status != status_from, item.rag != rag_from
    entry = PreventItemUpdate(
        item_id=item.id,
        note=note,
        status_from=status_from if status_changed else None,
        status_to=item.status if status_changed else None,
        rag_from=rag_from if rag_changed else None,
        rag_to=item.rag if rag_changed else None,
        author=actor.display_name or actor.name,
        author_organisation=actor.organisation,
    )
    session.add(entry)
    return entry


def _saved(session: Session, item: PreventItem, actor: Principal, action: str, before: ItemRead) -> PreventItem:
    item.updated_at, item.version = utcnow(), item.version + 1
    session.flush()
    old, new = audit.changed(audit.snapshot(before), audit.snapshot(present(item)))
    audit.record(
        session,
        actor=actor,
        action=action,
        entity_type="prevent_item",
        entity_id=item.id,
        before=old,
        after=new,
    )
    return item


def present_update(entry: PreventItemUpdate, item_version: int | None = None) -> ProgressUpdateRead:
    """The API view of a progress update."""
    fields = {name: getattr(entry, name) for name in ProgressUpdateRead.model_fields if name != "item_version"}
    return ProgressUpdateRead.model_validate(fields | {"item_version": item_version})


def updates_statement(item_id: str) -> Any:
    """An item's timeline."""
    return select(_U).where(_U.item_id == item_id)


UPDATE_ORDER = [SortKey(_U.created_at, True), SortKey(_U.id, True)]
