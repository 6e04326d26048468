"""The table of primitive operations: the one place where derivatives live.

Every operation chainrule records is one row, an `Op`, in `OPS`. A row says,
once, everything the library knows about its operation:

    name       the op as Value.op shows it: '+', 'tanh'
    arity      1 or 2 parents
    forward    the value: forward(a, b) for two parents, forward(a, k) for one
    local      the local derivatives: local(out, a, b or k) -> (d out/d a, d out/d b)
    text       how to write it: 'tanh({a})'
    formulas   the local derivatives as text, in a, b, k and out: ('1 - out**2',)
    kink       where the derivative does not exist, and the value chosen there
    symbolic   how sympy writes it, when `forward` cannot take sympy symbols

The names used by every rule:

    a, b   the parents' values (b is absent for one-parent ops)
    k      a constant fixed when the node was made (the 3 in x**3, a slope)
    out    the node's own value

Backward, explain, draw, the stepper, anomaly mode, gradcheck, the tape and
forward mode all read these rows (through autograd/chain.py, for a node), so a
rule changed here is changed everywhere.

`forward` and `local` are written once for three kinds of number: floats (the
scalar engine), Values (backward with create_graph=True, which differentiates
the derivative itself) and numpy arrays holding a whole batch (the tape). That
is why a rule calls `_cos(a)` rather than `math.cos(a)`: the helper takes the
float path first, so the scalar engine pays nothing for the other two. On an
array, a domain check finds the first bad element and runs the float rule on
it, so the error is the float rule's own message, with the element's position
as `error.batch_index`.

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

__all__ = ["Op", "Kink", "OPS", "BUILT_IN", "register", "edit"]


@dataclass(frozen=True, slots=True)
class Kink:
    """A point where an op's derivative does not exist, and the value used there."""

    at: float
    """The value of the operand a at the kink."""
    convention: str
    """The derivative chosen there, as a reader would write it: "relu'(0) = 0"."""


@dataclass(frozen=True, slots=True, kw_only=True, eq=False)
class Op:
    """One primitive: its forward rule, its local derivatives, and how to write both.

    Rows compare by identity: each is the one place its operation is defined.
    """

    name: str
    """The op as Value.op shows it: '+', '*', 'tanh'."""
    arity: int
    """Number of parents: 1 or 2."""
    forward: Callable[..., Any]
    """forward(a, b) for two parents, forward(a, k) for one; on floats and arrays."""
    local: Callable[..., tuple[Any, ...]]
    """local(out, a, b or k) -> one local derivative per parent; on floats, Values, arrays."""
    text: str
    """The operation written out with {a}, {b}, {k}: 'log({a})'."""
    formulas: tuple[str, ...]
    """Each local derivative as a formula in a, b, k and out: ('1 - out**2',)."""
    key: str = ""
    """The row's key in OPS when two rows share a name ('**k'); the name otherwise."""
    kink: Kink | None = None
    """Where the derivative does not exist, if anywhere, and the convention there."""
    symbolic: Callable[..., Any] | None = None
    """symbolic(sympy, a, b or k) -> the sympy expression; None when forward takes sympy."""
    shows_constant: bool = False
    """Value.op writes the constant after the name: '**2', as micrograd does."""

    def describe(self, a: float, b: float | None = None, k: float | None = None) -> str:
        """The operation with numbers filled in: describe(-2.0) == 'log(-2.0)'.

        A negative number between operators is put in parentheses, so that the
        text reads as Python would: (-8.0) ** 0.5, not -8.0 ** 0.5 (which is -(8.0 ** 0.5)).
        """
        template = self.text
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
    """A DomainError saying what is undefined and why; the way out goes after the node's label."""
    return DomainError(f"{expression} is undefined: {reason}", way_out=way_out)


# Helpers that work on a float, on a numpy array, or record a node on a Value.
# They let one rule serve the float engine, the tape and create_graph. The
# float test comes first: it is the scalar engine's hot path.

_ARRAY = np.ndarray


def _real(x: Any) -> float:
    return x if type(x) is float else x.data


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
    raise DomainError(
        f"{rule.__name__} failed on element {index} of a batch {point!r} but not on the same "
        "numbers alone: the array rule and the float rule disagree. Report this as a bug "
        "in autograd/ops.py",
        batch_index=index,
    )


