"""Every form staff can fill in, found by walking the page routes (a new form cannot be missed), is sent empty and
with bad values (text in number fields, 31 2 2027, over-long text, values no select offers): never a 500, a GOV.UK
error summary in plain words (no "should be", "Input", "ISO", "literal", pydantic kinds or enum values), and what
was typed still in its field."""

from __future__ import annotations

import html
import re
from typing import Any

import pytest
from fastapi.routing import APIRoute

from app.web import PAGES
from tests import builders
from tests.builders import (
    make_approved_prevent_plan,
    make_contingency_plan,
    make_exercise,
    make_prevent_item,
    make_prevent_plan,
    make_risk,
    make_site,
    make_threat_assessment,
    post,
)
from tests.web.pages import Field, Form, browser, forms_on, signed_in

# Words of code, anywhere on a page after a refused form; in the error messages themselves, also any snake_case.
CODE_WORDS = re.compile(
    r"should be|\bInput\b|\bISO\b|literal|value_error|Value error|\bString\b|field required|Field required|type="
)
SNAKE_CASE = re.compile(r"\b[a-z]+_[a-z_]+\b")
NOT_AN_OPTION = "no_such_value"
WORDS = "lots"
TOO_LONG = "x" * 2_001  # longer than any text field but the long-text ones (10,000)
DATE = {"day": "31", "month": "2", "year": "2027"}

# Pages for people not signed in (a signed-in person is sent home).
ANONYMOUS = {"/login"}
# Forms whose every field may be left blank (nothing to refuse when sent empty).
ALL_OPTIONAL = {"/tensions/reports/{report_id}/assess"}
# Pages shown only once, after a post (a new secret): without one they send the user on.
SHOWN_ONCE = {"/admin/api-keys/created", "/admin/feeds/{feed_id}/secret"}


def _page_routes() -> list[str]:
    """Every GET page of the web app (files and feeds for machines aside)."""
    paths = [
        route.path
        for module in PAGES
        for route in module.router.routes
        if isinstance(route, APIRoute) and "GET" in route.methods
    ]
    return [p for p in paths if not p.endswith((".csv", ".geojson"))]


@pytest.fixture
def world(client, admin, officer, emt) -> dict[str, str]:
    """One record of every kind a page route names, in the state its forms need."""
    draft = make_prevent_plan(client, officer, title="Draft plan", period_start="2028-04-01", period_end="2029-03-31")
    approved = make_approved_prevent_plan(client, officer, emt, title="Plan in force")
    submitted = make_prevent_plan(
        client, officer, title="Next plan", period_start="2027-04-01", period_end="2028-03-31"
    )
    assert client.post(f"/api/v1/prevent/plans/{submitted['id']}/submit", headers=officer.headers).status_code == 200
    site = make_site(client, officer, "Town Hall")
    assessment = post(
        client, officer, f"/sites/{site['id']}/assessments", {"assessed_on": "2026-11-02", "assessor": "CTSA"}
    )
    key = post(client, admin, "/api-keys", {"name": "k", "organisation": "o", "scopes": ["prevent:read"]})
    feed = post(client, admin, "/feeds", {"name": "Met CT push", "kind": "push"})
    exercise = make_exercise(client, officer, lessons=[{"text": "Keys held by one person"}])
    group = builders.make_working_group(client, admin)
    report = builders.make_tension_report(client, officer)
    return {
        "/prevent/plans/{plan_id}": draft["id"],
        "/prevent/plans/{plan_id}/decision": submitted["id"],
        "/prevent/plans/{plan_id}/review": approved["id"],
        "/prevent/items/{item_id}": make_prevent_item(client, officer, draft["id"])["id"],
        "/prevent/threat-assessments/{assessment_id}": make_threat_assessment(client, officer)["id"],
        "/protect/sites/{site_id}": site["id"],
        "/protect/sites/{site_id}/assessments/{assessment_id}": assessment["id"],
        "/prepare/plans/{plan_id}": make_contingency_plan(client, officer)["id"],
        "/prepare/risks/{risk_id}": make_risk(client, officer)["id"],
        "/prepare/exercises/{exercise_id}": exercise["id"],
        "/prepare/exercises/{exercise_id}/lessons/{lesson_id}": exercise["lessons"][0]["id"],
        "/admin/api-keys/{key_id}": key["id"],
        "/admin/users/{user_id}": officer.user_id or "",
        "/admin/feeds/{feed_id}": feed["id"],
        "/prepare/alerts/{alert_id}": builders.make_alert(client, officer)["id"],
        "/alerts/{alert_id}": builders.publish_alert(client, officer, admin)["id"],
        "/tensions/report/sent/{report_id}": report["id"],
        "/tensions/reports/{report_id}": report["id"],
        "/tensions/events/{event_id}": builders.make_community_event(client, officer)["id"],
        "/governance/groups/{group_id}": group["id"],
        "/governance/meetings/{meeting_id}": builders.make_meeting(client, admin, group["id"])["id"],
        "/governance/escalations/{escalation_id}": builders.make_escalation(client, admin, group["id"])["id"],
    }


def _filled(path: str, world: dict[str, str]) -> str:
    """The route's path with the ids of the world's records: for each parameter, the longest entry the route
    starts with (`/prevent/plans/{plan_id}/decision` takes the submitted plan, other plan pages the draft)."""
    filled = path
    for param in re.findall(r"\{[a-z_]+\}", path):
        known = [k for k in world if path.startswith(k) and k.endswith(param)]
        assert known, f"{path}: no record for {param}; add one to the world fixture of this test"
        filled = filled.replace(param, world[max(known, key=len)], 1)
    return filled


