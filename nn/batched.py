"""fit's batched engine: the model recorded once as a tape, replayed on each batch.

The scalar engine builds the model's graph again for every sample. Here the
graph of the model on one sample is recorded once (autograd.trace), with the
model's parameters as the tape's parameters, and each batch runs as one numpy
operation per node of that graph (autograd/trace.py).

The loss is still computed with Values, from the batch's outputs. A loss may
bake numbers read from its inputs into its graph (hinge's label, the max that
softmax_cross_entropy subtracts), which a tape of the per-sample loss could not
replay; running it on the outputs works for every loss, custom ones included,
and costs a few nodes per sample. backward() on that small graph gives each
output its gradient; the tape carries those back through the model (a
vector-Jacobian product, Tape.vjp) into every parameter's .grad. The l2
penalty, clipping and the optimizer then run as for the scalar engine, and the
training curve is the scalar engine's up to rounding.

A tape cannot draw random numbers either: it would replay the dropout masks
it recorded. So for a model with Dropout layers in training mode, each mask is
one more input of the tape (nn/dropout.py's MaskFeed), and every batch draws
its masks with each layer's generator in the order the scalar engine draws
them, sample by sample: both engines train it to the same numbers.

A Python `if` on a value cannot be replayed: the tape would run the branch it
recorded for every sample. So every batch records the model again at a few of
its samples (one at random, and any beyond the range of those checked before)
with the parameters as they are now, and a different graph raises TraceError
(autograd/trace.py).

Each row of the tape costs one numpy call whatever the batch's size, and each
batch records the model again for the check, so tiny batches gain nothing: on
micrograd's demo model and 100 points an epoch took 3 ms full batch, 14 ms in
batches of 16, 47 ms in batches of 4 and 189 ms with batch_size=1, where the
scalar engine takes 37 ms (measured 2026-11-24; fit's default engine is 'scalar').
"""

from __future__ import annotations

import weakref
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from autograd import Tape, Value, no_grad, trace
from nn.dropout import Dropout, MaskFeed, feeding
from nn.errors import ShapeError
from nn.losses import l2 as l2_penalty
from nn.module import Module

if TYPE_CHECKING:
    from nn.train import Epoch

__all__ = ["batched_epoch", "batched_outputs", "model_tape", "dropout_plan", "draw_masks"]

Plan = list[tuple[Dropout, int]]
"""(Dropout layer, how many masks it takes), in the order a model takes them on one sample."""

_TAPES: weakref.WeakKeyDictionary[Module, Tape] = weakref.WeakKeyDictionary()
_MASKED: weakref.WeakKeyDictionary[Module, tuple[Tape, Plan]] = weakref.WeakKeyDictionary()
_PLANS: weakref.WeakKeyDictionary[Module, dict[bool, Plan]] = weakref.WeakKeyDictionary()
"""Per model, its dropout plan in training mode (True) and in evaluation mode (False)."""


def model_tape(model: Module, n_features: int, plan: Plan = ()) -> Tape:
    """The tape of model([x_0, ..., x_{n-1}]) on one sample, recorded once per model and fit().

    With a dropout plan (training mode), the masks it lists are further inputs,
    after the features; such a tape is kept apart from the one without masks.
    """
    params = model.parameters()
    plan = list(plan)
    n_masks = sum(n for _, n in plan)
    if plan:
        tape, recorded_plan = _MASKED.get(model, (None, []))
        if not _same_plan(plan, recorded_plan):
            tape = None
    else:
        tape = _TAPES.get(model)
    if (
        tape is None
        or tape.n_inputs != n_features + n_masks
        or len(tape.params) != len(params)
        or any(a is not b for a, b in zip(tape.params, params))
    ):
        owner = weakref.ref(model)  # the tape must not keep its model (the cache's key) alive

        def model_of_one_sample(*x: Value) -> Any:
            masks = MaskFeed(x[n_features:]) if n_masks else None
            return _on_values(owner(), x[:n_features], masks)

        tape = trace(model_of_one_sample, n_features + n_masks, params=params, check="always")
        if plan:
            _MASKED[model] = (tape, plan)
        else:
            _TAPES[model] = tape
    return tape


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


