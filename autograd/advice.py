"""Advice in words for a derivative that disagrees: a flipped sign, a missing factor, a lost path.

A wrong derivative is rarely wrong at random. A ratio of -1 to the right
value is a flipped sign; a ratio of 2, 3, 4 or 10 (or their inverses) is a
missing or extra factor, such as the 2 of d(x**2)/dx; 0 where f does change
is a path the gradient never reached. The advice names the likely slip.

>>> advice(-2.0, 2.0)
'sign is flipped: analytic is minus the numeric value (a - that should be +?)'
>>> advice(1.0, 2.0, "it")
'it is about 1/2 of the numeric value: a missing factor 2?'
"""

from __future__ import annotations

import math

from autograd.report import number

__all__ = ["advice", "FACTORS"]

FACTORS = (2, 3, 4, 10)
"""The factors a slip in a derivation usually leaves behind."""


def advice(got: float, expected: float, who: str = "analytic") -> str:
    """A hint in words for `got` where `expected` was right: a sign, a factor, a missing path.

    `who` names what is wrong: 'analytic' (the engine) or a hand formula ('it').
    """
    engine = who == "analytic"
    if not math.isfinite(got):
        return f"{who} is {got}: a derivative overflowed or divided by zero"
    if abs(expected) < 1e-12:
        return (
            f"f does not change with this input here, but {who} is {number(got)}: "
            "a term that should vanish, or the derivative of a constant that is not 0?"
        )
    if got == 0.0:
        return f"{who} is 0 but f does change with this input: " + (
            "the gradient does not reach it (a detached value, no_grad, or a derivative "
            "rule that returns 0?)"
            if engine
            else "a term is missing (the chain rule's inner derivative?)"
        )
    ratio = got / expected
    if abs(ratio + 1.0) < 0.01:
        return f"sign is flipped: {who} is minus the numeric value (a - that should be +?)"
    for factor in FACTORS:
        for r, flipped in ((ratio, ""), (-ratio, " and the sign is flipped")):
            if abs(r / factor - 1.0) < 0.01:
                return (
                    f"{who} is about {factor}x the numeric value{flipped}: "
                    f"a missing factor 1/{factor}?"
                )
            if abs(r * factor - 1.0) < 0.01:
                return (
                    f"{who} is about 1/{factor} of the numeric value{flipped}: "
                    f"a missing factor {factor}?"
                )
    if abs(ratio - 1.0) < 0.05:
        return (
            f"{who} is off by {100 * (ratio - 1.0):+.2g}%: a slightly wrong constant "
            "(or, if f is very noisy, try a larger eps)"
        )
    return f"{who} is {ratio:.3g}x the numeric value: " + (
        "recheck the derivative rule of each op this input flows through"
        if engine
        else "recheck the derivation step by step"
    )
