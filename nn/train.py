"""fit: the training loop, written once.

Each epoch visits the samples in batches; for every batch it runs

    outputs = [model(x) for x in batch]            the forward pass
    loss = loss_fn(outputs, targets) + l2 penalty
    optimizer.zero_grad(); loss.backward()         the backward pass
    (optional gradient clipping)
    optimizer.step()                               the update

batch_size=None is full-batch gradient descent (one step per epoch, as in
micrograd's demo), 1 is stochastic gradient descent, k is mini-batch. Batches
are drawn from a shuffled order, seeded, so a run is reproducible.

The history records, per epoch: the loss (mean over the epoch's samples, each
measured before its step), the accuracy of those same outputs for a
classification loss, the learning rate, and the gradient norm of each layer
(the model's direct children, e.g. 'layers.0'), averaged over the steps.

fit trains the model in training mode (model.train(): Dropout layers drop).
With validation=(X_val, y_val), after every epoch it scores the model on data
it does not learn from, in evaluation mode (model.eval(): no dropout) and
without gradients; early_stopping=k then stops after k epochs without a lower
validation loss and puts back the weights of the best epoch. At the end each
module is in the mode it had before fit. evaluate() gives the same score for
any data.

Progress: a tqdm bar when tqdm is installed (it comes with the `plot` extra),
else a line every few epochs; verbose=2 always prints lines, verbose=0 nothing.

Ctrl-C stops training between two steps (a step is all or nothing, see
nn/optim.py): fit prints where it stopped and returns the history of the
epochs it finished, with history.interrupted set.
"""

from __future__ import annotations

import math
import numbers
import random
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TextIO

import numpy as np

from autograd import DomainError, Value, no_grad
from nn.batched import batched_epoch, batched_outputs, replays, suits
from nn.clip import clip_grad_norm
from nn.errors import ShapeError
from nn.losses import l2 as l2_penalty
from nn.losses import resolve
from nn.metrics import RULES, predict, predictions
from nn.module import Module
from nn.optim import Optimizer

__all__ = ["fit", "evaluate", "Score", "History", "Epoch", "ENGINES", "OUTPUTS"]


@dataclass
class History:
    """What happened in each epoch of fit(); list i is epoch i."""

    loss: list[float] = field(default_factory=list)
    """Mean loss over the epoch's samples (the l2 penalty included)."""
    accuracy: list[float] = field(default_factory=list)
    """Fraction right, for a classification loss; empty otherwise."""
    lr: list[float] = field(default_factory=list)
    """The learning rate of the epoch's first step."""
    grad_norm: dict[str, list[float]] = field(default_factory=dict)
    """Layer name -> the L2 norm of its parameters' gradients, mean over the epoch's steps."""
    interrupted: bool = False
    """True when Ctrl-C stopped fit(); the lists hold the epochs finished before it."""
    val_loss: list[float] = field(default_factory=list)
    """With validation=: the mean loss on the validation data after the epoch (no penalty)."""
    val_accuracy: list[float] = field(default_factory=list)
    """With validation= and a classification loss: the fraction right on the validation data."""
    best_epoch: int | None = None
    """With early_stopping=: the epoch (from 0) whose weights the model holds after fit()."""
    stopped_early: bool = False
    """True when early_stopping= ended training before the last epoch."""

    @property
    def epochs(self) -> int:
        """How many epochs have been recorded."""
        return len(self.loss)


