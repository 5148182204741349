"""Migrations are the only way the schema is made: they go up to head and back down to base, cleanly."""

from __future__ import annotations

import os
import uuid

from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import make_url
from sqlmodel import SQLModel

from app.migrate import downgrade, include_name, upgrade


def _fresh_url(tmp_path) -> tuple[str, object]:
    if os.environ.get("CONTEST_TEST_BACKEND") == "postgres":
        server = make_url(os.environ["TEST_DATABASE_URL"].replace("postgresql://", "postgresql+psycopg://", 1))
        name = f"contest_hub_migrations_{uuid.uuid4().hex[:8]}"
        admin = create_engine(server, isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))

        def drop() -> None:
            with admin.connect() as connection:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            admin.dispose()

        return server.set(database=name).render_as_string(hide_password=False), drop
    return f"sqlite:///{tmp_path / 'migrations.db'}", lambda: None


def test_upgrade_to_head_then_down_to_base_then_up_again(tmp_path):
    url, drop = _fresh_url(tmp_path)
    try:
        upgrade(url)
        engine = create_engine(url)
        tables = set(inspect(engine).get_table_names())
        assert set(SQLModel.metadata.tables) <= tables, "every model's table is made by a migration"
        engine.dispose()
        downgrade(url, "base")
        engine = create_engine(url)
        assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
        engine.dispose()
        upgrade(url)
    finally:
        drop()


def test_migrations_match_the_models(tmp_path):
    """Autogenerate finds nothing to do: the models and the migrations agree."""
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    url, drop = _fresh_url(tmp_path)
    try:
        upgrade(url)
        engine = create_engine(url)
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": False, "include_name": include_name})
            differences = [
                d
                for d in compare_metadata(context, SQLModel.metadata)
                if not (isinstance(d, tuple) and d[0] in {"add_fk", "remove_fk"})
            ]
        engine.dispose()
        assert differences == []
    finally:
        drop()
