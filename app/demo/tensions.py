"""Demonstration community tensions: five weeks of invented reports across Westminster wards, some assessed, and a
calendar of public events. No real people: reporters are the demo users, organisers are invented bodies.

Loading is idempotent (reports are matched by their summary, events by their title). Reports are made through the
service as the demo member and officer, then dated back over the weeks so the trends have something to show.
"""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from typing import Any

from sqlalchemy import select
from sqlmodel import Session, col

from app.core.clock import LONDON, today_london
from app.core.security import Principal
from app.models.identity import User
from app.models.tensions import (
    CommunityEvent,
    CommunityEventCreate,
    TensionReport,
    TensionReportCreate,
    TensionReportUpdate,
)
from app.services import community_events, identity, tension_levels, tension_reports

ORDER = 70
OS = "OFFICIAL-SENSITIVE"

# (days ago, reporter, ward, category, trigger, trigger detail, summary, source, communities, assessment or None)
# An assessment: (level, trend, status, actions, reassurance message, classification).
REPORTS: list[tuple[Any, ...]] = [
    (
        33,
        "member",
        "Church Street",
        "rumour",
        "international",
        "Conflict abroad in the news",
        "Stallholders at the market say a rumour is going round that the market will be attacked this weekend.",
        "told",
        ["Market traders"],
        (
            3,
            "rising",
            "assessed",
            "Ward officer and police to walk the market on Saturday.",
            "Police patrols are increased at Church Street Market this weekend. There is no known threat.",
            "OFFICIAL",
        ),
    ),
    (
        30,
        "officer",
        "Hyde Park",
        "online",
        "international",
        "Video shared on social media",
        "A video of an incident abroad is being shared in local WhatsApp groups with angry comments about local shops.",
        "online",
        ["Arabic-speaking residents"],
        (2, "stable", "monitoring", "Community engagement officer to meet the mosque committee.", "", "OFFICIAL"),
    ),
    (
        26,
        "member",
        "Queen's Park",
        "hate_incident",
        "local",
        "Graffiti on a community centre",
        "Offensive graffiti was painted on the side of the community centre overnight. Residents are upset.",
        "witnessed",
        ["Somali community", "Residents of the estate"],
        (
            3,
            "stable",
            "assessed",
            "Graffiti removed within 24 hours; reported to police as a hate incident.",
            "The graffiti has been removed and the police are investigating. Report any hate incident to the police.",
            "OFFICIAL",
        ),
    ),
    (
        21,
        "member",
        "Bayswater",
        "protest",
        "international",
        "Embassy announcement",
        "A group is planning to protest outside an embassy next week; local businesses are worried about disruption.",
        "media",
        ["Local businesses"],
        (
            2,
            "rising",
            "monitoring",
            "Liaise with the Met's protest planning team.",
            "The police are aware of the planned protest and will be present.",
            "OFFICIAL",
        ),
    ),
    (
        19,
        "officer",
        "Knightsbridge & Belgravia",
        "event",
        "international",
        "National day reception",
        "Counter-protest expected at an embassy reception; intelligence suggests numbers larger than before.",
        "told",
        ["Diaspora community groups"],
        (4, "rising", "monitoring", "Joint briefing with police; business engagement.", "", OS),
    ),
    (
        16,
        "member",
        "Westbourne",
        "rumour",
        "local",
        "Misinformation about a new hostel",
        "People on the estate believe a new hostel will house people who are a danger; a meeting is being planned.",
        "told",
        ["Residents of the estate"],
        (
            2,
            "falling",
            "assessed",
            "Housing officer to attend the residents' meeting with the facts.",
            "The council will explain the plans at the "
            "residents' meeting on Thursday. Please share the facts, not the rumour.",
            "OFFICIAL",
        ),
    ),
    (
        14,
        "member",
        "Harrow Road",
        "hate_incident",
        "national",
        "Incident reported in national news",
        "A resident wearing a headscarf was shouted at on the bus. Friends are afraid to travel in the evening.",
        "told",
        ["Muslim women"],
        (
            3,
            "rising",
            "assessed",
            "Refer to Transport for London and police; community reassurance visit.",
            "Police have extra patrols on the 18 and 36 bus routes in the evenings. Please report any incident.",
            "OFFICIAL",
        ),
    ),
    (
        12,
        "officer",
        "West End",
        "protest",
        "international",
        "March through the West End",
        "A large march is planned through the West End on Saturday with a counter-demonstration expected.",
        "media",
        ["Shoppers and businesses", "Jewish community"],
        (
            4,
            "stable",
            "monitoring",
            "Business and synagogue engagement; joint plan with the Met.",
            "There will be a large police presence on Saturday. Places of worship have been contacted.",
            "OFFICIAL",
        ),
    ),
    (
        9,
        "member",
        "Maida Vale",
        "event",
        "international",
        "Earthquake abroad",
        "Families in the area are grieving after the earthquake; a vigil is planned and people want support.",
        "witnessed",
        ["Turkish community", "Kurdish community"],
        (
            1,
            "stable",
            "assessed",
            "Offer the vigil organisers council support.",
            "The council is supporting the vigil on Saturday evening.",
            "OFFICIAL",
        ),
    ),
    (
        7,
        "member",
        "Pimlico South",
        "online",
        "national",
        "Post by a national figure",
        "A post by a public figure is being shared locally with calls to 'do something' about a hotel.",
        "online",
        ["Hotel residents", "Neighbours"],
        (3, "rising", "monitoring", "Share with police; hotel operator briefed.", "", "OFFICIAL"),
    ),
    (
        5,
        "officer",
        "St James's",
        "protest",
        "national",
        "Parliamentary vote",
        "Two opposing protests booked for Parliament Square on the same afternoon.",
        "media",
        ["Protest groups"],
        (3, "stable", "assessed", "Police event plan; council street management.", "", "OFFICIAL"),
    ),
    (
        3,
        "member",
        "Abbey Road",
        "rumour",
        "local",
        "Message about a school",
        "Parents are sharing a message that a school was targeted; the school says it is untrue.",
        "told",
        ["Parents"],
        None,
    ),
    (
        2,
        "member",
        "Little Venice",
        "other",
        "local",
        "Fireworks near the canal",
        "Fireworks set off near the houseboats late at night have frightened residents.",
        "witnessed",
        ["Boat dwellers"],
        None,
    ),
    (
        1,
        "member",
        "Marylebone",
        "hate_incident",
        "international",
        "Conflict abroad",
        "Leaflets with hateful language were pushed through doors on two streets.",
        "witnessed",
        ["Jewish residents"],
        None,
    ),
    (
        0,
        "officer",
        "Vincent Square",
        "online",
        "international",
        "Video of an incident abroad",
        "Young people are sharing a violent video; youth workers report arguments between groups.",
        "told",
        ["Young people"],
        None,
    ),
]

