"""Jinja2 with GOV.UK Frontend macros, rendering whole pages or, for htmx, one block of them."""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

from jinja2 import (
    ChoiceLoader,
    Environment,
    FileSystemLoader,
    PackageLoader,
    PrefixLoader,
    Template,
    Undefined,
    select_autoescape,
)
from jinja2.runtime import Macro
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


COMPONENTS = "/govuk_frontend_jinja/templates/components/"
_SCALARS = (str, int, float, bool, type(None))


class _Uncacheable(Exception):
    """A component's parameters hold something other than plain data."""


def _key(value: Any) -> Any:
    """A hashable, type-exact form of a component's parameters (Markup is not a str here: it is not escaped)."""
    if isinstance(value, dict):
        return ("d", tuple(sorted((str(k), _key(v)) for k, v in value.items())))
    if isinstance(value, (list, tuple)):
        return ("l", tuple(_key(v) for v in value))
    if isinstance(value, Undefined):
        return ("u",)
    if isinstance(value, _SCALARS):
        return (type(value).__name__, value)
    raise _Uncacheable


class _RememberedComponent:
    """A GOV.UK Frontend component macro that renders each distinct set of parameters once.

    The components are pure: imported without context, their markup follows from their parameters alone. Most of a
    page's render time is spent in them (a select with its options, the header, the footer, each button), and most
    calls repeat. A call with `caller` (a fieldset's contents) or with parameters that are not plain data is rendered
    as usual. At most `SIZE` renderings are kept; the store starts again when full.
    """

    SIZE = 4096

    def __init__(self, macro: Macro) -> None:
        self.macro = macro
        self.store: dict[Any, Any] = {}  # parameters -> the Markup rendered

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        if kwargs:
            return self.macro(*args, **kwargs)
        try:
            key = _key(args)
        except _Uncacheable:
            return self.macro(*args)
        found = self.store.get(key)
        if found is None:
            found = self.macro(*args)
            if len(self.store) >= self.SIZE:
                self.store = {}
            self.store[key] = found
        return found


class _Template(Template):
    """A template whose GOV.UK component macros, when imported, remember what they rendered."""

    def make_module(self, *args: Any, **kwargs: Any) -> Any:
        module = super().make_module(*args, **kwargs)
        if COMPONENTS in (self.filename or "").replace("\\", "/"):
            for name, value in list(vars(module).items()):
                if isinstance(value, Macro) and not value.caller:
                    setattr(module, name, _RememberedComponent(value))
        return module


_DICT_ATTRIBUTES = frozenset(dir(dict))


class _Environment(Environment):
    """Jinja's environment, reading `record.name` from a plain dict without raising and catching an exception.

    Jinja tries the attribute first, then the key. A plain `dict` has no attributes but its class's, so for any
    other name the key is what Jinja would find; looking it up first gives the same answer for less (a 50-row
    table reads hundreds of fields from the API's JSON). `page.items` is still the method, as in Jinja.
    """

    def getattr(self, obj: Any, attribute: str) -> Any:
        if type(obj) is dict and attribute not in _DICT_ATTRIBUTES:
            try:
                return obj[attribute]
            except KeyError:
                pass
        return super().getattr(obj, attribute)


def make_environment() -> Environment:
    """The template environment: our templates first, then govuk-frontend-jinja's under its prefix."""
    env = _Environment(
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
    env.template_class = _Template
    # Pure functions of a value, called for every row of a list: each distinct value is worked out once.
    env.filters.update(london_time=london_time, long_date=lru_cache(4096)(long_date), label=lru_cache(4096)(label))
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
