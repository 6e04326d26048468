"""Loss functions: how far a model's outputs are from the targets, as one Value.

Each takes `outputs` (one model output per sample: a Value, or a list of k
Values for softmax_cross_entropy) and `targets` (one per sample), and returns
the mean over the samples. A single sample may be passed without the list.

Label conventions:

    mse                     any real targets
    hinge                   labels -1 and +1 (micrograd's demo: y = 2*y01 - 1)
    binary_cross_entropy    labels 0 and 1 (or probabilities in [0, 1]), from logits
    softmax_cross_entropy   class indices 0 .. k-1, from k logits per sample

They are built from the engine's primitives, so backward() differentiates
them like any other expression.
"""

from __future__ import annotations

import numbers
from collections.abc import Callable, Iterable
from typing import Any

from autograd import Value
from nn.errors import ShapeError
from nn.module import parameter_list

__all__ = [
    "mse",
    "hinge",
    "binary_cross_entropy",
    "softmax_cross_entropy",
    "l2",
    "mse_term",
    "hinge_term",
    "binary_cross_entropy_term",
    "TERMS",
    "LOSSES",
    "resolve",
]


def _number(x: Any, loss: str) -> float:
    if isinstance(x, Value):
        return x.data
    if isinstance(x, numbers.Real) or (hasattr(x, "dtype") and getattr(x, "size", 0) == 1):
        return float(x)
    raise TypeError(
        f"{loss} got target {type(x).__name__} {x!r:.40}; targets are plain numbers "
        "(one per sample). Pass a list or a numpy array of numbers"
    )


def _samples(outputs: Any, targets: Any, loss: str, vector: bool = False) -> tuple[list, list]:
    """outputs and targets as two lists of equal length, a lone sample wrapped."""
    # One sample of k logits is a list of Values with one class; the same list with a
    # list of targets is k samples of one output each.
    lone = isinstance(outputs, Value) or (
        vector
        and isinstance(outputs, (list, tuple))
        and outputs
        and isinstance(outputs[0], Value)
        and not hasattr(targets, "__len__")
    )
    if lone:
        outputs, targets = [outputs], [targets]
    outputs = list(outputs)
    if isinstance(targets, numbers.Real):
        targets = [targets]
    targets = list(targets)
    if len(outputs) != len(targets):
        raise ShapeError(
            f"{loss} got {len(outputs)} outputs and {len(targets)} targets: each output "
            "needs the target of its sample. Pass them in the same order and number"
        )
    if not outputs:
        raise ShapeError(
            f"{loss} got no samples: the mean over zero samples is undefined. "
            "Pass at least one output and its target"
        )
    return outputs, targets


def _value(out: Any, i: int, loss: str) -> Value:
    if isinstance(out, Value):
        return out
    raise TypeError(
        f"{loss} got output {type(out).__name__} {out!r:.40} for sample {i}, not a Value: "
        "a loss is differentiated by backward(), which needs the graph that made each "
        "output. Pass the model's outputs, model(x), not their .data"
    )


def _one_output(out: Any, i: int, loss: str, what: str) -> Value:
    if isinstance(out, (list, tuple)):
        raise TypeError(
            f"{loss} got {len(out)} outputs for sample {i}; it scores one {what} per sample. "
            "Give the model a last layer of 1 neuron, or use softmax_cross_entropy for "
            "k classes"
        )
    return _value(out, i, loss)


def _mean(terms: list[Value]) -> Value:
    # micrograd's sum(losses) * (1.0 / len(losses)), so results match it to the bit.
    return sum(terms) * (1.0 / len(terms))


def mse_term(output: Value, target: Any) -> Value:
    """One sample's squared error, (output - target)**2."""
    return (output - target) ** 2


def hinge_term(score: Value, label: Any) -> Value:
    """One sample's hinge loss, max(0, 1 - label * score), as relu(1 + -label * score)."""
    return (1 + -label * score).relu()


def binary_cross_entropy_term(logit: Value, label: Any) -> Value:
    """One sample's cross-entropy from a logit z: softplus(z) - label * z."""
    return logit.softplus() - label * logit


def mse(outputs: Any, targets: Any) -> Value:
    """Mean squared error, mean over samples (and outputs) of (output - target)**2.

    >>> from autograd import Value
    >>> mse([Value(1.0), Value(3.0)], [0.0, 1.0]).data      # (1 + 4) / 2
    2.5
    """
    outputs, targets = _samples(outputs, targets, "mse")
    terms = []
    for i, (out, t) in enumerate(zip(outputs, targets, strict=False)):
        if not isinstance(out, (list, tuple)):
            terms.append(mse_term(_value(out, i, "mse"), _number(t, "mse")))
        else:
            out = [_value(o, i, "mse") for o in out]
            t = list(t) if hasattr(t, "__iter__") else [t]
            if len(out) != len(t):
                raise ShapeError(
                    f"mse got an output of {len(out)} values for a target of {len(t)}: "
                    "each output needs its target. Match the model's outputs to the data"
                )
            terms.extend(mse_term(o, _number(ti, "mse")) for o, ti in zip(out, t, strict=False))
    return _mean(terms)


