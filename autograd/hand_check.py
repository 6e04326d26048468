"""check_gradients: derivatives worked out by hand, against the engine and central differences.

A student who derives df/dx on paper writes it as a formula (an expression
string such as '2*x*sin(y)', or a function of the inputs by keyword). At each
point the formula is compared with the engine's derivative (from backward) and
with gradcheck's central difference, under the same tolerances, so the report
can say which one is wrong: the formula, the engine, or neither (a kink, or a
point too close to the edge of f's domain). With symbolic=True, sympy also
decides whether each formula equals the exact derivative everywhere, not only
at the points tried.

The numbers, the kink detection and the table come from gradcheck.py; this
file adds the hand formulas, the verdicts that name which of the three is wrong,
and the symbolic comparison.

>>> report = check_gradients("x**2 * sin(y)", {"x": "2*x*sin(y)", "y": "x**2*cos(y)"},
...                          at={"x": 1.5, "y": 0.3})
>>> report.ok
True
"""

from __future__ import annotations

import dataclasses
import inspect
import math
import numbers
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from autograd.errors import GradcheckError
from autograd.gradcheck import (
    DEFAULT_TOLERANCES,
    DETACHED,
    FAIL,
    KINK,
    PASS,
    Tolerances,
    _analytic,
    _as_number,
    _detached,
    _forward_only,
    _graph_kinks,
    _GraphKink,
    _Inputs,
    _number,
    _row,
    _Slopes,
    _slopes,
    _tolerances,
    _Undefined,
    advice,
    format_number,
    random_points,
    render_html,
    render_text,
)
from autograd.value import Value

__all__ = ["check_gradients", "HandCheckReport", "HandRow"]


# -- the rows and the report -----------------------------------------------------------


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
        elif first is not None and first.note.startswith(DETACHED):
            verdict = f"f returned a plain number, not a Value: no gradient for df/d{first.name}"
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


# -- the check -------------------------------------------------------------------------


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
    graph_kink: _GraphKink | None,
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


# -- exactly, with sympy ---------------------------------------------------------------


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
