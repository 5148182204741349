"""Demonstration public warnings: a published exercise message, a warning published then cancelled, and a draft.

Drafted by the demo officer and approved by the demo EMT member (two people, as the service requires), through the
services. Invented; no personal data. Loading is idempotent (skipped once any warning exists).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import select
from sqlmodel import Session, col

from app.core.clock import utcnow
from app.core.security import ROLE_SCOPES, Classification, Principal, Role
from app.core.settings import get_settings
from app.models.alerts import Alert, AlertCreate, AlertUpdate, MsgType
from app.models.identity import User
from app.services import alerts

ORDER = 70


def _person(session: Session, username: str, role: Role) -> Principal:
    """A demo user as the principal the API would see (their real id, so the two-person rule holds on pages)."""
    user = session.execute(select(User).where(col(User.username) == username)).scalar_one_or_none()
    return Principal(
        id=user.id if user else f"demo-{username}",
        kind="user",
        name=username,
        organisation=user.organisation if user else "Council",
        scopes=ROLE_SCOPES[role],
        clearance=Classification.OFFICIAL_SENSITIVE,
        role=role,
        display_name=user.name if user else username,
    )


def _warning(**fields: Any) -> AlertCreate:
    return AlertCreate.model_validate(
        {
            "category": ["Security"],
            "event": "Security incident",
            "urgency": "Immediate",
            "severity": "Severe",
            "certainty": "Observed",
            "instruction": "Stay away from the area. Follow the instructions of the police. In an emergency call 999.",
            "web": "https://www.protectuk.police.uk/",
            **fields,
        }
    )


EXERCISE = _warning(
    status="Exercise",
    headline="EXERCISE: Leicester Square closed (exercise Watchtower)",
    description="This is an exercise message, sent to test the council's warning systems with partners. "
    "There is no incident.",
    area={
        "description": "Leicester Square and the streets around it",
        "wards": ["St James's", "West End"],
        "circle": {"lat": 51.51032, "lon": -0.13015, "radius_km": 0.4},
    },
)
CANCELLED = _warning(
    category=["Safety", "Transport"],
    event="Suspicious item",
    urgency="Expected",
    severity="Moderate",
    certainty="Possible",
    headline="Avoid Oxford Circus while police check a suspicious item",
    description="Police have closed the area around Oxford Circus station while they check a suspicious item. "
    "Buses are diverted.",
    area={
        "description": "Oxford Circus and Regent Street north of Great Marlborough Street",
        "wards": ["West End"],
        "polygon": [[51.5166, -0.1436], [51.5166, -0.1395], [51.5137, -0.1395], [51.5137, -0.1436]],
    },
)
DRAFT = _warning(
    category=["Security"],
    urgency="Expected",
    severity="Moderate",
    certainty="Likely",
    headline="Road closures around Whitehall for the Remembrance Sunday service",
    description="Roads around Whitehall close from 6am. Allow extra time and expect bag searches.",
    instruction="Arrive early, carry as little as you can and follow the stewards' directions.",
    area={"description": "Whitehall, Parliament Street and the roads off them", "wards": ["St James's"]},
)


def load(session: Session, report: Any) -> None:
    """The three demonstration warnings (skipped if any warning exists)."""
    if session.execute(select(col(Alert.id)).limit(1)).first():
        return
    author, approver = _person(session, "officer", Role.OFFICER), _person(session, "emt", Role.EMT)
    sender = get_settings().cap_sender
    exercise = alerts.create(session, EXERCISE, actor=author, sender=sender)
    alerts.approve(session, exercise, actor=approver)

    data = CANCELLED.model_copy(update={"expires": utcnow() + timedelta(days=2)})
    warning = alerts.create(session, data, actor=author, sender=sender)
    alerts.approve(session, warning, actor=approver)
    cancel = alerts.follow_up(session, warning, MsgType.CANCEL, actor=author)
    reopened = "Police have finished checking the item. Oxford Circus has reopened and buses run as normal."
    cancel = alerts.update(session, cancel, AlertUpdate(description=reopened, instruction=""), actor=author)
    alerts.approve(session, cancel, actor=approver)

    alerts.create(session, DRAFT, actor=author, sender=sender)
    report.notes.append(
        "Public warnings: an exercise message and a cancelled warning (drafted by officer, approved by emt), and a "
        "draft awaiting approval; the public see /alerts, /alerts.atom and /be-prepared without signing in."
    )
