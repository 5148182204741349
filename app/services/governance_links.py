"""Typed links from governance records (actions, escalations, priorities) to records of other areas.

Each link type is resolved through one entry of `RESOLVERS`: the read scope of the area it belongs to and the ids
of that type a principal may see. So:
- writing a link checks the target exists and is visible to the writer (its area's scope and its marking);
  a target that is missing, hidden or of a type with no resolver is the same 422, which reveals nothing;
- reading leaves out, silently, every link to a record the reader may not see, with one query per link type for
  the whole response (never one per record);
- replacing the links keeps those the writer cannot see (they were never theirs to remove).

A new area plugs its records in with one entry here. A link to a tension report needs `tensions:read` (a member
who only reports sees their own reports, but never through a governance link).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select
from sqlmodel import Session

from app.core.errors import Unprocessable
from app.core.security import Principal
from app.models.governance import Link, LinkType
from app.models.prepare import ContingencyPlan, Exercise, Risk
from app.models.prevent import PreventItem, PreventPlan
from app.models.protect import Site
from app.models.tensions import TensionReport
from app.services import links, prevent_items

StoredLinks = list[dict[str, str]]
Visible = frozenset[tuple[str, str]]
"""(type, id) of the linked records a reader may see, for one response."""


@dataclass(frozen=True)
class Resolver:
    """How to find the records of one link type that a principal may see."""

    scope: str
    model: Any
    visible_ids: Callable[[Principal], Select[Any]]


def _marked(model: Any) -> Callable[[Principal], Select[Any]]:
    return lambda principal: links.visible_ids(model, principal)


def _prevent_items(principal: Principal) -> Select[Any]:
    """Items whose own marking and whose plan's are both within clearance."""
    return prevent_items.visible_statement(principal).with_only_columns(PreventItem.id)  # type: ignore[arg-type]


RESOLVERS: dict[LinkType, Resolver] = {
    LinkType.PREVENT_ITEM: Resolver("prevent:read", PreventItem, _prevent_items),
    LinkType.PREVENT_PLAN: Resolver("prevent:read", PreventPlan, _marked(PreventPlan)),
    LinkType.SITE: Resolver("protect:read", Site, _marked(Site)),
    LinkType.CONTINGENCY_PLAN: Resolver("prepare:read", ContingencyPlan, _marked(ContingencyPlan)),
    LinkType.RISK: Resolver("prepare:read", Risk, _marked(Risk)),
    LinkType.EXERCISE: Resolver("prepare:read", Exercise, _marked(Exercise)),
    LinkType.TENSION_REPORT: Resolver("tensions:read", TensionReport, _marked(TensionReport)),
}

NOUNS = {
    LinkType.PREVENT_ITEM: "Prevent plan item",
    LinkType.PREVENT_PLAN: "Prevent delivery plan",
    LinkType.SITE: "site",
    LinkType.CONTINGENCY_PLAN: "contingency plan",
    LinkType.RISK: "risk",
    LinkType.EXERCISE: "exercise",
    LinkType.TENSION_REPORT: "tension report",
}


def visible(session: Session, principal: Principal, link_lists: Iterable[Sequence[dict[str, str]]]) -> Visible:
    """Which of the linked records the principal may see: one query per link type, whatever the number of records."""
    wanted: dict[str, set[str]] = defaultdict(set)
    for stored in link_lists:
        for link in stored:
            wanted[link["type"]].add(link["id"])
    found: set[tuple[str, str]] = set()
    for kind, ids in wanted.items():
        resolver = RESOLVERS.get(kind)  # type: ignore[call-overload]  # a StrEnum key is found by its value
        if resolver is None or not principal.has(resolver.scope):
            continue
        stmt = resolver.visible_ids(principal).where(resolver.model.id.in_(sorted(ids)))
        found |= {(kind, i) for i in session.execute(stmt).scalars()}
    return frozenset(found)


def shown(stored: Sequence[dict[str, str]], seen: Visible) -> list[Link]:
    """The links a reader may see, in their stored order."""
    return [Link.model_validate(link) for link in stored if (link["type"], link["id"]) in seen]


def require(session: Session, principal: Principal, wanted: Sequence[Link]) -> StoredLinks:
    """The links to store, once each; 422 naming each link whose record does not exist for the writer."""
    stored = list({(link.type.value, link.id): {"type": link.type.value, "id": link.id} for link in wanted}.values())
    seen = visible(session, principal, [stored])
    errors = [
        {"field": f"links.{n}.id", "message": f"there is no {NOUNS[LinkType(link['type'])]} you can see with this id"}
        for n, link in enumerate(stored)
        if (link["type"], link["id"]) not in seen
    ]
    if errors:
        raise Unprocessable(f"links: {errors[0]['message']} ({errors[0]['field']})", errors=errors)
    return stored


def replaced(session: Session, principal: Principal, current: StoredLinks, wanted: Sequence[Link]) -> StoredLinks:
    """The new list of links: what the writer gave (checked), then the current links they cannot see."""
    given = require(session, principal, wanted)
    seen = visible(session, principal, [current])
    kept = [link for link in current if (link["type"], link["id"]) not in seen and link not in given]
    return [*given, *kept]
