"""Everything a page form needs, once: CSRF, posted fields to a JSON body, API errors to form errors, and the
edit conflict flow (If-Match; on 412 the form shows the record as it is now beside what the user tried to save,
in `macros/conflict.html`'s table).

Where form routes live: in the page module of the resource they change, next to its pages, with `/new` routes
declared before `/{id}` routes (e.g. `protect_sites.py` holds the site page and the site forms).
"""

from __future__ import annotations

import hmac
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from fastapi import Depends, Request

from app.core.clock import LONDON
from app.web.client import ApiResult
from app.web.dates import (
    DATE_PARTS,
    ISO_DATE,
    DateError,
    date_body,
    date_problem,
    long_date,
    lower_first,
    moment_problem,
    posted_date,
)
from app.web.deps import Web, WebError
from app.web.session import SessionCodec

CONFLICT = (
    "Someone else changed this record after you opened it. Your changes were not saved. "
    "The form now shows the current values; make your changes again."
)


async def csrf_checked(request: Request) -> None:
    """Refuse a form POST whose csrf_token does not match the session's."""
    form = await request.form()
    sent = str(form.get("csrf_token") or "")
    codec: SessionCodec = request.app.state.session_codec
    expected = codec.load(request).csrf
    if not sent or not hmac.compare_digest(sent, expected):
        raise WebError(
            403,
            "Your form could not be sent",
            "The form had expired or did not come from this service. Go back, reload the page and try again.",
        )


CsrfChecked = Depends(csrf_checked)


# Posted fields ---------------------------------------------------------------------------------------------------


def text(form: Any, name: str, limit: int = 100_000) -> str:
    """A form field as stripped text. The default limit is far above any field the API takes (10,000 characters at
    most), so an over-long entry is refused in words and kept for the user to shorten, never cut short silently."""
    return str(form.get(name) or "").strip()[:limit]


def lines(value: str) -> list[str]:
    """One entry per line (or comma), blanks dropped."""
    return [part.strip() for part in value.replace(",", "\n").splitlines() if part.strip()]


def number(value: str, kind: type) -> Any:
    """A number from a form field, or the text itself so the API names the field in its 422."""
    try:
        return kind(value)
    except ValueError:
        return value


