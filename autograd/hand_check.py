"""check_gradients: derivatives worked out by hand, against the engine and central differences.

A student who derives df/dx on paper writes it as a formula (an expression
string such as '2*x*sin(y)', or a function of the inputs by keyword). At each
point the formula is compared with the engine's derivative (from backward) and
with the central difference (autograd/numeric.py), under the same tolerances,
so the report can say which one is wrong: the formula, the engine, or neither
(a kink, or a point where no numeric slope can be made). With symbolic=True,
sympy also decides whether each formula equals the exact derivative
everywhere, not only at the points tried (autograd/symbolic_check.py).

The numbers and the verdicts come from the same modules as gradcheck's
(numeric.py, verdict.py, report.py); this file adds the hand formulas and the
words that name which of the three is wrong.

>>> report = check_gradients("x**2 * sin(y)", {"x": "2*x*sin(y)", "y": "x**2*cos(y)"},
...                          at={"x": 1.5, "y": 0.3})
>>> report.ok
True
"""

from __future__ import annotations

import dataclasses
import functools
import inspect
import itertools
import math
import numbers
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from autograd.advice import advice
from autograd.errors import GradcheckError
from autograd.inputs import (
    DETACHED,
    Inputs,
    as_number,
    detached,
    engine_slope,
    finite_number,
    gradient,
    values_of,
)
from autograd.numeric import (
    SEED,
    Doubt,
    NotEvaluable,
    Slopes,
    engine_doubt,
    require_points,
    scattered_points,
    slopes_along,
)
from autograd.report import CANNOT_CHECK, FAIL, KINK, PASS, number, render_html, render_text
from autograd.tolerances import DEFAULT_TOLERANCES, Tolerances
from autograd.value import Value
from autograd.verdict import GradcheckRow, graph_kinks, judge, no_gradient

__all__ = ["check_gradients", "HandCheckReport", "HandRow"]


# -- the rows and the report -----------------------------------------------------------


Point = tuple[tuple[str, float], ...]
"""A point as (name, value) pairs, in the order of `at`."""


@dataclass(frozen=True)
class HandRow:
    """One partial derivative at one point: engine, central difference and the hand formula."""

    name: str
    """The input, x in df/dx."""
    at: Point
    """The point, as (name, value) pairs in the order of `at`."""
    engine: float
    numeric: float
    hand: float | None
    """The hand formula's value; None when no formula was given for this input."""
    engine_ok: bool | None
    """engine agrees with numeric; None at a kink, or where the check cannot be made."""
    hand_ok: bool | None
    """hand agrees with numeric; None at a kink, without a formula, or where it cannot be made."""
    symbolic: bool | None = None
    """With symbolic=True: hand formula == exact derivative for all inputs; None if unknown."""
    note: str = ""
    kink: bool = False
    """f is not differentiable at this point along this input."""
    checkable: bool = True
    """False where no numeric slope can be made (a pole, floats too coarse): not a pass."""

    @property
    def passed(self) -> bool | None:
        """False if the hand formula or the engine is wrong, or nothing can be checked here;
        None at a kink, where nothing is judged."""
        if not self.checkable:
            return False
        if self.hand_ok is False or self.engine_ok is False or self.symbolic is False:
            return False
        if self.hand_ok is None and self.engine_ok is None:
            return None
        return True

    @property
    def status(self) -> str:
        """'pass', 'FAIL', 'kink' or 'cannot check', as a gradcheck row's."""
        if self.kink:
            return KINK
        if not self.checkable:
            return CANNOT_CHECK
        return FAIL if self.passed is False else PASS


