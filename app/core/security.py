"""Who is asking: scopes, roles, clearance, the principal, password and token hashing."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass, field
from enum import StrEnum

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError


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


READ_SCOPES = ("prevent:read", "protect:read", "prepare:read", "tensions:read", "audit:read")
WRITE_SCOPES = ("threat:write", "prevent:write", "protect:write", "prepare:write", "tensions:write")
APPROVE = "approve"  # an extension of the contract (docs/api.md): EMT's and admins' right to approve plans
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


@dataclass(frozen=True)
class Principal:
    """The authenticated caller of one request: a user (by token) or a partner system (by API key)."""

    id: str
    kind: str  # "user" | "api_key"
    name: str
    organisation: str
    scopes: frozenset[str]
    clearance: Classification
    role: Role | None = None
    token_id: str | None = field(default=None, compare=False)
    display_name: str = ""

    def has(self, scope: str) -> bool:
        """Whether this principal holds the scope."""
        return scope in self.scopes

    def may_see(self, marking: Classification | str) -> bool:
        """Whether a record with this marking exists for this principal."""
        return self.clearance.allows(Classification(marking))

    @property
    def actor(self) -> str:
        """How the audit log names this principal."""
        return f"{self.kind}:{self.name}"


API_KEY_PREFIX = "chub_"
USER_TOKEN_PREFIX = "chut_"

_hasher = PasswordHasher()


def hash_password(password: str) -> str:
    """An Argon2id hash of a password."""
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    """Whether the password matches the stored Argon2 hash."""
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


DUMMY_PASSWORD_HASH = _hasher.hash(secrets.token_urlsafe(16))
"""Checked instead of a real hash for an unknown or deactivated account, so timing does not tell them apart."""


def new_secret(prefix: str) -> str:
    """A new bearer secret: a recognisable prefix, 32 random bytes, and a checksum to catch typos."""
    body = secrets.token_urlsafe(32)
    return f"{prefix}{body}_{_checksum(prefix + body)}"


def _checksum(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()[:6]


def well_formed(secret: str) -> bool:
    """Whether a presented secret has our shape and a valid checksum (cheap rejection before the database)."""
    head, sep, check = secret.rpartition("_")
    return bool(sep) and secrets.compare_digest(_checksum(head), check)


def hash_secret(secret: str) -> str:
    """The stored form of an API key or token: SHA-256 is right for 256-bit random secrets."""
    return hashlib.sha256(secret.encode()).hexdigest()
