"""Optimizers: hand-computed first steps, descent on a convex problem, bad settings."""

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import nn
from autograd import Value


def _steps(opt, w, grads):
    seen = []
    for g in grads:
        w.grad = g
        opt.step()
        seen.append(w.data)
    return seen


def test_sgd_plain():
    w = Value(1.0)
    assert _steps(nn.SGD([w], lr=0.1), w, [2.0, -1.0]) == [1.0 - 0.2, 0.8 + 0.1]


def test_sgd_momentum_by_hand():
    w = Value(1.0)
    got = _steps(nn.SGD([w], lr=0.1, momentum=0.9), w, [2.0, 2.0])
    v1 = 2.0
    v2 = 0.9 * v1 + 2.0
    assert got == pytest.approx([1.0 - 0.1 * v1, 1.0 - 0.1 * v1 - 0.1 * v2], abs=1e-15)


def test_sgd_nesterov_by_hand():
    w = Value(1.0)
    got = _steps(nn.SGD([w], lr=0.1, momentum=0.9, nesterov=True), w, [2.0, 2.0])
    v1 = 2.0
    v2 = 0.9 * v1 + 2.0
    w1 = 1.0 - 0.1 * (2.0 + 0.9 * v1)
    w2 = w1 - 0.1 * (2.0 + 0.9 * v2)
    assert got == pytest.approx([w1, w2], abs=1e-15)


def test_rmsprop_by_hand():
    w = Value(1.0)
    got = _steps(nn.RMSProp([w], lr=0.01, alpha=0.9, eps=1e-8), w, [2.0, 1.0])
    s1 = 0.1 * 4.0
    w1 = 1.0 - 0.01 * 2.0 / (math.sqrt(s1) + 1e-8)
    s2 = 0.9 * s1 + 0.1 * 1.0
    w2 = w1 - 0.01 * 1.0 / (math.sqrt(s2) + 1e-8)
    assert got == pytest.approx([w1, w2], abs=1e-15)


def test_adam_by_hand():
    w = Value(1.0)
    got = _steps(nn.Adam([w], lr=0.1, betas=(0.9, 0.999), eps=1e-8), w, [5.0, -1.0])
    m1, v1 = 0.1 * 5.0, 0.001 * 25.0
    w1 = 1.0 - 0.1 * (m1 / 0.1) / (math.sqrt(v1 / 0.001) + 1e-8)
    m2, v2 = 0.9 * m1 + 0.1 * -1.0, 0.999 * v1 + 0.001 * 1.0
    w2 = w1 - 0.1 * (m2 / (1 - 0.9**2)) / (math.sqrt(v2 / (1 - 0.999**2)) + 1e-8)
    assert got == pytest.approx([w1, w2], abs=1e-15)
    assert w1 == pytest.approx(0.9)  # Adam's first step is lr * sign(g)


def _quadratic(w):
    # Convex: f(w) = (w0 - 3)**2 + 2 (w1 + 1)**2 + 0.5 w0 w1, minimum inside.
    return (w[0] - 3) ** 2 + 2 * (w[1] + 1) ** 2 + 0.5 * w[0] * w[1]


@pytest.mark.parametrize(
    "make",
    [
        lambda ps: nn.SGD(ps, lr=0.05),
        lambda ps: nn.SGD(ps, lr=0.05, momentum=0.9),
        lambda ps: nn.SGD(ps, lr=0.05, momentum=0.9, nesterov=True),
        lambda ps: nn.RMSProp(ps, lr=0.05),
        lambda ps: nn.Adam(ps, lr=0.1),
    ],
)
def test_every_optimizer_decreases_a_convex_loss(make):
    w = [Value(-2.0), Value(4.0)]
    opt = make(w)
    losses = []
    for _ in range(200):
        loss = _quadratic(w)
        losses.append(loss.data)
        opt.zero_grad()
        loss.backward()
        opt.step()
    lowest = _quadratic([Value(104 / 31), Value(-44 / 31)]).data  # where the gradient is 0
    assert losses[-1] - lowest < 0.01 * (losses[0] - lowest)
    assert opt.steps == 200


