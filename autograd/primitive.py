"""Your own primitive: a learner's forward rule and local derivatives, as a row of the table.

    >>> import autograd
    >>> from autograd import Value
    >>> cube = autograd.primitive("cube", forward=lambda a: a ** 3,
    ...                           local=lambda out, a: (3 * a ** 2,))
    >>> x = Value(0.7, label="x")
    >>> y = cube(x) * 2
    >>> y.backward()
    >>> round(x.grad, 12)           # 2 * 3 * 0.7**2
    2.94

The op becomes a row of autograd/ops.py's table like any other (`OPS['cube']`),
so backward, grad(create_graph=True), explain, draw, the stepper, anomaly mode,
forward mode, gradcheck and the tape all use the learner's rule. The
conventions are the table's: `forward(a)` or `forward(a, b)` takes the inputs
as floats and returns a float; `local(out, a)` or `local(out, a, b)` returns
one local derivative per input, as a tuple.
"""

from __future__ import annotations

import inspect
import numbers
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from autograd.errors import GradcheckError
from autograd.ops import BUILT_IN, OPS, Op, register
from autograd.value import Value, apply

__all__ = ["primitive"]


def primitive(
    name: str,
    forward: Callable[..., float],
    local: Callable[..., tuple[Any, ...]],
    *,
    formulas: Sequence[str] | None = None,
    symbolic: Callable[..., Any] | None = None,
    check_at: Sequence[Any] | None = None,
) -> Callable[..., Value]:
    """A new op from its forward rule and local derivatives; returns the function that applies it.

    - forward(a[, b]) -> float, on floats; local(out, a[, b]) -> (d/da[, d/db]).
    - formulas: the local derivatives as text in a, b and out ("3*a**2"), for
      explain and the drawings' edge labels.
    - symbolic: symbolic(sympy, a, b) -> a sympy expression, for symbolic checks
      when forward uses math.* (operators alone need none).
    - check_at: points where the rule is checked against central differences
      right away (gradcheck); a wrong rule raises GradcheckError with the report,
      at the line that defined it. For two inputs, each point is a pair.

    Writing `local` with operators and autograd's functions (autograd.cos, not
    math.cos) lets it work on Values too, for grad(create_graph=True).
    """
    if not isinstance(name, str) or not name.isidentifier():
        raise TypeError(
            f"primitive needs a name made of letters, digits and _, got {name!r:.40}: it is "
            "how the op is shown in drawings and called in expressions, e.g. 'cube'"
        )
    if OPS.get(name) in BUILT_IN or any(op.name == name for op in BUILT_IN):
        raise ValueError(
            f"primitive {name!r}: the name is taken by a built-in op of chainrule's table, so "
            f"its nodes could not be told apart. Choose another name, such as 'my_{name}'"
        )
    arity = _arity(name, forward, "forward", offset=0)
    if _arity(name, local, "local", offset=1) != arity:
        raise TypeError(
            f"primitive {name!r}: forward takes {arity} input{'s' if arity == 2 else ''} but "
            f"local takes {_arity(name, local, 'local', offset=1)}: local(out, "
            f"{'a, b' if arity == 2 else 'a'}) gets the output first, then the same inputs"
        )
    names = ("a", "b")[:arity]
    if formulas is None:
        formulas = tuple(f"d{name}/d{x}" for x in names)
    formulas = tuple(formulas)
    if len(formulas) != arity or not all(isinstance(f, str) for f in formulas):
        raise ValueError(
            f"primitive {name!r} got formulas={formulas!r:.60}: give one formula (text) per "
            f"input, e.g. formulas=({', '.join(repr('...') for _ in names)},)"
        )
    row = Op(
        name=name,
        arity=arity,
        forward=_checked_forward(name, forward, arity),
        local=_checked_local(name, local, arity),
        text=f"{name}({', '.join('{' + x + '}' for x in names)})",
        formulas=formulas,
        symbolic=symbolic or _symbolic_from(forward, arity),
    )
    register(row)
    if arity == 1:

        def apply_op(a: Value | float) -> Value:
            return apply(row, a)
    else:

        def apply_op(a: Value | float, b: Value | float) -> Value:  # type: ignore[misc]
            return apply(row, a, b)

    apply_op.__name__ = apply_op.__qualname__ = name
    apply_op.__doc__ = (
        f"{row.text.format(a='a', b='b')}: a primitive defined with autograd.primitive."
    )
    apply_op.op = row  # type: ignore[attr-defined]
    if check_at is not None:
        _check_now(name, apply_op, arity, check_at)
    return apply_op


