"""Forward mode (autograd.jvp, autograd.jacobian): the same table, tangents carried forward."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from autograd import Value, grad, jacobian, jvp, ops
from autograd.value import apply
from tests.reference import REFERENCES


def test_jvp_of_a_closed_form():
    f = lambda x, y: (x * y).sin() + y**2  # noqa: E731
    value, tangent = jvp(f, [1.5, 0.3], [2.0, -1.0])
    assert value == pytest.approx(math.sin(0.45) + 0.09)
    df_dx, df_dy = 0.3 * math.cos(0.45), 1.5 * math.cos(0.45) + 0.6
    assert tangent == pytest.approx(2.0 * df_dx - df_dy, rel=1e-12)


def test_jacobian_counts_sweeps_forward_per_input_reverse_per_output():
    f = lambda a, b, c, d: [a * b + c, (c * d).tanh()]  # noqa: E731
    point = [0.5, -1.0, 2.0, 0.25]
    forward = jacobian(f, point, mode="forward")
    reverse = jacobian(f, point, mode="reverse")
    assert (forward.sweeps, reverse.sweeps) == (4, 2)
    t = math.tanh(0.5)
    expected = [[-1.0, 0.5, 1.0, 0.0], [0.0, 0.0, 0.25 * (1 - t * t), 2.0 * (1 - t * t)]]
    for got in (forward.matrix, reverse.matrix):
        assert got == [pytest.approx(row, rel=1e-12) for row in expected]


def test_bad_input_is_a_clear_error():
    with pytest.raises(ValueError, match="1 tangents for 2 inputs"):
        jvp(lambda x, y: x * y, [1.0, 2.0], [1.0])
    with pytest.raises(ValueError, match="mode='sideways'"):
        jacobian(lambda x: x, [1.0], mode="sideways")
    with pytest.raises(TypeError, match="return a Value.*got float"):
        jvp(lambda x: 3.0, [1.0], [1.0])


_rows = [op for op in ops.BUILT_IN]


@given(st.lists(st.sampled_from(_rows), min_size=1, max_size=5), st.data())
@settings(max_examples=100, deadline=None)
def test_jvp_agrees_with_reverse_mode_on_random_graphs_from_the_table(chain, data):
    """Each row applied in turn; its inputs drawn inside the row's domain (tests/reference.py)."""
    keys = {op: key for key, op in ops.OPS.items()}
    starts = [data.draw(REFERENCES[keys[op]].arguments) for op in chain]
    n = 1 + sum(op.arity == 2 for op in chain)
    tangents = data.draw(st.lists(st.floats(-2, 2), min_size=n, max_size=n))

    def f(*xs):
        out, extra = xs[0], iter(xs[1:])
        for op, args in zip(chain, starts):
            out = out + (args[0] - out.data)  # moved inside the row's domain, slope 1 kept
            if op.arity == 2:
                other = next(extra)
                out = apply(op, out, other + (args[1] - other.data))
            else:
                out = apply(op, out, args[1] if len(args) == 2 else None)
        return out

    point = [0.5] * n
    _, tangent = jvp(f, point, tangents)
    leaves = [Value(x) for x in point]
    gradient = [g.data for g in grad(f(*leaves), leaves)]
    expected = sum(g * t for g, t in zip(gradient, tangents))
    assert tangent == pytest.approx(expected, rel=1e-9, abs=1e-9)
