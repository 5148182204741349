"""Public warnings: drafts, the two-person approval, updates and cancellations, and what the public may read.

A warning that goes out wrongly does harm, so one person drafts it and another approves it: the author may never
approve their own, whatever their scopes. Only drafts change. An update or cancellation of a published warning is a
new draft (CAP `msgType` Update or Cancel) whose `references` names the earlier message as CAP does
(`sender,identifier,sent`); approving it supersedes or cancels the earlier one in the same transaction.
`expired` is derived on reading (a published warning whose `expires` has passed); the stored state stays
`published`, so nothing has to run when a warning runs out.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, and_, or_, select
from sqlmodel import Session, col

from app.core.clock import as_utc, cap_datetime, utcnow
from app.core.errors import Conflict, Forbidden, NotFound, PreconditionFailed
from app.core.security import Classification, Principal
from app.models.alerts import (
    Alert,
    AlertCreate,
    AlertRead,
    AlertState,
    AlertStatus,
    AlertUpdate,
    MsgType,
    PublicAlertRead,
)
from app.services import records

# The fields a follow-up (update or cancel) draft starts from: the earlier warning's words, to be edited.
_CARRIED = (
    "status",
    "category",
    "event",
    "urgency",
    "severity",
    "certainty",
    "headline",
    "description",
    "instruction",
    "web",
    "expires",
    "area",
)


@dataclass(frozen=True)
class AlertFilters:
    """The filters of the staff list, combined with AND."""

    state: AlertState | None = None
    status: AlertStatus | None = None
    msg_type: MsgType | None = None


def _state_clause(state: AlertState, now: datetime) -> Any:
    """A state as SQL: `expired` and `published` split the stored `published` by `expires`."""
    stored, expires = col(Alert.state), col(Alert.expires)
    if state is AlertState.EXPIRED:
        return and_(stored == AlertState.PUBLISHED.value, expires.is_not(None), expires <= now)
    if state is AlertState.PUBLISHED:
        return and_(stored == AlertState.PUBLISHED.value, or_(expires.is_(None), expires > now))
    return stored == state.value


def list_statement(principal: Principal, filters: AlertFilters, *, now: datetime | None = None) -> Select[Any]:
    """The warnings the principal may see that match every filter (drafts included)."""
    stmt = select(Alert).where(col(Alert.classification).in_(principal.clearance.visible()))
    if filters.state:
        stmt = stmt.where(_state_clause(filters.state, now or utcnow()))
    if filters.status:
        stmt = stmt.where(col(Alert.status) == filters.status.value)
    if filters.msg_type:
        stmt = stmt.where(col(Alert.msg_type) == filters.msg_type.value)
    return stmt


def public_statement(*, include_exercises: bool) -> Select[Any]:
    """Every message ever published (never a draft): `Actual` only, unless partners ask for exercises and tests."""
    stmt = select(Alert).where(
        col(Alert.state) != AlertState.DRAFT.value, col(Alert.classification) == Classification.OFFICIAL.value
    )
    if not include_exercises:
        stmt = stmt.where(col(Alert.status) == AlertStatus.ACTUAL.value)
    return stmt


def get(session: Session, alert_id: str, principal: Principal) -> Alert:
    """A warning the principal may see, or 404."""
    alert = session.get(Alert, alert_id)
    if alert is None or not principal.may_see(alert.classification):
        raise NotFound(f"There is no alert with id {alert_id!r}.")
    return alert


def get_published(session: Session, alert_id: str) -> Alert:
    """A message that has been published (whatever became of it since); a draft does not exist for the public."""
    alert = session.get(Alert, alert_id)
    if alert is None or alert.state == AlertState.DRAFT.value:
        raise NotFound(f"There is no published alert with id {alert_id!r}.")
    return alert


def state_of(alert: Alert, now: datetime) -> AlertState:
    """The state as read: a published warning past its `expires` is `expired`."""
    if alert.state == AlertState.PUBLISHED.value and alert.expires is not None and as_utc(alert.expires) <= now:
        return AlertState.EXPIRED
    return AlertState(alert.state)


def present(alert: Alert, *, now: datetime | None = None) -> AlertRead:
    """A warning for staff, with its derived state."""
    return AlertRead.model_validate(_fields(alert, now or utcnow()))


def present_public(alert: Alert, *, now: datetime | None = None) -> PublicAlertRead:
    """A published message for anyone: without who drafted or approved it."""
    return PublicAlertRead.model_validate(_fields(alert, now or utcnow()))


def _fields(alert: Alert, now: datetime) -> dict[str, Any]:
    fields = alert.model_dump()
    fields["state"] = state_of(alert, now)
    return fields


def create(session: Session, data: AlertCreate, *, actor: Principal, sender: str) -> Alert:
    """Save a new warning as a draft, with its CAP identifier (a URN that never changes) and sender."""
    fields = data.model_dump(mode="python")
    alert = Alert(
        **fields | {"expires": _whole_seconds(data.expires)},
        identifier=f"urn:uuid:{uuid.uuid4()}",
        sender=sender,
        msg_type=MsgType.ALERT.value,
        author_id=actor.id,
        author=actor.display_name or actor.name,
    )
    return records.create(session, alert, actor=actor)


def update(session: Session, alert: Alert, data: AlertUpdate, *, actor: Principal) -> Alert:
    """Change a draft; a published message is never changed (an update or a cancellation follows it instead)."""
    _require_draft(alert, "changed")
    changes = data.model_dump(exclude_unset=True, mode="python")
    if "expires" in changes:
        changes["expires"] = _whole_seconds(data.expires)
    with records.changing(session, alert, actor=actor):
        for name, value in changes.items():
            setattr(alert, name, value)
    return alert


def approve(session: Session, alert: Alert, *, actor: Principal) -> Alert:
    """Publish a draft: someone other than its author approves it; it is sent now.

    The draft's row is locked and read again first, so of two approvals at once the second waits and then finds
    it published (409); and a draft changed after the approver read it (after the router checked If-Match) is a
    412, never published unseen. An update or cancellation then supersedes or cancels the earlier message, also
    locked first: two follow-ups of one message cannot both replace it.
    """
    if alert.author_id == actor.id:
        raise Forbidden("You drafted this alert, so someone else must approve it.")
    seen = alert.version
    session.refresh(alert, with_for_update=True)
    _require_draft(alert, "approved")
    if alert.version != seen:
        raise PreconditionFailed()
    now = utcnow().replace(microsecond=0)
    if alert.expires is not None and as_utc(alert.expires) <= now:
        raise Conflict("This alert's expiry time has passed: change it before approving.")
    if alert.previous_id:
        _end_previous(session, alert, actor=actor)
    with records.changing(session, alert, actor=actor, action="alert.approve"):
        alert.state, alert.sent = AlertState.PUBLISHED.value, now
        alert.approved_by = actor.display_name or actor.name
    return alert


def _end_previous(session: Session, alert: Alert, *, actor: Principal) -> None:
    previous = session.get(Alert, alert.previous_id)
    if previous is None:
        raise Conflict("The alert this one follows no longer exists.")
    session.refresh(previous, with_for_update=True)
    if previous.state != AlertState.PUBLISHED.value:
        raise Conflict(f"The alert this one follows is already {previous.state}: start again from the current one.")
    cancelling = alert.msg_type == MsgType.CANCEL.value
    ended = AlertState.CANCELLED if cancelling else AlertState.SUPERSEDED
    action = "alert.cancel" if cancelling else "alert.supersede"
    with records.changing(session, previous, actor=actor, action=action):
        previous.state = ended.value


def follow_up(session: Session, alert: Alert, msg_type: MsgType, *, actor: Principal) -> Alert:
    """A new draft that updates or cancels a published warning, naming it (and what it named) in `references`."""
    state = state_of(alert, utcnow())
    if state is not AlertState.PUBLISHED or alert.sent is None:
        raise Conflict(f"Only a published alert can be updated or cancelled; this one is {state.value}.")
    if alert.msg_type == MsgType.CANCEL.value:
        raise Conflict("This message is itself a cancellation: it cannot be updated or cancelled.")
    earlier = f"{alert.sender},{alert.identifier},{cap_datetime(alert.sent)}"
    draft = Alert(
        **{name: getattr(alert, name) for name in _CARRIED},
        identifier=f"urn:uuid:{uuid.uuid4()}",
        sender=alert.sender,
        msg_type=msg_type.value,
        references=" ".join(filter(None, [alert.references, earlier])),
        previous_id=alert.id,
        author_id=actor.id,
        author=actor.display_name or actor.name,
    )
    return records.create(session, draft, actor=actor)


def _require_draft(alert: Alert, verb: str) -> None:
    if alert.state != AlertState.DRAFT.value:
        raise Conflict(f"Only a draft can be {verb}; this alert is {alert.state}.")


def _whole_seconds(value: datetime | None) -> datetime | None:
    """CAP times carry no fractions of a second; stored the same, the API and the CAP document agree."""
    return value.replace(microsecond=0) if value is not None else None
