"""Gradient clipping: keep one huge gradient from throwing the weights far away.

    clip_grad_norm(params, max_norm)   scale all gradients so that ||g|| <= max_norm
    clip_grad_value(params, clip)      clamp each gradient into [-clip, clip]

Call them between backward() and optimizer.step(), as in PyTorch.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

from autograd import Value
from nn.module import parameter_list

__all__ = ["clip_grad_norm", "clip_grad_value"]


def _grad(p: Value) -> float:
    g = p.grad
    return g.data if isinstance(g, Value) else float(g)


def _positive(name: str, value: float) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not value > 0:
        raise ValueError(
            f"{name} must be a number > 0, got {value!r:.40}: it is the largest gradient "
            "allowed. Pass e.g. 1.0"
        )
    return float(value)


def clip_grad_norm(params: Iterable[Value], max_norm: float) -> float:
    """Scale the gradients by max_norm / ||g|| when ||g|| > max_norm; return ||g|| before.

    ||g|| = sqrt(sum of g_i**2) over all parameters, as one vector (PyTorch's
    clip_grad_norm_). The direction of the step is kept, only its length shrinks.

    >>> from autograd import Value
    >>> a, b = Value(0.0), Value(0.0)
    >>> a.grad, b.grad = 3.0, 4.0
    >>> clip_grad_norm([a, b], max_norm=1.0)
    5.0
    >>> round(a.grad, 6), round(b.grad, 6)
    (0.6, 0.8)
    """
    max_norm = _positive("max_norm", max_norm)
    params = parameter_list(params, "clip_grad_norm")
    total = math.sqrt(math.fsum(_grad(p) ** 2 for p in params))
    if not math.isfinite(total):
        raise ValueError(
            f"the gradient norm is {total}: some gradient is NaN or infinite, so no scaling "
            "can bound it. The loss diverged; lower the learning rate, or find the first "
            "bad node with autograd.detect_anomaly()"
        )
    if total > max_norm:
        scale = max_norm / (total + 1e-6)  # PyTorch's margin, so the result is <= max_norm
        for p in params:
            p.grad = _grad(p) * scale
    return total


def clip_grad_value(params: Iterable[Value], clip: float) -> None:
    """Clamp every gradient into [-clip, clip].

    >>> from autograd import Value
    >>> a = Value(0.0)
    >>> a.grad = -7.0
    >>> clip_grad_value([a], 2.0)
    >>> a.grad
    -2.0
    """
    clip = _positive("clip", clip)
    for p in parameter_list(params, "clip_grad_value"):
        g = _grad(p)
        p.grad = clip if g > clip else -clip if g < -clip else g
