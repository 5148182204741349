"""Keep FastAPI's answers about each route parameter, which it works out again on every request (FastAPI 0.16x).

For every query, header and path parameter of every request, FastAPI's dependency solver asks afresh whether the
parameter's annotation is a model, whether it is a sequence, what its aliases are: pure functions of the route's
fields, which live as long as the app. On a list with eight filters that was about a fifth of the request's time.
`install()` wraps those functions of `fastapi.dependencies.utils` so that each answer is FastAPI's own, worked out
the first time it is asked for that field (or annotation) and kept. It refuses to start if FastAPI no longer has
them, rather than silently doing nothing (tests/api/test_fastapi_memo.py also checks the answers are unchanged).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from fastapi.dependencies import utils

PER_FIELD = ("_get_param_model", "_is_json_field", "get_validation_alias", "_get_param_aliases")
PER_ANNOTATION = ("field_annotation_is_sequence",)
_MARK = "__contest_hub_memo__"
_MAX_KEPT = 50_000  # far more than the app's parameters: should FastAPI ever make fields per request, memory is bounded


def _per_field(function: Callable[..., Any]) -> Callable[..., Any]:
    known: dict[tuple[int, tuple[tuple[str, Any], ...]], tuple[Any, Any]] = {}

    @wraps(function)
    def memo(field: Any, *args: Any, **kwargs: Any) -> Any:
        if args:
            return function(field, *args, **kwargs)
        key = (id(field), tuple(sorted(kwargs.items())))
        hit = known.get(key)
        if hit is not None and hit[0] is field:  # the field itself is kept, so its id is never reused
            return hit[1]
        value = function(field, **kwargs)
        if len(known) >= _MAX_KEPT:
            known.clear()
        known[key] = (field, value)
        return value

    setattr(memo, _MARK, function)
    return memo


def _per_annotation(function: Callable[[Any], Any]) -> Callable[[Any], Any]:
    known: dict[Any, Any] = {}

    @wraps(function)
    def memo(annotation: Any) -> Any:
        try:
            return known[annotation]
        except KeyError:
            if len(known) >= _MAX_KEPT:
                known.clear()
            value = known[annotation] = function(annotation)
            return value
        except TypeError:  # an annotation that cannot be hashed: asked every time, as before
            return function(annotation)

    setattr(memo, _MARK, function)
    return memo


def install() -> None:
    """Wrap FastAPI's per-parameter analysis (once per process)."""
    for names, wrap in ((PER_FIELD, _per_field), (PER_ANNOTATION, _per_annotation)):
        for name in names:
            function = getattr(utils, name, None)
            if not callable(function):
                raise RuntimeError(f"fastapi.dependencies.utils.{name} is gone: update app/api/fastapi_memo.py")
            if not hasattr(function, _MARK):
                setattr(utils, name, wrap(function))


def original(name: str) -> Callable[..., Any]:
    """FastAPI's own function behind a wrapped one (for the tests)."""
    function = getattr(utils, name)
    return getattr(function, _MARK, function)  # type: ignore[no-any-return]
