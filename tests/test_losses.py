"""Losses: closed forms, gradients against central differences, stability, bad labels."""

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import nn
from autograd import Value
from nn.losses import LOSSES, resolve

REAL = st.floats(-5, 5, allow_nan=False)
H = 1e-6
TOL = 1e-5


def _numeric_grad(f, xs):
    """Central differences of f(list of floats) -> float."""
    grads = []
    for i in range(len(xs)):
        up, down = list(xs), list(xs)
        up[i] += H
        down[i] -= H
        grads.append((f(up) - f(down)) / (2 * H))
    return grads


def _check_gradient(loss, make_outputs, xs, targets):
    values = [Value(x) for x in xs]
    out = loss(make_outputs(values), targets)
    out.backward()
    numeric = _numeric_grad(lambda zs: loss(make_outputs([Value(z) for z in zs]), targets).data, xs)
    for v, g in zip(values, numeric, strict=False):
        assert v.grad == pytest.approx(g, abs=TOL, rel=TOL)


def test_mse_closed_form():
    assert nn.mse([Value(1.0), Value(3.0)], [0.0, 1.0]).data == 2.5
    assert nn.mse(Value(2.0), 5.0).data == 9.0
    assert nn.mse([[Value(1.0), Value(2.0)]], [[0.0, 0.0]]).data == 2.5


def test_hinge_closed_form_matches_micrograds_expression():
    scores, ys = [Value(2.0), Value(0.5), Value(-0.25)], [1, 1, -1]
    assert nn.hinge(scores, ys).data == pytest.approx((0 + 0.5 + 0.75) / 3)
    reference = [(1 + -yi * si).relu() for yi, si in zip(ys, scores, strict=False)]
    assert nn.hinge(scores, ys).data == (sum(reference) * (1.0 / 3)).data


def test_binary_cross_entropy_closed_form():
    z, y = 0.3, 1.0
    p = 1 / (1 + math.exp(-z))
    expected = -(y * math.log(p) + (1 - y) * math.log(1 - p))
    assert nn.binary_cross_entropy([Value(z)], [y]).data == pytest.approx(expected, rel=1e-12)
    assert nn.binary_cross_entropy(Value(0.0), 0).data == pytest.approx(math.log(2))


def test_softmax_cross_entropy_closed_form():
    z = [1.0, 2.0, 0.5]
    expected = -math.log(math.exp(z[1]) / sum(math.exp(v) for v in z))
    loss = nn.softmax_cross_entropy([[Value(v) for v in z]], [1])
    assert loss.data == pytest.approx(expected, rel=1e-12)


def test_softmax_cross_entropy_gradient_is_softmax_minus_onehot():
    z = [Value(1.0), Value(2.0), Value(0.5)]
    nn.softmax_cross_entropy([z], [2]).backward()
    total = sum(math.exp(v.data) for v in z)
    for i, v in enumerate(z):
        assert v.grad == pytest.approx(math.exp(v.data) / total - (i == 2), abs=1e-12)


def test_l2_penalty():
    assert nn.l2([Value(3.0), Value(4.0)], alpha=0.5).data == 12.5
    assert nn.l2([], alpha=0.5).data == 0.0


@settings(max_examples=40)
@given(st.lists(REAL, min_size=1, max_size=4), st.data())
def test_mse_gradient(xs, data):
    targets = data.draw(st.lists(REAL, min_size=len(xs), max_size=len(xs)))
    _check_gradient(nn.mse, lambda vs: vs, xs, targets)


@settings(max_examples=40)
@given(st.lists(REAL, min_size=1, max_size=4), st.data())
def test_binary_cross_entropy_gradient(xs, data):
    targets = data.draw(st.lists(st.sampled_from([0, 1]), min_size=len(xs), max_size=len(xs)))
    _check_gradient(nn.binary_cross_entropy, lambda vs: vs, xs, targets)


@settings(max_examples=40)
@given(st.lists(REAL, min_size=6, max_size=6), st.lists(st.integers(0, 2), min_size=2, max_size=2))
def test_softmax_cross_entropy_gradient(xs, classes):
    _check_gradient(nn.softmax_cross_entropy, lambda vs: [vs[:3], vs[3:]], xs, classes)