@dataclass(frozen=True, repr=False)
class HandCheckReport:
    """Engine, central differences and hand formulas side by side, per input and point."""

    rows: tuple[HandRow, ...]
    tolerances: Tolerances = DEFAULT_TOLERANCES
    symbolic: bool = False

    @property
    def ok(self) -> bool:
        """True when every partial derivative agrees (kinks and missing formulas aside)."""
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

    def _numbering(self) -> dict[Point, int]:
        """Each point's number in the table, 1, 2, ... in order of appearance."""
        points = dict.fromkeys(row.at for row in self.rows)
        return {point: i + 1 for i, point in enumerate(points)}

    @property
    def headers(self) -> tuple[str, ...]:
        """The table's column names: a point column only when there are several points."""
        many = len(self._numbering()) > 1
        return (
            ("input",)
            + (("point",) if many else ())
            + ("engine", "numeric", "hand")
            + (("symbolic",) if self.symbolic else ())
            + ("verdict",)
        )

    def _cells(self, numbering: dict[Point, int]) -> list[list[str]]:
        many = len(numbering) > 1
        cells = []
        for row in self.rows:
            line = [f"df/d{row.name}"]
            if many:
                line.append(f"#{numbering[row.at]}")
            line += [number(row.engine), number(row.numeric), number(row.hand)]
            if self.symbolic:
                line.append({True: "equal", False: "DIFFERS", None: "?"}[row.symbolic])
            line.append(_hand_verdict(row))
            cells.append(line)
        return cells

    def _heading(self, numbering: dict[Point, int]) -> str:
        t = self.tolerances
        points = list(numbering)
        where = f"at {_point_text(points[0])}" if len(points) == 1 else f"at {len(points)} points"
        first = self.first_wrong
        unchecked = next((row for row in self.rows if not row.checkable), None)
        if self.ok:
            verdict = "all partial derivatives agree"
        elif first is not None and (first.hand_ok is False or first.symbolic is False):
            verdict = f"first wrong partial: df/d{first.name} at {_point_text(first.at)}"
        elif first is not None and first.note.startswith(DETACHED):
            verdict = f"f returned a plain number, not a Value: no gradient for df/d{first.name}"
        elif first is not None:
            verdict = f"the engine is wrong for df/d{first.name}"
        elif unchecked is not None:
            verdict = (
                f"the numeric check cannot be made for df/d{unchecked.name} at "
                f"{_point_text(unchecked.at)}"
            )
        else:
            verdict = "FAILED"
        lines = [f"check_gradients {where} (eps={t.eps:g}, atol={t.atol:g}, rtol={t.rtol:g})"]
        if len(points) > 1:
            lines += [f"  #{i}: {_point_text(p)}" for p, i in numbering.items()]
        lines.append(verdict)
        return "\n".join(lines)

    def _notes(self, numbering: dict[Point, int]) -> list[str]:
        many = len(numbering) > 1
        return [
            f"df/d{row.name}" + (f" at #{numbering[row.at]}" if many else "") + f": {row.note}"
            for row in self.rows
            if row.note
        ]

    def __str__(self) -> str:
        numbering = self._numbering()
        return render_text(
            self._heading(numbering),
            self.headers,
            self._cells(numbering),
            self._notes(numbering),
        )

    __repr__ = __str__  # typing `report` at a prompt shows the table

    def _repr_html_(self) -> str:
        numbering = self._numbering()
        states = [row.status for row in self.rows]
        heading = self._heading(numbering).replace("\n", "; ")
        return render_html(
            heading, self.headers, self._cells(numbering), states, self._notes(numbering)
        )

    def raise_if_failed(self) -> HandCheckReport:
        """Raise GradcheckError naming each wrong partial with its numbers; else return self."""
        if self.ok:
            return self
        lines = [
            f"  df/d{row.name} at {_point_text(row.at)}: engine {number(row.engine)}, "
            f"numeric {number(row.numeric)}, hand {number(row.hand)}. {row.note}"
            for row in self.rows
            if row.passed is False
        ]
        raise GradcheckError(
            "check_gradients found partial derivatives that disagree or cannot be checked:\n"
            + "\n".join(lines)
            + "\nA wrong gradient sends gradient descent the wrong way. Fix the formula named "
            "first, then run the check again (print(report) shows every partial)"
        )


def _point_text(point: Point) -> str:
    return ", ".join(f"{name}={number(x)}" for name, x in point)


