"""One derivative judged against the numeric slopes: pass, FAIL, kink, or cannot check.

`judge` decides, in this order:

1. The one-sided slopes jump (by more than KINK_FACTOR tolerances). If the
   jump stays when the step doubles, f has a kink here (relu at 0): not
   differentiable, so nothing to judge. If the jump shrinks as the step
   grows, f blows up here (1/y at y = 0): there is no slope to check.
2. The value agrees with the numeric slope: pass.
3. A relu, abs or leaky_relu inside f sits at its kink (the op table's
   `kink`): backward used a convention, which need not be f's slope.
4. The numeric slope's own `Doubt` (autograd/numeric.py) is as large as the
   disagreement: the numeric side may be what is wrong, so the check cannot
   be made. A correct engine is never called wrong.
5. Otherwise the value is wrong, and the row says how (autograd/advice.py).

>>> from autograd.numeric import slopes
>>> at = {1: 1.0, -1: -1.0, 0: 0.0, 2: 2.0, -2: -2.0}   # f(x) = x, at steps of 1
>>> judge("x", 0.0, 1.0, slopes(at, at)).status
'pass'
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, NamedTuple

from autograd.advice import advice
from autograd.backward import topological_order
from autograd.numeric import Doubt, Slopes
from autograd.report import CANNOT_CHECK, FAIL, KINK, PASS, number
from autograd.tolerances import DEFAULT_TOLERANCES, DOUBT_MARGIN, KINK_FACTOR, Tolerances
from autograd.value import Value

__all__ = ["GradcheckRow", "GraphKink", "graph_kinks", "judge", "unjudged", "no_gradient"]


@dataclass(frozen=True)
class GradcheckRow:
    """One input of a gradcheck: its value, both derivatives, the errors and the verdict."""

    name: str
    value: float
    analytic: float
    numeric: float
    abs_error: float
    rel_error: float
    passed: bool | None
    """True or False; None where the function is not differentiable (nothing to judge)."""
    status: str = PASS
    """'pass', 'FAIL', 'kink' (not differentiable here) or 'cannot check' (no numeric slope)."""
    note: str = ""
    """What a student can do about a row that did not pass."""


class GraphKink(NamedTuple):
    """A relu, abs or leaky_relu inside f whose input sits at (or within eps of) its kink."""

    where: str
    """' (relu's input is 0)', to follow 'not differentiable here'."""
    convention: str
    """"relu'(0) = 0": what backward uses there."""


def graph_kinks(out: Any, leaves: list[Value], eps: float) -> dict[int, GraphKink]:
    """For each input that feeds an op at (or within eps of) its kink (the row's `kink`): which."""
    found: dict[int, GraphKink] = {}
    if not isinstance(out, Value):
        return found
    position = {leaf.creation_index: i for i, leaf in enumerate(leaves)}
    for node in topological_order(out):
        op = node.operation
        kink = None if op is None else op.kink
        if kink is None:
            continue
        argument = node.parents[0]
        if abs(argument.data - kink.at) > 2.0 * eps * max(1.0, abs(argument.data)):
            continue
        for upstream in topological_order(argument):
            i = position.get(upstream.creation_index)
            if i is not None and i not in found:
                found[i] = GraphKink(
                    f" ({op.name}'s input is {argument.data:.3g})", kink.convention
                )
    return found


def unjudged(name: str, value: float, status: str, why: str) -> GradcheckRow:
    """A row without numbers: KINK (backward fails here) or CANNOT_CHECK (f undefined nearby)."""
    nan = math.nan
    passed = None if status == KINK else False
    return GradcheckRow(name, value, nan, nan, nan, nan, passed, status, why)


def no_gradient(error: Exception) -> str:
    """The note of a row where backward itself fails: an infinite or undefined derivative."""
    return f"cannot check here: backward() gives no finite gradient: {error}"


def judge(
    name: str,
    value: float,
    analytic: float,
    slopes: Slopes,
    tolerances: Tolerances = DEFAULT_TOLERANCES,
    graph_kink: GraphKink | None = None,
    doubt: Callable[[], Doubt] = Doubt,
) -> GradcheckRow:
    """The row for input `name` (= value) whose derivative is `analytic`, against `slopes`.

    `doubt` is called only for a value that disagrees: it may cost a backward pass.
    """
    numeric = slopes.central
    abs_error = abs(analytic - numeric)
    rel_error = abs_error / abs(numeric) if numeric else (0.0 if abs_error == 0 else math.inf)

    def row(passed: bool | None, status: str, note: str = "") -> GradcheckRow:
        return GradcheckRow(
            name, value, analytic, numeric, abs_error, rel_error, passed, status, note
        )

    # At a kink the one-sided slopes differ by a jump that does not shrink with the step;
    # on a smooth curve they differ by f'' * step, which doubles with 2 steps; at a pole
    # they differ by about f / step, which halves.
    jump, wide = slopes.jump, slopes.wide_jump
    large = jump > KINK_FACTOR * tolerances.allowed(max(abs(slopes.forward), abs(slopes.backward)))
    if large and wide < 0.75 * jump:
        return row(False, CANNOT_CHECK, _pole_note(slopes))
    if large and not wide >= 1.5 * jump:  # nan: no wide step, a kink
        return row(None, KINK, _kink_note(slopes, graph_kink, confirmed=wide < 1.5 * jump))
    if tolerances.agree(analytic, numeric):
        return row(True, PASS)
    if graph_kink is not None:
        # f is smooth here, but a relu or abs inside it sits at its kink, where the engine
        # picks a convention that need not be f's slope (relu(x) - relu(-x) at 0).
        return row(
            None,
            KINK,
            f"not differentiable here{graph_kink.where}: backward used the kink's "
            f"convention ({graph_kink.convention}) although f itself has slope "
            f"{number(numeric)} here. Move the point away from the kink",
        )
    uncertain = dataclasses.replace(doubt(), settling=slopes.settling)
    if not abs_error > DOUBT_MARGIN * uncertain.total:  # also when the doubt is nan
        return row(
            False,
            CANNOT_CHECK,
            f"cannot check here: {uncertain.reason(slopes.step)}. The numeric slope "
            f"{number(numeric)} may be off by as much as it differs from {number(analytic)}, "
            "so it can judge nothing",
        )
    return row(False, FAIL, advice(analytic, numeric))


def _pole_note(slopes: Slopes) -> str:
    return (
        f"cannot check here: f blows up within the step (a pole, like 1/y at y = 0, or an "
        f"infinite slope): the slope is {number(slopes.backward)} on the left and "
        f"{number(slopes.forward)} on the right, and grows as the step shrinks. There is no "
        "derivative to check; move the point away from the pole"
    )


def _kink_note(slopes: Slopes, near: GraphKink | None, confirmed: bool) -> str:
    both = (
        f"the slope is {number(slopes.backward)} on the left and {number(slopes.forward)} "
        "on the right"
    )
    if near:
        return (
            f"not differentiable here{near.where}: {both}. Move the point away from the "
            f"kink to check the gradient (at the kink backward uses {near.convention})"
        )
    if confirmed:
        return f"not differentiable here: {both}. Move the point to check the gradient"
    return (
        f"not differentiable here, or f bends too sharply for eps: {both}. Move the point "
        "away from the edge of f's domain, or use a smaller eps"
    )
