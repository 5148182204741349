"""The audit log page: who did what to which record, when, in words; paged, filtered, downloadable."""

from __future__ import annotations

import re

import pytest

from app.core.clock import today_london
from tests import builders
from tests.browser import assert_accessible
from tests.conftest import TEST_PASSWORD
from tests.web.pages import date_fields, signed_in

_REPR = re.compile(r"\bNone\b|\[\'|\{\'|auth\.login|site\.update|'\]")


def changed_site(client, officer) -> dict:
    """A site added, then its capacity and review date changed."""
    site = builders.make_site(client, officer, "Covent Garden piazza", capacity=5000)
    url = f"{builders.API}/sites/{site['id']}"
    etag = client.get(url, headers=officer.headers).headers["ETag"]
    body = {"capacity": 6000, "next_review_due": "2027-01-31"}
    response = client.patch(url, headers=officer.headers | {"If-Match": etag}, json=body)
    assert response.status_code == 200, response.text
    return site


def audit_table(html: str) -> str:
    return html.split('id="audit-table"')[1].split("</table>")[0]


def test_events_read_as_words_with_names_links_and_labelled_changes(app, client, officer, admin):
    site = changed_site(client, officer)
    tab = signed_in(app, admin.username)
    html = tab.get("/admin/audit").text
    table = audit_table(html)
    assert "Signed in" in table
    assert "Added a site" in table and "Changed a site" in table
    assert f'<a class="govuk-link" href="/protect/sites/{site["id"]}">Covent Garden piazza</a>' in table
    assert officer.username.title() in table  # the actor's name, not their account id
    assert "Capacity:</span> 5,000 → 6,000" in table or "Capacity:</span> 5000 → 6000" in table
    assert "Next review due:</span> (empty) → 31 January 2027" in table
    assert not _REPR.search(table), _REPR.search(table)
    assert site["id"] not in table.replace(f'/protect/sites/{site["id"]}"', "")  # no raw ids shown


def test_filters_by_record_type_action_and_dates(app, client, officer, admin):
    changed_site(client, officer)
    builders.make_risk(client, officer)
    tab = signed_in(app, admin.username)
    table = audit_table(tab.get("/admin/audit", params={"entity_type": "site", "action": "site.update"}).text)
    assert "Changed a site" in table and "Added a site" not in table and "Added a risk" not in table
    today = today_london().isoformat()
    days = date_fields("from", today) | date_fields("to", today)
    assert "Added a risk" in audit_table(tab.get("/admin/audit", params=days).text)
    tomorrow = today_london().replace(year=today_london().year + 1).isoformat()
    assert "No events match these filters." in tab.get("/admin/audit", params=date_fields("from", tomorrow)).text
    wrong = tab.get("/admin/audit", params={"from-day": "31", "from-month": "2", "from-year": "2026"})
    assert wrong.status_code == 200 and "From date must be a real date" in wrong.text
    assert 'href="#from-day"' in wrong.text and 'value="31"' in wrong.text
    page = tab.get("/admin/audit").text
    assert '<select class="govuk-select" id="entity_type" name="entity_type"' in page
    assert '<select class="govuk-select" id="action" name="action"' in page


def test_pages_forward_and_back(app, client, officer, admin):
    for n in range(55):
        builders.make_training_session(client, officer, organisation=f"Organisation {n}")
    tab = signed_in(app, admin.username)
    first = tab.get("/admin/audit", params={"entity_type": "training_session"}).text
    assert audit_table(first).count("Added a training session") == 50
    assert "Previous page" not in first
    older = re.search(r'href="([^"]+)" rel="next"', first)
    assert older and "Next page" in first
    second = tab.get(older.group(1).replace("&amp;", "&")).text
    assert audit_table(second).count("Added a training session") == 5
    assert "Next page" not in second
    newer = re.search(r'href="([^"]+)" rel="prev"', second)
    assert newer and "Previous page" in second
    again = tab.get(newer.group(1).replace("&amp;", "&")).text
    assert audit_table(again) == audit_table(first)


def test_csv_download_is_the_apis_csv_of_the_filtered_events(app, client, officer, admin):
    changed_site(client, officer)
    tab = signed_in(app, admin.username)
    assert 'href="/admin/audit.csv?entity_type=site"' in tab.get("/admin/audit?entity_type=site").text
    response = tab.get("/admin/audit.csv", params={"entity_type": "site"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert "attachment" in response.headers["content-disposition"]
    lines = response.text.strip().splitlines()
    assert len(lines) == 3  # the header, the change and the creation
    assert "site.update" in lines[1]


def test_officer_sees_the_log_without_the_user_list(app, client, officer):
    changed_site(client, officer)
    tab = signed_in(app, officer.username)
    page = tab.get("/admin/audit")
    assert page.status_code == 200
    assert "Changed a site" in page.text


@pytest.mark.browser
def test_audit_log_in_the_browser_is_accessible_and_filters(page, live_server, client, officer, admin, sign_in):
    changed_site(client, officer)
    sign_in(page, admin.username, TEST_PASSWORD)
    page.click("a.govuk-service-navigation__link:has-text('Admin')")
    page.click(".app-subnav a:has-text('Audit log')")
    assert "Changed a site" in page.locator("#audit-table").inner_text()
    assert_accessible(page)
    page.select_option("#action", "site.update")
    page.click("button:has-text('Apply filters')")
    rows = page.locator("#audit-table tbody tr").all_inner_texts()
    assert len(rows) == 1 and "Changed a site" in rows[0]
    assert_accessible(page)


def test_who_is_a_username_as_people_type_it(app, client, officer, admin):
    changed_site(client, officer)
    tab = signed_in(app, admin.username)
    mine = audit_table(tab.get("/admin/audit", params={"actor": officer.username.upper()}).text)
    assert "Changed a site" in mine
    assert "Changed a site" not in audit_table(tab.get("/admin/audit", params={"actor": admin.username}).text)