def _rows(X: Any) -> list[list[float]]:
    """X as a list of rows of floats; a sample given as a bare number is a row of one."""
    if X is None or isinstance(X, (str, bytes)) or not hasattr(X, "__iter__"):
        raise TypeError(
            f"fit got X = {X!r:.40}: X holds the samples, one row of numbers per sample. "
            "Pass a list of rows or a numpy array"
        )
    if _numbers(X) and X.ndim in (1, 2):
        return X.reshape(len(X), -1).astype(float).tolist()  # checked at once, not one by one
    rows = X.tolist() if hasattr(X, "tolist") else list(X)
    rows = [list(r) if isinstance(r, (list, tuple)) or hasattr(r, "tolist") else [r] for r in rows]
    for i, row in enumerate(rows):
        for j, v in enumerate(row):
            if isinstance(v, Value):
                v = v.data
            if not isinstance(v, numbers.Real):
                raise TypeError(
                    f"fit got X[{i}][{j}] = {v!r:.40} ({type(v).__name__}): every input must "
                    "be a number. Convert X to numbers, e.g. np.asarray(X, dtype=float)"
                )
            row[j] = float(v)
            if not math.isfinite(row[j]):
                raise ValueError(
                    f"fit got X[{i}][{j}] = {row[j]!r}: a NaN or infinite input makes the "
                    "outputs and gradients NaN. Drop or fill those samples before training"
                )
    return rows


def _targets(y: Any) -> list[Any]:
    """y as a list, one target per sample; NaN and infinite targets refused."""
    if y is None or isinstance(y, (str, bytes)) or not hasattr(y, "__iter__"):
        raise TypeError(
            f"fit got y = {y!r:.40}: y holds one target per sample. Pass a list or a numpy array"
        )
    targets = y.tolist() if hasattr(y, "tolist") else list(y)
    if _numbers(y):
        return targets
    for i, t in enumerate(targets):
        values = t if isinstance(t, (list, tuple)) else [t]
        for v in values:
            if isinstance(v, numbers.Real) and not math.isfinite(v):
                raise ValueError(
                    f"fit got y[{i}] = {t!r}: a NaN or infinite target makes the loss and "
                    "gradients NaN. Drop or fill those samples before training"
                )
    return targets


def _numbers(a: Any) -> bool:
    """Whether a is a numpy array of finite real numbers (else the loops say which is not)."""
    return isinstance(a, np.ndarray) and a.dtype.kind in "biuf" and bool(np.isfinite(a).all())


def _groups(model: Module) -> list[tuple[str, list[Value]]]:
    # A child without parameters (a Dropout) has no gradient to show.
    groups = [(name, child.parameters()) for name, child in model.named_children()]
    groups = [(name, params) for name, params in groups if params]
    return groups or [(type(model).__name__, model.parameters())]


def _norm(params: list[Value]) -> float:
    grads = [p.grad for p in params]
    try:
        return math.hypot(*grads)  # one call in C: fit's bookkeeping on every step
    except TypeError:  # a gradient made with create_graph is a Value
        return math.hypot(*(g.data if isinstance(g, Value) else g for g in grads))


@dataclass
class Epoch:
    """What an engine gets to run one epoch; see ENGINES."""

    model: Module
    rows: list[list[float]]
    """Every sample's inputs, as floats."""
    targets: list[Any]
    """Every sample's target."""
    batches: list[list[int]]
    """The epoch's batches, as lists of sample indices, in order."""
    loss: Callable[[Any, Any], Value]
    """loss(outputs, targets) -> Value, the mean over a batch."""
    l2: float
    """Add l2 * sum(p**2) over `params` to each batch's loss (0: none)."""
    params: list[Value]
    update: Callable[[], None]
    """Call once per batch, when p.grad holds the batch's gradient: records the
    layer gradient norms, clips, and steps the optimizer."""
    first: bool = False
    """True for the first epoch of a fit() call: the model may have changed since."""
    features: Any = None
    """The samples as one float array (n, features) when X was one, else None."""
    cache: dict[str, Any] = field(default_factory=dict)
    """An engine's own notes for this fit() call, the same dict in every epoch."""
    modules: list[Module] | None = None
    """The model and every module inside, listed once per fit() call (None: not listed)."""


