"""fit: micrograd's loop to the bit, batch modes, history, XOR, progress, errors."""

import io
import math
import random
import sys

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import nn
from autograd import DomainError, Value


def test_micrograds_demo_code_runs_unchanged_and_reaches_100_percent():
    # micrograd's demo.ipynb, with only the imports changed (data: our moons, no sklearn).
    from autograd import Value
    from nn import MLP

    np_X, np_y = nn.data.moons(n=100, noise=0.1, seed=0)
    X, y = np_X, np_y * 2 - 1  # make y be -1 or 1
    random.seed(1337)
    model = MLP(2, [16, 16, 1])  # 2-layer neural network

    def loss(batch_size=None):
        Xb, yb = X, y
        inputs = [list(map(Value, xrow)) for xrow in Xb]
        scores = list(map(model, inputs))
        losses = [(1 + -yi * scorei).relu() for yi, scorei in zip(yb, scores)]  # noqa: B905
        data_loss = sum(losses) * (1.0 / len(losses))
        alpha = 1e-4
        reg_loss = alpha * sum(p * p for p in model.parameters())
        total_loss = data_loss + reg_loss
        accuracy = [(yi > 0) == (scorei.data > 0) for yi, scorei in zip(yb, scores)]  # noqa: B905
        return total_loss, sum(accuracy) / len(accuracy)

    for k in range(100):
        total_loss, acc = loss()
        model.zero_grad()
        total_loss.backward()
        learning_rate = 1.0 - 0.9 * k / 100
        for p in model.parameters():
            p.data -= learning_rate * p.grad
    total_loss, acc = loss()
    assert acc == 1.0
    assert total_loss.data < 0.05


def test_fit_is_micrograds_loop_to_the_bit():
    X, y = nn.data.moons(20, seed=1, signed=True)
    hand = nn.MLP(2, [4, 4, 1], seed=3)
    losses = []
    for k in range(4):
        scores = [hand(list(map(Value, row))) for row in X.tolist()]
        data_loss = sum((1 + -yi * s).relu() for yi, s in zip(y.tolist(), scores, strict=True))
        total = data_loss * (1.0 / 20) + 1e-4 * sum(p * p for p in hand.parameters())
        losses.append(total.data)
        hand.zero_grad()
        total.backward()
        for p in hand.parameters():
            p.data -= (1.0 - 0.9 * k / 100) * p.grad
    model = nn.MLP(2, [4, 4, 1], seed=3)
    opt = nn.SGD(model.parameters(), lr=nn.LinearDecay(1.0, 0.1, 100))
    history = nn.fit(model, X, y, loss="hinge", l2=1e-4, optimizer=opt, epochs=4, log_every=0,
                     engine="scalar")  # fmt: skip
    assert history.loss == losses
    assert model.state_dict() == hand.state_dict()


@pytest.mark.parametrize("batch_size, steps_per_epoch", [(None, 1), (1, 10), (3, 4), (10, 1)])
def test_full_batch_stochastic_and_mini_batch(batch_size, steps_per_epoch):
    X, y = nn.data.moons(10, seed=0, signed=True)
    model = nn.MLP(2, [3, 1], seed=0)
    opt = nn.SGD(model.parameters(), lr=0.1)
    history = nn.fit(
        model, X, y, loss="hinge", optimizer=opt, epochs=3, batch_size=batch_size, log_every=0
    )
    assert opt.steps == 3 * steps_per_epoch
    assert len(history.loss) == len(history.accuracy) == len(history.lr) == 3


def _train(seed, batch_size=2):
    X, y = nn.data.moons(12, seed=0, signed=True)
    model = nn.MLP(2, [3, 1], seed=0)
    opt = nn.SGD(model.parameters(), lr=0.1)
    nn.fit(model, X, y, loss="hinge", optimizer=opt, epochs=2, batch_size=batch_size, seed=seed,
           log_every=0)  # fmt: skip
    return model.state_dict()


def test_shuffling_is_seeded():
    assert _train(5) == _train(5)
    assert _train(5) != _train(6)
    assert _train(5, batch_size=None) == _train(6, batch_size=None)  # full batch: no shuffle


