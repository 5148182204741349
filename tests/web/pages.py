"""Helpers for page tests without a browser: sign in through the real form, read CSRF tokens and ETags."""

from __future__ import annotations

import re
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from html.parser import HTMLParser
from typing import Any

from fastapi import FastAPI
from fastapi.testclient import TestClient

from tests.conftest import TEST_PASSWORD

_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
_ETAG = re.compile(r'name="etag" value="([^"]*)"')


def csrf_token(html: str) -> str:
    """The CSRF token of the first form on a page."""
    found = _CSRF.search(html)
    assert found, "the page has no form with a CSRF token"
    return found.group(1)


def form_etag(html: str) -> str:
    """The ETag an edit form carries (the version the user is looking at)."""
    found = _ETAG.search(html)
    assert found, "the page has no form with an ETag"
    return found.group(1).replace("&#34;", '"').replace("&quot;", '"')


def date_fields(name: str, iso: str) -> dict[str, str]:
    """A date as a GOV.UK date input posts it: `name-day`, `name-month`, `name-year` (2026-04-01 → 1, 4, 2026)."""
    year, month, day = iso.split("-")
    return {f"{name}-day": str(int(day)), f"{name}-month": str(int(month)), f"{name}-year": year}


def moment_fields(name: str, local: str) -> dict[str, str]:
    """A date and time ("2026-06-01T09:30", UK time) as a date input with a time box posts it."""
    return date_fields(name, local[:10]) | {f"{name}-time": local[11:16]}


def fill_date(page: Any, name: str, iso: str) -> None:
    """Type a date into a GOV.UK date input in the browser."""
    for field, typed in date_fields(name, iso).items():
        page.fill(f"#{field}", typed)


def browser(app: FastAPI) -> TestClient:
    """A client that keeps cookies and does not follow redirects, like a browser tab we can inspect."""
    return TestClient(app, base_url="http://testserver", follow_redirects=False)


def signed_in(app: FastAPI, username: str | None, password: str = TEST_PASSWORD) -> TestClient:
    """A browser-like client signed in through the real sign-in form."""
    tab = browser(app)
    page = tab.get("/login")
    response = tab.post(
        "/login", data={"csrf_token": csrf_token(page.text), "username": username, "password": password, "next": "/"}
    )
    assert response.status_code == 303, response.text
    return tab


def submit(tab: TestClient, path: str, data: dict[str, Any], *, form_page: str | None = None) -> Any:
    """Post a form as the page at `form_page` (default: `path`) would, with that page's CSRF token."""
    page = tab.get(form_page or path)
    assert page.status_code == 200, page.text
    return tab.post(path, data={"csrf_token": csrf_token(page.text), **data})


@dataclass
class Field:
    """One control of a form as a browser would post it."""

    tag: str  # input, select, textarea
    name: str
    kind: str = "text"  # an input's type
    value: str = ""
    inputmode: str = ""
    options: list[str] = dataclass_field(default_factory=list)
    chosen: list[str] = dataclass_field(default_factory=list)  # a select's selected options; a checked box's value


@dataclass
class Form:
    """A form on a page: its method, action and controls."""

    method: str
    action: str
    novalidate: bool = False
    fields: list[Field] = dataclass_field(default_factory=list)

    def chosen(self) -> dict[str, list[str]]:
        """The options selected and boxes checked, by field name."""
        found: dict[str, list[str]] = {}
        for f in self.fields:
            found.setdefault(f.name, []).extend(f.chosen)
        return found

    @property
    def visible(self) -> list[Field]:
        """The controls a person fills in (not hidden fields or buttons)."""
        return [f for f in self.fields if f.kind not in ("hidden", "submit", "button")]


class _Forms(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.forms: list[Form] = []
        self._select: Field | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            self.forms.append(Form(a.get("method", "get").lower(), a.get("action", ""), "novalidate" in a))
        elif not self.forms or (not a.get("name") and tag != "option"):
            return
        elif tag == "input":
            kind = a.get("type", "text").lower()
            field = Field(tag, a["name"], kind, a.get("value", ""), a.get("inputmode", ""))
            field.chosen = [field.value] if "checked" in a else []
            self.forms[-1].fields.append(field)
        elif tag in ("select", "textarea"):
            self.forms[-1].fields.append(Field(tag, a["name"], tag))
            self._select = self.forms[-1].fields[-1] if tag == "select" else None
        elif tag == "option" and self._select is not None:
            self._select.options.append(a.get("value", ""))
            if "selected" in a:
                self._select.chosen.append(a.get("value", ""))

    def handle_endtag(self, tag: str) -> None:
        if tag == "select":
            self._select = None


def forms_on(html: str) -> list[Form]:
    """Every form on a page, with its controls."""
    parser = _Forms()
    parser.feed(html)
    return parser.forms
