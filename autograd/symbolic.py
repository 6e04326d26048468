"""A graph as a sympy expression, to compare derivatives exactly rather than at points.

`to_sympy(y)` walks the graph of `y` in creation order and rebuilds it with
sympy: every labelled leaf becomes a real symbol named by its label, every
unlabelled leaf (the numbers Python operators lift into the graph, such as the
3 in `3 * x`) becomes an exact rational number, and every op becomes the
matching sympy function. sympy is imported only when this is used; it is the
`symbolic` extra: `pip install 'chainrule[symbolic]'`.

>>> from autograd import Value
>>> x = Value(1.5, label="x")
>>> print(to_sympy(x**2 * x.sin() + 0.5))
x**2*sin(x) + 1/2
"""

from __future__ import annotations

import math
from typing import Any

from autograd import ops
from autograd.backward import topological_order
from autograd.value import Value

__all__ = ["to_sympy", "sympy_symbol", "require_sympy"]


def require_sympy() -> Any:
    """The sympy module, or an ImportError that says how to install it."""
    try:
        import sympy
    except ImportError:
        raise ImportError(
            "symbolic checks need sympy, which is not installed. It is chainrule's "
            "'symbolic' extra: pip install 'chainrule[symbolic]' (or pip install sympy), "
            "then run this again"
        ) from None
    return sympy


def sympy_symbol(name: str) -> Any:
    """The real sympy symbol that to_sympy uses for a leaf labelled `name`."""
    return require_sympy().Symbol(name, real=True)


def _exact(sympy: Any, x: float) -> Any:
    if not math.isfinite(x):
        return sympy.nan if math.isnan(x) else (sympy.oo if x > 0 else -sympy.oo)
    # The shortest repr of a float is what its author typed: 0.1 becomes 1/10.
    return sympy.Rational(repr(x))


def build(sympy: Any, op: ops.Op, a: Any, b: Any) -> Any:
    """op applied to sympy expressions: the row's `symbolic` form, or its forward rule.

    A row without `symbolic` is plain arithmetic (+, -, *, neg, or a learner's
    `a**3`), whose forward takes sympy expressions as they are.
    """
    if op.symbolic is not None:
        return op.symbolic(sympy, a, b)
    try:
        return op.forward(a, b)
    except Exception as error:  # a forward written with math.*, or a comparison
        raise ValueError(
            f"to_sympy cannot write the op {op.name!r} in sympy: its forward rule did not "
            f"take sympy symbols ({type(error).__name__}: {error}). Give the op a symbolic "
            "form (autograd.primitive(..., symbolic=lambda sympy, a, k: ...)), or check "
            "this function numerically with gradcheck"
        ) from None


def to_sympy(value: Value) -> Any:
    """The sympy expression that computes `value` from its labelled leaves.

    Labelled leaves become real symbols named by their label; unlabelled leaves
    are constants. Two distinct leaves with the same label are refused, since
    one symbol cannot stand for two inputs.
    Raises ImportError naming the 'symbolic' extra when sympy is missing.
    """
    if not isinstance(value, Value):
        raise TypeError(
            f"to_sympy needs a Value, got {type(value).__name__} {value!r:.60}; "
            "pass the output of a computation on Values, e.g. to_sympy(x * y)"
        )
    sympy = require_sympy()
    built: dict[int, Any] = {}
    owners: dict[str, Value] = {}
    for node in topological_order(value):
        key = node.creation_index
        if node.is_leaf and node.label:
            owner = owners.setdefault(node.label, node)
            if owner is not node:
                raise ValueError(
                    f"to_sympy: two different leaves are both labelled {node.label!r} (data "
                    f"{owner.data!r} and {node.data!r}), and one symbol cannot stand for both, "
                    "so the formula would be wrong; give them different labels"
                )
        if node.is_leaf:
            built[key] = sympy_symbol(node.label) if node.label else _exact(sympy, node.data)
            continue
        op = node.operation
        parents = [built[p.creation_index] for p in node.parents]
        if len(parents) == 1:
            constant = node.constant
            k = None if constant is None else _exact(sympy, constant)
            built[key] = build(sympy, op, parents[0], k)
        else:
            built[key] = build(sympy, op, *parents)
    return built[value.creation_index]
