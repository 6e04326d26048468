"""Make sure `autograd` and `nn` are both chainrule's, and fail early if not.

HIPS autograd and an unrelated PyPI package called `nn` use the same import
names. If one of them shadows chainrule's package, the user would otherwise
meet a confusing AttributeError much later.
"""

from __future__ import annotations

import importlib.util
import sys

MARKER = "__chainrule__ = True"
"""The line every chainrule package's __init__.py contains."""


def _foreign(name: str, path: str | None) -> ImportError:
    return ImportError(
        f"'import {name}' found {path}, which is not chainrule's {name} package "
        f"(another project on PyPI uses the name '{name}'). chainrule needs its own "
        "virtual environment: run `make demo` in the chainrule checkout, or "
        "`python3 -m venv .venv && .venv/bin/pip install chainrule`, and use that Python"
    )


def require_chainrule_package(name: str) -> None:
    """Raise ImportError if `name` would import a package that is not chainrule's.

    Looks without importing: a foreign package is never executed.
    """
    module = sys.modules.get(name)
    if module is not None:
        if not getattr(module, "__chainrule__", False):
            raise _foreign(name, getattr(module, "__file__", None))
        return
    try:
        spec = importlib.util.find_spec(name)
    except (ImportError, ValueError):
        return
    if spec is None:
        return  # not installed at all: only the package that needs it will complain
    origin = spec.origin if spec.has_location else None
    if origin is None or not origin.endswith("__init__.py"):
        raise _foreign(name, origin or str(list(spec.submodule_search_locations or [])))
    try:
        with open(origin, encoding="utf-8") as source:
            ours = MARKER in source.read()
    except OSError:
        return
    if not ours:
        raise _foreign(name, origin)