def _hand_verdict(row: HandRow) -> str:
    if row.status in (KINK, CANNOT_CHECK):
        return row.status
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


# -- hand formulas and the points they are tried at ------------------------------------


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


def _points(at: Any) -> list[dict[str, float]]:
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
        result.append(
            {str(n): finite_number(x, f"check_gradients at {n!r}") for n, x in point.items()}
        )
    return result


# -- the check -------------------------------------------------------------------------


def check_gradients(
    f: Callable[..., Any] | str,
    hand: Mapping[str, HandFormula],
    at: Mapping[str, float] | Sequence[Mapping[str, float]],
    *,
    symbolic: bool = False,
    points: int = 0,
    seed: int = SEED,
    eps: float = DEFAULT_TOLERANCES.eps,
    atol: float = DEFAULT_TOLERANCES.atol,
    rtol: float = DEFAULT_TOLERANCES.rtol,
) -> HandCheckReport:
    """Check derivatives you worked out by hand against the engine and central differences.

    `f` takes the inputs by keyword, as Values, and returns a Value (or is an
    expression string such as 'x**2 * sin(y)'). `hand` maps an input's name to
    your df/d(input): a function of the inputs by keyword (floats in, a number
    out) or an expression string in the same variables. `at` is the point, a
    dict of name to number, or a list of such points; `points=N` (0 to
    MAX_POINTS = 100,000) adds N more, scattered around the first (the same ones
    on every run for a given seed).

    The report names the first wrong partial derivative, and says when your
    formula agrees with the numeric value but the engine does not, or the
    reverse. Where no numeric slope can be made (a pole, or floats too coarse
    for any step), the row says the check cannot be made, and the report is not
    ok. With symbolic=True (needs sympy, the 'symbolic' extra) it also says
    whether each formula equals the exact derivative for all inputs, not only
    at the points tried.

    >>> report = check_gradients("x**2 * sin(y)",
    ...                          {"x": "2*x*sin(y)", "y": "x**2 * sin(y)"},
    ...                          at={"x": 1.5, "y": 0.3})
    >>> report.ok, report.first_wrong.name
    (False, 'y')
    """
    tolerances = Tolerances.checked(eps, atol, rtol, "check_gradients")
    tried = _points(at)
    require_points(points, "check_gradients")
    names = list(tried[0])
    function = _function(f, names)
    formulas = _hand_formulas(hand, names)
    spec = Inputs(names, list(tried[0].values()), by_keyword=True)
    spec.require_callable(function, "check_gradients")

    rows: list[HandRow] = []
    for point in tried:
        found = _rows_at(function, formulas, point, names, tolerances)
        if isinstance(found, str):
            raise ValueError(f"f cannot be evaluated at {_point_text(tuple(point.items()))}{found}")
        rows += found
    rows += _random_rows(function, formulas, tried[0], names, tolerances, points, seed)
    if symbolic:
        # A formula the numbers already refute needs no proof.
        refuted = {row.name for row in rows if row.hand_ok is False}
        exact = _exact(function, spec, formulas, hand, refuted, seed)
        rows = [_with_exact(row, exact.get(row.name)) for row in rows]
    return HandCheckReport(tuple(rows), tolerances, symbolic)


def _function(f: Any, names: list[str]) -> Callable[..., Any]:
    """f as a function of the inputs by keyword (an expression string compiled)."""
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
        return lambda **xs: expression(**{v: xs[v] for v in expression.variables})
    if callable(f):
        return f
    raise TypeError(
        f"check_gradients needs f to be a function or an expression string, got "
        f"{type(f).__name__} {f!r:.60}; e.g. check_gradients('x**2 * sin(y)', ...) or "
        "check_gradients(lambda x, y: x**2 * y.sin(), ...)"
    )


ATTEMPTS = 20
"""Random points drawn per point wanted, at most: those outside f's domain are drawn again."""


