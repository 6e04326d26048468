"""fit's batched engine: the model recorded once as a tape, replayed on each batch.

The scalar engine builds the model's graph again for every sample. Here the
graph of the model on one sample is recorded once (autograd.trace), with the
model's parameters as the tape's parameters, and each batch runs as one numpy
operation per node of that graph (autograd/trace.py).

The loss is still computed with Values, from the batch's outputs. A loss may
bake numbers read from its inputs into its graph (hinge's label, the max that
softmax_cross_entropy subtracts), which a tape of the per-sample loss could not
replay; running it on the outputs works for every loss, custom ones included,
and costs a few nodes per sample.

The outputs reach the loss as Values wired to the tape: once backward() has
given each of them its gradient, a hook pulls those gradients back through the
tape into every parameter's .grad. So fit's own step (the l2 penalty,
zero_grad, clipping, the optimizer) runs unchanged, and the training curve is
the scalar engine's up to rounding.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable
from typing import Any

import numpy as np

from autograd import Tape, Value, trace
from nn.module import Module

__all__ = ["batched_epoch", "model_tape"]

_TAPES: weakref.WeakKeyDictionary[Module, Tape] = weakref.WeakKeyDictionary()


def model_tape(model: Module, n_features: int) -> Tape:
    """The tape of model([x_0, ..., x_{n-1}]) on one sample, recorded once per model."""
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
            return owner()(list(x))

        tape = trace(model_of_one_sample, n_features, params=params)
        _TAPES[model] = tape
    return tape


def batched_epoch(
    model: Module,
    rows: list[list[float]],
    targets: list[Any],
    batches: list[list[int]],
    loss_fn: Callable[[Any, Any], Value],
    step: Callable[[Value], float],
) -> tuple[list[float], list[Any]]:
    """One epoch on the tape: (each batch's loss, each sample's output), as the scalar engine."""
    X = np.asarray(rows, dtype=float)
    if X.ndim != 2:
        raise ValueError(
            f"engine='batched' needs every sample to have the same number of features, got "
            f"rows of lengths {sorted({len(r) for r in rows})[:5]}; pad the samples, or use "
            "engine='scalar'"
        )
    tape = model_tape(model, X.shape[1])
    params = list(tape.params)
    losses = []
    outputs: list[Any] = [None] * len(rows)
    for batch in batches:
        columns = [X[batch, j] for j in range(X.shape[1])]
        result, pullback = tape.vjp(*columns)
        several = isinstance(result, tuple)
        arrays = result if several else (result,)
        values, leaves = _wired(arrays, params, pullback, several)
        if not several:
            values = [v[0] for v in values]
        losses.append(step(loss_fn(values, [targets[i] for i in batch])))
        for position, i in enumerate(batch):
            out = [float(a[position]) for a in arrays]
            outputs[i] = out if several else out[0]
    return losses, outputs


def _wired(
    arrays: tuple[np.ndarray, ...],
    params: list[Value],
    pullback: Callable[..., Any],
    several: bool,
) -> tuple[list[list[Value]], list[list[Value]]]:
    """Per sample, the outputs as Values whose gradients backward() hands to the tape.

    Every output is leaf + junction, where junction is a node worth 0.0 made
    first. backward() visits a node after everything computed from it, so the
    junction comes after every output, when each leaf's .grad is complete: its
    hook pulls those gradients back through the tape into the parameters.
    """
    junction = Value(0.0) * 1.0
    leaves = [[Value(float(x)) for x in a] for a in arrays]

    def pull_back_through_tape(_: Any) -> None:
        weights = [np.array([leaf.grad for leaf in column]) for column in leaves]
        grads = pullback(tuple(weights) if several else weights[0], wrt=params)
        for p, g in zip(params, grads):
            p.grad += g

    junction.register_hook(pull_back_through_tape)
    per_sample = [[leaf + junction for leaf in sample] for sample in zip(*leaves)]
    return per_sample, leaves
