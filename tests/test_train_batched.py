"""nn.fit(engine='batched') against nn.fit(engine='scalar'): the same training, faster.

Each case trains two identical models, one per engine, and compares the whole
history: losses, accuracies, gradient norms and the final weights.
"""

from __future__ import annotations

import math
import random

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import nn
from autograd import DomainError, TraceError, Value
from nn.batched import draw_masks, dropout_plan, model_tape, tapes
from nn.dropout import MaskFeed, feeding

CURVE = 1e-9
"""The batched training curve must equal the scalar one to this relative tolerance."""


def train(engine, data, sizes, loss, make_optimizer, **options):
    X, y = data
    model = nn.MLP(X.shape[1], sizes, seed=3)
    optimizer = make_optimizer(model.parameters())
    history = nn.fit(
        model, X, y, loss=loss, optimizer=optimizer, log_every=0, engine=engine, **options
    )
    return history, [p.data for p in model.parameters()]


def assert_same_training(*case, **options):
    scalar, scalar_weights = train("scalar", *case, **options)
    batched, batched_weights = train("batched", *case, **options)
    assert len(batched.loss) == len(scalar.loss) == options["epochs"]
    for a, b in zip(batched.loss, scalar.loss):
        assert math.isclose(a, b, rel_tol=CURVE, abs_tol=1e-15), (batched.loss, scalar.loss)
    assert batched.accuracy == scalar.accuracy
    for name, norms in scalar.grad_norm.items():
        np.testing.assert_allclose(batched.grad_norm[name], norms, rtol=CURVE, atol=1e-15)
    np.testing.assert_allclose(batched_weights, scalar_weights, rtol=CURVE, atol=1e-12)
    return batched


def sgd(params):
    return nn.SGD(params, lr=nn.LinearDecay(1.0, 0.1, 20))


def test_micrograds_recipe_full_batch():
    data = nn.data.moons(40, 0.1, seed=0, signed=True)
    history = assert_same_training(data, [8, 8, 1], "hinge", sgd, epochs=20, l2=1e-4)
    assert history.loss[-1] < history.loss[0]


def test_shuffled_mini_batches_with_adam_and_clipping():
    data = nn.data.xor(40, 0.1, seed=1)
    adam = lambda params: nn.Adam(params, lr=0.05)  # noqa: E731
    assert_same_training(
        data, [6, 1], "binary_cross_entropy", adam, epochs=8, batch_size=7, clip_norm=0.5
    )


def test_several_outputs_with_softmax_cross_entropy():
    data = nn.data.spiral(30, 3, 0.1, seed=2)
    adam = lambda params: nn.Adam(params, lr=0.05)  # noqa: E731
    assert_same_training(data, [8, 3], "softmax_cross_entropy", adam, epochs=8, batch_size=16)


def test_regression_with_mse_and_a_custom_loss():
    data = nn.data.linear_regression(30, features=3, seed=4)
    plain = lambda params: nn.SGD(params, lr=0.05)  # noqa: E731
    assert_same_training(data, [4, 1], "mse", plain, epochs=6)

    def mean_abs(outputs, targets):
        return sum(abs(o - t) for o, t in zip(outputs, targets)) * (1.0 / len(outputs))

    assert_same_training(data, [4, 1], mean_abs, plain, epochs=6, batch_size=10)


def test_the_tape_is_recorded_once_per_model():
    model = nn.MLP(2, [3, 1], seed=0)
    assert model_tape(model, 2) is model_tape(model, 2)
    X, y = nn.data.moons(10, 0.1, seed=0, signed=True)
    nn.fit(
        model,
        X,
        y,
        loss="hinge",
        optimizer=sgd(model.parameters()),
        epochs=2,
        log_every=0,
        engine="batched",
    )
    (loss,) = [t for t in tapes(model) if t.recorded]  # hinge: the model with its loss
    assert loss.n_inputs == 3 and [len(b.outputs) for b in loss.blocks[:2]] == [3, 1]


class Branchy(nn.Module):
    """A model with an `if` on a value: it cannot be replayed as one graph."""

    def __init__(self):
        self.w = Value(1.0)

    def forward(self, x):
        a = self.w * x[0]
        return a.relu() if x[1].data > 0 else -a


