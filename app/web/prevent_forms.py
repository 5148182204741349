"""What the Prevent pages share: labels, filters, sort links and turning forms into API bodies."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from starlette.datastructures import FormData, QueryParams

KEY_AREAS = [
    (
        "ideology",
        "Ideology",
        "Tackling the ideological causes of terrorism: challenging extremist ideas and "
        "denying platforms to extremist speakers.",
    ),
    (
        "institutions",
        "Institutions",
        "Working with schools, colleges, health, faith and other institutions where there are risks of radicalisation.",
    ),
    ("safeguarding", "Safeguarding", "Making sure people at risk get advice and support early."),
]
STATUSES = ["not_started", "in_progress", "complete", "cancelled"]
RAGS = ["red", "amber", "green"]
CLASSIFICATIONS = ["OFFICIAL", "OFFICIAL-SENSITIVE"]
FILTERS = ("key_area", "status", "rag", "owner", "overdue", "q")
SORTABLE = [
    ("ref", "Ref"),
    ("title", "Action"),
    ("owner", "Owner"),
    ("status", "Status"),
    ("rag", "RAG"),
    ("due_date", "Due"),
]
_ALLOWED = {
    "key_area": {k for k, _, _ in KEY_AREAS},
    "status": set(STATUSES),
    "rag": {*RAGS, "none"},
    "overdue": {"true", "false"},
}


def filters_from(query: QueryParams) -> dict[str, str]:
    """The item filters of a page's query string (unknown values dropped)."""
    chosen: dict[str, str] = {}
    for name in FILTERS:
        value = (query.get(name) or "").strip()[:200]
        if value and (name not in _ALLOWED or value in _ALLOWED[name]):
            chosen[name] = value
    sort = (query.get("sort") or "").strip()
    if sort.lstrip("-") in dict(SORTABLE):
        chosen["sort"] = sort
    return chosen


def sort_links(filters: dict[str, str]) -> list[dict[str, str]]:
    """Column headers as links: a second click on the sorted column reverses it."""
    current = filters.get("sort", "ref")
    links = []
    for key, text in SORTABLE:
        state = "ascending" if current == key else "descending" if current == f"-{key}" else "none"
        target = f"-{key}" if state == "ascending" else key
        links.append(
            {
                "key": key,
                "text": text,
                "aria_sort": state,
                "href": "?" + urlencode({**filters, "sort": target}),
            }
        )
    return links


def query_string(filters: dict[str, str]) -> str:
    """The filters as a query string."""
    return urlencode(filters)


def text(form: FormData, name: str, limit: int = 10_000) -> str:
    """A form field as stripped text."""
    return str(form.get(name) or "").strip()[:limit]


def lines(value: str) -> list[str]:
    """One entry per line (or comma), blanks dropped."""
    return [part.strip() for part in value.replace(",", "\n").splitlines() if part.strip()]


def item_body(form: FormData) -> dict[str, Any]:
    """An item form as the API's fields (empty dates and RAG as null)."""
    body: dict[str, Any] = {
        name: text(form, name)
        for name in ("title", "description", "key_area", "owner", "status", "measure", "classification")
    }
    if text(form, "ref"):
        body["ref"] = text(form, "ref")
    body["partners"] = lines(text(form, "partners"))
    body["priority_refs"] = [str(v) for v in form.getlist("priority_refs") if str(v).strip()]
    body["priority_refs"] += lines(text(form, "priority_refs_text"))
    for name in ("rag", "start_date", "due_date"):
        body[name] = text(form, name) or None
    return body


def item_values(item: dict[str, Any]) -> dict[str, Any]:
    """An item from the API as form values."""
    return item | {
        "partners": "\n".join(item.get("partners") or []),
        "rag": item.get("rag") or "",
        "start_date": item.get("start_date") or "",
        "due_date": item.get("due_date") or "",
    }


def differences(mine: dict[str, Any], current: dict[str, Any]) -> list[dict[str, str]]:
    """What the user tried to save that differs from what is there now (shown after a conflict)."""
    changed = []
    for name, value in mine.items():
        now = current.get(name)
        if (value or None) != (now or None) and name not in {"version", "csrf_token"}:
            shown = ", ".join(value) if isinstance(value, list) else str(value or "(empty)")
            changed.append({"field": name, "value": shown})
    return changed


def etag(version: str) -> str:
    """The If-Match header value for a version the form was opened at."""
    return f'"{version}"' if version.isdigit() else '"0"'


def marking_of(*records: dict[str, Any]) -> str:
    """The highest marking among the records shown on a page."""
    return "OFFICIAL-SENSITIVE" if any(r.get("classification") == "OFFICIAL-SENSITIVE" for r in records) else "OFFICIAL"
