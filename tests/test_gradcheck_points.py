"""gradcheck(points=N): many random points at once, on the tape (autograd/gradcheck_points.py).

The scalar gradcheck (tests/test_gradcheck.py) is the reference: at every point
the batched check must reach the same verdict.
"""

from __future__ import annotations

import pytest

from autograd import DomainError, Op, TraceError, Value, gradcheck
from autograd.numeric import random_points
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
    with pytest.raises(ValueError, match="points=-1"):
        gradcheck(lambda x: x * x, [1.0], points=-1)


def test_inputs_given_as_values_are_untouched():
    x = Value(1.5, label="x")
    report = gradcheck(lambda v: v**3, [x], points=10)
    assert report.rows[0].name == "x" and x.grad == 0.0
