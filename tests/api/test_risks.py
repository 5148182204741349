"""The risk register: strict 1-5 scales, score, the rating matrix (default and configured), links."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from app.main import create_app
from app.services.risks import RiskMatrixError, parse_matrix
from tests.builders import make_risk as risk
from tests.conftest import assert_problem

URL = "/api/v1/risks"


def test_create_scores_and_rates(client, officer):
    response = client.post(
        URL,
        headers=officer.headers,
        json={
            "title": "Marauding terrorist attack",
            "category": "terrorism",
            "description": "Crowded places",
            "likelihood": 2,
            "impact": 5,
            "owner": "Community Safety",
            "mitigations": "ACT training",
            "review_due": "2030-04-01",
        },
    )
    assert response.status_code == 201, response.text
    body = response.json()
    assert response.headers["etag"] == '"1"' and response.headers["location"].endswith(body["id"])
    assert body["score"] == 10 and body["rating"] == "high"
    assert body["plan_ids"] == [] and body["review_overdue"] is False and body["classification"] == "OFFICIAL"
    assert client.get(f"{URL}/{body['id']}", headers=officer.headers).json() == body


@pytest.mark.parametrize(
    ("likelihood", "impact", "rating"),
    [(1, 1, "low"), (1, 5, "high"), (3, 3, "high"), (2, 2, "medium"), (5, 5, "very_high"), (5, 1, "medium")],
)
def test_default_matrix(likelihood, impact, rating):
    assert parse_matrix("")[likelihood - 1][impact - 1] == rating


@pytest.mark.parametrize("value", [0, 6, True, "3", 2.5, None])
def test_scales_are_strict_integers_1_to_5(client, officer, value):
    body = assert_problem(
        client.post(
            URL,
            headers=officer.headers,
            json={"title": "X", "category": "c", "likelihood": value, "impact": 3, "owner": "Y"},
        ),
        422,
    )
    assert body["errors"][0]["field"] == "likelihood"


def test_rating_filter_is_done_by_the_matrix_cells(client, officer):
    risk(client, officer, title="Low", likelihood=1, impact=1)
    risk(client, officer, title="High", likelihood=3, impact=3)
    risk(client, officer, title="Very high", likelihood=5, impact=5)

    def names(**params):
        return [r["title"] for r in client.get(URL, headers=officer.headers, params=params).json()["items"]]

    assert names() == ["Very high", "High", "Low"]  # highest score first
    assert names(rating="high") == ["High"]
    assert names(rating="very_high") == ["Very high"]
    assert names(rating="medium") == []
    assert names(likelihood=1, impact=1) == ["Low"]
    assert_problem(client.get(URL, headers=officer.headers, params={"rating": "extreme"}), 422)
    assert_problem(client.get(URL, headers=officer.headers, params={"likelihood": 6}), 422)


def test_matrix_counts_each_cell(client, officer, viewer):
    risk(client, officer, likelihood=4, impact=2)
    risk(client, officer, likelihood=4, impact=2)
    risk(client, officer, likelihood=4, impact=2, classification="OFFICIAL-SENSITIVE")
    cells = client.get(f"{URL}/matrix", headers=officer.headers).json()["cells"]
    assert len(cells) == 25 and cells[0]["likelihood"] == 5 and cells[0]["impact"] == 1
    cell = next(c for c in cells if (c["likelihood"], c["impact"]) == (4, 2))
    assert cell == {"likelihood": 4, "impact": 2, "rating": "high", "count": 3}
    hidden = client.get(f"{URL}/matrix", headers=viewer.headers).json()["cells"]
    assert next(c for c in hidden if (c["likelihood"], c["impact"]) == (4, 2))["count"] == 2
    assert sum(c["count"] for c in hidden) == 2


def test_configured_matrix_overrides_ratings_and_filters(settings, database, make_user):
    app = create_app(settings.model_copy(update={"risk_matrix": "LLLLL/LLLLL/LLLLL/LLLLL/LLLLV"}), database)
    with TestClient(app) as client:
        officer = make_user("officer")
        assert risk(client, officer, likelihood=3, impact=3)["rating"] == "low"
        assert risk(client, officer, likelihood=5, impact=5)["rating"] == "very_high"
        rated = client.get(URL, headers=officer.headers, params={"rating": "low"}).json()["items"]
        assert [r["score"] for r in rated] == [9]


@pytest.mark.parametrize("text", ["LLLL/LLLLL/LLLLL/LLLLL/LLLLL", "XXXXX/LLLLL/LLLLL/LLLLL/LLLLL", "LMH"])
def test_a_malformed_matrix_is_refused_with_a_clear_error(text):
    with pytest.raises(RiskMatrixError, match="CONTEST_RISK_MATRIX must be 5 rows"):
        parse_matrix(text)


def test_plan_links_are_validated(client, officer, make_user):
    body = assert_problem(
        client.post(
            URL,
            headers=officer.headers,
            json={
                "title": "X",
                "category": "c",
                "likelihood": 1,
                "impact": 1,
                "owner": "Y",
                "plan_ids": ["nope"],
            },
        ),
        422,
    )
    assert body["errors"][0]["field"] == "plan_ids"
    hidden = client.post(
        "/api/v1/contingency-plans",
        headers=officer.headers,
        json={"title": "P", "plan_type": "other", "owner": "O", "classification": "OFFICIAL-SENSITIVE"},
    ).json()
    official_writer = make_user("officer", clearance="OFFICIAL")
    body = assert_problem(
        client.post(
            URL,
            headers=official_writer.headers,
            json={
                "title": "X",
                "category": "c",
                "likelihood": 1,
                "impact": 1,
                "owner": "Y",
                "plan_ids": [hidden["id"]],
            },
        ),
        422,
    )
    assert body["errors"][0]["field"] == "plan_ids"
    linked = risk(client, officer, plan_ids=[hidden["id"]])
    assert linked["plan_ids"] == [hidden["id"]]
    assert client.get(f"{URL}/{linked['id']}", headers=official_writer.headers).json()["plan_ids"] == []
    plan = client.get(f"/api/v1/contingency-plans/{hidden['id']}", headers=officer.headers).json()
    assert plan["risk_ids"] == [linked["id"]]


def test_classification_hides_risks_from_lists_csv_and_reads(client, officer, viewer, make_user):
    secret = risk(client, officer, title="Sensitive", classification="OFFICIAL-SENSITIVE")
    risk(client, officer, title="Open")
    assert [r["title"] for r in client.get(URL, headers=viewer.headers).json()["items"]] == ["Open"]
    csv = client.get(URL, headers=viewer.headers | {"Accept": "text/csv"})
    assert csv.headers["content-type"].startswith("text/csv")
    assert "Open" in csv.text and "Sensitive" not in csv.text and "rating" in csv.text.splitlines()[0]
    assert_problem(client.get(f"{URL}/{secret['id']}", headers=viewer.headers), 404)
    official_writer = make_user("officer", clearance="OFFICIAL")
    url = f"{URL}/{secret['id']}"
    assert_problem(client.delete(url, headers=official_writer.headers | {"If-Match": '"1"'}), 404)
    assert_problem(
        client.post(
            URL,
            headers=official_writer.headers,
            json={
                "title": "X",
                "category": "c",
                "likelihood": 1,
                "impact": 1,
                "owner": "Y",
                "classification": "OFFICIAL-SENSITIVE",
            },
        ),
        403,
    )


def test_patch_delete_if_match_and_audit(client, officer, viewer, admin):
    r = risk(client, officer)
    url = f"{URL}/{r['id']}"
    assert_problem(client.patch(url, headers=officer.headers, json={"impact": 5}), 428)
    assert_problem(client.patch(url, headers=officer.headers | {"If-Match": '"3"'}, json={"impact": 5}), 412)
    assert_problem(client.patch(url, headers=viewer.headers | {"If-Match": '"1"'}, json={"impact": 5}), 403)
    body = assert_problem(client.patch(url, headers=officer.headers | {"If-Match": '"1"'}, json={"impact": False}), 422)
    assert body["errors"][0]["field"] == "impact"
    changed = client.patch(url, headers=officer.headers | {"If-Match": '"1"'}, json={"impact": 5})
    assert changed.status_code == 200 and changed.json()["score"] == 15 and changed.json()["rating"] == "very_high"
    assert client.delete(url, headers=officer.headers | {"If-Match": '"2"'}).status_code == 204
    assert_problem(client.get(url, headers=officer.headers), 404)
    events = client.get("/api/v1/audit-events", headers=admin.headers, params={"entity_type": "risk"}).json()
    assert sorted(e["action"] for e in events["items"]) == ["risk.create", "risk.delete", "risk.update"]


def test_401_and_idempotent_replay(client, officer):
    assert_problem(client.get(URL), 401)
    headers = officer.headers | {"Idempotency-Key": "risk-1"}
    body = {"title": "Once", "category": "c", "likelihood": 1, "impact": 1, "owner": "Y"}
    first, again = client.post(URL, headers=headers, json=body), client.post(URL, headers=headers, json=body)
    assert first.status_code == again.status_code == 201 and first.json() == again.json()
    assert len(client.get(URL, headers=officer.headers).json()["items"]) == 1


def test_a_hidden_plan_filters_exactly_like_an_unknown_id(client, officer, make_user):
    hidden = client.post(
        "/api/v1/contingency-plans",
        headers=officer.headers,
        json={"title": "Sensitive", "plan_type": "other", "owner": "EP", "classification": "OFFICIAL-SENSITIVE"},
    ).json()
    risk(client, officer, plan_ids=[hidden["id"]])
    official = make_user("officer", clearance="OFFICIAL")
    assert len(client.get(URL, headers=officer.headers, params={"plan_id": hidden["id"]}).json()["items"]) == 1
    for plan_id in (hidden["id"], "made-up"):
        assert client.get(URL, headers=official.headers, params={"plan_id": plan_id}).json()["items"] == []
        cells = client.get(f"{URL}/matrix", headers=official.headers, params={"plan_id": plan_id}).json()["cells"]
        assert sum(c["count"] for c in cells) == 0
