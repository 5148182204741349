"""GET /summary: the EMT dashboard's counts, per area the caller can read, within their clearance."""

from __future__ import annotations

from tests.builders import make_exercise, make_lesson
from tests.builders import summary_scene as _arrange
from tests.conftest import assert_problem


def test_an_officer_sees_every_count(client, officer, emt):
    _arrange(client, officer, emt)
    body = client.get("/api/v1/summary", headers=officer.headers).json()
    assert body["threat_level"]["level"] == "CRITICAL"
    assert body["prevent"] == {
        "items": 3,
        "open_items": 3,
        "overdue": 1,
        "red": 2,
        "amber": 1,
        "plans_awaiting_approval": 1,
        "plan_in_force_id": body["prevent"]["plan_in_force_id"],
    }
    assert body["prevent"]["plan_in_force_id"] is not None
    assert body["protect"] == {"sites": 3, "enhanced_tier": 2, "standard_tier": 1, "review_overdue": 1}
    prepare = body["prepare"]
    assert prepare["plans"] == 2 and prepare["active_now"] == 1 and prepare["review_overdue"] == 1
    assert prepare["exercise_overdue"] == 2 and prepare["risks"] == 2 and prepare["risks_very_high"] == 1


def test_overdue_lessons_are_counted_within_clearance(client, officer, viewer):
    late = "2020-01-31"
    seen = make_exercise(client, officer)
    hidden = make_exercise(client, officer, classification="OFFICIAL-SENSITIVE")
    make_lesson(client, officer, seen["id"], due_on=late)
    make_lesson(client, officer, seen["id"], due_on=late, status="done")
    make_lesson(client, officer, seen["id"])
    make_lesson(client, officer, hidden["id"], due_on=late)
    assert client.get("/api/v1/summary", headers=officer.headers).json()["prepare"]["lessons_overdue"] == 2
    assert client.get("/api/v1/summary", headers=viewer.headers).json()["prepare"]["lessons_overdue"] == 1


def test_an_official_viewer_counts_only_what_they_may_see(client, officer, viewer, emt):
    _arrange(client, officer, emt)
    body = client.get("/api/v1/summary", headers=viewer.headers).json()
    assert body["prevent"]["items"] == 2 and body["prevent"]["red"] == 1
    assert body["protect"]["sites"] == 2 and body["protect"]["enhanced_tier"] == 1


def test_areas_without_the_read_scope_are_null(client, officer, make_api_key, emt):
    _arrange(client, officer, emt)
    key = make_api_key(["protect:read"], clearance="OFFICIAL-SENSITIVE")
    body = client.get("/api/v1/summary", headers=key.headers).json()
    assert body["prevent"] is None and body["prepare"] is None and body["protect"]["sites"] == 3


def test_summary_needs_a_token(client):
    assert_problem(client.get("/api/v1/summary"), 401)


def test_a_malformed_risk_matrix_stops_start_up(settings):
    import pytest

    from app.main import create_app
    from app.services.risks import RiskMatrixError

    with pytest.raises(RiskMatrixError):
        create_app(settings.model_copy(update={"risk_matrix": "not a matrix"}))