def test_history_records_loss_accuracy_lr_and_layer_gradient_norms():
    X, y = nn.data.moons(16, seed=0, signed=True)
    model = nn.MLP(2, [4, 4, 1], seed=0)
    before = nn.MLP(2, [4, 4, 1], seed=0)
    opt = nn.SGD(model.parameters(), lr=nn.StepDecay(0.5, every=2, gamma=0.5))
    history = nn.fit(model, X, y, loss="hinge", optimizer=opt, epochs=4, log_every=0)
    assert list(history.grad_norm) == ["layers.0", "layers.1", "layers.2"]
    assert history.lr == [0.5, 0.5, 0.25, 0.25]
    assert history.epochs == 4
    # Epoch 1's numbers, recomputed by hand on the untrained copy.
    scores = [before(row) for row in X.tolist()]
    loss = nn.hinge(scores, y.tolist())
    loss.backward()
    assert history.loss[0] == loss.data
    assert history.accuracy[0] == nn.accuracy(scores, y.tolist())
    for i, layer in enumerate(before.layers):
        norm = math.sqrt(sum(p.grad**2 for p in layer.parameters()))
        assert history.grad_norm[f"layers.{i}"][0] == pytest.approx(norm, rel=1e-12)


def test_regression_has_no_accuracy_and_recovers_the_line():
    X, y, w, b = nn.data.linear_regression(30, features=2, noise=0.0, seed=1, return_coef=True)
    model = nn.Neuron(2, nonlin=False, seed=0)
    opt = nn.Adam(model.parameters(), lr=0.1)
    history = nn.fit(model, X, y, loss="mse", optimizer=opt, epochs=150, log_every=0)
    assert history.accuracy == []
    assert list(history.grad_norm) == ["Neuron"]
    assert history.loss[-1] < 1e-4
    assert [p.data for p in model.w] == pytest.approx(w.tolist(), abs=0.02)
    assert model.b.data == pytest.approx(b, abs=0.02)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_xor_is_learned_with_a_hidden_layer(seed):
    X, y = nn.data.xor()
    model = nn.MLP(2, [4, 1], activation="tanh", seed=seed)
    opt = nn.Adam(model.parameters(), lr=0.1)
    history = nn.fit(model, X, y, loss="binary_cross_entropy", optimizer=opt, epochs=200,
                     log_every=0)  # fmt: skip
    assert history.accuracy[-1] == 1.0


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_xor_is_not_learned_without_a_hidden_layer(seed):
    X, y = nn.data.xor()
    model = nn.MLP(2, [1], seed=seed)  # one linear neuron: a straight line
    opt = nn.Adam(model.parameters(), lr=0.05)
    history = nn.fit(model, X, y, loss="binary_cross_entropy", optimizer=opt, epochs=150,
                     log_every=0)  # fmt: skip
    assert max(history.accuracy) <= 0.75


@settings(max_examples=200)
@given(st.floats(-10, 10), st.floats(-10, 10), st.floats(-10, 10))
def test_no_line_separates_xor(w1, w2, b):
    X, y = nn.data.xor()
    right = sum((w1 * x1 + w2 * x2 + b > 0) == bool(t) for (x1, x2), t in zip(X, y, strict=True))
    assert right <= 3


def test_clip_norm_bounds_every_step():
    X, y = nn.data.moons(10, seed=0, signed=True)
    model = nn.MLP(2, [4, 1], seed=0)
    before = [p.data for p in model.parameters()]
    opt = nn.SGD(model.parameters(), lr=1.0)
    history = nn.fit(model, X, y, loss="hinge", optimizer=opt, epochs=1, clip_norm=0.01,
                     log_every=0)  # fmt: skip
    moved = math.sqrt(
        sum((p.data - a) ** 2 for p, a in zip(model.parameters(), before, strict=True))
    )
    assert moved <= 0.01
    assert sum(v[0] ** 2 for v in history.grad_norm.values()) > 0.01**2  # it did clip


def test_callback_sees_each_epoch_and_can_stop():
    X, y = nn.data.xor()
    seen = []

    def callback(epoch, history):
        seen.append((epoch, history.epochs))
        return epoch < 2 and None  # False at epoch 2 stops

    model = nn.MLP(2, [2, 1], seed=0)
    opt = nn.SGD(model.parameters(), lr=0.1)
    history = nn.fit(model, X, y, loss="bce", optimizer=opt, epochs=10, callback=callback,
                     log_every=0)  # fmt: skip
    assert seen == [(0, 1), (1, 2), (2, 3)]
    assert history.epochs == 3


