"""The chain-rule step (autograd/chain.py) and the promise built on it: one table, read everywhere.

A rule edited in the table (ops.edit) must change every consumer, and every
formula string of the table must say what its `local` rule computes.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from autograd import (
    OPS,
    AnomalyError,
    Value,
    backward_steps,
    detect_anomaly,
    draw,
    explain,
    grad,
    gradcheck,
    ops,
    trace,
)
from autograd.chain import describe, local_derivatives, propagate_one
from autograd.value import apply
from tests.reference import REFERENCES, TAKES_CONSTANT

DOUBLED_MUL = {"local": lambda out, a, b: (2 * b, 2 * a)}
"""A wrong rule for *: twice the true derivative, d(a*b)/da = 2b."""


def test_local_derivatives_read_the_row_at_the_nodes_numbers():
    x, w = Value(2.0), Value(0.5)
    assert local_derivatives(x * w) == (0.5, 2.0)
    assert local_derivatives(x**3) == (12.0,)
    assert local_derivatives(x) == ()
    t = x.tanh()
    assert local_derivatives(t) == pytest.approx((1 - math.tanh(2.0) ** 2,))
    (d,) = local_derivatives(t, differentiable=True)
    assert isinstance(d, Value) and d.data == pytest.approx(1 - math.tanh(2.0) ** 2)


def test_describe_writes_the_operation_with_its_numbers():
    assert describe(Value(8.0) ** 0.5) == "8.0 ** 0.5"
    assert describe(Value(3.0) * Value(0.5)) == "3.0 * 0.5"
    assert describe(Value(0.5).leaky_relu(0.1)) == "leaky_relu(0.5, 0.1)"
    assert describe(Value(4.0)) == "4.0"


def test_propagate_one_is_micrographs_backward_for_one_node():
    x, w = Value(2.0), Value(-3.0)
    y = x * w
    y.grad = 2.0
    propagate_one(y)
    assert (x.grad, w.grad) == (-6.0, 4.0)
    y._backward()  # the lecture's spelling: accumulates again
    assert (x.grad, w.grad) == (-12.0, 8.0)


# -- one edit, every consumer -----------------------------------------------------------


def _graph():
    x, y = Value(2.0, label="x"), Value(3.0, label="y")
    z = x * y
    z.label = "z"
    return x, y, z


def test_an_edited_rule_changes_backward_and_create_graph():
    with ops.edit(ops.MUL, **DOUBLED_MUL):
        x, y, z = _graph()
        z.backward()
        assert (x.grad, y.grad) == (6.0, 4.0)  # 2y and 2x, not y and x
        (dx,) = grad(z, [x], create_graph=True)
        assert dx.data == 6.0
    x, y, z = _graph()
    z.backward()
    assert (x.grad, y.grad) == (3.0, 2.0)  # the edit is undone


def test_an_edited_rule_changes_explain_draw_and_the_stepper():
    with ops.edit(ops.MUL, **DOUBLED_MUL):
        x, y, z = _graph()
        assert explain(z).gradients["x"] == 6.0
        assert [c.local for c in explain(z)[0].contributions] == [6.0, 4.0]
        source = draw(z, edge_labels=True).source
        assert "v0 -> v2_op [label=6.0]" in source and "v1 -> v2_op [label=4.0]" in source
        frames = backward_steps(z)
        assert frames[0].updates[0].endswith("= 6.0 * 1.0 = 6.0")
    source = draw(_graph()[2], edge_labels=True).source
    assert "v0 -> v2_op [label=3.0]" in source and "v1 -> v2_op [label=2.0]" in source


def test_an_edited_rule_changes_the_tape_and_anomaly_mode():
    with ops.edit(ops.MUL, **DOUBLED_MUL):
        tape = trace(lambda a, b: a * b)
        _, (da, db) = tape.value_and_grad(np.array([2.0, 1.0]), np.array([3.0, 5.0]))
        assert da.tolist() == [6.0, 10.0] and db.tolist() == [4.0, 2.0]
    with ops.edit(ops.MUL, local=lambda out, a, b: (math.inf, a)):
        x, y, z = _graph()
        with detect_anomaly(), pytest.raises(AnomalyError, match="local derivative.* is inf"):
            z.backward()


def test_gradcheck_flags_an_edited_rule():
    with ops.edit(ops.MUL, **DOUBLED_MUL):
        report = gradcheck(lambda a, b: a * b, [2.0, 3.0])
    assert not report.ok
    assert all(row.status == "FAIL" for row in report.rows)
    assert "about 2x the numeric value" in str(report)


def test_edit_refuses_a_field_a_row_does_not_have():
    with pytest.raises(TypeError, match="'lokal', which are not fields of a row"):
        ops.edit(ops.MUL, lokal=None)


# -- every formula string says what its rule computes ------------------------------------

_FORMULA_NAMES = {
    "log": math.log,
    "cos": math.cos,
    "sin": math.sin,
    "sigmoid": lambda x: 1.0 / (1.0 + math.exp(-x)),
    "sign": lambda x: math.copysign(1.0, x) if x != 0 else 0.0,
}


@pytest.mark.parametrize("key", sorted(OPS))
def test_every_formula_string_agrees_with_its_local_rule(key):
    op = OPS[key]
    assert len(op.formulas) == op.arity, f"{key}: one formula per parent"

    @settings(max_examples=40, deadline=None)
    @given(REFERENCES[key].arguments)
    def agrees(args):
        a, second = args[0], (args[1] if len(args) == 2 else None)
        k = second if key in TAKES_CONSTANT else None
        out = op.forward(a, second)
        local = op.local(out, a, second)
        names = {"a": a, "b": second, "k": k, "out": out, **_FORMULA_NAMES}
        for formula, d in zip(op.formulas, local):
            written = eval(formula.replace("1 if", "1.0 if"), {"__builtins__": {}}, names)
            assert written == pytest.approx(d, rel=1e-9, abs=1e-12), (key, formula, args)

    agrees()


@given(st.sampled_from(sorted(OPS)), st.data())
@settings(max_examples=60, deadline=None)
def test_local_derivatives_of_a_node_are_the_rows_local_at_its_values(key, data):
    args = data.draw(REFERENCES[key].arguments)
    op = OPS[key]
    a = Value(args[0])
    if op.arity == 2:
        node = apply(op, a, Value(args[1]))
        expected = op.local(node.data, args[0], args[1])
    else:
        k = args[1] if key in TAKES_CONSTANT else None
        node = apply(op, a, k)
        expected = op.local(node.data, args[0], k)
    assert local_derivatives(node) == pytest.approx(expected)
