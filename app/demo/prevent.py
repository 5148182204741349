"""A Prevent delivery plan and the police threat assessment it answers: invented, plausible, no personal data.

Owners are teams and job titles; nothing here names or describes a person at risk.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from sqlalchemy import select
from sqlmodel import Session

from app.core.clock import today_london
from app.core.security import Classification, Principal, Role
from app.models.prevent import (
    DecisionRequest,
    ItemCreate,
    PlanCreate,
    Priority,
    ProgressUpdateCreate,
    ThreatAssessment,
    ThreatAssessmentCreate,
)
from app.services import prevent, prevent_items, threat_assessments

ORDER = 40
TA_TITLE = "Counter Terrorism Local Profile (demo)"
COORDINATOR = Principal(
    id="demo",
    kind="user",
    name="officer",
    organisation="Community Safety",
    scopes=frozenset(),
    clearance=Classification.OFFICIAL_SENSITIVE,
    role=Role.OFFICER,
    display_name="Olu Officer",
)
EXECUTIVE = Principal(
    id="demo-emt",
    kind="user",
    name="emt",
    organisation="Executive Management Team",
    scopes=frozenset(),
    clearance=Classification.OFFICIAL_SENSITIVE,
    role=Role.EMT,
    display_name="Eve Executive",
)

PRIORITIES = [
    (
        "Northbank and Riverside wards",
        "Extreme right-wing terrorism",
        "high",
        "Stickering, leafleting and online recruitment aimed at teenagers; peaks around protests.",
    ),
    (
        "Online spaces used by young people",
        "Mixed, unclear and unstable ideologies",
        "high",
        "Referrals increasingly involve fixation on violence without a coherent ideology.",
    ),
    (
        "Further education and sixth-form colleges",
        "Islamist terrorism",
        "medium",
        "Attempts to use unregulated study circles and speaker events.",
    ),
    (
        "Unregulated out-of-school settings",
        "Islamist terrorism",
        "medium",
        "Settings outside Ofsted oversight; low awareness of safeguarding duties.",
    ),
    (
        "Night-time economy and hospitality staff",
        "All ideologies",
        "low",
        "Awareness of reporting routes is low among security and door staff.",
    ),
    (
        "Prisons and probation caseload returning to the borough",
        "Islamist and extreme right-wing",
        "medium",
        "Resettlement into the borough needs joint working with probation and housing.",
    ),
]

# (key area, title, owner, partners, status, rag, due months after the plan start, priority refs)
ITEMS: list[tuple[str, str, str, list[str], str, str | None, int, list[str]]] = [
    (
        "ideology",
        "Counter-narrative workshops in youth centres",
        "Youth Service",
        ["Community Safety"],
        "in_progress",
        "amber",
        3,
        ["P1", "P2"],
    ),
    (
        "ideology",
        "Venue hire due diligence policy for council buildings",
        "Facilities Management",
        ["Legal Services"],
        "complete",
        None,
        2,
        ["P3"],
    ),
    (
        "ideology",
        "Faith and community leaders' forum on online harms",
        "Community Cohesion Team",
        ["Faith Forum", "Metropolitan Police Service"],
        "in_progress",
        "green",
        6,
        ["P2"],
    ),
    (
        "ideology",
        "Remove extremist stickers and graffiti within 24 hours",
        "Street Environment Services",
        ["Metropolitan Police Service"],
        "in_progress",
        "red",
        1,
        ["P1"],
    ),
    (
        "ideology",
        "Digital resilience sessions for parents",
        "Early Help Service",
        ["Schools"],
        "not_started",
        None,
        8,
        ["P2"],
    ),
    (
        "ideology",
        "Community-led counter-narrative campaign grant round",
        "Community Cohesion Team",
        ["Voluntary sector partners"],
        "not_started",
        "amber",
        4,
        ["P1"],
    ),
    (
        "ideology",
        "Speaker and event risk assessment guidance for partners",
        "Prevent Coordinator",
        ["Colleges", "Libraries"],
        "complete",
        None,
        3,
        ["P3"],
    ),
    (
        "ideology",
        "Library public computer filtering review",
        "Libraries Service",
        ["ICT"],
        "in_progress",
        "red",
        2,
        ["P2"],
    ),
    (
        "ideology",
        "Local hate crime and extremism reporting campaign",
        "Community Safety Team",
        ["Metropolitan Police Service"],
        "cancelled",
        None,
        5,
        ["P1"],
    ),
    (
        "ideology",
        "Interfaith youth leadership programme",
        "Youth Service",
        ["Faith Forum"],
        "not_started",
        "green",
        11,
        [],
    ),
    (
        "ideology",
        "Review of council social media moderation",
        "Communications Team",
        [],
        "in_progress",
        "amber",
        7,
        ["P2"],
    ),
    (
        "institutions",
        "Prevent duty self-assessment with colleges",
        "Prevent Education Officer",
        ["Further education colleges"],
        "in_progress",
        "amber",
        2,
        ["P3"],
    ),
    (
        "institutions",
        "Out-of-school settings safeguarding visits",
        "Education Safeguarding Team",
        ["Local Authority Designated Officer"],
        "in_progress",
        "red",
        3,
        ["P4"],
    ),
    (
        "institutions",
        "Prevent awareness for all council staff (e-learning)",
        "Organisational Development",
        [],
        "in_progress",
        "green",
        9,
        [],
    ),
    (
        "institutions",
        "WRAP training for health frontline staff",
        "Public Health Team",
        ["NHS North Central London"],
        "not_started",
        "amber",
        5,
        [],
    ),
    (
        "institutions",
        "Prevent clauses in commissioned youth contracts",
        "Procurement Team",
        ["Legal Services"],
        "complete",
        None,
        4,
        [],
    ),
    (
        "institutions",
        "Awareness briefing for door and security staff",
        "Licensing Team",
        ["Metropolitan Police Service", "Business Improvement District"],
        "not_started",
        "red",
        2,
        ["P5"],
    ),
    (
        "institutions",
        "Schools Prevent network termly meetings",
        "Prevent Education Officer",
        ["Schools"],
        "in_progress",
        "green",
        12,
        ["P1", "P3"],
    ),
    (
        "institutions",
        "Safer recruitment audit for supplementary schools",
        "Education Safeguarding Team",
        [],
        "not_started",
        None,
        10,
        ["P4"],
    ),
    (
        "institutions",
        "Housing officers' guidance on resettlement cases",
        "Housing Needs Service",
        ["National Probation Service"],
        "in_progress",
        "amber",
        4,
        ["P6"],
    ),
    (
        "institutions",
        "Prevent duty toolkit for early years settings",
        "Early Years Team",
        [],
        "cancelled",
        None,
        6,
        [],
    ),
    (
        "safeguarding",
        "Channel panel attendance and quality review",
        "Prevent Coordinator",
        ["Metropolitan Police Service", "Children's Social Care"],
        "in_progress",
        "green",
        6,
        [],
    ),
    (
        "safeguarding",
        "Prevent referral pathway refresh with the front door",
        "Multi-Agency Safeguarding Hub",
        ["Metropolitan Police Service"],
        "complete",
        None,
        2,
        [],
    ),
    (
        "safeguarding",
        "Intervention provider capacity for young people",
        "Prevent Coordinator",
        ["Home Office"],
        "in_progress",
        "red",
        3,
        ["P2"],
    ),
    (
        "safeguarding",
        "Joint training for MASH and Early Help staff",
        "Early Help Service",
        ["Multi-Agency Safeguarding Hub"],
        "not_started",
        "amber",
        5,
        [],
    ),
    (
        "safeguarding",
        "Mental health pathway for fixated individuals",
        "Adult Social Care",
        ["NHS North Central London"],
        "in_progress",
        "amber",
        7,
        ["P2"],
    ),
    (
        "safeguarding",
        "Aggregate referral data report to the Steering Group",
        "Community Safety Analyst",
        [],
        "in_progress",
        "green",
        1,
        [],
    ),
    (
        "safeguarding",
        "Resettlement case conferences with probation",
        "Community Safety Team",
        ["National Probation Service", "Housing Needs Service"],
        "not_started",
        "red",
        4,
        ["P6"],
    ),
    (
        "safeguarding",
        "Prevent awareness for foster carers",
        "Fostering Service",
        [],
        "not_started",
        None,
        9,
        [],
    ),
    (
        "safeguarding",
        "Online safety referral guidance for schools",
        "Education Safeguarding Team",
        ["Schools"],
        "in_progress",
        "amber",
        5,
        ["P2"],
    ),
    (
        "safeguarding",
        "Audit of Prevent cases closed to Channel",
        "Prevent Coordinator",
        [],
        "not_started",
        "green",
        11,
        [],
    ),
    (
        "safeguarding",
        "Out-of-hours escalation protocol",
        "Emergency Planning Team",
        ["Metropolitan Police Service"],
        "complete",
        None,
        1,
        [],
    ),
]


def load(session: Session, report: Any) -> None:
    """An assessment and an approved plan for this financial year (skipped if already loaded)."""
    table: Any = ThreatAssessment
    if session.execute(select(table.id).where(table.title == TA_TITLE)).first():
        return
    start = _financial_year_start(today_london())
    assessment = threat_assessments.create(
        session,
        ThreatAssessmentCreate(
            title=TA_TITLE,
            issued_by="Metropolitan Police Service, Counter Terrorism Policing",
            period_start=start - timedelta(days=90),
            period_end=start + timedelta(days=274),
            summary="Invented for demonstration. The profile is broadly in line with London's: online "
            "radicalisation of young people is the leading concern, with local extreme right-wing activity.",
            priorities=[
                Priority.model_validate({"area": a, "theme": t, "rating": r, "notes": n}) for a, t, r, n in PRIORITIES
            ],
        ),
        actor=COORDINATOR,
    )
    plan = prevent.create(
        session,
        PlanCreate(
            title=prevent.plan_title(start, _year_end(start)),
            period_start=start,
            period_end=_year_end(start),
            threat_assessment_id=assessment.id,
        ),
        actor=COORDINATOR,
    )
    for n, (area, title, owner, partners, status, rag, months, refs) in enumerate(ITEMS):
        if rag != "red" and status != "complete":
            months = min(months + 4, 11)  # most open work is not yet due; the reds are the late ones
        item = prevent_items.create(
            session,
            ItemCreate.model_validate(
                {
                    "plan_id": plan.id,
                    "title": title,
                    "key_area": area,
                    "owner": owner,
                    "partners": partners,
                    "status": status,
                    "rag": rag,
                    "start_date": start + timedelta(days=7 * (n % 4)),
                    "due_date": start + timedelta(days=30 * months + n % 9),
                    "priority_refs": refs,
                    "measure": "Delivered as planned and reported to the Prevent Steering Group.",
                    "description": f"{title}. Part of the borough's Prevent delivery plan.",
                }
            ),
            actor=COORDINATOR,
        )
        if status in {"in_progress", "complete"}:
            prevent_items.add_update(
                session,
                item,
                ProgressUpdateCreate(note="Progress reported to the Prevent Steering Group."),
                actor=COORDINATOR,
            )
    prevent.submit(session, plan, actor=COORDINATOR)
    prevent.approve(session, plan, DecisionRequest(meeting="EMT"), actor=EXECUTIVE)
    report.notes.append(f"Prevent: {plan.title} with {len(ITEMS)} items, and the threat assessment {TA_TITLE!r}.")


def _financial_year_start(today: date) -> date:
    return date(today.year if today.month >= 4 else today.year - 1, 4, 1)


def _year_end(start: date) -> date:
    return date(start.year + 1, 3, 31)
