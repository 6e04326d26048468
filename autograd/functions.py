"""The engine's functions by name, for a Value or a plain number.

`autograd.tanh(v)` is `v.tanh()` for a Value; for a plain number it returns a
float, with the same domain checks and the same numerically stable formulas:

>>> from autograd import Value, tanh, sigmoid
>>> tanh(Value(0.5)).op
'tanh'
>>> sigmoid(-1000.0)
0.0
"""

from __future__ import annotations

from autograd import ops
from autograd.ops import Op
from autograd.value import Number, Value, _as_float, _domain_error

__all__ = [
    "exp",
    "log",
    "sqrt",
    "tanh",
    "sigmoid",
    "relu",
    "leaky_relu",
    "softplus",
    "sin",
    "cos",
]


def _on_number(fn: Op, x: Number, k: float | None = None) -> float:
    a = _as_float(x, f"{fn.name}()")
    try:
        return fn.forward(a, k)
    except Exception as error:
        raise _domain_error(error, fn, (Value(a),), k) from None


def exp(x: Value | Number) -> Value | float:
    """e**x."""
    return x.exp() if isinstance(x, Value) else _on_number(ops.EXP, x)


def log(x: Value | Number) -> Value | float:
    """Natural logarithm; needs x > 0."""
    return x.log() if isinstance(x, Value) else _on_number(ops.LOG, x)


def sqrt(x: Value | Number) -> Value | float:
    """Square root; needs x >= 0."""
    return x.sqrt() if isinstance(x, Value) else _on_number(ops.SQRT, x)


def tanh(x: Value | Number) -> Value | float:
    """Hyperbolic tangent."""
    return x.tanh() if isinstance(x, Value) else _on_number(ops.TANH, x)


def sigmoid(x: Value | Number) -> Value | float:
    """1 / (1 + e**-x), stable for any x."""
    return x.sigmoid() if isinstance(x, Value) else _on_number(ops.SIGMOID, x)


def relu(x: Value | Number) -> Value | float:
    """max(x, 0); relu'(0) is taken as 0."""
    return x.relu() if isinstance(x, Value) else _on_number(ops.RELU, x)


def leaky_relu(x: Value | Number, slope: Number = 0.01) -> Value | float:
    """x for x > 0, slope * x otherwise."""
    if isinstance(x, Value):
        return x.leaky_relu(slope)
    return _on_number(ops.LEAKY_RELU, x, _as_float(slope, "leaky_relu slope"))


def softplus(x: Value | Number) -> Value | float:
    """log(1 + e**x), stable for any x."""
    return x.softplus() if isinstance(x, Value) else _on_number(ops.SOFTPLUS, x)


def sin(x: Value | Number) -> Value | float:
    """Sine, x in radians."""
    return x.sin() if isinstance(x, Value) else _on_number(ops.SIN, x)


def cos(x: Value | Number) -> Value | float:
    """Cosine, x in radians."""
    return x.cos() if isinstance(x, Value) else _on_number(ops.COS, x)
