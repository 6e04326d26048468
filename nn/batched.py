"""fit's batched engine: the model and its loss recorded once as a tape, replayed on each batch.

The scalar engine builds the model's graph again for every sample. Here the
graph of one sample is recorded once (autograd.trace), with the model's
parameters as the tape's parameters, and each batch runs on it with numpy:
the tape finds the model's layers and runs each as one matrix product, its
activation as one array op (autograd/tape/). `tape.source()` shows the code.

For the losses of nn/losses.py.TERMS (mse, hinge, binary_cross_entropy) the
tape records the sample's loss term too, with the target as an input, so a
batch is one forward and one backward pass with no Value built per sample.
Any other loss (softmax_cross_entropy, which picks a logit by the target's
value, or a loss of your own) runs with Values on the batch's outputs:
backward() on that small graph gives each output its gradient, and the tape
carries those back through the model (a vector-Jacobian product, Tape.vjp).
The l2 penalty l2 * sum(p**2) and its gradient 2 * l2 * p are two operations
on the parameters as one vector; its tape (no inputs, one sum) runs only to
raise the scalar engine's error for a penalty that overflows. Clipping and
the optimizer then run as for the scalar engine, and the training curve is
the scalar engine's up to rounding.

A tape cannot draw random numbers either: it would replay the dropout masks
it recorded. So for a model with Dropout layers in training mode, each mask is
one more input of the tape (nn/dropout.py's MaskFeed), and every batch draws
its masks with each layer's generator in the order the scalar engine draws
them, sample by sample: both engines train it to the same numbers.

A Python `if` on a value cannot be replayed: the tape would run the branch it
recorded for every sample. So every batch records the model again at a few of
its samples (one at random, and any beyond the range of those checked before)
with the parameters as they are now, and a different graph raises TraceError
(autograd/tape/guard.py). A model made of nn's own layers alone (MLP, Layer,
Neuron, Dropout, unchanged: `fixed_graph`) has no such `if`, so fit checks
its tape on the first batch only; that check is most of an epoch's Python at
100 samples.

fit's default engine, 'auto', picks this one when the model's graph has
layers the tape runs as matrix products and every sample has as many
features; engine='scalar' keeps the Value-per-sample engine for teaching.
Each batch costs one replay (and, for a model of your own, one check) whatever
its size, yet even batch_size=1 is faster than the scalar engine: on micrograd's
demo model and 100 points an epoch took 60 ms of CPU against 198 ms, and 8.1 ms
against 170 ms in batches of 8 (bench/bench_batch_size.py, load 0.2, 2026-12-05).
"""

from __future__ import annotations

import math
import weakref
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from autograd import Tape, TraceError, Value, no_grad, trace
from autograd.tape import Dense
from nn.dropout import Dropout, MaskFeed, feeding
from nn.errors import ShapeError
from nn.layers import ACTIVATIONS, MLP, Layer, Neuron
from nn.losses import TERMS
from nn.losses import l2 as l2_penalty
from nn.module import Module

if TYPE_CHECKING:
    from nn.train import Epoch

__all__ = [
    "batched_epoch",
    "batched_outputs",
    "model_tape",
    "tapes",
    "suits",
    "replays",
    "dropout_plan",
    "draw_masks",
    "fixed_graph",
]

Plan = list[tuple[Dropout, int]]
"""(Dropout layer, how many masks it takes), in the order a model takes them on one sample."""

_TAPES: weakref.WeakKeyDictionary[Module, dict[Any, Tape]] = weakref.WeakKeyDictionary()
_PLANS: weakref.WeakKeyDictionary[Module, dict[bool, Plan]] = weakref.WeakKeyDictionary()
"""Per model, its dropout plan in training mode (True) and in evaluation mode (False)."""

_AS_SHIPPED = {cls: dict(vars(cls)) for cls in (Module, Neuron, Layer, MLP, Dropout)}
"""nn's own module classes as this file found them: what fixed_graph trusts."""
_ACTIVATIONS = dict(ACTIVATIONS)


def fixed_graph(modules: Sequence[Module]) -> bool:
    """Whether the model makes one graph for every sample and every parameter value.

    True when every module is one of nn's own (MLP, Layer, Neuron, Dropout), as
    shipped: their forward has no Python `if` on a value, only ops of the graph,
    so the tape's check of other examples need only run on its first batch
    (check="first"). A subclass, a forward of your own, or a class changed
    since import keeps the check on every batch (check="always").
    """
    if ACTIVATIONS != _ACTIVATIONS:  # an activation of your own put in nn's table
        return False
    if any(dict(vars(cls)) != shipped for cls, shipped in _AS_SHIPPED.items()):
        return False
    return all(type(m) in _AS_SHIPPED and "forward" not in vars(m) for m in modules)


