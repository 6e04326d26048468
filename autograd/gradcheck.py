"""gradcheck and gradgradcheck: the engine's gradients against central differences.

For each input x_i the engine's derivative (the *analytic* value, from
backward) is compared with the *numeric* slope (autograd/numeric.py)

    (f(x + h e_i) - f(x - h e_i)) / (2h),    h = eps * max(1, |x_i|)

and the check passes when |analytic - numeric| <= atol + rtol * |numeric|
(autograd/tolerances.py). The result is a report a student can act on: one
row per input, a note in words when a row fails ("sign is flipped", "about
2x: a missing factor 1/2?"), and at a kink (relu at 0) the row says the point
is not differentiable instead of failing. Where the numeric slope means
nothing (near a pole, or where floats are too coarse for any step) the row
says the check cannot be made: not a pass, and never a failure of the engine
(autograd/verdict.py decides). gradcheck(points=N) is in gradcheck_points.py.

>>> from autograd import Value
>>> report = gradcheck(lambda x, y: x * y.sin(), {"x": 1.5, "y": 0.3})
>>> report.ok
True
>>> [row.name for row in report.rows]
['x', 'y']
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from autograd.errors import GradcheckError
from autograd.gradcheck_points import check_points
from autograd.inputs import (
    Inputs,
    as_number,
    detached,
    engine_slope,
    first_derivatives,
    gradient,
    gradient_values,
    inputs_from,
    values_of,
)
from autograd.numeric import SEED, NotEvaluable, Slopes, engine_doubt, require_points, slopes_along
from autograd.report import (
    CANNOT_CHECK,
    FAIL,
    KINK,
    PASS,
    count,
    format_error,
    number,
    render_html,
    render_text,
)
from autograd.tolerances import DEFAULT_TOLERANCES, Tolerances
from autograd.verdict import GradcheckRow, graph_kinks, judge, no_gradient, unjudged

__all__ = [
    "gradcheck",
    "gradgradcheck",
    "GradcheckReport",
    "GradcheckRow",
    "Tolerances",
    "DEFAULT_TOLERANCES",
]


@dataclass(frozen=True, repr=False)
class GradcheckReport:
    """The rows of a gradcheck, printable as a text table and as HTML in notebooks.

    `bool(report)` is `report.ok`, so `assert gradcheck(f, xs)` works as in PyTorch.
    """

    rows: tuple[GradcheckRow, ...]
    tolerances: Tolerances = DEFAULT_TOLERANCES
    title: str = "gradcheck"
    headers: tuple[str, ...] = field(
        default=("input", "value", "analytic", "numeric", "abs error", "rel error", "pass")
    )
    checked: str = "input"
    """What one row checks: 'input' (gradcheck), 'second derivative' (gradgradcheck)."""

    @property
    def ok(self) -> bool:
        """True when every row passed or sits at a kink; a row that cannot be checked is not ok."""
        return all(row.passed is not False for row in self.rows)

    @property
    def failures(self) -> tuple[GradcheckRow, ...]:
        """The rows that failed or could not be checked, in input order."""
        return tuple(row for row in self.rows if row.passed is False)

    def __bool__(self) -> bool:
        return self.ok

    def _cells(self) -> list[list[str]]:
        return [
            [
                row.name,
                number(row.value),
                number(row.analytic),
                number(row.numeric),
                format_error(row.abs_error),
                format_error(row.rel_error),
                _VERDICT[row.status],
            ]
            for row in self.rows
        ]

    def _heading(self) -> str:
        t = self.tolerances
        tally = {s: sum(row.status == s for row in self.rows) for s in (FAIL, CANNOT_CHECK, KINK)}
        parts = [f"{tally[FAIL]} FAILED"] * bool(tally[FAIL])
        parts += [f"{tally[CANNOT_CHECK]} cannot be checked"] * bool(tally[CANNOT_CHECK])
        parts = parts or ["all passed"]
        parts += [f"{tally[KINK]} not differentiable here"] * bool(tally[KINK])
        return (
            f"{self.title}: {count(len(self.rows), self.checked)}, "
            f"eps={t.eps:g}, atol={t.atol:g}, rtol={t.rtol:g}: {', '.join(parts)}"
        )

    def _notes(self) -> list[str]:
        return [f"{row.name}: {row.note}" for row in self.rows if row.note]

    def __str__(self) -> str:
        return render_text(self._heading(), self.headers, self._cells(), self._notes())

    __repr__ = __str__  # typing `report` at a prompt shows the table

    def _repr_html_(self) -> str:
        states = [row.status for row in self.rows]
        return render_html(self._heading(), self.headers, self._cells(), states, self._notes())

    def raise_if_failed(self) -> GradcheckReport:
        """Raise GradcheckError naming every failing input with both numbers; else return self."""
        if self.ok:
            return self
        lines = []
        for row in self.failures:
            if row.status == CANNOT_CHECK:
                lines.append(f"  {row.name} = {row.value!r}: could not be checked; {row.note}")
            else:
                lines.append(
                    f"  {row.name} = {row.value!r}: analytic {number(row.analytic)} but "
                    f"numeric {number(row.numeric)} (error {row.abs_error:.2g}, allowed "
                    f"{self.tolerances.allowed(row.numeric):.2g}). {row.note}"
                )
        if any(row.status == FAIL for row in self.failures):
            why = (
                "The gradient from backward() does not match how f changes when the input "
                "moves, so an optimizer following it goes the wrong way. Check the derivative "
                "rule of each op these inputs flow through"
            )
        else:
            why = (
                "No numeric slope can be made there, so these gradients are unchecked, not "
                "right. Check at points away from poles and edges"
            )
        raise GradcheckError(
            f"{self.title} failed for {len(self.failures)} of "
            f"{count(len(self.rows), self.checked)}:\n"
            + "\n".join(lines)
            + f"\n{why} (print(report) shows every input)"
        )


_VERDICT = {PASS: "yes", FAIL: "NO", KINK: "kink", CANNOT_CHECK: "cannot check"}


def gradcheck(
    f: Callable[..., Any],
    inputs: Sequence[Any] | Mapping[str, Any],
    *,
    eps: float = DEFAULT_TOLERANCES.eps,
    atol: float = DEFAULT_TOLERANCES.atol,
    rtol: float = DEFAULT_TOLERANCES.rtol,
    points: int = 0,
    seed: int = SEED,
) -> GradcheckReport:
    """Compare backward()'s gradient of f with central differences, input by input.

    `f` takes Values (positionally for a list of inputs, by keyword for a dict)
    and returns a Value. `inputs` is a list of numbers or Values, or a dict of
    name to number; rows are named by dict key, else by label, else x0, x1, ...
    Input Values are not touched: f is called on fresh leaves with their values.

    A row passes when |analytic - numeric| <= atol + rtol * |numeric|, with
    numeric = (f(x + h) - f(x - h)) / (2h) and h = eps * max(1, |x|).

    `points=N` (0 to MAX_POINTS = 100,000) checks N more points scattered around
    the one given (autograd.numeric.random_points, the same for a given seed),
    all at once on a tape (autograd.trace). There is one row per input, for the
    point where it did worst, and a note with the point and the counts. Random
    points where f is undefined, or where no numeric slope can be made, are
    left out.

    >>> report = gradcheck(lambda x: x ** 3, [2.0])      # 3x**2 = 12
    >>> report.rows[0].analytic, round(report.rows[0].numeric, 6)
    (12.0, 12.0)
    >>> gradcheck(lambda x, y: (x * y).sin(), [1.0, 2.0], points=1000).title
    'gradcheck at 1001 points'
    """
    tolerances = Tolerances.checked(eps, atol, rtol, "gradcheck")
    spec = inputs_from(inputs, "gradcheck")
    spec.require_callable(f, "gradcheck")
    if require_points(points, "gradcheck"):
        rows, title = check_points(f, spec, tolerances, points, seed)
        return GradcheckReport(tuple(rows), tolerances, title)
    rows = _check_point(f, spec, tolerances, order=1)
    return GradcheckReport(tuple(rows), tolerances, "gradcheck")


def gradgradcheck(
    f: Callable[..., Any],
    inputs: Sequence[Any] | Mapping[str, Any],
    *,
    eps: float = DEFAULT_TOLERANCES.eps,
    atol: float = DEFAULT_TOLERANCES.atol,
    rtol: float = DEFAULT_TOLERANCES.rtol,
) -> GradcheckReport:
    """Check second derivatives: d/dx_j of backward()'s gradient, made with create_graph.

    One row per pair (x_i, x_j), named 'x_i, x_j', with the value of x_j: the
    analytic value differentiates the create_graph gradient df/dx_i again with
    respect to x_j; the numeric value is the central difference of df/dx_i
    along x_j.

    >>> report = gradgradcheck(lambda x, y: x * x * y, {"x": 2.0, "y": 3.0})
    >>> [(row.name, row.analytic) for row in report.rows]
    [('x, x', 6.0), ('x, y', 4.0), ('y, x', 4.0), ('y, y', 0.0)]
    """
    tolerances = Tolerances.checked(eps, atol, rtol, "gradgradcheck")
    spec = inputs_from(inputs, "gradgradcheck")
    spec.require_callable(f, "gradgradcheck")
    rows = _check_point(f, spec, tolerances, order=2)
    headers = ("x_i, x_j", "x_j value", "analytic", "numeric", "abs error", "rel error", "pass")
    return GradcheckReport(
        tuple(rows), tolerances, "gradgradcheck", headers, checked="second derivative"
    )


def _check_point(
    f: Callable[..., Any], spec: Inputs, tolerances: Tolerances, order: int
) -> list[GradcheckRow]:
    """The rows for one point: order 1 checks df/dx_i, order 2 checks d2f/dx_i dx_j."""
    who = "gradcheck" if order == 1 else "gradgradcheck"
    leaves = spec.leaves()
    out = spec.call(f, leaves)
    as_number(out, who)
    names = spec.names
    labels = names if order == 1 else [f"{a}, {b}" for a in names for b in names]
    try:
        # What the rows differentiate: f itself, or each df/dx_i made with create_graph.
        outputs = [out] if order == 1 else gradient_values(out, leaves)
        analytic = [gradient(y, leaves) for y in outputs]
    except (ArithmeticError, ValueError) as error:
        why = no_gradient(error)
        return [
            unjudged(label, spec.point[k % len(names)], CANNOT_CHECK, why)
            for k, label in enumerate(labels)
        ]
    kinks = graph_kinks(out, leaves, tolerances.eps)
    evaluate = (values_of if order == 1 else first_derivatives)(f, spec, who)
    columns: list[list[Slopes] | NotEvaluable] = []
    for j, name in enumerate(names):
        try:
            columns.append(slopes_along(evaluate, spec.point, j, tolerances.eps, name))
        except NotEvaluable as undefined:
            columns.append(undefined)
    rows = []
    for i, y in enumerate(outputs):
        for j, column in enumerate(columns):
            label, value = labels[i * len(names) + j], spec.point[j]
            if isinstance(column, NotEvaluable):
                rows.append(
                    unjudged(
                        label,
                        value,
                        CANNOT_CHECK,
                        f"f cannot be evaluated at {column.where} ({column.reason}); move the "
                        "point away from the edge of f's domain, or use a smaller eps",
                    )
                )
                continue
            slopes = column[i]
            kink = kinks.get(j) if order == 1 else kinks.get(i, kinks.get(j))
            row = judge(
                label,
                value,
                analytic[i][j],
                slopes,
                tolerances,
                kink,
                lambda y=y, i=i, j=j, h=slopes.step: engine_doubt(
                    y, engine_slope(f, spec, i, j, order), spec.point, j, h
                ),
            )
            if row.status == FAIL and detached(out):
                row = dataclasses.replace(row, note=detached(out))
            rows.append(row)
    return rows
