"""autograd.primitive: a learner's op is a row of the table, used by every consumer."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import autograd
from autograd import (
    OPS,
    GradcheckError,
    Value,
    backward_steps,
    compile_expression,
    draw,
    explain,
    grad,
    gradcheck,
    jvp,
    to_sympy,
    trace,
)


def cube_op(name="cube", local=lambda out, a: (3 * a**2,), **options):
    return autograd.primitive(name, forward=lambda a: a**3, local=local, **options)


def test_the_issue_example_backward_and_gradcheck():
    cube = cube_op(formulas=("3*a**2",))
    x = Value(0.7, label="x")
    y = cube(x) * 2
    y.backward()
    assert x.grad == pytest.approx(2 * 3 * 0.7**2, rel=1e-12)
    assert y.parents[0].op == "cube" and OPS["cube"] is cube.op
    assert gradcheck(lambda a: cube(a), [0.7]).ok


def test_every_consumer_uses_the_learners_rule():
    cube = cube_op(formulas=("3*a**2",))
    x = Value(0.5, label="x")
    y = cube(x)
    y.label = "y"
    (dy,) = grad(y, [x], create_graph=True)
    assert dy.data == pytest.approx(0.75)
    (d2y,) = grad(dy, [x])  # local is written with operators: it differentiates again
    assert d2y.data == pytest.approx(6 * 0.5)
    step = explain(y)[0]
    assert step.contributions[0].derivative == "3*x**2"
    assert step.contributions[0].local == pytest.approx(0.75)
    assert "label=0.75" in draw(y, edge_labels=True).source
    assert backward_steps(y)[0].updates[0].endswith("= 0.75")
    assert jvp(lambda a: cube(a), [2.0], [1.0]) == (8.0, 12.0)
    tape = trace(lambda a: cube(a))
    values, (dx,) = tape.value_and_grad(np.array([1.0, 2.0]))
    assert values.tolist() == [1.0, 8.0] and dx.tolist() == [3.0, 12.0]
    assert compile_expression("cube(x) + 1")(x=2.0) == 9.0
    assert str(to_sympy(cube(Value(1.0, label="x")))) == "x**3"


def test_a_plain_number_is_accepted_and_two_inputs_work():
    hyp = autograd.primitive(
        "hyp",
        forward=lambda a, b: math.sqrt(a * a + b * b),
        local=lambda out, a, b: (a / out, b / out),
        symbolic=lambda sympy, a, b: sympy.sqrt(a**2 + b**2),
    )
    y = Value(4.0, label="y")
    h = hyp(3.0, y)
    h.backward()
    assert h.data == 5.0 and y.grad == pytest.approx(0.8)
    assert h.parents[0].is_constant
    tape = trace(lambda a, b: hyp(a, b))  # math.sqrt: replayed one example at a time
    values, (da, db) = tape.value_and_grad(np.array([3.0, 6.0]), np.array([4.0, 8.0]))
    assert values.tolist() == [5.0, 10.0] and da.tolist() == pytest.approx([0.6, 0.6])


@pytest.mark.parametrize(
    ("local", "note"),
    [
        (lambda out, a: (6 * a**2,), "about 2x the numeric value"),
        (lambda out, a: (-3 * a**2,), "sign"),
    ],
)
def test_a_wrong_rule_is_caught_by_gradcheck_with_its_note(local, note):
    cube = cube_op("wrong_cube", local=local)
    report = gradcheck(lambda a: cube(a), [0.7])
    assert not report.ok
    assert note in str(report)


def test_check_at_raises_at_definition_with_the_report():
    with pytest.raises(GradcheckError, match=r"'bad_cube'.*disagree.*at 0\.7"):
        cube_op("bad_cube", local=lambda out, a: (3 * out,), check_at=[0.7, 1.3])
    assert cube_op("good_cube", check_at=[0.7, 1.3])(Value(2.0)).data == 8.0


def test_clear_errors_naming_the_op():
    with pytest.raises(ValueError, match="'tanh'.*taken by a built-in op.*'my_tanh'"):
        autograd.primitive("tanh", forward=math.tanh, local=lambda out, a: (1 - out**2,))
    bad_count = cube_op("two_for_one", local=lambda out, a: (3 * a**2, 0.0))
    with pytest.raises(
        TypeError, match="'two_for_one'.*a tuple of 2.*one\nlocal derivative".replace("\n", " ")
    ):
        bad_count(Value(1.0)).backward()
    no_comma = cube_op("no_comma", local=lambda out, a: 3 * a**2)
    with pytest.raises(TypeError, match="note the comma"):
        no_comma(Value(1.0)).backward()
    text_out = autograd.primitive("texty", forward=lambda a: "3", local=lambda out, a: (0.0,))
    with pytest.raises(TypeError, match="'texty': forward returned str '3'"):
        text_out(Value(1.0))
    with pytest.raises(TypeError, match="forward takes 1 input but local takes 2"):
        autograd.primitive("mismatch", forward=lambda a: a, local=lambda out, a, b: (1.0, 1.0))
    with pytest.raises(TypeError, match="name made of letters"):
        autograd.primitive("my op", forward=lambda a: a, local=lambda out, a: (1.0,))


def test_redefining_a_learners_op_replaces_it():
    first = cube_op("redefined", local=lambda out, a: (0.0,))
    second = cube_op("redefined")
    assert OPS["redefined"] is second.op is not first.op
    x = Value(1.0)
    second(x).backward()
    assert x.grad == 3.0


@given(st.floats(-3, 3, allow_nan=False))
@settings(max_examples=50, deadline=None)
def test_a_primitive_agrees_with_the_same_function_built_from_operators(a):
    cube = cube_op("cube_property")
    x, y = Value(a), Value(a)
    cube(x).backward()
    (y * y * y).backward()
    assert x.grad == pytest.approx(y.grad, rel=1e-12, abs=1e-12)
