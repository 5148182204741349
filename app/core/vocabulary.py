"""The words of access control: markings, roles, scopes, and what each role holds.

Pure values with no behaviour beyond ordering, so every layer may use them — the pages included, for their labels.
"""

from __future__ import annotations

from enum import StrEnum


class Classification(StrEnum):
    """Government Security Classification markings held here, lowest first."""

    OFFICIAL = "OFFICIAL"
    OFFICIAL_SENSITIVE = "OFFICIAL-SENSITIVE"

    @property
    def rank(self) -> int:
        """Position in the order OFFICIAL < OFFICIAL-SENSITIVE."""
        return list(Classification).index(self)

    def allows(self, marking: Classification) -> bool:
        """Whether a holder of this clearance may see a record with that marking."""
        return marking.rank <= self.rank

    def visible(self) -> list[Classification]:
        """The markings a holder of this clearance may see."""
        return [c for c in Classification if self.allows(c)]


class Role(StrEnum):
    """User roles; each grants a set of scopes."""

    ADMIN = "admin"
    OFFICER = "officer"
    EMT = "emt"
    MEMBER = "member"
    VIEWER = "viewer"


READ_SCOPES = ("prevent:read", "protect:read", "prepare:read", "tensions:read", "governance:read", "audit:read")
WRITE_SCOPES = ("threat:write", "prevent:write", "protect:write", "prepare:write", "tensions:write", "governance:write")
APPROVE = "approve"  # EMT's and admins' decisions: plan approval, escalation decisions, priorities
SCOPES: tuple[str, ...] = (*WRITE_SCOPES, *READ_SCOPES, "tensions:report", "admin", APPROVE)

ROLE_SCOPES: dict[Role, frozenset[str]] = {
    Role.ADMIN: frozenset(SCOPES),
    Role.OFFICER: frozenset((*READ_SCOPES, *WRITE_SCOPES, "tensions:report")),
    Role.EMT: frozenset((*READ_SCOPES, "tensions:report", APPROVE)),
    Role.MEMBER: frozenset(("prevent:read", "protect:read", "prepare:read", "tensions:report")),
    Role.VIEWER: frozenset(s for s in READ_SCOPES if s != "audit:read"),
}

ROLE_CLEARANCE: dict[Role, Classification] = {
    Role.ADMIN: Classification.OFFICIAL_SENSITIVE,
    Role.OFFICER: Classification.OFFICIAL_SENSITIVE,
    Role.EMT: Classification.OFFICIAL_SENSITIVE,
    Role.MEMBER: Classification.OFFICIAL,
    Role.VIEWER: Classification.OFFICIAL,
}
