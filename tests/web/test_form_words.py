"""Error messages say what to do, in the form's words (the `words` table given to `api_errors` in
app/web/forms.py), never the API's code words; what was typed stays in the field. The site form in detail here;
tests/web/test_every_form.py sends every form blank and with bad values."""

from __future__ import annotations

import html
import re

import pytest

from app.web import forms
from tests import builders
from tests.builders import make_site
from tests.web.pages import date_fields, form_etag, signed_in, submit

CODE_WORDS = re.compile(r"should be|Input|ISO|literal|Value error|String|field required|\b[a-z]+_[a-z_]+\b")

SITE = {"name": "Town Hall", "category": "civic", "address": "1 High Street", "lat": "51.5", "lon": "-0.12"}


def _errors_of(page: str) -> str:
    found = re.search(r'<div class="govuk-error-summary".*?</ul>', page, re.S)
    assert found, "the page has no error summary"
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", found.group(0))).split())


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ({}, ["Enter the site's name", "Select a category", "Enter the latitude", "Enter the longitude"]),
        (SITE | {"lat": "north", "lon": "west"}, ["Latitude must be a number", "Longitude must be a number"]),
        (SITE | {"lat": "123"}, ["Latitude must be a number between -90 and 90"]),
        (SITE | {"category": "no_such_category"}, ["Select a category"]),
        (SITE | {"name": "x" * 400}, ["Site name must be"]),
        (SITE | {"capacity": "lots"}, ["Capacity must be a whole number"]),
        (SITE | date_fields("next_review_due", "2026-02-28") | {"next_review_due-day": "30"}, ["must be a real date"]),
        (SITE | {"next_review_due-day": "30", "next_review_due-year": "2026"}, ["must include a month"]),
    ],
)
def test_the_site_form_says_what_to_do_and_keeps_what_was_typed(app, officer, data, expected):
    tab = signed_in(app, officer.username)
    response = submit(tab, "/protect/sites/new", data)
    assert response.status_code == 400, response.text
    errors = _errors_of(response.text)
    for words in expected:
        assert words in errors, errors
    assert not CODE_WORDS.search(errors), errors
    for name in ("lat", "lon", "capacity", "next_review_due-day", "next_review_due-year"):
        if data.get(name):
            assert f'value="{data[name]}"' in response.text


def test_changing_a_site_to_no_category_says_select_one(app, client, officer):
    site = make_site(client, officer, "Hall")
    tab = signed_in(app, officer.username)
    etag = form_etag(tab.get(f"/protect/sites/{site['id']}/edit").text)
    response = submit(tab, f"/protect/sites/{site['id']}/edit", SITE | {"category": "", "etag": etag})
    assert response.status_code == 400, response.text
    assert _errors_of(response.text) == "There is a problem Select a category"


def test_an_over_long_description_is_refused_in_words_not_cut_short(app, client, officer):
    tab = signed_in(app, officer.username)
    risk = {"title": "Flooding", "category": "flooding", "likelihood": "3", "impact": "3", "owner": "EP"}
    risk |= {"classification": "OFFICIAL"}
    response = submit(tab, "/prepare/risks/new", risk | {"description": "x" * 10_001})
    assert response.status_code == 400
    assert _errors_of(response.text) == "There is a problem Enter a description of 10000 characters or fewer"
    assert "x" * 10_001 in response.text  # what was typed stays, to be shortened
    assert client.get("/api/v1/risks", headers=officer.headers).json()["items"] == []


def test_the_events_filter_takes_its_dates_in_boxes_and_explains_a_wrong_one(app, client, officer):
    builders.make_community_event(client, officer, starts_at="2030-05-04T09:00:00Z", ends_at="2030-05-04T12:00:00Z")
    tab = signed_in(app, officer.username)
    found = tab.get("/tensions/events", params=date_fields("from", "2030-05-01") | date_fields("to", "2030-05-31"))
    assert found.status_code == 200 and "Vigil for the victims" in found.text
    assert 'href="/tensions/events.ics?from=2030-05-01&amp;to=2030-05-31"' in found.text
    wrong = tab.get("/tensions/events", params={"from-day": "31", "from-month": "4", "from-year": "2030"})
    assert _errors_of(wrong.text) == "There is a problem From date must be a real date"
    assert 'href="#from-day"' in wrong.text and 'name="from-day" type="text" value="31"' in wrong.text


def test_the_conflict_table_writes_times_as_people_do():
    assert forms._shown("2026-07-12T11:00:00Z", None) == "12 July 2026, 12:00"  # the API's UTC, shown in UK time
    assert forms._shown("2026-12-12T11:00", None) == "12 December 2026, 11:00"  # a form's UK time, as typed
    assert forms._shown("2026-12-12", None) == "12 December 2026"
