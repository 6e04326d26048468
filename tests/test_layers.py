"""Neuron, Layer, MLP: micrograd's behaviour, its bug fixed, and the additions."""

import math
import random

import numpy as np
import pytest

import nn
from autograd import Value, topological_order
from nn import MLP, Layer, Neuron
from tests._lecture_loop import train


def _micrograd_draws(seed, count):
    """The weights micrograd's MLP draws: random.uniform(-1, 1) in parameter order."""
    random.seed(seed)
    return [random.uniform(-1, 1) for _ in range(count)]


def test_weights_are_micrograds_draws_from_the_global_random():
    random.seed(1337)
    model = MLP(2, [16, 16, 1])
    draws = iter(_micrograd_draws(1337, 2 * 16 + 16 * 16 + 16))
    for layer in model.layers:
        for neuron in layer.neurons:
            assert [w.data for w in neuron.w] == [next(draws) for _ in neuron.w]
            assert neuron.b.data == 0.0


def test_relu_hidden_layers_and_a_linear_last_layer():
    model = MLP(3, [4, 4, 2], seed=0)
    assert [n.activation for layer in model.layers for n in layer.neurons] == ["relu"] * 8 + [
        "linear"
    ] * 2
    assert [n.nonlin for n in model.layers[0].neurons] == [True] * 4
    assert model.layers[-1].neurons[0].nonlin is False
    out = model([1.0, -1.0, 0.5])
    assert [o.op for o in out] == ["+", "+"]
    assert model.layers[0].neurons[0]([1.0, 2.0, 3.0]).op == "relu"


def test_neuron_computes_act_of_w_dot_x_plus_b():
    n = Neuron(3, activation="tanh", seed=3)
    n.b.data = 0.25
    x = [0.5, -1.0, 2.0]
    expected = math.tanh(sum(w.data * xi for w, xi in zip(n.w, x, strict=False)) + 0.25)
    assert n(x).data == pytest.approx(expected, abs=1e-15)


def test_neuron_graph_is_micrograds_sum_node_for_node():
    n = Neuron(2, nonlin=False, seed=0)
    x = [Value(1.0), Value(2.0)]
    out = n(x)
    reference = sum((wi * xi for wi, xi in zip(n.w, x, strict=False)), n.b)
    assert out.data == reference.data
    assert out.parents[0].parents[0] is n.b  # ((b + w0*x0) + w1*x1)


def test_micrograds_one_neuron_hidden_layer_bug_is_fixed():
    model = MLP(2, [16, 1, 1], seed=0)
    out = model([0.5, -0.5])
    assert isinstance(out, Value)
    out.backward()
    assert model.layers[0].neurons[0].w[0].grad is not None


def test_one_neuron_last_layer_returns_a_bare_value_as_in_micrograd():
    assert isinstance(MLP(2, [4, 1], seed=0)([1.0, 2.0]), Value)
    assert isinstance(Layer(2, 1, seed=0)([1.0, 2.0]), Value)
    assert isinstance(Layer(2, 2, seed=0)([1.0, 2.0]), list)


def test_a_one_input_neuron_accepts_a_bare_number():
    n = Neuron(1, nonlin=False, seed=0)
    assert n(2.0).data == n([2.0]).data


@pytest.mark.parametrize(
    "name, reference",
    [
        ("relu", lambda a: max(a, 0.0)),
        ("tanh", math.tanh),
        ("sigmoid", lambda a: 1 / (1 + math.exp(-a))),
        ("leaky_relu", lambda a: a if a > 0 else 0.01 * a),
        ("linear", lambda a: a),
    ],
)
def test_each_activation(name, reference):
    layer = Layer(2, 6, activation=name, seed=5)
    x = [0.7, -1.3]
    for neuron, out in zip(layer.neurons, layer(x), strict=False):
        a = neuron.b.data + sum(w.data * xi for w, xi in zip(neuron.w, x, strict=False))
        assert out.data == pytest.approx(reference(a), rel=1e-12, abs=1e-15)


def test_activation_list_per_layer():
    model = MLP(2, [3, 3, 1], activation=["tanh", "sigmoid", "tanh"], seed=0)
    assert [layer.neurons[0].activation for layer in model.layers] == ["tanh", "sigmoid", "tanh"]


@pytest.mark.parametrize(
    "init, bound", [("uniform", 1.0), ("xavier", math.sqrt(6 / 70)), ("he", math.sqrt(6 / 50))]
)
def test_init_draws_uniformly_within_its_bound(init, bound):
    layer = Layer(50, 20, init=init, seed=0)
    weights = np.array([w.data for n in layer.neurons for w in n.w])
    assert np.abs(weights).max() <= bound
    assert np.abs(weights).max() > 0.95 * bound  # 1000 draws reach the edge
    assert abs(weights.mean()) < 0.1 * bound
    assert weights.std() == pytest.approx(bound / math.sqrt(3), rel=0.1)
    assert all(n.b.data == 0.0 for n in layer.neurons)


