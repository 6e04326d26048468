"""Tests for autograd/verdict.py: one derivative against the numeric slopes.

The slopes here are built from closed forms, so each verdict is known.
"""

from __future__ import annotations

import math

import pytest

from autograd import Value
from autograd.numeric import STEPS, Doubt, slopes
from autograd.verdict import GraphKink, graph_kinks, judge, unjudged


def _slopes(f, x: float, h: float = 1e-6):
    positions = {s: x + s * h for s in STEPS}
    return slopes({s: f(p) for s, p in positions.items()}, positions)


def _never() -> Doubt:
    raise AssertionError("the doubt is only worked out for a value that disagrees")


def test_a_right_value_passes_without_asking_for_the_doubt() -> None:
    row = judge("x", 0.3, math.cos(0.3), _slopes(math.sin, 0.3), doubt=_never)
    assert (row.status, row.passed, row.note) == ("pass", True, "")


def test_a_wrong_value_fails_with_advice() -> None:
    row = judge("x", 0.3, -math.cos(0.3), _slopes(math.sin, 0.3))
    assert (row.status, row.passed) == ("FAIL", False)
    assert row.note.startswith("sign is flipped")


def test_a_kink_is_neither_right_nor_wrong() -> None:
    row = judge("x", 0.0, 0.0, _slopes(abs, 0.0), graph_kink=GraphKink(" (abs's input is 0)", "c"))
    assert (row.status, row.passed) == ("kink", None)
    assert row.note.startswith("not differentiable here (abs's input is 0): the slope is -1 on")


def test_a_pole_is_not_a_kink_and_not_a_pass() -> None:
    row = judge("y", 1e-200, -1e400, _slopes(lambda y: 1 / y, 1e-200))
    assert (row.status, row.passed) == ("cannot check", False)
    assert "f blows up within the step" in row.note and "grows as the step shrinks" in row.note


def test_a_disagreement_within_the_doubt_cannot_be_judged() -> None:
    found = _slopes(math.sin, 0.3)
    near = found.central + 1e-3  # beyond the tolerance (1e-5 + 1e-3 * 0.96)
    row = judge("x", 0.3, near, found, doubt=lambda: Doubt(bending=1e-3))
    assert (row.status, row.passed) == ("cannot check", False)
    assert "f's slope moves by 0.001" in row.note and "it can judge nothing" in row.note
    # The same disagreement, with a numeric slope ten times surer than it, is a failure.
    assert judge("x", 0.3, near, found, doubt=lambda: Doubt(bending=1e-4)).status == "FAIL"
    assert judge("x", 0.3, near, found, doubt=lambda: Doubt(rounding=math.nan)).passed is False


def test_graph_kinks_name_the_inputs_upstream_of_an_op_at_its_kink() -> None:
    x, y, z = Value(0.0, label="x"), Value(2.0, label="y"), Value(1.0, label="z")
    out = (x * y).relu() + z
    found = graph_kinks(out, [x, y, z], 1e-6)
    assert sorted(found) == [0, 1]
    assert found[0] == GraphKink(" (relu's input is 0)", "relu'(0) = 0")
    assert graph_kinks(3.0, [x], 1e-6) == {}


def test_rows_without_numbers() -> None:
    assert unjudged("x", 1.0, "kink", "why").passed is None
    row = unjudged("x", 1.0, "cannot check", "why")
    assert (row.passed, row.note) == (False, "why") and math.isnan(row.numeric)


@pytest.mark.parametrize("x", [1e8, 1e9, 1e17])
def test_the_issue_s_large_inputs_pass(x: float) -> None:
    assert judge("x", x, 1.0, _slopes(lambda t: t, x, h=1e-6 * x)).status == "pass"
