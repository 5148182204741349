"""The feed worker: polls what is due, marks stale feeds, and only one worker polls at a time.

With CONTEST_TEST_BACKEND=postgres the lock is a PostgreSQL advisory lock; on SQLite, a file lock.
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest

from app.feeds.worker import Worker, WorkerLock
from app.models.feeds import Feed
from tests.feeds import MI5_SAMPLE, feed_server


@pytest.fixture
def server():
    with feed_server() as running:
        yield running


def _feed(client, admin, url, **extra):
    body = {"name": f"MI5 {url[-12:]}", "kind": "mi5_rss", "url": url, **extra}
    response = client.post("/api/v1/feeds", headers=admin.headers, json=body)
    assert response.status_code == 201, response.text
    return response.json()


def test_two_workers_poll_once_per_interval(client, admin, server, settings, database):
    _feed(client, admin, server.serve("/feed.xml", MI5_SAMPLE, delay=0.5))
    workers = [Worker(settings, database), Worker(settings, database)]
    results: list = [None, None]
    start = threading.Barrier(2)

    def run(i: int) -> None:
        start.wait()
        results[i] = workers[i].run_once()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert server.hits["/feed.xml"] == 1, results
    polled = [r for r in results if r]
    assert len(polled) == 1 and polled[0][0].outcome == "changed"
    assert None in results or [] in results  # the other found the lock taken, or nothing due
    # within the interval, further passes poll nothing
    assert Worker(settings, database).run_once() == []
    assert server.hits["/feed.xml"] == 1
    assert len(client.get("/api/v1/threat-level/history").json()["items"]) == 2


def test_a_worker_without_the_lock_polls_nothing(client, admin, server, settings, database):
    _feed(client, admin, server.serve("/feed.xml", MI5_SAMPLE))
    holder = WorkerLock(database)
    assert holder.acquire()
    try:
        assert Worker(settings, database).run_once() is None
        assert server.hits.get("/feed.xml", 0) == 0
    finally:
        holder.release()
    assert len(Worker(settings, database).run_once() or []) == 1


def test_due_feeds_and_disabled_feeds(client, admin, server, settings, database):
    due = _feed(client, admin, server.serve("/a.xml", MI5_SAMPLE), poll_interval_seconds=60)
    _feed(client, admin, server.serve("/b.xml", MI5_SAMPLE), enabled=False)
    worker = Worker(settings, database)
    assert [r.feed_id for r in worker.run_once()] == [due["id"]]
    with database.session() as session:
        feed = session.get(Feed, due["id"])
        feed.last_polled_at = datetime.now(UTC) - timedelta(seconds=61)
        session.commit()
    assert [r.outcome for r in worker.run_once()] == ["unchanged"]
    assert server.hits == {"/a.xml": 2}


def test_the_worker_marks_stale_feeds(client, admin, server, settings, database):
    feed = _feed(client, admin, server.serve("/feed.xml", MI5_SAMPLE))
    Worker(settings, database).run_once()
    with database.session() as session:
        stored = session.get(Feed, feed["id"])
        stored.last_success_at = stored.last_polled_at = datetime.now(UTC) - timedelta(hours=2)
        stored.poll_interval_seconds = 7 * 24 * 3600  # not due, so only staleness is checked
        session.commit()
    assert Worker(settings, database).run_once() == []
    with database.session() as session:
        assert session.get(Feed, feed["id"]).status == "stale"
    assert client.get("/api/v1/threat-level").json()["stale"] is True


def test_the_worker_stops_when_asked(client, admin, server, settings, database):
    _feed(client, admin, server.serve("/feed.xml", MI5_SAMPLE))
    worker = Worker(settings, database)
    thread = threading.Thread(target=worker.run)
    thread.start()
    for _ in range(100):
        if server.hits.get("/feed.xml"):
            break
        threading.Event().wait(0.05)
    worker.stop.set()
    thread.join(timeout=10)
    assert not thread.is_alive() and server.hits["/feed.xml"] == 1
    lock = WorkerLock(database)
    assert lock.acquire()  # released on the way out
    lock.release()
