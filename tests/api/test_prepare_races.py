"""Prepare's records under concurrent writers, against the served app (run on PostgreSQL in CI).

Each PATCH also replaces links (risks, plans), which live in their own tables: the loser must change neither the
record nor its links.
"""

from __future__ import annotations

from tests.api.test_contingency_plans import URL as PLANS
from tests.api.test_contingency_plans import plan, risk
from tests.api.test_exercises import URL as EXERCISES
from tests.api.test_exercises import exercise
from tests.api.test_risks import URL as RISKS
from tests.races import at_once, statuses


def _patches(url, actor, bodies):
    return [("PATCH", url, {"headers": {**actor.headers, "If-Match": '"1"'}, "json": body}) for body in bodies]


def _one_winner_is_stored(client, actor, url, responses, *fields):
    assert statuses(responses) == [200] + [412] * (len(responses) - 1)
    winner = next(r for r in responses if r.status_code == 200)
    stored = client.get(url, headers=actor.headers)
    for field in fields:
        assert stored.json()[field] == winner.json()[field]
    assert stored.headers["ETag"] == winner.headers["ETag"] == '"2"'


def test_twelve_patches_of_a_plan_and_its_links_give_one_200_and_eleven_412(live_server, client, officer):
    risks = [risk(client, officer, title=f"Risk {i}") for i in range(12)]
    url = f"{PLANS}/{plan(client, officer)['id']}"
    bodies = [{"owner": f"Owner {i}", "risk_ids": [r["id"]]} for i, r in enumerate(risks)]

    responses = at_once(live_server, _patches(url, officer, bodies))

    _one_winner_is_stored(client, officer, url, responses, "owner", "risk_ids")


def test_twelve_patches_of_an_exercise_and_its_lessons_give_one_200_and_eleven_412(live_server, client, officer):
    plans = [plan(client, officer, title=f"Plan {i}") for i in range(12)]
    url = f"{EXERCISES}/{exercise(client, officer)['id']}"
    bodies = [
        {"lessons": [{"text": f"Lesson {i}", "action": "Act", "owner": "EP"}], "plan_ids": [p["id"]]}
        for i, p in enumerate(plans)
    ]

    responses = at_once(live_server, _patches(url, officer, bodies))

    _one_winner_is_stored(client, officer, url, responses, "lessons", "plan_ids")


def test_twelve_patches_of_a_risk_and_its_plans_give_one_200_and_eleven_412(live_server, client, officer):
    plans = [plan(client, officer, title=f"Plan {i}") for i in range(12)]
    url = f"{RISKS}/{risk(client, officer)['id']}"
    bodies = [{"likelihood": 1 + i % 5, "plan_ids": [p["id"]]} for i, p in enumerate(plans)]

    responses = at_once(live_server, _patches(url, officer, bodies))

    _one_winner_is_stored(client, officer, url, responses, "likelihood", "plan_ids")


def test_a_plan_delete_racing_a_patch_loses_or_wins_whole(live_server, client, officer):
    url = f"{PLANS}/{plan(client, officer)['id']}"
    headers = {**officer.headers, "If-Match": '"1"'}

    responses = at_once(
        live_server,
        [("PATCH", url, {"headers": headers, "json": {"owner": "X"}}), ("DELETE", url, {"headers": headers})],
    )

    patched, deleted = (r.status_code for r in responses)
    assert (patched, deleted) in {(412, 204), (404, 204), (200, 412)}
    assert client.get(url, headers=officer.headers).status_code == (200 if patched == 200 else 404)
