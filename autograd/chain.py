"""The chain-rule step for one node: its local derivatives, read from its row of the table.

    parent.grad += d(node)/d(parent) * node.grad

`local_derivatives(node)` gives the d(node)/d(parent) of that line, for each
parent in operand order, by calling the node's row of the op table
(autograd/ops.py) on the node's own numbers. Everything that needs a local
derivative calls it: backward (autograd/backward.py), propagate_one
(micrograd's `_backward`), explain, draw's edge labels, the stepper, anomaly
mode and forward mode. So a rule changed in the table is changed for all of them.

`describe(node)` writes the node's operation with its numbers, 'log(-2.0)',
for the same consumers' messages.
"""

from __future__ import annotations

from typing import Any

from autograd.messages import backward_error
from autograd.value import PYTHON_BACKWARD

__all__ = ["local_derivatives", "describe", "propagate_one", "operands"]


def operands(node: Any) -> tuple[Any, Any]:
    """(a, b or k): the numbers the node's row is called with, as floats."""
    b = node._b  # the second parent, or a one-parent op's constant k (a float), or None
    return node._a.data, (b if b is None or type(b) is float else b.data)


def local_derivatives(node: Any, differentiable: bool = False) -> tuple[Any, ...]:
    """d(node)/d(parent) for each parent, in operand order: the row's `local` at the node.

    With differentiable=True the derivatives are Values computed from the
    node and its parents, so they are part of a graph themselves (backward
    with create_graph=True). A leaf has no parents and no local derivatives.

    >>> from autograd import Value
    >>> x, w = Value(2.0), Value(0.5)
    >>> local_derivatives(x * w)       # d(x*w)/dx = w, d(x*w)/dw = x
    (0.5, 2.0)
    """
    fn = node._fn
    if fn is None:
        return ()
    b = node._b
    if differentiable:
        return fn.local(node, node._a, b)
    if b is None or type(b) is float:
        return fn.local(node.data, node._a.data, b)
    return fn.local(node.data, node._a.data, b.data)


def describe(node: Any) -> str:
    """The node's operation with its numbers filled in: 'log(-2.0)', '3.0 * 0.5'.

    A leaf is described by its number.
    """
    fn = node._fn
    if fn is None:
        return repr(node.data)
    b = node._b
    if b is None or type(b) is float:
        return fn.describe(node._a.data, None, b)
    return fn.describe(node._a.data, b.data, None)


def propagate_one(node: Any) -> None:
    """Apply one node's chain-rule step to its parents' .grad (micrograd's `_backward`)."""
    fn = node._fn
    if fn is None:
        return
    if fn is PYTHON_BACKWARD:
        closure = getattr(node, "_closure", None)
        if closure is not None:
            closure()
        return
    try:
        local = local_derivatives(node)
    except (ArithmeticError, ValueError) as error:
        raise backward_error(error, node, describe(node)) from None
    for parent, d in zip(node.parents, local):
        parent.grad += d * node.grad
