"""Edit conflicts without a browser, in every area with an edit form: two edits from one ETag, and the second
shows the one conflict table (field and option labels, never raw values) and saves nothing."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from tests.web.pages import csrf_token, date_fields, form_etag, signed_in

API = "/api/v1"
PLAN = {"title": "Plan 2026", "period_start": "2026-04-01", "period_end": "2027-03-31"}


def _created(response: httpx.Response) -> dict[str, Any]:
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


# Edit conflicts, in every area with an edit form -----------------------------------------------------------------


@dataclass
class Conflict:
    """An edit form, a change someone else makes meanwhile, and what the user tried to save."""

    form: str  # the edit page; the form posts back to it (or to `action`)
    api: str
    theirs: dict[str, Any]
    mine: dict[str, str]
    shown: list[str]  # words the conflict table must show
    hidden: list[str]  # raw values it must never show
    action: str | None = None


def _site(client, officer) -> Conflict:
    site = _created(
        client.post(
            f"{API}/sites",
            headers=officer.headers,
            json={"name": "Big Ben", "category": "iconic_site", "location": {"lat": 51.50073, "lon": -0.12463}},
        )
    )
    mine = {
        "name": "Big Ben",
        "category": "commercial_centre",
        "address": "",
        "postcode": "",
        "ward": "",
        "uprn": "",
        "lat": "51.50073",
        "lon": "-0.12463",
        "capacity": "250",
        "response_level": "",
        "operator": "",
        "classification": "OFFICIAL-SENSITIVE",
        "protective_measures": "",
    }
    return Conflict(
        f"/protect/sites/{site['id']}/edit",
        f"{API}/sites/{site['id']}",
        {"operator": "Parliamentary Estate"},
        mine,
        ["Category", "Commercial centre", "Iconic site", "Capacity", "250", "Operator", "Parliamentary Estate"],
        ["commercial_centre", "iconic_site"],
    )


def _site_assessment(client, officer) -> Conflict:
    site = _created(
        client.post(
            f"{API}/sites",
            headers=officer.headers,
            json={"name": "Big Ben", "category": "iconic_site", "location": {"lat": 51.50073, "lon": -0.12463}},
        )
    )
    assessment = _created(
        client.post(
            f"{API}/sites/{site['id']}/assessments",
            headers=officer.headers,
            json={"assessed_on": "2026-10-01", "assessor": "CTSA Jones", "recommendations": [{"text": "Bollards"}]},
        )
    )
    path = f"/sites/{site['id']}/assessments/{assessment['id']}"
    mine = {
        **date_fields("assessed_on", "2026-10-01"),
        "assessor": "CTSA Jones",
        "summary": "",
        "rows": "1",
        "rec_text_0": "Bollards",
        "rec_status_0": "done",
    }
    return Conflict(
        f"/protect{path}/edit",
        f"{API}{path}",
        {"assessor": "CTSA Smith"},
        mine,
        ["Assessor", "CTSA Smith", "Recommendations", "Bollards (Done)", "Bollards (Open)"],
        [],
    )


def _prevent_item(client, officer) -> Conflict:
    plan = _created(client.post(f"{API}/prevent/plans", headers=officer.headers, json=PLAN))
    item = _created(
        client.post(
            f"{API}/prevent/items",
            headers=officer.headers,
            json={"plan_id": plan["id"], "title": "Workshops", "key_area": "ideology", "owner": "Community Safety"},
        )
    )
    mine = {
        "ref": item["ref"],
        "title": "My new title",
        "description": "",
        "key_area": "safeguarding",
        "owner": "Community Safety",
        "partners": "",
        "status": "in_progress",
        "rag": "",
        "measure": "",
        "classification": "OFFICIAL",
    }
    return Conflict(
        f"/prevent/items/{item['id']}/edit",
        f"{API}/prevent/items/{item['id']}",
        {"title": "Their new title"},
        mine,
        ["Action", "My new title", "Their new title", "Key area", "Safeguarding", "Ideology", "In progress"],
        ["in_progress", "not_started"],
    )


def _prevent_plan(client, officer) -> Conflict:
    plan = _created(client.post(f"{API}/prevent/plans", headers=officer.headers, json=PLAN))
    return Conflict(
        f"/prevent/plans/{plan['id']}/edit",
        f"{API}/prevent/plans/{plan['id']}",
        {"title": "Their plan"},
        {
            "title": "My plan",
            **date_fields("period_start", "2026-04-01"),
            **date_fields("period_end", "2027-03-31"),
            "classification": "OFFICIAL",
        },
        ["Title", "My plan", "Their plan"],
        [],
    )


def _threat_assessment(client, officer) -> Conflict:
    found = _created(
        client.post(
            f"{API}/threat-assessments",
            headers=officer.headers,
            json={
                "title": "CTLP 2026",
                "issued_by": "Met CT Policing",
                "period_start": "2026-01-01",
                "period_end": "2026-12-31",
                "priorities": [{"area": "Colleges", "theme": "Islamist", "rating": "medium"}],
            },
        )
    )
    mine = {
        "title": "CTLP 2026",
        "issued_by": "Met CT Policing",
        **date_fields("period_start", "2026-01-01"),
        **date_fields("period_end", "2026-12-31"),
        "summary": "",
        "rows": "1",
        "priorities-0-ref": "P1",
        "priorities-0-area": "Colleges",
        "priorities-0-theme": "Islamist",
        "priorities-0-rating": "high",
        "classification": "OFFICIAL-SENSITIVE",
    }
    return Conflict(
        f"/prevent/threat-assessments/{found['id']}/edit",
        f"{API}/threat-assessments/{found['id']}",
        {"issued_by": "City of London Police"},
        mine,
        ["Issued by", "City of London Police", "Priorities", "P1, Colleges, Islamist, High", "Medium"],
        [],
    )


def _contingency_plan(client, officer) -> Conflict:
    plan = _created(
        client.post(
            f"{API}/contingency-plans",
            headers=officer.headers,
            json={"title": "Rest centre plan", "plan_type": "recovery", "owner": "Adult Social Care"},
        )
    )
    mine = {
        "title": "Rest centre plan",
        "plan_type": "business_continuity",
        "owner": "My change",
        "status": "draft",
        "version_label": "",
        "summary": "",
        "document_url": "",
        "classification": "OFFICIAL",
        "activation_level": "",
    }
    return Conflict(
        f"/prepare/plans/{plan['id']}/edit",
        f"{API}/contingency-plans/{plan['id']}",
        {"owner": "Housing Needs"},
        mine,
        ["Owner", "My change", "Housing Needs", "Type", "Business continuity", "Recovery"],
        ["business_continuity"],
    )


def _risk(client, officer) -> Conflict:
    risk = _created(
        client.post(
            f"{API}/risks",
            headers=officer.headers,
            json={"title": "River flooding", "category": "flooding", "likelihood": 3, "impact": 3, "owner": "EP"},
        )
    )
    mine = {
        "title": "River flooding",
        "category": "flooding",
        "description": "",
        "likelihood": "5",
        "impact": "3",
        "owner": "EP",
        "mitigations": "",
        "classification": "OFFICIAL",
    }
    return Conflict(
        f"/prepare/risks/{risk['id']}/edit",
        f"{API}/risks/{risk['id']}",
        {"owner": "Emergency Planning"},
        mine,
        ["Likelihood", "5 (More than 25%)", "3 (1% to 5%)", "Owner", "Emergency Planning"],
        [],
    )


def _feed(client, admin) -> Conflict:
    feed = _created(
        client.post(
            f"{API}/feeds",
            headers=admin.headers,
            json={"name": "MI5", "kind": "mi5_rss", "url": "https://www.mi5.gov.uk/UKThreatLevel/UKThreatLevel.xml"},
        )
    )
    mine = {
        "name": "MI5 threat level",
        "url": "https://www.mi5.gov.uk/UKThreatLevel/UKThreatLevel.xml",
        "poll_interval_seconds": "1200",
        "max_age_seconds": "3600",
        "enabled": "true",
    }
    return Conflict(
        f"/admin/feeds/{feed['id']}/edit",
        f"{API}/feeds/{feed['id']}",
        {"enabled": False},
        mine,
        ["Name", "MI5 threat level", "Enabled", "Yes", "No"],
        ["True", "False"],
        action=f"/admin/feeds/{feed['id']}",
    )


def _exercise(client, officer) -> Conflict:
    exercise = _created(
        client.post(
            f"{API}/exercises",
            headers=officer.headers,
            json={"title": "Exercise Safe Haven", "held_on": "2026-03-04", "exercise_type": "tabletop"},
        )
    )
    mine = {
        "title": "Exercise Safe Haven",
        **date_fields("held_on", "2026-03-04"),
        "exercise_type": "command_post",
        "participants": "",
        "summary": "",
        "classification": "OFFICIAL",
    }
    return Conflict(
        f"/prepare/exercises/{exercise['id']}/edit",
        f"{API}/exercises/{exercise['id']}",
        {"exercise_type": "live"},
        mine,
        ["Type", "Command post", "Live"],
        ["command_post", "live"],
    )


def _lesson(client, officer) -> Conflict:
    exercise = _created(
        client.post(
            f"{API}/exercises",
            headers=officer.headers,
            json={"title": "Exercise Safe Haven", "held_on": "2026-03-04", "exercise_type": "tabletop"},
        )
    )
    url = f"{API}/exercises/{exercise['id']}/lessons"
    lesson = _created(client.post(url, headers=officer.headers, json={"text": "Keys held by one person"}))
    mine = {"text": "Keys held by one person", "action": "", "owner": "", "status": "done"}
    return Conflict(
        f"/prepare/exercises/{exercise['id']}/lessons/{lesson['id']}/edit",
        f"{url}/{lesson['id']}",
        {"owner": "Facilities", "due_on": "2027-01-31"},
        mine | date_fields("due_on", "2027-02-28"),
        ["Status", "Done", "Open", "Action owner", "Facilities", "Due", "28 February 2027", "31 January 2027"],
        ["done", "open", "2027-01-31"],
    )


AREAS = {
    "protect site": (_site, "officer"),
    "protect assessment": (_site_assessment, "officer"),
    "prevent item": (_prevent_item, "officer"),
    "prevent plan": (_prevent_plan, "officer"),
    "threat assessment": (_threat_assessment, "officer"),
    "prepare plan": (_contingency_plan, "officer"),
    "prepare risk": (_risk, "officer"),
    "prepare exercise": (_exercise, "officer"),
    "prepare lesson": (_lesson, "officer"),
    "admin feed": (_feed, "admin"),
}


@pytest.mark.parametrize("area", list(AREAS))
def test_the_second_of_two_edits_from_one_version_shows_the_conflict_table_and_saves_nothing(
    app, client, make_user, area
):
    arrange, role = AREAS[area]
    actor = make_user(role)
    case = arrange(client, actor)
    tab = signed_in(app, actor.username)
    form = tab.get(case.form)
    assert form.status_code == 200, form.text
    etag = form_etag(form.text)
    theirs = client.patch(case.api, headers=actor.headers | {"If-Match": etag}, json=case.theirs)
    assert theirs.status_code == 200, theirs.text
    before = client.get(case.api, headers=actor.headers).json()

    response = tab.post(case.action or case.form, data={"csrf_token": csrf_token(form.text), "etag": etag, **case.mine})

    assert response.status_code == 409, response.text
    assert "Someone else changed this record" in response.text
    assert 'href="#conflict"' in response.text  # the error summary links to the table
    table = response.text.split('id="conflict"', 1)[1].split("</table>", 1)[0]
    assert "Your version (not saved)" in table and "Current version" in table
    for words in case.shown:
        assert words in table, (words, table)
    for raw in case.hidden:
        assert f">{raw}<" not in table, (raw, table)
    assert client.get(case.api, headers=actor.headers).json() == before  # nothing of mine was saved
    assert form_etag(response.text) != etag  # saving again starts from the current version


def test_a_progress_update_on_an_item_changed_meanwhile_shows_the_conflict_table(app, client, officer):
    case = _prevent_item(client, officer)
    item_page = case.form.removesuffix("/edit")
    tab = signed_in(app, officer.username)
    page = tab.get(item_page)
    etag = form_etag(page.text)
    client.patch(case.api, headers=officer.headers | {"If-Match": etag}, json={"status": "complete"})
    response = tab.post(
        f"{item_page}/updates",
        data={"csrf_token": csrf_token(page.text), "etag": etag, "note": "Went well", "status": "cancelled"},
    )
    assert response.status_code == 409
    table = response.text.split('id="conflict"', 1)[1].split("</table>", 1)[0]
    assert "Cancelled" in table and "Complete" in table and ">cancelled<" not in table
    assert "Went well" in response.text  # the note is kept in the form
