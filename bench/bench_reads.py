"""Reads and pages as partners and staff see them, measured with wrk against a bare FastAPI app in the same run.

Serves the product with `contest-hub serve` (one process, no access log) on a scratch database loaded with the demo
data, and `bench/bare.py` (`async def ping(): return {"ok": True}`) in a uvicorn process beside it. For each
endpoint it alternates wrk runs on the bare app and on the endpoint, several rounds, and reports the median ratio of
requests per second (so the machine's noise cancels) with its spread. Then 256 connections on a 50-row list: p99
latency, errors, and the app process's resident memory during that run (sampled every 50 ms; its lifetime peak is
printed too, and is higher because of sign-in: Argon2 takes 64 MiB for each password being checked).

    .venv/bin/python bench/bench_reads.py [--database-url postgresql://postgres@127.0.0.1:5432/postgres]
                                          [--rounds 3] [--duration 5] [--connections 32]

With a PostgreSQL server URL it creates a scratch database there and drops it afterwards. Needs `wrk` (Debian's
package; `make bench` installs it when it can).
"""

from __future__ import annotations

import argparse
import os
import re
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
QUIET = ("--no-access-log", "--log-level", "warning")


@dataclass
class Target:
    """One row of the table: what is read, by whom, and the ratio to reach."""

    name: str
    path: str
    who: str  # "public" | "user" | "partner" | "page"
    goal: float
    ratios: list[float] = field(default_factory=list)


@dataclass
class WrkResult:
    """What one wrk run reported."""

    rps: float
    p99_ms: float
    errors: int


def free_port() -> int:
    """A free loopback port."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def wait_until_up(url: str, process: subprocess.Popen[bytes], timeout: float = 60) -> None:
    """Wait for a served process to answer."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"the server at {url} exited with {process.returncode}")
        try:
            if httpx.get(url, timeout=1).status_code < 500:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise SystemExit(f"the server at {url} did not start")


@contextmanager
def scratch_database(server_url: str | None, workdir: Path) -> Iterator[str]:
    """A new, empty database: SQLite in the work folder, or a database created on the PostgreSQL server given."""
    if not server_url:
        yield f"sqlite:///{workdir / 'bench.db'}"
        return
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    name = f"contest_hub_bench_{uuid.uuid4().hex[:8]}"
    admin_url = make_url(server_url.replace("postgresql://", "postgresql+psycopg://", 1))
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield admin_url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def load_demo(env: dict[str, str]) -> tuple[dict[str, str], str]:
    """Migrate and load the demo data; the demo passwords by role and the partner key."""
    out = subprocess.run([str(BIN / "contest-hub"), "demo"], env=env, capture_output=True, text=True, check=True).stdout
    passwords = {m[1]: (m[2], m[3]) for m in re.finditer(r"^\s+(\w+)\s+username: (\S+)\s+password: (\S+)", out, re.M)}
    key = re.search(r"Demo partner API key \(shown once\): (\S+)", out)
    if not key or "officer" not in passwords:
        raise SystemExit(f"could not read the demo logins from:\n{out}")
    return {role: f"{u}\n{p}" for role, (u, p) in passwords.items()}, key[1]


def sign_in(base: str, username: str, password: str) -> tuple[str, str]:
    """A user's API token, and the Cookie header of a signed-in page session."""
    token = httpx.post(f"{base}/api/v1/auth/token", data={"username": username, "password": password}).json()
    with httpx.Client(base_url=base, follow_redirects=False) as browser:
        form = browser.get("/login").text
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', form)
        assert csrf, "no CSRF token on the sign-in page"
        done = browser.post(
            "/login", data={"username": username, "password": password, "csrf_token": csrf[1], "next": "/"}
        )
        assert done.status_code in (302, 303), done.text[:500]
        cookie = "; ".join(f"{name}={value}" for name, value in browser.cookies.items())
    return token["access_token"], cookie


def settle(pid: int, *, bound: float = 10) -> None:
    """Wait until the server process is idle (no CPU used over 100 ms): it has finished the requests the last wrk
    run left in flight (wrk stops with every connection's request unanswered, and the server still serves them, the
    ones queued for a database session last). Each run then starts from an idle server, not behind the last one's
    leftovers: a 256-connection run started straight after another waited that long again for its first wave, and
    its p99 was ~250 ms higher. (A health check is no guide: it needs no session, and is answered at once.)"""
    deadline = time.monotonic() + bound
    used = _cpu_ticks(pid)
    while time.monotonic() < deadline:
        time.sleep(0.1)
        now = _cpu_ticks(pid)
        if now - used <= 1:  # a tick is 10 ms: 10% of a core at most
            return
        used = now


