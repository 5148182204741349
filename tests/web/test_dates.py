"""The GOV.UK date input toolkit (app/web/dates.py, forms.form_payload/api_errors with dates=, and the
macros/date_input.html macro): typed parts to the API's date and back, and the date pattern's messages."""

from __future__ import annotations

import pytest
from starlette.datastructures import FormData

from app.web.client import ApiResult
from app.web.dates import (
    DATE_PARTS,
    DateError,
    date_body,
    date_parts,
    date_problem,
    moment_parts,
    moment_problem,
    posted_date,
    posted_moment,
)
from app.web.forms import api_errors, form_payload
from app.web.templating import make_environment

LABEL = "Date the plan starts"


def _posted(day: str, month: str, year: str) -> FormData:
    return FormData({"starts-day": day, "starts-month": month, "starts-year": year})


@pytest.mark.parametrize(
    ("typed", "expected"),
    [(("31", "3", "2027"), "2027-03-31"), (("01", "04", "2026"), "2026-04-01"), ((" 5 ", "11", "2026"), "2026-11-05")],
)
def test_a_real_date_typed_in_three_boxes_is_the_iso_date_the_api_takes(typed, expected):
    assert posted_date(_posted(*typed), "starts") == expected
    assert date_body(expected) == expected


def test_blank_boxes_are_no_date_and_an_iso_date_shows_in_the_boxes_without_leading_zeros():
    assert posted_date(_posted("", "", ""), "starts") == ""
    assert date_body("") is None
    assert date_parts("2027-03-05") == {"day": "5", "month": "3", "year": "2027"}
    assert date_parts(None) == {"day": "", "month": "", "year": ""}


@pytest.mark.parametrize(
    ("typed", "message", "parts"),
    [
        (("31", "", "2027"), "Date the plan starts must include a month", ("month",)),
        (("", "", "2027"), "Date the plan starts must include a day and month", ("day", "month")),
        (("31", "March", "2027"), "The month of the date the plan starts must be a number", ("month",)),
        (("31", "3", "27"), "The year of the date the plan starts must include 4 numbers", ("year",)),
        (("31", "2", "2027"), "Date the plan starts must be a real date", ("day",)),
        (("1", "13", "2027"), "Date the plan starts must be a real date", ("month",)),
    ],
)
def test_a_date_typed_wrongly_gets_the_gov_uk_message_and_keeps_what_was_typed(typed, message, parts):
    value = posted_date(_posted(*typed), "starts")
    assert value == dict(zip(("day", "month", "year"), typed, strict=True))
    problem = date_problem(value, LABEL)
    assert problem == message
    assert problem.parts == parts
    assert "-" in date_body(value) and "not a date" in date_body(value)  # the API refuses it: nothing is saved


def test_form_payload_sends_dates_like_nullable_fields():
    form = FormData({"title": "Plan", "starts-day": "", "starts-month": "", "starts-year": ""})
    body, values = form_payload(form, ["title"], [], [], creating=True, dates=["starts"])
    assert body == {"title": "Plan"} and values["starts"] == ""
    body, _ = form_payload(form, ["title"], [], [], creating=False, dates=["starts"])
    assert body == {"title": "Plan", "starts": None}


def _refused(*errors: tuple[str, str]) -> ApiResult:
    body = {"status": 422, "detail": "x", "errors": [{"field": f, "message": m} for f, m in errors]}
    return ApiResult(422, body, {})


def test_api_errors_on_a_date_field_are_in_the_date_patterns_words():
    values = {"starts": {"day": "31", "month": "2", "year": "2027"}, "ends": "", "title": "x"}
    result = _refused(
        ("starts", "Input should be a valid date or datetime, day value is outside expected range"),
        ("ends", "Field required"),
        ("title", "String should have at most 200 characters"),
        ("owner", "Input should be a valid string"),
    )
    errors = api_errors(
        result,
        "title",
        words={"title": {"too_long": "Enter a title of {n} characters or fewer"}},
        labels={"owner": "Owner"},
        values=values,
        dates={"starts": LABEL, "ends": "Date the plan ends"},
    )
    assert errors == {
        "starts": "Date the plan starts must be a real date",
        "ends": "Enter the date the plan ends",
        "title": "Enter a title of 200 characters or fewer",
        "owner": "Check the owner",
    }
    assert isinstance(errors["starts"], DateError) and errors["starts"].parts == ("day",)
    assert isinstance(errors["ends"], DateError) and errors["ends"].parts == ("day", "month", "year")


def test_the_macro_keeps_what_was_typed_highlights_the_wrong_box_and_the_summary_links_to_it():
    env = make_environment()
    template = env.from_string(
        '{% from "macros/date_input.html" import date_input %}'
        '{% from "components/forms.html" import error_summary %}'
        "{{ error_summary(errors) }}{{ date_input('starts', 'Period starts', value, errors) }}"
    )
    value = {"day": "31", "month": "2", "year": "2027"}
    page = template.render(errors={"starts": date_problem(value, LABEL)}, value=value)
    assert 'href="#starts-day"' in page
    assert "For example, 31 3 2027" in page
    for part, typed in value.items():
        assert f'name="starts-{part}" type="text" value="{typed}"' in page
    day = page[page.index('id="starts-day"') - 200 : page.index('id="starts-day"')]
    month = page[page.index('id="starts-month"') - 200 : page.index('id="starts-month"')]
    assert "govuk-input--error" in day and "govuk-input--error" not in month
    assert "Date the plan starts must be a real date" in page and 'type="date"' not in page


def test_a_check_of_the_whole_body_is_put_on_the_field_it_names_and_never_shown_raw():
    result = _refused(("body", "Value error, category cannot be null"), ("body", "Value error, something else"))
    errors = api_errors(result, "name", words={"category": {"missing": "Select a category"}}, values={"category": ""})
    assert errors == {"category": "Select a category"}
    assert api_errors(_refused(("body", "Value error")), "name") == {"name": "Check the name"}


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ({"day": "1", "month": "6", "year": "2026", "time": "9:30"}, "2026-06-01T09:30"),
        ({"day": "", "month": "", "year": "", "time": ""}, ""),
    ],
)
def test_a_date_and_time_typed_in_its_boxes_is_uk_local_time_text(typed, expected):
    form = FormData({f"at-{part}": value for part, value in typed.items()})
    assert posted_moment(form, "at") == expected
    assert moment_parts(expected) == (typed if expected else dict.fromkeys(typed, "")) | (
        {"time": "09:30"} if expected else {}
    )


@pytest.mark.parametrize(
    ("typed", "message", "parts"),
    [
        (
            {"day": "1", "month": "6", "year": "2026", "time": ""},
            "Date and time it starts must include a time",
            ("time",),
        ),
        ({"day": "1", "month": "6", "year": "2026", "time": "25:00"}, "on the 24-hour clock", ("time",)),
        ({"day": "31", "month": "6", "year": "2026", "time": "10:00"}, "must be a real date", ("day",)),
        ({"day": "", "month": "", "year": "", "time": "10:00"}, "Enter the date and time it starts", DATE_PARTS),
    ],
)
def test_a_date_and_time_typed_wrongly_says_which_box(typed, message, parts):
    form = FormData({f"at-{part}": value for part, value in typed.items()})
    value = posted_moment(form, "at")
    assert value == typed  # kept as typed, to be shown again
    problem = moment_problem(value, "Date and time it starts")
    assert message in problem and problem.parts == parts
