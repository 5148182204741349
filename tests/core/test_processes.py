"""Real `contest-hub serve` processes: what must hold across processes, and what survives a kill -9.

Several app processes behind a load balancer share the database, not their memory: login throttling, idempotency
keys, If-Match and the threat level's short cache must hold across them (PostgreSQL only: two processes on one
SQLite file is not a supported deployment). On either backend, a server killed with SIGKILL in the middle of a
burst of writes must not lose any write whose 201 reached the client.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select

from app.core.database import Database
from app.core.settings import Settings
from app.models.threat_level import ThreatLevelChange
from app.services import threat_level
from tests.builders import site_body
from tests.conftest import TEST_PASSWORD, TEST_SECRET, Actor, assert_problem
from tests.ops import free_port
from tests.races import at_once, statuses

API = "/api/v1"
TOKEN = f"{API}/auth/token"
SITES = f"{API}/sites"
THREAT_LEVEL = f"{API}/threat-level"
START_TIMEOUT = 30.0  # seconds for a process to migrate (a no-op here) and answer /healthz

on_postgres_only = pytest.mark.skipif(
    os.environ.get("CONTEST_TEST_BACKEND") != "postgres",
    reason="two processes share a PostgreSQL database, not a SQLite file",
)


@dataclass
class Server:
    """One `contest-hub serve` subprocess."""

    process: subprocess.Popen[bytes]
    url: str
    log: Path

    def output(self) -> str:
        """What the process printed (for failure messages)."""
        return self.log.read_text(errors="replace")[-4000:] if self.log.exists() else ""


def _contest_hub() -> str:
    """The venv's `contest-hub`, next to this interpreter."""
    command = Path(sys.executable).with_name("contest-hub")
    assert command.exists(), f"{command} is missing: install the project into this venv (pip install -e .)"
    return str(command)


