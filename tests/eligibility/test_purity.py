"""The engine stays pure Python (STYLE.md, ARCHITECTURE.md): no web-framework imports."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ENGINE = Path(__file__).resolve().parents[2] / "eligibility"
FORBIDDEN = ("django", "celery", "rest_framework", "clearrecord", "drf")


def _imported_modules(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    names: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.extend(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.append(node.module)
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute | ast.Name)
            and (node.func.attr if isinstance(node.func, ast.Attribute) else node.func.id)
            in ("import_module", "__import__")
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
        ):
            names.append(node.args[0].value)
    return names


def _forbidden(names: list[str]) -> list[str]:
    return [n for n in names if n.split(".")[0] in FORBIDDEN or n.split(".")[0].startswith("drf")]


ENGINE_FILES = sorted(ENGINE.rglob("*.py"))


def test_the_engine_has_python_files() -> None:
    assert len(ENGINE_FILES) > 5


@pytest.mark.parametrize("path", ENGINE_FILES, ids=lambda p: str(p.relative_to(ENGINE)))
def test_engine_module_imports_no_web_framework(path: Path) -> None:
    assert _forbidden(_imported_modules(path)) == []


@pytest.mark.parametrize(
    "source",
    [
        "import django",
        "from django.db import models",
        "import celery.app",
        "from rest_framework import serializers",
        "from clearrecord.cases import models",
        "import drf_spectacular",
        "importlib.import_module('django.conf')",
    ],
)
def test_the_check_catches_forbidden_imports(source: str, tmp_path: Path) -> None:
    f = tmp_path / "m.py"
    f.write_text(source + "\n", encoding="utf-8")
    assert _forbidden(_imported_modules(f)) != []


def test_the_check_allows_the_engine_own_imports(tmp_path: Path) -> None:
    f = tmp_path / "m.py"
    f.write_text("import polars\nfrom eligibility.model import Upload\n", encoding="utf-8")
    assert _forbidden(_imported_modules(f)) == []
