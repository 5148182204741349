"""Find every area's modules, so a new area plugs in by adding files, not by editing shared lists; include their
routers cheaply."""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Iterator
from types import ModuleType

from fastapi import APIRouter
from starlette._utils import get_route_path
from starlette.routing import Match
from starlette.types import Scope


def modules(package: str) -> Iterator[ModuleType]:
    """Every module of a package (not sub-packages), imported, in name order."""
    root = importlib.import_module(package)
    for info in sorted(pkgutil.iter_modules(root.__path__), key=lambda i: i.name):
        if not info.ispkg and not info.name.startswith("_"):
            yield importlib.import_module(f"{package}.{info.name}")


class _PrefixGuard(APIRouter):
    """Holds one router and answers "no match" at once for a path outside its prefix.

    FastAPI matches a request against every route of every included router in turn (a regular expression each);
    with one router per area that is most of the routing cost of a request. The guard compares the start of the
    path once per router instead, and leaves matching inside the router to FastAPI.
    """

    def __init__(self, router: APIRouter, literal: str) -> None:
        super().__init__()
        self.literal = literal
        self.include_router(router)

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        if not get_route_path(scope).startswith(self.literal):
            return Match.NONE, {}
        return super().matches(scope)


def guarded(router: APIRouter) -> APIRouter:
    """A router to include in an app: behind a prefix check when its prefix starts with a fixed path."""
    literal = router.prefix.split("{", 1)[0]
    return _PrefixGuard(router, literal) if literal else router
