"""gradcheck(points=N): many random points at once, on the tape (autograd/gradcheck_points.py).

The scalar gradcheck (tests/test_gradcheck.py) is the reference: at every point
the batched check must reach the same verdict.
"""

from __future__ import annotations

import pytest

from autograd import DomainError, Op, TraceError, Value, gradcheck
from autograd.numeric import MAX_POINTS, random_points
from autograd.value import apply

# x**2 with a derivative 0.05% too large: a bug gradcheck must find at every point.
SLIGHTLY_WRONG = Op(
    name="sq",
    arity=1,
    forward=lambda a, k: a * a,
    local=lambda out, a, k: (2.001 * a,),
    text="sq({a})",
    formulas=("2a",),
)


def test_a_correct_gradient_passes_at_every_point():
    report = gradcheck(lambda x, y: (x * y).sin() + (x - y).tanh(), [0.5, -1.0], points=300)
    assert report.ok
    assert report.title == "gradcheck at 301 points"
    assert [row.name for row in report.rows] == ["x0", "x1"]
    assert all("all passed" in row.note for row in report.rows)


def test_the_batched_verdict_is_the_scalar_one_at_each_point():
    def f(x, y):
        return x * apply(SLIGHTLY_WRONG, y) + x.exp()

    batched = gradcheck(f, [1.0, 2.0], points=40, rtol=1e-4, atol=1e-6)
    points = [[1.0, 2.0]] + [list(p.values()) for p in random_points({"a": 1.0, "b": 2.0}, 40)]
    failing = [p for p in points if not gradcheck(f, p, rtol=1e-4, atol=1e-6).rows[1].passed]
    x, y = batched.rows
    assert x.passed and not y.passed and not batched.ok
    assert y.note.startswith(f"{len(failing)} of 41 points failed")
    assert "worst at" in y.note and "off by +0.05%" in y.note


def test_points_outside_the_domain_are_left_out_but_not_the_one_given():
    report = gradcheck(lambda x: x.log(), [0.5], points=50)
    assert report.ok
    assert "outside f's domain left out" in report.title
    with pytest.raises(DomainError, match="batch index 0"):
        gradcheck(lambda x: x.log(), [-0.5], points=5)


def test_keyword_inputs_and_kinks():
    report = gradcheck(lambda *, a, b: (a - b).relu() * a, {"a": 0.3, "b": 0.1}, points=20)
    assert [row.name for row in report.rows] == ["a", "b"]
    assert report.ok


def test_a_function_that_branches_on_data_cannot_use_points():
    def branching(x):
        return x * x if x.data > 0 else -x

    with pytest.raises(TraceError, match="different graph"):
        gradcheck(branching, [0.1], points=50)


def test_points_must_be_a_whole_number():
    with pytest.raises(ValueError, match="points=-1; it must be a whole number"):
        gradcheck(lambda x: x * x, [1.0], points=-1)


def test_inputs_given_as_values_are_untouched():
    x = Value(1.5, label="x")
    report = gradcheck(lambda v: v**3, [x], points=10)
    assert report.rows[0].name == "x" and x.grad == 0.0


def wiggly(x: Value) -> Value:
    """sin(exp(30 x)): smooth near 0, but beyond x = 0.2 it wiggles faster than a step of 1e-6."""
    return (x * 30).exp().sin()


def test_random_points_where_no_numeric_slope_can_be_made_are_left_out():
    report = gradcheck(wiggly, {"x": 0.0}, points=300)
    (row,) = report.rows
    assert report.ok and row.status != "FAIL", str(report)
    unchecked = int(row.note.split(" where no numeric slope can be made")[0].split(", ")[-1])
    assert 50 < unchecked < 300  # about the points beyond x = 0.2, of 300 drawn from -1 to 1
    assert "where no numeric slope can be made (left out)" in row.note


def test_the_point_given_is_not_left_out():
    report = gradcheck(lambda x: x.sin(), {"x": 1e300}, points=5)
    (row,) = report.rows
    assert not report.ok and row.status == "cannot check" and row.value == 1e300
    assert row.note.startswith("1 of 6 points failed")


def test_points_are_at_most_the_command_line_s_maximum():
    with pytest.raises(ValueError, match=r"^gradcheck got points=100001; .* from 0 to 100,000"):
        gradcheck(lambda x: x * x, [1.0], points=MAX_POINTS + 1)