def test_a_model_that_branches_on_data_is_refused():
    X = np.array([[1.0, 1.0], [1.0, -1.0], [2.0, 2.0]])
    y = np.array([1.0, -1.0, 1.0])
    model = Branchy()
    with pytest.raises(TraceError, match="different graph"):
        nn.fit(
            model,
            X,
            y,
            loss="mse",
            optimizer=nn.SGD(model.parameters(), lr=0.1),
            epochs=1,
            log_every=0,
            engine="batched",
        )


def test_one_odd_example_in_a_later_batch_is_refused_not_replayed():
    X = np.ones((40, 2))
    X[37, 1] = -1.0  # the only example on the other branch, in the last batch
    y = np.ones(40)
    model = Branchy()
    with pytest.raises(TraceError, match=r"different graph.*x1=-1\.0"):
        nn.fit(
            model,
            X,
            y,
            loss="mse",
            optimizer=nn.SGD(model.parameters(), lr=0.01),
            epochs=1,
            batch_size=8,
            log_every=0,
            engine="batched",
        )


class SignOfWeight(nn.Module):
    """A model with an `if` on a parameter: training moves it across the threshold."""

    def __init__(self):
        self.w = Value(0.5)

    def forward(self, x):
        a = self.w * x[0]
        return a if self.w.data > 0 else a.relu()


def test_a_branch_on_a_parameter_is_rechecked_as_training_moves_it():
    X = np.ones((4, 1))
    y = -np.ones(4)  # pulls w below zero within a few steps
    model = SignOfWeight()
    with pytest.raises(TraceError, match="parameter"):
        nn.fit(
            model,
            X,
            y,
            loss="mse",
            optimizer=nn.SGD(model.parameters(), lr=0.3),
            epochs=20,
            log_every=0,
            engine="batched",
        )
    assert model.w.data < 0


class CompareFeature(nn.Module):
    """Written for the scalar engine, which passes floats: `x[1] > 0` fails on a Value."""

    def __init__(self):
        self.w = Value(1.0)

    def forward(self, x):
        a = self.w * x[0]
        return a.relu() if x[1] > 0 else -a


def test_comparing_a_feature_says_the_batched_engine_passes_values():
    X = np.array([[1.0, 1.0], [1.0, -1.0]])
    y = np.array([1.0, -1.0])
    options = dict(loss="mse", epochs=1, log_every=0)
    model = CompareFeature()
    nn.fit(model, X, y, optimizer=nn.SGD(model.parameters(), lr=0.1), **options)
    with pytest.raises(TypeError, match=r"CompareFeature.forward.*Values.*engine='scalar'"):
        nn.fit(
            model,
            X,
            y,
            optimizer=nn.SGD(model.parameters(), lr=0.1),
            engine="batched",
            **options,
        )


class Scaled(nn.Module):
    """A model with a plain-number setting, which the user may change between fits."""

    def __init__(self):
        self.w = Value(0.5)
        self.scale = 1.0

    def forward(self, x):
        return (self.w * x[0] * self.scale).tanh()


def test_a_setting_changed_between_fits_is_recorded_again():
    X = np.linspace(-1.0, 1.0, 20)[:, None]
    y = np.sign(X[:, 0])
    histories = {}
    for engine in ("scalar", "batched"):
        model = Scaled()
        options = dict(loss="mse", epochs=2, log_every=0, engine=engine)
        nn.fit(model, X, y, optimizer=nn.SGD(model.parameters(), lr=0.1), **options)
        model.scale = 3.0  # the next fit must see it, as the scalar engine does
        second = nn.fit(model, X, y, optimizer=nn.SGD(model.parameters(), lr=0.1), **options)
        histories[engine] = (second.loss, model.w.data)
    np.testing.assert_allclose(histories["batched"][0], histories["scalar"][0], rtol=CURVE)
    assert math.isclose(histories["batched"][1], histories["scalar"][1], rel_tol=CURVE)


def test_a_model_unchanged_between_fits_keeps_its_tape():
    X, y = nn.data.moons(20, 0.1, seed=0, signed=True)
    model = nn.MLP(2, [4, 1], seed=0)
    options = dict(loss="hinge", epochs=1, log_every=0, engine="batched")
    nn.fit(model, X, y, optimizer=nn.SGD(model.parameters(), lr=0.1), l2=1e-3, **options)
    kept = tapes(model)
    nn.fit(model, X, y, optimizer=nn.SGD(model.parameters(), lr=0.1), l2=1e-3, **options)
    assert tapes(model) == kept and len(kept) == 2  # the loss's and the penalty's, reused


