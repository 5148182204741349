"""Helpers for operations tests: the app served by uvicorn in a thread, and a throwaway PostgreSQL server.

The shared PostgreSQL on :5432 must stay up for everyone: outages are drilled on a server of our own, on a free
port, in a temporary directory, always stopped (and resumed first, if frozen) and removed afterwards.
"""

from __future__ import annotations

import glob
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path

import uvicorn
from fastapi import FastAPI


def free_port() -> int:
    """A TCP port nobody listens on just now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@contextmanager
def served(app: FastAPI) -> Iterator[str]:
    """The app on http://127.0.0.1:PORT (uvicorn in a thread), stopped afterwards."""
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", access_log=False))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the server did not start")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=15)


def _pg_bin(name: str) -> str | None:
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    return found[-1] if found else shutil.which(name)


def can_run_postgres() -> str | None:
    """Why a throwaway PostgreSQL server cannot be run here (None if it can)."""
    if _pg_bin("initdb") is None or _pg_bin("pg_ctl") is None:
        return "PostgreSQL's initdb/pg_ctl are not installed"
    if os.geteuid() != 0:
        return "running PostgreSQL as the postgres user needs root"
    return None


@dataclass
class ThrowawayPostgres:
    """A PostgreSQL server of our own: start, stop, freeze and thaw it."""

    directory: Path
    port: int

    @property
    def url(self) -> str:
        """The URL of its `postgres` database."""
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def _as_postgres(self, *args: str) -> None:
        subprocess.run(["su", "postgres", "-c", " ".join(args)], check=True, capture_output=True, timeout=60)

    def start(self) -> None:
        """Start it and wait until it accepts connections."""
        options = f"'-p {self.port} -k {self.directory} -c listen_addresses=127.0.0.1 -c fsync=on'"
        self._as_postgres(
            str(_pg_bin("pg_ctl")), "-D", str(self.directory / "data"), "-w", "-l", str(self.directory / "log"),
            "-o", options, "start",
        )  # fmt: skip

    def stop(self) -> None:
        """Stop it at once (clients see refused connections)."""
        self.thaw()
        self._as_postgres(str(_pg_bin("pg_ctl")), "-D", str(self.directory / "data"), "-m", "fast", "-w", "stop")

    def pids(self) -> list[int]:
        """The postmaster and its children."""
        pid_file = self.directory / "data" / "postmaster.pid"
        if not pid_file.exists():
            return []
        postmaster = int(pid_file.read_text().split()[0])
        children = subprocess.run(["pgrep", "-P", str(postmaster)], capture_output=True, text=True).stdout.split()
        return [postmaster, *(int(c) for c in children)]

    def freeze(self) -> None:
        """SIGSTOP it: connections are accepted by the kernel and never answered."""
        for pid in self.pids():
            with suppress(ProcessLookupError):
                os.kill(pid, signal.SIGSTOP)

    def thaw(self) -> None:
        """SIGCONT it."""
        for pid in self.pids():
            with suppress(ProcessLookupError):
                os.kill(pid, signal.SIGCONT)


@contextmanager
def throwaway_postgres() -> Iterator[ThrowawayPostgres]:
    """A fresh PostgreSQL server on a free port; always thawed, stopped and removed afterwards."""
    directory = Path(tempfile.mkdtemp(prefix="contest-pg-"))
    shutil.chown(directory, "postgres")
    server = ThrowawayPostgres(directory, free_port())
    try:
        server._as_postgres(str(_pg_bin("initdb")), "-D", str(directory / "data"), "-A", "trust", "-U", "postgres")
        server.start()
        yield server
    finally:
        with suppress(Exception):
            server.thaw()
        with suppress(Exception):
            server._as_postgres(str(_pg_bin("pg_ctl")), "-D", str(directory / "data"), "-m", "immediate", "stop")
        shutil.rmtree(directory, ignore_errors=True)
