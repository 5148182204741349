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
from typing import Any

from fastapi import Depends, Request

from app.web.client import ApiResult
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


def text(form: Any, name: str, limit: int = 10_000) -> str:
    """A form field as stripped text."""
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
    form: Any, text_fields: Iterable[str], nullable: Iterable[str], lists: Iterable[str], *, creating: bool
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The API body of a posted form, and the values to show again if it is refused.

    Empty nullable fields are left out when creating and sent as null when changing.
    """
    text_fields, nullable, lists = list(text_fields), list(nullable), list(lists)
    values: dict[str, Any] = {name: text(form, name) for name in [*text_fields, *nullable]}
    values |= {name: [str(v) for v in form.getlist(name)] for name in lists}
    body = {k: v for k, v in values.items() if k in text_fields or k in lists}
    for name in nullable:
        if values[name] or not creating:
            body[name] = values[name] or None
    return body, values


# The words of a form's errors: field -> kind of error -> what to do, GOV.UK style ("Enter the site's name").
# Kinds: missing, too_long, not_a_number, out_of_range, not_an_option, not_a_date, and other (the field's catch-all).
# "{n}" in a message is the number the API's message names (a length or a bound).
Words = Mapping[str, Mapping[str, str]]

_KINDS = (
    ("missing", ("field required", "at least 1 character", "should be a valid string", "none is not")),
    ("too_long", ("at most", "too long")),
    ("not_a_number", ("valid number", "valid integer", "valid float", "parse")),
    ("out_of_range", ("greater than", "less than", "between")),
    ("not_an_option", ("input should be '", "literal", "enum", "not one of")),
    ("not_a_date", ("date", "iso 8601")),
)


def error_kind(message: str) -> str:
    """The kind of an API field error, read from its message (the API sends only field and message)."""
    lowered = message.lower()
    return next((kind for kind, marks in _KINDS if any(mark in lowered for mark in marks)), "other")


def error_words(name: str, message: str, words: Words) -> str:
    """The form's words for one API field error, or the API's message for a field the table does not name."""
    table = words.get(name)
    if not table:
        return message
    chosen = table.get(error_kind(message)) or table.get("other") or message
    number_in = re.search(r"\d+(?:\.\d+)?", message)
    return chosen.replace("{n}", number_in.group(0) if number_in else "")


def api_errors(
    result: ApiResult, fallback: str, rename: Callable[[str], str] | None = None, words: Words | None = None
) -> dict[str, str]:
    """A refused save's errors by form field: the API's field errors (in the form's words when given), or its
    detail on the fallback field."""
    errors = result.field_errors() or {fallback: result.detail or "The record could not be saved."}
    errors = {rename(k): v for k, v in errors.items()} if rename else errors
    return {k: error_words(k, v, words) for k, v in errors.items()} if words else errors


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


def _shown(value: Any, choices: Mapping[str, str] | None) -> str:
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