def _overflowed(out: Any, *inputs: Any) -> Any:
    """Where `out` is infinite although every input is finite: a float overflow."""
    bad = np.isinf(out)
    if bad.any():
        for x in inputs:
            bad &= np.isfinite(x)
    return bad


def _exp(x: Any) -> Any:
    if type(x) is float:
        return math.exp(x)
    if type(x) is _ARRAY:
        out = np.exp(x)
        _check(_overflowed(out, x), math.exp, x)
        return out
    return x.exp()


def _log(x: Any) -> Any:
    if type(x) is float:
        if x <= 0.0:
            raise _undefined(
                f"log({x!r})",
                "log needs x > 0",
                "Pass a positive number: move a probability away from 0 first, "
                "for example log(p + 1e-12)",
            )
        return math.log(x)
    if type(x) is _ARRAY:
        _check(x <= 0.0, _log, x)
        return np.log(x)
    return x.log()


def _sqrt(x: Any) -> Any:
    if type(x) is float:
        if x < 0.0:
            raise _undefined(
                f"sqrt({x!r})",
                "sqrt needs x >= 0",
                "Pass a number >= 0; for the length of a signed x, write (x * x + 1e-12).sqrt()",
            )
        return math.sqrt(x)
    if type(x) is _ARRAY:
        _check(x < 0.0, _sqrt, x)
        return np.sqrt(x)
    return x.sqrt()


def _not_finite(name: str, x: float) -> DomainError:
    return _undefined(
        f"{name}({x!r})",
        f"{name} needs a finite x. An earlier step overflowed to inf; "
        "autograd.detect_anomaly() names the step where it first happened",
    )


def _sin(x: Any) -> Any:
    if type(x) is float:
        if x - x != 0.0 and x == x:  # +-inf; NaN passes through as NaN
            raise _not_finite("sin", x)
        return math.sin(x)
    if type(x) is _ARRAY:
        _check(np.isinf(x), _sin, x)  # np.sin(inf) would be a silent NaN
        return np.sin(x)
    return x.sin()


def _cos(x: Any) -> Any:
    if type(x) is float:
        if x - x != 0.0 and x == x:
            raise _not_finite("cos", x)
        return math.cos(x)
    if type(x) is _ARRAY:
        _check(np.isinf(x), _cos, x)
        return np.cos(x)
    return x.cos()


def _tanh(x: Any) -> Any:
    if type(x) is float:
        return math.tanh(x)
    return np.tanh(x) if type(x) is _ARRAY else x.tanh()


def _sigmoid(x: Any) -> Any:
    # Two algebraically equal forms, each used where its exp cannot overflow.
    if type(x) is float:
        if x >= 0.0:
            return 1.0 / (1.0 + math.exp(-x))
        e = math.exp(x)
        return e / (1.0 + e)
    if type(x) is _ARRAY:
        e = np.exp(-np.abs(x))  # e**-x where x >= 0, e**x elsewhere
        return np.where(x >= 0.0, 1.0 / (1.0 + e), e / (1.0 + e))
    return x.sigmoid()


def _softplus(x: Any) -> Any:
    # log(1 + e**x) = max(x, 0) + log(1 + e**-|x|), which never overflows.
    if type(x) is float:
        return max(x, 0.0) + math.log1p(math.exp(-abs(x)))
    return np.maximum(x, 0.0) + np.log1p(np.exp(-np.abs(x)))


def _step(x: Any, above: Any, otherwise: Any) -> Any:
    """`above` where x > 0, `otherwise` elsewhere: relu, leaky_relu and their slopes."""
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


def _divide(a: Any, b: Any) -> Any:
    if type(b) is float:
        if b == 0.0:
            raise _undefined(
                f"{a!r} / 0.0",
                "division by zero",
                "Keep the denominator away from 0, for example a / (b + 1e-12) where b >= 0",
            )
    else:
        _check(np.asarray(b) == 0.0, _divide, a, b)
    return a / b  # an overflow (1e300 / 1e-300) is refused by the engine and the tape


