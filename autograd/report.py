"""The table every check prints: aligned text for a terminal, HTML for a notebook.

gradcheck, check_gradients and check_engine all report the same way: a
heading with the verdict, one row per thing checked, and notes in words
below for the rows that need them. In HTML a failing row is red and bold,
and a row that is neither right nor wrong (a kink) is yellow.

>>> print(render_text("2 checked", ["input", "value", "pass"], [["x", "1.5", "yes"]], []))
2 checked
input  value  pass
-----  -----  ----
x        1.5  yes
"""

from __future__ import annotations

import html
import math
from collections.abc import Sequence

from autograd.naming import format_number

__all__ = [
    "number",
    "format_error",
    "count",
    "render_text",
    "render_html",
    "PASS",
    "FAIL",
    "KINK",
    "CANNOT_CHECK",
]

PASS, FAIL, KINK, CANNOT_CHECK = "pass", "FAIL", "kink", "cannot check"
"""The status of a row: right, wrong, not differentiable here (neither), or no verdict
possible (the numeric side means nothing there, which is not a pass either)."""

DIGITS = 8
"""Significant digits of a derivative in a report: enough to see a 0.05% error."""


def number(x: float | None) -> str:
    """A derivative as a report shows it: 8 significant digits, 2 not 2.0, '-' when absent."""
    return format_number(x, DIGITS, point=False)


def format_error(x: float | None) -> str:
    """An error size: two significant digits."""
    if x is None:
        return "-"
    if not math.isfinite(x):
        return str(x)
    return f"{x:.1e}" if x else "0"


def count(n: int, noun: str) -> str:
    """'1 input', '3 inputs'."""
    return f"{n} {noun}{'s' * (n != 1)}"


def render_text(
    heading: str, headers: Sequence[str], cells: Sequence[Sequence[str]], notes: Sequence[str]
) -> str:
    """An aligned text table: names left-aligned, numbers right-aligned, notes below."""
    widths = [max([len(h)] + [len(row[i]) for row in cells]) for i, h in enumerate(headers)]

    def line(values: Sequence[str]) -> str:
        parts = [
            v.ljust(w) if i == 0 or i == len(values) - 1 else v.rjust(w)
            for i, (v, w) in enumerate(zip(values, widths))
        ]
        return "  ".join(parts).rstrip()

    out = [heading, line(headers), line(["-" * w for w in widths])]
    out += [line(row) for row in cells]
    if notes:
        out.append("")
        out += notes
    return "\n".join(out)


_STYLE = {
    FAIL: ' style="background:#fdd;font-weight:bold"',
    CANNOT_CHECK: ' style="background:#fdd;font-weight:bold"',
    KINK: ' style="background:#ffd"',
}


def render_html(
    heading: str,
    headers: Sequence[str],
    cells: Sequence[Sequence[str]],
    states: Sequence[str],
    notes: Sequence[str],
) -> str:
    """The same table as HTML, a status per row: FAIL and CANNOT_CHECK red and bold, KINK yellow."""
    e = html.escape
    head = "".join(f"<th>{e(h)}</th>" for h in headers)
    body = "".join(
        f"<tr{_STYLE.get(state, '')}>" + "".join(f"<td>{e(c)}</td>" for c in row) + "</tr>"
        for row, state in zip(cells, states)
    )
    notes_html = "".join(f"<li>{e(n)}</li>" for n in notes)
    return (
        f'<div class="chainrule-gradcheck"><p>{e(heading)}</p>'
        f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
        + (f"<ul>{notes_html}</ul>" if notes else "")
        + "</div>"
    )