def _same_plan(one: Plan, other: Plan) -> bool:
    return len(one) == len(other) and all(
        a is b and m == n for (a, m), (b, n) in zip(one, other, strict=True)
    )


def dropout_plan(model: Module, example: Any) -> Plan:
    """Which Dropout layers take how many masks when model runs on `example`, in its mode now.

    Empty in evaluation mode, and for a model without dropout. Draws no random numbers.
    """
    feed = MaskFeed()
    with no_grad():
        _on_values(model, [Value(x) for x in example], feed)
    return feed.plan


def draw_masks(plan: Plan, n: int) -> list[np.ndarray]:
    """The masks of n samples, one array per mask input of the tape.

    Sample by sample, each layer draws its masks in the plan's order: the order
    in which the scalar engine, running the model on each sample, draws them.
    """
    if not plan:
        return []
    rows = [[m for layer, k in plan for m in layer.masks(k)] for _ in range(n)]
    return list(np.array(rows, dtype=float).T)


def _tape_now(model: Module, X: np.ndarray, first: bool) -> tuple[Tape, Plan]:
    """The model's tape for its mode now, and its dropout plan.

    `first` is a new fit() or evaluate() call: the model may have changed since
    its tape was recorded, so the plan is found again, and a tape the model no
    longer makes (the user changed something the graph bakes in, a scale, a
    slope) is recorded afresh; the tape's checks then guard this call as before.
    """
    # Keyed by the model's own flag: fit and evaluate set every module's alike, and
    # a first call (a new fit or evaluate) finds the plan again whatever the modes.
    plans = _PLANS.setdefault(model, {})
    plan = plans.get(model.training)
    if first or plan is None:
        plan = plans[model.training] = dropout_plan(model, X[0])
    n_masks = sum(n for _, n in plan)
    cached = _MASKED.get(model, (None, []))[0] if plan else _TAPES.get(model)
    if first and cached is not None and not cached.same_graph_at(*X[0], *[1.0] * n_masks):
        del (_MASKED if plan else _TAPES)[model]
    return model_tape(model, X.shape[1], plan), plan


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


def batched_epoch(epoch: Epoch) -> tuple[list[float], list[Any]]:
    """One epoch on the tape: (each batch's loss with its penalty, each sample's output)."""
    X = _matrix(epoch.model, epoch.rows)
    tape, plan = _tape_now(epoch.model, X, epoch.first)
    model_params = list(tape.params)
    losses = []
    outputs: list[Any] = [None] * len(epoch.rows)
    for batch in epoch.batches:
        columns = [X[batch, j] for j in range(X.shape[1])] + draw_masks(plan, len(batch))
        result, pullback = tape.vjp(*columns)
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
        if epoch.l2:
            total = total + l2_penalty(epoch.params, epoch.l2)
        for p in epoch.params:
            p.grad = 0.0
        total.backward()  # the outputs' gradients, and the penalty's
        weights = [np.array([leaf.grad for leaf in column]) for column in leaves]
        grads = pullback(tuple(weights) if several else weights[0], wrt=model_params)
        for p, g in zip(model_params, grads):
            p.grad += g
        epoch.update()
        losses.append(total.data)
        for i, out in zip(batch, _per_sample(arrays, several), strict=True):
            outputs[i] = out
    return losses, outputs


def batched_outputs(model: Module, rows: list[list[float]], first: bool = True) -> list[Any]:
    """Every sample's output (a float, or a list of floats), the model replayed on its tape.

    The model runs in its mode now; in training mode its Dropout layers draw
    masks as in batched_epoch. Nothing is differentiated.
    """
    X = _matrix(model, rows)
    tape, plan = _tape_now(model, X, first)
    result = tape(*[X[:, j] for j in range(X.shape[1])], *draw_masks(plan, len(X)))
    several = isinstance(result, tuple)
    return _per_sample(result if several else (result,), several)


def _per_sample(arrays: tuple[np.ndarray, ...], several: bool) -> list[Any]:
    """One output per sample from one array per output: a float, or a list of floats."""
    columns = [a.tolist() for a in arrays]
    return [list(sample) if several else sample[0] for sample in zip(*columns)]