def _environment(database_url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CONTEST_")}
    env.update(
        CONTEST_ENV="test",
        CONTEST_DATABASE_URL=database_url,
        CONTEST_SECRET_KEY=TEST_SECRET,
        CONTEST_DB_POOL_SIZE="10",
        CONTEST_LOG_LEVEL="WARNING",
    )
    return env


def _stop(server: Server) -> None:
    """Terminate, then kill if it lingers; always reaped."""
    if server.process.poll() is None:
        server.process.terminate()
        try:
            server.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.process.kill()
            server.process.wait(timeout=10)


@contextmanager
def serving(database_url: str, directory: Path, count: int = 1) -> Iterator[list[Server]]:
    """`count` servers on free ports, started together, answering /healthz; always stopped afterwards."""
    servers: list[Server] = []
    try:
        for n in range(count):
            port, log = free_port(), directory / f"server-{n}.log"
            with log.open("wb") as out:  # the child keeps its own descriptor
                process = subprocess.Popen(
                    [_contest_hub(), "serve", "--host", "127.0.0.1", "--port", str(port)],
                    cwd=directory,  # no stray .env
                    env=_environment(database_url),
                    stdin=subprocess.DEVNULL,
                    stdout=out,
                    stderr=subprocess.STDOUT,
                )
            servers.append(Server(process, f"http://127.0.0.1:{port}", log))
        deadline = time.monotonic() + START_TIMEOUT
        for server in servers:
            while True:
                assert server.process.poll() is None, f"the server exited at start:\n{server.output()}"
                with suppress(httpx.HTTPError):
                    if httpx.get(f"{server.url}/healthz", timeout=1).status_code == 200:
                        break
                assert time.monotonic() < deadline, f"no /healthz within {START_TIMEOUT}s:\n{server.output()}"
                time.sleep(0.1)
        yield servers
    finally:
        for server in servers:
            _stop(server)


def _login(base: str, username: str | None, password: str) -> httpx.Response:
    return httpx.post(f"{base}{TOKEN}", data={"username": username or "", "password": password}, timeout=30)


# --- two processes, one PostgreSQL ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def two_servers(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    """Processes A and B serving the test run's database (shared by this module's PostgreSQL tests)."""
    with serving(database_url, tmp_path_factory.mktemp("two-servers"), count=2) as (a, b):
        yield a.url, b.url


@on_postgres_only
def test_login_throttling_holds_across_two_processes(two_servers, make_user, settings: Settings):
    a, b = two_servers
    user = make_user("viewer")
    limit = settings.login_max_failures

    sent = [_login((a, b)[i % 2], user.username, "wrong-password-123") for i in range(limit + 3)]

    assert [r.status_code for r in sent] == [401] * limit + [429] * 3, "alternating A, B, A, ..."
    for base in (a, b):  # even the right password waits, on either process
        refused = _login(base, user.username, TEST_PASSWORD)
        assert_problem(refused, 429)
        assert 1 <= int(refused.headers["Retry-After"]) <= settings.login_window_seconds


@on_postgres_only
def test_login_throttling_holds_for_bad_passwords_sent_at_once_to_two_processes(
    two_servers, make_user, settings: Settings
):
    a, b = two_servers
    user = make_user("viewer")
    limit = settings.login_max_failures
    form = {"data": {"username": user.username, "password": "wrong-password-123"}}

    responses = at_once(a, [("POST", f"{(a, b)[i % 2]}{TOKEN}", form) for i in range(2 * limit + 2)])

    codes = statuses(responses)
    assert set(codes) <= {401, 429}, codes
    assert codes.count(401) <= limit, f"{codes.count(401)} failures answered 401 before 429 (limit {limit}): {codes}"
    assert_problem(_login(b, user.username, TEST_PASSWORD), 429)


@on_postgres_only
def test_an_idempotency_key_used_on_a_then_b_is_replayed_and_creates_one_record(two_servers, officer: Actor):
    a, b = two_servers
    name = f"Idempotent {uuid.uuid4().hex[:8]}"
    headers = {**officer.headers, "Idempotency-Key": f"key-{uuid.uuid4()}"}

    first = httpx.post(f"{a}{SITES}", headers=headers, json=site_body(name), timeout=30)
    second = httpx.post(f"{b}{SITES}", headers=headers, json=site_body(name), timeout=30)

    assert first.status_code == 201, first.text
    assert "Idempotent-Replayed" not in first.headers
    assert second.status_code == 201, second.text
    assert second.headers["Idempotent-Replayed"] == "true"
    assert second.headers["Location"] == first.headers["Location"]
    assert second.headers["ETag"] == first.headers["ETag"]
    assert second.json()["id"] == first.json()["id"]
    listed = httpx.get(f"{b}{SITES}", headers=officer.headers, params={"limit": 100}, timeout=30).json()["items"]
    assert [s["id"] for s in listed if s["name"] == name] == [first.json()["id"]]


@on_postgres_only
def test_an_idempotency_key_sent_at_once_to_a_and_b_creates_one_record(two_servers, officer: Actor):
    a, b = two_servers
    name = f"Idempotent race {uuid.uuid4().hex[:8]}"
    kwargs = {"headers": {**officer.headers, "Idempotency-Key": f"key-{uuid.uuid4()}"}, "json": site_body(name)}

    responses = at_once(a, [("POST", f"{a}{SITES}", kwargs), ("POST", f"{b}{SITES}", kwargs)])

    ran = [r for r in responses if r.status_code == 201 and "Idempotent-Replayed" not in r.headers]
    assert len(ran) == 1, [(r.status_code, dict(r.headers)) for r in responses]
    other = next(r for r in responses if r is not ran[0])
    if other.status_code == 201:  # it arrived after the first had finished: a replay of it
        assert other.headers["Idempotent-Replayed"] == "true" and other.json()["id"] == ran[0].json()["id"]
    else:  # it arrived while the first was running
        assert_problem(other, 409)
    listed = httpx.get(f"{a}{SITES}", headers=officer.headers, params={"limit": 100}, timeout=30).json()["items"]
    assert [s["id"] for s in listed if s["name"] == name] == [ran[0].json()["id"]]


@on_postgres_only
def test_if_match_holds_across_two_processes_in_turn_and_at_once(two_servers, officer: Actor):
    a, b = two_servers
    created = httpx.post(f"{a}{SITES}", headers=officer.headers, json=site_body("Contested"), timeout=30)
    assert created.status_code == 201, created.text
    url = f"{SITES}/{created.json()['id']}"
    etag = created.headers["ETag"]

    on_a = httpx.patch(f"{a}{url}", headers={**officer.headers, "If-Match": etag}, json={"operator": "A"}, timeout=30)
    on_b = httpx.patch(f"{b}{url}", headers={**officer.headers, "If-Match": etag}, json={"operator": "B"}, timeout=30)

    assert on_a.status_code == 200, on_a.text
    assert_problem(on_b, 412)

    for round_ in range(5):  # one PATCH to each process, released together, from the same ETag
        etag = httpx.get(f"{b}{url}", headers=officer.headers, timeout=30).headers["ETag"]
        headers = {**officer.headers, "If-Match": etag}
        responses = at_once(
            a,
            [
                ("PATCH", f"{a}{url}", {"headers": headers, "json": {"operator": f"A{round_}"}}),
                ("PATCH", f"{b}{url}", {"headers": headers, "json": {"operator": f"B{round_}"}}),
            ],
        )
        assert statuses(responses) == [200, 412], (round_, [r.text for r in responses])
        winner = next(r for r in responses if r.status_code == 200)
        stored = httpx.get(f"{a}{url}", headers=officer.headers, timeout=30)
        assert stored.json()["operator"] == winner.json()["operator"]
        assert stored.headers["ETag"] == winner.headers["ETag"]


@on_postgres_only
def test_a_threat_level_set_on_a_shows_on_b_within_the_cache_lifetime(two_servers, officer: Actor):
    a, b = two_servers
    bound = threat_level.CACHE.ttl + 1.5  # the per-process cache's lifetime, plus slack for a busy machine

    def level_on_b() -> str | None:
        response = httpx.get(f"{b}{THREAT_LEVEL}", timeout=10)
        return response.json()["level"] if response.status_code == 200 else None

    def wait_for(level: str) -> float:
        started = time.monotonic()
        while (seen := level_on_b()) != level:
            waited = time.monotonic() - started
            assert waited < bound, f"B still shows {seen!r} {waited:.1f}s after A recorded {level} (bound {bound}s)"
            time.sleep(0.1)
        return time.monotonic() - started

    for level in ("SUBSTANTIAL", "CRITICAL"):  # the first also fills B's cache, so the second must replace it
        recorded = httpx.post(
            f"{a}{THREAT_LEVEL}", headers=officer.headers, json={"level": level, "note": "two processes"}, timeout=30
        )
        assert recorded.status_code == 201, recorded.text
        wait_for(level)


# --- kill -9 during a burst of writes ---------------------------------------------------------------------------

BURST = 200
KILL_AFTER = 40  # acknowledged writes before the SIGKILL


def test_kill_9_during_a_burst_of_writes_loses_no_acknowledged_write(
    database_url: str, database: Database, officer: Actor, tmp_path: Path
):
    acknowledged: list[str] = []
    lock, enough = threading.Lock(), threading.Event()

    with serving(database_url, tmp_path) as (server,):
        limits = httpx.Limits(max_connections=16, max_keepalive_connections=16)
        with httpx.Client(base_url=server.url, headers=officer.headers, timeout=30, limits=limits) as http:

            def write(n: int) -> None:
                if server.process.poll() is not None:
                    return
                with suppress(httpx.HTTPError):  # after the kill: refused, reset or cut short
                    response = http.post(THREAT_LEVEL, json={"level": "SEVERE", "note": f"burst {n}"})
                    if response.status_code == 201:
                        with lock:
                            acknowledged.append(response.json()["id"])
                            if len(acknowledged) >= KILL_AFTER:
                                enough.set()

            with ThreadPoolExecutor(max_workers=16) as pool:
                futures = [pool.submit(write, n) for n in range(BURST)]
                assert enough.wait(timeout=40), f"only {len(acknowledged)} writes acknowledged:\n{server.output()}"
                os.kill(server.process.pid, signal.SIGKILL)
                server.process.wait(timeout=10)
                for future in futures:
                    future.result()

    with lock:
        acked = list(acknowledged)
    assert 0 < len(acked) < BURST, f"{len(acked)} of {BURST} acknowledged: the kill did not land mid-burst"
    with database.session(write=False) as session:
        stored = set(session.execute(select(ThreatLevelChange.id)).scalars())
    lost = [i for i in acked if i not in stored]
    assert not lost, f"{len(lost)} of {len(acked)} acknowledged writes lost after kill -9: {lost[:5]}"
    assert len(stored) >= len(acked), f"{len(acked)} acknowledged, {len(stored)} stored"
