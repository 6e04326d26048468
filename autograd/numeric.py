"""Numeric slopes: how f changes when one input moves a little, and how far to trust that.

The numeric slope of f along an input x is the central difference

    D(h) = (f(x + h) - f(x - h)) / (2h),    h = eps * max(1, |x|)

The step grows with |x|, as numerical-analysis texts and scipy do: floats
near x = 1e8 are 1.5e-8 apart and those near 1e17 are 16 apart, so a fixed
step of 1e-6 is rounded away (x + 1e-6 == x at 1e17). The division is by
the distance between the two points as floats hold them, not by 2h as
written, so the rounding of x + h cannot bias the slope.

f is also evaluated at x and x +- 2h. The one-sided slopes show a kink (they
keep a jump that does not shrink with the step) or a pole (their jump grows
as the step shrinks), and D(2h) shows whether D(h) has settled. A `Doubt`
says how far D(h) may be from f's true slope and why, so that a check never
blames the engine for the numeric side's own error.

Every function here is pure; randomness takes a seed, SEED unless given.

>>> import math
>>> round(central_difference(math.sin, 0.0), 9)
1.0
>>> central_difference(lambda x: x, 1e17)     # a fixed step of 1e-6 would give 0/0
1.0
"""

from __future__ import annotations

import itertools
import math
import random
import sys
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from autograd.backward import grad, topological_order
from autograd.tolerances import DEFAULT_TOLERANCES
from autograd.value import Value

__all__ = [
    "step",
    "central_difference",
    "Slopes",
    "slopes",
    "slopes_along",
    "NotEvaluable",
    "Doubt",
    "float_noise",
    "engine_doubt",
    "bending",
    "FINE",
    "random_points",
    "scattered_points",
    "require_points",
    "STEPS",
    "SEED",
    "MAX_POINTS",
]

STEPS = (1, -1, 0, 2, -2)
"""Where the slopes evaluate f: x + s * h along one input."""

SEED = 0
"""The seed of every random choice a check makes, unless the caller passes another."""

MAX_POINTS = 100_000
"""Most random points a check takes (gradcheck, check_gradients, `chainrule check --points`)."""


def step(x: float, eps: float = DEFAULT_TOLERANCES.eps) -> float:
    """The step of the central difference at x: eps * max(1, |x|)."""
    return eps * max(1.0, abs(x))


def central_difference(
    f: Callable[[float], float], x: float, eps: float = DEFAULT_TOLERANCES.eps
) -> float:
    """(f(x + h) - f(x - h)) / (2h) with h = step(x, eps): the numeric derivative of f at x."""
    h = step(x, eps)
    right, left = x + h, x - h
    return _slope(f(right) - f(left), right - left)


def _slope(rise: float, run: float) -> float:
    return rise / run if run else math.nan


@dataclass(frozen=True)
class Slopes:
    """The slopes of one output along one input, from f at x + s * h for s in STEPS."""

    central: float
    """D(h) = (f(x + h) - f(x - h)) / 2h: the numeric derivative."""
    forward: float
    """(f(x + h) - f(x)) / h, the slope on the right."""
    backward: float
    """(f(x) - f(x - h)) / h, the slope on the left."""
    wide_forward: float
    """(f(x + 2h) - f(x)) / 2h; nan where f is undefined at x + 2h."""
    wide_backward: float
    """(f(x) - f(x - 2h)) / 2h; nan where f is undefined at x - 2h."""
    wide_central: float
    """D(2h); nan where f is undefined at x +- 2h."""
    step: float
    """h, as the floats x + h and x - h hold it."""

    @property
    def jump(self) -> float:
        """|right - left| slopes: f'' * h on a smooth curve, the kink's jump at a kink."""
        return abs(self.forward - self.backward)

    @property
    def wide_jump(self) -> float:
        """The same over 2h: twice `jump` if f is smooth, the same at a kink, less at a pole."""
        return abs(self.wide_forward - self.wide_backward)

    @property
    def settling(self) -> float:
        """|D(2h) - D(h)|: how much the numeric slope still moves with the step (0 if unknown)."""
        moved = abs(self.wide_central - self.central)
        return 0.0 if math.isnan(moved) else moved