def _arity(name: str, rule: Callable[..., Any], which: str, offset: int) -> int:
    if not callable(rule):
        raise TypeError(
            f"primitive {name!r}: {which} must be a function, got {type(rule).__name__} "
            f"{rule!r:.40}; e.g. {which}=lambda {'out, ' if offset else ''}a: ..."
        )
    try:
        parameters = [
            p
            for p in inspect.signature(rule).parameters.values()
            if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD) and p.default is p.empty
        ]
    except (TypeError, ValueError):
        return 1
    count = len(parameters) - offset
    if count not in (1, 2):
        expected = "out, a" if offset else "a"
        raise TypeError(
            f"primitive {name!r}: {which} takes {len(parameters)} arguments; a primitive has "
            f"one or two inputs, so {which}({expected}) or {which}({expected}, b)"
        )
    return count


def _symbolic_from(forward: Callable[..., Any], arity: int) -> Callable[..., Any]:
    """A forward written with operators takes sympy symbols as it is (a ** 3)."""

    def symbolic(sympy: Any, a: Any, b: Any) -> Any:
        return forward(a, b) if arity == 2 else forward(a)

    return symbolic


def _checked_forward(name: str, forward: Callable[..., Any], arity: int) -> Callable[..., Any]:
    def row_forward(a: Any, b: Any) -> Any:
        args = (a, b) if arity == 2 else (a,)
        if type(a) is np.ndarray or type(b) is np.ndarray:
            try:
                return np.asarray(forward(*args), dtype=float)
            except TypeError:  # written with math.*: one example at a time
                return np.vectorize(forward, otypes=[float])(*args)
        out = forward(*args)
        if isinstance(out, bool) or not isinstance(out, numbers.Real):
            raise TypeError(
                f"primitive {name!r}: forward returned {type(out).__name__} {out!r:.40}; it "
                "must return one number (a float) computed from the inputs"
            )
        return float(out)

    row_forward.__name__ = f"{name}_forward"
    return row_forward


def _checked_local(name: str, local: Callable[..., Any], arity: int) -> Callable[..., Any]:
    def row_local(out: Any, a: Any, b: Any) -> tuple[Any, ...]:
        args = (out, a, b) if arity == 2 else (out, a)
        arrays = any(type(x) is np.ndarray for x in args)
        try:
            result = local(*args)
        except TypeError:
            if not arrays:
                raise
            vectorized = np.vectorize(lambda *xs: tuple(local(*xs)), otypes=[float] * arity)
            result = vectorized(*args)
        if not isinstance(result, (tuple, list)) or len(result) != arity:
            got = (
                f"a {type(result).__name__} of {len(result)}"
                if isinstance(result, (tuple, list))
                else f"{type(result).__name__} {result!r:.30}"
            )
            raise TypeError(
                f"primitive {name!r}: local returned {got}; it must return a tuple with one "
                f"local derivative per input ({arity}), e.g. "
                + ("(3 * a ** 2,) - note the comma" if arity == 1 else "(d_da, d_db)")
            )
        return tuple(result)

    row_local.__name__ = f"{name}_local"
    return row_local


def _check_now(name: str, f: Callable[..., Value], arity: int, points: Sequence[Any]) -> None:
    from autograd.gradcheck import gradcheck

    for point in points:
        inputs = list(point) if arity == 2 else [point]
        if len(inputs) != arity or not all(isinstance(x, numbers.Real) for x in inputs):
            raise ValueError(
                f"primitive {name!r} got check_at point {point!r:.40}; each point is "
                + ("a pair of numbers (a, b)" if arity == 2 else "one number")
            )
        report = gradcheck(f, inputs)
        if not report.ok:
            raise GradcheckError(
                f"primitive {name!r}: the local derivatives disagree with central differences "
                f"at {point!r}, so backward would give wrong gradients:\n{report}\n"
                "Fix local (the derivative of forward with respect to each input)"
            )
