"""fit's batched engine: the model recorded once as a tape, replayed on each batch.

The scalar engine builds the model's graph again for every sample. Here the
graph of the model on one sample is recorded once (autograd.trace), with the
model's parameters as the tape's parameters, and each batch runs as one numpy
operation per node of that graph (autograd/tape/).

The loss is still computed with Values, from the batch's outputs. A loss may
bake numbers read from its inputs into its graph (hinge's label, the max that
softmax_cross_entropy subtracts), which a tape of the per-sample loss could not
replay; running it on the outputs works for every loss, custom ones included,
and costs a few nodes per sample. backward() on that small graph gives each
output its gradient; the tape carries those back through the model (a
vector-Jacobian product, Tape.vjp) into every parameter's .grad. The l2
penalty, clipping and the optimizer then run as for the scalar engine, and the
training curve is the scalar engine's up to rounding.

A Python `if` on a value cannot be replayed: the tape would run the branch it
recorded for every sample. So every batch records the model again at a few of
its samples (one at random, and any beyond the range of those checked before)
with the parameters as they are now, and a different graph raises TraceError
(autograd/tape/guard.py).

Each row of the tape costs one numpy call whatever the batch's size, and each
batch records the model again for the check, so tiny batches gain nothing: on
micrograd's demo model and 100 points an epoch took 3 ms full batch, 14 ms in
batches of 16, 47 ms in batches of 4 and 189 ms with batch_size=1, where the
scalar engine takes 37 ms (measured 2026-11-24; fit's default engine is 'scalar').
"""

from __future__ import annotations

import weakref
from typing import TYPE_CHECKING, Any

import numpy as np

from autograd import Tape, Value, trace
from nn.errors import ShapeError
from nn.losses import l2 as l2_penalty
from nn.module import Module

if TYPE_CHECKING:
    from nn.train import Epoch

__all__ = ["batched_epoch", "model_tape"]

_TAPES: weakref.WeakKeyDictionary[Module, Tape] = weakref.WeakKeyDictionary()


def model_tape(model: Module, n_features: int) -> Tape:
    """The tape of model([x_0, ..., x_{n-1}]) on one sample, recorded once per model and fit()."""
    params = model.parameters()
    tape = _TAPES.get(model)
    if (
        tape is None
        or tape.n_inputs != n_features
        or len(tape.params) != len(params)
        or any(a is not b for a, b in zip(tape.params, params))
    ):
        owner = weakref.ref(model)  # the tape must not keep its model (the cache's key) alive

        def model_of_one_sample(*x: Value) -> Any:
            model = owner()
            try:
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

        tape = trace(model_of_one_sample, n_features, params=params, check="always")
        _TAPES[model] = tape
    return tape


def _refuse_ragged(epoch: Epoch) -> None:
    """Raise for rows of different lengths the error the scalar engine raises for them."""
    widths: list[int] = []
    for row in epoch.rows:
        if len(row) not in widths:
            widths.append(len(row))
            epoch.model(row)  # a model made for one width raises its own ShapeError, as in 'scalar'
    raise ShapeError(
        f"engine='batched' got samples of {', '.join(map(str, widths[:5]))} features: it "
        "replays one recorded graph on every sample, so all need the same number of "
        "features. Pad the samples to one length, or use engine='scalar', which runs this "
        "model on each sample as it is"
    )


def batched_epoch(epoch: Epoch) -> tuple[list[float], list[Any]]:
    """One epoch on the tape: (each batch's loss with its penalty, each sample's output)."""
    if len({len(row) for row in epoch.rows}) > 1:
        _refuse_ragged(epoch)
    X = np.asarray(epoch.rows, dtype=float)
    cached = _TAPES.get(epoch.model)
    if epoch.first and cached is not None and not cached.same_graph_at(*X[0]):
        # A new fit() call, and the model no longer makes the recorded graph: between
        # fits the user changed something the graph bakes in (a scale, a slope).
        # Record it afresh; the tape's checks then guard this fit as they did the last.
        del _TAPES[epoch.model]
    tape = model_tape(epoch.model, X.shape[1])
    model_params = list(tape.params)
    losses = []
    outputs: list[Any] = [None] * len(epoch.rows)
    for batch in epoch.batches:
        result, pullback = tape.vjp(*(X[batch, j] for j in range(X.shape[1])))
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
        for position, i in enumerate(batch):
            out = [float(a[position]) for a in arrays]
            outputs[i] = out if several else out[0]
    return losses, outputs
