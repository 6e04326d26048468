"""Tests of the layout: modules share only public names.

A module never imports another module's `_private` names: what two modules
share gets a public home (house style). This reads every module of autograd/
and nn/ with `ast`, so it needs no import and sees every `from X import _y`.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("autograd", "nn")

KNOWN: set[tuple[str, str, str]] = set()
"""Private imports owned by work in progress elsewhere; each must go (none are left)."""


def private_imports(source: str, path: str) -> set[tuple[str, str, str]]:
    """(path, module, name) for each `from <chainrule module> import _name` in `source`."""
    found = set()
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.ImportFrom) or node.level or not node.module:
            continue
        if node.module.split(".")[0] not in PACKAGES:
            continue
        found |= {(path, node.module, a.name) for a in node.names if a.name.startswith("_")}
    return found


def test_the_finder_sees_a_private_import() -> None:
    source = "from autograd.gradcheck import (\n    _row,\n    number,\n)\nfrom os import _exit\n"
    assert private_imports(source, "m.py") == {("m.py", "autograd.gradcheck", "_row")}


def test_no_module_imports_another_module_s_private_names() -> None:
    found = set()
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            name = path.relative_to(ROOT).as_posix()
            found |= private_imports(path.read_text(encoding="utf-8"), name)
    assert found - KNOWN == set(), "give what two modules share a public name"
    assert KNOWN - found == set(), "a known private import is gone: remove it from KNOWN"


def test_an_installed_wheel_holds_every_subpackage() -> None:
    """pyproject's package list finds autograd.tape, nn.cli and any package added later."""
    tomllib = pytest.importorskip("tomllib")  # Python 3.11 and later
    from setuptools import find_namespace_packages

    packages = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"][
        "packages"
    ]
    if isinstance(packages, list):
        shipped = set(packages)
    else:
        shipped = set(find_namespace_packages(str(ROOT), include=packages["find"]["include"]))
    on_disk = {
        ".".join(init.parent.relative_to(ROOT).parts)
        for package in PACKAGES
        for init in (ROOT / package).rglob("__init__.py")
    }
    assert on_disk >= {"autograd", "autograd.tape", "nn", "nn.cli"}
    assert on_disk <= shipped, f"not in the wheel: {sorted(on_disk - shipped)}"
