"""The table of primitive operations: the one place where derivatives live.

Every operation chainrule records is one `Op` in `OPS`. An entry says how to
compute the operation on floats (`forward`) and what its local derivatives are
(`local`): d(out)/d(parent) for each parent, in the node's own terms. The
backward pass multiplies each local derivative by the gradient flowing into the
node; that multiplication is the chain rule, and it is written once, in
`autograd/backward.py`.

The names used by every rule:

    a, b   the parents' values (b is absent for one-parent ops)
    k      a constant fixed when the node was made (the 3 in x**3, a slope)
    out    the node's own value

`local` is written so that it works both on floats (the usual fast backward)
and on Values (backward with create_graph=True, which differentiates the
derivative itself). That is why a rule calls `_cos(a)` rather than `math.cos`:
the helper records a node when handed a Value.

Conventions at kinks, where the derivative does not exist: relu'(0) = 0,
leaky_relu'(0) = k, abs'(0) = 0 (the subgradient PyTorch also picks).
"""

from __future__ import annotations

import math
import operator
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from autograd.errors import DomainError

__all__ = ["Op", "OPS"]


@dataclass(frozen=True, slots=True)
class Op:
    """One primitive: its forward rule on floats and its local derivatives."""

    name: str
    """Short name shown as Value.op: '+', '*', 'tanh'."""
    arity: int
    """Number of parents: 1 or 2."""
    forward: Callable[..., float]
    """forward(a, b) for two parents, forward(a, k) for one."""
    local: Callable[..., tuple[Any, ...]]
    """local(out, a, b or k) -> (d out/d a, d out/d b): one entry per parent."""
    expression: str
    """The operation written out, e.g. 'log({a})', for messages and explain()."""
    derivatives: tuple[str, ...]
    """The local derivatives as formulas in a, b, k and out, e.g. ('1 - out**2',)."""

    def describe(self, a: float, b: float | None = None, k: float | None = None) -> str:
        """The operation with numbers filled in: describe(-2.0) == 'log(-2.0)'."""
        return self.expression.format(a=_number(a), b=_number(b), k=_number(k))


def _number(x: float | None) -> str:
    return "" if x is None else repr(float(x))


def _undefined(expression: str, reason: str) -> DomainError:
    return DomainError(f"{expression} is undefined: {reason}")


# Helpers that work on a float or record a node on a Value. They let the same
# derivative rule serve the float backward and the create_graph backward.


def _real(x: Any) -> float:
    return x if type(x) is float else x.data


def _cos(x: Any) -> Any:
    return math.cos(x) if type(x) is float else x.cos()


def _sin(x: Any) -> Any:
    return math.sin(x) if type(x) is float else x.sin()


def _log(x: Any) -> Any:
    return _log_forward(x, None) if type(x) is float else x.log()


def _sigmoid(x: Any) -> Any:
    return _sigmoid_forward(x, None) if type(x) is float else x.sigmoid()


# Forward rules that need more than one expression.


def _divide(a: float, b: float) -> float:
    if b == 0.0:
        raise _undefined(f"{a!r} / 0.0", "division by zero")
    return a / b


def _power(a: float, b: float) -> float:
    if a == 0.0 and b < 0.0:
        raise _undefined(f"0.0 ** {b!r}", "zero to a negative power divides by zero")
    if a < 0.0 and not b.is_integer():
        raise _undefined(
            f"{a!r} ** {b!r}",
            "a negative base needs a whole-number exponent (the result would be complex)",
        )
    return a**b


def _log_forward(a: float, _: None) -> float:
    if a <= 0.0:
        raise _undefined(f"log({a!r})", "log needs x > 0")
    return math.log(a)


def _sqrt_forward(a: float, _: None) -> float:
    if a < 0.0:
        raise _undefined(f"sqrt({a!r})", "sqrt needs x >= 0")
    return math.sqrt(a)


def _sigmoid_forward(a: float, _: None) -> float:
    # Two algebraically equal forms, each used where its exp cannot overflow.
    if a >= 0.0:
        return 1.0 / (1.0 + math.exp(-a))
    e = math.exp(a)
    return e / (1.0 + e)


def _softplus_forward(a: float, _: None) -> float:
    # log(1 + e**a) = max(a, 0) + log(1 + e**-|a|), which never overflows.
    return max(a, 0.0) + math.log1p(math.exp(-abs(a)))


# Local derivatives that need more than one expression.


