"""Tests for autograd/symbolic.py and check_gradients(symbolic=True)."""

from __future__ import annotations

import dataclasses
import math
import sys

import pytest
import sympy
from hypothesis import given, settings

from autograd import OPS, Value, check_gradients, to_sympy
from autograd import sin as ag_sin
from autograd.symbolic import sympy_symbol
from autograd.value import apply
from tests.reference import REFERENCES, TAKES_CONSTANT
from tests.test_symbolic_check import CUBE
from tests.tolerances import ROUNDED

x, y = sympy.symbols("x y", real=True)


@pytest.mark.parametrize("key", sorted(OPS))
def test_every_op_translates_to_the_same_number(key: str) -> None:
    """Generated from the op table: a new op fails until symbolic.py can write it."""

    @settings(max_examples=8)
    @given(REFERENCES[key].arguments)
    def check(args: tuple[float, ...]) -> None:
        if key in TAKES_CONSTANT:
            a, k = Value(args[0], label="a"), args[1]
            out = apply(OPS[key], a, k)
            values = {sympy_symbol("a"): sympy.Float(args[0], 30)}
        elif OPS[key].arity == 1:
            a = Value(args[0], label="a")
            out = apply(OPS[key], a)
            values = {sympy_symbol("a"): sympy.Float(args[0], 30)}
        else:
            a, b = Value(args[0], label="a"), Value(args[1], label="b")
            out = apply(OPS[key], a, b)
            values = {
                sympy_symbol("a"): sympy.Float(args[0], 30),
                sympy_symbol("b"): sympy.Float(args[1], 30),
            }
        expression = to_sympy(out)
        assert expression.free_symbols <= set(values)
        got = float(expression.evalf(30, subs=values))
        assert math.isclose(got, out.data, rel_tol=ROUNDED, abs_tol=1e-300), (expression, args)

    check()


def test_labels_become_symbols_and_constants_stay_exact() -> None:
    a, b = Value(1.5, label="x"), Value(0.3, label="y")
    assert to_sympy(a**2 * b.sin() + 0.1 * a - 3) == x**2 * sympy.sin(y) + x / 10 - 3
    assert to_sympy(2**a) == 2**x
    assert to_sympy(a.sigmoid()) == 1 / (1 + sympy.exp(-x))


def test_a_leaf_alone_is_its_exact_constant() -> None:
    assert to_sympy(Value(0.25)) == sympy.Rational(1, 4)


def test_derivative_from_sympy_matches_the_engine() -> None:
    a, b = Value(1.5, label="x"), Value(0.3, label="y")
    out = (a * b).tanh() + a.softplus() * b.exp()
    out.backward()
    expression = to_sympy(out)
    for leaf, symbol in ((a, x), (b, y)):
        exact = sympy.diff(expression, symbol).evalf(30, subs={x: 1.5, y: 0.3})
        assert math.isclose(float(exact), leaf.grad, rel_tol=ROUNDED)


def test_without_sympy_the_error_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "sympy", None)
    with pytest.raises(ImportError, match=r"pip install 'chainrule\[symbolic\]'"):
        to_sympy(Value(1.0, label="x") * 2)


def test_not_a_value_and_unknown_ops() -> None:
    with pytest.raises(TypeError, match="to_sympy needs a Value, got float"):
        to_sympy(1.0)  # type: ignore[arg-type]
    custom = dataclasses.replace(CUBE, name="cube", symbolic=None)  # forward uses math.pow
    with pytest.raises(ValueError, match="cannot write the op 'cube' in sympy"):
        to_sympy(apply(custom, Value(2.0, label="x")))


# -- check_gradients(symbolic=True) ---------------------------------------------------------

AT = {"x": 1.5, "y": 0.3}


def test_symbolic_equal() -> None:
    report = check_gradients(
        "x**2*sin(y)", {"x": "2*sin(y)*x", "y": "cos(y)*x*x"}, at=AT, symbolic=True
    )
    assert report.ok
    assert [row.symbolic for row in report.rows] == [True, True]
    assert "symbolic" in str(report) and "equal" in str(report)


