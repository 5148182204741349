"""Links between classified records (a plan covers sites, answers risks, is tested by exercises).

A linked record the caller may not see does not exist for them: its id is left out of what they read, a filter on
it matches nothing, linking to it is the same 422 as linking to an unknown id, and replacing the links they see
keeps the ones they do not.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import Select, select
from sqlmodel import Session

from app.core.errors import Unprocessable
from app.core.security import Principal


def visible_ids(model: Any, principal: Principal) -> Select[Any]:
    """The ids of a classified table that the principal may see, as a subquery for filters."""
    return select(model.id).where(model.classification.in_(principal.clearance.visible()))


def visible(session: Session, model: Any, ids: Iterable[str], principal: Principal) -> list[str]:
    """Those ids (in their order, once each) that exist and that the principal may see."""
    wanted = list(dict.fromkeys(ids))
    if not wanted:
        return []
    found = set(session.execute(visible_ids(model, principal).where(model.id.in_(wanted))).scalars())
    return [i for i in wanted if i in found]


def hidden(session: Session, model: Any, ids: Sequence[str], principal: Principal) -> list[str]:
    """Those ids the principal may not see (kept when they replace the links they can see)."""
    seen = set(visible(session, model, ids, principal))
    return [i for i in ids if i not in seen]


def require(
    session: Session, model: Any, ids: Sequence[str], principal: Principal, *, field: str, noun: str
) -> list[str]:
    """The ids, once each; 422 naming the field when any is unknown (or hidden from the caller, which looks the
    same)."""
    found = set(visible(session, model, ids, principal))
    missing = [i for i in dict.fromkeys(ids) if i not in found]
    if missing:
        raise Unprocessable.field(field, f"unknown {noun}: {', '.join(missing[:10])}")
    return list(dict.fromkeys(ids))