def _fit_catching_ctrl_c(*args, **kwargs):
    """nn.fit, with a Ctrl-C that escapes it failing the test instead of stopping pytest."""
    try:
        return nn.fit(*args, **kwargs)
    except KeyboardInterrupt:
        pytest.fail("fit let KeyboardInterrupt through instead of returning the history")


@pytest.mark.parametrize("engine", ["scalar", "batched"])
def test_ctrl_c_mid_epoch_returns_the_finished_epochs_marked_interrupted(engine):
    X, y = nn.data.xor(signed=True)
    model = nn.MLP(2, [4, 1], seed=0)
    at_interrupt = []

    def loss(outputs, targets):
        if len(at_interrupt) == 6:  # the 7th batch: the 2nd epoch's 3rd of 4
            at_interrupt.append([p.data for p in model.parameters()])
            raise KeyboardInterrupt
        at_interrupt.append(None)
        return nn.mse(outputs, targets)

    opt = nn.SGD(model.parameters(), lr=0.05)
    out = io.StringIO()
    history = _fit_catching_ctrl_c(model, X, y, loss=loss, optimizer=opt, epochs=5,
                                   batch_size=1, engine=engine, log_every=0, file=out)  # fmt: skip
    assert history.interrupted is True
    assert history.epochs == len(history.lr) == len(history.grad_norm["layers.0"]) == 1
    assert opt.steps == 6
    assert [p.data for p in model.parameters()] == at_interrupt[-1]  # nothing moved after
    assert out.getvalue() == (
        "interrupted (Ctrl-C) in epoch 2 of 5, after 6 steps: the model keeps its last whole "
        "step, and the history its 1 finished epochs (history.interrupted is True)\n"
    )
    clean = nn.MLP(2, [4, 1], seed=0)
    reference = nn.fit(clean, X, y, loss="mse", optimizer=nn.SGD(clean.parameters(), lr=0.05),
                       epochs=1, batch_size=1, engine=engine, log_every=0)  # fmt: skip
    assert history.loss == reference.loss and reference.interrupted is False


def test_ctrl_c_in_a_callback_keeps_the_epoch_it_finished():
    X, y = nn.data.xor()

    def callback(epoch, history):
        if epoch == 2:
            raise KeyboardInterrupt

    model = nn.MLP(2, [2, 1], seed=0)
    out = io.StringIO()
    history = _fit_catching_ctrl_c(model, X, y, loss="bce", epochs=10, callback=callback,
                                   optimizer=nn.SGD(model.parameters(), lr=0.1), log_every=0,
                                   file=out)  # fmt: skip
    assert history.interrupted and history.epochs == len(history.accuracy) == 3
    assert "interrupted (Ctrl-C) in epoch 3 of 10, after 3 steps" in out.getvalue()


def test_progress_lines_every_n_epochs():
    X, y = nn.data.xor()
    out = io.StringIO()
    model = nn.MLP(2, [2, 1], seed=0)
    nn.fit(model, X, y, loss="bce", optimizer=nn.SGD(model.parameters(), lr=0.1), epochs=10,
           log_every=4, file=out)  # fmt: skip
    lines = out.getvalue().splitlines()
    assert [line.split()[1] for line in lines] == ["1/10", "5/10", "9/10", "10/10"]
    assert all("loss" in line and "accuracy" in line for line in lines)


def test_progress_bar_falls_back_to_lines_without_tqdm(monkeypatch):
    monkeypatch.setitem(sys.modules, "tqdm", None)
    monkeypatch.setitem(sys.modules, "tqdm.auto", None)
    X, y = nn.data.xor()
    out = io.StringIO()
    model = nn.MLP(2, [2, 1], seed=0)
    nn.fit(model, X, y, loss="bce", optimizer=nn.SGD(model.parameters(), lr=0.1), epochs=3,
           file=out)  # fmt: skip
    assert len(out.getvalue().splitlines()) == 3


