"""Pictures of training: the decision boundary, the loss curve, gradient norms per layer.

matplotlib is an optional dependency (the `plot` extra), imported only when a
plot is drawn: `pip install 'chainrule[plot]'`. Each function returns the
matplotlib Figure, and with `path=` also writes it whole (write_atomic, in
autograd/files.py). No pyplot, so no window opens and no global state
changes; in a notebook, the returned Figure displays itself.
"""

from __future__ import annotations

import io
import os
from typing import Any

from autograd import Value
from autograd.files import write_atomic
from nn.errors import MissingExtraError
from nn.module import Module
from nn.train import History

__all__ = ["decision_boundary", "loss_curve", "grad_norms"]


_COLORS = ["#d62728", "#1f77b4", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b"]
"""Class colours, in label order: the lowest label first."""


def _figure(**kwargs: Any) -> Any:
    try:
        from matplotlib.figure import Figure
    except ImportError:
        raise MissingExtraError(
            "plotting needs matplotlib, which is not installed: nn.plot draws with it, and "
            "chainrule keeps it optional. Install the plot extra: pip install 'chainrule[plot]'"
        ) from None
    return Figure(**kwargs)


def _write(fig: Any, path: str | os.PathLike[str] | None) -> Any:
    if path is None:
        return fig
    suffix = os.path.splitext(os.fspath(path))[1].lstrip(".") or "png"
    image = io.BytesIO()
    fig.savefig(image, format=suffix, dpi=110, bbox_inches="tight")
    write_atomic(path, image.getvalue())
    return fig


def _score(output: Any) -> Any:
    if isinstance(output, Value):
        return output.data
    return max(range(len(output)), key=lambda i: output[i].data)


def decision_boundary(
    model: Module,
    X: Any,
    y: Any,
    *,
    path: str | os.PathLike[str] | None = None,
    resolution: int = 40,
    title: str | None = None,
) -> Any:
    """The regions of the plane the model assigns to each class, with the points on top.

    A model with one output is read as a score (positive is one class, the other
    side the other); a model with k outputs as k logits (the largest wins).
    Only for two-dimensional inputs; `resolution` is the grid's points per side. The
    model is evaluated in evaluation mode (no dropout) and left in the mode it was in.
    """
    import numpy as np

    X = np.asarray(X, dtype=float)
    y = np.asarray(y)
    if X.ndim != 2 or X.shape[1] != 2:
        raise ValueError(
            f"decision_boundary draws the plane, so it needs points with 2 coordinates; "
            f"X has shape {X.shape}. Plot two-dimensional datasets (moons, circles, xor, spiral)"
        )
    pad = 0.5
    xs = np.linspace(X[:, 0].min() - pad, X[:, 0].max() + pad, resolution)
    ys = np.linspace(X[:, 1].min() - pad, X[:, 1].max() + pad, resolution)
    # In evaluation mode (dropout off), as the model is used: the regions are its answers,
    # the same on every call. Each module's own mode is put back afterwards.
    modes = [(module, module.training) for _, module in model.named_modules()]
    model.eval()
    try:
        scores = np.array([[_score(model([float(a), float(b)])) for a in xs] for b in ys])
    finally:
        for module, training in modes:
            module.training = training
    fig = _figure(figsize=(5, 4.5))
    ax = fig.add_subplot()
    classes = np.unique(y)
    if scores.dtype.kind == "f":
        # Colour by side of the zero level; the contour line is where the score is 0.
        low, high = min(scores.min(), -1e-9), max(scores.max(), 1e-9)
        ax.contourf(xs, ys, scores, levels=[low, 0.0, high], colors=_COLORS[:2], alpha=0.35)
        ax.contour(xs, ys, scores, levels=[0.0], colors="k", linewidths=1)
    else:
        levels = np.arange(len(classes) + 1) - 0.5
        ax.contourf(xs, ys, scores, levels=levels, colors=_COLORS[: len(classes)], alpha=0.35)
    for i, label in enumerate(classes.tolist()):
        mine = y == label
        ax.scatter(X[mine, 0], X[mine, 1], color=_COLORS[i % len(_COLORS)], s=28,
                   edgecolors="k", linewidths=0.6, label=f"class {label}")  # fmt: skip
    if scores.dtype.kind == "f":
        ax.plot([], [], color="k", linewidth=1, label="boundary: score 0")
    ax.legend(loc="best", fontsize="small", framealpha=0.85)
    ax.set_xlim(xs[0], xs[-1])
    ax.set_ylim(ys[0], ys[-1])
    # The model's inputs, in nn.MLP's names; a region's colour is the class of its points.
    ax.set_xlabel("x[0], the first input")
    ax.set_ylabel("x[1], the second input")
    ax.set_title(title or f"decision boundary ({len(classes)} classes)")
    return _write(fig, path)


def loss_curve(history: History, *, path: str | os.PathLike[str] | None = None) -> Any:
    """The loss per epoch (log scale), and the accuracy on a second axis if recorded."""
    fig = _figure(figsize=(6, 4))
    ax = fig.add_subplot()
    epochs = range(1, history.epochs + 1)
    ax.plot(epochs, history.loss, color="tab:blue", label="loss")
    ax.set_xlabel("epoch")
    ax.set_ylabel("loss", color="tab:blue")
    if history.loss and min(history.loss) > 0:
        ax.set_yscale("log")
    if history.accuracy:
        acc = ax.twinx()
        acc.plot(epochs, [100 * a for a in history.accuracy], color="tab:orange")
        acc.set_ylabel("accuracy (%)", color="tab:orange")
        acc.set_ylim(0, 101)
    ax.set_title("training loss")
    return _write(fig, path)


def grad_norms(history: History, *, path: str | os.PathLike[str] | None = None) -> Any:
    """Each layer's gradient norm per epoch (log scale): vanishing or exploding shows here."""
    fig = _figure(figsize=(6, 4))
    ax = fig.add_subplot()
    epochs = range(1, history.epochs + 1)
    for name, values in history.grad_norm.items():
        ax.plot(epochs, values, label=name)
    positive = [v for values in history.grad_norm.values() for v in values]
    if positive and min(positive) > 0:
        ax.set_yscale("log")
    ax.set_xlabel("epoch")
    ax.set_ylabel("gradient norm")
    ax.legend()
    ax.set_title("gradient norm per layer")
    return _write(fig, path)
