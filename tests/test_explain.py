"""explain(): the backward pass written out, checked against backward() itself."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from autograd import DomainError, Value, explain, topological_order
from autograd.explain import Contribution, Explanation, Step
from tests._golden import assert_golden


def single_neuron() -> tuple[Value, Value, Value, Value]:
    """The teaching material's example: y_pred = x * w, squared error against 4."""
    x, w = Value(2.0, label="x"), Value(0.5, label="w")
    y_pred = x * w
    y_pred.label = "y_pred"
    L = (y_pred - 4.0) ** 2
    L.label = "L"
    return x, w, y_pred, L


def lecture_neuron() -> Value:
    x1, x2 = Value(2.0, label="x1"), Value(0.0, label="x2")
    w1, w2 = Value(-3.0, label="w1"), Value(1.0, label="w2")
    b = Value(6.8813735870195432, label="b")
    n = x1 * w1 + x2 * w2 + b
    n.label = "n"
    o = n.tanh()
    o.label = "o"
    return o


def test_single_neuron_numbers_and_one_sgd_step():
    x, w, y_pred, L = single_neuron()
    e = explain(L)
    assert L.data == 9.0
    assert e.gradients["L"] == 1.0
    assert e.gradients["y_pred"] == -6.0
    assert e.gradients["w"] == -12.0
    assert e.gradients["x"] == -3.0
    last = e[-1]
    assert last.node == "y_pred" and last.expression == "x * w"
    assert [c.update for c in last.contributions] == [
        "x.grad += w.data * y_pred.grad = 0.5 * -6.0 = -3.0",
        "w.grad += x.data * y_pred.grad = 2.0 * -6.0 = -12.0",
    ]
    # the gradient explain reports is the one a training step uses
    L.backward()
    w.data -= 0.1 * w.grad
    assert w.data == pytest.approx(1.7, abs=1e-12)


def test_single_neuron_golden_text():
    *_, L = single_neuron()
    assert_golden("explain_single_neuron.txt", str(explain(L)) + "\n")


def test_lecture_neuron_golden_text():
    assert_golden("explain_lecture_neuron.txt", str(explain(lecture_neuron())) + "\n")


def test_same_code_twice_gives_identical_output():
    first = str(explain(lecture_neuron()))
    second = str(explain(lecture_neuron()))
    assert first == second
    assert "n1" in first and "0x" not in first


def test_steps_run_in_the_order_backward_runs_one_per_operation():
    o = lecture_neuron()
    e = explain(o)
    order = topological_order(o)
    operations = [n for n in order if not n.is_leaf]
    assert len(e) == len(operations)
    assert [s.node_index for s in e] == [n.creation_index for n in reversed(operations)]
    assert [s.number for s in e] == list(range(1, len(e) + 1))
    assert e[0].node == "o" and e[0].grad == 1.0


def test_explain_leaves_grad_untouched():
    x, w, y_pred, L = single_neuron()
    for node in topological_order(L):
        node.grad = 123.0
    explain(L)
    assert all(node.grad == 123.0 for node in topological_order(L))


def test_local_derivative_formula_in_node_terms():
    o = lecture_neuron()
    step = explain(o)[0]
    (c,) = step.contributions
    assert c.derivative == "1 - o**2"
    assert c.local == pytest.approx(0.5)
    assert c.update.startswith("n.grad += (1 - o.data**2) * o.grad = 0.5 * 1.0 = 0.5")


def test_constant_power_folds_the_exponent():
    x = Value(3.0, label="x")
    y = x**3
    y.label = "y"
    (c,) = explain(y)[0].contributions
    assert c.derivative == "3 * x**2"
    assert c.local == 27.0


def test_running_total_accumulates_over_fan_out():
    x = Value(3.0, label="x")
    y = x * x
    y.label = "y"
    (step,) = explain(y)
    first, second = step.contributions
    assert (first.amount, first.total) == (3.0, 3.0)
    assert (second.amount, second.total) == (3.0, 6.0)


def test_automatic_names_skip_user_labels_and_number_duplicates():
    a = Value(1.0, label="n1")
    b = Value(2.0, label="w")
    c = Value(3.0, label="w")
    y = a * b + c
    e = explain(y)
    names = list(e.gradients)
    assert names == ["n1", "w", "w_2", "n2", "n3"]


def test_leaf_root_has_no_steps():
    x = Value(2.0, label="x")
    e = explain(x)
    assert len(e) == 0 and e.gradients == {"x": 1.0}
    assert "nothing to propagate" in str(e)


def test_html_table_has_one_row_per_contribution():
    e = explain(lecture_neuron())
    page = e._repr_html_()
    rows = sum(len(s.contributions) for s in e)
    assert page.count("<tr>") == rows + 1
    assert "<th>local derivative</th>" in page


def test_records_are_frozen_dataclasses():
    step = explain(lecture_neuron())[0]
    assert isinstance(step, Step) and isinstance(step.contributions[0], Contribution)
    with pytest.raises(AttributeError):
        step.grad = 0.0  # type: ignore[misc]


def test_not_a_value_is_a_clear_type_error():
    with pytest.raises(TypeError, match="explain needs the Value.*got float"):
        explain(2.0)  # type: ignore[arg-type]


def test_undefined_local_derivative_names_the_node():
    x = Value(0.0, label="x")
    y = x.sqrt()
    y.label = "y"
    with pytest.raises(DomainError, match="local derivative of y = sqrt"):
        explain(y)


