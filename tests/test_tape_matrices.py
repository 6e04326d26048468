"""The tape's matrices (autograd/tape/matrices.py, blocks.py, vectorised.py, source.py).

A recorded network is replayed as matrix products, elementwise ops and sums.
Every number must still be the scalar engine's, to 1e-12 relative to the
magnitudes involved (tests/test_trace.py's compare_with_scalar), over random
networks and random layered graphs built from the op table; what is not a
block replays row by row, and every error is the row-by-row replay's.
"""

from __future__ import annotations

import math
import os
from contextlib import contextmanager
from pathlib import Path
from unittest import mock

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import nn
from autograd import OPS, DomainError, Value, ops, trace
from autograd.tape.matrices import Dense, Elementwise, Sum
from autograd.tape.replay import RowReplay
from nn.losses import l2
from tests.reference import REFERENCES, TAKES_CONSTANT
from tests.test_ops import apply
from tests.test_trace import compare_with_scalar

GOLDEN = Path(__file__).parent / "golden"


@contextmanager
def rows_forbidden():
    """Fail if the row-by-row replay runs: the blocks must compute everything."""

    def refuse(*args, **kwargs):
        raise AssertionError("the row-by-row replay ran")

    with (
        mock.patch.object(RowReplay, "forward", refuse),
        mock.patch.object(RowReplay, "backward", refuse),
    ):
        yield


def kinds(tape):
    return [
        (type(b).__name__, len(b.outputs) if not isinstance(b, Sum) else b.output)
        for b in tape.blocks
    ]


# -- micrograd's demo model is three layers, two activations and a sum ----------------------


def demo(seed=1):
    model = nn.MLP(2, [16, 16, 1], seed=seed)
    params = model.parameters()

    def hinge_of_one_point(x0, x1, label):
        return (1 + -label * model([x0, x1])).relu() + l2(params, 1e-4)

    return model, params, hinge_of_one_point


def test_micrograds_demo_model_is_found_as_three_layers_two_relus_and_a_penalty():
    model, params, f = demo()
    tape = trace(f, params=params, example=[0.1, -0.2, 1.0])
    dense = [b for b in tape.blocks if isinstance(b, Dense)]
    assert [(len(b.outputs), len(b.inputs)) for b in dense] == [(16, 2), (16, 16), (1, 16)]
    relus = [b for b in tape.blocks if isinstance(b, Elementwise)]
    assert [(b.op, len(b.outputs)) for b in relus] == [(ops.RELU, 16), (ops.RELU, 16)]
    (penalty,) = [b for b in tape.blocks if isinstance(b, Sum)]
    assert penalty.op is ops.MUL and len(penalty.operands) == len(params) == 337
    # Every weight of the first layer is the model's own, in W's place.
    rows = tape.rows
    w = [[rows[i].label for i in ws] for ws in dense[0].weights]
    assert w[3] == ["layers.0.neurons.3.w.0", "layers.0.neurons.3.w.1"]


def test_the_demo_step_is_the_scalar_engines_and_runs_on_the_blocks_alone():
    model, params, f = demo()
    rng = np.random.default_rng(0)
    columns = [
        rng.normal(size=30),
        rng.normal(size=30),
        np.where(rng.normal(size=30) > 0, 1.0, -1.0),
    ]
    trace(f, params=params)(*columns)  # records and checks: the guard may run the rows' code
    tape = trace(f, params=params, example=[0.0, 0.0, 1.0], check="never")
    with rows_forbidden():
        tape.value_and_grad(*columns)
    assert compare_with_scalar(f, 3, columns, params) == "compared"


# -- random networks ---------------------------------------------------------------------------

ACTIVATIONS = ["relu", "tanh", "sigmoid", "leaky_relu", "linear"]