def _cpu_ticks(pid: int) -> int:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])  # utime + stime


def wrk(url: str, *, server: int, connections: int, duration: int, headers: dict[str, str]) -> WrkResult:
    """One wrk run, from an idle server (its process id); requests per second, p99 latency and errors (socket
    errors and non-2xx answers)."""
    settle(server)
    command = ["wrk", "-t2", f"-c{connections}", f"-d{duration}s", "--latency", "--timeout", "10s"]
    for name, value in headers.items():
        command += ["-H", f"{name}: {value}"]
    out = subprocess.run([*command, url], capture_output=True, text=True, check=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out)[1])  # type: ignore[index]
    p99 = re.search(r"^\s+99%\s+([\d.]+)(us|ms|s)", out, re.M)
    scale = {"us": 0.001, "ms": 1.0, "s": 1000.0}
    p99_ms = float(p99[1]) * scale[p99[2]] if p99 else float("nan")
    errors = sum(int(n) for n in re.findall(r"(?:connect|read|write|timeout) (\d+)", out))
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return WrkResult(rps, p99_ms, errors + (int(non_2xx[1]) if non_2xx else 0))


def memory_mb(pid: int, field: str) -> float:
    """A memory figure of the process from /proc (VmRSS now, VmHWM its peak), in MB."""
    status = Path(f"/proc/{pid}/status").read_text()
    return int(re.search(rf"{field}:\s+(\d+) kB", status)[1]) / 1024  # type: ignore[index]


@contextmanager
def resident_peak(pid: int) -> Iterator[list[float]]:
    """The highest resident memory of the process while the block runs (sampled every 50 ms), in a one-item list."""
    peak = [memory_mb(pid, "VmRSS")]
    done = threading.Event()

    def sample() -> None:
        while not done.wait(0.05):
            peak[0] = max(peak[0], memory_mb(pid, "VmRSS"))

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    try:
        yield peak
    finally:
        done.set()
        sampler.join()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", help="a PostgreSQL server URL; SQLite when absent")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--duration", type=int, default=5, help="seconds per wrk run")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--only", help="measure only the endpoints whose names contain this text (e.g. 'sites/{id}')")
    parser.add_argument("--no-crowd", action="store_true", help="skip the 256-connection run")
    args = parser.parse_args()
    if not shutil.which("wrk"):
        raise SystemExit("The benchmark needs wrk: apt-get install -y wrk (make bench does this when it can).")

    with tempfile.TemporaryDirectory() as folder, scratch_database(args.database_url, Path(folder)) as url:
        env = {
            **os.environ,
            "CONTEST_DATABASE_URL": url,
            "CONTEST_ENV": "development",
            "CONTEST_SECRET_KEY": secrets.token_urlsafe(48),
            "CONTEST_LOG_LEVEL": "WARNING",
            # Partner requests are still counted (the limiter runs), but a run of thousands is not refused: a 429
            # measures nothing the table asks about.
            "CONTEST_PARTNER_RATE_LIMIT": "1000000000",
        }
        logins, partner_key = load_demo(env)
        app_port, bare_port = free_port(), free_port()
        app = subprocess.Popen(
            [str(BIN / "contest-hub"), "serve", "--host", "127.0.0.1", "--port", str(app_port)],
            env=env,
            stdout=subprocess.DEVNULL,
        )
        bare = subprocess.Popen(
            [str(BIN / "uvicorn"), "bare:app", "--app-dir", str(ROOT / "bench"), "--port", str(bare_port), *QUIET],
            stdout=subprocess.DEVNULL,
        )
        try:
            return run(
                args, app, bare, f"http://127.0.0.1:{app_port}", f"http://127.0.0.1:{bare_port}", logins, partner_key
            )
        finally:
            for process in (app, bare):
                process.send_signal(signal.SIGINT)
                process.wait(timeout=20)