# A random graph: start from a few leaves, apply random ops to earlier nodes.
UNARY_OPS = {
    "tanh": lambda a: a.tanh(),
    "sigmoid": lambda a: a.sigmoid(),
    "exp_small": lambda a: (a * 0.1).exp(),
    "square": lambda a: a**2,
    "sin": lambda a: a.sin(),
    "neg": lambda a: -a,
    "relu": lambda a: a.relu(),
}
UNARY = list(UNARY_OPS)
BINARY = ["+", "-", "*"]


@st.composite
def graphs(draw: st.DrawFn) -> tuple[Value, list[Value]]:
    leaves = [
        Value(draw(st.floats(-2, 2, allow_nan=False)), label=f"x{i}")
        for i in range(draw(st.integers(1, 3)))
    ]
    nodes = list(leaves)
    for _ in range(draw(st.integers(1, 12))):
        if draw(st.booleans()):
            a = draw(st.sampled_from(nodes))
            kind = draw(st.sampled_from(UNARY))
            node = UNARY_OPS[kind](a)
        else:
            a, b = draw(st.sampled_from(nodes)), draw(st.sampled_from(nodes))
            node = {"+": a + b, "-": a - b, "*": a * b}[draw(st.sampled_from(BINARY))]
        nodes.append(node)
    return nodes[-1], leaves


@settings(max_examples=60)
@given(graphs())
def test_explain_agrees_with_backward_on_every_node(graph):
    root, _ = graph
    e = explain(root)
    root.backward()
    order = sorted(topological_order(root), key=lambda n: n.creation_index)
    names = list(e.gradients)
    assert len(names) == len(order)
    for name, node in zip(names, order):
        assert math.isclose(e.gradients[name], node.grad, rel_tol=1e-12, abs_tol=1e-12)
    # the last running total of each parent is its final gradient
    last_total: dict[int, float] = {}
    for step in e:
        for c in step.contributions:
            last_total[c.parent_index] = c.total
    by_index = {n.creation_index: n for n in order}
    for index, total in last_total.items():
        assert math.isclose(total, by_index[index].grad, rel_tol=1e-12, abs_tol=1e-12)


def test_explanation_is_a_sequence_of_steps():
    e = explain(lecture_neuron())
    assert isinstance(e, Explanation)
    assert list(e) == list(e.steps) and e[0] is e.steps[0]


@settings(max_examples=40)
@given(graphs())
def test_steps_follow_backwards_own_order(graph):
    """backward() calls each node's hooks when it processes the node: same order as explain."""
    root, _ = graph
    seen: list[int] = []
    for node in topological_order(root):
        if not node.is_leaf:
            node.register_hook(lambda g, i=node.creation_index: seen.append(i))
    root.backward()
    assert [s.node_index for s in explain(root)] == seen


def test_lecture_labels_with_operators_read_as_one_name_in_formulas():
    # micrograd's lecture labels its intermediate nodes with their own expressions.
    x1, x2 = Value(2.0, label="x1"), Value(0.0, label="x2")
    w1, w2 = Value(-3.0, label="w1"), Value(1.0, label="w2")
    b = Value(6.8813735870195432, label="b")
    x1w1 = x1 * w1
    x1w1.label = "x1*w1"
    x2w2 = x2 * w2
    x2w2.label = "x2*w2"
    total = x1w1 + x2w2
    total.label = "x1*w1 + x2*w2"
    n = total + b
    n.label = "n"
    o = n.tanh()
    o.label = "o"
    e = explain(o)
    by_parent = {c.parent: c for step in e for c in step.contributions}
    assert by_parent["w1"].update == "w1.grad += x1.data * (x1*w1).grad = 2.0 * 0.5 = 1.0"
    assert by_parent["x1*w1"].update == "(x1*w1).grad += 1 * (x1*w1 + x2*w2).grad = 1.0 * 0.5 = 0.5"
    text = str(e)
    assert "x1*w1 + x2*w2 = (x1*w1) + (x2*w2)" in text
    assert "dn/d(x1*w1 + x2*w2) = 1" in text
    assert "o = tanh(n)" in text


def test_a_plain_number_in_the_code_reads_as_that_number_in_formulas():
    x = Value(2.0, label="x")
    y = x * -2.0 + 3 * x
    y.label = "y"
    e = explain(y)
    by_expression = {step.expression: step for step in e}
    assert set(by_expression) == {"n2 + n4", "x * (-2)", "3 * x"}
    times_minus_two = by_expression["x * (-2)"].contributions[0]
    assert (times_minus_two.parent, times_minus_two.derivative) == ("x", "-2")
    assert times_minus_two.update == "x.grad += -2 * n2.grad = -2.0 * 1.0 = -2.0"
    three_times = by_expression["3 * x"].contributions[1]
    assert three_times.update == "x.grad += 3 * n4.grad = 3.0 * 1.0 = 3.0"
    assert e.constants == ("n1", "n3") and e.leaves == ("x", "n1", "n3")
    assert str(e).splitlines()[-1] == "gradients of the leaves: dy/dx = 1.0"  # not the constants
    assert Value(3.0).constant is None  # a Value the user made keeps its name, n1 or a label
    assert (x * 3).parents[1].is_constant and (x * 3).parents[1].data == 3.0