def hinge(outputs: Any, targets: Any) -> Value:
    """Mean of max(0, 1 - y * score) with labels y in {-1, +1} (the SVM loss).

    >>> from autograd import Value
    >>> hinge([Value(2.0), Value(0.5)], [1, 1]).data         # (0 + 0.5) / 2
    0.25
    """
    outputs, targets = _samples(outputs, targets, "hinge")
    terms = []
    for i, (score, y) in enumerate(zip(outputs, targets, strict=False)):
        score = _one_output(score, i, "hinge", "score")
        y = _number(y, "hinge")
        if y not in (-1.0, 1.0):
            raise ValueError(
                f"hinge got label {y!r}; it needs labels -1 and +1 (a label 0 would count "
                "every score as right). Map {0, 1} labels with y = 2*y - 1, or ask the "
                "dataset for them: nn.data.moons(..., signed=True)"
            )
        terms.append(hinge_term(score, y))
    return _mean(terms)


def binary_cross_entropy(outputs: Any, targets: Any) -> Value:
    """Mean of -[y log sigmoid(z) + (1-y) log(1 - sigmoid(z))] for logits z, y in [0, 1].

    Computed as softplus(z) - y*z, which equals it and never overflows.

    >>> from autograd import Value
    >>> round(binary_cross_entropy([Value(0.0)], [1]).data, 6)   # log 2
    0.693147
    """
    outputs, targets = _samples(outputs, targets, "binary_cross_entropy")
    terms = []
    for i, (z, y) in enumerate(zip(outputs, targets, strict=False)):
        z = _one_output(z, i, "binary_cross_entropy", "logit")
        y = _number(y, "binary_cross_entropy")
        if not 0.0 <= y <= 1.0:
            raise ValueError(
                f"binary_cross_entropy got target {y!r}; it needs labels 0 and 1 (or a "
                "probability between them). Map {-1, +1} labels with y = (y + 1) / 2"
            )
        terms.append(binary_cross_entropy_term(z, y))
    return _mean(terms)


def softmax_cross_entropy(outputs: Any, targets: Any) -> Value:
    """Mean of -log softmax(z)[y] = logsumexp(z) - z[y], for k logits z and class y.

    logsumexp(z) = m + log(sum exp(z_i - m)) with m = max(z), so no exp overflows;
    m is a constant, which leaves the gradient (softmax(z) - onehot(y)) unchanged.

    >>> from autograd import Value
    >>> z = [Value(1.0), Value(1.0)]
    >>> round(softmax_cross_entropy([z], [0]).data, 6)          # log 2
    0.693147
    """
    outputs, targets = _samples(outputs, targets, "softmax_cross_entropy", vector=True)
    terms = []
    for i, (z, y) in enumerate(zip(outputs, targets, strict=False)):
        if isinstance(z, (list, tuple)):
            z = [_value(zi, i, "softmax_cross_entropy") for zi in z]
        else:
            z = [_value(z, i, "softmax_cross_entropy")]
        k = len(z)
        y_float = _number(y, "softmax_cross_entropy")
        if not y_float.is_integer() or not 0 <= y_float < k:
            raise ValueError(
                f"softmax_cross_entropy got class {y!r} for {k} logits; a class is an "
                f"index 0 .. {k - 1}. Give the model one output per class "
                "(the last layer's size), and labels from 0"
            )
        m = max(zi.data for zi in z)
        total = sum((zi - m).exp() for zi in z)
        terms.append(total.log() + m - z[int(y_float)])
    return _mean(terms)


def l2(params: Iterable[Value], alpha: float = 1e-4) -> Value:
    """The weight penalty alpha * sum(p**2), added to a loss to keep weights small.

    >>> from autograd import Value
    >>> l2([Value(3.0), Value(4.0)], alpha=0.5).data
    12.5
    """
    total = sum(p * p for p in parameter_list(params, "l2"))
    return alpha * total if isinstance(total, Value) else Value(0.0)


LOSSES: dict[str, Callable[[Any, Any], Value]] = {
    "mse": mse,
    "hinge": hinge,
    "binary_cross_entropy": binary_cross_entropy,
    "bce": binary_cross_entropy,
    "softmax_cross_entropy": softmax_cross_entropy,
    "cross_entropy": softmax_cross_entropy,
}
"""The losses by name, for nn.fit(loss='hinge')."""


TERMS: dict[Callable[[Any, Any], Value], Callable[[Value, Any], Value]] = {
    mse: mse_term,
    hinge: hinge_term,
    binary_cross_entropy: binary_cross_entropy_term,
}
"""The term each loss averages over samples, for one output and one target each.

The target may be a number or a Value: nn/batched.py records a sample's term
with its target as an input of the tape. softmax_cross_entropy is not here:
it picks the logit of the target's class, a choice made from its value.
"""


def resolve(loss: str | Callable[[Any, Any], Value]) -> Callable[[Any, Any], Value]:
    """The loss function for a name in LOSSES, or the callable itself."""
    if callable(loss):
        return loss
    if loss not in LOSSES:
        raise ValueError(
            f"unknown loss {loss!r}: fit needs a name it knows or a function "
            f"loss(outputs, targets) -> Value. Names: {', '.join(LOSSES)}"
        )
    return LOSSES[loss]
