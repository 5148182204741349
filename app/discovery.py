"""Find every area's modules, so a new area plugs in by adding files, not by editing shared lists."""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Iterator
from types import ModuleType


def modules(package: str) -> Iterator[ModuleType]:
    """Every module of a package (not sub-packages), imported, in name order."""
    root = importlib.import_module(package)
    for info in sorted(pkgutil.iter_modules(root.__path__), key=lambda i: i.name):
        if not info.ispkg and not info.name.startswith("_"):
            yield importlib.import_module(f"{package}.{info.name}")