def _check_for(epoch: Epoch) -> str:
    """The tape check for this fit() call: on the first batch only, for a fixed graph."""
    check = epoch.cache.get("check")
    if check is None:
        fixed = epoch.modules is not None and fixed_graph(epoch.modules)
        check = epoch.cache["check"] = "first" if fixed else "always"
    return check


_CHECKED: dict[Callable[..., Any], tuple[float, ...]] = {}
"""Per loss, the distinct targets it accepted last: a later fit() on them need not ask again."""


def _model_key(n_features: int, plan: Sequence[tuple[Dropout, int]]) -> Any:
    """The cache key of the model's tape: with a dropout plan, its layers and mask counts."""
    if not plan:
        return ("model", n_features)
    return ("masked", n_features, tuple((id(layer), n) for layer, n in plan))


def model_tape(
    model: Module, n_features: int, plan: Sequence[tuple[Dropout, int]] = (), check: str = "always"
) -> Tape:
    """The tape of model([x_0, ..., x_{n-1}]) on one sample, recorded once per model.

    With a dropout plan (training mode), the masks it lists are further inputs,
    after the features; such a tape is kept apart from the one without masks,
    and one with another `check` (see trace) from one that checks always.
    """
    n_masks = sum(n for _, n in plan)
    forward = _forward_of(model, n_features, n_masks)
    key = _model_key(n_features, plan)
    if check != "always":
        key = (key, check)
    record = lambda: trace(  # noqa: E731
        forward, n_features + n_masks, params=_params(model), check=check
    )
    return _cached(model, key, record)


def tapes(model: Module) -> list[Tape]:
    """The tapes kept for a model: of the model alone (with or without masks), of its loss,
    of its l2 penalty."""
    return list(_TAPES.get(model, {}).values())


def _loss_tape(
    model: Module,
    n_features: int,
    term: Callable[[Value, Any], Value],
    params: list[Value],
    check: str,
) -> Tape:
    """The tape of (term(model(x), target), model(x)) on one sample: the loss and the output."""
    forward = _forward_of(model, n_features, 0)

    def loss_of_one_sample(*inputs: Value) -> tuple[Value, Value]:
        out = forward(*inputs[:n_features])
        if not isinstance(out, Value):
            raise _NotOneOutput
        return term(out, inputs[n_features]), out

    return _cached(
        model,
        ("loss", n_features, term, check),
        lambda: trace(loss_of_one_sample, n_features + 1, params=params, check=check),
        params,
    )


def _penalty_tape(model: Module, alpha: float, params: list[Value]) -> Tape:
    """The tape of the l2 penalty alpha * sum(p**2): no inputs, one sum over the parameters."""
    owner = weakref.ref(model)

    def penalty() -> Value:
        return l2_penalty(_params(owner()), alpha)

    record = lambda: trace(penalty, 0, params=params)  # noqa: E731
    return _cached(model, ("l2", alpha), record, params)


class _NotOneOutput(Exception):
    """The model returns several outputs: its loss cannot be one term of one output."""


def _params(model: Module | None) -> list[Value]:
    return [] if model is None else model.parameters()


def _cached(
    model: Module, key: Any, record: Callable[[], Tape], params: list[Value] | None = None
) -> Tape:
    """The model's tape for `key`, recorded again if its parameters are no longer the model's."""
    tapes = _TAPES.setdefault(model, {})
    tape = tapes.get(key)
    now = tuple(model.parameters() if params is None else params)
    if tape is None or tape.params != now:  # Values compare by identity
        tape = tapes[key] = record()
    return tape


def _forward_of(model: Module, n_features: int, n_masks: int) -> Callable[..., Any]:
    """model(list(x)) as a function of one Value per feature (then per mask), for trace."""
    owner = weakref.ref(model)  # the tape must not keep its model (the cache's key) alive

    def model_of_one_sample(*x: Value) -> Any:
        masks = MaskFeed(x[n_features:]) if n_masks else None
        return _on_values(owner(), x[:n_features], masks)

    return model_of_one_sample


