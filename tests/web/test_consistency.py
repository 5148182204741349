"""One way of doing each thing on every page (issue 13, item 8), checked without a browser."""

from __future__ import annotations

import re

from tests import builders
from tests.web.pages import signed_in


def test_patterns_are_the_same_on_every_page(app, client, officer, admin):
    builders.record_threat_level(client, officer, "SUBSTANTIAL")
    plan = builders.make_prevent_plan(client, officer)
    item = builders.make_prevent_item(client, officer, plan["id"])
    assessment = builders.make_threat_assessment(client, officer)
    contingency = builders.make_contingency_plan(client, officer)
    exercise = builders.make_exercise(client, officer)
    builders.make_risk(client, officer)
    builders.make_site(client, officer)
    tab = signed_in(app, admin.username)

    for path in (
        f"/prevent/plans/{plan['id']}",
        f"/prevent/items/{item['id']}",
        f"/prevent/threat-assessments/{assessment['id']}",
        "/prevent/threat-assessments",
    ):
        html = tab.get(path).text
        assert 'class="govuk-back-link"' in html, path  # Prevent has back links like Protect and Prepare
        assert not re.search(r">\s*Edit\b", html), path  # "Change", never "Edit"
    assert "Change this assessment" in tab.get(f"/prevent/threat-assessments/{assessment['id']}").text
    prevent = tab.get("/prevent").text
    assert 'class="govuk-link" href="/prevent/threat-assessments"' in prevent
    assert 'govuk-button--secondary" href="/prevent/threat-assessments"' not in prevent

    for path in ("/protect/sites", "/prepare/plans", "/prepare/risks", f"/prevent/plans/{plan['id']}"):
        html = tab.get(path).text
        assert html.count('class="app-filters"') == 1, path
        assert "Apply filters" in html and not re.search(r">\s*(Filter|Find items)\s*<", html), path

    plans = tab.get("/prepare/plans").text
    assert '<strong class="govuk-tag govuk-tag--yellow">Draft</strong>' in plans
    assert 'govuk-tag--yellow">Draft</strong>' in tab.get(f"/prepare/plans/{contingency['id']}").text

    dashboard = tab.get("/").text
    assert dashboard.count("SUBSTANTIAL") == 1  # in the banner only

    history = tab.get("/threat-level").text.split('id="history"')[1]
    assert ">Applies to</th>" in history and ">The UK</td>" in history

    exercise_page = tab.get(f"/prepare/exercises/{exercise['id']}").text
    assert not re.search(r">\s*None\s*<", exercise_page)

    feeds = tab.get("/admin/feeds").text
    assert 'href="/api/docs/guide/feeds"' in feeds and "docs/feeds.md" not in feeds
    assert client.get("/api/docs/guide/feeds").status_code == 200
