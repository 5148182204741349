"""The contest-hub command: bootstrap users and keys without the web, and check the audit chain."""

from __future__ import annotations

import os
import re
import subprocess
import sys

import pytest
from sqlalchemy import text

from app.migrate import upgrade


@pytest.fixture
def cli_env(tmp_path):
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    upgrade(url)
    return {**os.environ, "CONTEST_DATABASE_URL": url, "CONTEST_ENV": "development"}, url


def _run(env, *args, stdin=""):
    return subprocess.run(
        [sys.executable, "-m", "app.cli", *args],
        input=stdin,
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )


def test_create_user_reads_the_password_from_stdin_and_refuses_duplicates(cli_env):
    env, _ = cli_env
    done = _run(
        env,
        "create-user",
        "priya",
        "--role",
        "officer",
        "--organisation",
        "Community Safety",
        stdin="a-long-password-1\n",
    )
    assert done.returncode == 0, done.stderr
    assert "Created priya (officer, OFFICIAL-SENSITIVE)" in done.stdout
    again = _run(env, "create-user", "priya", "--role", "viewer", stdin="a-long-password-1\n")
    assert again.returncode == 1 and "already taken" in again.stderr
    short = _run(env, "create-user", "sam", "--role", "viewer", stdin="short\n")
    assert short.returncode == 1 and "password" in short.stderr


def test_create_api_key_prints_the_key_alone_on_the_last_line(cli_env, settings):
    env, url = cli_env
    done = _run(
        env,
        "create-api-key",
        "Met CT",
        "--organisation",
        "Metropolitan Police Service",
        "--scopes",
        "prevent:read,threat:write",
        "--clearance",
        "OFFICIAL-SENSITIVE",
    )
    assert done.returncode == 0, done.stderr
    key = done.stdout.strip().splitlines()[-1]
    assert key.startswith("chub_") and " " not in key
    from fastapi.testclient import TestClient

    from app.main import create_app

    with TestClient(create_app(settings.model_copy(update={"database_url": url}))) as http:
        me = http.get("/api/v1/me", headers={"Authorization": f"Bearer {key}"}).json()
    assert me["organisation"] == "Metropolitan Police Service" and me["scopes"] == ["prevent:read", "threat:write"]
    bad = _run(env, "create-api-key", "x", "--organisation", "y", "--scopes", "everything")
    assert bad.returncode == 1


def test_verify_audit_exits_non_zero_when_the_chain_is_broken(cli_env):
    env, url = cli_env
    for name in ("a-one", "b-two"):
        assert _run(env, "create-user", name, "--role", "viewer", stdin="a-long-password-1\n").returncode == 0
    ok = _run(env, "verify-audit")
    assert ok.returncode == 0 and "2 events checked" in ok.stdout
    from sqlalchemy import create_engine

    engine = create_engine(url)
    with engine.begin() as connection:
        connection.execute(text("UPDATE audit_event SET entity_id = 'tampered' WHERE id = 1"))
    engine.dispose()
    broken = _run(env, "verify-audit")
    assert broken.returncode == 1 and "BROKEN at event 1" in broken.stderr


def test_demo_refused_outside_development(cli_env):
    env, _ = cli_env
    done = _run({**env, "CONTEST_ENV": "production", "CONTEST_SECRET_KEY": "x" * 40}, "serve", "--demo", "--port", "1")
    assert done.returncode == 2 and "development" in done.stderr


def test_production_refuses_the_default_secret(cli_env):
    env, _ = cli_env
    done = _run({**env, "CONTEST_ENV": "production"}, "migrate")
    assert done.returncode != 0 and "CONTEST_SECRET_KEY" in done.stderr


def test_the_pages_explain_when_the_api_is_unreachable(settings):
    from fastapi.testclient import TestClient

    from app.main import create_app

    detached = settings.model_copy(update={"api_url": "http://127.0.0.1:9/api/v1"})
    with TestClient(create_app(detached)) as http:
        form = http.get("/login")
        assert form.status_code == 200  # the sign-in form itself needs nothing from the API
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', form.text).group(1)
        page = http.post("/login", data={"username": "someone", "password": "x", "csrf_token": csrf})
    assert page.status_code == 503
    assert "Sorry, the service is unavailable" in page.text and "Try again in a few minutes" in page.text
    assert "<h1" in page.text and page.headers["Retry-After"]


def _writer(url, stop, committed):
    """Keep recording threat levels (each with its audit event) until told to stop."""
    from app.core.database import Database
    from app.core.settings import Settings
    from app.models.threat_level import ThreatLevelCreate
    from app.services import threat_level

    database = Database(Settings(env="development", database_url=url))
    levels = ["SEVERE", "SUBSTANTIAL"]
    try:
        while not stop.is_set():
            with database.session() as session:
                change = threat_level.create(
                    session, ThreatLevelCreate(level=levels[len(committed) % 2], note="writer"), actor=None
                )
                session.commit()
            committed.append(change.id)
    finally:
        database.dispose()


