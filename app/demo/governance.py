"""Demonstration governance data: EMT and the three working groups with invented members in real kinds of
organisation, a year of meetings with actions (some overdue), two open escalations and this year's priorities.

No personal data about anyone at risk: members are officers in their work roles, with invented names. Loading is
idempotent (nothing is added once EMT's group exists).
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from sqlalchemy import select
from sqlmodel import Session

from app.core.clock import financial_year, today_london
from app.demo.prepare import DEMO_ACTOR
from app.models.governance import (
    ActionCreate,
    EmtPriorityCreate,
    EscalationCreate,
    Link,
    MeetingCreate,
    Member,
    WorkingGroup,
    WorkingGroupCreate,
)
from app.models.prepare import Risk
from app.models.protect import Site
from app.services import escalations, governance_actions, meetings, priorities, working_groups

ORDER = 70
_G: Any = WorkingGroup
EMT = "Executive Management Team (CONTEST)"

# (name, strand, chair, meets, purpose, members as (name, organisation, department, role))
GROUPS: list[tuple[str, str, str, str, str, list[tuple[str, str, str, str]]]] = [
    (
        EMT,
        "governance",
        "Chief Executive",
        "every quarter",
        "Oversees the CONTEST strategy: sets operational priorities, removes blockages, identifies resources.",
        [
            ("Helen Marsh", "Council", "Chief Executive's Office", "Chief Executive"),
            ("David Okafor", "Council", "Housing and Communities", "Executive Director"),
            ("Priya Raman", "Council", "Resources", "Director of Finance"),
            ("Tom Whitfield", "Council", "Environment", "Executive Director"),
        ],
    ),
    (
        "Prevent Steering Group",
        "prevent",
        "Head of Community Safety",
        "every 6 weeks",
        "Delivers the Prevent duty across three neighbouring boroughs and reviews the delivery plan.",
        [
            ("Amira Haddad", "Council", "Community Safety", "Prevent Coordinator"),
            ("Gareth Lowe", "Neighbouring borough (east)", "Community Safety", "Prevent Coordinator"),
            ("Nadia Bashir", "Neighbouring borough (north)", "Community Safety", "Prevent Coordinator"),
            ("Colin Barker", "Metropolitan Police", "Counter Terrorism Policing", "Prevent Engagement Officer"),
            ("Ruth Adeyemi", "Council", "Children's Services", "Designated Safeguarding Lead"),
            ("Simon Hart", "NHS trust", "Safeguarding", "Prevent Lead"),
        ],
    ),
    (
        "Protect Working Group",
        "protect",
        "Protective Security Manager",
        "every 6 weeks",
        "Keeps the site register, security assessments and Martyn's Law readiness on track.",
        [
            ("Oliver Grant", "Council", "Community Safety", "Protective Security Manager"),
            ("Lena Fischer", "Metropolitan Police", "Counter Terrorism Policing", "Counter Terrorism Security Adviser"),
            ("Jamal Ahmed", "Council", "Licensing", "Licensing Manager"),
            ("Karen Doyle", "Council", "Planning", "Design Out Crime Officer"),
            ("Ben Ashworth", "Business Improvement District", "Operations", "Operations Manager"),
        ],
    ),
    (
        "Prepare and Contingency Group",
        "prepare",
        "Head of Emergency Planning",
        "every 2 months",
        "Civil Contingencies Act duties, with the borough Resilience Forum and the London Local Resilience Forum.",
        [
            ("Fiona McLeod", "Council", "Emergency Planning", "Head of Emergency Planning"),
            ("Marcus Reid", "London Fire Brigade", "Borough Command", "Borough Commander"),
            ("Sophie Turner", "NHS trust", "Emergency Preparedness", "EPRR Manager"),
            ("Dev Patel", "London Resilience (London LRF)", "Partnership", "Resilience Manager"),
            ("Claire Evans", "Metropolitan Police", "Emergency Preparedness", "Inspector"),
        ],
    ),
]

AGENDA = {
    "governance": ["Threat level and the police threat picture", "Escalations from the working groups", "Priorities"],
    "prevent": ["Delivery plan progress", "Referrals in aggregate", "Training", "Any other business"],
    "protect": ["Site register and reviews", "Martyn's Law readiness", "Awareness training", "Events"],
    "prepare": ["Plans due for review", "Exercises and lessons", "Risk register", "London LRF update"],
}
ACTIONS = {
    "governance": [("Report progress on the year's priorities", "Chief Executive's Office")],
    "prevent": [
        ("Update the delivery plan with the new threat assessment priorities", "Prevent Coordinator"),
        ("Offer Prevent awareness sessions to further education colleges", "Prevent Coordinator"),
    ],
    "protect": [
        ("Book security assessments for enhanced tier venues", "Protective Security Manager"),
        ("Brief licensing on Martyn's Law standard tier duties", "Licensing Manager"),
    ],
    "prepare": [
        ("Review the rest centre plan after the last exercise", "Head of Emergency Planning"),
        ("Share the exercise report with the London LRF", "Resilience Manager"),
    ],
}
STEP = {"governance": 91, "prevent": 42, "protect": 42, "prepare": 61}  # days between meetings


def load(session: Session, report: Any) -> None:
    """Add the groups, their meetings and actions, two escalations and this year's priorities, once."""
    note = "Governance: EMT, three working groups, a year of meetings and actions, two escalations, priorities."
    if session.execute(select(_G.id).where(_G.name == EMT)).first() is not None:
        report.notes.append(note)
        return
    today = today_london()
    ids = {}
    for name, strand, chair, meets, purpose, members in GROUPS:
        group = working_groups.create(
            session,
            WorkingGroupCreate(
                name=name,
                strand=strand,
                chair=chair,
                meets=meets,
                purpose=purpose,
                members=[Member(name=n, organisation=o, department=d, role=r) for n, o, d, r in members],
            ),  # type: ignore[arg-type]
            actor=DEMO_ACTOR,
        )
        ids[strand] = group.id
        _meetings(session, group.id, strand, today)
    _escalations(session, ids, today)
    _priorities(session, today)
    report.notes.append(note)