def _random_rows(
    f: Callable[..., Any],
    formulas: Mapping[str, Callable[[dict[str, Any]], Any]],
    around: dict[str, float],
    names: list[str],
    tolerances: Tolerances,
    points: int,
    seed: int,
) -> list[HandRow]:
    """The rows at `points` random points around the first, skipping the uncheckable ones."""
    rows: list[HandRow] = []
    wanted = 0
    drawn: Iterator[dict[str, float]] = itertools.islice(
        scattered_points(around, seed), points * ATTEMPTS
    )
    for point in drawn:
        if wanted == points:
            break
        found = _rows_at(f, formulas, point, names, tolerances)
        # Outside f's domain, or no numeric slope there: draw another.
        if isinstance(found, str) or not all(row.checkable for row in found):
            continue
        rows += found
        wanted += 1
    return rows


def _with_exact(row: HandRow, exact: tuple[bool | None, str] | None) -> HandRow:
    if exact is None:
        return row
    equal, why = exact
    note = row.note
    if why and why not in note:
        note = (note + "; " if note else "") + why
    return dataclasses.replace(row, symbolic=equal, note=note)


def _hand_value(formula: Callable[[dict[str, Any]], Any], point: dict[str, float]) -> float:
    result = formula(point)
    if isinstance(result, Value):
        result = result.data
    if not isinstance(result, numbers.Real):
        raise TypeError(f"it returned {type(result).__name__} {result!r:.40}, not a number")
    return float(result)


def _rows_at(
    f: Callable[..., Any],
    formulas: Mapping[str, Callable[[dict[str, Any]], Any]],
    point: dict[str, float],
    names: list[str],
    tolerances: Tolerances,
) -> list[HandRow] | str:
    """The rows at one point, or why f cannot be evaluated there (the end of a sentence)."""
    spec = Inputs(names, list(point.values()), by_keyword=True)
    leaves = spec.leaves()
    try:
        out = spec.call(f, leaves)
        as_number(out, "check_gradients")
    except (ArithmeticError, ValueError) as error:
        if isinstance(error, OverflowError) or "overflows" in str(error):
            return f": {error}; choose a point where f stays finite"
        return f": {error}; choose a point inside f's domain"
    try:
        engine = gradient(out, leaves)
    except (ArithmeticError, ValueError) as error:
        at = tuple(point.items())
        nan = math.nan
        return [
            HandRow(name, at, nan, nan, None, None, None, None, no_gradient(error), checkable=False)
            for name in names
        ]
    kinks = graph_kinks(out, leaves, tolerances.eps)
    evaluate = values_of(f, spec, "check_gradients")
    rows = []
    for j, name in enumerate(names):
        hand_value, hand_error = None, ""
        if name in formulas:
            try:
                hand_value = _hand_value(formulas[name], point)
            except (ArithmeticError, ValueError, TypeError) as error:
                hand_error = f"your formula could not be evaluated here: {error}"
        try:
            (slopes,) = slopes_along(evaluate, spec.point, j, tolerances.eps, name)
        except NotEvaluable as error:
            return (
                f", because the central difference also needs f at {error.where} "
                f"(a step of eps*max(1, |{name}|) with eps={tolerances.eps:g}): "
                f"{error.reason}; the point is within a step of the edge of f's domain, so "
                "pass a smaller eps (--eps on the command line) or choose a point farther "
                "from the edge"
            )
        slope_at = engine_slope(f, spec, 0, j, 1)
        doubt = functools.cache(
            lambda j=j, h=slopes.step, at=slope_at: engine_doubt(out, at, spec.point, j, h)
        )
        numeric = judge(name, point[name], engine[j], slopes, tolerances, kinks.get(j), doubt)
        row = _judge_hand(numeric, point, hand_value, hand_error, tolerances, slopes, doubt)
        if row.engine_ok is False and detached(out):
            note = detached(out)
            if row.hand is not None and row.hand_ok is False:
                note += "; your formula also differs: " + advice(row.hand, row.numeric, "it")
            row = dataclasses.replace(row, note=note)
        rows.append(row)
    return rows