def _power(a: Any, b: Any) -> Any:
    if type(a) is float and type(b) is float:
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
    whole = np.isfinite(b) & (np.floor(b) == b)
    _check(((a == 0.0) & (b < 0.0)) | ((a < 0.0) & ~whole), _power, a, b)
    out = np.power(a, b)
    _check(_overflowed(out, a, b), _power, a, b)
    return out


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


def _sqrt_local(out: Any, a: Any, k: None) -> tuple[Any]:
    if type(out) is _ARRAY:
        _check(out == 0.0, _sqrt_local, out, a, None)
    elif _real(out) == 0.0:
        raise _undefined("the derivative of sqrt at 0", "it is infinite (1 / (2 * sqrt(0)))")
    return (0.5 / out,)


def _piecewise(sympy: Any, a: Any, slope: Any) -> Any:
    return sympy.Piecewise((a, a > 0), (slope * a, True))


# fmt: off
# One row per primitive. To see the whole calculus of the engine, read from here to the end.
ADD = Op(name="+", arity=2, forward=operator.add, local=lambda out, a, b: (1.0, 1.0),
         text="{a} + {b}", formulas=("1", "1"))
SUB = Op(name="-", arity=2, forward=operator.sub, local=lambda out, a, b: (1.0, -1.0),
         text="{a} - {b}", formulas=("1", "-1"))
MUL = Op(name="*", arity=2, forward=operator.mul, local=lambda out, a, b: (b, a),
         text="{a} * {b}", formulas=("b", "a"))
DIV = Op(name="/", arity=2, forward=_divide, local=lambda out, a, b: (1.0 / b, -out / b),
         text="{a} / {b}", formulas=("1/b", "-out/b"),
         symbolic=lambda sympy, a, b: a / b)
POW = Op(name="**", arity=2, forward=_power, local=_pow_local,
         text="{a} ** {b}", formulas=("b * a**(b-1)", "out * log(a)"),
         symbolic=lambda sympy, a, b: a**b)
NEG = Op(name="neg", arity=1, forward=lambda a, k: -a, local=lambda out, a, k: (-1.0,),
         text="-{a}", formulas=("-1",))
POW_CONST = Op(name="**", key="**k", arity=1, forward=_power, local=_pow_const_local,
               text="{a} ** {k}", formulas=("k * a**(k-1)",), shows_constant=True,
               symbolic=lambda sympy, a, k: a**k)
ABS = Op(name="abs", arity=1, forward=lambda a, k: abs(a), local=lambda out, a, k: (_sign(a),),
         text="abs({a})", formulas=("sign(a)",), kink=Kink(0.0, "abs'(0) = 0"),
         symbolic=lambda sympy, a, k: sympy.Abs(a))
EXP = Op(name="exp", arity=1, forward=lambda a, k: _exp(a), local=lambda out, a, k: (out,),
         text="exp({a})", formulas=("out",),
         symbolic=lambda sympy, a, k: sympy.exp(a))
LOG = Op(name="log", arity=1, forward=lambda a, k: _log(a), local=lambda out, a, k: (1.0 / a,),
         text="log({a})", formulas=("1/a",),
         symbolic=lambda sympy, a, k: sympy.log(a))
SQRT = Op(name="sqrt", arity=1, forward=lambda a, k: _sqrt(a), local=_sqrt_local,
          text="sqrt({a})", formulas=("1 / (2*out)",),
          symbolic=lambda sympy, a, k: sympy.sqrt(a))
TANH = Op(name="tanh", arity=1, forward=lambda a, k: _tanh(a), local=lambda out, a, k: (1.0 - out * out,),
          text="tanh({a})", formulas=("1 - out**2",),
          symbolic=lambda sympy, a, k: sympy.tanh(a))
SIGMOID = Op(name="sigmoid", arity=1, forward=lambda a, k: _sigmoid(a), local=lambda out, a, k: (out * (1.0 - out),),
             text="sigmoid({a})", formulas=("out * (1 - out)",),
             symbolic=lambda sympy, a, k: 1 / (1 + sympy.exp(-a)))
