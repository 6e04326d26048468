"""Accuracy: the fraction of samples a classifier gets right.

How an output becomes a predicted label depends on the loss it was trained
with, so each classification loss has a decision rule:

    hinge                   sign: score > 0 is +1, else -1
    binary_cross_entropy    logit: z > 0 (probability > 0.5) is 1, else 0
    softmax_cross_entropy   argmax: the class with the largest logit
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from autograd import Value
from nn.errors import ShapeError
from nn.losses import binary_cross_entropy, hinge, softmax_cross_entropy

__all__ = ["accuracy", "predict", "predictions", "RULES"]

RULES: dict[Callable[..., Value], str] = {
    hinge: "sign",
    binary_cross_entropy: "logit",
    softmax_cross_entropy: "argmax",
}
"""The decision rule of each classification loss."""


def _data(x: Any) -> float:
    return x.data if isinstance(x, Value) else float(x)


def predict(output: Any, rule: str) -> int:
    """The label one output stands for under `rule` ('sign', 'logit' or 'argmax')."""
    if rule == "argmax":
        values = (
            [_data(v) for v in output] if isinstance(output, (list, tuple)) else [_data(output)]
        )
        return max(range(len(values)), key=values.__getitem__)
    score = _data(output)
    if rule == "sign":
        return 1 if score > 0 else -1
    if rule == "logit":
        return 1 if score > 0 else 0
    raise ValueError(
        f"unknown decision rule {rule!r}: it says how an output becomes a label. "
        "Use 'sign' (labels -1/+1), 'logit' (0/1) or 'argmax' (class indices)"
    )


def predictions(outputs: Any, rule: str) -> np.ndarray:
    """predict() for a whole batch at once: outputs of shape (n,), or (n, k) for 'argmax'.

    >>> predictions(np.array([0.5, -2.0, 0.0]), "sign").tolist()
    [1, -1, -1]
    """
    outputs = np.asarray(outputs, dtype=float)
    if rule == "argmax":
        return np.argmax(outputs.reshape(len(outputs), -1), axis=1)  # the first largest, as max()
    if rule == "sign":
        return np.where(outputs > 0, 1, -1)
    if rule == "logit":
        return np.where(outputs > 0, 1, 0)
    return np.array([predict(o, rule) for o in outputs])  # an unknown rule: predict() says so


def accuracy(outputs: list[Any], targets: Any, rule: str = "sign") -> float:
    """Fraction of samples whose predicted label equals the target.

    >>> from autograd import Value
    >>> accuracy([Value(2.0), Value(-1.0), Value(0.5)], [1, 1, 1])
    0.6666666666666666
    """
    targets = list(targets)
    if len(outputs) != len(targets):
        raise ShapeError(
            f"accuracy got {len(outputs)} outputs and {len(targets)} targets: each output "
            "needs its sample's label. Pass them in the same order and number"
        )
    if not targets:
        raise ShapeError("accuracy got no samples; pass at least one output and its label")
    right = sum(predict(o, rule) == int(_data(t)) for o, t in zip(outputs, targets, strict=False))
    return right / len(targets)