RAGGED = ([[0.5, -1.0], [2.0], [1.0, 1.0]], [1.0, -1.0, 1.0])
"""Three samples, the second with one feature where the others have two."""


def test_ragged_samples_raise_the_scalar_engines_shape_error():
    errors = {}
    for engine in ("scalar", "batched"):
        model = nn.MLP(2, [3, 1], seed=0)
        with pytest.raises(nn.ShapeError) as info:
            nn.fit(model, *RAGGED, loss="hinge", optimizer=nn.SGD(model.parameters(), lr=0.1),
                   epochs=1, log_every=0, engine=engine)  # fmt: skip
        errors[engine] = str(info.value)
    assert errors["batched"] == errors["scalar"]
    assert errors["scalar"].startswith("Neuron got 1 inputs but has 2 weights")


class Total(nn.Module):
    """w * (the sum of the features): a model that takes samples of any length."""

    def __init__(self):
        self.w = Value(0.5)

    def forward(self, x):
        return self.w * sum(x)


def test_ragged_samples_a_model_accepts_are_refused_by_the_batched_engine_only():
    options = dict(loss="mse", epochs=1, log_every=0)
    model = Total()
    nn.fit(model, *RAGGED, optimizer=nn.SGD(model.parameters(), lr=0.1), **options)
    with pytest.raises(nn.ShapeError, match="got samples of 2, 1 features.*engine='scalar'"):
        nn.fit(model, *RAGGED, optimizer=nn.SGD(model.parameters(), lr=0.1), engine="batched",
               **options)  # fmt: skip


# -- engine='auto', fit's default ---------------------------------------------------------------


class BranchyLayers(nn.Module):
    """Layers the tape would run whole, and an `if` on a feature's number after them."""

    def __init__(self):
        self.mlp = nn.MLP(2, [4, 1], seed=0)

    def forward(self, x):
        out = self.mlp(x)
        first = x[0].data if isinstance(x[0], Value) else x[0]  # works on both engines
        return out.tanh() if first > 0 else out


def history_of(model_factory, X, y, loss, engine):
    model = model_factory()
    history = nn.fit(model, X, y, loss=loss, optimizer=nn.SGD(model.parameters(), lr=0.05),
                     epochs=3, batch_size=4, log_every=0, engine=engine)  # fmt: skip
    return history.loss, [p.data for p in model.parameters()]


def test_the_default_engine_is_batched_for_a_model_with_layers():
    X, y = nn.data.moons(12, 0.1, seed=5, signed=True)
    mlp = lambda: nn.MLP(2, [5, 1], seed=2)  # noqa: E731
    auto = history_of(mlp, X, y, "hinge", "auto")
    assert auto == history_of(mlp, X, y, "hinge", "batched")  # the same engine, to the bit
    scalar = history_of(mlp, X, y, "hinge", "scalar")
    np.testing.assert_allclose(auto[0], scalar[0], rtol=CURVE)


@pytest.mark.parametrize(
    "model, X, y",
    [
        (BranchyLayers, np.array([[1.0, 1.0], [-1.0, 1.0], [2.0, 2.0], [0.5, 3.0]]), [1.0] * 4),
        (CompareFeature, np.array([[1.0, 1.0], [1.0, -1.0], [2.0, 1.0], [0.5, 2.0]]), [1.0] * 4),
        (Total, [[0.5, -1.0], [2.0], [1.0, 1.0], [3.0]], [1.0, -1.0, 1.0, 0.0]),
        (Scaled, np.linspace(-1.0, 1.0, 4)[:, None], [1.0, -1.0, 1.0, -1.0]),
    ],
)
def test_the_default_engine_is_scalar_where_the_tape_cannot_or_need_not_run(model, X, y):
    # layers with a branch on data, a comparison on a feature, ragged samples, no layers
    assert history_of(model, X, y, "mse", "auto") == history_of(model, X, y, "mse", "scalar")


