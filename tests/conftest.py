"""Shared fixtures: a database built by the real migrations, the app, principals of every role.

The backend is SQLite unless CONTEST_TEST_BACKEND=postgres, which uses a fresh database created on the server
named by TEST_DATABASE_URL (and dropped afterwards). Each test starts from empty tables.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import make_url
from sqlmodel import Session, SQLModel

from app.api import kept
from app.core.database import Database
from app.core.security import ROLE_CLEARANCE, Classification, Role, hash_password
from app.core.settings import Settings
from app.main import create_app
from app.migrate import upgrade
from app.models.identity import ApiKeyCreate, User
from app.services import identity, summary, threat_level

pytest_plugins = ["tests.browser"]

TEST_SECRET = "test-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz"
TEST_PASSWORD = "correct-horse-battery"
_PASSWORD_HASH = hash_password(TEST_PASSWORD)  # hashed once: Argon2 is slow by design


def _backend() -> str:
    return os.environ.get("CONTEST_TEST_BACKEND", "sqlite")


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A new, migrated database for this test run."""
    if _backend() == "postgres":
        server = os.environ.get("TEST_DATABASE_URL")
        if not server:
            pytest.exit("CONTEST_TEST_BACKEND=postgres needs TEST_DATABASE_URL", returncode=2)
        name = f"contest_hub_test_{uuid.uuid4().hex[:10]}"
        admin_url = make_url(server.replace("postgresql://", "postgresql+psycopg://", 1))
        admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        url = admin_url.set(database=name).render_as_string(hide_password=False)
        upgrade(url)
        yield url
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
    else:
        url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'contest-hub.db'}"
        upgrade(url)
        yield url


@pytest.fixture(scope="session")
def settings(database_url: str) -> Settings:
    """Settings for the app under test."""
    # SQLite has one writer: thirty sign-ins fired at once each hold it through an Argon2 check, which on a loaded
    # 2-core machine adds up past the production busy timeout (5 s). The race tests are about the answers, not that
    # bound (tests/core/test_outages.py tests the bounds with its own settings), so the suite waits longer.
    return Settings(
        env="test",
        database_url=database_url,
        secret_key=TEST_SECRET,
        db_pool_size=10,
        db_busy_timeout_seconds=30,
        db_queue_timeout_seconds=60,
    )


@pytest.fixture(scope="session")
def database(settings: Settings) -> Iterator[Database]:
    """The app's database object."""
    db = Database(settings)
    yield db
    db.dispose()


@pytest.fixture(scope="session")
def app(settings: Settings, database: Database) -> FastAPI:
    """The whole product."""
    return create_app(settings, database)


_KEEP = {"alembic_version"}


@pytest.fixture(scope="session")
def migrated_tables(database: Database) -> list[str]:
    """The tables the migrations made, children before parents."""
    present = set(inspect(database.engine).get_table_names())
    return [t.name for t in reversed(SQLModel.metadata.sorted_tables) if t.name in present and t.name not in _KEEP]


@pytest.fixture(autouse=True)
def clean_tables(database: Database, migrated_tables: list[str]) -> Iterator[None]:
    """Every test starts from empty tables."""
    yield
    tables = migrated_tables
    with database.write_engine.begin() as connection:
        for table in tables:  # DELETE, not TRUNCATE: far cheaper on PostgreSQL for a few rows
            connection.execute(text(f'DELETE FROM "{table}"'))
    threat_level.CACHE.clear()
    identity.PRINCIPALS.clear()
    summary.CACHE.clear()
    kept.ANSWERS.clear()


@pytest.fixture(scope="session")
def client(app: FastAPI) -> Iterator[TestClient]:
    """An HTTP client for the app, in process."""
    with TestClient(app, base_url="http://testserver") as test_client:
        yield test_client


@pytest.fixture
def db_session(database: Database) -> Iterator[Session]:
    """A session for arranging data directly (commit it yourself)."""
    with database.session() as session:
        yield session


@dataclass
class Actor:
    """A principal for tests: its user (if any) and bearer token."""

    token: str
    user_id: str | None = None
    username: str | None = None

    @property
    def headers(self) -> dict[str, str]:
        """The Authorization header."""
        return {"Authorization": f"Bearer {self.token}"}


@pytest.fixture
def make_user(database: Database) -> Callable[..., Actor]:
    """Create a user of a role and return an Actor holding a token for them."""

    def make(
        role: Role | str = Role.OFFICER,
        *,
        username: str | None = None,
        clearance: Classification | str | None = None,
        organisation: str = "Council",
    ) -> Actor:
        role = Role(role)
        username = username or f"{role.value}-{uuid.uuid4().hex[:8]}"
        with database.session() as session:
            user = User(
                username=username,
                name=username.title(),
                role=role,
                organisation=organisation,
                clearance=Classification(clearance) if clearance else ROLE_CLEARANCE[role],
                password_hash=_PASSWORD_HASH,
            )
            session.add(user)
            session.flush()
            token = identity.issue_token(session, user, lifetime_seconds=3600)
            session.commit()
            return Actor(token=token, user_id=user.id, username=username)

    return make


@pytest.fixture
def make_api_key(database: Database) -> Callable[..., Actor]:
    """Create a partner API key and return an Actor holding it."""

    def make(
        scopes: list[str],
        *,
        clearance: str = "OFFICIAL",
        organisation: str = "Metropolitan Police Service",
        **extra: Any,
    ) -> Actor:
        with database.session() as session:
            created = identity.create_api_key(
                session,
                ApiKeyCreate(
                    name=f"key-{uuid.uuid4().hex[:6]}",
                    organisation=organisation,
                    scopes=scopes,
                    clearance=clearance,
                    **extra,
                ),  # type: ignore[arg-type]
                actor=None,
                created_by="tests",
            )
            session.commit()
            return Actor(token=created.key, user_id=created.id)

    return make


@pytest.fixture
def admin(make_user: Callable[..., Actor]) -> Actor:
    """An administrator."""
    return make_user(Role.ADMIN)


@pytest.fixture
def officer(make_user: Callable[..., Actor]) -> Actor:
    """A council officer (all read and write scopes but admin; OFFICIAL-SENSITIVE)."""
    return make_user(Role.OFFICER)


@pytest.fixture
def viewer(make_user: Callable[..., Actor]) -> Actor:
    """A viewer (read only; OFFICIAL)."""
    return make_user(Role.VIEWER)


@pytest.fixture
def emt(make_user: Callable[..., Actor]) -> Actor:
    """A member of the Executive Management Team."""
    return make_user(Role.EMT)


@pytest.fixture
def member(make_user: Callable[..., Actor]) -> Actor:
    """An elected member."""
    return make_user(Role.MEMBER)


def assert_problem(response: Any, status: int) -> dict[str, Any]:
    """Assert a problem+json error of a status and return its body."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json"), response.headers
    body: dict[str, Any] = response.json()
    assert body["status"] == status and body["title"] and body["detail"] and body["type"]
    return body
