"""Independent references for every primitive: value, closed-form derivatives, domain.

The op table (autograd/ops.py) is what is tested; this file is what it is
tested against, written separately, from textbook formulas. A new op fails
tests/test_ops.py until it is described here too.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

from hypothesis import strategies as st


@dataclass(frozen=True)
class Reference:
    value: Callable[..., float]
    derivatives: Callable[..., tuple[float, ...]]
    arguments: st.SearchStrategy[tuple[float, ...]]
    """Points inside the domain, away from kinks, where the derivative exists."""


def _floats(lo: float, hi: float) -> st.SearchStrategy[float]:
    return st.floats(lo, hi, allow_nan=False, allow_infinity=False)


def _away_from_zero(lo: float, hi: float) -> st.SearchStrategy[float]:
    return _floats(lo, hi).filter(lambda x: abs(x) > 1e-3)


def _one(strategy: st.SearchStrategy[float]) -> st.SearchStrategy[tuple[float]]:
    return st.tuples(strategy)


def _sech2(x: float) -> float:
    return 1.0 / math.cosh(x) ** 2


def _sig(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-x))


REFERENCES: dict[str, Reference] = {
    "+": Reference(
        lambda a, b: a + b, lambda a, b: (1.0, 1.0), st.tuples(_floats(-50, 50), _floats(-50, 50))
    ),
    "-": Reference(
        lambda a, b: a - b, lambda a, b: (1.0, -1.0), st.tuples(_floats(-50, 50), _floats(-50, 50))
    ),
    "*": Reference(
        lambda a, b: a * b, lambda a, b: (b, a), st.tuples(_floats(-50, 50), _floats(-50, 50))
    ),
    "/": Reference(
        lambda a, b: a / b,
        lambda a, b: (1 / b, -a / b**2),
        st.tuples(_floats(-50, 50), _away_from_zero(-50, 50).filter(lambda b: abs(b) > 0.1)),
    ),
    "**": Reference(
        lambda a, b: math.pow(a, b),
        lambda a, b: (b * math.pow(a, b - 1), math.pow(a, b) * math.log(a)),
        st.tuples(_floats(0.1, 5), _floats(-3, 3)),
    ),
    "**k": Reference(
        lambda a, k: math.pow(a, k),
        lambda a, k: (k * math.pow(a, k - 1),),
        st.tuples(_floats(0.1, 5), st.sampled_from([-2.0, -0.5, 0.5, 1.0, 2.0, 3.0, 2.5])),
    ),
    "neg": Reference(lambda a: -a, lambda a: (-1.0,), _one(_floats(-50, 50))),
    "abs": Reference(abs, lambda a: (math.copysign(1.0, a),), _one(_away_from_zero(-50, 50))),
    "exp": Reference(math.exp, lambda a: (math.exp(a),), _one(_floats(-20, 20))),
    "log": Reference(math.log, lambda a: (1 / a,), _one(_floats(1e-2, 100))),
    "sqrt": Reference(math.sqrt, lambda a: (0.5 / math.sqrt(a),), _one(_floats(1e-2, 100))),
    "tanh": Reference(math.tanh, lambda a: (_sech2(a),), _one(_floats(-10, 10))),
    "sigmoid": Reference(_sig, lambda a: (_sig(a) * _sig(-a),), _one(_floats(-30, 30))),
    "relu": Reference(
        lambda a: max(a, 0.0), lambda a: (1.0 if a > 0 else 0.0,), _one(_away_from_zero(-50, 50))
    ),
    "leaky_relu": Reference(
        lambda a, k: a if a > 0 else k * a,
        lambda a, k: (1.0 if a > 0 else k,),
        st.tuples(_away_from_zero(-50, 50), st.sampled_from([0.01, 0.1, 0.2])),
    ),
    "softplus": Reference(
        lambda a: math.log1p(math.exp(a)), lambda a: (_sig(a),), _one(_floats(-30, 30))
    ),
    "sin": Reference(math.sin, lambda a: (math.cos(a),), _one(_floats(-10, 10))),
    "cos": Reference(math.cos, lambda a: (-math.sin(a),), _one(_floats(-10, 10))),
}
"""Keyed like autograd.OPS. For ops with a constant (**k, leaky_relu) the last argument is k."""

TAKES_CONSTANT = {"**k", "leaky_relu"}
