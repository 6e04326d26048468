"""gradcheck(points=N): the point given and N random ones around it, all at once, on a tape.

f is recorded once as a tape (autograd/tape/) that replays its graph on
numpy arrays, so f, its gradient and every evaluation of the central
differences run on arrays holding all the points. Each point is judged as
the scalar gradcheck judges it (autograd/verdict.py); the report keeps one
row per input, for the point where it did worst, with the counts in a note.
A random point where f is undefined, or where no numeric slope can be made,
is left out; the point given is not.

On the tape, the doubt of a numeric slope (autograd/numeric.py) comes from
what the tape gives: rounding is estimated from f's values and the tape's
length, and bending from the engine's slope at x +- h.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

import numpy as np

from autograd.errors import DomainError
from autograd.inputs import Inputs, as_number, detached
from autograd.numeric import (
    FINE,
    FLOAT_EPSILON,
    STEPS,
    Doubt,
    bending,
    random_points,
    slopes,
    step,
)
from autograd.report import CANNOT_CHECK, FAIL, KINK
from autograd.tape import Tape, trace
from autograd.tolerances import Tolerances
from autograd.value import Value
from autograd.verdict import GradcheckRow, judge

__all__ = ["check_points"]

Moved = dict[tuple[int, int], tuple[Any, Any]]
"""(input j, step s) -> (f on the shifted points, the shifted points)."""


def check_points(
    f: Callable[..., Any], spec: Inputs, tolerances: Tolerances, points: int, seed: int
) -> tuple[list[GradcheckRow], str]:
    """gradcheck at the point given and `points` more, on the tape: (rows, title)."""
    names, n = spec.names, len(spec.names)
    around = random_points(dict(zip(names, spec.point)), points, seed)
    cloud = np.array([spec.point] + [list(p.values()) for p in around])

    def f_of_positions(*xs: Value) -> Any:
        return spec.call(f, list(xs))

    try:
        out = spec.call(f, spec.leaves())
    except (ArithmeticError, ValueError):
        out = None  # f is undefined at the point given: the tape below says so
    if out is not None:
        as_number(out, "gradcheck")
    if out is not None and not isinstance(out, Value):
        raise TypeError(
            f"gradcheck(points={points}): {detached(out)}. The random points are checked "
            "on a tape that records f's graph, so f must return a Value"
        )

    tape = trace(f_of_positions, n, check="always")
    left_out = 0
    while True:
        try:
            _, analytic = tape.value_and_grad(*cloud.T, wrt=list(range(n)))
            steps = [np.array([step(x, tolerances.eps) for x in cloud[:, j]]) for j in range(n)]
            moved: Moved = {}
            for j in range(n):
                for s in STEPS:
                    shifted = cloud.copy()
                    shifted[:, j] += s * steps[j]
                    moved[j, s] = (tape(*shifted.T), shifted)
            break
        except DomainError as error:
            # f (or a step of the differences) is undefined at one point: leave it out.
            index = getattr(error, "batch_index", None)
            if index is None or index == 0:  # the point given stays first: f must work there
                raise
            cloud = np.delete(cloud, index, axis=0)
            left_out += 1
    rows = []
    for j, name in enumerate(names):
        bends = _Bending(tape, cloud, steps[j], j)
        judged = [
            _judge_at(p, name, j, cloud, analytic, moved, bends, len(tape), tolerances)
            for p in range(len(cloud))
        ]
        rows.append(_worst(judged, cloud, names, tolerances))
    title = f"gradcheck at {len(cloud)} points"
    if left_out:
        title += f" ({left_out} random points outside f's domain left out)"
    return rows, title


def _judge_at(
    p: int,
    name: str,
    j: int,
    cloud: Any,
    analytic: Any,
    moved: Moved,
    bends: _Bending,
    length: int,
    tolerances: Tolerances,
) -> GradcheckRow:
    """Input j at point p, judged as the scalar gradcheck would."""
    values = {s: float(moved[j, s][0][p]) for s in STEPS}
    found = slopes(values, {s: float(moved[j, s][1][p, j]) for s in STEPS})
    # Without the tape's intermediate values, rounding is bounded from f's own size.
    rounding = FLOAT_EPSILON * length * max(abs(v) for v in values.values()) / found.step

    def doubt() -> Doubt:
        return Doubt(rounding=rounding, bending=bends.at(p))

    return judge(name, float(cloud[p, j]), float(analytic[j][p]), found, tolerances, None, doubt)


class _Bending:
    """numeric.bending at every point along one input, from the tape, made when first needed."""

    def __init__(self, tape: Tape, cloud: Any, steps: Any, j: int) -> None:
        self.tape, self.cloud, self.steps, self.j = tape, cloud, steps, j
        self.found: Any = None

    def at(self, p: int) -> float:
        """The bending at point p; nan where backward fails near the points."""
        if self.found is None:
            shifted = []
            for s in (-1, 0, 1):
                points = self.cloud.copy()
                points[:, self.j] += s * FINE * self.steps
                shifted.append(points)
            try:
                left, here, right = (
                    self.tape.value_and_grad(*points.T, wrt=[self.j])[1][0] for points in shifted
                )
            except DomainError:
                self.found = np.full(len(self.cloud), np.nan)
            else:
                delta = (shifted[2][:, self.j] - shifted[0][:, self.j]) / 2
                self.found = bending(left, here, right, delta, self.steps)
        return float(self.found[p])


def _worst(
    judged: list[GradcheckRow], cloud: Any, names: list[str], tolerances: Tolerances
) -> GradcheckRow:
    """The row to show for one input (its worst point), with the counts in its note.

    A random point where no numeric slope can be made is left out of the verdict;
    the point given (the first) is not.
    """

    def badness(p: int) -> float:
        return judged[p].abs_error / tolerances.allowed(judged[p].numeric)

    failed = [p for p, row in enumerate(judged) if row.status == FAIL]
    given_unchecked = judged[0].status == CANNOT_CHECK
    if failed:
        worst = max(failed, key=badness)
    elif given_unchecked:
        worst = 0
    else:
        worst = max([p for p, row in enumerate(judged) if row.passed] or [0], key=badness)
    bad = len(failed) + given_unchecked
    counts = f"{bad} of {len(judged)} points failed" if bad else "all passed"
    kinks = sum(row.status == KINK for row in judged)
    if kinks:
        counts += f", {kinks} at a kink"
    unchecked = sum(row.status == CANNOT_CHECK for row in judged[1:])
    if unchecked:
        counts += f", {unchecked} where no numeric slope can be made (left out)"
    at = ", ".join(f"{m}={cloud[worst, i]:.6g}" for i, m in enumerate(names))
    note = f"{counts}; {'worst' if bad else 'closest call'} at ({at})"
    if judged[worst].note:
        note += f": {judged[worst].note}"
    return dataclasses.replace(judged[worst], note=note)