def form_payload(
    form: Any,
    text_fields: Iterable[str],
    nullable: Iterable[str],
    lists: Iterable[str],
    *,
    creating: bool,
    dates: Iterable[str] = (),
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The API body of a posted form, and the values to show again if it is refused.

    Empty nullable fields (and dates left blank) are left out when creating and sent as null when changing.
    `dates` are GOV.UK date inputs (see `posted_date`).
    """
    text_fields, nullable, lists, dates = list(text_fields), list(nullable), list(lists), list(dates)
    values: dict[str, Any] = {name: text(form, name) for name in [*text_fields, *nullable]}
    values |= {name: [str(v) for v in form.getlist(name)] for name in lists}
    values |= {name: posted_date(form, name) for name in dates}
    body = {k: v for k, v in values.items() if k in text_fields or k in lists}
    for name in nullable:
        if values[name] or not creating:
            body[name] = values[name] or None
    for name in dates:
        if values[name] or not creating:
            body[name] = date_body(values[name])
    return body, values


def _blank(value: Any) -> bool:
    if isinstance(value, Mapping):
        return not any(str(v).strip() for v in value.values())
    if isinstance(value, list | tuple):
        return not value
    return value is None or not str(value).strip()


# The words of a form's errors --------------------------------------------------------------------------------------

# Field -> kind of error -> what to do, GOV.UK style ("Enter the site's name").
# Kinds: missing, too_long, not_a_number, out_of_range, not_an_option, not_a_date, and other (the field's catch-all).
# "{n}" in a message is the number the API's message names (a length or a bound). A field of every row of a list is
# named with a star: "priorities.*.area".
Words = Mapping[str, Mapping[str, str]]

_KINDS = (
    ("missing", ("field required", "at least 1 character", "valid string", "none is not", "be empty", "be null")),
    ("too_long", ("at most", "too long")),
    ("not_a_number", ("valid number", "valid integer", "valid float", "parse")),
    ("out_of_range", ("greater than", "less than", "between")),
    ("not_an_option", ("input should be '", "literal", "enum", "not one of")),
    ("not_a_date", ("valid date", "iso 8601", "yyyy-mm-dd")),
)


_ROW = re.compile(r"(?<=[._])\d+")  # a row of a list: `Words` names "priorities.*.area" for every row


def error_kind(message: str) -> str:
    """The kind of an API field error, read from its message (the API sends only field and message)."""
    lowered = message.lower()
    return next((kind for kind, marks in _KINDS if any(mark in lowered for mark in marks)), "other")


def check_words(label: str) -> str:
    """The message for a field error no `Words` entry covers: plain words from the field's label, never the API's."""
    return f"Check the {lower_first(label)}"


def error_words(name: str, message: str, words: Words, label: str | None = None, *, blank: bool = False) -> str:
    """The form's words for one API field error; a field left blank is "missing" whatever the API said about it.

    A field the table does not name gets `check_words` of its label (or of its name in words): the API's own
    message is never shown, since it is written for programmers ("Input should be …").
    """
    table = words.get(name) or words.get(_ROW.sub("*", name)) or {}
    kind = "missing" if blank else error_kind(message)
    chosen = table.get(kind) or table.get("other")
    if not chosen:
        return check_words(label or name.replace("_", " ").replace(".", " "))
    number_in = re.search(r"\d+(?:\.\d+)?", message)
    return chosen.replace("{n}", number_in.group(0) if number_in else "")


def _whose(name: str, message: str, fallback: str) -> str:
    """The field an error is about: a check of the whole body ("Value error, category cannot be null") names its
    field first; one that names none is put on the form's first field."""
    if name != "body":
        return name
    named = re.match(r"value error, ([a-z_]+) ", message.lower())
    return named.group(1) if named else fallback


def list_field(name: str) -> str:
    """An API error's field named as the form field it came from: `risk_ids.2` → `risk_ids` (for `api_errors`)."""
    return name.split(".")[0]


def api_errors(
    result: ApiResult,
    fallback: str,
    rename: Callable[[str], str] | None = None,
    words: Words | None = None,
    *,
    labels: Mapping[str, str] | None = None,
    values: Mapping[str, Any] | None = None,
    dates: Mapping[str, str] | None = None,
) -> dict[str, str]:
    """A refused save's errors by form field, in the form's words: each API field error through `error_words`
    (`labels`: the form's field labels, for fields `words` does not name; `values`: what was posted, so a blank
    field reads as missing), or the API's detail (written for people) on the fallback field.

    `dates` (field -> label, e.g. "Date the plan starts") are GOV.UK date inputs: a date typed wrongly gets the
    date pattern's message ("… must include a month", "… must be a real date") and every error on a date field
    a `DateError`, so the right boxes are highlighted.
    """
    words, labels, values, dates = words or {}, labels or {}, values or {}, dates or {}
    found = result.field_errors()
    renamed = {_whose(rename(k) if rename else k, v, fallback): v for k, v in found.items()}
    errors = {
        name: error_words(name, message, words, labels.get(name) or dates.get(name), blank=_blank(values.get(name, 1)))
        for name, message in renamed.items()
    }
    if not found:
        errors[fallback] = result.detail or "The record could not be saved."
    for name, label in dates.items():
        value = values.get(name)
        problem = (moment_problem if isinstance(value, Mapping) and "time" in value else date_problem)(value, label)
        if problem:
            errors[name] = problem
        elif name in errors:
            missing = _blank(values.get(name, 1)) and not (words.get(name) or {}).get("missing")
            errors[name] = DateError(f"Enter the {lower_first(label)}" if missing else errors[name])
    return errors


# Edit conflicts --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Edit:
    """What came of saving a record as the user last saw it."""

    result: ApiResult
    current: ApiResult | None = None

    @property
    def saved(self) -> bool:
        """Whether the change was saved."""
        return self.result.ok

    @property
    def conflict(self) -> bool:
        """Whether someone else changed the record since the form was opened (nothing was saved)."""
        return self.result.status in (412, 428)

    @property
    def record(self) -> Any:
        """The record as it is now (after a refusal)."""
        return self.current.body if self.current else self.result.body

    @property
    def etag(self) -> str:
        """The ETag of the record as it is now, for the form shown again."""
        return (self.current.etag if self.current else self.result.etag) or ""


async def save_edit(web: Web, path: str, body: dict[str, Any], etag: str, *, method: str = "PATCH") -> Edit:
    """Save only if nobody changed the record since `etag`; after a refusal, read it as it is now."""
    result = await web.call(method, path, json=body, headers={"If-Match": etag})
    if result.ok:
        return Edit(result)
    return Edit(result, await web.fetch_result(path))


ISO_MOMENT = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})?")


def _shown(value: Any, choices: Mapping[str, str] | None) -> str:
    if isinstance(value, Mapping):  # a date typed wrongly, as its parts
        return " ".join(str(value.get(part) or "") for part in DATE_PARTS).strip() or "(empty)"
    if isinstance(value, str) and ISO_DATE.fullmatch(value):
        return long_date(value)
    if isinstance(value, str) and ISO_MOMENT.fullmatch(value):  # the API's (UTC) or a form's (UK time) moment
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
        return (moment.astimezone(LONDON) if moment.tzinfo else moment).strftime("%-d %B %Y, %H:%M")
    if isinstance(value, list | tuple):
        return ", ".join(_shown(v, choices) for v in value) or "(empty)"
    if value is None or value == "":
        return "(empty)"
    text_value = str(value)
    return (choices.get(text_value) or text_value) if choices else text_value


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, list | tuple) or isinstance(b, list | tuple):
        return [str(v) for v in a or []] == [str(v) for v in b or []]
    return str(a if a is not None else "").strip() == str(b if b is not None else "").strip()


def conflict_rows(
    mine: Mapping[str, Any],
    current: Mapping[str, Any],
    fields: Mapping[str, str],
    choices: Mapping[str, Mapping[str, str]] | None = None,
) -> list[dict[str, str]]:
    """The rows of the conflict table: each field (by its label) where what the user sent differs from now.

    Both sides are form values; `choices` gives the words for a field's values (options, or names of linked
    records), so the table never shows a raw enum value or id.
    """
    choices = choices or {}
    return [
        {
            "field": field_label,
            "mine": _shown(mine.get(name), choices.get(name)),
            "current": _shown(current.get(name), choices.get(name)),
        }
        for name, field_label in fields.items()
        if name in mine and not _same(mine.get(name), current.get(name))
    ]
