"""Who is asking: scopes, roles, clearance, the principal, password and token hashing."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass, field

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from app.core.vocabulary import (
    APPROVE,
    READ_SCOPES,
    ROLE_CLEARANCE,
    ROLE_SCOPES,
    SCOPES,
    WRITE_SCOPES,
    Classification,
    Role,
)

__all__ = [  # the vocabulary is re-exported: a principal is described in its words
    "APPROVE",
    "READ_SCOPES",
    "ROLE_CLEARANCE",
    "ROLE_SCOPES",
    "SCOPES",
    "WRITE_SCOPES",
    "Classification",
    "Principal",
    "Role",
]


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
