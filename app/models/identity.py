"""Users, their access tokens, and partner API keys."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator
from sqlalchemy import JSON, BigInteger, Column
from sqlmodel import Field as SQLField
from sqlmodel import SQLModel

from app.core.ids import new_id
from app.core.security import SCOPES, Classification, Role
from app.models.common import Record, RecordRead, UtcDateTime, enum_field, timestamp_field

Username = Annotated[str, StringConstraints(max_length=64, pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]{1,63}$", to_lower=True)]
Password = Annotated[str, StringConstraints(min_length=12, max_length=256)]
ShortText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]


class User(Record, table=True):
    """A council user who signs in to the web pages (or asks for a token)."""

    __tablename__ = "user_account"

    username: str = SQLField(max_length=64, unique=True, index=True)
    name: str = SQLField(max_length=200)
    role: Role = enum_field(20)  # type: ignore[assignment]
    clearance: Classification = enum_field(20)  # type: ignore[assignment]
    organisation: str = SQLField(max_length=200)
    active: bool = SQLField(default=True)
    password_hash: str = SQLField(max_length=200)
    last_login_at: datetime | None = timestamp_field(default=None, nullable=True)  # type: ignore[assignment]


class AccessToken(SQLModel, table=True):
    """A user's bearer token; only its hash is kept, so it can be revoked but never read back."""

    __tablename__ = "access_token"

    id: str = SQLField(default_factory=new_id, primary_key=True, max_length=36)
    user_id: str = SQLField(foreign_key="user_account.id", index=True, max_length=36, ondelete="CASCADE")
    token_hash: str = SQLField(max_length=64, unique=True)
    created_at: datetime = timestamp_field(nullable=False)  # type: ignore[assignment]
    expires_at: datetime = timestamp_field(nullable=False)  # type: ignore[assignment]
    revoked_at: datetime | None = timestamp_field(default=None, nullable=True)  # type: ignore[assignment]


class ApiKey(Record, table=True):
    """A partner system's key: explicit scopes, a clearance and an organisation; only a hash is kept."""

    __tablename__ = "api_key"

    name: str = SQLField(max_length=200)
    organisation: str = SQLField(max_length=200)
    prefix: str = SQLField(max_length=16)
    key_hash: str = SQLField(max_length=64, unique=True)
    scopes: list[str] = SQLField(default_factory=list, sa_column=Column(JSON, nullable=False))
    clearance: Classification = enum_field(20)  # type: ignore[assignment]
    created_by: str = SQLField(max_length=200)
    expires_at: datetime | None = timestamp_field(default=None, nullable=True)  # type: ignore[assignment]
    revoked_at: datetime | None = timestamp_field(default=None, nullable=True)  # type: ignore[assignment]
    last_used_at: datetime | None = timestamp_field(default=None, nullable=True)  # type: ignore[assignment]


class LoginThrottle(SQLModel, table=True):
    """Failed sign-ins counted per username (`user:<name>`) and per client address (`addr:<ip>`), in the database
    so the limit holds across processes; changed only by atomic `UPDATE … RETURNING`."""

    __tablename__ = "login_throttle"

    key: str = SQLField(primary_key=True, max_length=300)
    window_start: datetime = timestamp_field(nullable=False)  # type: ignore[assignment]
    failures: int = SQLField(default=0)


class ApiRateLimit(SQLModel, table=True):
    """Requests per partner API key in the current fixed window (`window_start`, Unix seconds), in the database so
    the limit holds across processes; changed only by one atomic `INSERT … ON CONFLICT DO UPDATE … RETURNING`."""

    __tablename__ = "api_rate_limit"

    key_id: str = SQLField(primary_key=True, max_length=36)
    window_start: int = SQLField(default=0, sa_type=BigInteger)
    hits: int = SQLField(default=0)


Scope = Literal[SCOPES]  # type: ignore[valid-type]


class UserCreate(BaseModel):
    """A new user. Clearance defaults to the role's."""

    model_config = ConfigDict(extra="forbid")

    username: Username
    name: ShortText
    password: Password
    role: Role
    clearance: Classification | None = None
    organisation: ShortText = "Council"


class UserUpdate(BaseModel):
    """Changes to a user; `active: false` ends every token they hold at once."""

    model_config = ConfigDict(extra="forbid")

    name: ShortText | None = None
    role: Role | None = None
    clearance: Classification | None = None
    organisation: ShortText | None = None
    active: bool | None = Field(default=None, strict=True)
    password: Password | None = None


class UserRead(RecordRead):
    """A user as the API shows it (never the password hash)."""

    username: str
    name: str
    role: Role
    clearance: Classification
    organisation: str
    active: bool
    last_login_at: UtcDateTime | None


class ApiKeyCreate(BaseModel):
    """A new partner API key."""

    model_config = ConfigDict(extra="forbid")

    name: ShortText
    organisation: ShortText
    scopes: list[Scope] = Field(min_length=1)  # type: ignore[valid-type]
    clearance: Classification = Classification.OFFICIAL
    expires_at: UtcDateTime | None = None

    @field_validator("scopes")
    @classmethod
    def _unique(cls, value: list[str]) -> list[str]:
        return sorted(set(value))


class ApiKeyRead(RecordRead):
    """A key as listed: its prefix identifies it, the secret is never shown again."""

    name: str
    organisation: str
    prefix: str
    scopes: list[str]
    clearance: Classification
    created_by: str
    expires_at: UtcDateTime | None
    revoked_at: UtcDateTime | None
    last_used_at: UtcDateTime | None


class ApiKeyCreated(ApiKeyRead):
    """The response to creating a key: the only time `key` is shown."""

    key: str


class TokenResponse(BaseModel):
    """An OAuth2-style bearer token."""

    access_token: str
    token_type: Literal["bearer"] = "bearer"
    expires_in: int


class Me(BaseModel):
    """Who the caller is, as the API sees them."""

    name: str
    kind: Literal["user", "api_key"]
    role: Role | None = None
    organisation: str
    scopes: list[str]
    clearance: Classification
    username: str | None = None
