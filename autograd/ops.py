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

`local` is written so that it works on floats (the usual fast backward), on
Values (backward with create_graph=True, which differentiates the derivative
itself) and on numpy arrays holding a whole batch (the tape of
autograd/trace.py). That is why a rule calls `_cos(a)` rather than `math.cos`:
the helper records a node when handed a Value and maps np.cos over an array.
Each helper tries the float first, so the scalar engine pays nothing for the
other two.

`forward_array` is the forward rule again, on numpy arrays: the same formula
(the same stable form for sigmoid and softplus) and the same domain checks,
vectorized. When an element of the batch is outside the domain, `_check` runs
the float rule on that one element, so the error is the float rule's own
message, and it records the element's position as `error.batch_index`.

Conventions at kinks, where the derivative does not exist: relu'(0) = 0,
leaky_relu'(0) = k, abs'(0) = 0 (the subgradient PyTorch also picks).
"""

from __future__ import annotations

import math
import operator
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

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
    forward_array: Callable[..., Any] | None = None
    """forward on numpy arrays of a batch, with the same domain checks, vectorized.

    None when `forward` is plain arithmetic, which numpy already applies elementwise.
    """

    def describe(self, a: float, b: float | None = None, k: float | None = None) -> str:
        """The operation with numbers filled in: describe(-2.0) == 'log(-2.0)'.

        A negative number between operators is put in parentheses, so that the
        text reads as Python would: (-8.0) ** 0.5, not -8.0 ** 0.5 (which is -(8.0 ** 0.5)).
        """
        template = self.expression
        return template.format(
            **{
                name: _number(x, enclosed=f"({{{name}}})" in template)
                for name, x in (("a", a), ("b", b), ("k", k))
            }
        )


def _number(x: float | None, enclosed: bool = True) -> str:
    if x is None:
        return ""
    text = repr(float(x))
    return text if enclosed or not text.startswith("-") else f"({text})"


def _undefined(expression: str, reason: str, way_out: str = "") -> DomainError:
    """What happened and why; the way out is kept apart, to go after the node's label."""
    error = DomainError(f"{expression} is undefined: {reason}")
    error.way_out = way_out  # type: ignore[attr-defined]
    return error


# Helpers that work on a float, record a node on a Value, or map over a numpy
# array. They let one derivative rule serve the float backward, the
# create_graph backward and the batched tape. The float test comes first: it is
# the scalar engine's hot path.

_ARRAY = np.ndarray


def _real(x: Any) -> float:
    return x if type(x) is float else x.data


def _cos(x: Any) -> Any:
    if type(x) is float:
        return math.cos(x)
    return np.cos(x) if type(x) is _ARRAY else x.cos()


def _sin(x: Any) -> Any:
    if type(x) is float:
        return math.sin(x)
    return np.sin(x) if type(x) is _ARRAY else x.sin()


def _log(x: Any) -> Any:
    if type(x) is float:
        return _log_forward(x, None)
    return _log_array(x, None) if type(x) is _ARRAY else x.log()


def _sigmoid(x: Any) -> Any:
    if type(x) is float:
        return _sigmoid_forward(x, None)
    return _sigmoid_array(x, None) if type(x) is _ARRAY else x.sigmoid()


def _step(x: Any, above: Any, otherwise: Any) -> Any:
    """`above` where x > 0, `otherwise` elsewhere: the slope of relu and leaky_relu."""
    if type(x) is float:
        return above if x > 0.0 else otherwise
    if type(x) is _ARRAY:
        return np.where(x > 0.0, above, otherwise)
    return above if x.data > 0.0 else otherwise


def _sign(x: Any) -> Any:
    """1, -1 or 0 (the subgradient of abs at 0), as a float or an array."""
    if type(x) is not float:
        if type(x) is _ARRAY:
            return (x > 0.0).astype(float) - (x < 0.0)  # np.sign would give NaN for NaN
        x = x.data
    return 1.0 if x > 0.0 else -1.0 if x < 0.0 else 0.0


