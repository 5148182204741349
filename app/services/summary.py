"""The EMT dashboard's counts, built from each area's own list queries so the rules live in one place."""

from __future__ import annotations

import threading
import time
from collections.abc import Hashable
from typing import Any

from sqlalchemy import func, select
from sqlmodel import Session

from app.core.clock import today_london
from app.core.security import Principal
from app.models.prepare import RiskRating
from app.models.prevent import PreventPlanStatus
from app.models.protect import Tier
from app.models.summary import PrepareSummary, PreventSummary, ProtectSummary, Summary
from app.services import contingency_plans, lessons, prevent, prevent_items, risks, sites, threat_level
from app.services.contingency_plans import ContingencyPlanFilters
from app.services.lessons import LessonFilters
from app.services.prevent import PlanFilters
from app.services.prevent_items import ItemFilters
from app.services.risks import RiskFilters
from app.services.sites import SiteFilters


def _count(session: Session, stmt: Any) -> int:
    return int(session.execute(select(func.count()).select_from(stmt.order_by(None).subquery())).scalar_one())


def _prevent(session: Session, principal: Principal) -> PreventSummary:
    """Item counts of the plan in force only (the approved plan whose period contains today), each exactly what
    the item list gives with `in_force=true` and the same filter; plans awaiting approval are the submitted ones."""

    def items(**filters: Any) -> int:
        return _count(session, prevent_items.list_statement(principal, ItemFilters(in_force=True, **filters)))

    in_force = prevent_items.in_force_id(session, today_london())
    if in_force is not None and not principal.may_see(prevent.get_marking(session, in_force)):
        in_force = None
    submitted = PlanFilters(status=PreventPlanStatus.SUBMITTED)
    return PreventSummary(
        items=items(),
        open_items=items(open=True),
        overdue=items(overdue=True),
        red=items(rag="red"),
        amber=items(rag="amber"),
        plans_awaiting_approval=_count(session, prevent.list_statement(principal, submitted)),
        plan_in_force_id=in_force,
    )


def _protect(session: Session, principal: Principal) -> ProtectSummary:
    def count(**filters: Any) -> int:
        return _count(session, sites.list_statement(principal, SiteFilters(**filters)))

    return ProtectSummary(
        sites=count(),
        enhanced_tier=count(tier=Tier.ENHANCED),
        standard_tier=count(tier=Tier.STANDARD),
        review_overdue=count(review_overdue=True),
    )


def _prepare(session: Session, principal: Principal, risk_matrix: str) -> PrepareSummary:
    level = contingency_plans.response_level(session)
    matrix = risks.parse_matrix(risk_matrix)

    def plans(**filters: Any) -> int:
        stmt = contingency_plans.list_statement(principal, ContingencyPlanFilters(**filters), level=level)
        return _count(session, stmt)

    def rated(rating: RiskRating | None = None) -> int:
        return _count(session, risks.list_statement(principal, RiskFilters(rating=rating), matrix=matrix))

    return PrepareSummary(
        plans=plans(),
        active_now=plans(active_now=True),
        review_overdue=plans(review_overdue=True),
        exercise_overdue=plans(exercise_overdue=True),
        risks=rated(),
        risks_very_high=rated(RiskRating.VERY_HIGH),
        risks_high=rated(RiskRating.HIGH),
        lessons_overdue=_count(
            session, lessons.list_statement(principal, LessonFilters(overdue=True), today=today_london())
        ),
    )


def summarise(session: Session, principal: Principal, *, risk_matrix: str) -> Summary:
    """Counts for every area the principal may read, over the records their clearance allows."""
    return Summary(
        threat_level=threat_level.current(session).read,
        prevent=_prevent(session, principal) if principal.has("prevent:read") else None,
        protect=_protect(session, principal) if principal.has("protect:read") else None,
        prepare=_prepare(session, principal, risk_matrix) if principal.has("prepare:read") else None,
    )


class SummaryCache:
    """Summaries kept for `ttl` seconds per clearance, scope set and risk matrix (what decides the counts).

    The key also holds a generation the caller passes (how many changes its process has committed): any change
    committed in this process makes every entry out of date at once; a change made by another process (a second
    server, the feed worker) shows within `ttl` seconds. A summary computed while a change committed is filed
    under the generation read before it began, so it is never served after that change.
    """

    def __init__(self, ttl: float = 5.0) -> None:
        self.ttl = ttl
        self._entries: dict[Hashable, tuple[float, Summary]] = {}
        self._lock = threading.Lock()

    @staticmethod
    def key(principal: Principal, risk_matrix: str, generation: Hashable) -> Hashable:
        """What a summary depends on: never the principal's identity, only their clearance and scopes."""
        return (principal.clearance, principal.scopes, risk_matrix, generation)

    def peek(self, key: Hashable) -> Summary | None:
        """A fresh summary for the key, or None."""
        entry = self._entries.get(key)
        return entry[1] if entry is not None and time.monotonic() - entry[0] < self.ttl else None

    def put(self, key: Hashable, summary: Summary, computed_at: float) -> None:
        """Keep a summary computed from `computed_at` (monotonic) on."""
        if self.ttl <= 0:
            return
        with self._lock:
            if len(self._entries) > 256:
                self._entries.clear()
            self._entries[key] = (computed_at, summary)

    def clear(self) -> None:
        """Forget every summary."""
        with self._lock:
            self._entries.clear()


CACHE = SummaryCache()


def cached_summary(key: Hashable) -> Summary | None:
    """The summary for a cache key if one is fresh (no database needed)."""
    return CACHE.peek(key)


def summarise_into_cache(session: Session, principal: Principal, *, risk_matrix: str, key: Hashable) -> Summary:
    """Compute the summary and keep it under the key (built by the caller before anything was read)."""
    started = time.monotonic()
    result = summarise(session, principal, risk_matrix=risk_matrix)
    CACHE.put(key, result, started)
    return result
