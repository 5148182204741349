"""The feed worker: polls enabled MI5 feeds when due and marks stale feeds, one worker at a time.

Only the worker that holds the lock polls: a PostgreSQL session advisory lock on a connection kept for the
worker's life, or an fcntl lock on a file next to the SQLite database. Web processes never poll.
"""

from __future__ import annotations

import fcntl
import logging
import os
import signal
import threading
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from types import FrameType
from typing import IO

from sqlalchemy import Connection, text
from sqlalchemy.engine import make_url
from sqlmodel import select

from app.core.clock import as_utc, utcnow
from app.core.database import Database
from app.core.settings import Settings
from app.feeds import mi5
from app.migrate import is_current
from app.models.feeds import Feed, FeedKind, PollResult
from app.services import feeds, idempotency

log = logging.getLogger("contest_hub.worker")

WORKER_LOCK_KEY = 0x0C0_7E57_F00D
IDLE_SECONDS = 30.0  # the longest sleep: new or changed feeds are noticed within this


class WorkerLock:
    """One worker at a time: pg_try_advisory_lock on a dedicated connection, or flock on SQLite."""

    def __init__(self, database: Database) -> None:
        self.database = database
        self._connection: Connection | None = None
        self._file: IO[str] | None = None

    @property
    def path(self) -> Path:
        """The SQLite lock file: next to the database file."""
        name = make_url(self.database.settings.database_url).database or "contest-hub.db"
        return Path(f"{name}.worker.lock") if name != ":memory:" else Path("contest-hub.worker.lock")

    def acquire(self) -> bool:
        """Take the lock if free; never waits."""
        if self.database.settings.is_sqlite:
            handle = open(self.path, "a+")  # noqa: SIM115 - held for the worker's life
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                handle.close()
                return False
            handle.seek(0)
            handle.truncate()
            handle.write(f"{os.getpid()}\n")
            handle.flush()
            self._file = handle
            return True
        connection = self.database.engine.connect()
        got = bool(connection.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": WORKER_LOCK_KEY}).scalar())
        connection.commit()
        if got:
            self._connection = connection
        else:
            connection.close()
        return got

    def release(self) -> None:
        """Let another worker take over."""
        if self._file is not None:
            fcntl.flock(self._file, fcntl.LOCK_UN)
            self._file.close()
            self._file = None
        if self._connection is not None:
            try:
                self._connection.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": WORKER_LOCK_KEY})
                self._connection.commit()
            finally:
                self._connection.close()
                self._connection = None

    @property
    def held(self) -> bool:
        """Whether this worker holds the lock."""
        return self._file is not None or self._connection is not None


def _due(feed: Feed, now: datetime) -> bool:
    return (
        feed.last_polled_at is None
        or as_utc(feed.last_polled_at) + timedelta(seconds=feed.poll_interval_seconds) <= now
    )


@dataclass
class Worker:
    """Runs passes: poll what is due, mark what is stale."""

    settings: Settings
    database: Database | None = None
    stop: threading.Event = field(default_factory=threading.Event)

    def __post_init__(self) -> None:
        self._own_database = self.database is None
        self.db = self.database or Database(self.settings)
        self.lock = WorkerLock(self.db)

    def due_feeds(self) -> list[Feed]:
        """Enabled MI5 feeds whose next poll is due."""
        now = utcnow()
        with self.db.session(write=False) as session:
            stmt = select(Feed).where(Feed.enabled, Feed.kind == FeedKind.MI5_RSS)
            return [f for f in session.execute(stmt).scalars() if _due(f, now)]

    def poll(self, feed: Feed) -> PollResult | None:
        """Fetch outside any transaction, then record in a short one; None if the feed went away meanwhile."""
        outcome = mi5.fetch_and_parse(feed, self.settings)
        with self.db.session(write=True) as session:
            current = session.get(Feed, feed.id)
            if current is None or not current.enabled:
                return None
            result = mi5.record_outcome(session, current, outcome)
            session.commit()
            for callback in session.info.pop("after_commit", []):
                callback()
        return result

    def run_pass(self) -> list[PollResult]:
        """One pass (the caller holds the lock)."""
        results = []
        for feed in self.due_feeds():
            if self.stop.is_set():
                break
            result = self.poll(feed)
            if result is not None:
                results.append(result)
                log.info("feed %s polled: %s %s", feed.name, result.outcome, result.error or "")
        with self.db.session(write=True) as session:
            for feed in feeds.mark_stale(session):
                log.warning("feed %s is stale: no success within %s seconds", feed.name, feed.max_age_seconds)
            idempotency.purge_expired(session)  # stored Idempotency-Key responses older than 24 h
            session.commit()
        return results

    def run_once(self) -> list[PollResult] | None:
        """Take the lock, run one pass, let go; None when another worker holds the lock."""
        if not self.lock.acquire():
            return None
        try:
            return self.run_pass()
        finally:
            self.lock.release()

    def seconds_to_next(self) -> float:
        """How long to sleep: until the next feed is due, at most IDLE_SECONDS, at least 1."""
        now, wait = utcnow(), IDLE_SECONDS
        with self.db.session(write=False) as session:
            for feed in session.execute(select(Feed).where(Feed.enabled, Feed.kind == FeedKind.MI5_RSS)).scalars():
                if feed.last_polled_at is None:
                    return 1.0
                due = as_utc(feed.last_polled_at) + timedelta(seconds=feed.poll_interval_seconds)
                wait = min(wait, (due - now).total_seconds())
        return max(1.0, wait)

    def run(self) -> None:
        """Until stopped: wait for the lock (another worker may hold it), then poll on the feeds' intervals."""
        try:
            while not self.stop.is_set():
                if not self.lock.held and not self.lock.acquire():
                    self.stop.wait(IDLE_SECONDS)
                    continue
                if not is_current(self.db.engine, self.settings.database_url):
                    log.info("waiting for the database to be migrated")
                    self.stop.wait(5.0)
                    continue
                try:
                    self.run_pass()
                except Exception:
                    log.exception("worker pass failed; retrying")
                    self.stop.wait(IDLE_SECONDS)
                    continue
                self.stop.wait(self.seconds_to_next())
        finally:
            self.lock.release()
            if self._own_database:
                self.db.dispose()

    def install_signal_handlers(self) -> None:
        """Stop cleanly on SIGTERM and SIGINT."""

        def handler(signum: int, frame: FrameType | None) -> None:
            log.info("worker stopping (signal %s)", signum)
            self.stop.set()

        signal.signal(signal.SIGTERM, handler)
        signal.signal(signal.SIGINT, handler)


def main(settings: Settings, *, once: bool = False) -> int:
    """`contest-hub worker [--once]`."""
    logging.basicConfig(level=settings.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s %(message)s")
    logging.getLogger("alembic").setLevel(logging.WARNING)
    worker = Worker(settings)
    if once:
        results = worker.run_once()
        worker.db.dispose()
        if results is None:
            print("Another worker holds the lock: nothing polled.")
            return 0
        for result in results:
            print(f"{result.feed_id}: {result.outcome}{' - ' + result.error if result.error else ''}")
        print(f"Polled {len(results)} feed(s).")
        return 0
    worker.install_signal_handlers()
    print("Feed worker running (Ctrl-C to stop).", flush=True)
    worker.run()
    return 0