def slopes(values: Mapping[int, float], positions: Mapping[int, float]) -> Slopes:
    """The slopes from f's values at the positions x + s * h, s in STEPS (+-2 may be missing)."""
    nan = math.nan
    v, p = values, positions
    wide = 2 in v and -2 in v
    return Slopes(
        central=_slope(v[1] - v[-1], p[1] - p[-1]),
        forward=_slope(v[1] - v[0], p[1] - p[0]),
        backward=_slope(v[0] - v[-1], p[0] - p[-1]),
        wide_forward=_slope(v[2] - v[0], p[2] - p[0]) if 2 in v else nan,
        wide_backward=_slope(v[0] - v[-2], p[0] - p[-2]) if -2 in v else nan,
        wide_central=_slope(v[2] - v[-2], p[2] - p[-2]) if wide else nan,
        step=(p[1] - p[-1]) / 2.0,
    )


class NotEvaluable(Exception):
    """f could not be evaluated at a moved point, so there is no numeric slope there."""

    def __init__(self, where: str, reason: str) -> None:
        super().__init__(f"{where}: {reason}")
        self.where, self.reason = where, reason


def slopes_along(
    evaluate: Callable[[list[float]], list[float]],
    point: Sequence[float],
    j: int,
    eps: float,
    name: str,
) -> list[Slopes]:
    """The slopes of every output of `evaluate` along input j (named `name`) at `point`.

    Raises NotEvaluable where f is undefined at x or x +- h; at x +- 2h it does
    without (only the kink test and `settling` use those).
    """
    h = step(point[j], eps)
    values: dict[int, list[float]] = {}
    positions: dict[int, float] = {}
    for s in STEPS:
        moved = list(point)
        moved[j] = point[j] + s * h
        try:
            values[s] = evaluate(moved)
        except (ArithmeticError, ValueError) as error:
            if abs(s) == 2:
                continue
            where = f"{name} {'+' if s > 0 else '-'} eps" if s else f"{name} = {point[j]!r}"
            raise NotEvaluable(where, str(error)) from None
        positions[s] = moved[j]
    outputs = range(len(values[0]))
    return [slopes({s: v[k] for s, v in values.items()}, positions) for k in outputs]


# -- how far a numeric slope may be off -------------------------------------------------


@dataclass(frozen=True)
class Doubt:
    """How far a numeric slope may be from f's true slope, by cause, in the slope's units.

    A disagreement between the engine and the numeric slope that is not larger
    than this (times DOUBT_MARGIN) may be the numeric side's own error.
    """

    settling: float = 0.0
    """|D(2h) - D(h)|: the slope still moves with the step (f curves sharply here)."""
    rounding: float = 0.0
    """float_noise(f) / h: what rounding inside f alone can do to D(h)."""
    bending: float = 0.0
    """How far f's slope moves within the step, by the engine (see `bending`)."""

    @property
    def total(self) -> float:
        """The three causes together (nan if one of them is not a number)."""
        return self.settling + self.rounding + self.bending

    def reason(self, h: float) -> str:
        """The largest cause in words, for a step h; a sentence that ends without a period."""
        shown = f"{h:.3g}"
        if not math.isfinite(self.total):
            return (
                f"f or its slope is not finite within the step of {shown}, so the numeric "
                "slope means nothing here"
            )
        largest = max(self.settling, self.rounding, self.bending)
        if largest == self.bending:
            return (
                f"f's slope moves by {self.bending:.3g} within the step of {shown} (by the "
                "engine's f'' and f'''): f bends or wiggles faster than the step can follow. "
                "A smaller eps may help; far from 0, floats may allow no step small enough"
            )
        if largest == self.rounding:
            return (
                f"rounding inside f alone can move the numeric slope by {self.rounding:.3g}: "
                f"f's graph holds numbers so large that a step of {shown} is lost in their "
                "float spacing (1e300 + 1 is 1e300)"
            )
        return (
            f"the numeric slope moves by {self.settling:.3g} when the step doubles from "
            f"{shown}: it has not settled (f curves sharply here); try a smaller eps"
        )