@st.composite
def networks(draw):
    """A random MLP, how its neurons add up, a loss of its outputs, and a batch."""
    nin = draw(st.integers(1, 4))
    sizes = draw(st.lists(st.integers(1, 6), min_size=1, max_size=4))
    activations = [draw(st.sampled_from(ACTIVATIONS)) for _ in sizes]
    style = draw(st.sampled_from(["weighted_sum", "python_sum", "written_out"]))
    loss = draw(st.sampled_from(["hinge", "square", "sum", "logsumexp"]))
    penalty = draw(st.sampled_from([0.0, 1e-3]))
    n = draw(st.integers(1, 9))
    columns = [
        np.array(draw(st.lists(st.floats(-3, 3), min_size=n, max_size=n))) for _ in range(nin)
    ]
    label = np.array(draw(st.lists(st.sampled_from([-1.0, 1.0]), min_size=n, max_size=n)))
    seed = draw(st.integers(0, 2**16))
    return nin, sizes, activations, style, loss, penalty, columns + [label], seed


def network_function(nin, sizes, activations, style, loss, penalty, seed):
    """f(x_0, ..., x_{nin-1}, label) for the drawn network, and its parameters."""
    model = nn.MLP(nin, sizes, activation=activations, bias="uniform", seed=seed)
    params = model.parameters()

    def neuron(n, x):
        if style == "weighted_sum":
            return n(x)
        if style == "python_sum":  # 0 + w0*x0 + w1*x1 + ... + b, the bias last (a row)
            act = sum(w * xi for w, xi in zip(n.w, x)) + n.b
        else:  # w0*x0 + w1*x1 + ...: no start, the bias added last (a row of its own)
            act = n.w[0] * x[0]
            for w, xi in zip(n.w[1:], x[1:]):
                act = act + w * xi
            act = act + n.b
        f = nn.layers.ACTIVATIONS[n.activation]
        return act if f is None else f(act)

    def f(*xs):
        *x, label = xs
        for layer in model.layers:
            x = [neuron(n, x) for n in layer.neurons]
        if loss == "hinge":
            out = (1 + -label * x[0]).relu()
        elif loss == "square":
            out = (x[0] - label) ** 2
        elif loss == "sum":  # a sum over the outputs that starts from a row of its own
            out = sum(x, label * 0.5)
        else:
            out = sum(o.exp() for o in x).log()
        return out + l2(params, penalty) if penalty else out

    return f, params


@settings(max_examples=120, deadline=None)
@given(networks())
def test_random_networks_replay_like_the_scalar_engine(network):
    nin, sizes, activations, style, loss, penalty, columns, seed = network
    f, params = network_function(nin, sizes, activations, style, loss, penalty, seed)
    tape = trace(f, nin + 1, params=params, example=[c[0] for c in columns], check="never")
    if nin == 1 and style == "written_out":
        # w*x + b written out for one input has no sum of products to find: it replays row by
        # row, and still exactly (below). Every other network has a matrix product.
        assert compare_with_scalar(f, nin + 1, columns, params) == "compared"
        return
    assert any(isinstance(b, Dense) for b in tape.blocks)
    with rows_forbidden():
        tape.value_and_grad(*columns)
    assert compare_with_scalar(f, nin + 1, columns, params) == "compared"


# -- random layered graphs from the op table -------------------------------------------------

UNARY = sorted(k for k, op in OPS.items() if op.arity == 1)
BINARY = sorted(k for k, op in OPS.items() if op.arity == 2)


@st.composite
def layered(draw):
    """Layers whose activations, sums and parameter terms are any rows of the op table."""
    nin = draw(st.integers(1, 3))
    widths = draw(st.lists(st.integers(1, 4), min_size=1, max_size=3))
    steps = []
    for _ in widths:
        key = draw(st.sampled_from(UNARY))
        constant = draw(REFERENCES[key].arguments)[-1] if key in TAKES_CONSTANT else None
        steps.append((key, constant, draw(st.booleans())))
    term = draw(st.sampled_from(BINARY))
    reduce_outputs = draw(st.booleans())
    n = draw(st.integers(1, 6))
    columns = [
        np.array(draw(st.lists(st.floats(-2, 2), min_size=n, max_size=n))) for _ in range(nin)
    ]
    weights = draw(st.lists(st.floats(-1.5, 1.5), min_size=64, max_size=64))
    others = draw(st.lists(st.floats(0.5, 2.5), min_size=2, max_size=6))
    return nin, widths, steps, term, reduce_outputs, columns, weights, others