@pytest.mark.parametrize("verbose, lines", [(0, 0), (2, 3)])
def test_verbose_0_is_silent_and_2_prints_lines_even_with_tqdm(verbose, lines, capsys):
    X, y = nn.data.xor()
    out = io.StringIO()
    model = nn.MLP(2, [2, 1], seed=0)
    nn.fit(model, X, y, loss="bce", optimizer=nn.SGD(model.parameters(), lr=0.1), epochs=3,
           file=out, verbose=verbose)  # fmt: skip
    assert len(out.getvalue().splitlines()) == lines
    assert capsys.readouterr() == ("", "")  # no bar on stderr either


@pytest.mark.parametrize(
    "kwargs, error, words",
    [
        ({"engine": "gpu"}, ValueError, "unknown engine 'gpu'.*'scalar'"),
        ({"batch_size": 0}, ValueError, "batch_size must be None"),
        ({"epochs": -1}, ValueError, "epochs must be an int"),
        ({"loss": "mae"}, ValueError, "unknown loss"),
        ({"optimizer": "sgd"}, TypeError, "nn optimizer"),
        ({"y": [1, -1]}, nn.ShapeError, "4 samples in X and 2 targets"),
        ({"loss": lambda outs, ts: 0.5}, TypeError, "the loss returned float"),
    ],
)
def test_bad_arguments_are_explained(kwargs, error, words):
    X, y = nn.data.xor(signed=True)
    model = nn.MLP(2, [2, 1], seed=0)
    args = {"loss": "hinge", "optimizer": nn.SGD(model.parameters(), lr=0.1), "epochs": 1,
            "y": y}  # fmt: skip
    args.update(kwargs)
    with pytest.raises(error, match=words):
        nn.fit(model, X, args.pop("y"), **args)


def test_an_engine_registered_in_engines_runs_each_epoch(monkeypatch):
    from nn.train import ENGINES, Epoch

    seen = []

    def counting(epoch):
        assert isinstance(epoch, Epoch)
        seen.append([len(b) for b in epoch.batches])
        return ENGINES["scalar"](epoch)

    monkeypatch.setitem(ENGINES, "counting", counting)
    X, y = nn.data.xor(signed=True)
    model = nn.MLP(2, [2, 1], seed=0)
    opt = nn.SGD(model.parameters(), lr=0.1)
    history = nn.fit(model, X, y, loss="hinge", optimizer=opt, epochs=2, batch_size=3,
                     engine="counting", log_every=0)  # fmt: skip
    assert seen == [[3, 1], [3, 1]]
    assert opt.steps == 4 and history.epochs == 2


def _diverging_run(clip_norm):
    X, y = nn.data.moons(20, seed=0, signed=True)
    model = nn.MLP(2, [16, 16, 1], seed=0)
    opt = nn.SGD(model.parameters(), lr=0.5)
    return nn.fit(model, X, y, loss="mse", optimizer=opt, epochs=15, clip_norm=clip_norm,
                  log_every=0)  # fmt: skip


def test_exploding_gradients_stop_training_with_advice_and_the_history():
    with pytest.raises(DomainError, match="training stopped in epoch .* clip_norm") as info:
        _diverging_run(clip_norm=None)
    losses = info.value.history.loss
    assert len(losses) >= 3 and losses[-1] > 1e6 * losses[0]  # it blew up, epoch by epoch


def test_gradient_clipping_tames_the_same_run():
    history = _diverging_run(clip_norm=1.0)
    assert all(math.isfinite(v) and v < 2.0 for v in history.loss)


def test_sigmoid_gradients_vanish_in_deep_nets_and_relu_ones_do_not():
    X, y = nn.data.moons(20, seed=0, signed=True)
    first = {}
    for activation in ("sigmoid", "relu"):
        model = nn.MLP(2, [8] * 6 + [1], activation=activation, init="xavier", seed=0)
        opt = nn.SGD(model.parameters(), lr=0.0)  # measure only
        history = nn.fit(model, X, y, loss="hinge", optimizer=opt, epochs=1, log_every=0)
        first[activation] = history.grad_norm["layers.0"][0]
    assert first["sigmoid"] < 0.01 * first["relu"]


def _fit_xor(**kwargs):
    X, y = nn.data.xor(signed=True)
    model = kwargs.pop("model", None) or nn.MLP(2, [2, 1], seed=0)
    args = {"loss": "hinge", "optimizer": nn.SGD(model.parameters(), lr=0.1), "epochs": 1,
            "log_every": 0, "X": X, "y": y}  # fmt: skip
    args.update(kwargs)
    return nn.fit(model, args.pop("X"), args.pop("y"), **args)