def test_learning_rate_schedule_is_read_each_step():
    w = Value(0.0)
    opt = nn.SGD([w], lr=nn.LinearDecay(1.0, 0.1, 100))
    lrs = []
    for _ in range(3):
        lrs.append(opt.lr)
        w.grad = 1.0
        opt.step()
    assert lrs == [1.0 - 0.9 * k / 100 for k in range(3)]
    assert w.data == -sum(lrs)
    opt2 = nn.SGD([Value(0.0)], lr=lambda k: 1.0 / (k + 1))
    opt2.step()
    assert opt2.lr == 0.5


def test_zero_grad():
    w = [Value(1.0), Value(2.0)]
    for p in w:
        p.grad = 3.0
    nn.Adam(w).zero_grad()
    assert [p.grad for p in w] == [0.0, 0.0]


@pytest.mark.parametrize(
    "make, words",
    [
        (lambda: nn.SGD([], lr=0.1), "no parameters"),
        (lambda: nn.SGD([1.0], lr=0.1), "it updates Values"),
        (lambda: nn.SGD([Value(1.0)], lr=-1), "lr must be"),
        (lambda: nn.SGD([Value(1.0)], lr=0.1, momentum=1.5), "momentum must be in"),
        (lambda: nn.SGD([Value(1.0)], lr=0.1, nesterov=True), "needs momentum"),
        (lambda: nn.Adam([Value(1.0)], betas=(0.9, 1.0)), "betas\\[1\\] must be in"),
        (lambda: nn.RMSProp([Value(1.0)], eps=0), "eps must be"),
    ],
)
def test_bad_settings_are_explained(make, words):
    with pytest.raises((ValueError, TypeError), match=words):
        make()


@pytest.mark.parametrize(
    "make, error, message",
    [
        (lambda: nn.Adam([Value(1.0)], betas=0.9), ValueError,
         "betas must be a pair (b1, b2), got 0.9: b1 averages the gradients and b2 their "
         "squares. Pass e.g. betas=(0.9, 0.999)"),
        (lambda: nn.SGD(nn.MLP(2, [1], seed=0), lr=0.1), TypeError,
         "SGD got the MLP itself, where its parameters go: it works on each parameter's "
         "Value. Pass model.parameters()"),
        (lambda: nn.SGD([Value(1.0)], lr=math.inf), ValueError,
         "lr must be a finite number >= 0 or a schedule, got inf: it scales every update. "
         "Typical values are 0.001 (Adam) to 1 (micrograd's SGD)"),
    ],
)  # fmt: skip
def test_bad_construction_names_the_value(make, error, message):
    with pytest.raises(error) as info:
        make()
    assert str(info.value) == message


@pytest.mark.parametrize(
    "schedule, shown",
    [(lambda k: -0.5, "-0.5"), (lambda k: math.nan, "nan"), (lambda k: "fast", "'fast'")],
)
def test_a_schedule_giving_a_bad_learning_rate_stops_the_step(schedule, shown):
    w = Value(1.0)
    w.grad = 2.0
    opt = nn.SGD([w], lr=schedule)
    with pytest.raises(ValueError) as info:
        opt.step()
    assert str(info.value) == (
        f"the learning-rate schedule gave {shown} at step 0; a learning rate is a finite "
        "number >= 0 (a negative one climbs the loss). Fix the schedule, or use one of "
        "nn.Constant, StepDecay, LinearDecay, Cosine"
    )
    assert w.data == 1.0 and opt.steps == 0


class _Tripwire(Value):
    """A parameter whose .data raises KeyboardInterrupt once, on read or write: Ctrl-C there."""

    __slots__ = ("trip",)

    @property
    def data(self):
        if getattr(self, "trip", None) == "read":
            self.trip = None
            raise KeyboardInterrupt
        return Value.data.__get__(self)

    @data.setter
    def data(self, value):
        if getattr(self, "trip", None) == "write":
            self.trip = None
            raise KeyboardInterrupt
        Value.data.__set__(self, value)


OPTIMIZERS = {
    "SGD": lambda ps: nn.SGD(ps, lr=0.1),
    "SGD momentum": lambda ps: nn.SGD(ps, lr=0.1, momentum=0.9),
    "SGD nesterov": lambda ps: nn.SGD(ps, lr=0.1, momentum=0.9, nesterov=True),
    "RMSProp": lambda ps: nn.RMSProp(ps, lr=0.1),
    "Adam": lambda ps: nn.Adam(ps, lr=0.1),
}


def _snapshot(opt):
    """Everything a step changes: the weights, the step count and the optimizer's averages."""
    averages = [
        list(getattr(opt, n)) for n in ("velocity", "square_avg", "m", "v") if hasattr(opt, n)
    ]
    return [p.data for p in opt.params], opt.steps, averages