def test_a_bad_label_is_the_losses_own_error_on_the_tape():
    X, y = nn.data.moons(10, 0.1, seed=0, signed=True)
    model = nn.MLP(2, [3, 1], seed=0)
    options = dict(loss="hinge", epochs=1, log_every=0, engine="batched")
    for labels in (y, y, y.copy()):  # good labels, accepted once and remembered
        nn.fit(model, X, labels, optimizer=nn.SGD(model.parameters(), lr=0.1), **options)
    y[3] = 0.0  # hinge wants -1 and +1: asked again, it refuses
    with pytest.raises(ValueError, match=r"hinge got label 0\.0"):
        nn.fit(model, X, y, optimizer=nn.SGD(model.parameters(), lr=0.1), **options)


def test_regression_with_mse_l2_and_mini_batches_on_the_tape():
    data = nn.data.linear_regression(30, features=2, seed=6)
    adam = lambda params: nn.Adam(params, lr=0.02)  # noqa: E731
    assert_same_training(data, [4, 4, 1], "mse", adam, epochs=5, batch_size=8, l2=1e-3)


# -- dropout: the masks are inputs of the tape, drawn as the scalar engine draws them --


def _train_with_dropout(engine, batch_size):
    X, y = nn.data.moons(40, 0.2, seed=0, signed=True)
    X, y, X_val, y_val = nn.data.split(X, y, validation=0.25, seed=0)
    model = nn.MLP(2, [8, 8, 1], seed=3, dropout=0.4)
    history = nn.fit(model, X, y, loss="hinge", optimizer=nn.SGD(model.parameters(), lr=0.1),
                     epochs=6, batch_size=batch_size, validation=(X_val, y_val), engine=engine,
                     verbose=0)  # fmt: skip
    return model, history


@pytest.mark.parametrize("batch_size", [None, 7])
def test_dropout_trains_to_the_same_numbers_on_both_engines(batch_size):
    scalar_model, scalar = _train_with_dropout("scalar", batch_size)
    batched_model, batched = _train_with_dropout("batched", batch_size)
    _, auto = _train_with_dropout("auto", batch_size)
    assert auto.loss == scalar.loss  # auto trains a model with active dropout on the scalar engine
    for a, b in zip(batched.loss + batched.val_loss, scalar.loss + scalar.val_loss, strict=True):
        assert math.isclose(a, b, rel_tol=CURVE, abs_tol=1e-15)
    assert batched.accuracy == scalar.accuracy and batched.val_accuracy == scalar.val_accuracy
    np.testing.assert_allclose(
        [p.data for p in batched_model.parameters()],
        [p.data for p in scalar_model.parameters()],
        rtol=CURVE,
        atol=1e-12,
    )
    # Had the tape replayed its recorded masks, every epoch would drop the same units.
    assert list(scalar.grad_norm) == ["layers.0", "layers.1", "layers.2"]


def test_in_training_mode_each_mask_is_an_input_of_the_tape():
    model = nn.MLP(2, [5, 3, 1], seed=0, dropout=0.5)
    plan = dropout_plan(model, [0.1, 0.2])
    assert plan == [(model.dropouts[0], 5), (model.dropouts[1], 3)]
    assert model_tape(model, 2, plan) is model_tape(model, 2, plan)
    tape = model_tape(model, 2, plan)
    X = np.array([[0.1, 0.2], [0.3, -0.4], [1.0, 0.5]])
    masks = draw_masks(plan, 3)
    assert len(masks) == 8 and all(m.shape == (3,) and set(m) <= {0.0, 2.0} for m in masks)
    out = tape(X[:, 0], X[:, 1], *masks)
    for i in range(3):  # the scalar model, fed sample i's masks, gives the tape's output i
        with feeding(MaskFeed([m[i] for m in masks])):
            assert math.isclose(model(X[i].tolist()).data, out[i], rel_tol=1e-12)
    assert dropout_plan(model.eval(), [0.1, 0.2]) == []
    assert model_tape(model, 2).n_inputs == 2


class Thinned(nn.Module):
    """A hidden layer, dropout drawing from a generator the test holds, an output."""

    def __init__(self, rng):
        self.hidden = nn.Layer(2, 4, seed=0)
        self.drop = nn.Dropout(0.5, seed=rng)
        self.out = nn.Layer(4, 1, nonlin=False, seed=1)

    def forward(self, x):
        return self.out(self.drop(self.hidden(x)))