def _on_values(model: Module, x: Sequence[Value], masks: MaskFeed | None) -> Any:
    """model(x) on Values, as the tape records it, Dropout taking its masks from `masks`."""
    try:
        if masks is None:
            return model(list(x))
        with feeding(masks):
            return model(list(x))
    except TypeError as error:
        if "Value" not in str(error):
            raise
        raise TypeError(
            f"{type(model).__name__}.forward raised TypeError: {error}. "
            "engine='batched' records the model's graph, so forward gets each "
            "sample's features as Values, where engine='scalar' passes floats; a "
            "comparison such as `x[1] > 0` or a float(x[1]) fails on a Value. Write the "
            "choice with ops of the graph (relu, abs...), or use engine='scalar' (an "
            "`if` on x[1].data cannot be replayed either: it raises TraceError)"
        ) from error


def dropout_plan(model: Module, example: Any) -> Plan:
    """Which Dropout layers take how many masks when model runs on `example`, in its mode now.

    Empty in evaluation mode, and for a model without dropout. Draws no random numbers.
    """
    feed = MaskFeed()
    with no_grad():
        _on_values(model, [Value(float(x)) for x in example], feed)
    return feed.plan


def draw_masks(plan: Sequence[tuple[Dropout, int]], n: int) -> list[np.ndarray]:
    """The masks of n samples, one array per mask input of the tape.

    Sample by sample, each layer draws its masks in the plan's order: the order
    in which the scalar engine, running the model on each sample, draws them.
    """
    if not plan:
        return []
    rows = [[m for layer, k in plan for m in layer.masks(k)] for _ in range(n)]
    return list(np.array(rows, dtype=float).T)


def _plan_now(
    model: Module, example: Any, first: bool, modules: Sequence[Module] | None = None
) -> Plan:
    """The model's dropout plan in its mode now, found again on a new fit() or evaluate().

    Given the model's modules (fit lists them once a call), a model with no
    Dropout among them has none to plan, and is not run to find that out. (A
    Dropout kept outside the module tree, where fit does not set its mode, is
    not planned for: its random masks make the tape's check refuse the model.)
    """
    # Keyed by the model's own flag: fit and evaluate set every module's alike.
    plans = _PLANS.setdefault(model, {})
    plan = plans.get(model.training)
    if first or plan is None:
        if modules is not None and not any(isinstance(m, Dropout) for m in modules):
            plan = []
        else:
            plan = dropout_plan(model, example)
        plans[model.training] = plan
    return plan


def _matrix(model: Module, rows: list[list[float]]) -> np.ndarray:
    """The rows as an (n, d) array; rows of different lengths refused, as 'scalar' refuses them."""
    if len({len(row) for row in rows}) > 1:
        _refuse_ragged(model, rows)
    return np.asarray(rows, dtype=float)


def _refuse_ragged(model: Module, rows: list[list[float]]) -> None:
    """Raise for rows of different lengths the error the scalar engine raises for them."""
    widths: list[int] = []
    for row in rows:
        if len(row) not in widths:
            widths.append(len(row))
            model(row)  # a model made for one width raises its own ShapeError, as in 'scalar'
    raise ShapeError(
        f"engine='batched' got samples of {', '.join(map(str, widths[:5]))} features: it "
        "replays one recorded graph on every sample, so all need the same number of "
        "features. Pad the samples to one length, or use engine='scalar', which runs this "
        "model on each sample as it is"
    )


def _features(epoch: Epoch) -> np.ndarray:
    """The samples as one (n, features) array, made once per fit() call."""
    X = epoch.cache.get("features")
    if X is None:
        if epoch.features is not None:
            X = np.asarray(epoch.features, dtype=float).reshape(len(epoch.rows), -1)
        else:
            X = _matrix(epoch.model, epoch.rows)
        epoch.cache["features"] = X
    return X


def suits(epoch: Epoch) -> bool:
    """Whether engine='auto' runs this fit on the tape: the model has layers it replays whole.

    False for samples of different lengths, for a model with Dropout in training
    mode (its masks are drawn per sample: the scalar engine runs it), and for a
    model the tape cannot record or replay (a comparison on a feature, an `if`
    on a value, found by a first check over every sample): those train on the
    scalar engine. engine='batched' still trains a model with dropout, feeding
    its masks to the tape as inputs.
    """
    if "batched" not in epoch.cache:
        ragged = epoch.features is None and len({len(row) for row in epoch.rows}) > 1
        epoch.cache["batched"] = not ragged and replays(epoch.model, _features(epoch), epoch)
    return epoch.cache["batched"]


