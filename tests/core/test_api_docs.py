"""docs/api.md names every operation the API serves, and only those."""

from __future__ import annotations

import re
from pathlib import Path

DOC = Path(__file__).resolve().parents[2] / "docs" / "api.md"
UNSERVED = "## Not in the OpenAPI document"
METHODS = "GET|POST|PUT|PATCH|DELETE"
# `GET /sites`, `GET|PATCH|DELETE /sites/{id}`, `GET /threat-level/history?scope=` inside a code span.
OPERATION = re.compile(rf"`((?:{METHODS})(?:\|(?:{METHODS}))*) (/[^\s`?]*)")


def _normal(path: str) -> str:
    return re.sub(r"\{[^}]*\}", "{}", path.removeprefix("/api/v1"))


def documented() -> set[tuple[str, str]]:
    """(METHOD, path) named in the served part of the doc, path parameters unnamed."""
    text = DOC.read_text().split(UNSERVED)[0]
    return {(m, _normal(path)) for methods, path in OPERATION.findall(text) for m in methods.split("|")}


def served(client) -> set[tuple[str, str]]:
    """(METHOD, path) of every operation in the OpenAPI document."""
    spec = client.get("/api/v1/openapi.json").json()
    assert spec["servers"] == [{"url": "/api/v1"}]
    return {(m.upper(), _normal(path)) for path, ops in spec["paths"].items() for m in ops}


def test_every_operation_the_doc_names_is_served(client):
    missing = documented() - served(client)
    assert not missing, f"docs/api.md names operations the API does not serve: {sorted(missing)}"


def test_every_served_operation_is_named_in_the_doc(client):
    undocumented = served(client) - documented()
    assert not undocumented, f"add these to docs/api.md: {sorted(undocumented)}"


def test_the_doc_is_not_read_as_empty():
    assert len(documented()) > 50 and UNSERVED in DOC.read_text()
