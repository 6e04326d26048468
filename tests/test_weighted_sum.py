"""weighted_sum: a neuron's sum with the operator calls inlined, node for node the plain loop."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from autograd import DomainError, Value, detect_anomaly, no_grad, topological_order
from autograd.recording import module_scope
from autograd.value import weighted_sum

finite = st.floats(-1e3, 1e3, allow_nan=False)


def plain_loop(bias, weights, inputs):
    act = bias
    for w, x in zip(weights, inputs):
        act = act + w * x
    return act


def shape(root: Value) -> list[tuple]:
    """Every node as (op, data, parents' positions, scope), in creation order."""
    order = sorted(topological_order(root), key=lambda n: n.creation_index)
    position = {node: i for i, node in enumerate(order)}
    return [(n.op, n.data, tuple(position[p] for p in n.parents), n.scope, n.label) for n in order]


def build(make, bias_value, weight_values, input_values, plain_inputs):
    bias = Value(bias_value, label="b")
    weights = [Value(w, label=f"w{i}") for i, w in enumerate(weight_values)]
    inputs = list(input_values) if plain_inputs else [Value(x) for x in input_values]
    with module_scope("layers.0.neurons.1"):
        out = make(bias, weights, inputs)
    return out, bias, weights, inputs


@given(
    finite,
    st.lists(st.tuples(finite, finite), min_size=0, max_size=6),
    st.booleans(),
)
def test_the_graph_and_gradients_are_the_plain_loops(bias, pairs, plain_inputs):
    ws, xs = [w for w, _ in pairs], [x for _, x in pairs]
    fast, fb, fw, fx = build(weighted_sum, bias, ws, xs, plain_inputs)
    slow, sb, sw, sx = build(plain_loop, bias, ws, xs, plain_inputs)
    assert shape(fast) == shape(slow)
    assert fast.data == slow.data
    fast.backward()
    slow.backward()
    assert [w.grad for w in fw] == [w.grad for w in sw] == xs
    assert fb.grad == sb.grad == 1.0
    if not plain_inputs:
        assert [x.grad for x in fx] == [x.grad for x in sx] == ws


def test_the_lecture_neuron_sum():
    x1, x2 = Value(2.0, label="x1"), Value(0.0, label="x2")
    w1, w2 = Value(-3.0, label="w1"), Value(1.0, label="w2")
    b = Value(6.8813735870195432, label="b")
    o = weighted_sum(b, [w1, w2], [x1, x2]).tanh()
    o.backward()
    assert o.data == pytest.approx(math.sqrt(0.5), abs=1e-12)
    assert (x1.grad, w1.grad, x2.grad, w2.grad) == pytest.approx((-1.5, 1.0, 0.5, 0.0))


@pytest.mark.parametrize("position", [0, 2])
def test_an_overflow_is_the_operators_domain_error(position):
    weights = [Value(1.0) for _ in range(3)]
    inputs = [1.0, 1.0, 1.0]
    weights[position].data = 1e200
    inputs[position] = 1e200
    with pytest.raises(DomainError, match=r"1e\+200 \* 1e\+200 overflows"):
        weighted_sum(Value(0.0), weights, inputs)
    big = [Value(1e308), Value(1e308)]
    with pytest.raises(DomainError, match=r"\+ .*overflows"):
        weighted_sum(Value(0.0), big, [1.0, 1.0])


def test_an_inf_input_passes_through_as_with_the_operators():
    out = weighted_sum(Value(0.0), [Value(2.0)], [math.inf])
    assert out.data == plain_loop(Value(0.0), [Value(2.0)], [math.inf]).data == math.inf


def test_no_grad_records_nothing_and_anomaly_mode_still_checks():
    w = Value(2.0)
    with no_grad():
        out = weighted_sum(Value(1.0), [w], [3.0])
    assert out.data == 7.0 and out.is_leaf
    with pytest.raises(Exception, match="inf"), detect_anomaly():
        weighted_sum(Value(0.0), [Value(1e200)], [1e200])


def test_a_plain_number_as_a_weight_works_as_in_the_loop():
    x = Value(3.0)
    out = weighted_sum(Value(1.0), [Value(2.0), 0.5], [x, x])
    assert out.data == 8.5
    out.backward()
    assert x.grad == 2.5
