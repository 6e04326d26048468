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

import numbers
from collections.abc import Iterable, Sequence
from typing import Any

from autograd.errors import AnomalyError, DomainError
from autograd.ops import ADD as _ADD
from autograd.ops import MUL as _MUL
from autograd.recording import STATE, enable_grad
from autograd.value import HOOKED_LEAVES, Value, _as_float, where

__all__ = ["backward", "grad", "topological_order"]


def topological_order(root: Value) -> list[Value]:
    """Every node `root` depends on, itself included, parents before children.

    The order is depth-first from the root, parents in operand order, so the
    same code always gives the same list; backward() runs it in reverse.
    """
    return _collect(root, reset_inner_grads=False)


_AFTER_PARENTS = object()
"""Stack marker: the node beneath it goes into the order once its parents have."""


def _collect(root: Value, reset_inner_grads: bool) -> list[Value]:
    # Depth-first with an explicit stack, never recursion, so depth is unlimited.
    # A node is marked when it is expanded, not when pushed: a parent pushed
    # earlier but not yet expanded is pushed again, so it is emitted first.
    order: list[Value] = []
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
            continue
        if reset_inner_grads:
            node.grad = 0.0  # inner nodes show this pass only; leaves accumulate
        push(node)
        push(_AFTER_PARENTS)
        b = node._b
        if b is not None and b not in seen:
            push(b)
        if a not in seen:
            push(a)
    return order


def backward(root: Value, gradient: Any = 1.0, *, create_graph: bool = False) -> None:
    """Fill .grad of every node `root` depends on; see Value.backward."""
    if not isinstance(root, Value):
        raise TypeError(f"backward needs a Value, got {type(root).__name__}")
    if not isinstance(gradient, Value):
        gradient = _as_float(gradient, "backward(gradient)")
    if create_graph:
        # The gradients form a graph of their own, even when called inside no_grad().
        with enable_grad():
            _backward(root, gradient, create_graph)
    else:
        _backward(root, gradient, create_graph)


def _backward(root: Value, gradient: Any, create_graph: bool) -> None:
    order = _collect(root, reset_inner_grads=True)
    # Leaves with hooks are rare: look for them only when some leaf anywhere has one.
    hooked_leaves = _hooked(order) if HOOKED_LEAVES else ()
    if root._fn is None:
        root.grad = root.grad + gradient
    elif create_graph:
        root.grad = gradient if isinstance(gradient, Value) else Value(gradient)
        _propagate_values(order)
    else:
        root.grad = float(gradient.data if isinstance(gradient, Value) else gradient)
        _propagate_floats(order)
    for leaf, before in hooked_leaves:
        _run_leaf_hooks(leaf, before)
    if STATE.special:
        from autograd.anomaly import check_backward

        check_backward(order)


def _propagate_floats(order: list[Value]) -> None:
    node = None
    try:
        for node in reversed(order):
            fn = node._fn
            if fn is None:
                continue
            g = node.grad
            if node._hooks is not None:
                g = node.grad = _run_hooks(node, g)
            a = node._a
            b = node._b
            if fn is _ADD:  # + and * make most nodes of a network: their rules from
                a.grad += g  # ops.ADD.local and ops.MUL.local, inlined to save a call
                b.grad += g  # per node (about a tenth of a training step)
            elif fn is _MUL:
                a.grad += b.data * g
                b.grad += a.data * g
            elif b is None:
                (d,) = fn.local(node.data, a.data, node._k)
                a.grad += d * g
            else:
                da, db = fn.local(node.data, a.data, b.data)
                a.grad += da * g
                b.grad += db * g
    except (ArithmeticError, ValueError) as error:
        raise _backward_error(error, node) from None


def _propagate_values(order: list[Value]) -> None:
    """The same chain rule on Values, so the gradients form a graph of their own."""
    node = None
    try:
        for node in reversed(order):
            fn = node._fn
            if fn is None:
                continue
            g = node.grad
            if node._hooks is not None:
                g = node.grad = _run_hooks(node, g)
            parents = node.parents
            second = node._b if node._b is not None else node._k
            for parent, d in zip(parents, fn.local(node, node._a, second)):
                parent.grad = parent.grad + d * g
    except (ArithmeticError, ValueError) as error:
        raise _backward_error(error, node) from None


def propagate_one(node: Value) -> None:
    """Apply one node's chain-rule step to its parents' .grad (micrograd's _backward)."""
    fn = node._fn
    if fn is None:
        return
    second = node._b.data if node._b is not None else node._k
    try:
        local = fn.local(node.data, node._a.data, second)
    except (ArithmeticError, ValueError) as error:
        raise _backward_error(error, node) from None
    for parent, d in zip(node.parents, local):
        parent.grad += d * node.grad


def _run_hooks(node: Value, g: Any) -> Any:
    for hook in list(node._hooks or ()):
        replaced = hook(g)
        if replaced is not None:
            if not isinstance(replaced, (Value, numbers.Real)) or isinstance(replaced, bool):
                raise TypeError(
                    f"a gradient hook on node #{node._id}{where((node,))} returned "
                    f"{type(replaced).__name__} {replaced!r:.60}; a hook returns None to keep "
                    "the gradient, or a number (or Value) to replace it"
                )
            g = replaced
    return g


def _hooked(order: list[Value]) -> list[tuple[Value, Any]]:
    """The leaves of `order` that have hooks, with their .grad before this pass."""
    return [(n, n.grad) for n in order if n._fn is None and n._hooks is not None]


def _run_leaf_hooks(leaf: Value, before: Any) -> None:
    """A leaf's hooks see the gradient of this pass, as in PyTorch, before it accumulates."""
    unchanged = type(before) is float and before == 0.0
    incoming = leaf.grad if unchanged else leaf.grad - before
    replaced = _run_hooks(leaf, incoming)
    if replaced is not incoming:
        leaf.grad = replaced if unchanged else before + replaced


def _backward_error(error: Exception, node: Value | None) -> Exception:
    if node is None or node._fn is None:
        return error
    described = node._fn.describe(
        node._a.data, node._b.data if node._b is not None else None, node._k
    )
    if isinstance(error, AnomalyError):  # create_graph: the derivative's own graph overflowed
        return AnomalyError(
            f"in backward, at the local derivative of {described} "
            f"(node #{node._id}{where((node,))}): {error}"
        )
    if isinstance(error, DomainError):
        reason = str(error)
    else:
        reason = f"the local derivative of {described} could not be computed ({error})"
    return DomainError(
        f"backward failed at {described} = {node.data!r}: {reason}{where((node,) + node.parents)}. "
        "The function is not differentiable there; move the input away from that point"
    )


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
