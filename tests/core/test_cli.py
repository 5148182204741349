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
    assert "cannot reach its data" in page.text and "<h1" in page.text