def _scalar_epoch(epoch: Epoch) -> tuple[list[float], list[Any]]:
    """One epoch on Values: (each batch's loss with its penalty, each sample's output)."""
    losses = []
    outputs: list[Any] = [None] * len(epoch.rows)
    model, rows, targets, params = epoch.model, epoch.rows, epoch.targets, epoch.params
    for batch in epoch.batches:
        outs = [model(rows[i]) for i in batch]
        total = _loss_value(epoch.loss(outs, [targets[i] for i in batch]))
        if epoch.l2:
            total = total + l2_penalty(params, epoch.l2)
        for p in params:
            p.grad = 0.0
        total.backward()
        epoch.update()
        losses.append(total.data)
        for i, out in zip(batch, outs, strict=True):
            outputs[i] = _plain(out)
    return losses, outputs


def _loss_value(total: Any) -> Value:
    if not isinstance(total, Value):
        raise TypeError(
            f"the loss returned {type(total).__name__} {total!r:.40}, not a Value, so "
            "there is no graph to run backward on. Build the loss from the outputs "
            "with Value operations (nn.losses has mse, hinge, cross-entropies)"
        )
    return total


def _plain(out: Any) -> Any:
    """A model's output as numbers: a float, or a list of floats for several outputs."""
    return [o.data for o in out] if isinstance(out, list) else out.data


def _scalar_outputs(model: Module, rows: list[list[float]], first: bool = True) -> list[Any]:
    """Every sample's output, the model run on each in turn, without recording a graph."""
    with no_grad():
        return [_plain(model(row)) for row in rows]


def _auto_outputs(model: Module, rows: list[list[float]], first: bool = True) -> list[Any]:
    """The outputs on the tape when it replays this model (no active dropout), else one by one."""
    if len({len(row) for row in rows}) == 1 and replays(model, np.asarray(rows, dtype=float)):
        return batched_outputs(model, rows, first)
    return _scalar_outputs(model, rows, first)


def _auto_epoch(epoch: Epoch) -> tuple[list[float], Any]:
    """'batched' when the model's graph has layers the tape runs whole, else 'scalar'."""
    return batched_epoch(epoch) if suits(epoch) else _scalar_epoch(epoch)


ENGINES: dict[str, Callable[[Epoch], tuple[list[float], Any]]] = {
    "auto": _auto_epoch,
    "scalar": _scalar_epoch,
    "batched": batched_epoch,
}
"""How an epoch is run, by name. 'scalar' builds a Value graph per sample; 'batched'
replays the model's graph, recorded once, on the whole batch with numpy (nn/batched.py);
'auto', fit's default, is 'batched' when the model's graph has layers the tape runs as
matrix products (nn.batched.suits), else 'scalar'.

An engine takes an Epoch and returns (each batch's loss, each sample's output:
a float, or a list of floats for several outputs; or all of them as one numpy
array). It must leave each batch's gradient in p.grad and call epoch.update()
once per batch, in order."""

OUTPUTS: dict[str, Callable[[Module, list[list[float]], bool], list[Any]]] = {
    "auto": _auto_outputs,
    "scalar": _scalar_outputs,
    "batched": batched_outputs,
}
"""How each engine computes the outputs alone (for evaluate and validation):
outputs(model, rows, first) -> each sample's output, in the model's mode now.
`first` is True on a new call, when the model may have changed since the last."""


@dataclass(frozen=True)
class Score:
    """How a model does on some data: evaluate()'s result."""

    loss: float
    """The mean loss over the samples (without any l2 penalty)."""
    accuracy: float | None
    """The fraction right, for a classification loss; None otherwise."""


def evaluate(
    model: Module,
    X: Any,
    y: Any,
    *,
    loss: str | Callable[[Any, Any], Value],
    engine: str = "auto",
) -> Score:
    """The model's mean loss and accuracy on (X, y), in evaluation mode and without gradients.

    Evaluation mode (model.eval()) turns dropout off; afterwards every module
    is back in the mode it had. fit(validation=...) scores with this each epoch.

    >>> import nn
    >>> X, y = nn.data.xor(signed=True)
    >>> model = nn.MLP(2, [8, 1], seed=1)
    >>> h = nn.fit(model, X, y, loss="hinge", optimizer=nn.SGD(model.parameters(), lr=0.1),
    ...            epochs=200, verbose=0)
    >>> nn.evaluate(model, X, y, loss="hinge").accuracy
    1.0
    """
    if not isinstance(model, Module):
        raise TypeError(
            f"evaluate needs an nn.Module as model, got {type(model).__name__}; "
            "build one with nn.MLP(nin, nouts)"
        )
    _check_engine(engine)
    loss_fn = resolve(loss)
    rows, targets = _samples(X, y, "evaluate")
    return _score(model, _modules(model), rows, targets, loss_fn, engine, first=True)


