"""The engine's functions by name, for a Value or a plain number, one per row of the table.

`autograd.tanh(v)` is `v.tanh()` for a Value; for a plain number it returns a
float, with the same domain checks and the same numerically stable formulas:

>>> from autograd import Value, tanh, sigmoid
>>> tanh(Value(0.5)).op
'tanh'
>>> sigmoid(-1000.0)
0.0

Every one-parent row of autograd/ops.py whose name is a method of Value gets
a function here, made by `function_of`, so a new row needs no code here.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from autograd.coerce import as_float
from autograd.messages import domain_error
from autograd.ops import BUILT_IN, Op
from autograd.value import Number, Value, apply

__all__: list[str] = []  # filled below, one name per row


def function_of(op: Op) -> Callable[..., Any]:
    """The function `op.name(x[, k])` of a one-parent row: a node for a Value, a float for a number.

    k defaults to the default of the Value method of the same name (leaky_relu's slope 0.01).
    """
    method = getattr(Value, op.name, None)
    default = (getattr(method, "__defaults__", None) or (None,))[0]

    def function(x: Value | Number, k: Number | None = default) -> Value | float:
        if k is not None and "{k}" not in op.text:
            raise TypeError(
                f"{op.name}() takes one argument, got a second one ({k!r:.30}); write {op.name}(x)"
            )
        if isinstance(x, Value):
            return apply(op, x, k)
        a = as_float(x, f"{op.name}()")
        constant = None if k is None else as_float(k, f"the constant of {op.name}")
        try:
            return op.forward(a, constant)
        except Exception as error:
            raise domain_error(error, op, (Value(a),), constant) from None

    function.__name__ = function.__qualname__ = op.name
    function.__doc__ = getattr(method, "__doc__", None) or f"{op.text.format(a='x', k='k')}."
    return function


def _functions() -> dict[str, Callable[..., Any]]:
    return {
        op.name: function_of(op)
        for op in BUILT_IN
        if op.arity == 1 and op.name.isidentifier() and callable(getattr(Value, op.name, None))
    }


globals().update(_functions())
__all__ += list(_functions())