def run(
    args: argparse.Namespace,
    app: subprocess.Popen[bytes],
    bare_process: subprocess.Popen[bytes],
    base: str,
    bare: str,
    logins: dict[str, str],
    partner_key: str,
) -> int:
    """Measure every target, print the table, and say which goals are met."""
    wait_until_up(f"{base}/healthz", app)
    wait_until_up(f"{bare}/ping", app)
    username, password = logins["officer"].split("\n")
    token, cookie = sign_in(base, username, password)
    user = {"Authorization": f"Bearer {token}"}
    partner = {"Authorization": f"Bearer {partner_key}"}
    sites = httpx.get(f"{base}/api/v1/sites", params={"limit": 200}, headers=user).json()["items"]
    any_site = sites[0]["id"]
    sensitive = next(s["id"] for s in sites if s["classification"] == "OFFICIAL-SENSITIVE")
    headers = {"public": {}, "user": user, "partner": partner, "page": {"Cookie": cookie}}
    targets = [
        Target("public GET /threat-level (cached)", "/api/v1/threat-level", "public", 0.70),
        Target("GET /sites/{id}, user token", f"/api/v1/sites/{any_site}", "user", 0.25),
        Target("GET /sites/{id}, partner key, sensitive site", f"/api/v1/sites/{sensitive}", "partner", 0.20),
        Target("GET /sites?limit=50, user token", "/api/v1/sites?limit=50", "user", 0.10),
        Target("GET /prevent/items?limit=50, partner key", "/api/v1/prevent/items?limit=50", "partner", 0.10),
        Target("GET /summary, user token", "/api/v1/summary", "user", 0.10),
        Target("dashboard page /, signed in", "/", "page", 0.05),
        Target("/protect/sites page, signed in", "/protect/sites", "page", 0.05),
    ]
    if args.only:
        targets = [t for t in targets if args.only in t.name]
    for target in targets:  # every target answers 200 before it is timed, and warms its caches
        response = httpx.get(base + target.path, headers=headers[target.who])
        if response.status_code != 200:
            raise SystemExit(f"{target.path} answered {response.status_code}: {response.text[:300]}")
        wrk(base + target.path, server=app.pid, connections=args.connections, duration=1, headers=headers[target.who])
    wrk(f"{bare}/ping", server=bare_process.pid, connections=args.connections, duration=1, headers={})

    floors: list[float] = []
    for round_number in range(1, args.rounds + 1):
        for target in targets:
            floor = wrk(
                f"{bare}/ping",
                server=bare_process.pid,
                connections=args.connections,
                duration=args.duration,
                headers={},
            )
            measured = wrk(
                base + target.path,
                server=app.pid,
                connections=args.connections,
                duration=args.duration,
                headers=headers[target.who],
            )
            if measured.errors:
                print(f"  ! {target.name}: {measured.errors} errors", file=sys.stderr)
            floors.append(floor.rps)
            target.ratios.append(measured.rps / floor.rps)
        print(f"round {round_number}/{args.rounds} done", file=sys.stderr, flush=True)

    crowd_seconds = max(args.duration * 2, 10)
    with resident_peak(app.pid) as under_load:
        crowd = (
            None
            if args.no_crowd
            else wrk(
                base + "/api/v1/sites?limit=50", server=app.pid, connections=256, duration=crowd_seconds, headers=user
            )
        )
    memory, lifetime_peak = under_load[0], memory_mb(app.pid, "VmHWM")

    backend = "PostgreSQL" if args.database_url else "SQLite"
    print(
        f"\n{backend}: {args.rounds} rounds of {args.duration} s, {args.connections} connections, "
        f"bare FastAPI floor median {statistics.median(floors):,.0f} req/s\n"
    )
    print(f"{'endpoint':<48} {'ratio (median)':>14} {'spread':>15} {'goal':>7}  met")
    met_all = True
    for target in targets:
        median = statistics.median(target.ratios)
        met = median >= target.goal
        met_all &= met
        spread = f"{min(target.ratios):.3f}-{max(target.ratios):.3f}"
        print(f"{target.name:<48} {median:>13.3f}x {spread:>15} {target.goal:>6.2f}x  {'yes' if met else 'NO'}")
    memory_met = memory < 200
    if crowd is not None:
        crowd_met = crowd.p99_ms < 500 and crowd.errors == 0
        met_all &= crowd_met
        print(
            f"{'256 connections, /sites?limit=50: p99, errors':<48} {crowd.p99_ms:>11.0f} ms {crowd.errors:>12} err "
            f"{'< 500 ms, 0':>8}  {'yes' if crowd_met else 'NO'}"
        )
    met_all &= memory_met
    verdict = "yes" if memory_met else "NO"
    print(f"{'memory of the app process under that load':<48} {memory:>11.0f} MB {'':>15} {'< 200':>7}  {verdict}")
    print(f"{'  (lifetime peak, with sign-in Argon2 checks)':<48} {lifetime_peak:>11.0f} MB")
    print(f"\nEvery goal met: {'yes' if met_all else 'no'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
