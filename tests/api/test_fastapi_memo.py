"""FastAPI's per-parameter answers, kept by app/api/fastapi_memo.py, are exactly FastAPI's own."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.dependencies import utils
from fastapi.routing import APIRoute, iter_route_contexts

from app.api import fastapi_memo


def _fields(app: FastAPI) -> list[Any]:
    api = next(r.app for r in app.routes if getattr(r, "path", None) == "/api/v1")  # type: ignore[attr-defined]
    found: list[Any] = []

    def walk(dependant: Any) -> None:
        found.extend([*dependant.query_params, *dependant.header_params, *dependant.path_params])
        for sub in dependant.dependencies:
            walk(sub)

    for context in iter_route_contexts(api.routes):
        if isinstance(context.original_route, APIRoute):
            walk(context.original_route.dependant)
    return found


def test_the_kept_answers_are_fastapis_own(app: FastAPI) -> None:
    fields = _fields(app)
    assert len(fields) > 100
    for name in fastapi_memo.PER_FIELD:
        wrapped, own = getattr(utils, name), fastapi_memo.original(name)
        assert wrapped is not own, f"{name} is not wrapped"
        for field in fields:
            for _ in range(2):  # the first answer is worked out, the second is kept
                assert wrapped(field) == own(field), (name, field.name)
    for name in fastapi_memo.PER_ANNOTATION:
        wrapped, own = getattr(utils, name), fastapi_memo.original(name)
        for field in fields:
            assert wrapped(field.field_info.annotation) == own(field.field_info.annotation), (name, field.name)
    aliases = utils._get_param_aliases
    for field in fields:
        assert aliases(field, convert_underscores=True) == fastapi_memo.original("_get_param_aliases")(
            field, convert_underscores=True
        )


def test_installing_twice_wraps_once() -> None:
    fastapi_memo.install()
    fastapi_memo.install()
    for name in (*fastapi_memo.PER_FIELD, *fastapi_memo.PER_ANNOTATION):
        own = fastapi_memo.original(name)
        assert getattr(own, "__contest_hub_memo__", None) is None