@pytest.mark.parametrize(
    "kwargs, error, message",
    [
        ({"epochs": 0}, ValueError,
         "epochs must be an int >= 1, got 0: fit with no epochs trains nothing and returns "
         "an empty history. Pass e.g. epochs=100"),
        ({"batch_size": 5}, ValueError,
         "batch_size=5 is larger than the 4 samples: a batch cannot hold more samples "
         "than there are. Pass batch_size=None for full-batch training, or at most 4"),
        ({"log_every": "2"}, ValueError,
         "log_every must be None or an int >= 0, got '2': it is the number of epochs "
         "between progress lines. Pass e.g. log_every=10, or 0 for no lines"),
        ({"log_every": -1}, ValueError,
         "log_every must be None or an int >= 0, got -1: it is the number of epochs "
         "between progress lines. Pass e.g. log_every=10, or 0 for no lines"),
        ({"l2": -1e-4}, ValueError,
         "l2 must be a finite number >= 0, got -0.0001: it is the weight of the penalty "
         "l2 * sum(p**2), and a negative one rewards large weights. Pass e.g. l2=1e-4, "
         "or 0 for none"),
        ({"l2": "1e-4"}, ValueError,
         "l2 must be a finite number >= 0, got '1e-4': it is the weight of the penalty "
         "l2 * sum(p**2), and a negative one rewards large weights. Pass e.g. l2=1e-4, "
         "or 0 for none"),
        ({"callback": 3}, TypeError,
         "callback must be a function callback(epoch, history), got int 3: fit calls it "
         "after every epoch. Pass a function, or None"),
        ({"X": None}, TypeError,
         "fit got X = None: X holds the samples, one row of numbers per sample. "
         "Pass a list of rows or a numpy array"),
        ({"y": None}, TypeError,
         "fit got y = None: y holds one target per sample. Pass a list or a numpy array"),
        ({"X": [["a", "b"]] * 4}, TypeError,
         "fit got X[0][0] = 'a' (str): every input must be a number. Convert X to "
         "numbers, e.g. np.asarray(X, dtype=float)"),
        ({"X": [[0.0, 0.0], [0.0, float("nan")], [1.0, 0.0], [1.0, 1.0]]}, ValueError,
         "fit got X[1][1] = nan: a NaN or infinite input makes the outputs and gradients "
         "NaN. Drop or fill those samples before training"),
        ({"loss": "mse", "y": [1.0, float("inf"), 0.0, 1.0]}, ValueError,
         "fit got y[1] = inf: a NaN or infinite target makes the loss and gradients NaN. "
         "Drop or fill those samples before training"),
    ],
)  # fmt: skip
def test_bad_fit_arguments_name_the_value_and_the_way_out(kwargs, error, message):
    with pytest.raises(error) as info:
        _fit_xor(**kwargs)
    assert str(info.value) == message


def test_an_optimizer_built_for_another_model_is_refused():
    other = nn.MLP(2, [3, 1], seed=0)
    with pytest.raises(ValueError) as info:
        _fit_xor(optimizer=nn.SGD(other.parameters(), lr=0.1))
    assert str(info.value) == (
        "the optimizer updates none of this MLP's 9 parameters: it was built with another "
        "model's, so training would change nothing. Build it from this model: "
        "nn.SGD(model.parameters(), ...)"
    )


def test_a_plain_list_of_numbers_is_one_feature_per_sample():
    X, y, w, b = nn.data.linear_regression(20, features=1, noise=0.0, seed=0, return_coef=True)
    model = nn.MLP(1, [1], seed=0)
    history = nn.fit(model, X[:, 0].tolist(), y, loss="mse", epochs=300, log_every=0,
                     optimizer=nn.SGD(model.parameters(), lr=0.3))  # fmt: skip
    weight, bias = (p.data for p in model.parameters())
    assert history.loss[-1] < 1e-12
    assert math.isclose(weight, w[0], rel_tol=1e-6) and math.isclose(bias, b, rel_tol=1e-6)