def _interrupted_and_twin(make, trip):
    """An optimizer whose 2nd step meets Ctrl-C at parameter 2 (on `trip`), and a twin's state."""
    params = [Value(1.0), Value(-2.0), _Tripwire(3.0), Value(0.5)]
    twin = [Value(p.data) for p in params]
    opt, twin_opt = make(params), make(twin)
    for step, grads in enumerate(([0.3, -1.0, 2.0, 0.1], [-0.7, 0.4, 1.5, -2.0])):
        for p, q, g in zip(params, twin, grads):
            p.grad = q.grad = g
        before = _snapshot(opt)
        if step == 1:
            params[2].trip = trip
            with pytest.raises(KeyboardInterrupt):
                opt.step()
        else:
            opt.step()
        twin_opt.step()
    return opt, before, _snapshot(twin_opt)


@pytest.mark.parametrize("make", OPTIMIZERS.values(), ids=OPTIMIZERS.keys())
def test_ctrl_c_while_a_step_computes_moves_nothing(make):
    opt, before, _ = _interrupted_and_twin(make, "read")
    assert _snapshot(opt) == before
    assert opt.steps == 1


@pytest.mark.parametrize("make", OPTIMIZERS.values(), ids=OPTIMIZERS.keys())
def test_ctrl_c_while_a_step_assigns_finishes_the_step(make):
    opt, before, after = _interrupted_and_twin(make, "write")
    assert _snapshot(opt) == after != before
    assert opt.steps == 2


# -- the vector step is the per-parameter formula, to the last bit -------------------------


def _by_hand(name, opt, weights, grads, state):
    """One step of each rule written one parameter at a time, in Python floats."""
    lr, t = opt.lr, opt.steps + 1
    if name.startswith("SGD"):
        mu = opt.momentum
        if not mu:
            return [w - lr * g for w, g in zip(weights, grads)], state
        v = [mu * vi + g for vi, g in zip(state[0], grads)]
        moves = [g + mu * vi for g, vi in zip(grads, v)] if opt.nesterov else v
        return [w - lr * m for w, m in zip(weights, moves)], [v]
    if name == "RMSProp":
        a, eps = opt.alpha, opt.eps
        s = [a * si + (1 - a) * g * g for si, g in zip(state[0], grads)]
        return [w - lr * g / (math.sqrt(si) + eps) for w, g, si in zip(weights, grads, s)], [s]
    (b1, b2), eps = opt.betas, opt.eps
    c1, c2 = 1 - b1**t, 1 - b2**t
    m = [b1 * mi + (1 - b1) * g for mi, g in zip(state[0], grads)]
    v = [b2 * vi + (1 - b2) * g * g for vi, g in zip(state[1], grads)]
    moved = [w - lr * (mi / c1) / (math.sqrt(vi / c2) + eps) for w, mi, vi in zip(weights, m, v)]
    return moved, [m, v]


NUMBERS = st.floats(-1e3, 1e3, allow_nan=False)


@pytest.mark.parametrize("name", list(OPTIMIZERS))
@settings(max_examples=40, deadline=None)
@given(
    start=st.lists(NUMBERS, min_size=1, max_size=6),
    grads=st.lists(st.lists(NUMBERS, min_size=6, max_size=6), min_size=1, max_size=3),
)
def test_each_step_is_the_per_parameter_formula_exactly(name, start, grads):
    params = [Value(w) for w in start]
    opt = OPTIMIZERS[name](params)
    names = [n for n in ("velocity", "square_avg", "m", "v") if hasattr(opt, n)]
    weights, state = list(start), [[0.0] * len(start) for _ in names]
    for step in grads:
        g = step[: len(start)]
        weights, state = _by_hand(name, opt, weights, g, state)
        for p, gi in zip(params, g):
            p.grad = gi
        opt.step()
        assert [p.data for p in params] == weights  # equal, not close
        assert [list(getattr(opt, n)) for n in names] == state
        assert all(type(p.data) is float for p in params)


def test_a_gradient_made_with_create_graph_steps_by_its_number():
    w = Value(1.0)
    w.grad = Value(2.0)  # what backward(create_graph=True) leaves
    nn.SGD([w], lr=0.1).step()
    assert w.data == 1.0 - 0.1 * 2.0
