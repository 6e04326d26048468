"""The backward pass: the chain rule applied to every node, in reverse order.

For each node, children before parents, the gradient that has flowed into it is
multiplied by the local derivative d(node)/d(parent) from the op table and
added to each parent's gradient:

    parent.grad += local_derivative * node.grad

Every node is visited once, after all the nodes that use it (the reverse of
a topological order), so by the time a node passes its gradient on, that
gradient is complete. The order is built with a loop and a stack, never by
recursion, so a graph a million nodes deep is fine.
"""

from __future__ import annotations

import operator
from collections.abc import Iterable, Sequence
from typing import Any

from autograd.chain import describe, local_derivatives, propagate_one
from autograd.coerce import as_float
from autograd.errors import DomainError
from autograd.hooks import HOOKED, run_hooks, run_leaf_hooks
from autograd.messages import backward_error, where
from autograd.recording import STATE, enable_grad, is_anomaly_enabled
from autograd.value import PYTHON_BACKWARD, Value

__all__ = ["backward", "grad", "topological_order", "propagate_one"]


def topological_order(root: Value) -> list[Value]:
    """Every node `root` depends on, itself included, parents before children.

    The order is depth-first from the root, parents in operand order, so the
    same code always gives the same list; backward() runs it in reverse.
    """
    return _collect(root, reset_inner_grads=False)


_AFTER_PARENTS = object()
"""Stack marker: the node beneath it goes into the order once its parents have."""


def _collect(
    root: Value, reset_inner_grads: bool, leaves: list[Value] | None = None
) -> list[Value]:
    # Depth-first with an explicit stack, never recursion, so depth is unlimited.
    # A node is marked when it is expanded, not when pushed: a parent pushed
    # earlier but not yet expanded is pushed again, so it is emitted first.
    # The leaves are also gathered in `leaves`, if given, for the finite check.
    order: list[Value] = []
    leaf_found = (leaves if leaves is not None else order).append
    seen: set[Value] = set()
    stack: list = [root]
    push, pop, mark_seen = stack.append, stack.pop, seen.add
    while stack:
        node = pop()
        if node is _AFTER_PARENTS:
            order.append(pop())
            continue
        if node in seen:
            continue
        mark_seen(node)
        a = node._a
        if a is None:
            order.append(node)
            if leaves is not None:
                leaf_found(node)
            continue
        if reset_inner_grads:
            node.grad = 0.0  # inner nodes show this pass only; leaves accumulate
        push(node)
        push(_AFTER_PARENTS)
        b = node._b  # a one-parent op keeps its constant (a float) there
        if b is not None and type(b) is not float and b not in seen:
            push(b)
        if a not in seen:
            push(a)
    return order


def backward(root: Value, gradient: Any = 1.0, *, create_graph: bool = False) -> None:
    """Fill .grad of every node `root` depends on; see Value.backward."""
    if not isinstance(root, Value):
        raise TypeError(f"backward needs a Value, got {type(root).__name__}")
    if not isinstance(gradient, Value):
        gradient = as_float(gradient, "backward(gradient)")
    if create_graph:
        # The gradients form a graph of their own, even when called inside no_grad().
        with enable_grad():
            _backward(root, gradient, create_graph)
    else:
        _backward(root, gradient, create_graph)


def _backward(root: Value, gradient: Any, create_graph: bool) -> None:
    leaves: list[Value] = []
    order = _collect(root, reset_inner_grads=True, leaves=leaves)
    # Hooks are rare: look for them only when some node anywhere has one.
    hooked = bool(HOOKED)
    hooked_leaves = _hooked(order) if hooked else ()
    if root._fn is None:
        root.grad = root.grad + gradient
    elif create_graph:
        root.grad = gradient if isinstance(gradient, Value) else Value(gradient)
        _propagate(order, True, hooked)
    else:
        root.grad = float(gradient.data if isinstance(gradient, Value) else gradient)
        _propagate(order, False, hooked)
        if not (STATE.special and is_anomaly_enabled()):  # anomaly mode says it its own way
            _check_finite(order, leaves)
    for leaf, before in hooked_leaves:
        run_leaf_hooks(leaf, before)
    if STATE.special:
        from autograd.anomaly import check_backward

        check_backward(order)


def _propagate(order: list[Value], differentiable: bool, hooked: bool) -> None:
    """The chain rule at every node, children first: parent.grad += local * node.grad.

    On floats, or with differentiable=True on Values, so that the gradients
    form a graph of their own (create_graph).
    """
    node = None
    try:
        for node in reversed(order):
            fn = node._fn
            if fn is None:
                continue
            g = node.grad
            if hooked and node.hooks is not None:
                g = node.grad = run_hooks(node, g)
            if fn is PYTHON_BACKWARD:  # micrograd's lecture style: the node's own closure
                propagate_one(node)
                continue
            local = local_derivatives(node, differentiable)
            node._a.grad += local[0] * g
            if len(local) == 2:
                node._b.grad += local[1] * g
    except (ArithmeticError, ValueError) as error:
        if node is None or node._fn is None or node._fn is PYTHON_BACKWARD:
            raise
        raise backward_error(error, node, describe(node)) from None


