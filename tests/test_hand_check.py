"""Tests for autograd/hand_check.py: check_gradients, derivatives worked out by hand.

- right formulas pass side by side with the engine and the central difference;
- the report names the first wrong partial, and says whether the formula, the
  engine or the numeric value is the odd one out;
- kinks, the edge of f's domain and formulas that cannot be evaluated are said
  in words, and so is every mistake in calling it.

The symbolic comparison (symbolic=True) is tested in tests/test_symbolic.py.
"""

from __future__ import annotations

import math

import pytest

from autograd import ExpressionError, GradcheckError
from autograd.gradcheck import gradcheck
from autograd.hand_check import HandCheckReport, HandRow, check_gradients
from tests._golden import assert_golden
from tests.test_gradcheck import SLIGHTLY_WRONG_SIN, record
from tests.tolerances import EXACT, NUMERIC

AT = {"x": 1.5, "y": 0.3}
RIGHT = {"x": "2*x*sin(y)", "y": "x**2*cos(y)"}


def test_right_hand_formulas_pass_side_by_side() -> None:
    report = check_gradients("x**2*sin(y)", RIGHT, at=AT)
    assert report.ok and report.first_wrong is None
    x, y = report.rows
    assert (x.name, y.name) == ("x", "y")
    assert x.hand == pytest.approx(2 * 1.5 * math.sin(0.3), rel=EXACT)
    assert x.engine == pytest.approx(x.hand, rel=EXACT)
    assert x.numeric == pytest.approx(x.hand, rel=NUMERIC)
    assert y.hand == pytest.approx(1.5**2 * math.cos(0.3), rel=EXACT)
    assert x.at == (("x", 1.5), ("y", 0.3))
    assert "all partial derivatives agree" in str(report)


def test_names_the_first_wrong_partial() -> None:
    hand = {"x": "x*sin(y)", "y": "-x**2*cos(y)"}
    report = check_gradients(lambda x, y: x**2 * y.sin(), hand, at=AT)
    assert not report.ok
    assert report.first_wrong.name == "x"
    x, y = report.rows
    assert "a missing factor 2?" in x.note
    assert "sign is flipped" in y.note
    assert "first wrong partial: df/dx at x=1.5, y=0.3" in str(report)
    with pytest.raises(GradcheckError, match=r"df/dx at x=1.5, y=0.3: engine 0.88656062"):
        report.raise_if_failed()


def test_callables_take_the_inputs_by_keyword() -> None:
    hand = {"x": lambda x, y: 2 * x * math.sin(y), "y": lambda x, y: x**2 * math.cos(y)}
    assert check_gradients("x**2*sin(y)", hand, at=AT).ok


def test_hand_right_but_engine_wrong_is_said() -> None:
    report = check_gradients(
        lambda x: record(SLIGHTLY_WRONG_SIN, x) * 3.0, {"x": "3*cos(x)"}, at={"x": 0.4}, rtol=1e-4
    )
    (row,) = report.rows
    assert row.hand_ok is True and row.engine_ok is False
    assert "your formula matches the numeric value but the engine does not" in row.note
    assert report.first_wrong is row
    assert "the engine is wrong for df/dx" in str(report)


def test_a_coarse_step_blames_neither_hand_nor_engine() -> None:
    # With a coarse eps the central difference of exp is sinh(h)/h = 0.17% too large,
    # beyond rtol; but doubling the step moves it by 0.5%, so it cannot judge anything.
    report = check_gradients("exp(x)", {"x": "exp(x)"}, at={"x": 1.0}, eps=0.1)
    (row,) = report.rows
    assert row.numeric == pytest.approx(math.e * math.sinh(0.1) / 0.1, rel=NUMERIC)
    assert (row.hand_ok, row.engine_ok, row.checkable) == (None, None, False)
    assert row.status == "cannot check" and not report.ok
    assert "the numeric slope moves by 0.0136 when the step doubles from 0.1" in row.note
    assert "try a smaller eps" in row.note
    assert "the numeric check cannot be made for df/dx at x=1" in str(report)
    assert str(report).splitlines()[4].split()[-2:] == ["cannot", "check"]
    assert check_gradients("exp(x)", {"x": "exp(x)"}, at={"x": 1.0}).ok


def test_near_the_edge_of_the_domain_is_not_called_wrong() -> None:
    report = check_gradients("sqrt(x)", {"x": "0.5/sqrt(x)"}, at=[{"x": 1.5e-6}, {"x": 0.5}])
    near, far = report.rows
    assert near.status == "kink" and "smaller eps" in near.note
    assert far.passed is True and report.ok


