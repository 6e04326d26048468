"""gradcheck and gradgradcheck: the engine's gradients against central differences.

For each input x_i the engine's derivative (the *analytic* value, from
backward) is compared with the *numeric* estimate

    (f(x + eps e_i) - f(x - eps e_i)) / (2 eps)

and the check passes when |analytic - numeric| <= atol + rtol * |numeric|
(the tolerances live in one place, `DEFAULT_TOLERANCES`). The result is a
report a student can act on: one row per input, a note in words when a row
fails ("sign is flipped", "about 2x: a missing factor 1/2?"), and at a kink
(relu at 0) the row says the point is not differentiable instead of failing.

check_gradients, in hand_check.py, checks derivatives worked out by hand with
these same differences, kink tests and tables.

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
from typing import Any, NamedTuple

from autograd.backward import grad, topological_order
from autograd.errors import GradcheckError
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
    checked: str = "input"
    """What one row checks: 'input' (gradcheck), 'second derivative' (gradgradcheck)."""

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
            f"{self.title}: {_count(len(self.rows), self.checked)}, "
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
            f"{self.title} failed for {count} of {_count(len(self.rows), self.checked)}:\n"
            + "\n".join(lines)
            + "\nThe gradient from backward() does not match how f changes when the input "
            "moves, so an optimizer following it goes the wrong way. Check the derivative "
            "rule of each op these inputs flow through (print(report) shows every input)"
        )


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'s' * (n != 1)}"


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


class _GraphKink(NamedTuple):
    """A relu, abs or leaky_relu inside f whose input sits at (or within eps of) its kink."""

    where: str
    """' (relu's input is 0)', to follow 'not differentiable here'."""
    convention: str
    """"relu'(0) = 0": what backward uses there."""


def _kink_note(forward: float, backward: float, near: _GraphKink | None, confirmed: bool) -> str:
    slopes = (
        f"the slope is {format_number(backward)} on the left and {format_number(forward)} "
        "on the right"
    )
    if near:
        return (
            f"not differentiable here{near.where}: {slopes}. Move the point away from the "
            f"kink to check the gradient (at the kink backward uses {near.convention})"
        )
    if confirmed:
        return f"not differentiable here: {slopes}. Move the point to check the gradient"
    return (
        f"not differentiable here, or f bends too sharply for eps: {slopes}. Move the point "
        "away from the edge of f's domain, or use a smaller eps"
    )


def _graph_kinks(out: Any, leaves: list[Value], eps: float) -> dict[int, _GraphKink]:
    """For each input that feeds an op at (or within eps of) its kink (the row's `kink`): which."""
    found: dict[int, _GraphKink] = {}
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
                found[i] = _GraphKink(
                    f" ({op.name}'s input is {argument.data:.3g})", kink.convention
                )
    return found


def _row(
    name: str,
    value: float,
    analytic: float,
    slopes: _Slopes,
    k: int,
    tolerances: Tolerances,
    graph_kink: _GraphKink | None,
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
            _kink_note(forward, backward, graph_kink, confirmed),
        )  # fmt: skip
    if tolerances.agree(analytic, numeric):
        return GradcheckRow(name, value, analytic, numeric, abs_error, rel_error, True)
    if graph_kink is not None:
        # f is smooth here, but a relu or abs inside it sits at its kink, where the engine
        # picks a convention that need not be f's slope (relu(x) - relu(-x) at 0).
        return GradcheckRow(
            name, value, analytic, numeric, abs_error, rel_error, None, KINK,
            f"not differentiable here{graph_kink.where}: backward used the kink's "
            f"convention ({graph_kink.convention}) although f itself has slope "
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


DETACHED = "f returned "
"""How _detached's note starts, so that a report can tell that cause from a wrong rule."""


def _detached(out: Any) -> str:
    """Why backward() gives 0 when f returned a plain number; '' if it returned a Value."""
    if isinstance(out, Value):
        return ""
    return (
        f"{DETACHED}{type(out).__name__} {out!r:.40}, not a Value, so backward() cannot "
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


_STEPS = (1, -1, 0, 2, -2)
"""Where the differences evaluate f: x + s * eps along one input."""


def _check_points(
    f: Callable[..., Any], spec: _Inputs, tolerances: Tolerances, points: int, seed: int
) -> tuple[list[GradcheckRow], str]:
    """gradcheck at the point given and `points` more, on the tape: (rows, title)."""
    import numpy as np

    from autograd.errors import DomainError
    from autograd.tape import trace

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

    One row per pair (x_i, x_j), named 'x_i, x_j', with the value of x_j: the
    analytic value differentiates the create_graph gradient df/dx_i again with
    respect to x_j; the numeric value is the central difference of df/dx_i
    along x_j.

    >>> report = gradgradcheck(lambda x, y: x * x * y, {"x": 2.0, "y": 3.0})
    >>> [(row.name, row.analytic) for row in report.rows]
    [('x, x', 6.0), ('x, y', 4.0), ('y, x', 4.0), ('y, y', 0.0)]
    """
    tolerances = _tolerances(eps, atol, rtol, "gradgradcheck")
    spec = _inputs(inputs, "gradgradcheck")
    spec.require_callable(f, "gradgradcheck")
    rows = _check_point(f, spec, tolerances, order=2)
    headers = ("x_i, x_j", "x_j value", "analytic", "numeric", "abs error", "rel error", "pass")
    return GradcheckReport(
        tuple(rows), tolerances, "gradgradcheck", headers, checked="second derivative"
    )


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