def test_by_default_a_tqdm_bar_shows_progress_when_tqdm_is_installed(monkeypatch):
    import types

    bars = []

    class FakeBar:
        def __init__(self, total, unit, file):
            self.total, self.unit, self.n, self.postfix, self.closed = total, unit, 0, [], False
            bars.append(self)

        def update(self, k):
            self.n += k

        def set_postfix_str(self, text):
            self.postfix.append(text)

        def close(self):
            self.closed = True

    auto = types.ModuleType("tqdm.auto")
    auto.tqdm = FakeBar
    monkeypatch.setitem(sys.modules, "tqdm", types.ModuleType("tqdm"))
    monkeypatch.setitem(sys.modules, "tqdm.auto", auto)
    X, y = nn.data.xor()
    out = io.StringIO()
    model = nn.MLP(2, [2, 1], seed=0)
    history = nn.fit(model, X, y, loss="bce", optimizer=nn.SGD(model.parameters(), lr=0.1),
                     epochs=3, file=out)  # fmt: skip
    [bar] = bars
    assert (bar.total, bar.unit, bar.n, bar.closed) == (3, "epoch", 3, True)
    assert bar.postfix[-1] == (
        f"loss {history.loss[-1]:.6f}  accuracy {100 * history.accuracy[-1]:.1f}%  lr 0.1"
    )
    assert out.getvalue() == ""  # the bar replaces the lines


# -- validation, early stopping, evaluate ---------------------------------------


def _moons_split():
    X, y = nn.data.moons(40, noise=0.2, seed=0, signed=True)
    return nn.data.split(X, y, validation=0.25, seed=0)


@pytest.mark.parametrize("engine", ["scalar", "batched"])
def test_validation_scores_each_epoch_in_eval_mode(engine):
    X, y, X_val, y_val = _moons_split()
    model = nn.MLP(2, [8, 8, 1], seed=0, dropout=0.5)
    by_hand = []

    def callback(epoch, history):
        # After fit's scoring, nothing has moved: score again by hand, dropout off.
        model.eval()
        outputs = [model(x) for x in X_val.tolist()]
        model.train()
        right = sum((o.data > 0) == (t > 0) for o, t in zip(outputs, y_val.tolist()))
        by_hand.append((nn.hinge(outputs, y_val.tolist()).data, right / len(y_val)))

    history = nn.fit(model, X, y, loss="hinge", optimizer=nn.SGD(model.parameters(), lr=0.1),
                     epochs=5, validation=(X_val, y_val), callback=callback, engine=engine,
                     verbose=0)  # fmt: skip
    assert len(history.val_loss) == len(history.val_accuracy) == 5
    for (loss, accuracy), v_loss, v_acc in zip(by_hand, history.val_loss, history.val_accuracy):
        assert math.isclose(loss, v_loss, rel_tol=1e-12) and accuracy == v_acc
    assert history.best_epoch is None and not history.stopped_early


def test_fit_trains_in_training_mode_and_leaves_every_mode_as_it_was():
    X, y, X_val, y_val = _moons_split()
    runs = {}
    for p in (0.0, 0.5):
        model = nn.MLP(2, [8, 8, 1], seed=0, dropout=p)
        model.eval()
        if model.dropouts:
            model.dropouts[0].train()  # a mixed state, to be kept
        before = [(name, m.training) for name, m in model.named_modules()]
        runs[p] = nn.fit(model, X, y, loss="hinge", epochs=2, validation=(X_val, y_val),
                         optimizer=nn.SGD(model.parameters(), lr=0.1), verbose=0)  # fmt: skip
        assert [(name, m.training) for name, m in model.named_modules()] == before
    # The first epoch's loss is measured before any step: dropout alone changes it.
    assert runs[0.5].loss[0] != runs[0.0].loss[0]
    assert runs[0.5].val_loss[0] != runs[0.0].val_loss[0]  # the weights moved differently


def _flipped_validation(engine, epochs, patience):
    """Validation labels opposite to training: the validation loss rises as training works."""
    X, y = nn.data.moons(30, noise=0.1, seed=0, signed=True)
    model = nn.MLP(2, [8, 1], seed=0)
    weights = []
    history = nn.fit(model, X, y, loss="hinge", optimizer=nn.SGD(model.parameters(), lr=0.2),
                     epochs=epochs, validation=(X, -y), early_stopping=patience, engine=engine,
                     callback=lambda epoch, h: weights.append(model.state_dict()),
                     verbose=0)  # fmt: skip
    return model, history, weights


