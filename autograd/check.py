"""gradcheck and gradgradcheck: the engine's gradients against central differences.

For each input x_i the engine's derivative (the *analytic* value, from
backward) is compared with the *numeric* estimate

    (f(x + eps e_i) - f(x - eps e_i)) / (2 eps)

and the check passes when |analytic - numeric| <= atol + rtol * |numeric|
(the tolerances live in one place, `DEFAULT_TOLERANCES`). The result is a
report a student can act on: one row per input, a note in words when a row
fails ("sign is flipped", "about 2x: a missing factor 1/2?"), and at a kink
(relu at 0) the row says the point is not differentiable instead of failing.

>>> from autograd import Value
>>> report = gradcheck(lambda x, y: x * y.sin(), {"x": 1.5, "y": 0.3})
>>> report.ok
True
>>> [row.name for row in report.rows]
['x', 'y']
"""

from __future__ import annotations

import dataclasses
import html
import inspect
import math
import numbers
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from autograd.backward import grad, topological_order
from autograd.errors import GradcheckError
from autograd.ops import ABS, LEAKY_RELU, RELU, Op
from autograd.recording import no_grad
from autograd.value import Value

__all__ = [
    "gradcheck",
    "gradgradcheck",
    "GradcheckReport",
    "GradcheckRow",
    "Tolerances",
    "DEFAULT_TOLERANCES",
]


@dataclass(frozen=True)
class Tolerances:
    """The step of the central difference and what counts as agreement."""

    eps: float = 1e-6
    atol: float = 1e-5
    rtol: float = 1e-3

    def allowed(self, reference: float) -> float:
        """The largest disagreement accepted around `reference`: atol + rtol * |reference|."""
        return self.atol + self.rtol * abs(reference)

    def agree(self, value: float, reference: float) -> bool:
        """|value - reference| <= atol + rtol * |reference| (False if either is not finite)."""
        if not (math.isfinite(value) and math.isfinite(reference)):
            return False
        return abs(value - reference) <= self.allowed(reference)


DEFAULT_TOLERANCES = Tolerances()
"""eps=1e-6, atol=1e-5, rtol=1e-3, as torch.autograd.gradcheck's float64 defaults."""

KINKS: dict[Op, float] = {RELU: 0.0, LEAKY_RELU: 0.0, ABS: 0.0}
"""Ops whose derivative jumps, and where: relu, leaky_relu and abs at 0."""

KINK_FACTOR = 10.0
"""One-sided slopes that differ by more than KINK_FACTOR tolerances mark a kink."""