def test_bias_uniform_is_drawn_after_the_weights_within_their_bound():
    draws = random.Random(3)
    expected = [draws.uniform(-1, 1) for _ in range(3)]
    assert [p.data for p in Neuron(2, bias="uniform", seed=3).parameters()] == expected
    a = math.sqrt(6 / 4)
    layer = Layer(4, 30, init="he", bias="uniform", seed=0)
    biases = [n.b.data for n in layer.neurons]
    assert max(abs(b) for b in biases) <= a
    assert len(set(biases)) == 30
    assert all(n.b.data != 0.0 for n in MLP(2, [3, 1], bias="uniform", seed=0).layers[1].neurons)


def test_same_seed_same_model_and_different_seed_different_model():
    a, b, c = MLP(2, [8, 1], seed=7), MLP(2, [8, 1], seed=7), MLP(2, [8, 1], seed=8)
    assert a.state_dict() == b.state_dict()
    assert a.state_dict() != c.state_dict()
    state = random.getstate()
    MLP(2, [8, 1], seed=7)
    assert random.getstate() == state  # a seeded model leaves the global generator alone


@pytest.mark.parametrize(
    "build, words",
    [
        (lambda: Neuron(2, activation="swish"), "unknown activation 'swish'"),
        (lambda: Neuron(2, init="normal"), "unknown init 'normal'"),
        (lambda: Neuron(2, bias="normal"), "unknown bias 'normal'"),
        (lambda: Neuron(0), "nin must be a positive int"),
        (lambda: Layer(2, 0), "nout must be a positive int"),
        (lambda: MLP(2, []), "at least one layer"),
        (lambda: MLP(2, [3, 1], activation=["tanh"]), "1 activations for 2 layers"),
        (lambda: Neuron(2, nonlin=False, activation="tanh"), "disagree"),
        (lambda: Neuron(2, seed="abc"), "seed must be an int"),
    ],
)
def test_bad_construction_is_explained(build, words):
    with pytest.raises((ValueError, TypeError), match=words):
        build()


def test_wrong_number_of_inputs_is_a_shape_error():
    with pytest.raises(nn.ShapeError, match="got 3 inputs but has 2 weights"):
        MLP(2, [4, 1], seed=0)([1.0, 2.0, 3.0])


def test_the_lectures_training_loop_runs_unchanged():
    # micrograd lecture 1: MLP(3, [4, 4, 1]) on four points, squared error, plain SGD.
    random.seed(42)
    n = MLP(3, [4, 4, 1])
    losses = train(n, steps=50, lr=0.05)
    assert losses[-1] < 0.05 < losses[0]
    assert len(n.parameters()) == 41


@pytest.mark.parametrize(
    "build, error, message",
    [
        (lambda: MLP(2, 3), TypeError,
         "nouts must be a list of layer sizes, got int 3: MLP(nin, nouts) takes one size "
         "per layer, the last being the outputs. Pass e.g. MLP(2, [3]) for one layer of 3"),
        (lambda: MLP(2, "16"), TypeError,
         "nouts must be a list of layer sizes, got str '16': MLP(nin, nouts) takes one size "
         "per layer, the last being the outputs. Pass e.g. MLP(2, [16]) for one layer of 16"),
    ],
)  # fmt: skip
def test_nouts_that_is_not_a_list_is_explained(build, error, message):
    with pytest.raises(error) as info:
        build()
    assert str(info.value) == message


def test_calling_a_neuron_with_none_says_what_an_input_is():
    with pytest.raises(TypeError) as info:
        Neuron(2, seed=0)(None)
    assert str(info.value) == (
        "Neuron got input None: a neuron takes its inputs as a list of 2 numbers or Values. "
        "Pass e.g. [1.0, 2.0]"
    )


def test_a_layer_calls_a_neuron_class_that_overrides_call_through_its_call():
    class Doubling(Neuron):  # micrograd-style: __call__ overridden, no forward
        def __call__(self, x):
            return super().__call__(x) * 2

    layer = Layer(2, 2, seed=0)
    plain = [v.data for v in layer([1.0, -1.0])]
    layer.neurons[1].__class__ = Doubling
    out = layer([1.0, -1.0])
    assert [v.data for v in out] == [plain[0], 2 * plain[1]]
    scopes = {n.scope for n in topological_order(out[1]) if not n.is_leaf}
    assert scopes == {"neurons.1", layer._path}  # the doubling runs in the layer's call