RELU = Op(name="relu", arity=1, forward=lambda a, k: _step(a, a, 0.0), local=lambda out, a, k: (_step(a, 1.0, 0.0),),
          text="relu({a})", formulas=("1 if a > 0 else 0",), kink=Kink(0.0, "relu'(0) = 0"),
          symbolic=lambda sympy, a, k: _piecewise(sympy, a, 0))
LEAKY_RELU = Op(name="leaky_relu", arity=1, forward=lambda a, k: _step(a, a, k * a), local=lambda out, a, k: (_step(a, 1.0, k),),
                text="leaky_relu({a}, {k})", formulas=("1 if a > 0 else k",),
                kink=Kink(0.0, "leaky_relu'(0) = its slope k"),
                symbolic=lambda sympy, a, k: _piecewise(sympy, a, k))
SOFTPLUS = Op(name="softplus", arity=1, forward=lambda a, k: _softplus(a), local=lambda out, a, k: (_sigmoid(a),),
              text="softplus({a})", formulas=("sigmoid(a)",),
              symbolic=lambda sympy, a, k: sympy.log(1 + sympy.exp(a)))
SIN = Op(name="sin", arity=1, forward=lambda a, k: _sin(a), local=lambda out, a, k: (_cos(a),),
         text="sin({a})", formulas=("cos(a)",),
         symbolic=lambda sympy, a, k: sympy.sin(a))
COS = Op(name="cos", arity=1, forward=lambda a, k: _cos(a), local=lambda out, a, k: (-_sin(a),),
         text="cos({a})", formulas=("-sin(a)",),
         symbolic=lambda sympy, a, k: sympy.cos(a))
# fmt: on

BUILT_IN: tuple[Op, ...] = (
    ADD, SUB, MUL, DIV, POW, NEG, POW_CONST, ABS, EXP, LOG, SQRT,
    TANH, SIGMOID, RELU, LEAKY_RELU, SOFTPLUS, SIN, COS,
)  # fmt: skip
"""The rows chainrule ships, in the order of the table above."""

OPS: dict[str, Op] = {op.key or op.name: op for op in BUILT_IN}
"""Every primitive by a unique key: its name, or its key where two rows share a name.

Rows a learner defines with autograd.primitive are added here too.
"""


def register(op: Op) -> Op:
    """Add a learner's row to OPS, replacing an earlier row of theirs with the same name.

    A built-in row cannot be replaced this way: change it in place, as the
    docs say (see `replace` in the tests), so every consumer sees the change.
    """
    key = op.key or op.name
    if OPS.get(key) in BUILT_IN:
        raise ValueError(
            f"the op name {key!r} is taken by a built-in op of chainrule's table, so a node "
            "made by the new op could not be told apart from it. Choose another name, such "
            f"as 'my_{key}' (a name of letters, digits and _)"
        )
    OPS[key] = op
    return op


class edit:
    """Change fields of a row in place, so every consumer uses the new rule; undo puts them back.

    The documented way to experiment with the calculus: backward, explain,
    draw, the stepper, anomaly mode, gradcheck and the tape all read the row,
    so all of them see the change. Nodes keep pointing at their row, so the
    change applies to graphs already built too.

    >>> from autograd import Value, ops
    >>> x, y = Value(2.0), Value(3.0)
    >>> with ops.edit(ops.MUL, local=lambda out, a, b: (2 * b, 2 * a)):  # a wrong rule
    ...     z = x * y
    ...     z.backward()
    >>> x.grad                  # 2 * y: the edited rule was used
    6.0
    """

    def __init__(self, op: Op, **changes: Any) -> None:
        unknown = [name for name in changes if name not in Op.__dataclass_fields__]
        if unknown:
            raise TypeError(
                f"ops.edit got {', '.join(map(repr, unknown))}, which are not fields of a row; "
                f"a row has {', '.join(Op.__dataclass_fields__)}"
            )
        self._op = op
        self._saved = {name: getattr(op, name) for name in changes}
        for name, value in changes.items():
            object.__setattr__(op, name, value)  # rows are frozen against accidents, not this

    def __enter__(self) -> Op:
        return self._op

    def __exit__(self, *exc: object) -> None:
        self.undo()

    def undo(self) -> None:
        """Put the row's fields back as they were before this edit."""
        for name, value in self._saved.items():
            object.__setattr__(self._op, name, value)