def test_several_points_and_random_points_are_reproducible() -> None:
    one = check_gradients("x**2*sin(y)", RIGHT, at=AT, points=4, seed=7)
    two = check_gradients("x**2*sin(y)", RIGHT, at=AT, points=4, seed=7)
    assert len(one.rows) == 10 and str(one) == str(two)
    assert one.rows[0].at == (("x", 1.5), ("y", 0.3))
    assert "at 5 points" in str(one) and "#5" in str(one)
    # Random points outside f's domain are skipped, not reported.
    report = check_gradients("log(x)", {"x": "1/x"}, at={"x": 0.5}, points=5)
    assert report.ok and len(report.rows) == 6 and all(r.at[0][1] > 0 for r in report.rows)


def test_a_missing_formula_still_checks_the_engine() -> None:
    report = check_gradients("x*y", {"x": "y"}, at={"x": 2.0, "y": 3.0})
    assert report.ok
    assert report.rows[1].hand is None and report.rows[1].engine_ok is True
    assert "engine ok" in str(report)


def test_a_kink_is_not_a_wrong_formula() -> None:
    report = check_gradients("relu(x)", {"x": "1"}, at={"x": 0.0})
    assert report.ok and report.rows[0].status == "kink"


def test_a_formula_that_raises_is_wrong_and_says_why() -> None:
    report = check_gradients("x*x", {"x": "log(x - 5)"}, at={"x": 1.0})
    (row,) = report.rows
    assert row.hand_ok is False and "could not be evaluated here" in row.note
    assert "log(-4.0)" in row.note


def test_check_gradients_golden() -> None:
    report = check_gradients(
        "x**2*y + x/y", {"x": "2*x*y + 1/y", "y": "x**2 - 2*x/y**2"}, at={"x": 1.5, "y": 2.0}
    )
    assert_golden("check_gradients.txt", str(report) + "\n")
    assert report.first_wrong.name == "y"
    page = report._repr_html_()
    assert page.count('<tr style="background:#fdd;font-weight:bold">') == 1


@pytest.mark.parametrize(
    ("kwargs", "error", "words"),
    [
        ({"hand": {"z": "1"}}, ValueError, "'z', which is not an input"),
        ({"hand": {"x": "z"}}, ValueError, "uses z, which is not an input"),
        ({"hand": {"x": 3}}, TypeError, "a function or an expression string"),
        ({"hand": ["x"]}, TypeError, "dict of input name to formula"),
        ({"at": 1.5}, TypeError, "at= as a dict"),
        ({"at": {"x": 0.0}}, ValueError, "cannot be evaluated at x=0"),
        ({"f": "log(x) + w"}, ValueError, "f uses w"),
        ({"f": "x +"}, ExpressionError, "ends too early"),
        ({"points": -1}, ValueError, "points=-1; it must be a whole number from 0 to 100,000"),
        ({"points": 100_001}, ValueError, "points=100001; it must be a whole number from 0"),
    ],
)
def test_check_gradients_bad_usage(kwargs, error, words: str) -> None:
    call = {"f": "log(x)", "hand": {"x": "1/x"}, "at": {"x": 2.0}, **kwargs}
    with pytest.raises(error, match=words):
        check_gradients(call.pop("f"), **call)


# -- mistakes a student makes calling it ---------------------------------------------------


def test_f_that_is_not_a_function_is_named() -> None:
    with pytest.raises(
        TypeError,
        match="check_gradients needs f to be a function or an expression string, got int 3",
    ):
        check_gradients(3, {"x": "1"}, at={"x": 1.0})


def test_f_that_cannot_take_the_inputs_says_how_it_is_called() -> None:
    with pytest.raises(TypeError, match=r"check_gradients calls f\(x=\.\.\.\)"):
        check_gradients(lambda a: a * a, {"x": "2*x"}, at={"x": 1.0})


def test_f_returning_a_float_is_not_blamed_on_a_derivative_rule() -> None:
    # x.data ** 2 is 1.0 ** 2 on a float: no graph, so backward gives 0, numeric 2.
    report = check_gradients(lambda x: x.data**2, {"x": "2*x"}, at={"x": 1.0})
    (row,) = report.rows
    assert (row.engine, row.hand) == (0.0, 2.0)
    assert row.numeric == pytest.approx(2.0, rel=NUMERIC)
    assert not report.ok
    assert "f returned float 1.0, not a Value" in row.note
    assert "derivative rule" not in row.note
    heading = str(report).splitlines()[1]
    assert heading == "f returned a plain number, not a Value: no gradient for df/dx"
    single = gradcheck(lambda x: x.data**2, [1.0])
    assert "f returned float 1.0, not a Value" in single.rows[0].note


def test_a_formula_that_cannot_be_evaluated_is_not_called_ok() -> None:
    report = check_gradients("x*y", {"x": "log(x - 5)"}, at={"x": 2.0, "y": 3.0})
    row = report.rows[0]
    assert row.hand_ok is False and row.hand is None and not report.ok
    assert str(report).splitlines()[4].split() == ["df/dx", "3", "3", "-", "hand", "ERROR"]


