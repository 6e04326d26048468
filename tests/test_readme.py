"""The README's Python examples run as written, and print what their comments say."""

from __future__ import annotations

import ast
import contextlib
import io
import math
import re
from pathlib import Path

import pytest

README = Path(__file__).resolve().parents[1] / "README.md"
BLOCKS = re.findall(r"```python\n(.*?)```", README.read_text(encoding="utf-8"), re.S)


def _literals(text: str) -> list[object] | None:
    """The space-separated Python literals of text ('6.0 True'), or None if a word is not one."""
    try:
        return [ast.literal_eval(word) for word in text.split()]
    except (ValueError, SyntaxError):
        return None


def _claims(block: str) -> list[list[object] | None]:
    """Per print() line, the values its comment claims ('# 6.0 6.0 (the true ...)'), or None."""
    claims = []
    for line in block.splitlines():
        if line.lstrip().startswith("print("):
            comment = line.split("#", 1)[1] if "#" in line else ""
            claims.append(_literals(re.split(r" \(| = | -|;", comment)[0]))
    return claims


def _same(want: object, got: object) -> bool:
    if isinstance(want, float) and isinstance(got, (int, float)):
        return math.isclose(want, got, rel_tol=1e-9, abs_tol=1e-12)
    return want == got


@pytest.mark.parametrize("block", BLOCKS, ids=[f"block{i}" for i in range(len(BLOCKS))])
def test_readme_example_runs_and_prints_what_it_says(block, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(block, "README.md", "exec"), {"__name__": "readme"})
    printed = out.getvalue().splitlines()
    claims = _claims(block)
    if len(claims) != len(printed):
        return  # a print of a table or report: several lines, nothing literal to compare
    for want, line in zip(claims, printed):
        if want is None:
            continue
        got = _literals(line)
        assert got is not None and len(got) == len(want), (want, line)
        assert all(_same(w, g) for w, g in zip(want, got)), f"README says {want}, got {line!r}"


def test_the_notebooks_come_right_after_the_two_commands_and_micrograd():
    """A teacher comes for the notebooks: they come before the speed tables and the reference."""
    headings = re.findall(r"^## (.+)$", README.read_text(), flags=re.MULTILINE)
    assert headings[:3] == ["Two commands", "From micrograd", "Notebooks"], headings
    listed = set(re.findall(r"\]\(notebooks/([\w-]+\.ipynb)\)", README.read_text()))
    on_disk = {p.name for p in (README.parent / "notebooks").glob("*.ipynb")}
    assert listed == on_disk, f"README's notebook table: missing {on_disk - listed}"