def layered_function(nin, widths, steps, term, reduce_outputs, weights, others):
    values = iter(weights * 4)
    params = []
    terms = [Value(x, label=f"q{i}") for i, x in enumerate(others)]  # where every op is defined

    def parameter():
        params.append(Value(next(values), label=f"p{len(params)}"))
        return params[-1]

    layers = []
    fan_in = nin
    for width in widths:
        layers.append([([parameter() for _ in range(fan_in)], parameter()) for _ in range(width)])
        fan_in = width

    def f(*x):
        for layer, (key, constant, tame) in zip(layers, steps):
            out = []
            for ws, b in layer:
                act = b
                for w, xi in zip(ws, x):
                    act = act + w * xi
                if tame:  # mostly into (0.5, 2.5), where every op of the table is defined
                    act = act.tanh() + 1.5
                out.append(apply(key, act, constant) if key in TAKES_CONSTANT else apply(key, act))
            x = out
        total = sum(x[1:], x[0]) if reduce_outputs else x[0]
        pairs = zip(terms, terms[1:] + terms[:1])
        penalty = sum((apply(term, p, q) for p, q in pairs), terms[0] * 0.5)
        return total + penalty * 1e-3

    return f, params + terms


@settings(max_examples=150, deadline=None)
@given(layered())
def test_random_layered_graphs_from_the_op_table_replay_like_the_scalar_engine(graph):
    f, params = layered_function(*graph[:5], *graph[6:])
    columns = graph[5]
    tape = trace(f, len(columns), params=params, check="never")
    try:
        tape(*columns)
    except DomainError:
        pass  # compared below: the scalar engine raises too
    if tape.recorded:
        assert any(isinstance(b, Dense) for b in tape.blocks)
        assert any(isinstance(b, Sum) and b.op is OPS[graph[3]] for b in tape.blocks)
    compare_with_scalar(f, len(columns), columns, params)  # the same numbers, or both raise


# -- what is not a block replays row by row ------------------------------------------------


def test_a_partial_sum_used_elsewhere_ends_the_neuron_there():
    w = [Value(0.5, label="w0"), Value(-1.5, label="w1"), Value(2.0, label="w2")]
    b = Value(0.25, label="b")

    def f(x0, x1, x2):
        half = b + w[0] * x0 + w[1] * x1  # read again below: it must be computed itself
        return (half + w[2] * x2).tanh() * half

    tape = trace(f, example=[0.0, 0.0, 0.0])
    (dense,) = [block for block in tape.blocks if isinstance(block, Dense)]
    assert len(dense.weights[0]) == 2  # b + w0*x0 + w1*x1, not the + w2*x2 after it
    columns = [np.linspace(-1, 1, 5), np.linspace(2, -2, 5), np.linspace(0, 3, 5)]
    assert compare_with_scalar(f, 3, columns, w + [b]) == "compared"


def test_a_weight_shared_by_two_neurons_gets_both_gradients():
    w, v = Value(0.7, label="w"), Value(-0.3, label="v")

    def f(x0, x1):
        first = w * x0 + v * x1
        second = v * x0 + w * x1  # the same two weights, the other way round
        return first.relu() * 2.0 + second.relu()

    tape = trace(f, example=[1.0, 1.0])
    assert [len(b.outputs) for b in tape.blocks if isinstance(b, Dense)] == [2]
    columns = [np.linspace(-1, 2, 7), np.linspace(1, -3, 7)]
    assert compare_with_scalar(f, 2, columns, [w, v]) == "compared"


