"""Demonstration Prepare data: an invented but plausible London borough's risk register, plans and exercises.

No personal data: owners are teams and roles. Loading is idempotent (records are matched by title).
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from sqlalchemy import select
from sqlmodel import Session

from app.core.clock import today_london
from app.core.security import SCOPES, Classification, Principal
from app.models.prepare import (
    ContingencyPlan,
    ContingencyPlanCreate,
    Exercise,
    ExerciseCreate,
    Risk,
    RiskCreate,
)
from app.services import contingency_plans, exercises, risks

ORDER = 60
OS = Classification.OFFICIAL_SENSITIVE

DEMO_ACTOR = Principal(
    id="demo", kind="system", name="demo", organisation="Council", scopes=frozenset(SCOPES), clearance=OS
)

# (title, category, likelihood, impact, owner, mitigations, sensitive)
RISKS: list[tuple[str, str, int, int, str, str, bool]] = [
    (
        "Marauding terrorist attack in a crowded place",
        "terrorism",
        2,
        5,
        "Community Safety",
        "ACT training for venue staff; Protect site assessments; joint plan with the Met",
        True,
    ),
    (
        "Vehicle-as-a-weapon attack on a pedestrianised street",
        "terrorism",
        2,
        4,
        "Highways and Protect",
        "Hostile vehicle mitigation on the high street; event road closures",
        True,
    ),
    (
        "Improvised explosive device at a transport hub",
        "terrorism",
        1,
        5,
        "Community Safety",
        "Station operator security plans; rest centre and casualty bureau arrangements",
        True,
    ),
    (
        "Cyber attack on council systems",
        "cyber",
        3,
        4,
        "Digital Services",
        "Offline backups; business continuity plans for critical services",
        False,
    ),
    (
        "Surface water flooding",
        "flooding",
        4,
        3,
        "Highways and Drainage",
        "Gully cleansing; sandbag stock; flood warnings to residents",
        False,
    ),
    (
        "Thames tidal flooding",
        "flooding",
        1,
        5,
        "Emergency Planning",
        "Thames Barrier; multi-agency flood plan",
        False,
    ),
    (
        "Pandemic influenza",
        "pandemic",
        3,
        5,
        "Public Health",
        "Pandemic plan; excess deaths arrangements; staff vaccination",
        False,
    ),
    (
        "Heatwave",
        "severe_weather",
        4,
        3,
        "Public Health",
        "Heat-health alerts; cool spaces in libraries; checks on vulnerable residents by care providers",
        False,
    ),
    (
        "Severe cold weather and snow",
        "severe_weather",
        3,
        2,
        "Highways",
        "Gritting plan; cold weather payments signposting",
        False,
    ),
    (
        "Loss of electricity supply (local)",
        "utilities",
        3,
        3,
        "Facilities",
        "Generators at critical sites; business continuity plans",
        False,
    ),
    (
        "National power outage",
        "utilities",
        1,
        5,
        "Emergency Planning",
        "National power outage plan; rest centres with generators",
        False,
    ),
    (
        "Loss of water supply",
        "utilities",
        2,
        3,
        "Emergency Planning",
        "Bottled water distribution points with the water company",
        False,
    ),
    (
        "Fire in a high-rise residential block",
        "fire",
        3,
        4,
        "Housing",
        "Fire risk assessments; evacuation and rest centre plans with London Fire Brigade",
        False,
    ),
    (
        "Major fire at a waste site",
        "fire",
        2,
        3,
        "Environmental Services",
        "Site permits; air quality warnings",
        False,
    ),
    (
        "Gas explosion in a residential street",
        "industrial",
        2,
        3,
        "Emergency Planning",
        "Gas network operator plans; rest centre plan",
        False,
    ),
    (
        "Public disorder after a contested event",
        "public_order",
        3,
        3,
        "Community Safety",
        "Community tension monitoring; reassurance messaging with the Met",
        True,
    ),
    (
        "Large crowd surge at a major event",
        "crowded_places",
        2,
        4,
        "Events and Licensing",
        "Safety advisory group; event management plans",
        False,
    ),
    (
        "Poor air quality episode",
        "environmental",
        3,
        2,
        "Public Health",
        "Air quality alerts to schools",
        False,
    ),
    (
        "Failure of a key care provider",
        "business_continuity",
        3,
        3,
        "Adult Social Care",
        "Provider failure protocol; market oversight",
        False,
    ),
    (
        "Fuel supply disruption",
        "utilities",
        2,
        3,
        "Fleet Services",
        "Fuel reserves for essential vehicles",
        False,
    ),
]

# (title, plan_type, owner, status, activation_level, review offset days, risk titles, sensitive)
PLANS: list[tuple[str, str, str, str, str | None, int, list[str], bool]] = [
    (
        "Borough emergency plan",
        "emergency_response",
        "Emergency Planning",
        "approved",
        "NORMAL",
        200,
        ["Surface water flooding", "Fire in a high-rise residential block"],
        False,
    ),
    (
        "Terrorist incident response plan",
        "emergency_response",
        "Community Safety",
        "approved",
        "HEIGHTENED",
        90,
        [
            "Marauding terrorist attack in a crowded place",
            "Vehicle-as-a-weapon attack on a pedestrianised street",
        ],
        True,
    ),
    (
        "Critical threat level protective posture",
        "emergency_response",
        "Community Safety",
        "approved",
        "EXCEPTIONAL",
        120,
        ["Improvised explosive device at a transport hub"],
        True,
    ),
    (
        "Rest centre plan",
        "recovery",
        "Adult Social Care",
        "approved",
        "NORMAL",
        -20,
        ["Fire in a high-rise residential block", "Gas explosion in a residential street"],
        False,
    ),
    ("Recovery coordination plan", "recovery", "Emergency Planning", "approved", None, 300, [], False),
    (
        "Excess deaths plan",
        "emergency_response",
        "Public Health",
        "under_review",
        None,
        -60,
        ["Pandemic influenza"],
        False,
    ),
    (
        "Multi-agency flood plan",
        "emergency_response",
        "Highways and Drainage",
        "approved",
        None,
        150,
        ["Surface water flooding", "Thames tidal flooding"],
        False,
    ),
    (
        "Corporate business continuity plan",
        "business_continuity",
        "Resilience",
        "approved",
        None,
        45,
        ["Cyber attack on council systems", "Loss of electricity supply (local)"],
        False,
    ),
    (
        "Adult social care business continuity plan",
        "business_continuity",
        "Adult Social Care",
        "draft",
        None,
        30,
        ["Failure of a key care provider"],
        False,
    ),
    (
        "ICT disaster recovery plan",
        "business_continuity",
        "Digital Services",
        "approved",
        None,
        -5,
        ["Cyber attack on council systems"],
        False,
    ),
    (
        "Warning and informing the public",
        "warning_and_informing",
        "Communications",
        "approved",
        "NORMAL",
        250,
        [],
        False,
    ),
    (
        "Emergency communications at critical threat",
        "warning_and_informing",
        "Communications",
        "approved",
        "EXCEPTIONAL",
        180,
        ["Marauding terrorist attack in a crowded place"],
        True,
    ),
    (
        "Town hall site emergency plan",
        "site_specific",
        "Facilities",
        "approved",
        "HEIGHTENED",
        100,
        ["Improvised explosive device at a transport hub"],
        True,
    ),
    (
        "Market square crowded place plan",
        "site_specific",
        "Events and Licensing",
        "draft",
        None,
        60,
        ["Large crowd surge at a major event"],
        False,
    ),
    ("Heatwave plan", "other", "Public Health", "retired", None, -400, ["Heatwave"], False),
    (
        "National power outage plan",
        "other",
        "Emergency Planning",
        "approved",
        "EXCEPTIONAL",
        365,
        ["National power outage"],
        False,
    ),
]

# (title, days ago, type, plan titles, participants, lessons [(text, action, owner, status)])
EXERCISES: list[tuple[str, int, str, list[str], list[str], list[tuple[str, str, str, str]]]] = [
    (
        "Exercise Safe Haven",
        120,
        "tabletop",
        ["Rest centre plan", "Borough emergency plan"],
        ["London Fire Brigade", "British Red Cross", "Metropolitan Police Service"],
        [
            (
                "Rest centre keys were held by one team only",
                "Issue keys to the duty emergency planning officer",
                "Facilities",
                "open",
            ),
            ("Registration forms ran out", "Hold 500 forms at each rest centre", "Adult Social Care", "done"),
        ],
    ),
    (
        "Exercise Strong Tower",
        300,
        "live",
        ["Terrorist incident response plan"],
        ["Metropolitan Police Service", "London Ambulance Service", "London Fire Brigade"],
        [
            (
                "Radio coverage was poor in the shopping centre basement",
                "Survey coverage with the operator",
                "Community Safety",
                "open",
            ),
            (
                "Casualty bureau number took too long to publish",
                "Pre-approve the message template",
                "Communications",
                "open",
            ),
        ],
    ),
    (
        "Exercise Dark Harbour",
        500,
        "command_post",
        ["Corporate business continuity plan"],
        ["Council ICT", "Neighbouring borough resilience team"],
        [
            (
                "Staff could not reach the plan while the network was down",
                "Keep printed copies at each site",
                "Resilience",
                "done",
            )
        ],
    ),
    (
        "Exercise High Water",
        60,
        "discussion",
        ["Multi-agency flood plan"],
        ["Environment Agency", "Thames Water", "London Fire Brigade"],
        [
            (
                "Sandbag stock location was unclear",
                "Publish stock locations to duty officers",
                "Highways",
                "open",
            )
        ],
    ),
]


def _exists(session: Session, model: Any, title: str) -> Any:
    return session.execute(select(model).where(model.title == title)).scalars().first()


def load(session: Session, report: Any) -> None:
    """Load the risk register, plans and exercises, skipping anything already there."""
    today = today_london()
    risk_ids: dict[str, str] = {}
    for title, category, likelihood, impact, owner, mitigations, sensitive in RISKS:
        found = _exists(session, Risk, title) or risks.create(
            session,
            RiskCreate(
                title=title,
                category=category,
                likelihood=likelihood,
                impact=impact,
                owner=owner,
                mitigations=mitigations,
                review_due=today + timedelta(days=90 + 7 * len(risk_ids)),
                classification=OS if sensitive else Classification.OFFICIAL,
            ),
            actor=DEMO_ACTOR,
        )
        risk_ids[title] = found.id
    plan_ids: dict[str, str] = {}
    for title, plan_type, owner, status, level, review, linked, sensitive in PLANS:
        found = _exists(session, ContingencyPlan, title) or contingency_plans.create(
            session,
            ContingencyPlanCreate.model_validate(
                {
                    "title": title,
                    "plan_type": plan_type,
                    "owner": owner,
                    "status": status,
                    "activation_level": level,
                    "review_due": today + timedelta(days=review),
                    "version_label": "1.0",
                    "approved_on": today - timedelta(days=200) if status == "approved" else None,
                    "summary": f"The council's {title.lower()}.",
                    "risk_ids": [risk_ids[r] for r in linked],
                    "classification": OS if sensitive else Classification.OFFICIAL,
                }
            ),
            actor=DEMO_ACTOR,
        )
        plan_ids[title] = found.id
    for title, days_ago, kind, plans, participants, lessons in EXERCISES:
        if _exists(session, Exercise, title):
            continue
        held_on: date = today - timedelta(days=days_ago)
        exercises.create(
            session,
            ExerciseCreate.model_validate(
                {
                    "title": title,
                    "held_on": held_on,
                    "exercise_type": kind,
                    "participants": participants,
                    "plan_ids": [plan_ids[p] for p in plans],
                    "lessons": [  # each action due three months after the exercise, so older ones show overdue
                        {"text": t, "action": a, "owner": o, "status": s, "due_on": held_on + timedelta(days=90)}
                        for t, a, o, s in lessons
                    ],
                }
            ),
            actor=DEMO_ACTOR,
        )
    report.notes.append(f"Prepare: {len(risk_ids)} risks, {len(plan_ids)} plans, {len(EXERCISES)} exercises.")