# Vectorized domain checks: find the first bad element, let the float rule explain it.


def _check(bad: Any, rule: Callable[..., Any], *args: Any) -> None:
    """Raise rule's own error for the first batch element where `bad` is true.

    `args` are the rule's arguments, arrays of the batch or plain floats; the
    rule is run on the floats of that one element, and its error gets the
    element's flat position as `batch_index`.
    """
    bad = np.asarray(bad)
    if not bad.any():
        return
    index = int(np.flatnonzero(bad)[0])
    point = [float(x.flat[index]) if type(x) is _ARRAY else x for x in args]
    try:
        rule(*point)
    except (ArithmeticError, ValueError) as error:
        error.batch_index = index  # type: ignore[attr-defined]
        raise
    error = DomainError(
        f"{rule.__name__} failed on element {index} of a batch {point!r} but not on the same "
        "numbers alone: the array rule and the float rule disagree. Report this as a bug "
        "in autograd/ops.py"
    )
    error.batch_index = index  # type: ignore[attr-defined]
    raise error


def _overflowed(out: Any, *inputs: Any) -> Any:
    """Where `out` is infinite although every input is finite: a float overflow."""
    bad = np.isinf(out)
    if bad.any():
        for x in inputs:
            bad &= np.isfinite(x)
    return bad


# Forward rules that need more than one expression.


def _divide(a: float, b: float) -> float:
    if b == 0.0:
        raise _undefined(
            f"{a!r} / 0.0",
            "division by zero",
            "Keep the denominator away from 0, for example a / (b + 1e-12) where b >= 0",
        )
    return a / b


def _power(a: float, b: float) -> float:
    if a == 0.0 and b < 0.0:
        raise _undefined(
            f"0.0 ** {b!r}",
            "zero to a negative power divides by zero",
            "Keep the base away from 0, (x + 1e-12) ** k, or use an exponent >= 0",
        )
    if a < 0.0 and not b.is_integer():
        raise _undefined(
            f"({a!r}) ** {b!r}",  # a < 0 here: -8.0 ** 0.5 would read as -(8.0 ** 0.5)
            "a negative base needs a whole-number exponent (the result would be complex)",
            "Use a whole-number exponent, or raise a positive base such as abs(x)",
        )
    return a**b


def _log_forward(a: float, _: None) -> float:
    if a <= 0.0:
        raise _undefined(
            f"log({a!r})",
            "log needs x > 0",
            "Pass a positive number: move a probability away from 0 first, "
            "for example log(p + 1e-12)",
        )
    return math.log(a)


def _sqrt_forward(a: float, _: None) -> float:
    if a < 0.0:
        raise _undefined(
            f"sqrt({a!r})",
            "sqrt needs x >= 0",
            "Pass a number >= 0; for the length of a signed x, write (x * x + 1e-12).sqrt()",
        )
    return math.sqrt(a)


def _not_finite(name: str, a: float) -> DomainError:
    return _undefined(
        f"{name}({a!r})",
        f"{name} needs a finite x. An earlier step overflowed to inf; "
        "autograd.detect_anomaly() names the step where it first happened",
    )


def _sin_forward(a: float, _: None) -> float:
    if a - a != 0.0 and a == a:  # +-inf; NaN passes through as NaN
        raise _not_finite("sin", a)
    return math.sin(a)


def _cos_forward(a: float, _: None) -> float:
    if a - a != 0.0 and a == a:
        raise _not_finite("cos", a)
    return math.cos(a)


def _sigmoid_forward(a: float, _: None) -> float:
    # Two algebraically equal forms, each used where its exp cannot overflow.
    if a >= 0.0:
        return 1.0 / (1.0 + math.exp(-a))
    e = math.exp(a)
    return e / (1.0 + e)


def _softplus_forward(a: float, _: None) -> float:
    # log(1 + e**a) = max(a, 0) + log(1 + e**-|a|), which never overflows.
    return max(a, 0.0) + math.log1p(math.exp(-abs(a)))


