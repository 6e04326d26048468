"""Whether a hand formula is the exact derivative, decided by sympy within a size budget.

check_gradients(symbolic=True) compares each hand formula with the exact
derivative for all inputs, not only at the points tried. Both sides come from
the op table: to_sympy (autograd/symbolic.py) writes f and the formula with
each row's `symbolic` form (or its forward), and sympy differentiates f.

sympy has no time limit, and simplifying can take minutes: the difference of
40*x*(x+y+z+w)**39 and the derivative of (x+y+z+w)**40 has few ops but
expands into more than 10,000 terms. So sympy only simplifies a difference
whose size (count_ops, and the number of terms expanding it would give) is
within budget. A larger one is evaluated at a few random points instead: a
clear nonzero value there proves the formula wrong, and otherwise the
symbolic check stays undecided and the numeric check stands.

>>> from autograd import Value
>>> x = Value(1.5, label="x")
>>> compare_exactly(2 * x, x * x, "x", {"x": 1.5})
(True, '')
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Mapping
from typing import Any

from autograd.numeric import SEED, random_points
from autograd.symbolic import require_sympy, sympy_symbol, to_sympy
from autograd.value import Value

__all__ = ["compare_exactly", "expanded_terms", "SIMPLIFY_LIMIT", "EXPAND_LIMIT", "PROBES"]

SIMPLIFY_LIMIT = 150
"""Largest difference (in sympy.count_ops) handed to sympy.simplify."""

EXPAND_LIMIT = 2_000
"""Most terms that expanding a difference may give before sympy is asked to."""

PROBES = 5
"""Random points at which a difference too large to simplify is evaluated."""

TOO_LARGE = "too large to simplify symbolically; the numeric check above stands"
"""How the note of an undecided formula starts."""


def expanded_terms(expression: Any) -> int:
    """How many terms sympy.expand would give, at most (it stops counting past EXPAND_LIMIT).

    A sum adds its terms, a product multiplies them, and a sum of m terms to a
    whole power n gives C(m + n - 1, n): (x + y + z + w)**39 gives 11,480.
    """
    if expression.is_Add:
        return min(sum(expanded_terms(a) for a in expression.args), EXPAND_LIMIT + 1)
    if expression.is_Mul:
        total = 1
        for factor in expression.args:
            total = min(total * expanded_terms(factor), EXPAND_LIMIT + 1)
        return total
    if expression.is_Pow and expression.exp.is_Integer:
        base, n = expanded_terms(expression.base), abs(int(expression.exp))
        if base == 1 or n == 0:
            return 1
        return min(math.comb(base + n - 1, n), EXPAND_LIMIT + 1)
    # A function (sin, exp) stays one term, but expand works through its arguments too.
    inner = [expanded_terms(a) for a in expression.args if not a.is_Atom]
    return min(max(inner, default=1), EXPAND_LIMIT + 1)


def compare_exactly(
    hand: Any, f: Value, name: str, at: Mapping[str, float], seed: int = SEED
) -> tuple[bool | None, str]:
    """Is `hand` d f/d name everywhere? (verdict, note).

    `hand` is a formula built on f's leaves (a Value), a sympy expression in
    their labels, or a number. True: sympy proves it. False: sympy, or a random
    point, shows a difference, which the note gives. None: undecided, with the
    note saying why. `at` is the point the random points scatter around.
    """
    sympy = require_sympy()
    exact = sympy.diff(to_sympy(f), sympy_symbol(name))
    if isinstance(hand, Value):
        hand = to_sympy(hand)
    elif isinstance(hand, numbers.Real):
        hand = sympy.Rational(repr(float(hand)))
    difference = hand - exact
    if difference == 0:
        return True, ""
    small = sympy.count_ops(difference) <= SIMPLIFY_LIMIT
    if small and expanded_terms(difference) <= EXPAND_LIMIT:
        if sympy.cancel(sympy.expand(difference)) == 0:
            return True, ""
        difference = sympy.simplify(difference)
        equal = difference == 0 or difference.equals(0)
        if equal is None:
            return None, "sympy could not decide whether it equals the exact one"
        if equal:
            return True, ""
        return False, (
            f"symbolically it is not the exact derivative {sympy.sstr(exact)} "
            f"(the difference is {sympy.sstr(difference)})"
        )
    return _probe(sympy, difference, exact, at, seed)


def _probe(
    sympy: Any, difference: Any, exact: Any, at: Mapping[str, float], seed: int
) -> tuple[bool | None, str]:
    """The difference at PROBES random points: False if clearly nonzero at one, else None."""
    symbols = {name: sympy_symbol(name) for name in at}
    for point in random_points(at, PROBES, seed):
        subs = {symbols[name]: sympy.Rational(repr(x)) for name, x in point.items()}
        try:
            gap = complex(difference.evalf(30, subs=subs))
            size = abs(complex(exact.evalf(30, subs=subs)))
        except (TypeError, ValueError, ArithmeticError):
            continue  # outside the domain, or not a number there
        if math.isfinite(abs(gap)) and math.isfinite(size) and abs(gap) > 1e-9 * (1 + size):
            where = ", ".join(f"{n}={x:.6g}" for n, x in point.items())
            return False, (
                f"symbolically it is not the exact derivative: at {where} the two differ "
                f"by {abs(gap):.6g}, so it is right only near the points tried; rederive it"
            )
    return None, (
        f"{TOO_LARGE} (simplifying it could take sympy minutes; it agrees with the exact "
        f"derivative at {PROBES} random points)"
    )
