"""Helpers for page tests without a browser: sign in through the real form, read CSRF tokens and ETags."""

from __future__ import annotations

import re
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