def _pow_local(out: Any, a: Any, b: Any) -> tuple[Any, Any]:
    x = _real(a)
    if x > 0.0:
        d_exponent = out * _log(a)
    elif x == 0.0 and _real(b) > 0.0:
        d_exponent = 0.0  # the limit of out * log(a) as a -> 0+ is 0
    else:
        raise _undefined(
            f"the derivative of {x!r} ** y with respect to y",
            "it needs log of the base, and the base is not positive; "
            "if the exponent is a constant, write it as a plain number (x ** 3), "
            "which has no exponent gradient",
        )
    return b * a ** (b - 1.0), d_exponent


def _sqrt_local(out: Any, a: Any, _: None) -> tuple[Any]:
    if _real(out) == 0.0:
        raise _undefined("the derivative of sqrt at 0", "it is infinite (1 / (2 * sqrt(0)))")
    return (0.5 / out,)


def _sign(x: float) -> float:
    return 1.0 if x > 0.0 else -1.0 if x < 0.0 else 0.0


# fmt: off
# One line per primitive: name, arity, forward, local derivatives, how to write it.
ADD = Op("+", 2, operator.add, lambda out, a, b: (1.0, 1.0), "{a} + {b}", ("1", "1"))
SUB = Op("-", 2, operator.sub, lambda out, a, b: (1.0, -1.0), "{a} - {b}", ("1", "-1"))
MUL = Op("*", 2, operator.mul, lambda out, a, b: (b, a), "{a} * {b}", ("b", "a"))
DIV = Op(
    "/", 2, _divide, lambda out, a, b: (1.0 / b, -out / b), "{a} / {b}", ("1/b", "-out/b")
)
POW = Op("**", 2, _power, _pow_local, "{a} ** {b}", ("b * a**(b-1)", "out * log(a)"))
NEG = Op("neg", 1, lambda a, k: -a, lambda out, a, k: (-1.0,), "-{a}", ("-1",))
POW_CONST = Op(
    "**", 1, _power, lambda out, a, k: (k * a ** (k - 1.0),), "{a} ** {k}", ("k * a**(k-1)",)
)
ABS = Op("abs", 1, lambda a, k: abs(a), lambda out, a, k: (_sign(_real(a)),), "abs({a})", ("sign(a)",))
EXP = Op("exp", 1, lambda a, k: math.exp(a), lambda out, a, k: (out,), "exp({a})", ("out",))
LOG = Op("log", 1, _log_forward, lambda out, a, k: (1.0 / a,), "log({a})", ("1/a",))
SQRT = Op("sqrt", 1, _sqrt_forward, _sqrt_local, "sqrt({a})", ("1 / (2*out)",))
TANH = Op(
    "tanh", 1, lambda a, k: math.tanh(a), lambda out, a, k: (1.0 - out * out,), "tanh({a})",
    ("1 - out**2",),
)
SIGMOID = Op(
    "sigmoid", 1, _sigmoid_forward, lambda out, a, k: (out * (1.0 - out),), "sigmoid({a})",
    ("out * (1 - out)",),
)
RELU = Op(
    "relu", 1, lambda a, k: a if a > 0.0 else 0.0,
    lambda out, a, k: (1.0 if _real(a) > 0.0 else 0.0,), "relu({a})", ("1 if a > 0 else 0",),
)
LEAKY_RELU = Op(
    "leaky_relu", 1, lambda a, k: a if a > 0.0 else k * a,
    lambda out, a, k: (1.0 if _real(a) > 0.0 else k,), "leaky_relu({a}, {k})",
    ("1 if a > 0 else k",),
)
SOFTPLUS = Op(
    "softplus", 1, _softplus_forward, lambda out, a, k: (_sigmoid(a),), "softplus({a})",
    ("sigmoid(a)",),
)
SIN = Op("sin", 1, lambda a, k: math.sin(a), lambda out, a, k: (_cos(a),), "sin({a})", ("cos(a)",))
COS = Op("cos", 1, lambda a, k: math.cos(a), lambda out, a, k: (-_sin(a),), "cos({a})", ("-sin(a)",))

# fmt: on

OPS: dict[str, Op] = {
    op.name if op is not POW_CONST else "**k": op
    for op in (
        ADD,
        SUB,
        MUL,
        DIV,
        POW,
        NEG,
        POW_CONST,
        ABS,
        EXP,
        LOG,
        SQRT,
        TANH,
        SIGMOID,
        RELU,
        LEAKY_RELU,
        SOFTPLUS,
        SIN,
        COS,
    )
}
"""Every primitive by a unique key: its name, and '**k' for a constant power."""