@pytest.mark.parametrize("engine", ["scalar", "batched"])
def test_early_stopping_stops_after_patience_epochs_and_restores_the_best(engine):
    model, history, weights = _flipped_validation(engine, epochs=50, patience=3)
    best = history.val_loss.index(min(history.val_loss))
    assert history.stopped_early and history.best_epoch == best
    assert history.epochs == best + 3 + 1  # the best epoch, then 3 without improvement
    assert all(v >= history.val_loss[best] for v in history.val_loss[best + 1 :])
    assert model.state_dict() == weights[best] != weights[-1]


def test_early_stopping_restores_the_best_also_when_the_epochs_run_out():
    model, history, weights = _flipped_validation("scalar", epochs=3, patience=10)
    assert not history.stopped_early and history.epochs == 3
    assert model.state_dict() == weights[history.best_epoch]


def test_early_stopping_says_so_in_the_progress_lines():
    X, y = nn.data.moons(30, noise=0.1, seed=0, signed=True)
    model = nn.MLP(2, [8, 1], seed=0)
    out = io.StringIO()
    h = nn.fit(model, X, y, loss="hinge", optimizer=nn.SGD(model.parameters(), lr=0.2),
               epochs=50, validation=(X, -y), early_stopping=2, file=out, verbose=2)  # fmt: skip
    lines = out.getvalue().splitlines()
    assert "val_loss" in lines[0] and "val_accuracy" in lines[0]
    assert lines[-1] == (
        f"early stopping after epoch {h.epochs}: the validation loss was lowest in epoch "
        f"{h.best_epoch + 1} ({min(h.val_loss):.6f}), whose weights the model now holds"
    )


@pytest.mark.parametrize(
    "kwargs, error, words",
    [
        ({"early_stopping": 5}, ValueError, r"early_stopping=5 needs validation data"),
        ({"early_stopping": 0, "validation": "V"}, ValueError, "early_stopping must be None"),
        ({"validation": [[0.0, 0.0]]}, TypeError, r"validation must be a pair \(X_val, y_val\)"),
        ({"validation": ([[0.0, 0.0]], [1, 0])}, nn.ShapeError, "fit's validation got 1 sample"),
        ({"verbose": 3}, ValueError, "verbose must be 0, 1 or 2, got 3"),
    ],
)
def test_validation_options_are_checked_before_training(kwargs, error, words):
    X, y = nn.data.xor()
    model = nn.MLP(2, [2, 1], seed=0)
    before = model.state_dict()
    with pytest.raises(error, match=words):
        nn.fit(model, X, y, loss="bce", optimizer=nn.SGD(model.parameters(), lr=0.1),
               epochs=2, **kwargs)  # fmt: skip
    assert model.state_dict() == before


@pytest.mark.parametrize("engine", ["scalar", "batched"])
def test_evaluate_is_the_mean_loss_and_accuracy_in_eval_mode(engine):
    X, y = nn.data.blobs(12, centers=3, seed=0)
    model = nn.MLP(2, [6, 3], seed=0, dropout=0.5)
    score = nn.evaluate(model, X, y, loss="softmax_cross_entropy", engine=engine)
    assert model.training, "evaluate leaves the model in the mode it found"
    model.eval()
    logits = [model(x) for x in X.tolist()]
    right = sum(max(range(3), key=lambda k: z[k].data) == t for z, t in zip(logits, y.tolist()))
    expected = nn.softmax_cross_entropy(logits, y.tolist()).data
    assert math.isclose(score.loss, expected, rel_tol=1e-12)
    assert score.accuracy == right / 12
    regression = nn.evaluate(nn.MLP(2, [1], seed=0), X, y, loss="mse", engine=engine)
    assert regression.accuracy is None and regression.loss > 0


def test_a_real_tqdm_bar_goes_to_the_file_given_with_the_loss():
    pytest.importorskip("tqdm")
    X, y = nn.data.xor()
    out = io.StringIO()
    model = nn.MLP(2, [2, 1], seed=0)
    nn.fit(model, X, y, loss="bce", optimizer=nn.SGD(model.parameters(), lr=0.1), epochs=3,
           file=out)  # fmt: skip
    text = out.getvalue()
    assert "3/3" in text and "loss" in text and "epoch" in text