def replays(model: Module, X: np.ndarray, epoch: Epoch | None = None) -> bool:
    """Whether the tape runs model on the samples X, in its mode now, with layers it runs whole.

    False for active dropout, and for a model the tape cannot record or replay.
    Given the epoch, the dropout plan found is kept for its fit() call.
    """
    try:
        plan = _plan_now(model, X[0], True, None if epoch is None else epoch.modules)
    except (TypeError, ValueError, ArithmeticError):
        return False
    if epoch is not None:
        epoch.cache["plan"] = plan  # batched_epoch need not run the model again to find it
    if plan:
        return False
    tape = model_tape(model, X.shape[1])
    if not tape.recorded:  # once per model: later calls keep its answer
        try:
            tape(*X.T)  # records the model, and checks its graph across the samples
        except (TypeError, ValueError, ArithmeticError):  # TraceError, DomainError, ShapeError...
            del _TAPES[model]
            return False
    return any(isinstance(block, Dense) for block in tape.blocks)


def batched_epoch(epoch: Epoch) -> tuple[list[float], Any]:
    """One epoch on the tape: (each batch's loss with its penalty, each sample's output)."""
    X = _features(epoch)
    plan = epoch.cache.get("plan")
    if plan is None:
        plan = _plan_now(epoch.model, X[0], epoch.first, epoch.modules)
        epoch.cache["plan"] = plan
    penalty = _penalty_tape(epoch.model, epoch.l2, epoch.params) if epoch.l2 else None
    if plan:  # dropout in training mode: its masks are inputs, the loss runs on Values
        return _with_loss_on_values(epoch, penalty, X, plan)
    term = TERMS.get(epoch.loss)
    targets = _scalar_targets(epoch) if term is not None else None
    if targets is not None and epoch.cache.get("one output", True):
        try:
            return _with_loss_on_tape(epoch, term, penalty, X, targets)
        except _NotOneOutput:
            epoch.cache["one output"] = False  # the loss runs on Values, below
    return _with_loss_on_values(epoch, penalty, X, plan)


def _run(
    epoch: Epoch, tape: Tape, record: Callable[[], Tape], first: bool, *columns: np.ndarray
) -> tuple[Tape, Any]:
    """(the tape, tape.vjp on a batch), recorded again if a new fit() finds its graph changed.

    Between two fit() calls the user may change something the graph bakes in
    (a scale, a slope): the first batch's check then finds another graph. The
    tape is recorded afresh, before any step, and its checks guard this fit as
    they did the last; a graph that changes within a fit is refused.
    """
    try:
        return tape, tape.vjp(*columns)
    except TraceError:
        if not first:
            raise
        _TAPES.pop(epoch.model, None)
        tape = record()
        return tape, tape.vjp(*columns)


def _scalar_targets(epoch: Epoch) -> np.ndarray | None:
    """The targets as floats, checked by the loss itself; None if a sample has several."""
    targets = epoch.cache.get("targets")
    if targets is None:
        try:
            targets = np.asarray(epoch.targets, dtype=float)
        except (TypeError, ValueError):
            targets = np.empty(0)
        if targets.ndim == 1 and targets.size == len(epoch.rows):
            labels = tuple(np.unique(targets).tolist())
            if _CHECKED.get(epoch.loss) != labels:  # nn's own losses: pure functions
                epoch.loss([Value(0.0) for _ in labels], list(labels))  # raises their errors
                _CHECKED[epoch.loss] = labels
        else:
            targets = np.empty(0)  # several numbers per sample: the loss runs on Values
        epoch.cache["targets"] = targets
    return targets if targets.size else None


def _with_loss_on_tape(
    epoch: Epoch,
    term: Callable[[Value, Any], Value],
    penalty: Tape | None,
    X: np.ndarray,
    targets: np.ndarray,
) -> tuple[list[float], np.ndarray]:
    """Each batch as one pass of the tape of the sample's loss: no Value per sample."""
    params = epoch.params
    losses = []
    outputs = np.empty(len(X))
    check = _check_for(epoch)
    record = lambda: _loss_tape(epoch.model, X.shape[1], term, params, check)  # noqa: E731
    tape = record()
    for k, batch in enumerate(epoch.batches):
        rows = _rows(batch, len(X))
        first = epoch.first and k == 0
        tape, ((each, out), pullback) = _run(epoch, tape, record, first, *X[rows].T, targets[rows])
        m = len(batch)
        grads = pullback((1.0 / m, 0.0), wrt=params)  # the mean's weights; the output's: none
        total = float(each.sum()) * (1.0 / m)
        total += _set_gradients(params, grads, epoch.l2, penalty)
        epoch.update()
        losses.append(total)
        outputs[rows] = out
    return losses, outputs