def _judge_hand(
    engine: GradcheckRow,
    point: dict[str, float],
    hand: float | None,
    hand_error: str,
    tolerances: Tolerances,
    slopes: Slopes,
    doubt: Callable[[], Doubt],
) -> HandRow:
    """The row from the engine's verdict (a GradcheckRow) and the hand formula's value."""
    name, at, numeric = engine.name, tuple(point.items()), engine.numeric
    if engine.status == KINK:
        return HandRow(
            name, at, engine.analytic, numeric, hand, None, None, None, engine.note, kink=True
        )
    if engine.status == CANNOT_CHECK:
        note = engine.note + (f"; {hand_error}" if hand_error else "")
        return HandRow(
            name, at, engine.analytic, numeric, hand, None, False if hand_error else None,
            None, note, checkable=False,
        )  # fmt: skip
    engine_ok = engine.passed is True
    if hand_error:
        return HandRow(name, at, engine.analytic, numeric, None, engine_ok, False, None, hand_error)
    if hand is None:
        note = "" if engine_ok else "no hand formula; the engine disagrees: " + engine.note
        return HandRow(name, at, engine.analytic, numeric, None, engine_ok, None, None, note)
    verdict = judge(name, point[name], hand, slopes, tolerances, None, doubt).status
    if verdict == CANNOT_CHECK:
        note = (
            "your formula differs from the numeric value, but the numeric value is not sure "
            f"enough here to judge it: {doubt().reason(slopes.step)}"
        )
        return HandRow(
            name, at, engine.analytic, numeric, hand, engine_ok, None, None, note,
            checkable=False,
        )  # fmt: skip
    hand_ok = verdict == PASS
    if hand_ok and engine_ok:
        note = ""
    elif engine_ok:
        note = "the engine agrees with the numeric value, your formula does not: " + advice(
            hand, numeric, "it"
        )
    elif hand_ok:
        note = (
            "your formula matches the numeric value but the engine does not: the derivative "
            "rule of an op this input flows through is wrong (" + engine.note + ")"
        )
    elif tolerances.agree(hand, engine.analytic):
        note = (
            "your formula and the engine agree but the numeric value does not: f may not be "
            "smooth enough here for eps, or the point is near the edge of its domain; try "
            "another point"
        )
    else:
        note = "all three differ: " + advice(hand, numeric, "your formula")
    return HandRow(name, at, engine.analytic, numeric, hand, engine_ok, hand_ok, None, note)


# -- exactly, with sympy ---------------------------------------------------------------


def _exact(
    f: Callable[..., Any],
    spec: Inputs,
    formulas: Mapping[str, Callable[[dict[str, Any]], Any]],
    hand: Mapping[str, HandFormula],
    refuted: set[str],
    seed: int,
) -> dict[str, tuple[bool | None, str]]:
    """For each hand formula: (equal to the exact derivative?, a sentence for the note)."""
    from autograd.symbolic import require_sympy, to_sympy
    from autograd.symbolic_check import compare_exactly

    require_sympy()
    leaves = spec.leaves()
    out = spec.call(f, leaves)
    if not isinstance(out, Value):
        raise TypeError("symbolic=True needs f to return a Value built from its inputs")
    by_name = {leaf.label: leaf for leaf in leaves}
    at = dict(zip(spec.names, spec.point))
    result: dict[str, tuple[bool | None, str]] = {}
    for name, formula in formulas.items():
        if name in refuted:
            result[name] = (None, "")  # the numbers already show it is wrong
            continue
        try:
            hand_value = formula(by_name)
            written = to_sympy(hand_value) if isinstance(hand_value, Value) else float(hand_value)
        except (TypeError, AttributeError, ValueError, ArithmeticError):
            kind = "an expression string" if not isinstance(hand[name], str) else "simpler"
            result[name] = (
                None,
                f"its formula could not be read symbolically; write it as {kind} "
                "(or with autograd.sin, autograd.exp, ... instead of math's)",
            )
            continue
        result[name] = compare_exactly(written, out, name, at, seed)
    return result
