"""Pages a person may not use answer 403 with a plain page, before the form is shown and before a POST reaches the
API (`require` in app/web/deps.py); the controls they cannot use are not shown."""

from __future__ import annotations

import pytest

from tests.web.pages import csrf_token, signed_in

ID = "0190d1a0-0000-7000-8000-000000000000"

# Every form route of the product (path params are any id: permission is decided before anything is read).
FORMS_GET = [
    "/prevent/plans/new",
    f"/prevent/plans/{ID}/edit",
    f"/prevent/plans/{ID}/items/new",
    f"/prevent/items/{ID}/edit",
    "/prevent/threat-assessments/new",
    f"/prevent/threat-assessments/{ID}/edit",
    "/protect/sites/new",
    f"/protect/sites/{ID}/edit",
    f"/protect/sites/{ID}/assessments/new",
    f"/protect/sites/{ID}/assessments/{ID}/edit",
    "/prepare/plans/new",
    f"/prepare/plans/{ID}/edit",
    "/prepare/risks/new",
    f"/prepare/risks/{ID}/edit",
    "/prepare/exercises/new",
    f"/prepare/exercises/{ID}/edit",
    f"/prepare/exercises/{ID}/lessons/{ID}/edit",
    "/admin/api-keys",
    "/admin/users",
    "/admin/feeds",
    f"/admin/feeds/{ID}/edit",
]
FORMS_POST = [
    "/threat-level",
    "/prevent/plans",
    f"/prevent/plans/{ID}/edit",
    f"/prevent/plans/{ID}/submit",
    f"/prevent/plans/{ID}/decision",
    f"/prevent/plans/{ID}/decision/confirm",
    f"/prevent/plans/{ID}/review",
    f"/prevent/plans/{ID}/items",
    f"/prevent/items/{ID}/updates",
    f"/prevent/items/{ID}/edit",
    f"/prevent/items/{ID}/delete",
    "/prevent/threat-assessments",
    f"/prevent/threat-assessments/{ID}/edit",
    "/protect/sites/new",
    f"/protect/sites/{ID}/edit",
    f"/protect/sites/{ID}/assessments/new",
    f"/protect/sites/{ID}/assessments/{ID}/edit",
    "/protect/training",
    "/prepare/plans/new",
    f"/prepare/plans/{ID}/edit",
    "/prepare/risks/new",
    f"/prepare/risks/{ID}/edit",
    "/prepare/exercises/new",
    f"/prepare/exercises/{ID}/lessons",
    f"/prepare/exercises/{ID}/edit",
    f"/prepare/exercises/{ID}/lessons/{ID}/edit",
    f"/prepare/exercises/{ID}/lessons/{ID}/done",
    f"/prepare/exercises/{ID}/lessons/{ID}/reopen",
    "/admin/api-keys",
    f"/admin/api-keys/{ID}/revoke",
    "/admin/users",
    f"/admin/users/{ID}/active",
    "/admin/feeds",
    f"/admin/feeds/{ID}",
    f"/admin/feeds/{ID}/poll",
    f"/admin/feeds/{ID}/rotate-secret",
]


def _plain_403(response) -> None:
    assert response.status_code == 403, response.text
    assert "You do not have access" in response.text
    assert "You do not have permission to" in response.text and "Ask an administrator." in response.text
    assert 'name="title"' not in response.text and "govuk-error-summary" not in response.text


@pytest.fixture
def viewer_tab(app, viewer):
    return signed_in(app, viewer.username)


@pytest.mark.parametrize("path", FORMS_GET)
def test_a_viewer_opening_a_form_gets_the_403_page(viewer_tab, path):
    _plain_403(viewer_tab.get(path))


@pytest.mark.parametrize("path", FORMS_POST)
def test_a_viewer_posting_a_form_gets_the_403_page(viewer_tab, path):
    token = csrf_token(viewer_tab.get("/").text)
    _plain_403(viewer_tab.post(path, data={"csrf_token": token, "title": "x", "active": "false"}))


def test_the_403_page_names_what_cannot_be_done(viewer_tab):
    response = viewer_tab.get("/protect/sites/new")
    assert "You do not have permission to add sites. Ask an administrator." in response.text


def test_a_member_may_not_record_the_threat_level_or_approve(app, member):
    tab = signed_in(app, member.username)
    token = csrf_token(tab.get("/").text)
    _plain_403(tab.post("/threat-level", data={"csrf_token": token, "level": "severe"}))
    _plain_403(tab.post(f"/prevent/plans/{ID}/decision", data={"csrf_token": token}))


@pytest.mark.parametrize(
    ("path", "control"),
    [
        ("/protect/sites", 'href="/protect/sites/new"'),
        ("/prevent", 'href="/prevent/plans/new"'),
        ("/prepare/risks", 'href="/prepare/risks/new"'),
        ("/prepare/plans", 'href="/prepare/plans/new"'),
        ("/prepare/exercises", 'href="/prepare/exercises/new"'),
        ("/prevent/threat-assessments", 'href="/prevent/threat-assessments/new"'),
        ("/threat-level", 'action="/threat-level"'),
        ("/protect/training", 'action="/protect/training"'),
    ],
)
def test_a_viewer_is_not_shown_controls_they_cannot_use(viewer_tab, app, officer, path, control):
    response = viewer_tab.get(path)
    assert response.status_code == 200, response.text
    assert control not in response.text
    assert control in signed_in(app, officer.username).get(path).text