# The same forward rules on numpy arrays.


def _divide_array(a: Any, b: Any) -> Any:
    _check(b == 0.0, _divide, a, b)
    return a / b  # an overflow (1e300 / 1e-300) is refused once per pass, by the tape


def _power_array(a: Any, b: Any) -> Any:
    whole = np.isfinite(b) & (np.floor(b) == b)
    _check(((a == 0.0) & (b < 0.0)) | ((a < 0.0) & ~whole), _power, a, b)
    out = np.power(a, b)
    _check(_overflowed(out, a, b), _power, a, b)
    return out


def _exp_array(a: Any, _: None) -> Any:
    out = np.exp(a)
    _check(_overflowed(out, a), math.exp, a)
    return out


def _log_array(a: Any, _: None) -> Any:
    _check(a <= 0.0, _log_forward, a, None)
    return np.log(a)


def _sqrt_array(a: Any, _: None) -> Any:
    _check(a < 0.0, _sqrt_forward, a, None)
    return np.sqrt(a)


def _sin_array(a: Any, _: None) -> Any:
    _check(np.isinf(a), _sin_forward, a, None)  # np.sin(inf) would be a silent NaN
    return np.sin(a)


def _cos_array(a: Any, _: None) -> Any:
    _check(np.isinf(a), _cos_forward, a, None)
    return np.cos(a)


ARITHMETIC_NAMES = ("+", "-", "*", "/")
"""The ops whose float result can overflow to inf from finite operands (1e200 * 1e200)."""


def check_overflow(rule: Callable[[float, float], float], out: Any, a: Any, b: Any) -> None:
    """Raise an OverflowError, at the first batch element, where out is inf but a and b are not.

    The tape calls this once its forward pass is done and some result of these
    ops is not finite (one check for the whole pass is far cheaper than one per
    row), so it refuses the overflow that the scalar engine refuses.
    """
    _check(_overflowed(out, a, b), _finite_result(rule), a, b)


def _finite_result(rule: Callable[[float, float], float]) -> Callable[[float, float], float]:
    def checked(a: float, b: float) -> float:
        out = rule(a, b)
        if out - out != 0.0:
            raise OverflowError("the result is not a finite float")
        return out

    checked.__name__ = rule.__name__
    return checked


def _sigmoid_array(a: Any, _: None) -> Any:
    e = np.exp(-np.abs(a))  # e**-a where a >= 0, e**a elsewhere: the float rule's two forms
    return np.where(a >= 0.0, 1.0 / (1.0 + e), e / (1.0 + e))


def _softplus_array(a: Any, _: None) -> Any:
    return np.maximum(a, 0.0) + np.log1p(np.exp(-np.abs(a)))


# Local derivatives that need more than one expression.


def _pow_local(out: Any, a: Any, b: Any) -> tuple[Any, Any]:
    if type(a) is _ARRAY or type(b) is _ARRAY:
        _check(~((a > 0.0) | ((a == 0.0) & (b >= 1.0))), _pow_local, out, a, b)
        power = np.power(a, b - 1.0)
        _check(_overflowed(power, a, b), _pow_local, out, a, b)
        # log(a) where a > 0; at a == 0 the exponent derivative is the limit, 0.
        return b * power, out * np.log(np.where(a > 0.0, a, 1.0))
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


def _pow_const_local(out: Any, a: Any, k: float) -> tuple[Any]:
    if k == 0.0:  # a**0 is the constant 1: slope 0 even at a = 0, where a**-1 is undefined
        return (np.zeros_like(a) if type(a) is _ARRAY else 0.0,)
    if type(a) is _ARRAY:
        _check((a == 0.0) & (k < 1.0), _pow_const_local, out, a, k)
        power = np.power(a, k - 1.0)
        _check(_overflowed(power, a), _pow_const_local, out, a, k)
        return (k * power,)
    if k < 1.0 and _real(a) == 0.0:
        raise _undefined(
            f"the derivative of 0.0 ** {k!r} at 0", f"it is infinite ({k!r} * 0.0 ** {k - 1.0!r})"
        )
    return (k * a ** (k - 1.0),)