FLOAT_EPSILON = sys.float_info.epsilon


def float_noise(out: Value) -> float:
    """How far rounding can move f's value: machine epsilon * sum |node| * |df/dnode|.

    Every op rounds its result by up to a relative machine epsilon, and f moves
    by df/dnode times that: one backward pass gives every df/dnode. Leaves are
    not rounded by f (the check chooses them), so they do not count.

    >>> from autograd import Value
    >>> x, y = Value(1e300), Value(1.0)
    >>> float_noise((x + y) - x) > 1e283     # y is lost in the rounding of x + y
    True
    """
    nodes = [node for node in topological_order(out) if not node.is_leaf]
    if not nodes:
        return 0.0
    adjoints = grad(out, nodes)
    return FLOAT_EPSILON * math.fsum(abs(n.data * g.data) for n, g in zip(nodes, adjoints))


FINE = 1e-4
"""The engine's slope is compared at x +- FINE * h: a step fine enough to follow f's
wiggles where the central difference's step h cannot."""


def bending(left: Any, here: Any, right: Any, delta: Any, h: Any) -> Any:
    """How far f's slope moves within the step h, from the engine's f' at x - delta, x, x + delta.

    Two ways the step can be too coarse for the central difference:
    - its own error term, f''' h**2 / 6, is large: counted as |f'''| h**2 / 6;
    - the step is longer than f's scale, |f''| h > |f'| (the slope changes by more
      than itself within it, as sin(x) does far from 0): counted as |f''| h.
    Works on floats and on numpy arrays alike.
    """
    ratio = h / delta  # as a ratio, so that 1e290**2 does not overflow
    third = abs(right - 2 * here + left) * ratio * ratio / 6
    second = abs(right - left) / 2 * ratio
    return third + second * (second > abs(here))


def engine_doubt(
    y: Any, slope_at: Callable[[list[float]], float], point: Sequence[float], j: int, h: float
) -> Doubt:
    """The rounding and bending doubt of a numeric slope of y along input j at `point`.

    `y` is the quantity differentiated, as recorded at `point`; `slope_at(p)` is
    the engine's slope of y along input j at a point p. Rounding is
    float_noise(y) / h; bending compares the engine's slope at x and x +- FINE * h.
    A slope that cannot be computed there makes the bending infinite.
    """
    rounding = float_noise(y) / h if isinstance(y, Value) else 0.0
    moved = []
    for s in (-1, 0, 1):
        shifted = list(point)
        shifted[j] = point[j] + s * FINE * h
        moved.append(shifted)
    try:
        left, here, right = (slope_at(p) for p in moved)
    except (ArithmeticError, ValueError):
        return Doubt(rounding=rounding, bending=math.inf)
    delta = (moved[2][j] - moved[0][j]) / 2
    return Doubt(rounding=rounding, bending=bending(left, here, right, delta, h))


# -- random points ----------------------------------------------------------------------


def scattered_points(at: Mapping[str, float], seed: int = SEED) -> Iterator[dict[str, float]]:
    """Endless points around `at`, the same ones for a given seed.

    Each coordinate moves by up to max(1, |value|) either way.
    """
    generator = random.Random(seed)
    while True:
        yield {name: x + generator.uniform(-1.0, 1.0) * max(1.0, abs(x)) for name, x in at.items()}


def random_points(at: Mapping[str, float], count: int, seed: int = SEED) -> list[dict[str, float]]:
    """The first `count` scattered_points(at, seed).

    >>> random_points({"x": 0.0}, 2) == random_points({"x": 0.0}, 2)
    True
    """
    return list(itertools.islice(scattered_points(at, seed), count))


def require_points(points: Any, who: str) -> int:
    """`points` if it is a whole number from 0 to MAX_POINTS; else ValueError naming it."""
    if isinstance(points, bool) or not isinstance(points, int) or not 0 <= points <= MAX_POINTS:
        raise ValueError(
            f"{who} got points={points!r}; it must be a whole number from 0 to {MAX_POINTS:,}: "
            "how many random points to check besides the ones given. More would take "
            "minutes and print a table nobody reads; e.g. points=100"
        )
    return points