# Status of a row.
PASS, FAIL, KINK, UNDEFINED = "pass", "FAIL", "kink", "undefined"


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
    """'pass', 'FAIL', 'kink' (not differentiable here) or 'undefined' (cannot evaluate)."""
    note: str = ""
    """What a student can do about a row that did not pass."""


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

    @property
    def ok(self) -> bool:
        """True when no row failed (rows at a kink are not failures)."""
        return all(row.passed is not False for row in self.rows)

    @property
    def failures(self) -> tuple[GradcheckRow, ...]:
        """The rows that failed, in input order."""
        return tuple(row for row in self.rows if row.passed is False)

    def __bool__(self) -> bool:
        return self.ok

    def _cells(self) -> list[list[str]]:
        return [
            [
                row.name,
                format_number(row.value),
                format_number(row.analytic),
                format_number(row.numeric),
                format_error(row.abs_error),
                format_error(row.rel_error),
                _verdict(row),
            ]
            for row in self.rows
        ]

    def _heading(self) -> str:
        t = self.tolerances
        verdict = "all passed" if self.ok else f"{len(self.failures)} FAILED"
        kinks = sum(row.status == KINK for row in self.rows)
        if kinks:
            verdict += f", {kinks} not differentiable here"
        return (
            f"{self.title}: {len(self.rows)} input{'s' * (len(self.rows) != 1)}, "
            f"eps={t.eps:g}, atol={t.atol:g}, rtol={t.rtol:g}: {verdict}"
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
            if row.status == UNDEFINED:
                lines.append(f"  {row.name} = {row.value!r}: could not be checked; {row.note}")
            else:
                lines.append(
                    f"  {row.name} = {row.value!r}: analytic {format_number(row.analytic)} but "
                    f"numeric {format_number(row.numeric)} (error {row.abs_error:.2g}, allowed "
                    f"{self.tolerances.allowed(row.numeric):.2g}). {row.note}"
                )
        count = len(self.failures)
        raise GradcheckError(
            f"{self.title} failed for {count} of {len(self.rows)} inputs:\n"
            + "\n".join(lines)
            + "\nThe gradient from backward() does not match how f changes when the input "
            "moves, so an optimizer following it goes the wrong way. Check the derivative "
            "rule of each op these inputs flow through (print(report) shows every input)"
        )


def _verdict(row: GradcheckRow) -> str:
    return {PASS: "yes", FAIL: "NO", KINK: "kink", UNDEFINED: "NO"}[row.status]


# -- formatting shared by every report of gradients --------------------------------


def format_number(x: float | None) -> str:
    """A derivative as a student reads it: 8 significant digits, '-' when absent."""
    if x is None:
        return "-"
    if isinstance(x, float) and not math.isfinite(x):
        return str(x)
    return f"{x:.8g}"


def format_error(x: float | None) -> str:
    """An error size: two significant digits."""
    if x is None:
        return "-"
    if not math.isfinite(x):
        return str(x)
    return f"{x:.1e}" if x else "0"


def render_text(
    heading: str, headers: Sequence[str], cells: list[list[str]], notes: Sequence[str]
) -> str:
    """An aligned text table: names left-aligned, numbers right-aligned, notes below."""
    widths = [max([len(h)] + [len(row[i]) for row in cells]) for i, h in enumerate(headers)]

    def line(values: Sequence[str]) -> str:
        parts = [
            v.ljust(w) if i == 0 or i == len(values) - 1 else v.rjust(w)
            for i, (v, w) in enumerate(zip(values, widths))
        ]
        return "  ".join(parts).rstrip()

    out = [heading, line(headers), line(["-" * w for w in widths])]
    out += [line(row) for row in cells]
    if notes:
        out.append("")
        out += notes
    return "\n".join(out)


_ROW_STYLE = {
    FAIL: ' style="background:#fdd;font-weight:bold"',
    UNDEFINED: ' style="background:#fdd;font-weight:bold"',
    KINK: ' style="background:#ffd"',
}


def render_html(
    heading: str,
    headers: Sequence[str],
    cells: list[list[str]],
    states: Sequence[str],
    notes: Sequence[str],
) -> str:
    """The same table as HTML; failing rows red and bold, kinks yellow."""
    e = html.escape
    head = "".join(f"<th>{e(h)}</th>" for h in headers)
    body = "".join(
        f"<tr{_ROW_STYLE.get(state, '')}>" + "".join(f"<td>{e(c)}</td>" for c in row) + "</tr>"
        for row, state in zip(cells, states)
    )
    notes_html = "".join(f"<li>{e(n)}</li>" for n in notes)
    return (
        f'<div class="chainrule-gradcheck"><p>{e(heading)}</p>'
        f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
        + (f"<ul>{notes_html}</ul>" if notes else "")
        + "</div>"
    )


# -- words for a disagreement -----------------------------------------------------


def advice(got: float, expected: float, who: str = "analytic") -> str:
    """A hint in words for `got` where `expected` was right: a sign, a factor, a missing path.

    `who` names what is wrong: 'analytic' (the engine) or a hand formula ('it').
    """
    engine = who == "analytic"
    if not math.isfinite(got):
        return f"{who} is {got}: a derivative overflowed or divided by zero"
    if abs(expected) < 1e-12:
        return (
            f"f does not change with this input here, but {who} is {format_number(got)}: "
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
    for factor in (2, 3, 4, 10):
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


# -- numbers at a point -----------------------------------------------------------


Evaluate = Callable[[list[float]], list[float]]
"""Given the inputs' values, the quantities being differentiated (one or several)."""


@dataclass(frozen=True)
class _Slopes:
    central: list[float]
    """(f(x + eps) - f(x - eps)) / (2 eps): the numeric derivative."""
    forward: list[float]
    """(f(x + eps) - f(x)) / eps, the slope on the right."""
    backward: list[float]
    """(f(x) - f(x - eps)) / eps, the slope on the left."""
    jump_wide: list[float]
    """|right - left| slopes over 2 eps: twice the eps jump if f is smooth, the same at a
    kink; nan where f is undefined at x +- 2 eps."""


class _Undefined(Exception):
    """f could not be evaluated at a perturbed point."""

    def __init__(self, where: str, reason: str) -> None:
        super().__init__(f"{where}: {reason}")
        self.where, self.reason = where, reason


def _slopes(evaluate: Evaluate, point: list[float], j: int, eps: float, name: str) -> _Slopes:
    """Central and one-sided differences of every output along input j."""
    values: dict[int, list[float]] = {}
    for steps in (1, -1, 0, 2, -2):
        moved = list(point)
        moved[j] = point[j] + steps * eps
        try:
            values[steps] = evaluate(moved)
        except (ArithmeticError, ValueError) as error:
            if abs(steps) == 2:
                continue  # only the kink test uses 2 eps; it does without
            where = f"{name} {'+' if steps > 0 else '-'} eps" if steps else f"{name} = {point[j]!r}"
            raise _Undefined(where, str(error)) from None
    return _differences(values, eps)


def _differences(values: dict[int, Any], eps: float) -> _Slopes:
    """The slopes from f at x + s*eps, s in (1, -1, 0) and maybe (2, -2), for each output.

    values[s][k] is output k; for the points of gradcheck(points=N), k is the point.
    """
    outputs = range(len(values[0]))
    wide = 2 in values and -2 in values
    return _Slopes(
        central=[(values[1][k] - values[-1][k]) / (2.0 * eps) for k in outputs],
        forward=[(values[1][k] - values[0][k]) / eps for k in outputs],
        backward=[(values[0][k] - values[-1][k]) / eps for k in outputs],
        jump_wide=[
            abs((values[2][k] - values[0][k]) - (values[0][k] - values[-2][k])) / (2.0 * eps)
            if wide
            else math.nan
            for k in outputs
        ],
    )


def _kink_note(forward: float, backward: float, near: str, confirmed: bool) -> str:
    slopes = (
        f"the slope is {format_number(backward)} on the left and {format_number(forward)} "
        "on the right"
    )
    if near:
        return (
            f"not differentiable here{near}: {slopes}. Move the point away from the kink to "
            "check the gradient (at the kink backward uses relu'(0) = 0, abs'(0) = 0)"
        )
    if confirmed:
        return f"not differentiable here: {slopes}. Move the point to check the gradient"
    return (
        f"not differentiable here, or f bends too sharply for eps: {slopes}. Move the point "
        "away from the edge of f's domain, or use a smaller eps"
    )


def _graph_kinks(out: Any, leaves: list[Value], eps: float) -> dict[int, str]:
    """For each input that feeds a relu/abs/leaky_relu at (or within eps of) its kink: why."""
    found: dict[int, str] = {}
    if not isinstance(out, Value):
        return found
    position = {leaf.creation_index: i for i, leaf in enumerate(leaves)}
    for node in topological_order(out):
        op = node.operation
        if op not in KINKS:
            continue
        (argument,) = node.parents
        if abs(argument.data - KINKS[op]) > 2.0 * eps * max(1.0, abs(argument.data)):
            continue
        for upstream in topological_order(argument):
            i = position.get(upstream.creation_index)
            if i is not None and i not in found:
                found[i] = f" ({op.name}'s input is {argument.data:.3g}, at its kink at 0)"
    return found


def _row(
    name: str,
    value: float,
    analytic: float,
    slopes: _Slopes,
    k: int,
    tolerances: Tolerances,
    graph_kink: str | None,
) -> GradcheckRow:
    numeric = slopes.central[k]
    forward, backward = slopes.forward[k], slopes.backward[k]
    abs_error = abs(analytic - numeric)
    rel_error = abs_error / abs(numeric) if numeric else (0.0 if abs_error == 0 else math.inf)
    # At a kink the one-sided slopes differ by a jump that does not shrink with the
    # step; on a smooth curve they differ by f'' * step, which doubles with 2 eps.
    jump = abs(forward - backward)
    large = jump > KINK_FACTOR * tolerances.allowed(max(abs(forward), abs(backward)))
    if large and not slopes.jump_wide[k] >= 1.5 * jump:  # nan: no wide step, a kink
        confirmed = slopes.jump_wide[k] < 1.5 * jump
        return GradcheckRow(
            name, value, analytic, numeric, abs_error, rel_error, None, KINK,
            _kink_note(forward, backward, graph_kink or "", confirmed),
        )  # fmt: skip
    if tolerances.agree(analytic, numeric):
        return GradcheckRow(name, value, analytic, numeric, abs_error, rel_error, True)
    if graph_kink is not None:
        # f is smooth here, but a relu or abs inside it sits at its kink, where the engine
        # picks a convention that need not be f's slope (relu(x) - relu(-x) at 0).
        return GradcheckRow(
            name, value, analytic, numeric, abs_error, rel_error, None, KINK,
            f"not differentiable here{graph_kink}: backward used the kink's convention "
            "(relu'(0) = 0, abs'(0) = 0) although f itself has slope "
            f"{format_number(numeric)} here. Move the point away from the kink",
        )  # fmt: skip
    return GradcheckRow(
        name, value, analytic, numeric, abs_error, rel_error, False, FAIL,
        advice(analytic, numeric),
    )  # fmt: skip


def _undefined_row(name: str, value: float, why: str) -> GradcheckRow:
    nan = math.nan
    return GradcheckRow(name, value, nan, nan, nan, nan, False, UNDEFINED, why)


def _not_differentiable_row(name: str, value: float, why: str) -> GradcheckRow:
    nan = math.nan
    return GradcheckRow(name, value, nan, nan, nan, nan, None, KINK, why)


# -- the inputs -----------------------------------------------------------------------


@dataclass(frozen=True)
class _Inputs:
    names: list[str]
    point: list[float]
    by_keyword: bool

    def leaves(self, point: list[float] | None = None) -> list[Value]:
        return [Value(x, label=n) for n, x in zip(self.names, point or self.point)]

    def call(self, f: Callable[..., Any], leaves: list[Value]) -> Any:
        if self.by_keyword:
            return f(**dict(zip(self.names, leaves)))
        return f(*leaves)

    def require_callable(self, f: Any, who: str) -> None:
        """Raise TypeError unless f is a function that can take these inputs."""
        if not callable(f):
            raise TypeError(
                f"{who} needs f to be a function, got {type(f).__name__} {f!r:.60}; f takes "
                f"the inputs as Values and returns a Value, e.g. "
                f"{who}(lambda x, y: x * y.sin(), [1.5, 0.3])"
            )
        shown = ", ".join(f"{n}=..." if self.by_keyword else n for n in self.names)
        try:
            signature = inspect.signature(f)
        except (TypeError, ValueError):
            return  # a builtin without a signature: calling it will tell
        try:
            if self.by_keyword:
                signature.bind(**dict.fromkeys(self.names))
            else:
                signature.bind(*self.names)
        except TypeError as error:
            how = " by keyword" if self.by_keyword else ""
            raise TypeError(
                f"{who} calls f({shown}), one Value per input{how}, but f cannot take "
                f"them: {error}. Give f one parameter per input"
                + (", named as the inputs" if self.by_keyword else "")
                + f", e.g. lambda {', '.join(self.names)}: ..."
            ) from None


def _number(x: Any, where: str) -> float:
    if isinstance(x, Value):
        return x.data
    if isinstance(x, numbers.Real) and not isinstance(x, bool):
        value = float(x)
        if math.isfinite(value):
            return value
    raise TypeError(
        f"{where} got {type(x).__name__} {x!r:.60}; inputs must be finite numbers or Values, "
        "e.g. gradcheck(f, [1.5, 0.3]) or gradcheck(f, {'x': 1.5, 'y': 0.3})"
    )


def _inputs(inputs: Any, who: str) -> _Inputs:
    if isinstance(inputs, Mapping) and inputs:
        names = [str(name) for name in inputs]
        point = [_number(x, f"{who} input {name!r}") for name, x in inputs.items()]
        return _Inputs(names, point, by_keyword=True)
    if isinstance(inputs, (Value, numbers.Real)):
        inputs = [inputs]
    if not isinstance(inputs, Sequence) or isinstance(inputs, (str, Mapping)) or not inputs:
        raise TypeError(
            f"{who} needs the inputs as a non-empty list of numbers or Values, or a dict of "
            f"name to number; got {type(inputs).__name__} {inputs!r:.60}"
        )
    names, point = [], []
    for i, x in enumerate(inputs):
        point.append(_number(x, f"{who} input {i}"))
        label = x.label if isinstance(x, Value) and x.label else f"x{i}"
        names.append(label if label not in names else f"{label}[{i}]")
    return _Inputs(names, point, by_keyword=False)


def _as_number(out: Any, who: str) -> float:
    if isinstance(out, Value):
        return out.data
    if isinstance(out, numbers.Real):
        return float(out)
    raise TypeError(
        f"{who}: f returned {type(out).__name__} {out!r:.60}; f must return one Value "
        "(a scalar). For several outputs, check them one at a time or check their sum"
    )


def _detached(out: Any) -> str:
    """Why backward() gives 0 when f returned a plain number; '' if it returned a Value."""
    if isinstance(out, Value):
        return ""
    return (
        f"f returned {type(out).__name__} {out!r:.40}, not a Value, so backward() cannot "
        "reach the inputs and gives 0: build f from Value operations (x * y, x.sin(), "
        "autograd.exp(x)) instead of .data or math functions"
    )


def _forward_only(f: Callable[..., Any], inputs: _Inputs, who: str) -> Evaluate:
    def evaluate(point: list[float]) -> list[float]:
        with no_grad():
            return [_as_number(inputs.call(f, inputs.leaves(point)), who)]

    return evaluate


def _first_derivatives(f: Callable[..., Any], inputs: _Inputs, who: str) -> Evaluate:
    def evaluate(point: list[float]) -> list[float]:
        leaves = inputs.leaves(point)
        out = inputs.call(f, leaves)
        _as_number(out, who)
        if not isinstance(out, Value):
            return [0.0] * len(leaves)
        return [g.data for g in grad(out, leaves)]

    return evaluate


# -- the checks ------------------------------------------------------------------------


def gradcheck(
    f: Callable[..., Any],
    inputs: Sequence[Any] | Mapping[str, Any],
    *,
    eps: float = DEFAULT_TOLERANCES.eps,
    atol: float = DEFAULT_TOLERANCES.atol,
    rtol: float = DEFAULT_TOLERANCES.rtol,
    points: int = 0,
    seed: int = 0,
) -> GradcheckReport:
    """Compare backward()'s gradient of f with central differences, input by input.

    `f` takes Values (positionally for a list of inputs, by keyword for a dict)
    and returns a Value. `inputs` is a list of numbers or Values, or a dict of
    name to number; rows are named by dict key, else by label, else x0, x1, ...
    Input Values are not touched: f is called on fresh leaves with their values.

    A row passes when |analytic - numeric| <= atol + rtol * |numeric|, with
    numeric = (f(x + eps) - f(x - eps)) / (2 eps).

    `points=N` checks N more points scattered around the one given (random_points,
    the same for a given seed), all at once: f is recorded as a tape
    (autograd.trace) that computes f, its gradient and every step of the
    differences on arrays holding all the points. There is one row per input, for
    the point where it did worst, and a note with the point and the counts.
    Random points where f is undefined are left out.

    >>> report = gradcheck(lambda x: x ** 3, [2.0])      # 3x**2 = 12
    >>> report.rows[0].analytic, round(report.rows[0].numeric, 6)
    (12.0, 12.0)
    >>> gradcheck(lambda x, y: (x * y).sin(), [1.0, 2.0], points=1000).title
    'gradcheck at 1001 points'
    """
    tolerances = _tolerances(eps, atol, rtol)
    spec = _inputs(inputs, "gradcheck")
    spec.require_callable(f, "gradcheck")
    if isinstance(points, bool) or not isinstance(points, int) or points < 0:
        raise ValueError(
            f"gradcheck got points={points!r}; it must be a whole number >= 0: how many "
            "random points to check besides the one given"
        )
    if points:
        rows, title = _check_points(f, spec, tolerances, points, seed)
        return GradcheckReport(tuple(rows), tolerances, title)
    rows = _check_point(f, spec, tolerances, order=1)
    return GradcheckReport(tuple(rows), tolerances, "gradcheck")


_STEPS = (1, -1, 0, 2, -2)
"""Where the differences evaluate f: x + s * eps along one input."""


def _check_points(
    f: Callable[..., Any], spec: _Inputs, tolerances: Tolerances, points: int, seed: int
) -> tuple[list[GradcheckRow], str]:
    """gradcheck at the point given and `points` more, on the tape: (rows, title)."""
    import numpy as np

    from autograd.errors import DomainError
    from autograd.trace import trace

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
        _as_number(out, "gradcheck")
    if out is not None and not isinstance(out, Value):
        raise TypeError(
            f"gradcheck(points={points}): {_detached(out)}. The random points are checked "
            "on a tape that records f's graph, so f must return a Value"
        )

    tape = trace(f_of_positions, n, check="always")
    left_out = 0
    while True:
        try:
            _, analytic = tape.value_and_grad(*cloud.T, wrt=list(range(n)))
            moved: dict[tuple[int, int], Any] = {}
            for j in range(n):
                for s in _STEPS:
                    shifted = cloud.copy()
                    shifted[:, j] += s * tolerances.eps
                    moved[j, s] = tape(*shifted.T)
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
        slopes = _differences({s: moved[j, s].tolist() for s in _STEPS}, tolerances.eps)
        judged = [
            _row(name, float(cloud[p, j]), float(analytic[j][p]), slopes, p, tolerances, None)
            for p in range(len(cloud))
        ]
        failed = [p for p, row in enumerate(judged) if row.passed is False]
        kinks = sum(row.status == KINK for row in judged)
        candidates = failed or [p for p, row in enumerate(judged) if row.passed] or [0]
        worst = max(
            candidates,
            key=lambda p: judged[p].abs_error / tolerances.allowed(judged[p].numeric),
        )
        counts = f"{len(failed)} of {len(cloud)} points failed" if failed else "all passed"
        if kinks:
            counts += f", {kinks} at a kink"
        at = ", ".join(f"{m}={cloud[worst, i]:.6g}" for i, m in enumerate(names))
        note = f"{counts}; {'worst' if failed else 'closest call'} at ({at})"
        if judged[worst].note:
            note += f": {judged[worst].note}"
        rows.append(dataclasses.replace(judged[worst], note=note))
    title = f"gradcheck at {len(cloud)} points"
    if left_out:
        title += f" ({left_out} random points outside f's domain left out)"
    return rows, title


def gradgradcheck(
    f: Callable[..., Any],
    inputs: Sequence[Any] | Mapping[str, Any],
    *,
    eps: float = DEFAULT_TOLERANCES.eps,
    atol: float = DEFAULT_TOLERANCES.atol,
    rtol: float = DEFAULT_TOLERANCES.rtol,
) -> GradcheckReport:
    """Check second derivatives: d/dx_j of backward()'s gradient, made with create_graph.

    One row per pair (x_i, x_j), named 'x_i, x_j': the analytic value
    differentiates the create_graph gradient df/dx_i again with respect to x_j;
    the numeric value is the central difference of df/dx_i along x_j.

    >>> report = gradgradcheck(lambda x, y: x * x * y, {"x": 2.0, "y": 3.0})
    >>> [(row.name, row.analytic) for row in report.rows]
    [('x, x', 6.0), ('x, y', 4.0), ('y, x', 4.0), ('y, y', 0.0)]
    """
    tolerances = _tolerances(eps, atol, rtol, "gradgradcheck")
    spec = _inputs(inputs, "gradgradcheck")
    spec.require_callable(f, "gradgradcheck")
    rows = _check_point(f, spec, tolerances, order=2)
    return GradcheckReport(tuple(rows), tolerances, "gradgradcheck")


def _tolerances(eps: float, atol: float, rtol: float, who: str = "gradcheck") -> Tolerances:
    for name, x in (("eps", eps), ("atol", atol), ("rtol", rtol)):
        if (
            not isinstance(x, numbers.Real)
            or not math.isfinite(x)
            or x < 0
            or (name == "eps" and x == 0)
        ):
            raise ValueError(
                f"{who} got {name}={x!r}; it must be a finite number"
                + (" > 0" if name == "eps" else " >= 0")
                + f", e.g. {name}={getattr(DEFAULT_TOLERANCES, name)!r}"
            )
    return Tolerances(float(eps), float(atol), float(rtol))


def _check_point(
    f: Callable[..., Any], spec: _Inputs, tolerances: Tolerances, order: int
) -> list[GradcheckRow]:
    """The rows for one point: order 1 checks df/dx_i, order 2 checks d2f/dx_i dx_j."""
    who = "gradcheck" if order == 1 else "gradgradcheck"
    leaves = spec.leaves()
    out = spec.call(f, leaves)
    _as_number(out, who)
    names = spec.names
    pairs = [(names[j], spec.point[j]) for j in range(len(names))]
    if order == 2:
        pairs = [(f"{a}, {b}", x) for a in names for b, x in pairs]
    try:
        analytic = _analytic(out, leaves, order)
    except (ArithmeticError, ValueError) as error:
        why = f"not differentiable here: backward() says {error}"
        return [_not_differentiable_row(label, x, why) for label, x in pairs]
    kinks = _graph_kinks(out, leaves, tolerances.eps)
    evaluate = (_forward_only if order == 1 else _first_derivatives)(f, spec, who)
    n = len(names)
    columns: list[_Slopes | _Undefined] = []
    for j in range(n):
        try:
            columns.append(_slopes(evaluate, spec.point, j, tolerances.eps, names[j]))
        except _Undefined as undefined:
            columns.append(undefined)
    rows = []
    for i in range(n if order == 2 else 1):
        for j in range(n):
            k, label = (0, names[j]) if order == 1 else (i, f"{names[i]}, {names[j]}")
            value = spec.point[j]
            column = columns[j]
            kink = kinks.get(j) if order == 1 else kinks.get(i, kinks.get(j))
            if isinstance(column, _Undefined):
                rows.append(
                    _undefined_row(
                        label,
                        value,
                        f"f cannot be evaluated at {column.where} ({column.reason}); move the "
                        "point away from the edge of f's domain, or use a smaller eps",
                    )
                )
                continue
            derivative = analytic[j] if order == 1 else analytic[i][j]
            row = _row(label, value, derivative, column, k, tolerances, kink)
            if row.passed is False and _detached(out):
                row = dataclasses.replace(row, note=_detached(out))
            rows.append(row)
    return rows


def _analytic(out: Any, leaves: list[Value], order: int) -> Any:
    if not isinstance(out, Value):
        zeros = [0.0] * len(leaves)
        return zeros if order == 1 else [list(zeros) for _ in leaves]
    if order == 1:
        return [g.data for g in grad(out, leaves)]
    firsts = grad(out, leaves, create_graph=True)
    return [[g.data for g in grad(first, leaves)] for first in firsts]


# -- gradients derived by hand ---------------------------------------------------------


@dataclass(frozen=True)
class HandRow:
    """One partial derivative at one point: engine, central difference and the hand formula."""

    name: str
    """The input, x in df/dx."""
    at: tuple[tuple[str, float], ...]
    """The point, as (name, value) pairs in the order of `at`."""
    engine: float
    numeric: float
    hand: float | None
    """The hand formula's value; None when no formula was given for this input."""
    engine_ok: bool | None
    """engine agrees with numeric; None at a kink."""
    hand_ok: bool | None
    """hand agrees with numeric; None at a kink or without a formula."""
    symbolic: bool | None = None
    """With symbolic=True: hand formula == exact derivative for all inputs; None if unknown."""
    note: str = ""
    kink: bool = False
    """f is not differentiable at this point along this input."""

    @property
    def passed(self) -> bool | None:
        """False if the hand formula or the engine is wrong; None where nothing is judged."""
        if self.hand_ok is False or self.engine_ok is False or self.symbolic is False:
            return False
        if self.hand_ok is None and self.engine_ok is None:
            return None
        return True

    @property
    def status(self) -> str:
        if self.kink:
            return KINK
        return {True: PASS, False: FAIL, None: PASS}[self.passed]


@dataclass(frozen=True, repr=False)
class HandCheckReport:
    """Engine, central differences and hand formulas side by side, per input and point."""

    rows: tuple[HandRow, ...]
    tolerances: Tolerances = DEFAULT_TOLERANCES
    symbolic: bool = False

    @property
    def ok(self) -> bool:
        """True when no partial derivative disagrees (kinks and missing formulas aside)."""
        return all(row.passed is not False for row in self.rows)

    @property
    def first_wrong(self) -> HandRow | None:
        """The first row whose hand formula is wrong (or, failing that, whose engine is)."""
        for attribute in ("hand_ok", "symbolic", "engine_ok"):
            for row in self.rows:
                if getattr(row, attribute) is False:
                    return row
        return None

    def __bool__(self) -> bool:
        return self.ok

    @property
    def _points(self) -> list[tuple[tuple[str, float], ...]]:
        return list(dict.fromkeys(row.at for row in self.rows))

    @property
    def headers(self) -> tuple[str, ...]:
        many = len(self._points) > 1
        return (
            ("input",)
            + (("point",) if many else ())
            + ("engine", "numeric", "hand")
            + (("symbolic",) if self.symbolic else ())
            + ("verdict",)
        )

    def _cells(self) -> list[list[str]]:
        points = self._points
        many = len(points) > 1
        cells = []
        for row in self.rows:
            line = [f"df/d{row.name}"]
            if many:
                line.append(f"#{points.index(row.at) + 1}")
            line += [
                format_number(row.engine),
                format_number(row.numeric),
                format_number(row.hand),
            ]
            if self.symbolic:
                line.append({True: "equal", False: "DIFFERS", None: "?"}[row.symbolic])
            line.append(_hand_verdict(row))
            cells.append(line)
        return cells

    def _heading(self) -> str:
        points = self._points
        t = self.tolerances
        where = f"at {_point_text(points[0])}" if len(points) == 1 else f"at {len(points)} points"
        first = self.first_wrong
        if self.ok:
            verdict = "all partial derivatives agree"
        elif first is not None and (first.hand_ok is False or first.symbolic is False):
            verdict = f"first wrong partial: df/d{first.name} at {_point_text(first.at)}"
        else:
            verdict = f"the engine is wrong for df/d{first.name}" if first else "FAILED"
        lines = [f"check_gradients {where} (eps={t.eps:g}, atol={t.atol:g}, rtol={t.rtol:g})"]
        if len(points) > 1:
            lines += [f"  #{i + 1}: {_point_text(p)}" for i, p in enumerate(points)]
        lines.append(verdict)
        return "\n".join(lines)

    def _notes(self) -> list[str]:
        points = self._points
        many = len(points) > 1
        return [
            f"df/d{row.name}"
            + (f" at #{points.index(row.at) + 1}" if many else "")
            + f": {row.note}"
            for row in self.rows
            if row.note
        ]

    def __str__(self) -> str:
        return render_text(self._heading(), self.headers, self._cells(), self._notes())

    __repr__ = __str__  # typing `report` at a prompt shows the table

    def _repr_html_(self) -> str:
        states = [row.status for row in self.rows]
        heading = self._heading().replace("\n", "; ")
        return render_html(heading, self.headers, self._cells(), states, self._notes())

    def raise_if_failed(self) -> HandCheckReport:
        """Raise GradcheckError naming each wrong partial with its numbers; else return self."""
        if self.ok:
            return self
        lines = [
            f"  df/d{row.name} at {_point_text(row.at)}: engine {format_number(row.engine)}, "
            f"numeric {format_number(row.numeric)}, hand {format_number(row.hand)}. {row.note}"
            for row in self.rows
            if row.passed is False
        ]
        raise GradcheckError(
            "check_gradients found partial derivatives that disagree:\n"
            + "\n".join(lines)
            + "\nA wrong gradient sends gradient descent the wrong way. Fix the formula named "
            "first, then run the check again (print(report) shows every partial)"
        )


def _point_text(point: tuple[tuple[str, float], ...]) -> str:
    return ", ".join(f"{name}={format_number(x)}" for name, x in point)


def _hand_verdict(row: HandRow) -> str:
    if row.status == KINK:
        return "kink"
    if row.hand is None and row.hand_ok is False:
        return "hand ERROR"
    if row.hand is None:
        return "engine ok" if row.engine_ok else "engine WRONG"
    if row.passed:
        return "ok"
    if row.hand_ok is False and row.engine_ok:
        return "hand WRONG"
    if row.hand_ok and row.engine_ok is False:
        return "engine WRONG"
    if row.symbolic is False and row.hand_ok:
        return "hand WRONG (symbolically)"
    return "DISAGREE"


HandFormula = Callable[..., Any] | str


def _hand_formulas(
    hand: Mapping[str, HandFormula], names: list[str]
) -> dict[str, Callable[[dict[str, Any]], Any]]:
    """Each formula as a function of the point (a dict of every input by name)."""
    from autograd.expression import compile_expression

    if not isinstance(hand, Mapping):
        raise TypeError(
            f"check_gradients needs hand as a dict of input name to formula, got "
            f"{type(hand).__name__}; e.g. hand={{'x': '2*x*sin(y)', 'y': lambda x, y: ...}}"
        )
    formulas: dict[str, Callable[[dict[str, Any]], Any]] = {}
    for name, formula in hand.items():
        if name not in names:
            raise ValueError(
                f"check_gradients got a hand formula for {name!r}, which is not an input; "
                f"the inputs (the keys of at) are {', '.join(names)}"
            )
        if isinstance(formula, str):
            expression = compile_expression(formula)
            unknown = [v for v in expression.variables if v not in names]
            if unknown:
                raise ValueError(
                    f"the hand formula for {name} ({formula!r}) uses {', '.join(unknown)}, "
                    f"which {'is' if len(unknown) == 1 else 'are'} not an input; the inputs "
                    f"are {', '.join(names)}: write it in those, or give "
                    f"{', '.join(unknown)} a value in at (--at on the command line)"
                )

            def evaluate(point: dict[str, Any], e: Any = expression) -> Any:
                return e(**{v: point[v] for v in e.variables})

            formulas[name] = evaluate
        elif callable(formula):
            _require_keywords(name, formula, names)

            def call(point: dict[str, Any], fn: Callable[..., Any] = formula) -> Any:
                return fn(**point)

            formulas[name] = call
        else:
            raise TypeError(
                f"the hand formula for {name} must be a function or an expression string, "
                f"got {type(formula).__name__} {formula!r:.60}"
            )
    return formulas


def _require_keywords(name: str, formula: Callable[..., Any], names: list[str]) -> None:
    try:
        signature = inspect.signature(formula)
    except (TypeError, ValueError):
        return
    try:
        signature.bind(**dict.fromkeys(names))
    except TypeError as error:
        raise TypeError(
            f"the hand formula for {name} is a function that cannot take the inputs by "
            f"keyword ({', '.join(f'{n}=...' for n in names)}): {error}. A hand function "
            f"receives every input by keyword: lambda {', '.join(names)}: ..."
        ) from None


def _points(at: Any, names: list[str] | None = None) -> list[dict[str, float]]:
    points = [at] if isinstance(at, Mapping) else list(at) if isinstance(at, Sequence) else None
    if not points or not all(isinstance(p, Mapping) and p for p in points):
        raise TypeError(
            f"check_gradients needs at= as a dict of input name to number (or a list of such "
            f"dicts), e.g. at={{'x': 1.5, 'y': 0.3}}; got {type(at).__name__} {at!r:.60}"
        )
    first = list(points[0])
    result = []
    for point in points:
        if list(point) != first:
            raise ValueError(
                f"every point in at= must name the same inputs in the same order: {first} "
                f"then {list(point)}"
            )
        result.append({str(n): _number(x, f"check_gradients at {n!r}") for n, x in point.items()})
    return result


def random_points(at: Mapping[str, float], count: int, seed: int = 0) -> list[dict[str, float]]:
    """`count` points scattered around `at`, the same ones every run for a given seed.

    Each coordinate moves by up to max(1, |value|) either way.
    """
    import random

    generator = random.Random(seed)
    return [
        {name: x + generator.uniform(-1.0, 1.0) * max(1.0, abs(x)) for name, x in at.items()}
        for _ in range(count)
    ]


def _hand_value(formula: Callable[[dict[str, Any]], Any], point: dict[str, float]) -> float:
    result = formula(point)
    if isinstance(result, Value):
        result = result.data
    if not isinstance(result, numbers.Real):
        raise TypeError(f"it returned {type(result).__name__} {result!r:.40}, not a number")
    return float(result)


def _judge(
    name: str,
    point: dict[str, float],
    engine: float,
    slopes: _Slopes,
    hand: float | None,
    hand_error: str,
    tolerances: Tolerances,
    graph_kink: str | None,
) -> HandRow:
    at = tuple(point.items())
    row = _row(name, point[name], engine, slopes, 0, tolerances, graph_kink)
    numeric = row.numeric
    if row.status == KINK:
        return HandRow(name, at, engine, numeric, hand, None, None, None, row.note, kink=True)
    engine_ok = row.passed is True
    if hand_error:
        return HandRow(name, at, engine, numeric, None, engine_ok, False, None, hand_error)
    if hand is None:
        note = "" if engine_ok else "no hand formula; the engine disagrees: " + row.note
        return HandRow(name, at, engine, numeric, None, engine_ok, None, None, note)
    hand_ok = tolerances.agree(hand, numeric)
    if hand_ok and engine_ok:
        note = ""
    elif engine_ok:
        note = "the engine agrees with the numeric value, your formula does not: " + advice(
            hand, numeric, "it"
        )
    elif hand_ok:
        note = (
            "your formula matches the numeric value but the engine does not: the derivative "
            "rule of an op this input flows through is wrong (" + row.note + ")"
        )
    elif tolerances.agree(hand, engine):
        note = (
            "your formula and the engine agree but the numeric value does not: f may not be "
            "smooth enough here for eps, or the point is near the edge of its domain; try "
            "another point"
        )
    else:
        note = "all three differ: " + advice(hand, numeric, "your formula")
    return HandRow(name, at, engine, numeric, hand, engine_ok, hand_ok, None, note)


def check_gradients(
    f: Callable[..., Any] | str,
    hand: Mapping[str, HandFormula],
    at: Mapping[str, float] | Sequence[Mapping[str, float]],
    *,
    symbolic: bool = False,
    points: int = 0,
    seed: int = 0,
    eps: float = DEFAULT_TOLERANCES.eps,
    atol: float = DEFAULT_TOLERANCES.atol,
    rtol: float = DEFAULT_TOLERANCES.rtol,
) -> HandCheckReport:
    """Check derivatives you worked out by hand against the engine and central differences.

    `f` takes the inputs by keyword, as Values, and returns a Value (or is an
    expression string such as 'x**2 * sin(y)'). `hand` maps an input's name to
    your df/d(input): a function of the inputs by keyword (floats in, a number
    out) or an expression string in the same variables. `at` is the point, a
    dict of name to number, or a list of such points; `points=N` adds N more,
    scattered around the first (the same ones on every run for a given seed).

    The report names the first wrong partial derivative, and says when your
    formula agrees with the numeric value but the engine does not, or the
    reverse. With symbolic=True (needs sympy, the 'symbolic' extra) it also says
    whether each formula equals the exact derivative for all inputs, not only
    at the points tried.

    >>> report = check_gradients("x**2 * sin(y)",
    ...                          {"x": "2*x*sin(y)", "y": "x**2 * sin(y)"},
    ...                          at={"x": 1.5, "y": 0.3})
    >>> report.ok, report.first_wrong.name
    (False, 'y')
    """
    tolerances = _tolerances(eps, atol, rtol, "check_gradients")
    tried = _points(at)
    if not isinstance(points, int) or isinstance(points, bool) or points < 0:
        raise ValueError(f"points must be a whole number >= 0, got {points!r}")
    names = list(tried[0])
    if isinstance(f, str):
        from autograd.expression import compile_expression

        expression = compile_expression(f)
        unknown = [v for v in expression.variables if v not in names]
        if unknown:
            raise ValueError(
                f"f uses {', '.join(unknown)}, which at= gives no value for; add "
                + ", ".join(f"{v}=..." for v in unknown)
                + " to at"
            )
        function: Callable[..., Any] = lambda **xs: expression(  # noqa: E731
            **{v: xs[v] for v in expression.variables}
        )
    elif callable(f):
        function = f
    else:
        raise TypeError(
            f"check_gradients needs f to be a function or an expression string, got "
            f"{type(f).__name__} {f!r:.60}; e.g. check_gradients('x**2 * sin(y)', ...) or "
            "check_gradients(lambda x, y: x**2 * y.sin(), ...)"
        )
    formulas = _hand_formulas(hand, names)
    spec = _Inputs(names, list(tried[0].values()), by_keyword=True)
    spec.require_callable(function, "check_gradients")

    rows: list[HandRow] = []
    extra = random_points(tried[0], points * 20, seed) if points else []
    wanted = len(tried) + points
    for point in tried + extra:
        if len(rows) >= wanted * len(names):
            break
        found = _rows_at(function, formulas, point, names, tolerances)
        if isinstance(found, str):
            if point in tried:
                raise ValueError(
                    f"f cannot be evaluated at {_point_text(tuple(point.items()))}{found}"
                )
            continue  # a random point outside f's domain: draw another
        rows += found
    if symbolic:
        # A formula the numbers already refute needs no proof, and sympy can
        # take minutes to simplify a large difference that is not zero.
        refuted = {row.name for row in rows if row.hand_ok is False}
        exact = _exact_derivatives(function, spec, formulas, hand, refuted, seed)
        rows = [_with_exact(row, exact.get(row.name)) for row in rows]
    return HandCheckReport(tuple(rows), tolerances, symbolic)


def _with_exact(row: HandRow, exact: tuple[bool | None, str] | None) -> HandRow:
    if exact is None:
        return row
    equal, why = exact
    note = row.note
    if why and why not in note:
        note = (note + "; " if note else "") + why
    return dataclasses.replace(row, symbolic=equal, note=note)


def _rows_at(
    f: Callable[..., Any],
    formulas: Mapping[str, Callable[[dict[str, Any]], Any]],
    point: dict[str, float],
    names: list[str],
    tolerances: Tolerances,
) -> list[HandRow] | str:
    """The rows at one point, or why f cannot be evaluated there (the end of a sentence)."""
    spec = _Inputs(names, list(point.values()), by_keyword=True)
    leaves = spec.leaves()
    try:
        out = spec.call(f, leaves)
        _as_number(out, "check_gradients")
        engine = _analytic(out, leaves, 1)
    except (ArithmeticError, ValueError) as error:
        if isinstance(error, OverflowError) or "overflows" in str(error):
            return f": {error}; choose a point where f stays finite"
        return f": {error}; choose a point inside f's domain"
    kinks = _graph_kinks(out, leaves, tolerances.eps)
    evaluate = _forward_only(f, spec, "check_gradients")
    rows = []
    for j, name in enumerate(names):
        hand_value, hand_error = None, ""
        if name in formulas:
            try:
                hand_value = _hand_value(formulas[name], point)
            except (ArithmeticError, ValueError, TypeError) as error:
                hand_error = f"your formula could not be evaluated here: {error}"
        try:
            slopes = _slopes(evaluate, spec.point, j, tolerances.eps, name)
        except _Undefined as error:
            return (
                f", because the central difference also needs f at {error.where} "
                f"(eps={tolerances.eps:g}): {error.reason}; the point is within eps of the "
                "edge of f's domain, so pass a smaller eps (--eps on the command line) or "
                "choose a point farther from the edge"
            )
        row = _judge(
            name, point, engine[j], slopes, hand_value, hand_error, tolerances, kinks.get(j)
        )
        if row.engine_ok is False and _detached(out):
            note = _detached(out)
            if row.hand is not None and row.hand_ok is False:
                note += "; your formula also differs: " + advice(row.hand, row.numeric, "it")
            row = dataclasses.replace(row, note=note)
        rows.append(row)
    return rows


def _exact_derivatives(
    f: Callable[..., Any],
    spec: _Inputs,
    formulas: Mapping[str, Callable[[dict[str, Any]], Any]],
    hand: Mapping[str, HandFormula],
    refuted: set[str],
    seed: int,
) -> dict[str, tuple[bool | None, str]]:
    """For each hand formula: (equal to the exact derivative?, a sentence for the note).

    A small difference goes to sympy.simplify (after a cheap expand and cancel).
    A large one could keep simplify busy for minutes, so it is only evaluated at
    a few random points: a clear nonzero value there proves the formula wrong,
    and otherwise it stays undecided.
    """
    from autograd.symbolic import require_sympy, sympy_symbol, to_sympy

    sympy = require_sympy()
    leaves = spec.leaves()
    out = spec.call(f, leaves)
    if not isinstance(out, Value):
        raise TypeError("symbolic=True needs f to return a Value built from its inputs")
    f_expr = to_sympy(out)
    result: dict[str, tuple[bool | None, str]] = {}
    for name, formula in formulas.items():
        if name in refuted:
            result[name] = (None, "")  # the numbers already show it is wrong
            continue
        exact = sympy.diff(f_expr, sympy_symbol(name))
        try:
            hand_value = formula({leaf.label: leaf for leaf in spec.leaves()})
            if isinstance(hand_value, Value):
                hand_expr = to_sympy(hand_value)
            else:
                hand_expr = sympy.Rational(repr(float(hand_value)))
        except (TypeError, AttributeError, ValueError, ArithmeticError):
            kind = "an expression string" if not isinstance(hand[name], str) else "simpler"
            result[name] = (
                None,
                f"its formula could not be read symbolically; write it as {kind} "
                "(or with autograd.sin, autograd.exp, ... instead of math's)",
            )
            continue
        result[name] = _compare_exactly(sympy, hand_expr, exact, spec, seed)
    return result


_SIMPLIFY_LIMIT = 150
"""Largest difference (in sympy.count_ops) handed to sympy.simplify."""
_PROBES = 5
"""Random points at which a hand formula and the exact derivative are compared."""


def _compare_exactly(
    sympy: Any, hand_expr: Any, exact: Any, spec: _Inputs, seed: int
) -> tuple[bool | None, str]:
    from autograd.symbolic import sympy_symbol

    difference = hand_expr - exact
    if difference == 0:
        return True, ""
    if sympy.count_ops(difference) <= _SIMPLIFY_LIMIT:
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
    symbols = {name: sympy_symbol(name) for name in spec.names}
    for point in random_points(dict(zip(spec.names, spec.point)), _PROBES, seed):
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
        "undecided (too large for a symbolic check): simplifying it could take sympy "
        f"minutes, and it agrees with the exact derivative at {_PROBES} random points; "
        "check more points, or check smaller parts of f"
    )
