"""The lessons migration moves every exercise's lessons into their own rows, in order, and back again."""

from __future__ import annotations

import json

from sqlalchemy import create_engine, text

from app.migrate import downgrade, upgrade
from tests.core.test_migrations import _fresh_url

BEFORE = "0017_alerts"
LESSONS = [
    {"text": "Keys held by one person", "action": "Second key holder", "owner": "Facilities", "status": "open"},
    {"text": "Radios worked", "action": "", "owner": "", "status": "done"},
    {"text": "Rest centre too small", "action": "Find a second", "owner": "EP", "status": "open"},
]


def test_lessons_move_into_rows_in_their_order_and_back(tmp_path):
    url, drop = _fresh_url(tmp_path)
    try:
        upgrade(url, BEFORE)
        engine = create_engine(url)
        with engine.begin() as connection:
            connection.execute(
                text(
                    "INSERT INTO exercise (id, created_at, updated_at, version, title, held_on, exercise_type,"
                    " participants, lessons, summary, classification) VALUES ('e1', :at, :at, 1, 'Exercise',"
                    " '2026-01-01', 'tabletop', '[]', :lessons, '', 'OFFICIAL')"
                ),
                {"at": "2026-01-01 09:00:00+00:00", "lessons": json.dumps(LESSONS)},
            )
        engine.dispose()

        upgrade(url)
        engine = create_engine(url)
        with engine.connect() as connection:
            rows = connection.execute(
                text("SELECT text, action, owner, status, due_on, version FROM lesson ORDER BY created_at, id")
            ).all()
        engine.dispose()
        assert [tuple(row) for row in rows] == [
            (item["text"], item["action"], item["owner"], item["status"], None, 1) for item in LESSONS
        ]

        downgrade(url, BEFORE)
        engine = create_engine(url)
        with engine.connect() as connection:
            stored = connection.execute(text("SELECT lessons FROM exercise WHERE id = 'e1'")).scalar()
        engine.dispose()
        assert (json.loads(stored) if isinstance(stored, str) else stored) == LESSONS
    finally:
        drop()
