"""The layers are enforced: the import contracts in pyproject.toml pass on the tree and bite on a wrong import."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PYPROJECT = ROOT / "pyproject.toml"
LINT_IMPORTS = Path(sys.executable).parent / "lint-imports"

# The core modules the pages may use: pure helpers with no database, no principal, no app state.
WEB_MAY_USE = {
    "app.core.settings",
    "app.core.clock",
    "app.core.ids",
    "app.core.context",
    "app.core.errors",
    "app.core.vocabulary",
}

# One wrong import per contract, each in a module of its own (path -> source).
WRONG = {
    "app/web/wrong_service.py": "from app.services import records\n",
    "app/web/wrong_database.py": "import app.core.database\n",
    "app/services/wrong_api.py": "from app.api import http\n",
    "app/feeds/wrong_api.py": "import app.api.deps\n",
    "app/core/wrong_models.py": "import app.models.common\n",
    "app/models/wrong_root.py": "import app.demo\n",
}


def _contracts() -> dict[str, dict[str, object]]:
    config = tomllib.loads(PYPROJECT.read_text())["tool"]["importlinter"]
    return {c["id"]: c for c in config["contracts"]}


def _lint(cwd: Path) -> subprocess.CompletedProcess[str]:
    env = os.environ | {"PYTHONPATH": str(cwd)}  # the tree in cwd, not the installed one
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache", "--config", str(cwd / "pyproject.toml")],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_tree_keeps_every_contract():
    result = _lint(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


def test_each_wrong_import_breaks_its_contract(tmp_path):
    shutil.copytree(ROOT / "app", tmp_path / "app", ignore=shutil.ignore_patterns("static", "templates", "*.pyc"))
    shutil.copy(PYPROJECT, tmp_path / "pyproject.toml")
    for path, source in WRONG.items():
        (tmp_path / path).write_text(source)

    result = _lint(tmp_path)

    assert result.returncode == 1, result.stdout + result.stderr
    out = result.stdout
    for contract in _contracts().values():
        assert f"{contract['name']} BROKEN" in out, out
    for path in WRONG:
        assert path.removesuffix(".py").replace("/", ".") + " -> " in out, out


def test_every_core_module_is_either_allowed_or_forbidden_to_the_pages():
    core = {f"app.core.{p.stem}" for p in (ROOT / "app" / "core").glob("*.py") if p.stem != "__init__"}
    forbidden = {m for m in _contracts()["web"]["forbidden_modules"] if m.startswith("app.core.")}  # type: ignore[attr-defined]
    assert not WEB_MAY_USE & forbidden
    assert core == WEB_MAY_USE | forbidden, "say in pyproject.toml (contract 'web') whether the pages may use it"
