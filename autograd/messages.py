"""How error messages name nodes and operations: shared by the engine, backward and the tape.

Every message says what happened, why it matters, and what to do about it;
these helpers write the parts that name a node (by its label) and describe an
operation with its numbers.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from autograd.errors import AnomalyError, DomainError

__all__ = ["where", "domain_error", "no_comparison", "backward_error"]


def where(nodes: Sequence[Any]) -> str:
    """' (in node 'z')' for the labelled nodes among `nodes`, or ''."""
    labels = [n.label for n in nodes if n.label]
    if not labels:
        return ""
    if len(labels) == 1:
        return f" (in node {labels[0]!r})"
    return " (in nodes " + " and ".join(repr(label) for label in labels) + ")"


def domain_error(error: Exception, op: Any, operands: Sequence[Any], k: float | None) -> Exception:
    """The error a forward rule raised, rewritten to name the operation, its numbers and nodes.

    `operands` are the Values the op was applied to; errors other than
    arithmetic and value errors (a bug in a learner's rule) pass through as they are.
    """
    if not isinstance(error, (ArithmeticError, ValueError)):
        return error
    b = operands[1].data if len(operands) == 2 else None
    expression = op.describe(operands[0].data, b, k)
    if isinstance(error, DomainError):
        message = str(error)
    elif isinstance(error, OverflowError):
        message = (
            f"{expression} overflows: the result is beyond the largest float (about 1.8e308), "
            "so every later step would be inf or NaN. Scale the inputs down (normalise the "
            "data, lower the learning rate), or use a stable form such as softplus(x) "
            "instead of log(1 + exp(x))"
        )
    else:
        message = f"{expression} is undefined: {error}"
    way_out = getattr(error, "way_out", "")
    return DomainError(message + where(operands) + (f". {way_out}" if way_out else ""))


def no_comparison(symbol: str, a: Any, b: Any) -> TypeError:
    """Why Values cannot be compared with <, and what to write instead."""
    left, right = (repr(x.data) if hasattr(x, "backward") else repr(x) for x in (a, b))
    return TypeError(
        f"Values cannot be compared with {symbol} (got {left} {symbol} {right}): the graph "
        "records arithmetic, not choices. Compare their numbers, x.data "
        f"{symbol} y.data, for a choice that backward need not see, or write the choice "
        "with an op of the graph (relu, abs, leaky_relu), which backward differentiates"
    )


def backward_error(error: Exception, node: Any, described: str) -> Exception:
    """The error a local derivative raised in backward, naming the node where it happened.

    `described` is the node's operation with its numbers (autograd.chain.describe).
    """
    if isinstance(error, AnomalyError):  # create_graph: the derivative's own graph overflowed
        return AnomalyError(
            f"in backward, at the local derivative of {described} "
            f"(node #{node.creation_index}{where((node,))}): {error}"
        )
    if isinstance(error, DomainError):
        reason = str(error)
    else:
        reason = f"the local derivative of {described} could not be computed ({error})"
    return DomainError(
        f"backward failed at {described} = {node.data!r}: {reason}"
        f"{where((node, *node.parents))}. "
        "The function is not differentiable there; move the input away from that point"
    )
