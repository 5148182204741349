"""The Prevent delivery plan: plans, items, progress updates, approval, review (docs/api.md 'Prevent')."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

from app.core.clock import today_london
from tests.builders import make_prevent_item as make_item
from tests.builders import make_prevent_plan as make_plan
from tests.builders import make_threat_assessment as make_assessment
from tests.conftest import assert_problem

PLANS, ITEMS = "/api/v1/prevent/plans", "/api/v1/prevent/items"
TODAY = today_london()


def ids(response):
    return [i["id"] for i in response.json()["items"]]


def every_page(client, actor, params, between=None):
    seen, cursor = [], None
    while True:
        page = client.get(ITEMS, headers=actor.headers, params=params | ({"cursor": cursor} if cursor else {}))
        assert page.status_code == 200, page.text
        seen += ids(page)
        cursor = page.json()["next_cursor"]
        if not cursor:
            return seen
        assert page.headers["link"].endswith('rel="next"')
        if between:
            between()


def test_plans_and_items_need_a_token_and_the_prevent_scopes(client, member, viewer):
    assert_problem(client.get(PLANS), 401)
    assert_problem(client.get(ITEMS), 401)
    assert_problem(client.post(PLANS, headers=member.headers, json={}), 403)
    assert_problem(client.post(ITEMS, headers=viewer.headers, json={}), 403)
    assert client.get(ITEMS, headers=member.headers).status_code == 200


def test_plan_is_a_draft_with_etag_and_counts(client, officer):
    plan = make_plan(client, officer)
    assert plan["status"] == "draft" and plan["classification"] == "OFFICIAL" and plan["approved_by"] is None
    make_item(client, officer, plan["id"], rag="red", due_date=str(TODAY - timedelta(days=3)))
    make_item(client, officer, plan["id"], key_area="ideology", status="complete")
    got = client.get(f"{PLANS}/{plan['id']}", headers=officer.headers)
    assert got.headers["etag"] == '"1"'
    counts = got.json()["counts"]
    assert counts["total"] == 2 and counts["overdue"] == 1
    assert counts["by_rag"] == {"red": 1, "amber": 0, "green": 0, "none": 1}
    assert counts["by_status"]["complete"] == 1 and counts["by_status"]["not_started"] == 1
    assert counts["by_key_area"]["safeguarding"]["by_rag"]["red"] == 1
    assert counts["by_key_area"]["institutions"]["total"] == 0
    assert got.json()["owners"] == ["Prevent Coordinator"]


def test_plan_patch_needs_if_match_and_validates(client, officer):
    plan = make_plan(client, officer)
    url = f"{PLANS}/{plan['id']}"
    assert_problem(client.patch(url, headers=officer.headers, json={"title": "New"}), 428)
    assert_problem(client.patch(url, headers=officer.headers | {"If-Match": '"5"'}, json={"title": "New"}), 412)
    body = assert_problem(
        client.patch(url, headers=officer.headers | {"If-Match": '"1"'}, json={"period_end": "2025-01-01"}),
        422,
    )
    assert body["errors"][0]["field"] == "period_end"
    response = client.patch(url, headers=officer.headers | {"If-Match": '"1"'}, json={"title": "New"})
    assert response.status_code == 200 and response.json()["title"] == "New" and response.headers["etag"] == '"2"'
    assert_problem(client.patch(url, headers=officer.headers | {"If-Match": '"2"'}, json={"status": "approved"}), 422)


def test_plan_link_to_an_assessment_the_caller_cannot_see(client, officer, make_api_key):
    hidden = make_assessment(client, officer)  # OFFICIAL-SENSITIVE by default
    plan = make_plan(client, officer, threat_assessment_id=hidden["id"])
    assert plan["threat_assessment_id"] == hidden["id"]
    official = make_api_key(["prevent:read", "prevent:write"], clearance="OFFICIAL")
    seen = client.get(f"{PLANS}/{plan['id']}", headers=official.headers).json()
    assert seen["threat_assessment_id"] is None
    assert client.get(PLANS, headers=official.headers).json()["items"][0]["threat_assessment_id"] is None
    assert hidden["id"] not in client.get(PLANS, headers=official.headers | {"Accept": "text/csv"}).text
    coverage = client.get(f"{PLANS}/{plan['id']}/coverage", headers=official.headers).json()
    assert coverage["threat_assessment_id"] is None and coverage["priorities"] == []
    body = assert_problem(
        client.post(
            PLANS,
            headers=official.headers,
            json={
                "title": "x",
                "period_start": "2026-04-01",
                "period_end": "2027-03-31",
                "threat_assessment_id": hidden["id"],
            },
        ),
        422,
    )
    assert body["errors"][0]["field"] == "threat_assessment_id"


def test_item_defaults_ref_and_derived_overdue(client, officer, admin):
    plan = make_plan(client, officer)
    late = make_item(
        client,
        officer,
        plan["id"],
        due_date=str(TODAY - timedelta(days=1)),
        rag="amber",
        partners=["Youth Service", "NHS"],
        priority_refs=["P1"],
    )
    assert late["classification"] == "OFFICIAL" and late["ref"] == "SAF-01" and late["overdue"] is True
    assert late["partners"] == ["Youth Service", "NHS"] and late["priority_refs"] == ["P1"]
    today = make_item(client, officer, plan["id"], due_date=str(TODAY))
    assert today["ref"] == "SAF-02" and today["overdue"] is False
    done = make_item(client, officer, plan["id"], due_date="2020-01-01", status="cancelled")
    assert done["overdue"] is False
    response = client.get(f"{ITEMS}/{late['id']}", headers=officer.headers)
    assert response.json() == late and response.headers["etag"] == '"1"'
    events = client.get("/api/v1/audit-events", headers=admin.headers, params={"entity_id": late["id"]}).json()
    assert [e["action"] for e in events["items"]] == ["prevent_item.create"]


def test_item_rules_are_422_naming_the_field(client, officer):
    plan = make_plan(client, officer)
    body = assert_problem(
        client.post(
            ITEMS,
            headers=officer.headers,
            json={
                "plan_id": plan["id"],
                "title": "x",
                "key_area": "ideology",
                "owner": "Team",
                "start_date": "2026-06-01",
                "due_date": "2026-05-01",
            },
        ),
        422,
    )
    assert body["errors"] == [{"field": "due_date", "message": "cannot be before the start date"}]
    body = assert_problem(
        client.post(
            ITEMS,
            headers=officer.headers,
            json={"plan_id": plan["id"], "title": "x", "key_area": "ideas", "owner": "Team"},
        ),
        422,
    )
    assert body["errors"][0]["field"] == "key_area"
    body = assert_problem(
        client.post(
            ITEMS,
            headers=officer.headers,
            json={"plan_id": "no-such-plan", "title": "x", "key_area": "ideology", "owner": "Team"},
        ),
        422,
    )
    assert body["errors"][0]["field"] == "plan_id"
    item = make_item(client, officer, plan["id"], start_date="2026-06-01")
    body = assert_problem(
        client.patch(
            f"{ITEMS}/{item['id']}",
            headers=officer.headers | {"If-Match": '"1"'},
            json={"due_date": "2026-05-31"},
        ),
        422,
    )
    assert body["errors"][0]["field"] == "due_date"
    assert_problem(client.get(ITEMS, headers=officer.headers, params={"sort": "colour"}), 422)
    assert_problem(client.get(ITEMS, headers=officer.headers, params={"rag": "purple"}), 422)


def test_item_patch_and_delete_need_if_match(client, officer):
    plan = make_plan(client, officer)
    item = make_item(client, officer, plan["id"], rag="green")
    url = f"{ITEMS}/{item['id']}"
    assert_problem(client.patch(url, headers=officer.headers, json={"title": "Changed"}), 428)
    assert_problem(client.patch(url, headers=officer.headers | {"If-Match": '"3"'}, json={"title": "Changed"}), 412)
    assert client.get(url, headers=officer.headers).json()["title"] == item["title"]
    response = client.patch(url, headers=officer.headers | {"If-Match": '"1"'}, json={"status": "complete"})
    assert response.status_code == 200 and response.headers["etag"] == '"2"'
    assert response.json()["status"] == "complete" and response.json()["rag"] is None  # completing clears RAG
    timeline = client.get(f"{url}/updates", headers=officer.headers).json()["items"]
    assert [(u["status_from"], u["status_to"], u["rag_from"], u["rag_to"]) for u in timeline] == [
        ("not_started", "complete", "green", None)
    ]
    assert_problem(client.delete(url, headers=officer.headers), 428)
    assert_problem(client.delete(url, headers=officer.headers | {"If-Match": '"1"'}), 412)
    assert client.delete(url, headers=officer.headers | {"If-Match": '"2"'}).status_code == 204
    assert_problem(client.get(url, headers=officer.headers), 404)


def test_progress_update_applies_the_change_and_records_who_and_from_to(client, officer, make_user):
    plan = make_plan(client, officer)
    item = make_item(client, officer, plan["id"], rag="amber")
    url = f"{ITEMS}/{item['id']}"
    response = client.post(
        f"{url}/updates",
        headers=officer.headers,
        json={"note": "Sessions booked with two youth clubs.", "status": "in_progress", "rag": "green"},
    )
    assert response.status_code == 201
    update = response.json()
    assert (update["status_from"], update["status_to"]) == ("not_started", "in_progress")
    assert (update["rag_from"], update["rag_to"]) == ("amber", "green")
    assert update["author"] == officer.username.title() and update["item_version"] == 2
    now = client.get(url, headers=officer.headers)
    assert now.headers["etag"] == '"2"' and now.json()["status"] == "in_progress" and now.json()["rag"] == "green"
    stale = client.post(f"{url}/updates", headers=officer.headers | {"If-Match": '"1"'}, json={"note": "late"})
    assert_problem(stale, 412)
    done = client.post(
        f"{url}/updates",
        headers=officer.headers | {"If-Match": '"2"'},
        json={"note": "All sessions delivered.", "status": "complete"},
    ).json()
    assert (done["rag_from"], done["rag_to"]) == ("green", None)
    assert client.get(url, headers=officer.headers).json()["rag"] is None
    refused = client.post(f"{url}/updates", headers=officer.headers, json={"note": "x", "rag": "red"})
    assert assert_problem(refused, 422)["errors"][0]["field"] == "rag"
    assert_problem(client.post(f"{url}/updates", headers=officer.headers, json={"note": ""}), 422)
    timeline = client.get(f"{url}/updates", headers=officer.headers).json()["items"]
    assert [u["note"] for u in timeline] == [
        "All sessions delivered.",
        "Sessions booked with two youth clubs.",
    ]


def test_official_principal_never_sees_sensitive_items(client, officer, make_api_key):
    plan = make_plan(client, officer)
    open_item = make_item(client, officer, plan["id"], rag="green")
    secret = make_item(
        client,
        officer,
        plan["id"],
        classification="OFFICIAL-SENSITIVE",
        rag="red",
        title="Work with a named institution",
    )
    official = make_api_key(["prevent:read", "prevent:write"], clearance="OFFICIAL")
    url = f"{ITEMS}/{secret['id']}"
    assert_problem(client.get(url, headers=official.headers), 404)
    assert_problem(client.patch(url, headers=official.headers | {"If-Match": '"1"'}, json={"title": "x"}), 404)
    assert_problem(client.delete(url, headers=official.headers | {"If-Match": '"1"'}), 404)
    assert_problem(client.get(f"{url}/updates", headers=official.headers), 404)
    assert_problem(client.post(f"{url}/updates", headers=official.headers, json={"note": "x"}), 404)
    assert ids(client.get(ITEMS, headers=official.headers, params={"plan_id": plan["id"]})) == [open_item["id"]]
    exported = client.get(ITEMS, headers=official.headers | {"Accept": "text/csv"}).text
    assert secret["id"] not in exported and "named institution" not in exported
    counts = client.get(f"{PLANS}/{plan['id']}", headers=official.headers).json()["counts"]
    assert counts["total"] == 1 and counts["by_rag"]["red"] == 0
    assert_problem(
        client.post(
            ITEMS,
            headers=official.headers,
            json={
                "plan_id": plan["id"],
                "title": "x",
                "key_area": "ideology",
                "owner": "Team",
                "classification": "OFFICIAL-SENSITIVE",
            },
        ),
        403,
    )


def test_items_of_a_sensitive_plan_are_hidden_with_it(client, officer, viewer):
    plan = make_plan(client, officer, classification="OFFICIAL-SENSITIVE")
    item = make_item(client, officer, plan["id"])
    assert_problem(client.get(f"{PLANS}/{plan['id']}", headers=viewer.headers), 404)
    assert_problem(client.get(f"{ITEMS}/{item['id']}", headers=viewer.headers), 404)
    assert client.get(PLANS, headers=viewer.headers).json()["items"] == []
    assert client.get(ITEMS, headers=viewer.headers).json()["items"] == []


def test_filters_combine_and_overdue_is_decided_before_paging(client, officer):
    plan = make_plan(client, officer)
    other = make_plan(client, officer, title="Other")
    late = []
    for n in range(9):
        overdue = n % 3 == 0
        item = make_item(
            client,
            officer,
            plan["id"],
            ref=f"A{n:02d}",
            rag=["red", "amber", "green"][n % 3],
            due_date=str(TODAY + timedelta(days=-2 if overdue else 5)),
            key_area="ideology" if n < 5 else "institutions",
            owner="Community Safety Team" if n % 2 else "Prevent Coordinator",
            title=f"Action {n}" + (" on madrassah safeguarding" if n == 4 else ""),
        )
        if overdue:
            late.append(item["id"])
    make_item(client, officer, other["id"], due_date=str(TODAY - timedelta(days=9)))
    base = {"plan_id": plan["id"], "limit": 1}
    assert sorted(every_page(client, officer, base | {"overdue": "true"})) == sorted(late)
    assert len(every_page(client, officer, base | {"overdue": "false"})) == 6
    assert len(every_page(client, officer, base | {"key_area": "ideology", "rag": "red"})) == 2
    assert len(every_page(client, officer, base | {"owner": "community safety team"})) == 4
    assert len(every_page(client, officer, base | {"q": "MADRASSAH"})) == 1
    assert len(every_page(client, officer, base | {"status": "not_started"})) == 9
    assert len(every_page(client, officer, {"overdue": "true", "limit": 200})) == 4
    assert len(every_page(client, officer, base | {"due_before": str(TODAY)})) == 3
    assert len(every_page(client, officer, base | {"due_after": str(TODAY)})) == 6


def test_csv_is_exactly_the_filtered_list(client, officer):
    plan = make_plan(client, officer)
    for n in range(6):
        make_item(client, officer, plan["id"], rag="red" if n % 2 else "green", title=f"=cmd|{n}")
    params = {"plan_id": plan["id"], "rag": "red", "sort": "-ref"}
    listed = client.get(ITEMS, headers=officer.headers, params=params).json()["items"]
    response = client.get(ITEMS, headers=officer.headers | {"Accept": "text/csv"}, params=params)
    assert response.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert [r["id"] for r in rows] == [i["id"] for i in listed] and len(rows) == 3
    assert all(r["title"].startswith("'=") for r in rows)  # formula-injection safe
    assert {r["overdue"] for r in rows} == {"false"}


def test_paging_over_200_items_loses_and_repeats_nothing_while_items_are_added(client, officer, database):
    plan = make_plan(client, officer)
    _bulk_items(database, plan["id"], 230)
    added = []

    def insert():
        added.append(make_item(client, officer, plan["id"], due_date=str(TODAY), rag="amber")["id"])

    for sort in (None, "due_date", "-rag", "status"):
        before = {i for i in every_page(client, officer, {"plan_id": plan["id"], "limit": 200})}
        params = {"plan_id": plan["id"], "limit": 40} | ({"sort": sort} if sort else {})
        seen = every_page(client, officer, params, between=insert)
        assert len(seen) == len(set(seen)), f"repeated items with sort={sort}"
        assert before <= set(seen), f"lost items with sort={sort}"
    assert len(before) > 200


def _bulk_items(database, plan_id, count):
    from app.models.prevent import PreventItem

    with database.session() as session:
        for n in range(count):
            session.add(
                PreventItem(
                    plan_id=plan_id,
                    ref=f"B{n:03d}",
                    title=f"Bulk action {n}",
                    key_area="ideology",
                    owner="Team",
                    rag=[None, "red", "amber", "green"][n % 4],
                    status=["not_started", "in_progress"][n % 2],
                    due_date=None if n % 5 == 0 else TODAY + timedelta(days=n % 7),
                    classification="OFFICIAL",
                )
            )
        session.commit()


def test_sorting_orders_rows(client, officer):
    plan = make_plan(client, officer)
    make_item(client, officer, plan["id"], ref="X1", rag="green", due_date="2026-09-01")
    make_item(client, officer, plan["id"], ref="X2", rag="red")
    make_item(client, officer, plan["id"], ref="X3", rag="amber", due_date="2026-05-01", status="in_progress")

    def refs(sort):
        items = client.get(ITEMS, headers=officer.headers, params={"plan_id": plan["id"], "sort": sort})
        return [i["ref"] for i in items.json()["items"]]

    assert refs("rag") == ["X2", "X3", "X1"]
    assert refs("due_date") == ["X3", "X1", "X2"]  # no due date last
    assert refs("-due_date") == ["X2", "X1", "X3"]
    assert refs("-ref") == ["X3", "X2", "X1"]
    assert refs("status") == ["X1", "X2", "X3"]


def test_only_emt_or_admin_approve_and_the_old_plan_is_superseded_once_the_new_one_starts(client, officer, emt, admin):
    old = make_plan(client, officer, title="Old plan", period_start="2025-04-01", period_end="2026-03-31")
    new = make_plan(client, officer)
    for plan in (old, new):
        assert client.post(f"{PLANS}/{plan['id']}/submit", headers=officer.headers).status_code == 200
    assert_problem(client.post(f"{PLANS}/{old['id']}/approve", headers=officer.headers), 403)
    approved = client.post(f"{PLANS}/{old['id']}/approve", headers=emt.headers)
    assert approved.status_code == 200 and approved.json()["status"] == "approved"
    assert approved.json()["approved_by"] == emt.username.title()
    assert approved.json()["approved_on"] == str(TODAY)
    assert_problem(client.post(f"{PLANS}/{old['id']}/approve", headers=emt.headers), 409)
    assert_problem(client.post(f"{PLANS}/{new['id']}/approve", headers=admin.headers | {"If-Match": '"7"'}), 412)
    assert client.post(f"{PLANS}/{new['id']}/approve", headers=admin.headers).json()["status"] == "approved"
    assert client.get(f"{PLANS}/{old['id']}", headers=officer.headers).json()["status"] == "superseded"
    statuses = {p["title"]: p["status"] for p in client.get(PLANS, headers=officer.headers).json()["items"]}
    assert statuses == {"Old plan": "superseded", new["title"]: "approved"}
    actions = [
        e["action"]
        for e in client.get("/api/v1/audit-events", headers=admin.headers, params={"entity_id": new["id"]}).json()[
            "items"
        ]
    ]
    assert {"prevent_plan.submit", "prevent_plan.approve"} <= set(actions)


def test_review_carries_open_items_forward_and_links_the_newest_assessment(client, officer, admin):
    older = make_assessment(client, officer, title="CTLP 2025", period_start="2025-01-01", period_end="2025-12-31")
    newest = make_assessment(client, officer)
    plan = make_plan(client, officer, threat_assessment_id=older["id"])
    open_item = make_item(client, officer, plan["id"], rag="red", status="in_progress", priority_refs=["P1"])
    client.post(f"{ITEMS}/{open_item['id']}/updates", headers=officer.headers, json={"note": "History stays"})
    make_item(client, officer, plan["id"], status="complete")
    make_item(client, officer, plan["id"], status="cancelled")
    secret = make_item(client, officer, plan["id"], classification="OFFICIAL-SENSITIVE")
    response = client.post(f"{PLANS}/{plan['id']}/review", headers=officer.headers)
    assert response.status_code == 201 and response.headers["location"].endswith(response.json()["id"])
    review = response.json()
    assert review["status"] == "draft" and review["previous_plan_id"] == plan["id"]
    assert (review["period_start"], review["period_end"]) == ("2027-04-01", "2028-03-31")
    assert review["threat_assessment_id"] == newest["id"] and review["title"] == "Prevent delivery plan 2027\u201328"
    carried = client.get(ITEMS, headers=officer.headers, params={"plan_id": review["id"]}).json()["items"]
    assert {i["continues_item_id"] for i in carried} == {open_item["id"], secret["id"]}
    first = next(i for i in carried if i["continues_item_id"] == open_item["id"])
    assert (first["status"], first["rag"], first["ref"]) == ("in_progress", "red", open_item["ref"])
    assert client.get(f"{ITEMS}/{first['id']}/updates", headers=officer.headers).json()["items"] == []
    assert len(client.get(f"{ITEMS}/{open_item['id']}/updates", headers=officer.headers).json()["items"]) == 1
    assert_problem(client.post(f"{PLANS}/{plan['id']}/review", headers=officer.headers), 409)


def test_review_links_only_an_assessment_the_reviewer_can_see(client, officer, make_api_key):
    make_assessment(client, officer)  # OFFICIAL-SENSITIVE
    visible = make_assessment(client, officer, title="Open", period_end="2026-06-30", classification="OFFICIAL")
    writer = make_api_key(["prevent:read", "prevent:write"], clearance="OFFICIAL")
    plan = make_plan(client, writer, period_start="2026-01-01", period_end="2026-06-30")
    review = client.post(f"{PLANS}/{plan['id']}/review", headers=writer.headers, json={"title": "H2 plan"}).json()
    assert review["threat_assessment_id"] == visible["id"] and review["title"] == "H2 plan"
    assert (review["period_start"], review["period_end"]) == ("2026-07-01", "2026-12-31")


def test_coverage_lists_items_per_priority_and_counts_the_unanswered(client, officer):
    assessment = make_assessment(client, officer)
    plan = make_plan(client, officer, threat_assessment_id=assessment["id"])
    item = make_item(client, officer, plan["id"], priority_refs=["p1"])
    coverage = client.get(f"{PLANS}/{plan['id']}/coverage", headers=officer.headers).json()
    assert [(p["ref"], [i["id"] for i in p["items"]]) for p in coverage["priorities"]] == [
        ("P1", [item["id"]]),
        ("P2", []),
    ]
    assert coverage["unanswered"] == 1


def test_idempotent_item_post_is_replayed_not_repeated(client, officer):
    plan = make_plan(client, officer)
    headers = officer.headers | {"Idempotency-Key": "item-1"}
    body = {"plan_id": plan["id"], "title": "Once", "key_area": "ideology", "owner": "Team"}
    first, again = (client.post(ITEMS, headers=headers, json=body) for _ in range(2))
    assert first.status_code == again.status_code == 201 and first.json() == again.json()
    assert len(client.get(ITEMS, headers=officer.headers).json()["items"]) == 1
    update = {"note": "Only once"}
    url = f"{ITEMS}/{first.json()['id']}/updates"
    for _ in range(2):
        assert client.post(url, headers=officer.headers | {"Idempotency-Key": "u-1"}, json=update).status_code == 201
    assert len(client.get(url, headers=officer.headers).json()["items"]) == 1


def test_unknown_plan_and_item_are_404(client, officer):
    assert_problem(client.get(f"{PLANS}/nope", headers=officer.headers), 404)
    assert_problem(client.get(f"{ITEMS}/nope", headers=officer.headers), 404)
    assert_problem(client.post(f"{PLANS}/nope/review", headers=officer.headers), 404)


def test_an_automatic_ref_never_steps_over_an_item_the_caller_cannot_see(client, officer, make_api_key):
    plan = make_plan(client, officer)
    assert make_item(client, officer, plan["id"], key_area="ideology")["ref"] == "IDE-01"
    hidden = make_item(client, officer, plan["id"], key_area="ideology", classification="OFFICIAL-SENSITIVE")
    assert hidden["ref"] == "IDE-S01"  # sensitive items are numbered apart
    official = make_api_key(["prevent:read", "prevent:write"], clearance="OFFICIAL")
    assert make_item(client, official, plan["id"], key_area="ideology")["ref"] == "IDE-02"
    assert make_item(client, officer, plan["id"], key_area="ideology")["ref"] == "IDE-03"  # whoever asks


def test_a_ref_is_unique_within_its_plan_in_any_case(client, officer):
    plan, other = make_plan(client, officer), make_plan(client, officer, title="Other")
    first = make_item(client, officer, plan["id"], ref="Col-1")
    second = make_item(client, officer, plan["id"], ref="Col-2")
    assert_problem(client.post(ITEMS, headers=officer.headers, json=_item_body(plan["id"], ref="COL-1")), 409)
    assert make_item(client, officer, other["id"], ref="COL-1")["ref"] == "COL-1"  # another plan's refs are its own
    renamed = client.patch(
        f"{ITEMS}/{second['id']}", headers=officer.headers | {"If-Match": '"1"'}, json={"ref": "col-1"}
    )
    assert_problem(renamed, 409)
    assert client.get(f"{ITEMS}/{second['id']}", headers=officer.headers).json()["ref"] == "Col-2"
    assert client.get(f"{ITEMS}/{first['id']}", headers=officer.headers).headers["etag"] == '"1"'


def _item_body(plan_id, **extra):
    return {"plan_id": plan_id, "title": "x", "key_area": "ideology", "owner": "Team"} | extra


def test_approving_needs_the_highest_clearance_so_it_never_touches_a_plan_the_approver_cannot_see(
    client, officer, emt, make_api_key
):
    official = make_api_key(["prevent:read", "approve"], clearance="OFFICIAL")
    draft = make_plan(client, officer)
    assert client.post(f"{PLANS}/{draft['id']}/submit", headers=officer.headers).status_code == 200
    # Refused whether or not a hidden plan exists: the answer tells the approver nothing about other plans.
    body = assert_problem(client.post(f"{PLANS}/{draft['id']}/approve", headers=official.headers), 403)
    assert "OFFICIAL-SENSITIVE" in body["detail"]
    hidden = make_plan(
        client, officer, title="Sensitive plan", classification="OFFICIAL-SENSITIVE", period_start="2026-05-01"
    )
    assert client.post(f"{PLANS}/{hidden['id']}/submit", headers=officer.headers).status_code == 200
    assert client.post(f"{PLANS}/{hidden['id']}/approve", headers=emt.headers).status_code == 200
    again = assert_problem(client.post(f"{PLANS}/{draft['id']}/approve", headers=official.headers), 403)
    assert again["detail"] == body["detail"]
    assert client.get(f"{PLANS}/{hidden['id']}", headers=officer.headers).json()["status"] == "approved"
    assert client.get(f"{PLANS}/{draft['id']}", headers=officer.headers).json()["status"] == "submitted"


def test_if_match_star_still_matches_any_version(client, officer):
    plan = make_plan(client, officer)
    item = make_item(client, officer, plan["id"])
    assessment = make_assessment(client, officer)
    star = officer.headers | {"If-Match": "*"}
    for url in (f"{PLANS}/{plan['id']}", f"{ITEMS}/{item['id']}", f"/api/v1/threat-assessments/{assessment['id']}"):
        response = client.patch(url, headers=star, json={"title": "Starred"})
        assert response.status_code == 200 and response.json()["title"] == "Starred", url
        assert response.headers["etag"] == '"2"'


def test_a_patch_that_changes_nothing_keeps_the_version_and_writes_no_event(client, officer, admin):
    plan = make_plan(client, officer)
    item = make_item(client, officer, plan["id"], title="Same")
    response = client.patch(
        f"{ITEMS}/{item['id']}", headers=officer.headers | {"If-Match": '"1"'}, json={"title": "Same"}
    )
    assert response.status_code == 200 and response.headers["etag"] == '"1"'
    note = client.post(f"{ITEMS}/{item['id']}/updates", headers=officer.headers, json={"note": "Just a note"})
    assert note.status_code == 201 and note.json()["item_version"] == 1  # a note alone does not change the item
    events = client.get("/api/v1/audit-events", headers=admin.headers, params={"entity_id": item["id"]}).json()
    assert [e["action"] for e in events["items"]] == ["prevent_item.create"]


def test_every_event_of_a_sensitive_item_carries_its_marking(client, officer, admin):
    plan = make_plan(client, officer)
    item = make_item(client, officer, plan["id"], classification="OFFICIAL-SENSITIVE")
    url = f"{ITEMS}/{item['id']}"
    update = client.post(f"{url}/updates", headers=officer.headers, json={"note": "Begun", "status": "in_progress"})
    client.patch(url, headers=officer.headers | {"If-Match": '"2"'}, json={"title": "Renamed"})
    client.delete(url, headers=officer.headers | {"If-Match": '"3"'})
    events = client.get("/api/v1/audit-events", headers=admin.headers, params={"limit": 200}).json()["items"]
    about = [e for e in events if e["entity_id"] in {item["id"], update.json()["id"]}]
    assert sorted(e["action"] for e in about) == [
        "prevent_item.create",
        "prevent_item.delete",
        "prevent_item.progress",
        "prevent_item.update",
        "prevent_item_update.create",
    ]
    assert {e["classification"] for e in about} == {"OFFICIAL-SENSITIVE"}


def test_a_date_filter_that_is_not_a_real_yyyy_mm_dd_day_is_422_naming_it(client, officer):
    for value in ("2026-02-30", "2026-1-1", "1767225600", "2026-01-01T00:00:00Z"):
        response = client.get(ITEMS, headers=officer.headers, params={"due_before": value})
        assert assert_problem(response, 422)["errors"][0]["field"] == "due_before", value