@settings(max_examples=40)
@given(st.lists(REAL, min_size=1, max_size=4), st.data())
def test_hinge_gradient_away_from_the_kink(xs, data):
    targets = data.draw(st.lists(st.sampled_from([-1, 1]), min_size=len(xs), max_size=len(xs)))
    if any(abs(1 - y * x) < 1e-3 for x, y in zip(xs, targets, strict=False)):
        return  # relu has no derivative at the hinge's kink
    _check_gradient(nn.hinge, lambda vs: vs, xs, targets)


def test_cross_entropies_are_stable_for_huge_logits():
    big = nn.binary_cross_entropy([Value(1000.0), Value(-1000.0)], [0, 1])
    assert big.data == pytest.approx(1000.0)
    z = [Value(1000.0), Value(-1000.0), Value(999.0)]
    loss = nn.softmax_cross_entropy([z], [2])
    assert loss.data == pytest.approx(1 + math.log1p(math.exp(-1)))
    loss.backward()
    assert all(math.isfinite(v.grad) for v in z)


@pytest.mark.parametrize(
    "call, error, words",
    [
        (lambda: nn.hinge([Value(1.0)], [0]), ValueError, "labels -1 and \\+1"),
        (lambda: nn.binary_cross_entropy([Value(1.0)], [-1]), ValueError, "labels 0 and 1"),
        (lambda: nn.softmax_cross_entropy([[Value(1.0)] * 3], [3]), ValueError, "index 0 .. 2"),
        (lambda: nn.mse([Value(1.0), Value(2.0)], [1.0]), nn.ShapeError, "2 outputs and 1"),
        (lambda: nn.mse([], []), nn.ShapeError, "no samples"),
        (lambda: nn.mse([Value(1.0)], ["a"]), TypeError, "targets are plain numbers"),
    ],
)
def test_bad_targets_are_explained(call, error, words):
    with pytest.raises(error, match=words):
        call()


def test_losses_by_name():
    assert resolve("hinge") is nn.hinge
    assert resolve(nn.mse) is nn.mse
    assert set(LOSSES) >= {"mse", "hinge", "binary_cross_entropy", "softmax_cross_entropy"}
    with pytest.raises(ValueError, match="unknown loss 'mae'"):
        resolve("mae")


def test_softmax_cross_entropy_of_one_logit_per_sample_says_to_add_outputs():
    # A one-output model's outputs are one Value per sample, not one sample of k logits.
    with pytest.raises(ValueError) as info:
        nn.softmax_cross_entropy([Value(1.0), Value(2.0)], [0, 1])
    assert str(info.value) == (
        "softmax_cross_entropy got class 1 for 1 logits; a class is an index 0 .. 0. "
        "Give the model one output per class (the last layer's size), and labels from 0"
    )
    lone = nn.softmax_cross_entropy([Value(1.0), Value(2.0)], 1)  # one sample, two logits
    assert lone.data == pytest.approx(math.log1p(math.exp(-1.0)))


@pytest.mark.parametrize(
    "loss, outputs, message",
    [
        (nn.mse, [1.0, 2.0],
         "mse got output float 1.0 for sample 0, not a Value: a loss is differentiated by "
         "backward(), which needs the graph that made each output. Pass the model's "
         "outputs, model(x), not their .data"),
        (nn.hinge, [Value(1.0), 2.0],
         "hinge got output float 2.0 for sample 1, not a Value: a loss is differentiated by "
         "backward(), which needs the graph that made each output. Pass the model's "
         "outputs, model(x), not their .data"),
        (nn.binary_cross_entropy, [[Value(1.0), Value(0.0)], [Value(1.0), Value(0.0)]],
         "binary_cross_entropy got 2 outputs for sample 0; it scores one logit per sample. "
         "Give the model a last layer of 1 neuron, or use softmax_cross_entropy for "
         "k classes"),
    ],
)  # fmt: skip
def test_outputs_that_are_not_values_are_explained(loss, outputs, message):
    with pytest.raises(TypeError) as info:
        loss(outputs, [1, 1])
    assert str(info.value) == message
