"""Jinja2 with GOV.UK Frontend macros, rendering whole pages or, for htmx, one block of them."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from jinja2 import ChoiceLoader, Environment, FileSystemLoader, PackageLoader, PrefixLoader, select_autoescape
from jinja2_fragments import render_block

from app.core.clock import LONDON
from app.web.dates import DATE_HINT, DateError, date_parts, long_date, moment_parts
from app.web.options import label, select_items

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"


def london_time(value: str | datetime | None, fmt: str = "%-d %B %Y, %H:%M") -> str:
    """An RFC 3339 time from the API as UK local time, the way GOV.UK writes it."""
    if not value:
        return ""
    moment = datetime.fromisoformat(value.replace("Z", "+00:00")) if isinstance(value, str) else value
    return moment.astimezone(LONDON).strftime(fmt)


def error_list(errors: dict[str, str]) -> list[dict[str, str]]:
    """A GOV.UK error summary's list: each message links to its field (ids match field names); a date's to the first
    box to correct (`name-day`, `name-month` or `name-year`)."""
    return [{"text": message, "href": f"#{_field_id(field, message)}"} for field, message in errors.items()]


def _field_id(field: str, message: str) -> str:
    anchor = field.replace(".", "-")
    return f"{anchor}-{message.parts[0]}" if isinstance(message, DateError) else anchor


def err(errors: dict[str, str], field: str) -> dict[str, str] | None:
    """A GOV.UK component's errorMessage for one field, or None."""
    message = errors.get(field)
    return {"text": message} if message else None


def make_environment() -> Environment:
    """The template environment: our templates first, then govuk-frontend-jinja's under its prefix."""
    env = Environment(
        loader=ChoiceLoader(
            [
                FileSystemLoader(str(TEMPLATES)),
                PrefixLoader({"govuk_frontend_jinja": PackageLoader("govuk_frontend_jinja")}),
            ]
        ),
        autoescape=select_autoescape(["html"]),
        trim_blocks=True,
        lstrip_blocks=True,
        auto_reload=False,  # templates change only with a new release (like the code): no file checks per render
        cache_size=1000,
    )
    env.filters.update(london_time=london_time, long_date=long_date, label=label)
    env.globals.update(
        error_list=error_list,
        err=err,
        select_items=select_items,
        date_parts=date_parts,
        moment_parts=moment_parts,
        date_hint=DATE_HINT,
    )
    return env


class Renderer:
    """Render a page template, or a single block of it for an htmx request."""

    def __init__(self, navigation: list[Any] | None = None) -> None:
        self.env = make_environment()
        self.navigation = navigation or []

    def page(self, name: str, context: dict[str, Any]) -> str:
        """A whole page."""
        return self.env.get_template(name).render(context)

    def block(self, name: str, block: str, context: dict[str, Any]) -> str:
        """One block of a page (an htmx fragment)."""
        return render_block(self.env, name, block, context)