def _check_finite(order: list[Value], leaves: list[Value]) -> None:
    """Refuse a nan or inf gradient that finite numbers produced (an overflow in backward).

    One cheap look at the leaves; only when one is not finite is the graph
    walked again, to name the step that made it. A nan or inf the user passed
    in (as data or as the starting gradient) is left alone: it was not made here.
    """
    total = sum(map(_grad_of, leaves))  # inf or nan if any one is (or if the sum overflows)
    if type(total) is float and total - total == 0.0:
        return
    # A leaf may hold a Value from an earlier create_graph pass: only floats are judged here.
    if all(type(g) is not float or g - g == 0.0 for g in map(_grad_of, leaves)):
        return
    seed = order[-1].grad
    if any(n.data - n.data != 0.0 for n in order) or (type(seed) is float and seed - seed != 0.0):
        return  # a nan or inf came in from outside; detect_anomaly() says where
    for node in reversed(order):
        g = node.grad
        if node._fn is None or node._fn is PYTHON_BACKWARD or type(g) is not float or g - g != 0.0:
            continue
        for parent, d in zip(node.parents, local_derivatives(node)):
            if (d * g) - (d * g) != 0.0:
                raise DomainError(
                    f"backward produced {d * g} at {describe(node)} = {node.data!r}: its local "
                    f"derivative d(out)/d({parent.label or 'operand'}) is {d!r} and its gradient "
                    f"is {g!r}{where((node, parent))}. Every gradient that depends on it would "
                    "be nan or inf, silently. Keep the inputs away from that point (a "
                    "denominator near 0, a huge exponent), or rescale them"
                )
    culprit = next(n for n in order if type(n.grad) is float and n.grad - n.grad != 0.0)
    raise DomainError(
        f"backward produced {culprit.grad} for the gradient of {describe(culprit)} = "
        f"{culprit.data!r}{where((culprit,))}: its contributions were each finite, but their "
        "sum overflowed. Every gradient that depends on it would be inf or nan; rescale the "
        "inputs or the loss (a mean rather than a sum)"
    )


_grad_of = operator.attrgetter("grad")


def _hooked(order: list[Value]) -> list[tuple[Value, Any]]:
    """The leaves of `order` that have hooks, with their .grad before this pass."""
    return [(n, n.grad) for n in order if n._fn is None and n.hooks is not None]


def grad(
    outputs: Value | Sequence[Value],
    inputs: Value | Iterable[Value],
    grad_outputs: Any = None,
    *,
    create_graph: bool = False,
) -> list[Value]:
    """d(sum of outputs)/d(input) for each input, as Values; .grad is left untouched.

    With create_graph=True the results are differentiable, which gives higher
    derivatives:

    >>> from autograd import Value, grad
    >>> x = Value(3.0)
    >>> y = x ** 3
    >>> (dy,) = grad(y, [x], create_graph=True)   # 3x**2 = 27
    >>> (d2y,) = grad(dy, [x])                     # 6x = 18
    >>> dy.data, d2y.data
    (27.0, 18.0)
    """
    outs = [outputs] if isinstance(outputs, Value) else list(outputs)
    ins = [inputs] if isinstance(inputs, Value) else list(inputs)
    for v in outs + ins:
        if not isinstance(v, Value):
            raise TypeError(f"grad needs Values as outputs and inputs, got {type(v).__name__}")
    if grad_outputs is None:
        seeds = [1.0] * len(outs)
    elif isinstance(grad_outputs, (list, tuple)):
        seeds = list(grad_outputs)
    else:
        seeds = [grad_outputs]
    if len(seeds) != len(outs):
        raise ValueError(f"grad got {len(outs)} outputs but {len(seeds)} grad_outputs")

    # Run the ordinary backward on every node involved, then put .grad back.
    with enable_grad():  # the outputs' sum must be recorded even inside no_grad()
        root = outs[0] if len(outs) == 1 else _sum_for_grad(outs, seeds)
    nodes = topological_order(root)
    saved = [n.grad for n in nodes]
    saved_inputs = [x.grad for x in ins]
    try:
        for n in nodes:
            n.grad = 0.0
        for x in ins:
            x.grad = 0.0
        backward(root, seeds[0] if len(outs) == 1 else 1.0, create_graph=create_graph)
        results = [x.grad for x in ins]
    finally:
        for n, g in zip(nodes, saved):
            n.grad = g
        for x, g in zip(ins, saved_inputs):
            x.grad = g
    return [r if isinstance(r, Value) else Value(r) for r in results]


def _sum_for_grad(outs: list[Value], seeds: list[Any]) -> Value:
    total = outs[0] * seeds[0]
    for out, seed in zip(outs[1:], seeds[1:]):
        total = total + out * seed
    return total
