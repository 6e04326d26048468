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

from autograd import DomainError, Value
from nn.batched import batched_epoch, suits
from nn.clip import clip_grad_norm
from nn.errors import ShapeError
from nn.losses import l2 as l2_penalty
from nn.losses import resolve
from nn.metrics import RULES, predict, predictions
from nn.module import Module
from nn.optim import Optimizer

__all__ = ["fit", "History", "Epoch", "ENGINES"]


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
    groups = [(name, child.parameters()) for name, child in model.named_children()]
    return groups or [(type(model).__name__, model.parameters())]


def _norm(params: list[Value]) -> float:
    total = 0.0
    for p in params:
        g = p.grad
        g = g.data if isinstance(g, Value) else g
        total += g * g
    return math.sqrt(total)


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


def _scalar_epoch(epoch: Epoch) -> tuple[list[float], list[Any]]:
    """One epoch on Values: (each batch's loss with its penalty, each sample's output)."""
    losses = []
    outputs: list[Any] = [None] * len(epoch.rows)
    model, rows, targets, params = epoch.model, epoch.rows, epoch.targets, epoch.params
    for batch in epoch.batches:
        outs = [model(rows[i]) for i in batch]
        total = epoch.loss(outs, [targets[i] for i in batch])
        if not isinstance(total, Value):
            raise TypeError(
                f"the loss returned {type(total).__name__} {total!r:.40}, not a Value, so "
                "there is no graph to run backward on. Build the loss from the outputs "
                "with Value operations (nn.losses has mse, hinge, cross-entropies)"
            )
        if epoch.l2:
            total = total + l2_penalty(params, epoch.l2)
        for p in params:
            p.grad = 0.0
        total.backward()
        epoch.update()
        losses.append(total.data)
        for i, out in zip(batch, outs, strict=True):
            outputs[i] = [o.data for o in out] if isinstance(out, list) else out.data
    return losses, outputs


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
    progress: bool = False,
    callback: Callable[[int, History], Any] | None = None,
    engine: str = "auto",
    file: TextIO | None = None,
) -> History:
    """Train `model` on (X, y) for `epochs` epochs; return the History.

    - loss: a function loss(outputs, targets) -> Value, or a name from
      nn.losses.LOSSES ('mse', 'hinge', 'binary_cross_entropy', 'softmax_cross_entropy');
    - l2: adds l2 * sum(p**2) over the parameters to every batch's loss;
    - clip_norm: clips the gradient norm to this before each step;
    - log_every: print a progress line every N epochs (default: 10 lines per run,
      0 for none); progress=True shows a tqdm bar instead when tqdm is installed;
    - callback(epoch, history) runs after each epoch; returning False stops training;
    - engine: 'auto' (batched for a model with layers, the same curve up to
      rounding), 'batched', or 'scalar', a Value graph per sample, as micrograd.

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
    if engine not in ENGINES:
        raise ValueError(
            f"unknown engine {engine!r}: it selects how each epoch is computed. "
            f"Available: {', '.join(repr(e) for e in ENGINES)}"
        )
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
    _check_options(model, optimizer, l2, log_every, callback)
    loss_fn = resolve(loss)
    rule = RULES.get(loss_fn)
    rows = _rows(X)
    targets = _targets(y)
    n = len(rows)
    if n != len(targets):
        raise ShapeError(
            f"fit got {n} samples in X and {len(targets)} targets in y: each sample needs "
            "its target. Pass X and y of the same length"
        )
    if n == 0:
        raise ShapeError("fit got no samples; pass at least one row in X and its target in y")
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
    if log_every is None:
        log_every = max(1, epochs // 10)
    out = file if file is not None else sys.stdout
    bar = _bar(epochs) if progress else None
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
            if bar is not None:
                bar.update(1)
                bar.set_postfix_str(_summary(history))
            elif log_every and (epoch % log_every == 0 or epoch == epochs - 1):
                print(f"epoch {epoch + 1:>4}/{epochs}  {_summary(history)}", file=out)
            if callback is not None and callback(epoch, history) is False:
                break
    except KeyboardInterrupt:
        _keep_whole_epochs(history, classification=rule is not None)
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
        if bar is not None:
            bar.close()
    return history


def _right(outputs: Any, targets: Any, rule: str) -> int:
    """How many outputs predict their target; an engine's array of outputs is judged at once."""
    if isinstance(outputs, np.ndarray):
        return int(np.sum(predictions(outputs, rule) == targets))
    return sum(predict(o, rule) == int(t) for o, t in zip(outputs, targets, strict=True))


def _keep_whole_epochs(history: History, *, classification: bool) -> None:
    """Cut every list of history to the epochs recorded whole (Ctrl-C may land mid-record)."""
    lists = [history.loss, history.lr, *history.grad_norm.values()]
    lists += [history.accuracy] if classification else []
    whole = min(len(values) for values in lists)
    for values in lists:
        del values[whole:]


def _check_options(
    model: Module, optimizer: Optimizer, l2: Any, log_every: Any, callback: Any
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
    return text + f"  lr {history.lr[-1]:.4g}"


def _bar(epochs: int) -> Any:
    try:
        from tqdm.auto import tqdm
    except ImportError:
        return None
    return tqdm(total=epochs, unit="epoch")
