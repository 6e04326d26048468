"""Tests for autograd/report.py: the table every check prints, as text and as HTML."""

from __future__ import annotations

import math

from autograd.naming import format_number
from autograd.report import (
    CANNOT_CHECK,
    FAIL,
    KINK,
    PASS,
    count,
    format_error,
    number,
    render_html,
    render_text,
)


def test_numbers_have_eight_digits_and_no_trailing_point() -> None:
    assert [number(x) for x in (2.0, -3.0, 0.0, -0.0, 0.123456789, 1e200, math.inf, None)] == [
        "2", "-3", "0", "0", "0.12345679", "1e+200", "inf", "-",
    ]  # fmt: skip
    # One format_number: the explanations keep their own digits and the point.
    assert number(2.0) == format_number(2.0, 8, point=False)
    assert format_number(2.0) == "2.0"


def test_errors_have_two_digits() -> None:
    assert [format_error(x) for x in (0.0, 6.0, 1.4e-10, math.nan, None)] == [
        "0", "6.0e+00", "1.4e-10", "nan", "-",
    ]  # fmt: skip
    assert (count(1, "input"), count(3, "input")) == ("1 input", "3 inputs")


def test_text_table_aligns_names_left_and_numbers_right_with_notes_below() -> None:
    cells = [["x", "1.5", "yes"], ["long", "-20", "NO"]]
    text = render_text("heading", ["input", "value", "pass"], cells, ["x: a"])
    assert text.splitlines() == [
        "heading",
        "input  value  pass",
        "-----  -----  ----",
        "x        1.5  yes",
        "long     -20  NO",
        "",
        "x: a",
    ]


def test_html_colours_rows_by_status_and_escapes() -> None:
    page = render_html(
        "a < b",
        ["h"],
        [["<1>"], ["2"], ["3"], ["4"]],
        [PASS, FAIL, KINK, CANNOT_CHECK],
        ["note & more"],
    )
    assert "<p>a &lt; b</p>" in page and "<td>&lt;1&gt;</td>" in page
    assert page.count('<tr style="background:#fdd;font-weight:bold">') == 2
    assert page.count('<tr style="background:#ffd">') == 1
    assert "<li>note &amp; more</li>" in page
