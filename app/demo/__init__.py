"""Demonstration data (`contest-hub serve --demo`): invented, plausible, holding no personal data.

Loading is idempotent: running it again changes nothing that is already there. Each area has a module here
with `ORDER` (an int) and `load(session, report)`; they run in ORDER in one transaction.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlmodel import Session, select

from app.core.security import Role
from app.models.identity import ApiKey, ApiKeyCreate, User, UserCreate
from app.services import identity

# Demo passwords are printed for anyone to use: they only ever exist in a development database.
DEMO_USERS = [
    ("admin", "Alex Admin", Role.ADMIN, "Council ICT"),
    ("officer", "Olu Officer", Role.OFFICER, "Community Safety"),
    ("emt", "Eve Executive", Role.EMT, "Executive Management Team"),
    ("member", "Cllr Morgan Member", Role.MEMBER, "Councillors"),
    ("viewer", "Vic Viewer", Role.VIEWER, "Emergency Planning"),
]
DEMO_PASSWORD_SUFFIX = "-demo-password"
DEMO_KEY_NAME = "Met Police CT partner (demo)"


@dataclass
class DemoReport:
    """What was loaded, for printing."""

    logins: list[tuple[str, str, str]] = field(default_factory=list)
    api_key: str | None = None
    api_key_access: str = ""  # the demo key's organisation, scopes and clearance, in words
    notes: list[str] = field(default_factory=list)


def _users(session: Session, report: DemoReport) -> None:
    for username, name, role, organisation in DEMO_USERS:
        password = username + DEMO_PASSWORD_SUFFIX
        report.logins.append((username, password, role.value))
        if session.execute(select(User.id).where(User.username == username)).first():
            continue
        identity.create_user(
            session,
            UserCreate(username=username, name=name, password=password, role=role, organisation=organisation),
            actor=None,
        )


def _access(key: ApiKey) -> str:
    return f"organisation: {key.organisation}; scopes: {', '.join(sorted(key.scopes))}; clearance: {key.clearance}"


def _partner_key(session: Session, report: DemoReport) -> None:
    existing = session.execute(
        select(ApiKey).where(ApiKey.name == DEMO_KEY_NAME, ApiKey.revoked_at.is_(None))  # type: ignore[union-attr]
    ).scalar_one_or_none()
    if existing is not None:
        report.notes.append(f"The partner key {DEMO_KEY_NAME!r} exists; its secret was shown when it was made.")
        report.api_key_access = _access(existing)
        return
    created = identity.create_api_key(
        session,
        ApiKeyCreate(
            name=DEMO_KEY_NAME,
            organisation="Metropolitan Police Service",
            scopes=["prevent:read", "protect:read", "prepare:read", "threat:write"],
            clearance="OFFICIAL-SENSITIVE",
        ),  # type: ignore[arg-type]
        actor=None,
        created_by="demo",
    )
    report.api_key = created.key
    key = session.get(ApiKey, created.id)
    report.api_key_access = _access(key) if key is not None else ""


def load(session: Session) -> DemoReport:
    """Load every area's demonstration data; the caller commits."""
    from app.discovery import modules

    report = DemoReport()
    _users(session, report)
    _partner_key(session, report)
    for module in sorted(modules("app.demo"), key=lambda m: getattr(m, "ORDER", 100)):
        module.load(session, report)
    return report