def _ids(url):
    from sqlalchemy import create_engine

    engine = create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
    with engine.connect() as connection:
        ids = {row[0] for row in connection.execute(text("SELECT id FROM threat_level_change"))}
    engine.dispose()
    return ids


def _backup_restore_while_writing(env, url, backup, restore_url):
    import threading
    import time

    stop, committed = threading.Event(), []
    writer = threading.Thread(target=_writer, args=(url, stop, committed), daemon=True)
    writer.start()
    try:
        deadline = time.monotonic() + 60
        while len(committed) < 20:
            assert writer.is_alive() and time.monotonic() < deadline, "the writer stopped before writing 20 rows"
            time.sleep(0.05)
        before = set(committed)
        done = _run(env, "backup", str(backup))
        after = set(committed)
        assert done.returncode == 0, done.stderr
        time.sleep(0.3)
    finally:
        stop.set()
        writer.join(timeout=30)
    assert len(committed) > len(after) or len(after) > len(before)  # the writer kept writing throughout
    target_env = {**env, "CONTEST_DATABASE_URL": restore_url}
    restored = _run(target_env, "restore", str(backup))
    assert restored.returncode == 0, restored.stderr
    ids = _ids(restore_url)
    assert before <= ids <= after  # every row committed before the backup began; nothing not committed
    verified = _run(target_env, "verify-audit")
    assert verified.returncode == 0 and "intact" in verified.stdout, verified.stderr
    again = _run(target_env, "restore", str(backup))
    assert again.returncode == 1 and "not empty" in again.stderr and "--force" in again.stderr
    forced = _run(target_env, "restore", "--force", str(backup))
    assert forced.returncode == 0, forced.stderr
    assert _ids(restore_url) == ids
    exists = _run(env, "backup", str(backup))
    assert exists.returncode == 2 and "exists" in exists.stderr


def test_backup_is_online_and_consistent_and_restores_on_sqlite(cli_env, tmp_path):
    env, url = cli_env
    restore_url = f"sqlite:///{tmp_path / 'restored.db'}"
    _backup_restore_while_writing(env, url, tmp_path / "backup.db", restore_url)


@pytest.mark.skipif(os.environ.get("CONTEST_TEST_BACKEND") != "postgres", reason="the PostgreSQL backup path")
def test_backup_is_online_and_consistent_and_restores_on_postgres(database_url, tmp_path):
    import uuid

    from sqlalchemy import create_engine
    from sqlalchemy.engine import make_url

    server = make_url(database_url)
    plain = server.set(drivername="postgresql")
    source_url = plain.render_as_string(hide_password=False)
    restore_name = f"contest_hub_restore_{uuid.uuid4().hex[:8]}"
    restore_url = plain.set(database=restore_name).render_as_string(hide_password=False)
    admin = create_engine(server.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{restore_name}"'))
    env = {**os.environ, "CONTEST_DATABASE_URL": source_url, "CONTEST_ENV": "development"}
    try:
        _backup_restore_while_writing(env, source_url, tmp_path / "backup.dump", restore_url)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{restore_name}" WITH (FORCE)'))
        admin.dispose()


def test_the_demo_prints_the_partner_keys_scopes_and_clearance(cli_env):
    env, _ = cli_env
    done = _run(env, "demo")
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert re.search(r"Demo partner API key \(shown once\): chub_\S+", out), out
    assert "scopes: prepare:read, prevent:read, protect:read, threat:write" in out, out
    assert "clearance: OFFICIAL-SENSITIVE" in out, out
    again = _run(env, "demo")
    assert again.returncode == 0 and "chub_" not in again.stdout
    assert "scopes: prepare:read, prevent:read, protect:read, threat:write" in again.stdout, again.stdout
    assert "clearance: OFFICIAL-SENSITIVE" in again.stdout


def test_serve_freezes_what_start_up_built_and_collects_less_often(cli_env, monkeypatch):
    """The collector skips the start-up heap and runs less often (README "Performance": the tail under load)."""
    import gc

    import uvicorn

    from app import cli

    env, _ = cli_env
    for name in ("CONTEST_DATABASE_URL", "CONTEST_ENV"):
        monkeypatch.setenv(name, env[name])
    monkeypatch.setenv("CONTEST_SECRET_KEY", "s" * 48)
    from app.core.settings import get_settings

    get_settings.cache_clear()
    seen: list[tuple[int, int]] = []
    monkeypatch.setattr(uvicorn, "run", lambda app, **_: seen.append((gc.get_freeze_count(), gc.get_threshold()[0])))
    threshold = gc.get_threshold()
    try:
        assert cli.main(["serve", "--port", "1"]) == 0
    finally:
        gc.unfreeze()
        gc.set_threshold(*threshold)
        get_settings.cache_clear()
    frozen, young = seen[0]
    assert frozen > 10_000
    assert young == cli.YOUNG_COLLECTION_THRESHOLD