def test_evaluating_draws_no_masks_and_training_draws_the_same_on_both_engines():
    X, y = nn.data.moons(10, seed=0, signed=True)
    states = {}
    for engine in ("scalar", "batched"):
        rng = random.Random(5)
        model = Thinned(rng)
        state = rng.getstate()
        nn.evaluate(model, X, y, loss="hinge", engine=engine)
        assert rng.getstate() == state
        nn.fit(model, X, y, loss="hinge", optimizer=nn.SGD(model.parameters(), lr=0.1),
               epochs=2, batch_size=3, engine=engine, verbose=0)  # fmt: skip
        states[engine] = rng.getstate()
    assert states["scalar"] == states["batched"] != state


def test_the_default_engine_is_scalar_for_a_model_with_active_dropout():
    X, y = nn.data.moons(12, 0.1, seed=5, signed=True)
    mlp = lambda: nn.MLP(2, [5, 5, 1], seed=2, dropout=0.3)  # noqa: E731
    assert history_of(mlp, X, y, "hinge", "auto") == history_of(mlp, X, y, "hinge", "scalar")


# -- fit's bookkeeping on the tape (issue 17) -----------------------------------------------------


@settings(max_examples=25, deadline=None)
@given(
    w=st.floats(2.0, 1e3),
    b=st.floats(0.0, 1e3),
    l2=st.floats(1e-6, 1.0),
)
def test_the_l2_penalty_is_l2_sum_p_squared_and_its_gradient_2_l2_p_exactly(w, b, l2):
    # Every margin is met (w*x + b > 1 for x >= 1 and y = 1): the hinge loss and its
    # gradient are 0, so what fit leaves in p.grad is the penalty's gradient alone.
    X, y = np.linspace(1.0, 2.0, 5)[:, None], np.ones(5)
    model = nn.MLP(1, [1], seed=0)
    model.layers[0].neurons[0].w[0].data, model.layers[0].neurons[0].b.data = w, b
    history = nn.fit(model, X, y, loss="hinge", optimizer=nn.SGD(model.parameters(), lr=0.0),
                     l2=l2, epochs=1, log_every=0, engine="batched")  # fmt: skip
    assert [p.grad for p in model.parameters()] == [2.0 * l2 * w, 2.0 * l2 * b]
    assert math.isclose(history.loss[0], l2 * (w * w + b * b), rel_tol=1e-15)


def test_a_penalty_too_large_for_a_float_stops_both_engines_with_one_error():
    X, y = nn.data.moons(10, 0.1, seed=0, signed=True)
    errors = {}
    for engine in ("scalar", "batched"):
        model = nn.MLP(2, [3, 1], seed=0)
        model.layers[0].neurons[0].w[0].data = 1e160  # the forward pass is finite, w**2 is not
        with pytest.raises(DomainError) as info:
            nn.fit(model, X, y, loss="hinge", optimizer=nn.SGD(model.parameters(), lr=0.1),
                   l2=1e-4, epochs=1, log_every=0, engine=engine)  # fmt: skip
        errors[engine] = str(info.value)
    assert errors["batched"] == errors["scalar"]
    assert "1e+160 * 1e+160 overflows" in errors["scalar"]


def test_a_model_without_dropout_is_not_run_to_plan_masks(monkeypatch):
    def refuse(model, example):
        raise AssertionError("the model was run to find a dropout plan it cannot have")

    X, y = nn.data.moons(12, 0.1, seed=5, signed=True)
    monkeypatch.setattr(nn.batched, "dropout_plan", refuse)
    for engine in ("auto", "batched"):
        model = nn.MLP(2, [5, 1], seed=2)
        nn.fit(model, X, y, loss="hinge", optimizer=nn.SGD(model.parameters(), lr=0.1),
               epochs=2, log_every=0, engine=engine)  # fmt: skip
    with pytest.raises(AssertionError, match="dropout plan"):  # a Dropout in the model: run it
        model = nn.MLP(2, [5, 1], seed=2, dropout=0.5)
        nn.fit(model, X, y, loss="hinge", optimizer=nn.SGD(model.parameters(), lr=0.1),
               epochs=1, log_every=0, engine="batched")  # fmt: skip


