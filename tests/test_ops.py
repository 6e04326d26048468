"""Every primitive in the op table, against an independent reference.

The tests are generated from autograd.OPS: declaring a new op gives it a value
test, a closed-form gradient test, a central-difference test and a
second-derivative test, once tests/reference.py describes it.
"""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from autograd import OPS, DomainError, Value, grad, ops
from tests.reference import REFERENCES, TAKES_CONSTANT

APPLY = {
    "+": lambda a, b: a + b,
    "-": lambda a, b: a - b,
    "*": lambda a, b: a * b,
    "/": lambda a, b: a / b,
    "**": lambda a, b: a**b,
    "**k": lambda a, k: a**k,
    "neg": lambda a: -a,
    "abs": abs,
    "leaky_relu": lambda a, k: a.leaky_relu(k),
}


def apply(key: str, *args):
    """Record op `key` on Values through the public operators and methods."""
    if key in APPLY:
        return APPLY[key](*args)
    (a,) = args
    return getattr(a, key)()


def split(key: str, args: tuple[float, ...]) -> tuple[list[Value], tuple[float, ...]]:
    """Values for the differentiable arguments, plain floats for a constant."""
    if key in TAKES_CONSTANT:
        return [Value(args[0])], args[1:]
    return [Value(x) for x in args], ()


def close(actual: float, expected: float, rel: float, abs_: float = 1e-12) -> bool:
    return math.isclose(actual, expected, rel_tol=rel, abs_tol=abs_)


def test_every_op_has_an_independent_reference():
    assert set(OPS) == set(REFERENCES)


def test_op_names_are_what_value_op_shows():
    x = Value(2.0)
    assert {(x + 1).op, (x * 1).op, x.tanh().op, (x**2).op, (2**x).op, (-x).op} == {
        "+",
        "*",
        "tanh",
        "**2",
        "**",
        "neg",
    }


@pytest.mark.parametrize("key", sorted(OPS))
def test_value_and_gradient_match_closed_form(key):
    ref = REFERENCES[key]

    @settings(max_examples=150)
    @given(ref.arguments)
    def check(args):
        values, constants = split(key, args)
        out = apply(key, *values, *constants)
        assert out.operation is OPS[key]
        expected = ref.value(*args)
        assert close(out.data, expected, 1e-12), (args, out.data, expected)
        out.backward()
        closed = ref.derivatives(*args)
        for v, d in zip(values, closed):
            assert close(v.grad, d, 1e-9, 1e-12), (args, v.grad, d)

    check()


@pytest.mark.parametrize("key", sorted(OPS))
def test_gradient_matches_central_differences(key):
    ref = REFERENCES[key]

    @settings(max_examples=100)
    @given(ref.arguments)
    def check(args):
        values, constants = split(key, args)
        out = apply(key, *values, *constants)
        out.backward()
        for i, v in enumerate(values):
            h = 1e-6 * max(1.0, abs(v.data))
            up = list(args)
            down = list(args)
            up[i] += h
            down[i] -= h
            numeric = (ref.value(*up) - ref.value(*down)) / (2 * h)
            assert close(v.grad, numeric, 1e-5, 1e-6), (args, v.grad, numeric)

    check()


@pytest.mark.parametrize("key", sorted(k for k in OPS if OPS[k].arity == 1))
def test_second_derivative_matches_differences_of_the_closed_form(key):
    """create_graph differentiates the derivative rule itself."""
    ref = REFERENCES[key]

    @settings(max_examples=60)
    @given(ref.arguments)
    def check(args):
        values, constants = split(key, args)
        (x,) = values
        out = apply(key, x, *constants)
        (dx,) = grad(out, [x], create_graph=True)
        (d2x,) = grad(dx, [x])
        h = 1e-5 * max(1.0, abs(args[0]))
        first = lambda a: ref.derivatives(a, *args[1:])[0]  # noqa: E731
        numeric = (first(args[0] + h) - first(args[0] - h)) / (2 * h)
        assert close(d2x.data, numeric, 1e-4, 1e-5), (args, d2x.data, numeric)

    check()


@given(st.floats(-1e6, 1e6, allow_nan=False))
def test_stable_functions_never_overflow(x):
    for name in ("sigmoid", "softplus", "tanh"):
        out = getattr(Value(x), name)()
        assert math.isfinite(out.data)
        out.backward()


def test_stable_functions_at_the_extremes():
    assert Value(-1000.0).sigmoid().data == 0.0
    assert Value(1000.0).sigmoid().data == 1.0
    assert Value(1000.0).softplus().data == 1000.0
    assert Value(-1000.0).softplus().data == 0.0
    assert Value(1000.0).tanh().data == 1.0


def test_conventions_at_kinks():
    for make, expected in [
        (lambda x: x.relu(), 0.0),
        (abs, 0.0),
        (lambda x: x.leaky_relu(0.1), 0.1),
    ]:
        x = Value(0.0)
        make(x).backward()
        assert x.grad == expected


@pytest.mark.parametrize("x0", [0.0, -0.0, 2.5, -3.0])
def test_a_zeroth_power_is_a_constant_with_slope_zero_everywhere(x0):
    # d/dx x**0 = 0, at x = 0 too (where k * x**(k-1) would divide by zero), as in PyTorch.
    x = Value(x0)
    y = x**0
    y.backward()
    assert (y.data, x.grad) == (1.0, 0.0)
    x = Value(x0)
    (dy,) = grad(x**0, [x], create_graph=True)
    assert dy.data == 0.0


def test_a_fractional_power_at_zero_has_an_infinite_slope_and_says_so():
    x = Value(0.0, label="x")
    y = x**0.5
    with pytest.raises(DomainError) as error:
        y.backward()
    message = str(error.value)
    assert "the derivative of 0.0 ** 0.5 at 0 is undefined: it is infinite" in message
    assert "'x'" in message


def test_describe_reads_as_python_would_with_negative_numbers():
    assert ops.POW.describe(-8.0, 0.5) == "(-8.0) ** 0.5"  # not -(8.0 ** 0.5)
    assert ops.POW_CONST.describe(-8.0, None, 0.5) == "(-8.0) ** 0.5"
    assert ops.SUB.describe(1.0, -2.0) == "1.0 - (-2.0)"
    assert ops.NEG.describe(-2.0) == "-(-2.0)"
    assert ops.LOG.describe(-2.0) == "log(-2.0)"  # already inside parentheses
    assert ops.MUL.describe(2.0, 3.0) == "2.0 * 3.0"
