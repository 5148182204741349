"""Request schemas never accept a string longer than the column that stores it.

SQLite ignores VARCHAR lengths, PostgreSQL enforces them: without this, a value that passes validation would fail
only in production, as a 500.
"""

from __future__ import annotations

import inspect

from pydantic import BaseModel
from sqlmodel import SQLModel

from app.discovery import modules

# Accepted longer than stored because a validator normalises them first (" sw1a  2aa " is stored as "SW1A 2AA").
NORMALISED = {"SiteCreate.postcode", "SiteUpdate.postcode"}


def _max_length(field) -> int | None:
    lengths = [getattr(m, "max_length", None) for m in field.metadata]
    for arg in getattr(field.annotation, "__args__", ()) or ():
        lengths += [getattr(m, "max_length", None) for m in getattr(arg, "__metadata__", ())]
    lengths += [getattr(m, "max_length", None) for m in getattr(field.annotation, "__metadata__", ())]
    found = [n for n in lengths if isinstance(n, int)]
    return min(found) if found else None


def _is_text(field) -> bool:
    text = repr(field.annotation)
    return "str" in text and "list" not in text and "Enum" not in text and "Literal" not in text


def test_request_strings_fit_their_columns():
    problems = []
    for module in modules("app.models"):
        members = [m for _, m in inspect.getmembers(module, inspect.isclass) if m.__module__ == module.__name__]
        tables = [m for m in members if issubclass(m, SQLModel) and hasattr(m, "__table__")]
        columns = {
            c.name: c.type.length for t in tables for c in t.__table__.columns if getattr(c.type, "length", None)
        }
        requests = [
            m
            for m in members
            if issubclass(m, BaseModel) and m.__name__.endswith(("Create", "Update")) and not hasattr(m, "__table__")
        ]
        for schema in requests:
            for name, field in schema.model_fields.items():
                if name in columns and _is_text(field) and f"{schema.__name__}.{name}" not in NORMALISED:
                    limit = _max_length(field)
                    if limit is None or limit > columns[name]:
                        problems.append(f"{schema.__name__}.{name}: accepts {limit}, column holds {columns[name]}")
    assert problems == [], "\n".join(problems)