def _score(
    model: Module,
    modules: list[Module],
    rows: list[list[float]],
    targets: list[Any],
    loss_fn: Callable[[Any, Any], Value],
    engine: str,
    first: bool,
) -> Score:
    """evaluate(), with the model's modules listed (by _modules) once per fit."""
    modes = [module.training for module in modules]
    _set_modes(modules, [False] * len(modules))
    try:
        outputs = OUTPUTS[engine](model, rows, first)
    finally:
        _set_modes(modules, modes)
    leaves = [[Value(o) for o in out] if isinstance(out, list) else Value(out) for out in outputs]
    with no_grad():
        value = _loss_value(loss_fn(leaves, targets)).data
    rule = RULES.get(loss_fn)
    if rule is None:
        return Score(value, None)
    right = sum(predict(o, rule) == int(t) for o, t in zip(outputs, targets, strict=True))
    return Score(value, right / len(rows))


def _modules(model: Module) -> list[Module]:
    """The model and every module inside: the ones a mode is set on."""
    return [module for _, module in model.named_modules()]


def _set_modes(modules: list[Module], modes: list[bool]) -> None:
    # Module.train, module by module, without walking each one's children again.
    for module, training in zip(modules, modes, strict=True):
        object.__setattr__(module, "training", training)


def fit(
    model: Module,
    X: Any,
    y: Any,
    *,
    loss: str | Callable[[Any, Any], Value],
    optimizer: Optimizer,
    epochs: int,
    batch_size: int | None = None,
    l2: float = 0.0,
    clip_norm: float | None = None,
    seed: int = 0,
    log_every: int | None = None,
    callback: Callable[[int, History], Any] | None = None,
    engine: str = "auto",
    file: TextIO | None = None,
    validation: tuple[Any, Any] | None = None,
    early_stopping: int | None = None,
    verbose: int = 1,
) -> History:
    """Train `model` on (X, y) for `epochs` epochs; return the History.

    - loss: a function loss(outputs, targets) -> Value, or a name from
      nn.losses.LOSSES ('mse', 'hinge', 'binary_cross_entropy', 'softmax_cross_entropy');
    - l2: adds l2 * sum(p**2) over the parameters to every batch's loss;
    - clip_norm: clips the gradient norm to this before each step;
    - validation=(X_val, y_val): score the model on them after every epoch, in
      evaluation mode (history.val_loss, history.val_accuracy);
    - early_stopping=k (needs validation): stop once the validation loss has not
      gone below its best for k epochs, and end with the best epoch's weights;
    - verbose: 1 (default) shows a tqdm progress bar, loss in its postfix, when
      tqdm is installed and log_every is not given, else progress lines; 2 always
      prints lines; 0 prints nothing. Lines go to `file` (default stdout);
    - log_every: the epochs between progress lines (default: 10 lines per run;
      0: none, as verbose=0);
    - callback(epoch, history) runs after each epoch; returning False stops training;
    - engine: 'auto' (batched for a model with layers, the same curve up to
      rounding; scalar for a model with dropout in training mode), 'batched'
      (dropout masks fed to the tape as inputs), or 'scalar', a Value graph per
      sample, as micrograd.

    >>> import nn
    >>> X, y = nn.data.xor(signed=True)
    >>> model = nn.MLP(2, [8, 1], seed=1)
    >>> opt = nn.SGD(model.parameters(), lr=0.1)
    >>> h = nn.fit(model, X, y, loss="hinge", optimizer=opt, epochs=200, log_every=0)
    >>> h.accuracy[-1]
    1.0
    """
    if not isinstance(model, Module):
        raise TypeError(
            f"fit needs an nn.Module as model, got {type(model).__name__}; "
            "build one with nn.MLP(nin, nouts)"
        )
    _check_engine(engine)
    if not isinstance(optimizer, Optimizer):
        raise TypeError(
            f"fit needs an nn optimizer, got {type(optimizer).__name__}; "
            "pass e.g. nn.SGD(model.parameters(), lr=0.1)"
        )
    if isinstance(epochs, bool) or not isinstance(epochs, int) or epochs < 1:
        raise ValueError(
            f"epochs must be an int >= 1, got {epochs!r:.40}: fit with no epochs trains "
            "nothing and returns an empty history. Pass e.g. epochs=100"
        )
    _check_options(model, optimizer, l2, log_every, callback, verbose)
    loss_fn = resolve(loss)
    rule = RULES.get(loss_fn)
    rows, targets = _samples(X, y, "fit")
    n = len(rows)
    held_out = _validation(validation, early_stopping)
    if batch_size is not None and (
        isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1
    ):
        raise ValueError(
            f"batch_size must be None (full batch) or an int >= 1, got {batch_size!r:.40}; "
            "1 is stochastic gradient descent, k is mini-batch"
        )
    if batch_size is not None and batch_size > n:
        raise ValueError(
            f"batch_size={batch_size} is larger than the {n} samples: a batch cannot hold "
            "more samples than there are. Pass batch_size=None for full-batch training, "
            f"or at most {n}"
        )
    size = n if batch_size is None else batch_size
    out = file if file is not None else sys.stdout
    bar = _bar(epochs, file) if verbose == 1 and log_every is None else None
    if verbose == 0:
        log_every = 0
    elif log_every is None:
        log_every = max(1, epochs // 10)
    params = model.parameters()
    groups = _groups(model)
    history = History(grad_norm={name: [] for name, _ in groups})
    rng = random.Random(seed)

    norms: list[list[float]] = []
    taken = 0

    def update() -> None:
        nonlocal taken
        norms.append([_norm(ps) for _, ps in groups])
        if clip_norm is not None:
            clip_grad_norm(params, clip_norm)
        optimizer.step()
        taken += 1

    epoch_fn = ENGINES[engine]
    features = X if _numbers(X) else None
    cache: dict[str, Any] = {}
    labels = None
    epoch = 0
    best = _Best(early_stopping)
    modules = _modules(model)
    modes = [module.training for module in modules]
    _set_modes(modules, [True] * len(modules))
    try:
        for epoch in range(epochs):
            lr = optimizer.lr
            order = list(range(n))
            if size < n:
                rng.shuffle(order)
            batches = [order[i : i + size] for i in range(0, n, size)]
            norms.clear()
            try:
                losses, outputs = epoch_fn(
                    Epoch(
                        model,
                        rows,
                        targets,
                        batches,
                        loss_fn,
                        l2,
                        params,
                        update,
                        epoch == 0,
                        features,
                        cache,
                        modules,
                    )  # fmt: skip
                )
            except DomainError as error:
                stopped = DomainError(
                    f"training stopped in epoch {epoch + 1} of {epochs}: {error}. Numbers this "
                    f"large mean the training diverged; lower the learning rate (it was {lr:g}) "
                    "or pass clip_norm=1.0. The history up to here is this error's .history"
                )
                stopped.history = history  # type: ignore[attr-defined]
                raise stopped from error
            if len(losses) == 1:
                history.loss.append(losses[0])
            else:
                history.loss.append(
                    math.fsum(v * len(b) for v, b in zip(losses, batches, strict=False)) / n
                )
            history.lr.append(lr)
            if rule is not None:
                if isinstance(outputs, np.ndarray) and labels is None:
                    labels = np.asarray(targets, dtype=float)  # once, for every epoch
                judged = labels if isinstance(outputs, np.ndarray) else targets
                history.accuracy.append(_right(outputs, judged, rule) / n)
            for j, (name, _) in enumerate(groups):
                history.grad_norm[name].append(sum(s[j] for s in norms) / len(norms))
            if held_out is not None:
                score = _score(model, modules, *held_out, loss_fn, engine, first=epoch == 0)
                history.val_loss.append(score.loss)
                if score.accuracy is not None:
                    history.val_accuracy.append(score.accuracy)
                history.stopped_early = best.stop(epoch, score.loss, model) and epoch < epochs - 1
            if bar is not None:
                bar.update(1)
                bar.set_postfix_str(_summary(history))
            elif log_every and (epoch % log_every == 0 or epoch == epochs - 1):
                print(f"epoch {epoch + 1:>4}/{epochs}  {_summary(history)}", file=out)
            if history.stopped_early or (
                callback is not None and callback(epoch, history) is False
            ):
                break
        history.best_epoch = best.restore(model)
        if history.stopped_early and log_every:
            print(
                f"early stopping after epoch {epoch + 1}: the validation loss was lowest in "
                f"epoch {history.best_epoch + 1} ({best.loss:.6f}), whose weights the model "
                "now holds",
                file=out,
            )
    except KeyboardInterrupt:
        _keep_whole_epochs(history, classification=rule is not None, validated=held_out is not None)
        history.interrupted = True
        if bar is not None:
            bar.close()
            bar = None
        print(
            f"interrupted (Ctrl-C) in epoch {epoch + 1} of {epochs}, after {taken} steps: the "
            f"model keeps its last whole step, and the history its {history.epochs} finished "
            "epochs (history.interrupted is True)",
            file=out,
        )
    finally:
        _set_modes(modules, modes)
        if bar is not None:
            bar.close()
    return history


def _right(outputs: Any, targets: Any, rule: str) -> int:
    """How many outputs predict their target; an engine's array of outputs is judged at once."""
    if isinstance(outputs, np.ndarray):
        return int(np.sum(predictions(outputs, rule) == targets))
    return sum(predict(o, rule) == int(t) for o, t in zip(outputs, targets, strict=True))


class _Best:
    """Early stopping: the best validation loss so far, its epoch and its weights."""

    def __init__(self, patience: int | None) -> None:
        self.patience = patience
        self.loss = math.inf
        self.epoch: int | None = None
        self.weights: dict[str, float] | None = None

    def stop(self, epoch: int, loss: float, model: Module) -> bool:
        """Note this epoch's validation loss; True once it is `patience` epochs past the best."""
        if self.patience is None:
            return False
        if loss < self.loss:
            self.loss, self.epoch, self.weights = loss, epoch, model.state_dict()
            return False
        return self.epoch is None or epoch - self.epoch >= self.patience

    def restore(self, model: Module) -> int | None:
        """Put the best epoch's weights back into the model; return that epoch (or None)."""
        if self.weights is not None:
            model.load_state_dict(self.weights)
        return self.epoch


def _check_engine(engine: Any) -> None:
    if engine not in ENGINES:
        raise ValueError(
            f"unknown engine {engine!r}: it selects how each epoch is computed. "
            f"Available: {', '.join(repr(e) for e in ENGINES)}"
        )


def _samples(X: Any, y: Any, who: str) -> tuple[list[list[float]], list[Any]]:
    """X as rows of floats and y as a list, as many of each, at least one."""
    rows = _rows(X)
    targets = _targets(y)
    n = len(rows)
    if n != len(targets):
        raise ShapeError(
            f"{who} got {n} samples in X and {len(targets)} targets in y: each sample needs "
            "its target. Pass X and y of the same length"
        )
    if n == 0:
        raise ShapeError(f"{who} got no samples; pass at least one row in X and its target in y")
    return rows, targets


def _validation(validation: Any, early_stopping: Any) -> tuple[list[list[float]], list[Any]] | None:
    """fit's validation data as (rows, targets), or None; early_stopping checked against it."""
    if early_stopping is not None and (
        isinstance(early_stopping, bool)
        or not isinstance(early_stopping, int)
        or early_stopping < 1
    ):
        raise ValueError(
            f"early_stopping must be None or an int >= 1, got {early_stopping!r:.40}: it is "
            "the number of epochs without a better validation loss before training stops. "
            "Pass e.g. early_stopping=10"
        )
    if validation is None:
        if early_stopping is not None:
            raise ValueError(
                f"early_stopping={early_stopping} needs validation data: it stops when the "
                "loss on data the model does not learn from stops falling. Pass "
                "validation=(X_val, y_val), e.g. from nn.data.split(X, y)"
            )
        return None
    if not isinstance(validation, (tuple, list)) or len(validation) != 2:
        raise TypeError(
            f"validation must be a pair (X_val, y_val), got {type(validation).__name__} "
            f"{validation!r:.40}: the samples to score after each epoch and their targets. "
            "Pass e.g. validation=(X_val, y_val) from nn.data.split(X, y)"
        )
    return _samples(*validation, "fit's validation")


def _keep_whole_epochs(history: History, *, classification: bool, validated: bool) -> None:
    """Cut every list of history to the epochs recorded whole (Ctrl-C may land mid-record)."""
    lists = [history.loss, history.lr, *history.grad_norm.values()]
    lists += [history.accuracy] if classification else []
    lists += (
        [history.val_loss] + ([history.val_accuracy] if classification else []) if validated else []
    )
    whole = min(len(values) for values in lists)
    for values in lists:
        del values[whole:]


def _check_options(
    model: Module, optimizer: Optimizer, l2: Any, log_every: Any, callback: Any, verbose: Any
) -> None:
    """Refuse, before any training, the settings fit would trip over later."""
    if isinstance(l2, bool) or not isinstance(l2, numbers.Real) or not 0 <= l2 < math.inf:
        raise ValueError(
            f"l2 must be a finite number >= 0, got {l2!r:.40}: it is the weight of the "
            "penalty l2 * sum(p**2), and a negative one rewards large weights. "
            "Pass e.g. l2=1e-4, or 0 for none"
        )
    if log_every is not None and (
        isinstance(log_every, bool) or not isinstance(log_every, int) or log_every < 0
    ):
        raise ValueError(
            f"log_every must be None or an int >= 0, got {log_every!r:.40}: it is the number "
            "of epochs between progress lines. Pass e.g. log_every=10, or 0 for no lines"
        )
    if verbose not in (0, 1, 2) or isinstance(verbose, bool):
        raise ValueError(
            f"verbose must be 0, 1 or 2, got {verbose!r:.40}: 0 prints nothing, 1 a progress "
            "bar (or lines without tqdm), 2 a line every log_every epochs. Pass e.g. verbose=0"
        )
    if callback is not None and not callable(callback):
        raise TypeError(
            f"callback must be a function callback(epoch, history), got "
            f"{type(callback).__name__} {callback!r:.40}: fit calls it after every epoch. "
            "Pass a function, or None"
        )
    mine = model.parameters()
    owned = set(mine)
    if not any(p in owned for p in optimizer.params):
        raise ValueError(
            f"the optimizer updates none of this {type(model).__name__}'s {len(mine)} "
            "parameters: it was built with another model's, so training would change "
            f"nothing. Build it from this model: nn.{type(optimizer).__name__}"
            "(model.parameters(), ...)"
        )


def _summary(history: History) -> str:
    text = f"loss {history.loss[-1]:.6f}"
    if history.accuracy:
        text += f"  accuracy {100 * history.accuracy[-1]:.1f}%"
    if history.val_loss:
        text += f"  val_loss {history.val_loss[-1]:.6f}"
    if history.val_accuracy:
        text += f"  val_accuracy {100 * history.val_accuracy[-1]:.1f}%"
    return text + f"  lr {history.lr[-1]:.4g}"


def _bar(epochs: int, file: TextIO | None) -> Any:
    """A tqdm progress bar (a widget in Jupyter), or None without tqdm."""
    try:
        from tqdm.auto import tqdm
    except ImportError:
        return None
    return tqdm(total=epochs, unit="epoch", file=file)