def _meetings(session: Session, group_id: str, strand: str, today: date) -> None:
    held = today - timedelta(days=360)
    while held < today:
        meeting = meetings.create(
            session,
            MeetingCreate(
                group_id=group_id,
                held_on=held,
                attendees=["Chair", "Council officers", "Partner agencies"],
                apologies=["Metropolitan Police"] if held.month % 4 == 0 else [],
                agenda=AGENDA[strand],
                minutes="Members reviewed progress against the plan and the actions from the last meeting.",
                decisions=[f"Agreed the {AGENDA[strand][0].lower()} update"],
            ),
            actor=DEMO_ACTOR,
        )
        for text, owner in ACTIONS[strand]:
            due = held + timedelta(days=28)
            done = due < today - timedelta(days=45) or (held.day + len(text)) % 3 == 0
            governance_actions.create(
                session,
                ActionCreate(
                    group_id=group_id,
                    meeting_id=meeting.id,
                    text=text,
                    owner=owner,
                    due_on=due,
                    status="done" if done else "open",
                ),  # type: ignore[arg-type]
                actor=DEMO_ACTOR,
            )
        held += timedelta(days=STEP[strand])


def _first(session: Session, model: Any) -> str | None:
    return session.execute(select(model.id).where(model.classification == "OFFICIAL").limit(1)).scalar()


def _links(session: Session) -> list[Link]:
    found = [("site", _first(session, Site)), ("risk", _first(session, Risk))]
    return [Link(type=kind, id=i) for kind, i in found if i]  # type: ignore[arg-type]


def _escalations(session: Session, ids: dict[str, str], today: date) -> None:
    escalations.create(
        session,
        EscalationCreate(
            group_id=ids["protect"],
            title="Hostile vehicle mitigation for the winter market",
            description="Footfall has grown; the temporary barriers we borrow are not available this year.",
            impact="The market would open without protection against a vehicle attack on its busiest days.",
            ask="resources",
            resources_needed="Hire of temporary barriers for six weeks (estimate from Highways).",
            links=_links(session)[:1],
        ),  # type: ignore[arg-type]
        actor=DEMO_ACTOR,
    )
    escalations.create(
        session,
        EscalationCreate(
            group_id=ids["prepare"],
            title="Rest centre staffing out of hours",
            description="Too few trained staff volunteer for the out-of-hours rest centre rota.",
            impact="A rest centre could not be opened within the plan's two hours at night.",
            ask="decision",
            resources_needed="A decision to make rest centre duty part of volunteer managers' roles.",
            links=_links(session)[1:],
        ),  # type: ignore[arg-type]
        actor=DEMO_ACTOR,
    )


def _priorities(session: Session, today: date) -> None:
    start = financial_year(today)[0].year
    year = f"{start}/{(start + 1) % 100:02d}"
    for strand, title, rationale in (
        (
            "prevent",
            "Refresh the Prevent delivery plan against the new threat assessment",
            "The police threat picture changed.",
        ),
        (
            "protect",
            "Assess every enhanced tier venue before Martyn's Law duties begin",
            "The Act's duties start soon.",
        ),
        ("prepare", "Exercise the rest centre plan out of hours", "Last year's exercise found gaps at night."),
        ("governance", "Make CONTEST part of every directorate's business plan", "It should not rely on one team."),
    ):
        priorities.create(
            session,
            EmtPriorityCreate(
                year=year,
                strand=strand,
                title=title,
                rationale=rationale,
                links=_links(session)[:1] if strand == "protect" else [],
            ),  # type: ignore[arg-type]
            actor=DEMO_ACTOR,
        )
