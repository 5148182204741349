"""Progress updates: an item's timeline, append-only (who, when, the note, status and RAG from → to)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlmodel import Session

from app.core.pagination import SortKey
from app.core.security import Principal
from app.models.prevent import PreventItem, PreventItemUpdate, ProgressUpdateRead
from app.services import records

_U: Any = PreventItemUpdate
ORDER = [SortKey(_U.created_at, True), SortKey(_U.id, True)]
"""Newest first."""


def present(entry: PreventItemUpdate, *, item_version: int | None = None) -> ProgressUpdateRead:
    """The API view of a progress update (with the item's version after it, when just made)."""
    fields = {name: getattr(entry, name) for name in ProgressUpdateRead.model_fields if name != "item_version"}
    return ProgressUpdateRead.model_validate(fields | {"item_version": item_version})


def list_statement(item: PreventItem) -> Any:
    """The timeline of an item (one the caller may see)."""
    return select(PreventItemUpdate).where(_U.item_id == item.id)


def append(
    session: Session, item: PreventItem, note: str, *, status_from: str, rag_from: str | None, actor: Principal
) -> PreventItemUpdate:
    """Add an entry for a change the item has just had (its from → to only where something changed)."""
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
    return records.create(session, entry, actor=actor, marking=item.classification)