def test_an_edited_product_rule_is_replayed_row_by_row_with_the_edit():
    model = nn.MLP(2, [3, 1], seed=0)
    f = lambda a, b: model([a, b])  # noqa: E731
    assert trace(f, params=model.parameters(), example=[0, 0]).blocks
    with ops.edit(ops.MUL, local=lambda out, a, b: (2 * b, 2 * a)):  # a wrong rule, on purpose
        tape = trace(f, params=model.parameters(), example=[0.0, 0.0])
        assert tape.blocks == ()
        columns = [np.array([0.5, -1.0]), np.array([2.0, 0.1])]
        assert compare_with_scalar(f, 2, columns, model.parameters()) == "compared"


# -- errors are the row-by-row replay's ---------------------------------------------------


def test_a_domain_error_inside_a_layer_names_the_example():
    w, b = Value(1.0, label="w"), Value(-1.0, label="b")
    tape = trace(lambda x: (b + w * x).log(), example=[2.0])
    assert tape.blocks
    with pytest.raises(DomainError, match=r"log\(-1.5\).*batch index 2 \(x=-0.5\)") as info:
        tape(np.array([3.0, 2.5, -0.5, 4.0]))
    assert info.value.batch_index == 2


def test_an_overflow_in_a_matrix_product_is_the_scalar_engines_error():
    w = Value(1e200, label="w")
    tape = trace(lambda x: (Value(0.0) + w * x).tanh() + 1.0, params=[w], example=[1.0])
    with pytest.raises(DomainError, match=r"overflows.*batch index 1") as info:
        tape(np.array([1.0, 1e200, 2.0]))
    assert info.value.batch_index == 1
    np.testing.assert_array_equal(tape(np.array([1e-300, 0.0])), [1.0 + math.tanh(1e-100), 1.0])


def test_a_backward_domain_error_inside_a_layer_names_the_example():
    w = Value(1.0, label="w")
    tape = trace(lambda x: (w * x + w * x).sqrt(), params=[w], example=[1.0])
    np.testing.assert_array_equal(tape(np.array([2.0, 0.0])), [2.0, 0.0])
    with pytest.raises(DomainError, match=r"backward failed at sqrt\(0.0\).*batch index 1"):
        tape.value_and_grad(np.array([2.0, 0.0]))


# -- source() ----------------------------------------------------------------------------------


def test_source_is_numpy_code_that_computes_what_the_tape_does():
    model, params, f = demo(seed=3)
    tape = trace(f, params=params, example=[0.0, 0.0, 1.0])
    code = tape.source()
    assert "h0 = relu(x @ W_layers_0.T + b_layers_0)" in code
    namespace = {name: lambda a, k=None, op=op: op.forward(a, k) for name, op in OPS.items()}
    namespace.update(stack=np.stack, array=np.array)
    for i, layer in enumerate(model.layers):
        stem = f"layers_{i}" if len(layer.neurons) > 1 else f"layers_{i}_neurons_0"
        namespace[f"W_{stem}"] = np.array([[w.data for w in n.w] for n in layer.neurons])
        namespace[f"b_{stem}"] = np.array([n.b.data for n in layer.neurons])
    namespace["params"] = np.array([p.data for p in params])
    exec(code, namespace)
    rng = np.random.default_rng(1)
    x0, x1, label = rng.normal(size=20), rng.normal(size=20), np.sign(rng.normal(size=20))
    np.testing.assert_allclose(
        namespace["hinge_of_one_point"](x0, x1, label), tape(x0, x1, label), rtol=1e-14
    )


def test_source_of_the_demo_step_matches_golden_file():
    _, params, f = demo()
    text = trace(f, params=params, example=[0.0, 0.0, 1.0]).source()
    path = GOLDEN / "tape_source.txt"
    if os.environ.get("CHAINRULE_REGEN_GOLDEN"):
        path.write_text(text, encoding="utf-8")
    assert text == path.read_text(encoding="utf-8")


def test_source_without_blocks_is_one_line_per_row():
    w = Value(2.0, label="w")
    code = trace(lambda x, y: (w * x).sin() + y, example=[1.0, 2.0]).source()
    assert code.splitlines()[-4:] == [
        "    v3 = w * x",
        "    v4 = sin(v3)",
        "    v5 = v4 + y",
        "    return v5",
    ]
