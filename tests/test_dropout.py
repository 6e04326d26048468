"""Dropout: masks of 0 and 1/(1-p) in training mode, the identity in eval mode, seeded."""

import math
import random

import pytest
from hypothesis import given
from hypothesis import strategies as st

import nn
from autograd import TraceError, Value
from nn.dropout import Dropout, MaskFeed, feeding


def test_eval_mode_is_the_identity():
    drop = Dropout(0.5, seed=0).eval()
    x = [Value(1.0), Value(-2.0)]
    assert drop(x) is x
    lone = Value(3.0)
    assert drop(lone) is lone


def test_p_zero_is_the_identity_even_in_training():
    x = [Value(1.0), Value(-2.0)]
    assert Dropout(0.0, seed=0)(x) is x


@given(p=st.floats(0.01, 0.95), n=st.integers(1, 30), seed=st.integers(0, 2**32))
def test_each_output_is_its_input_times_0_or_1_over_1_minus_p(p, n, seed):
    x = [Value(float(i + 1)) for i in range(n)]
    out = Dropout(p, seed=seed)(x)
    keep = 1 / (1 - p)
    for xi, o in zip(x, out, strict=True):
        assert o.data == 0.0 or o.data == xi.data * keep


def test_about_p_of_the_inputs_are_dropped_and_the_mean_is_kept():
    p, n = 0.3, 20_000
    out = Dropout(p, seed=1)([Value(1.0)] * n)
    dropped = sum(o.data == 0.0 for o in out) / n
    sigma = math.sqrt(p * (1 - p) / n)  # of the fraction dropped
    assert abs(dropped - p) < 4 * sigma
    mean = sum(o.data for o in out) / n  # E[mask] = 1: the expected output is the input
    assert abs(mean - 1.0) < 4 * sigma / (1 - p)


def test_the_gradient_follows_the_mask():
    x = [Value(2.0) for _ in range(8)]
    out = Dropout(0.5, seed=3)(x)
    sum(out).backward()
    assert [xi.grad for xi in x] == [o.data / 2.0 for o in out]  # d(x*m)/dx = m
    assert {xi.grad for xi in x} == {0.0, 2.0}


def test_the_same_seed_draws_the_same_masks_and_each_call_new_ones():
    x = [Value(1.0)] * 20
    a, b = Dropout(0.5, seed=7), Dropout(0.5, seed=7)
    first = [o.data for o in a(x)]
    assert first == [o.data for o in b(x)]
    assert first != [o.data for o in a(x)]  # a new thinned network on every call
    shared = random.Random(7)
    assert [o.data for o in Dropout(0.5, seed=shared)(x)] == first


@pytest.mark.parametrize("p", [1.0, -0.1, 1.5, True, "0.5", float("nan")])
def test_a_probability_outside_0_1_is_refused(p):
    with pytest.raises(ValueError, match=r"Dropout got p = .*lies in \[0, 1\).*Pass e.g. p=0.2"):
        Dropout(p)


def test_mlp_dropout_sits_after_each_hidden_layer_and_leaves_the_weights_alone():
    plain = nn.MLP(2, [4, 4, 1], seed=0)
    model = nn.MLP(2, [4, 4, 1], seed=0, dropout=0.5)
    assert [d.p for d in model.dropouts] == [0.5, 0.5]
    assert [p.data for p in model.parameters()] == [p.data for p in plain.parameters()]
    assert list(model.state_dict()) == list(plain.state_dict())
    x = [0.3, -0.7]
    assert model.eval()(x).data == plain(x).data
    trained = [model.train()(x).data for _ in range(20)]
    assert len(set(trained)) > 1, "dropout in training mode gives varied outputs"
    assert nn.MLP(2, [4, 1], seed=0).dropouts == []
    assert repr(model).endswith("dropout 0.5")


def test_mlp_dropout_masks_the_hidden_layers_only():
    # One hidden neuron: dropping it leaves the output neuron with its bias alone.
    model = nn.MLP(1, [1, 1], seed=0, dropout=0.5)
    model.layers[0].neurons[0].w[0].data = 1.0
    out = model.layers[1].neurons[0]
    out.w[0].data, out.b.data = 1.0, 0.25
    seen = {model([1.0]).data for _ in range(40)}
    assert seen == {0.25, 0.25 + 1.0 * 2.0}  # hidden 1.0 dropped, or kept and doubled


def test_a_saved_mlp_keeps_its_dropout(tmp_path):
    model = nn.MLP(2, [3, 1], seed=0, dropout=0.25)
    model.save(tmp_path / "m.json")
    loaded = nn.load(tmp_path / "m.json")
    assert [d.p for d in loaded.dropouts] == [0.25]
    assert loaded.state_dict() == model.state_dict()


def test_a_mask_feed_hands_out_its_masks_in_order_and_writes_the_plan():
    a, b = Dropout(0.5, seed=0), Dropout(0.2, seed=0)
    feed = MaskFeed([Value(0.0), Value(2.0), Value(1.25)])
    with feeding(feed):
        first = a([Value(3.0), Value(4.0)])
        second = b(Value(8.0))
    assert [v.data for v in first] == [0.0, 8.0] and second.data == 10.0
    assert feed.plan == [(a, 2), (b, 1)] and feed.used == 3
    with feeding(MaskFeed([Value(1.0)])), pytest.raises(TraceError, match="more than the 1"):
        a([Value(1.0), Value(1.0)])


def test_counting_feed_draws_nothing():
    rng = random.Random(0)
    drop = Dropout(0.5, seed=rng)
    state = rng.getstate()
    feed = MaskFeed()
    with feeding(feed):
        assert [v.data for v in drop([Value(1.0), Value(2.0)])] == [1.0, 2.0]
    assert feed.plan == [(drop, 2)] and rng.getstate() == state
