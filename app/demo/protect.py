"""Demonstration Protect data: public places in central London (real approximate positions and postcodes,
invented capacities and measures), security assessments, and a year of awareness training."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import select
from sqlmodel import Session, col

from app.core.clock import today_london
from app.core.security import ROLE_SCOPES, Classification, Principal, Role
from app.models.protect import (
    AssessmentCreate,
    Recommendation,
    Site,
    SiteCreate,
    TrainingCreate,
    TrainingSession,
)
from app.services import security_assessments, sites, training

ORDER = 50

# name, category, postcode, ward, lat, lon, capacity (invented; None = not yet known)
SITES: list[tuple[str, str, str, str, float, float, int | None]] = [
    ("Trafalgar Square", "crowded_place", "WC2N 5DN", "St James's", 51.50809, -0.12806, 10000),
    ("Leicester Square", "night_time_economy", "WC2H 7LU", "St James's", 51.51032, -0.13015, 6000),
    ("Covent Garden Piazza", "commercial_centre", "WC2E 8RF", "St James's", 51.51196, -0.12283, 5000),
    ("Piccadilly Circus", "crowded_place", "W1J 9HS", "St James's", 51.51008, -0.13454, 4000),
    ("Oxford Circus", "commercial_centre", "W1B 3AG", "West End", 51.51517, -0.14190, 8000),
    ("Carnaby Street", "commercial_centre", "W1F 9PS", "West End", 51.51320, -0.13890, 3000),
    ("Soho Square", "crowded_place", "W1D 3QP", "West End", 51.51530, -0.13220, 700),
    ("Old Compton Street", "night_time_economy", "W1D 4TP", "West End", 51.51305, -0.13125, 2500),
    ("Chinatown, Gerrard Street", "night_time_economy", "W1D 5PT", "West End", 51.51145, -0.13140, 2000),
    ("Regent Street", "commercial_centre", "W1B 4DY", "West End", 51.51190, -0.13850, None),
    ("Bond Street", "commercial_centre", "W1S 1SR", "West End", 51.51240, -0.14520, 2500),
    ("Marble Arch", "iconic_site", "W1H 7EJ", "Hyde Park", 51.51309, -0.15890, 500),
    ("Hyde Park Speakers' Corner", "crowded_place", "W2 2UH", "Hyde Park", 51.51230, -0.16010, 3000),
    ("Buckingham Palace", "iconic_site", "SW1A 1AA", "St James's", 51.50140, -0.14189, 1500),
    ("The Mall", "crowded_place", "SW1A 2WH", "St James's", 51.50420, -0.13450, 20000),
    ("Horse Guards Parade", "iconic_site", "SW1A 2AX", "St James's", 51.50480, -0.12880, 8000),
    ("Downing Street gates", "government_building", "SW1A 2AA", "St James's", 51.50330, -0.12760, 150),
    ("Houses of Parliament", "government_building", "SW1A 0AA", "St James's", 51.49980, -0.12470, 3000),
    ("Westminster Abbey", "place_of_worship", "SW1P 3PA", "St James's", 51.49929, -0.12731, 2000),
    ("Westminster Cathedral", "place_of_worship", "SW1P 1QW", "Vincent Square", 51.49596, -0.13913, 1800),
    ("St Martin-in-the-Fields", "place_of_worship", "WC2N 4JH", "St James's", 51.50887, -0.12665, 600),
    ("Charing Cross Station", "transport_hub", "WC2N 5HF", "St James's", 51.50802, -0.12478, 6000),
    ("Victoria Station", "transport_hub", "SW1V 1JU", "Vincent Square", 51.49520, -0.14390, 15000),
    ("Paddington Station", "transport_hub", "W2 1HQ", "Hyde Park", 51.51540, -0.17550, 12000),
    ("Marylebone Station", "transport_hub", "NW1 6JJ", "Marylebone", 51.52250, -0.16310, 4000),
    ("Embankment Station", "transport_hub", "WC2N 6NS", "St James's", 51.50707, -0.12266, 1500),
    ("Tottenham Court Road Station", "transport_hub", "WC2H 0LH", "West End", 51.51650, -0.13090, 5000),
    ("Victoria Coach Station", "transport_hub", "SW1W 9TP", "Vincent Square", 51.49260, -0.14950, 3000),
    (
        "Royal Albert Hall",
        "crowded_place",
        "SW7 2AP",
        "Knightsbridge and Belgravia",
        51.50095,
        -0.17745,
        5272,
    ),
    ("Royal Opera House", "crowded_place", "WC2E 9DD", "St James's", 51.51290, -0.12220, 2256),
    ("London Palladium", "night_time_economy", "W1F 7TF", "West End", 51.51410, -0.14030, 2286),
    ("Theatre Royal Drury Lane", "night_time_economy", "WC2B 5JF", "St James's", 51.51280, -0.12040, 1996),
    ("Somerset House", "iconic_site", "WC2R 1LA", "St James's", 51.51100, -0.11720, 3000),
    ("National Gallery", "iconic_site", "WC2N 5DN", "St James's", 51.50890, -0.12830, 4000),
    ("Wallace Collection", "iconic_site", "W1U 3BN", "Marylebone", 51.51750, -0.15290, 400),
    ("Lord's Cricket Ground", "crowded_place", "NW8 8QN", "Regent's Park", 51.52990, -0.17280, 31100),
    ("Baker Street", "commercial_centre", "NW1 6XE", "Marylebone", 51.52230, -0.15710, 180),
    ("St Mary's Hospital", "health", "W2 1NY", "Hyde Park", 51.51730, -0.17360, None),
    (
        "University of Westminster, Regent Street",
        "education",
        "W1B 2HW",
        "West End",
        51.51700,
        -0.14290,
        1200,
    ),
    ("Strand Aldwych", "crowded_place", "WC2B 4BG", "St James's", 51.51240, -0.11790, 1000),
]

MEASURES = [
    ["CCTV", "Staff ACT Awareness trained"],
    ["Hostile vehicle mitigation", "CCTV", "Search regime at events"],
    ["Lockdown procedure", "Public address system"],
    ["Security officers", "Bag search", "CCTV"],
]
RECOMMENDATIONS = [
    "Extend hostile vehicle mitigation to the north side",
    "Run a lockdown drill each quarter",
    "Add signage for the invacuation point",
    "Brief night-time staff on ACT Awareness",
    "Review CCTV coverage of the service yard",
]
STATUSES = ["open", "accepted", "done", "done", "rejected"]
COURSES = ["act_awareness", "act_awareness", "act_operational", "act_strategic", "prevent_awareness"]
AUDIENCES = ["staff", "business", "community", "partner"]
ORGANISATIONS = [
    "Council staff",
    "West End traders",
    "Soho residents' association",
    "Theatre managers",
    "Station operators",
    "Hotel security managers",
]

DEMO_ACTOR = Principal(
    id="demo",
    kind="user",
    name="demo",
    organisation="Council",
    scopes=ROLE_SCOPES[Role.OFFICER],
    clearance=Classification.OFFICIAL_SENSITIVE,
)


def load(session: Session, report: Any) -> None:
    """Add the demo sites, assessments and training sessions unless they are already there."""
    if session.execute(select(col(Site.id)).where(col(Site.name) == SITES[0][0]).limit(1)).first() is None:
        _sites(session)
    if session.execute(select(col(TrainingSession.id)).limit(1)).first() is None:
        _training(session)
    report.notes.append(f"Protect: {len(SITES)} demo sites in central London and a year of training sessions.")


def _sites(session: Session) -> None:
    today = today_london()
    for i, (name, category, postcode, ward, lat, lon, capacity) in enumerate(SITES):
        site = sites.create(
            session,
            SiteCreate(
                name=name,
                category=category,
                postcode=postcode,
                ward=ward,
                capacity=capacity,
                address=f"{name}, London {postcode}",
                location={"lat": lat, "lon": lon},
                protective_measures=MEASURES[i % len(MEASURES)],
                operator=None,
                next_review_due=today + timedelta(days=(i * 23) % 400 - 60),
                classification="OFFICIAL" if i % 5 == 0 else "OFFICIAL-SENSITIVE",
                response_level="HEIGHTENED" if i % 9 == 4 else None,
            ),
            actor=DEMO_ACTOR,
        )
        if i % 3 == 2:
            continue  # some sites have never been assessed
        recs = [
            Recommendation(
                text=RECOMMENDATIONS[(i + k) % len(RECOMMENDATIONS)], status=STATUSES[(i + k) % len(STATUSES)]
            )
            for k in range(2 + i % 2)
        ]
        security_assessments.create(
            session,
            AssessmentCreate(
                assessed_on=today - timedelta(days=30 + (i * 37) % 500),
                assessor="Met CTSA (demo)",
                summary="Walk-round with the site's security lead.",
                recommendations=recs,
            ),
            actor=DEMO_ACTOR,
            site=site,
        )


def _training(session: Session) -> None:
    today = today_london()
    for n in range(36):
        training.create(
            session,
            TrainingCreate(
                course=COURSES[n % len(COURSES)],
                delivered_on=today - timedelta(days=5 + n * 10),
                audience=AUDIENCES[n % len(AUDIENCES)],
                organisation=ORGANISATIONS[n % len(ORGANISATIONS)],
                attendees=8 + (n * 7) % 40,
                delivered_by="Protect team (demo)",
            ),
            actor=DEMO_ACTOR,
        )