def _posted(form: Form, mode: str) -> dict[str, Any]:
    """The form as a person would send it: "blank"; "bad" (every field a value it must refuse); or "chosen"
    (real options chosen, the other fields bad, so the form comes back and must keep the choices)."""
    data: dict[str, Any] = {f.name: f.value for f in form.fields if f.kind == "hidden"}
    for field in form.visible:
        if field.kind in ("radio", "checkbox"):
            if mode == "bad":
                data[field.name] = NOT_AN_OPTION
            elif mode == "chosen":
                data.setdefault(field.name, field.value)
        elif field.tag == "select":
            options = [o for o in field.options if o]
            data[field.name] = {"blank": "", "bad": NOT_AN_OPTION}.get(mode, options[-1] if options else "")
        else:
            data[field.name] = "" if mode == "blank" else _bad_text(field)
    return data


def _bad_text(field: Field) -> str:
    part = field.name.rsplit("-", 1)[-1]
    if part in DATE and field.inputmode == "numeric":
        return DATE[part]
    if field.inputmode in ("numeric", "decimal") or field.kind == "number":
        return WORDS
    return "x" if field.kind == "password" else TOO_LONG


def _text(page: str) -> str:
    page = re.sub(r"<(script|style)\b.*?</\1>", " ", page, flags=re.S)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page)).split())


def _errors(page: str) -> str:
    summary = re.search(r'<div class="govuk-error-summary".*?</ul>', page, re.S)
    assert summary, "a refused form shows a GOV.UK error summary"
    messages = re.findall(r'<p id="[^"]*" class="govuk-error-message">(.*?)</p>', page, re.S)
    return _text(summary.group(0) + " ".join(messages))


def _check_refused(page: str, sent: dict[str, Any]) -> None:
    errors = _errors(page)
    assert not CODE_WORDS.search(errors), errors
    assert not SNAKE_CASE.search(errors), errors
    assert not CODE_WORDS.search(_text(page)), CODE_WORDS.search(_text(page))
    for name, value in sent.items():
        if value in (WORDS, TOO_LONG) or (name.rsplit("-", 1)[-1] in DATE and value):
            assert f'value="{value}"' in page or f">{value}</textarea>" in page.replace("\n", ""), (
                f"{name}: what was typed is not in its field"
            )


@pytest.mark.parametrize("path", _page_routes())
def test_every_form_refuses_blank_and_bad_values_in_plain_words_and_keeps_what_was_typed(app, admin, world, path):
    tab = browser(app) if path in ANONYMOUS else signed_in(app, admin.username)
    url = _filled(path, world)
    page = tab.get(url)
    if path in SHOWN_ONCE:
        assert page.status_code == 303
        return
    assert page.status_code == 200, (url, page.text[:2000])
    for form in forms_on(page.text):
        if not form.visible or form.action in ("/logout", "/search"):
            continue
        assert form.novalidate or form.method == "get", f"{form.action}: the browser's own checks would come first"
        for mode in ("blank", "bad", "chosen"):
            fresh = next(f for f in forms_on(tab.get(url).text) if f.action == form.action)  # a new CSRF token
            sent = _posted(fresh, mode)
            target = form.action or url
            response = tab.get(target, params=sent) if form.method == "get" else tab.post(target, data=sent)
            assert response.status_code < 500, (target, response.text[:2000])
            if form.method == "get":  # a search or filter: it may refuse, but never in code words
                assert not CODE_WORDS.search(_text(response.text)), (target, CODE_WORDS.search(_text(response.text)))
                continue
            if response.status_code == 303 and (mode == "chosen" or (mode == "blank" and path in ALL_OPTIONAL)):
                continue  # every answer was within its limits: saved, nothing to keep
            if mode == "chosen" and response.status_code == 200 and "govuk-error-summary" not in response.text:
                continue  # every answer was within its limits: the next step ("Are you sure?")
            else:
                assert response.status_code in (400, 409, 422), (target, sent, response.status_code)
                _check_refused(response.text, sent)
            if mode == "chosen":
                _check_choices_kept(form, fresh, response.text, sent)


def _check_choices_kept(form: Form, sent_form: Form, page: str, sent: dict[str, Any]) -> None:
    again = next((f for f in forms_on(page) if f.action == form.action), None)
    assert again is not None, f"{form.action}: the form is not shown again"
    kept = again.chosen()
    for field in sent_form.visible:
        if field.kind in ("radio", "checkbox") or field.tag == "select":
            assert sent[field.name] in kept.get(field.name, []), f"{field.name}: {sent[field.name]} not kept"


def test_the_walk_finds_the_forms_staff_use(app, admin, world):
    tab = signed_in(app, admin.username)
    found = {
        form.action
        for path in _page_routes()
        if path not in SHOWN_ONCE | ANONYMOUS
        for form in forms_on(tab.get(_filled(path, world)).text)
        if form.visible and form.method == "post"
    }
    for action in (
        "/threat-level",
        "/prevent/plans",
        "/protect/sites/new",
        "/protect/training",
        "/prepare/plans/new",
        "/prepare/risks/new",
        "/admin/api-keys",
        "/admin/users",
        "/admin/feeds",
    ):
        assert action in found, sorted(found)
    assert len(found) >= 20, sorted(found)