def _sqrt_local(out: Any, a: Any, _: None) -> tuple[Any]:
    if type(out) is _ARRAY:
        _check(out == 0.0, _sqrt_local, out, a, None)
    elif _real(out) == 0.0:
        raise _undefined("the derivative of sqrt at 0", "it is infinite (1 / (2 * sqrt(0)))")
    return (0.5 / out,)


# fmt: off
# One line per primitive: name, arity, forward, local derivatives, how to write it,
# and the forward on numpy arrays where plain arithmetic is not enough.
ADD = Op("+", 2, operator.add, lambda out, a, b: (1.0, 1.0), "{a} + {b}", ("1", "1"))
SUB = Op("-", 2, operator.sub, lambda out, a, b: (1.0, -1.0), "{a} - {b}", ("1", "-1"))
MUL = Op("*", 2, operator.mul, lambda out, a, b: (b, a), "{a} * {b}", ("b", "a"))
DIV = Op(
    "/", 2, _divide, lambda out, a, b: (1.0 / b, -out / b), "{a} / {b}", ("1/b", "-out/b"),
    _divide_array,
)
POW = Op("**", 2, _power, _pow_local, "{a} ** {b}", ("b * a**(b-1)", "out * log(a)"), _power_array)
NEG = Op("neg", 1, lambda a, k: -a, lambda out, a, k: (-1.0,), "-{a}", ("-1",))
POW_CONST = Op("**", 1, _power, _pow_const_local, "{a} ** {k}", ("k * a**(k-1)",), _power_array)
ABS = Op("abs", 1, lambda a, k: abs(a), lambda out, a, k: (_sign(a),), "abs({a})", ("sign(a)",))
EXP = Op("exp", 1, lambda a, k: math.exp(a), lambda out, a, k: (out,), "exp({a})", ("out",), _exp_array)
LOG = Op("log", 1, _log_forward, lambda out, a, k: (1.0 / a,), "log({a})", ("1/a",), _log_array)
SQRT = Op("sqrt", 1, _sqrt_forward, _sqrt_local, "sqrt({a})", ("1 / (2*out)",), _sqrt_array)
TANH = Op(
    "tanh", 1, lambda a, k: math.tanh(a), lambda out, a, k: (1.0 - out * out,), "tanh({a})",
    ("1 - out**2",), lambda a, k: np.tanh(a),
)
SIGMOID = Op(
    "sigmoid", 1, _sigmoid_forward, lambda out, a, k: (out * (1.0 - out),), "sigmoid({a})",
    ("out * (1 - out)",), _sigmoid_array,
)
RELU = Op(
    "relu", 1, lambda a, k: a if a > 0.0 else 0.0,
    lambda out, a, k: (_step(a, 1.0, 0.0),), "relu({a})", ("1 if a > 0 else 0",),
    lambda a, k: np.where(a > 0.0, a, 0.0),
)
LEAKY_RELU = Op(
    "leaky_relu", 1, lambda a, k: a if a > 0.0 else k * a,
    lambda out, a, k: (_step(a, 1.0, k),), "leaky_relu({a}, {k})", ("1 if a > 0 else k",),
    lambda a, k: np.where(a > 0.0, a, k * a),
)
SOFTPLUS = Op(
    "softplus", 1, _softplus_forward, lambda out, a, k: (_sigmoid(a),), "softplus({a})",
    ("sigmoid(a)",), _softplus_array,
)
SIN = Op(
    "sin", 1, _sin_forward, lambda out, a, k: (_cos(a),), "sin({a})", ("cos(a)",),
    _sin_array,
)
COS = Op(
    "cos", 1, _cos_forward, lambda out, a, k: (-_sin(a),), "cos({a})", ("-sin(a)",),
    _cos_array,
)

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
