"""Alembic, driven from code: the migrations in migrations/ are the only way the schema is made."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"


def alembic_config(database_url: str) -> Config:
    """An Alembic configuration for the given database."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("path_separator", "os")
    config.attributes["database_url"] = database_url
    return config


def include_name(name: str | None, type_: str, parent_names: object) -> bool:
    """What autogenerate compares: not the search index, which the models do not describe (app/services/search.py)."""
    from app.services.search import made_by_migration_only

    return not made_by_migration_only(name)


def upgrade(database_url: str, revision: str = "heads") -> None:
    """Bring the schema up to the newest revision (or the one named)."""
    command.upgrade(alembic_config(database_url), revision)


def downgrade(database_url: str, revision: str = "base") -> None:
    """Take the schema down to the revision named (base: nothing)."""
    command.downgrade(alembic_config(database_url), revision)


def is_current(engine: Engine, database_url: str) -> bool:
    """Whether the database is migrated to the newest revision."""
    heads = set(ScriptDirectory.from_config(alembic_config(database_url)).get_heads())
    with engine.connect() as connection:
        return set(MigrationContext.configure(connection).get_current_heads()) == heads