# (days from today, start hour, hours, title, kind, place, ward, attendance, organiser, sensitive)
EVENTS: list[tuple[Any, ...]] = [
    (
        -12,
        12,
        4,
        "March for peace through the West End",
        "march",
        "Park Lane to Whitehall",
        "West End",
        20000,
        "Westminster Peace Forum (invented)",
        False,
    ),
    (
        -5,
        13,
        3,
        "Two demonstrations on a parliamentary vote",
        "protest",
        "Parliament Square",
        "St James's",
        3000,
        "Campaign groups (as announced)",
        False,
    ),
    (
        2,
        17,
        2,
        "Vigil for the victims of the earthquake",
        "vigil",
        "Paddington Recreation Ground",
        "Maida Vale",
        300,
        "Maida Vale Interfaith Forum (invented)",
        False,
    ),
    (
        4,
        18,
        3,
        "National day reception at an embassy",
        "embassy",
        "Belgrave Square",
        "Knightsbridge & Belgravia",
        400,
        "The embassy",
        True,
    ),
    (
        6,
        11,
        2,
        "Remembrance service",
        "commemoration",
        "Church Street Green",
        "Church Street",
        200,
        "Church Street Veterans' Association (invented)",
        False,
    ),
    (
        9,
        15,
        2,
        "Football derby: fan walk",
        "sporting",
        "Marylebone Road to Baker Street",
        "Marylebone",
        5000,
        "Supporters' club (as announced)",
        False,
    ),
    (
        13,
        12,
        6,
        "Winter festival of lights",
        "cultural",
        "Queen's Park Gardens",
        "Queen's Park",
        1500,
        "Queen's Park Festival Committee (invented)",
        False,
    ),
    (
        16,
        14,
        3,
        "Rally outside an embassy",
        "protest",
        "Kensington Palace Gardens",
        "Lancaster Gate",
        800,
        "Diaspora campaign group (as announced)",
        False,
    ),
]


