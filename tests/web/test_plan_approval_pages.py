"""Plan approval pages without a browser: submit, EMT's decision with its confirmation step, superseded plans."""

from __future__ import annotations

import re
from datetime import timedelta

from app.core.clock import today_london
from tests.builders import make_approved_prevent_plan as make_approved
from tests.builders import make_prevent_item as make_item
from tests.builders import make_prevent_plan as make_plan
from tests.web.pages import csrf_token, form_etag, signed_in

PLANS = "/api/v1/prevent/plans"


def _status(client, actor, plan_id):
    return client.get(f"{PLANS}/{plan_id}", headers=actor.headers).json()["status"]


def _decide(tab, plan_id, **answers):
    """Fill in the decision form, then post what the confirmation page carries; returns both responses."""
    form = tab.get(f"/prevent/plans/{plan_id}/decision")
    assert form.status_code == 200
    data = {"csrf_token": csrf_token(form.text), "etag": form_etag(form.text), **answers}
    checked = tab.post(f"/prevent/plans/{plan_id}/decision", data=data)
    if checked.status_code != 200:
        return checked, None
    hidden = dict(re.findall(r'<input type="hidden" name="([a-z_]+)" value="([^"]*)"', checked.text))
    hidden = {k: v.replace("&#34;", '"').replace("&quot;", '"') for k, v in hidden.items()}
    return checked, tab.post(f"/prevent/plans/{plan_id}/decision/confirm", data=hidden)


def test_submit_return_resubmit_approve_through_the_pages(app, client, officer, emt):
    plan = make_plan(client, officer)
    url = f"/prevent/plans/{plan['id']}"
    team = signed_in(app, officer.username)
    page = team.get(url).text
    assert "Submit for approval" in page and "Record EMT's decision" not in page
    confirm = team.get(f"{url}/submit")
    assert confirm.status_code == 200 and "Submit this plan to EMT for approval?" in confirm.text
    assert _status(client, officer, plan["id"]) == "draft"  # the confirmation page changes nothing
    done = team.post(f"{url}/submit", data={"csrf_token": csrf_token(confirm.text), "etag": form_etag(confirm.text)})
    assert done.status_code == 303 and _status(client, officer, plan["id"]) == "submitted"
    assert "Submit for approval" not in team.get(url).text

    board = signed_in(app, emt.username)
    assert "Record EMT's decision" in board.get(url).text
    refused, _ = _decide(board, plan["id"], outcome="return", meeting="EMT 12 November 2026", comments="")
    assert refused.status_code == 400 and "Enter comments to return the plan" in refused.text
    nothing, _ = _decide(board, plan["id"], outcome="", meeting="", comments="")
    assert nothing.status_code == 400 and "Select whether EMT approved" in nothing.text
    checked, recorded = _decide(
        board, plan["id"], outcome="return", meeting="EMT 12 November 2026", comments="Add schools"
    )
    assert "Return this plan with comments?" in checked.text
    assert recorded.status_code == 303 and _status(client, officer, plan["id"]) == "returned"
    shown = board.get(url).text
    assert "Returned with comments" in shown and "Add schools" in shown and "EMT 12 November 2026" in shown

    confirm = team.get(f"{url}/submit")
    assert "1 April 2026 to 31 March 2027" in confirm.text and "2026-04-01" not in confirm.text  # dates in words
    team.post(f"{url}/submit", data={"csrf_token": csrf_token(confirm.text), "etag": form_etag(confirm.text)})
    checked, recorded = _decide(board, plan["id"], outcome="approve", meeting="EMT 26 November 2026", comments="")
    assert "Approve this plan?" in checked.text and "comes into force on 1 April 2026" in checked.text
    assert recorded.status_code == 303 and _status(client, officer, plan["id"]) == "approved"
    shown = board.get(url).text
    assert "In force" in shown and "EMT 26 November 2026" in shown and "1 earlier decision" in shown


def test_a_stale_decision_is_not_recorded(app, client, officer, emt):
    plan = make_plan(client, officer)
    client.post(f"{PLANS}/{plan['id']}/submit", headers=officer.headers)
    board = signed_in(app, emt.username)
    form = board.get(f"/prevent/plans/{plan['id']}/decision")
    stale = form_etag(form.text)
    client.post(f"{PLANS}/{plan['id']}/return", headers=emt.headers, json={"comments": "Meanwhile"})
    client.post(f"{PLANS}/{plan['id']}/submit", headers=officer.headers)
    data = {"csrf_token": csrf_token(form.text), "etag": stale, "outcome": "approve", "meeting": "", "comments": ""}
    response = board.post(f"/prevent/plans/{plan['id']}/decision/confirm", data=data)
    assert response.status_code == 303 and _status(client, officer, plan["id"]) == "submitted"


def test_a_superseded_plan_shows_no_edit_controls(app, client, officer, emt):
    today = today_london()
    old = make_approved(
        client, officer, emt, title="Old", period_start=str(today - timedelta(days=400)), period_end=str(today)
    )
    item = make_item(client, officer, old["id"])
    make_approved(client, officer, emt, title="New", period_start=str(today - timedelta(days=10)))
    team = signed_in(app, officer.username)
    page = team.get(f"/prevent/plans/{old['id']}").text
    assert "superseded by the plan now in force" in page
    for control in ("Change plan details", "Add an item", "Submit for approval"):
        assert control not in page
    item_page = team.get(f"/prevent/items/{item['id']}").text
    assert "Edit item" not in item_page and "Add a progress update" not in item_page
    assert "Remove this item" not in item_page
