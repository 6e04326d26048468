"""Forward mode, from the same table: directional derivatives carried forward, node by node.

Reverse mode (backward) starts at the output and pushes d(out)/d(node) back to
every input: one pass gives the whole gradient. Forward mode starts at the
inputs with a direction (a tangent per input) and pushes d(node)/d(direction)
forward, parents before children:

    tangent(node) = sum over parents of  local_derivative * tangent(parent)

with the same local derivatives, from the same chain-rule step
(autograd/chain.py). One forward sweep gives one directional derivative, so a
gradient of n inputs takes n sweeps, but one backward pass. That is why
backpropagation is reverse mode: a loss has one output and many parameters.

f is run once on Values to record its graph; each sweep then walks that graph.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from autograd.backward import grad, topological_order
from autograd.chain import local_derivatives
from autograd.coerce import as_float
from autograd.value import Value

__all__ = ["jvp", "jacobian", "Jacobian"]


def jvp(
    f: Callable[..., Any], inputs: Sequence[Any], tangents: Sequence[Any]
) -> tuple[float, float]:
    """(f(inputs), the derivative of f along `tangents`) in one forward-mode sweep.

    The directional derivative is sum_i df/dx_i * tangents[i], as jax.jvp gives it.

    >>> from autograd import jvp
    >>> jvp(lambda x, y: x * y + y, [2.0, 3.0], [1.0, 0.0])    # df/dx = y
    (9.0, 3.0)
    """
    leaves, outputs = _record(f, inputs, "jvp")
    if len(outputs) != 1:
        raise ValueError(
            f"jvp needs f to return one Value, got {len(outputs)}; use jacobian(f, inputs) "
            "for several outputs"
        )
    direction = _numbers(tangents, "jvp tangents")
    if len(direction) != len(leaves):
        raise ValueError(
            f"jvp got {len(direction)} tangents for {len(leaves)} inputs; give one number "
            "per input (the direction to differentiate along)"
        )
    (tangent,) = _sweep(leaves, outputs, direction)
    return outputs[0].data, tangent


@dataclass(frozen=True)
class Jacobian:
    """The matrix d outputs[i] / d inputs[j], and how many sweeps computing it took."""

    matrix: list[list[float]]
    """One row per output, one column per input."""
    mode: str
    """'forward' (one sweep per input) or 'reverse' (one backward pass per output)."""
    sweeps: int
    """Forward-mode sweeps, or backward passes, that were run."""


def jacobian(f: Callable[..., Any], inputs: Sequence[Any], mode: str = "reverse") -> Jacobian:
    """Every partial derivative of f's outputs, by forward or reverse mode, counting the sweeps.

    Forward mode runs one sweep per input; reverse mode one backward pass per output.

    >>> from autograd import jacobian
    >>> J = jacobian(lambda x, y, z: x * y + z, [2.0, 3.0, 4.0], mode="forward")
    >>> J.matrix, J.sweeps
    ([[3.0, 2.0, 1.0]], 3)
    >>> jacobian(lambda x, y, z: x * y + z, [2.0, 3.0, 4.0], mode="reverse").sweeps
    1
    """
    if mode not in ("forward", "reverse"):
        raise ValueError(
            f"jacobian got mode={mode!r}; it accepts 'forward' (one sweep per input) or "
            "'reverse' (one backward pass per output)"
        )
    leaves, outputs = _record(f, inputs, "jacobian")
    if mode == "forward":
        columns = []
        for j in range(len(leaves)):
            unit = [1.0 if i == j else 0.0 for i in range(len(leaves))]
            columns.append(_sweep(leaves, outputs, unit))
        matrix = [[column[i] for column in columns] for i in range(len(outputs))]
        return Jacobian(matrix, mode, len(leaves))
    matrix = [[g.data for g in grad(out, leaves)] for out in outputs]
    return Jacobian(matrix, mode, len(outputs))


def _record(
    f: Callable[..., Any], inputs: Sequence[Any], who: str
) -> tuple[list[Value], list[Value]]:
    if not callable(f):
        raise TypeError(f"{who} needs a function, got {type(f).__name__} {f!r:.60}")
    leaves = [Value(x, label=f"x{i}") for i, x in enumerate(_numbers(inputs, f"{who} inputs"))]
    result = f(*leaves)
    outputs = list(result) if isinstance(result, (list, tuple)) else [result]
    if not outputs or not all(isinstance(out, Value) for out in outputs):
        raise TypeError(
            f"{who} needs f to return a Value (or a list of Values) computed from its inputs, "
            f"got {type(result).__name__} {result!r:.60}"
        )
    return leaves, outputs


def _numbers(values: Sequence[Any], where: str) -> list[float]:
    if isinstance(values, (str, bytes)) or not hasattr(values, "__iter__"):
        raise TypeError(f"{where} must be a list of numbers, got {type(values).__name__}")
    return [as_float(x, where) for x in values]


def _sweep(leaves: list[Value], outputs: list[Value], direction: list[float]) -> list[float]:
    """One forward-mode sweep: the tangent of every output along `direction`."""
    tangent: dict[Value, float] = dict(zip(leaves, direction))
    roots = outputs[0] if len(outputs) == 1 else None
    order = topological_order(roots) if roots is not None else _union(outputs)
    for node in order:
        if node.is_leaf:
            tangent.setdefault(node, 0.0)
            continue
        tangent[node] = sum(
            d * tangent[parent] for parent, d in zip(node.parents, local_derivatives(node))
        )
    return [tangent[out] for out in outputs]


def _union(outputs: list[Value]) -> list[Value]:
    seen: dict[Value, None] = {}
    for out in outputs:
        for node in topological_order(out):
            seen.setdefault(node, None)
    return sorted(seen, key=lambda node: node.creation_index)