def _principal(session: Session, username: str) -> Principal | None:
    user = session.execute(select(User).where(col(User.username) == username)).scalar_one_or_none()
    return identity.user_principal(user) if user else None


def _at(days_ago: int, hour: int) -> datetime:
    day = today_london() - timedelta(days=days_ago)
    return datetime.combine(day, time(hour, 15), tzinfo=LONDON).astimezone(UTC)


def _events(session: Session, officer: Principal) -> int:
    made = 0
    for days, hour, hours, title, kind, place, ward, attendance, organiser, sensitive in EVENTS:
        if session.execute(select(col(CommunityEvent.id)).where(col(CommunityEvent.title) == title)).first():
            continue
        starts = datetime.combine(today_london() + timedelta(days=days), time(hour), tzinfo=LONDON).astimezone(UTC)
        data = CommunityEventCreate(
            title=title,
            kind=kind,
            starts_at=starts,
            ends_at=starts + timedelta(hours=hours),
            place=place,
            ward=ward,
            expected_attendance=attendance,
            organiser=organiser,
            classification=OS if sensitive else "OFFICIAL",
        )  # type: ignore[arg-type]
        community_events.create(session, data, actor=officer)
        made += 1
    return made


def _reports(session: Session, people: dict[str, Principal]) -> int:
    scale = tension_levels.parse_levels("")
    made = 0
    for days, who, ward, category, trigger, detail, summary, source, communities, assessment in REPORTS:
        if session.execute(select(col(TensionReport.id)).where(col(TensionReport.summary) == summary)).first():
            continue
        data = TensionReportCreate(
            ward=ward,
            category=category,
            trigger=trigger,
            trigger_detail=detail,
            summary=summary,
            source=source,
            communities=communities,
        )  # type: ignore[arg-type]
        report = tension_reports.create(session, data, actor=people[who])
        report.reported_at = report.created_at = _at(days, 9 + days % 9)  # dated back, for the trends
        session.flush()
        if assessment:
            level, trend, status, actions, message, marking = assessment
            change = TensionReportUpdate(
                level=level,
                trend=trend,
                status=status,
                actions=actions,
                reassurance_message=message,
                assessment_notes="Assessed with the police's community tension lead.",
                classification=marking,
            )  # type: ignore[arg-type]
            tension_reports.update(session, report, change, actor=people["officer"], scale=scale)
        made += 1
    return made


def load(session: Session, report: Any) -> None:
    """Add the demonstration reports and events that are not there yet."""
    people = {name: _principal(session, name) for name in ("member", "officer")}
    if people["member"] is None or people["officer"] is None:
        report.notes.append("Community tensions: no demo member or officer, so no demo reports.")
        return
    found = {k: v for k, v in people.items() if v is not None}
    events = _events(session, found["officer"])
    reports = _reports(session, found)
    if events or reports:
        report.notes.append(f"Community tensions: {reports} reports and {events} community events added.")