def test_symbolic_catches_a_formula_right_only_at_the_point_tried() -> None:
    # 2*x*sin(y) + (x - 1.5)**3 agrees with the true derivative at x = 1.5 only.
    hand = {"x": "2*x*sin(y) + (x - 1.5)**3", "y": "x**2*cos(y)"}
    numeric_only = check_gradients("x**2*sin(y)", hand, at=AT)
    assert numeric_only.ok
    report = check_gradients("x**2*sin(y)", hand, at=AT, symbolic=True)
    assert not report.ok
    row = report.first_wrong
    assert row.name == "x" and row.hand_ok is True and row.symbolic is False
    assert "not the exact derivative 2*x*sin(y)" in row.note
    assert "the difference is (2*x - 3)**3/8" in row.note
    assert "hand WRONG (symbolically)" in str(report)


def test_symbolic_with_callables() -> None:
    hand = {"x": lambda x, y: 2 * x * ag_sin(y), "y": lambda x, y: x**2 * math.cos(y)}
    report = check_gradients(lambda x, y: x**2 * y.sin(), hand, at=AT, symbolic=True)
    x_row, y_row = report.rows
    assert x_row.symbolic is True
    assert y_row.symbolic is None and "could not be read symbolically" in y_row.note
    assert report.ok  # numerically right; symbolically unknown is not a failure


LONG = " + ".join(f"tanh({k}*x + y)*exp(-x*y/{k})/(1 + x**2*{k})" for k in range(1, 6))
"""A formula whose derivatives sympy.simplify takes minutes over."""


def test_a_long_formula_the_numbers_refute_skips_the_symbolic_check() -> None:
    wrong = " + ".join(f"(1 - tanh({k}*x + y)**2)/(1 + x**2*{k})" for k in range(1, 6))
    report = check_gradients(LONG, {"x": wrong}, at={"x": 0.7, "y": 0.4}, symbolic=True)
    assert not report.ok and report.rows[0].hand_ok is False
    assert report.rows[0].symbolic is None


def test_a_long_right_formula_is_undecided_or_equal_not_a_hang() -> None:
    sympy = pytest.importorskip("sympy")
    x, y = sympy.symbols("x y", real=True)
    exact = sympy.diff(sympy.sympify(LONG, locals={"x": x, "y": y}), x)
    hand = f"(sin(x)**2 + cos(x)**2) * ({sympy.sstr(exact)})"
    report = check_gradients(LONG, {"x": hand}, at={"x": 0.7, "y": 0.4}, symbolic=True)
    row = report.rows[0]
    assert row.hand_ok is True and row.symbolic in (True, None)
    assert row.symbolic is True or row.note.startswith(
        "too large to simplify symbolically; the numeric check above stands"
    )
    assert report.ok


def test_a_long_formula_wrong_away_from_the_point_is_caught() -> None:
    sympy = pytest.importorskip("sympy")
    x, y = sympy.symbols("x y", real=True)
    exact = sympy.diff(sympy.sympify(LONG, locals={"x": x, "y": y}), x)
    hand = f"{sympy.sstr(exact)} + (x - 0.7)**3*tanh(x + y)"
    report = check_gradients(LONG, {"x": hand}, at={"x": 0.7, "y": 0.4}, symbolic=True)
    row = report.rows[0]
    assert row.hand_ok is True and row.symbolic is False and "not the exact derivative" in row.note


def test_two_leaves_with_one_label_are_refused() -> None:
    x, other = Value(1.0, label="x"), Value(2.0, label="x")
    with pytest.raises(ValueError, match="two different leaves are both labelled 'x'"):
        to_sympy(x * other)
    assert to_sympy(x * x) == sympy_symbol("x") ** 2  # one leaf used twice is fine


def test_a_large_difference_is_refuted_at_random_points_without_simplify() -> None:
    t = "tanh(x*y + sin(x)*exp(y))"
    f = f"{t}**3 * log(1 + x**2 + y**2) * exp(x*y)/(exp(x*y) + 1) + sqrt(1 + (x - y)**4)"
    hand = (
        f"(3*{t}**2 - 3*{t}**4)*(y + cos(x)*exp(y)) * log(1 + x**2 + y**2) / (1 + exp(-x*y))"
        f" + 2*x*{t}**3 / ((1 + x**2 + y**2)*(1 + exp(-x*y)))"
        f" + {t}**3 * log(1 + x**2 + y**2) * y/(2 + exp(x*y) + exp(-x*y))"
        " + 2*(x-y)**3/sqrt(1 + (x - y)**4)"
        f" + (x - 0.7)**3*{t}*log(1 + x**2 + y**2)"
    )
    row = check_gradients(f, {"x": hand}, at={"x": 0.7, "y": 0.4}, symbolic=True).rows[0]
    assert row.hand_ok is True and row.symbolic is False
    assert "the two differ by" in row.note and "rederive it" in row.note