def test_a_hand_function_that_cannot_take_the_inputs_by_keyword_is_named() -> None:
    with pytest.raises(TypeError) as caught:
        check_gradients("x*y", {"x": lambda a, b: b}, at={"x": 2.0, "y": 3.0})
    message = str(caught.value)
    assert message.startswith("the hand formula for x is a function that cannot take the inputs")
    assert "x=..., y=..." in message and "lambda x, y: ..." in message


def test_check_gradients_names_itself_in_a_bad_tolerance() -> None:
    with pytest.raises(ValueError, match=r"^check_gradients got eps=0; it must be a finite"):
        check_gradients("x", {"x": "1"}, at={"x": 1.0}, eps=0)


# -- hardening: big tables, big inputs, poles ------------------------------------------------


class _CountedPoint(tuple):
    """A point that counts how often it is compared, to show the report's work grows linearly."""

    comparisons = 0

    def __eq__(self, other: object) -> bool:
        _CountedPoint.comparisons += 1
        return tuple.__eq__(self, other)

    __hash__ = tuple.__hash__


def test_the_report_numbers_its_points_in_linear_time() -> None:
    rows = tuple(
        HandRow("x", _CountedPoint((("x", float(i)),)), 1.0, 1.0, 1.0, True, True)
        for i in range(3000)
    )
    text = str(HandCheckReport(rows))
    assert "  #3000: x=2999" in text and text.endswith("df/dx  #3000       1        1     1  ok")
    assert _CountedPoint.comparisons <= len(rows)  # list.index made 4.5 million


@pytest.mark.parametrize("x", [1e8, 1e9, 1e17])
def test_a_large_input_is_not_called_wrong(x: float) -> None:
    report = check_gradients("x", {"x": "1"}, at={"x": x})
    (row,) = report.rows
    assert report.ok and (row.engine_ok, row.hand_ok, row.numeric) == (True, True, 1.0)


def test_a_pole_is_not_a_kink_and_the_report_is_not_ok() -> None:
    report = check_gradients("x/y", {"x": "1/y"}, at={"x": 1.0, "y": 1e-7})
    x_row, y_row = report.rows
    assert x_row.passed is True
    assert (y_row.status, y_row.checkable, y_row.engine_ok) == ("cannot check", False, None)
    assert y_row.passed is False and not report.ok  # `chainrule check` exits 1
    assert "f blows up within the step (a pole" in y_row.note
    lines = str(report).splitlines()
    assert lines[1] == "the numeric check cannot be made for df/dy at x=1, y=1e-07"
    assert lines[5].split()[-2:] == ["cannot", "check"]
    # At y = 1e-200 backward itself gives -inf: nothing can be checked, and it says so.
    at_pole = check_gradients("x/y", {"x": "1/y"}, at={"x": 1.0, "y": 1e-200})
    assert not at_pole.ok and not any(row.checkable for row in at_pole.rows)
    assert "backward() gives no finite gradient: backward produced -inf" in at_pole.rows[1].note


def test_a_formula_is_not_called_wrong_where_the_numeric_slope_means_nothing() -> None:
    report = check_gradients("sin(x)", {"x": "cos(x)"}, at={"x": 1e308})
    (row,) = report.rows
    assert (row.status, row.hand_ok, row.engine_ok) == ("cannot check", None, None)
    assert row.hand == row.engine == math.cos(1e308)


def test_random_points_without_a_numeric_slope_are_drawn_again() -> None:
    # sin(exp(30 x)) wiggles faster than the step beyond x = 0.2, inside the random range.
    report = check_gradients("sin(exp(30*x))", {}, at={"x": 0.0}, points=20, seed=1)
    assert report.ok and len(report.rows) == 21
    assert all(row.checkable for row in report.rows)


def test_a_formula_within_the_numeric_doubt_is_neither_ok_nor_wrong() -> None:
    # eps = 0.05: the engine agrees with the numeric slope, a formula 0.3% off is beyond the
    # tolerance, but the numeric slope still moves by 0.12% when the step doubles.
    report = check_gradients("exp(x)", {"x": "1.003*exp(x)"}, at={"x": 1.0}, eps=0.05)
    (row,) = report.rows
    assert (row.engine_ok, row.hand_ok, row.status) == (True, None, "cannot check")
    assert not report.ok
    assert row.note.startswith("your formula differs from the numeric value, but the numeric")
    # With the default step the same formula is plainly wrong.
    wrong = check_gradients("exp(x)", {"x": "1.003*exp(x)"}, at={"x": 1.0}).rows[0]
    assert wrong.hand_ok is False and "off by +0.3%" in wrong.note