class HiddenDropout(nn.Module):
    """A Dropout kept in a dict, outside the module tree: fit neither sees nor switches it."""

    def __init__(self):
        self.layer = nn.Layer(2, 4, seed=0)
        self.parts = {"drop": nn.Dropout(0.5, seed=0)}

    def forward(self, x):
        return sum(self.parts["drop"](self.layer(x)))


def test_a_dropout_outside_the_module_tree_is_refused_by_the_tape_not_replayed():
    X, y = nn.data.moons(40, 0.1, seed=0, signed=True)
    options = dict(loss="mse", epochs=1, log_every=0)
    model = HiddenDropout()
    with pytest.raises(TraceError, match="different graph"):  # its masks are fixed numbers
        nn.fit(model, X, y, optimizer=nn.SGD(model.parameters(), lr=0.1), engine="batched",
               **options)  # fmt: skip
    auto = HiddenDropout()  # the default engine trains it on Values, sample by sample
    history = nn.fit(auto, X, y, optimizer=nn.SGD(auto.parameters(), lr=0.1), **options)
    assert tapes(auto) == [] and math.isfinite(history.loss[0])


def _fit_tapes(model, X, y, **options):
    nn.fit(model, X, y, loss="hinge", optimizer=sgd(model.parameters()), epochs=2,
           log_every=0, engine="batched", **options)  # fmt: skip
    return [t.check for t in tapes(model) if t.recorded]


class Doubled(nn.MLP):
    """An MLP subclass: its forward is the user's code, whatever it does."""

    def forward(self, x):
        return super().forward(x) * 2


def test_nn_own_layers_are_checked_on_the_first_batch_only_and_others_on_every_one(
    monkeypatch,
):
    X, y = nn.data.moons(30, 0.1, seed=0, signed=True)
    model = nn.MLP(2, [4, 4, 1], seed=0, dropout=0.0)
    assert nn.batched.fixed_graph(list(dict(model.named_modules()).values()))
    assert _fit_tapes(model, X, y) == ["first"]
    assert _fit_tapes(Doubled(2, [4, 1], seed=0), X, y) == ["always"]
    own = nn.MLP(2, [4, 1], seed=0)
    own.layers[0].neurons[1].forward = lambda x: x[0] * 1.0  # an instance's own forward
    assert _fit_tapes(own, X, y) == ["always"]
    shipped = nn.Layer.forward
    monkeypatch.setattr(nn.Layer, "forward", lambda self, x: shipped(self, x))
    assert _fit_tapes(nn.MLP(2, [4, 1], seed=0), X, y) == ["always"]  # a class changed


def test_a_fixed_graph_trains_to_the_scalar_engines_numbers_with_one_check():
    """The same curve as the scalar engine, and a parameter replaced between fits is seen."""
    X, y = nn.data.moons(40, 0.1, seed=1, signed=True)
    results = {}
    for engine in ("scalar", "batched"):
        model = nn.MLP(2, [6, 6, 1], seed=2)
        options = dict(loss="hinge", epochs=3, batch_size=10, log_every=0, engine=engine)
        nn.fit(model, X, y, optimizer=sgd(model.parameters()), **options)
        model.layers[1].neurons[0].w[0] = Value(0.25)  # a new leaf: the tape must follow
        second = nn.fit(model, X, y, optimizer=sgd(model.parameters()), **options)
        results[engine] = (second.loss, [p.data for p in model.parameters()])
    np.testing.assert_allclose(results["batched"][0], results["scalar"][0], rtol=CURVE)
    np.testing.assert_allclose(results["batched"][1], results["scalar"][1], rtol=CURVE)


def test_an_activation_of_your_own_in_nn_table_keeps_the_check_on_every_batch(monkeypatch):
    X, y = nn.data.moons(30, 0.1, seed=0, signed=True)
    monkeypatch.setitem(nn.layers.ACTIVATIONS, "relu", lambda v: v.relu())  # nn cannot know
    model = nn.MLP(2, [4, 1], seed=0)
    assert not nn.batched.fixed_graph(list(dict(model.named_modules()).values()))
    assert _fit_tapes(model, X, y) == ["always"]