def _with_loss_on_values(
    epoch: Epoch, penalty: Tape | None, X: np.ndarray, plan: Plan
) -> tuple[list[float], list[Any]]:
    """Each batch's loss built with Values from its outputs, carried back through the tape.

    With a dropout plan, every batch draws its masks, sample by sample, as the
    scalar engine draws them, and feeds them to the tape as inputs.
    """
    params = epoch.params
    losses = []
    outputs: list[Any] = [None] * len(epoch.rows)
    check = _check_for(epoch)
    record = lambda: model_tape(epoch.model, X.shape[1], plan, check)  # noqa: E731
    tape = record()
    for k, batch in enumerate(epoch.batches):
        first = epoch.first and k == 0
        rows = np.asarray(batch) if plan else _rows(batch, len(X))
        columns = [*X[rows].T, *draw_masks(plan, len(batch))]
        tape, (result, pullback) = _run(epoch, tape, record, first, *columns)
        several = isinstance(result, tuple)
        arrays = result if several else (result,)
        leaves = [[Value(x) for x in a.tolist()] for a in arrays]
        per_sample = [list(sample) if several else sample[0] for sample in zip(*leaves)]
        total = epoch.loss(per_sample, [epoch.targets[i] for i in batch])
        if not isinstance(total, Value):
            raise TypeError(
                f"the loss returned {type(total).__name__} {total!r:.40}, not a Value: fit "
                "differentiates the loss, so build it from the outputs with Value operations"
            )
        total.backward()  # the outputs' gradients
        weights = [np.array([leaf.grad for leaf in column]) for column in leaves]
        grads = pullback(tuple(weights) if several else weights[0], wrt=params)
        value = total.data + _set_gradients(params, grads, epoch.l2, penalty)
        epoch.update()
        losses.append(value)
        for i, out in zip(batch, _per_sample(arrays, several), strict=True):
            outputs[i] = out
    return losses, outputs


def _rows(batch: list[int], n: int) -> Any:
    """The batch as an index into the samples: all of them, in their order, for a full batch.

    A batch that holds every sample gives the same sums in any order, so the
    samples are read in place rather than copied.
    """
    return slice(None) if len(batch) == n else np.asarray(batch)


def _set_gradients(params: list[Value], grads: Any, l2: float, penalty: Tape | None) -> float:
    """p.grad = the batch's gradient, plus the l2 penalty's; returns the penalty.

    The penalty l2 * sum(p**2) and its gradient 2 * l2 * p are two operations on
    the parameters as one vector (the tape's own numbers: its sum, and its
    l2*p + l2*p, which doubling makes exact). Only when the penalty is not
    finite does its tape run, to raise the error the scalar engine raises.
    """
    if penalty is None:
        for p, g in zip(params, grads):
            p.grad = g
        return 0.0
    w = np.array([p.data for p in params], dtype=float)
    with np.errstate(all="ignore"):
        value = l2 * float((w * w).sum())
    if not math.isfinite(value):
        value, extra = penalty.value_and_grad(wrt=params)
        for p, g, h in zip(params, grads, extra):
            p.grad = g + h
        return float(value)
    total = np.array(grads, dtype=float) + (2.0 * l2) * w
    for p, g in zip(params, total.tolist()):
        p.grad = g
    return value


def batched_outputs(model: Module, rows: list[list[float]], first: bool = True) -> list[Any]:
    """Every sample's output (a float, or a list of floats), the model replayed on its tape.

    The model runs in its mode now; in training mode its Dropout layers draw
    masks as in batched_epoch. Nothing is differentiated. On a `first` call (a
    new fit or evaluate) a tape the model no longer makes (the user changed
    something the graph bakes in) is recorded afresh.
    """
    X = _matrix(model, rows)
    plan = _plan_now(model, X[0], first)
    if first:
        key = _model_key(X.shape[1], plan)
        cached = _TAPES.get(model, {}).get(key)
        n_masks = sum(n for _, n in plan)
        if cached is not None and not cached.same_graph_at(*X[0], *[1.0] * n_masks):
            del _TAPES[model][key]
    tape = model_tape(model, X.shape[1], plan)
    result = tape(*X.T, *draw_masks(plan, len(X)))
    several = isinstance(result, tuple)
    return _per_sample(result if several else (result,), several)


def _per_sample(arrays: tuple[np.ndarray, ...], several: bool) -> list[Any]:
    """One output per sample from one array per output: a float, or a list of floats."""
    columns = [a.tolist() for a in arrays]
    return [list(sample) if several else sample[0] for sample in zip(*columns)]
