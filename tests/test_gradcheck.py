"""Tests for autograd/gradcheck.py: the tester is tested.

- it passes on every op of the table, at random points of each op's domain
  (one property per op, generated from autograd.OPS and tests/reference.py);
- it fails on an op whose derivative is wrong by 0.05%, first or second order;
- at kinks it says "not differentiable here" and does not fail;
- its report, its notes, its error and its HTML say what a student needs.

gradcheck(points=N) has its own file, tests/test_gradcheck_points.py.
"""

from __future__ import annotations

import math

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from autograd import OPS, GradcheckError, Op, Value, compile_expression, functions
from autograd.gradcheck import GradcheckReport, gradcheck, gradgradcheck
from autograd.tolerances import DEFAULT_TOLERANCES
from autograd.value import apply
from tests._golden import assert_golden
from tests.reference import REFERENCES, TAKES_CONSTANT
from tests.test_expression import expressions
from tests.tolerances import RATIO, REPORTED, ROUNDED, SECOND_NUMERIC, TIGHT


def record(op: Op, *operands: Value | float) -> Value:
    """Test-only: record any op-table entry (a custom one too) on Values."""
    if op.arity == 2:
        return apply(op, *operands)
    a, *k = operands
    return apply(op, a, *k)


def op_function(key: str):
    """f(*values) recording op `key`; a constant (the k of x**k) is fixed in f."""

    def build(args: tuple[float, ...]):
        if key in TAKES_CONSTANT:
            point, k = [args[0]], args[1]
            return (lambda a: record(OPS[key], a, k)), point
        return (lambda *xs: record(OPS[key], *xs)), list(args)

    return build


# -- the tester passes on every op of the engine -------------------------------------


@pytest.mark.parametrize("key", sorted(OPS))
def test_gradcheck_passes_on_every_op(key: str) -> None:
    build = op_function(key)

    @settings(max_examples=60)
    @given(REFERENCES[key].arguments)
    def check(args: tuple[float, ...]) -> None:
        f, point = build(args)
        report = gradcheck(f, point, **TIGHT)
        assert report.ok, str(report)
        assert all(row.passed is True for row in report.rows), str(report)

    check()


@pytest.mark.parametrize("key", sorted(OPS))
def test_gradgradcheck_passes_on_every_op(key: str) -> None:
    build = op_function(key)

    @settings(max_examples=25)
    @given(REFERENCES[key].arguments)
    def check(args: tuple[float, ...]) -> None:
        f, point = build(args)
        report = gradgradcheck(f, point, **TIGHT)
        assert all(row.passed is True for row in report.rows), str(report)

    check()


@settings(max_examples=100)
@given(expressions(depth=3), st.floats(0.3, 2.0), st.floats(-2.0, 2.0))
def test_gradcheck_passes_on_random_compositions_of_ops(text: str, x: float, y: float) -> None:
    """Whole formulas, not single ops: the engine and the checker agree on compositions."""
    try:
        f = compile_expression(text)  # constant parts such as log(0) are rejected here
        inputs = {name: {"x": x, "y": y, "z": 0.7}[name] for name in f.variables}
        assume(inputs)
        out = f(**inputs)
        assume(math.isfinite(out) and abs(out) < 1e6)
        report = gradcheck(f, inputs)
    except (ArithmeticError, ValueError):
        assume(False)  # outside f's domain
    assert all(row.status != "FAIL" for row in report.rows), f"{text}\n{report}"


# -- and fails on a derivative wrong by 0.05% -------------------------------------------

SLIGHTLY_WRONG_SIN = Op(
    name="sin_wrong", arity=1, forward=lambda a, k: math.sin(a),
    local=lambda out, a, k: (1.0005 * functions.cos(a),),
    text="sin_wrong({a})", formulas=("1.0005 * cos(a)",),
)  # fmt: skip


def _cos_wrong_second(a):
    # cos(a) exactly on floats, but on Values an op whose own derivative is 0.05% off.
    return math.cos(a) if isinstance(a, float) else record(SLIGHTLY_WRONG_COS, a)


SLIGHTLY_WRONG_COS = Op(
    name="cos_wrong", arity=1, forward=lambda a, k: math.cos(a),
    local=lambda out, a, k: (-1.0005 * functions.sin(a),),
    text="cos_wrong({a})", formulas=("-1.0005 * sin(a)",),
)  # fmt: skip
SIN_WITH_WRONG_SECOND = Op(
    name="sin2", arity=1, forward=lambda a, k: math.sin(a),
    local=lambda out, a, k: (_cos_wrong_second(a),), text="sin2({a})", formulas=("cos(a)",),
)  # fmt: skip


@pytest.mark.parametrize("x", [-2.0, -0.7, 0.3, 1.0, 2.5])
def test_gradcheck_fails_on_a_derivative_wrong_by_five_hundredths_of_a_percent(x: float) -> None:
    report = gradcheck(lambda a, b: record(SLIGHTLY_WRONG_SIN, a) * b, [x, 2.0], **TIGHT)
    assert not report.ok
    wrong, right = report.rows
    assert wrong.passed is False and wrong.status == "FAIL"
    assert wrong.rel_error == pytest.approx(5e-4, rel=RATIO)
    assert "off by +0.05%" in wrong.note
    assert right.passed is True


def test_gradgradcheck_fails_when_only_the_second_derivative_is_wrong() -> None:
    f = lambda a: record(SIN_WITH_WRONG_SECOND, a)  # noqa: E731
    assert gradcheck(f, [0.8], **TIGHT).ok
    report = gradgradcheck(f, [0.8], **TIGHT)
    assert not report.ok
    (row,) = report.rows
    assert row.name == "x0, x0"
    assert row.analytic == pytest.approx(-1.0005 * math.sin(0.8), rel=ROUNDED)
    assert row.numeric == pytest.approx(-math.sin(0.8), rel=SECOND_NUMERIC)


def test_default_tolerance_is_torchs_and_lets_a_tenth_of_a_percent_through() -> None:
    assert (DEFAULT_TOLERANCES.eps, DEFAULT_TOLERANCES.atol, DEFAULT_TOLERANCES.rtol) == (
        1e-6,
        1e-5,
        1e-3,
    )
    f = lambda a: record(SLIGHTLY_WRONG_SIN, a)  # noqa: E731
    assert gradcheck(f, [0.3]).ok  # 0.05% < rtol = 0.1%: as documented
    assert not gradcheck(f, [0.3], rtol=1e-4).ok


# -- kinks ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("f", "x"),
    [
        (lambda x: x.relu(), 0.0),
        (lambda x: x.relu(), 3e-7),
        (lambda x: x.relu(), -5e-7),
        (lambda x: abs(x), 0.0),
        (lambda x: x.leaky_relu(0.1), 0.0),
        (lambda x: (x * x - 1.0).relu(), 1.0),
        (lambda x: x.relu() - (-x).relu(), 0.0),  # smooth f, but backward uses relu'(0) = 0
        (lambda x: abs(x) * 3.0 + x, 0.0),
    ],
)
def test_kinks_are_not_differentiable_and_not_failures(f, x: float) -> None:
    report = gradcheck(f, {"x": x}, **TIGHT)
    (row,) = report.rows
    assert report.ok
    assert row.passed is None and row.status == "kink"
    assert row.note.startswith("not differentiable here")
    assert "Move the point" in row.note
    assert "kink" in str(report)


def test_a_kink_elsewhere_in_the_graph_does_not_taint_other_inputs() -> None:
    # relu(x*y) at x = 0: moving y does not move relu's input, so y is checked normally.
    report = gradcheck(lambda x, y: (x * y).relu() + y, {"x": 0.0, "y": 2.0})
    x_row, y_row = report.rows
    assert x_row.status == "kink"
    assert y_row.passed is True and y_row.analytic == 1.0


def test_just_beyond_a_kink_is_checked_normally() -> None:
    report = gradcheck(lambda x: x.relu(), [1e-5], **TIGHT)
    assert report.rows[0].passed is True


def test_kinks_of_the_second_derivative() -> None:
    report = gradgradcheck(lambda x: x.relu() * x, {"x": 0.0})
    assert report.ok and report.rows[0].status == "kink"


def test_backward_that_cannot_run_cannot_be_checked() -> None:
    report = gradcheck(lambda x: x.sqrt(), [0.0])
    (row,) = report.rows
    assert row.status == "cannot check" and not report.ok
    assert row.note.startswith("cannot check here: backward() gives no finite gradient: ")
    assert "the derivative of sqrt at 0 is undefined" in row.note


def test_undefined_nearby_fails_and_says_why() -> None:
    report = gradcheck(lambda x: x.sqrt(), {"x": 5e-7})
    (row,) = report.rows
    assert not report.ok and row.status == "cannot check"
    assert "cannot be evaluated at x - eps" in row.note
    with pytest.raises(GradcheckError, match="x = 5e-07: could not be checked"):
        report.raise_if_failed()


# -- the report ----------------------------------------------------------------------

SIGN_FLIPPED = Op(
    name="sq_neg",
    arity=1,
    forward=lambda a, k: a * a,
    local=lambda out, a, k: (-2.0 * a,),
    text="sq({a})",
    formulas=("",),
)
HALF = Op(
    name="sq_half",
    arity=1,
    forward=lambda a, k: a * a,
    local=lambda out, a, k: (a,),
    text="sq({a})",
    formulas=("",),
)
DOUBLE = Op(
    name="sq_double",
    arity=1,
    forward=lambda a, k: a * a,
    local=lambda out, a, k: (4.0 * a,),
    text="sq({a})",
    formulas=("",),
)


def student_function(a: Value, b: Value, c: Value, d: Value, e: Value) -> Value:
    """Five inputs, five situations: sign flipped, factor 1/2, factor 2, right, kink."""
    return record(SIGN_FLIPPED, a) + record(HALF, b) + record(DOUBLE, c) + d + e.relu()


def student_report() -> GradcheckReport:
    inputs = {"a": 1.5, "b": 0.5, "c": 2.0, "d": -3.0, "e": 0.0}
    return gradcheck(lambda a, b, c, d, e: student_function(a, b, c, d, e), inputs)


def test_report_text_is_golden() -> None:
    assert_golden("gradcheck_report.txt", str(student_report()) + "\n")


def test_report_rows_hold_the_numbers() -> None:
    report = student_report()
    assert [row.name for row in report.rows] == ["a", "b", "c", "d", "e"]
    a, b, c, d, e = report.rows
    assert (a.value, a.analytic) == (1.5, -3.0)
    assert a.numeric == pytest.approx(3.0, rel=REPORTED)
    assert a.abs_error == pytest.approx(6.0, rel=REPORTED)
    assert a.rel_error == pytest.approx(2.0, rel=REPORTED)
    assert "sign is flipped" in a.note
    assert "a missing factor 2?" in b.note and "1/2 of the numeric" in b.note
    assert "about 2x the numeric value" in c.note and "a missing factor 1/2?" in c.note
    assert d.passed is True and d.note == "" and d.analytic == 1.0
    assert e.status == "kink"
    assert [r.passed for r in report.rows] == [False, False, False, True, None]
    assert not report.ok and not bool(report)
    assert report.failures == (a, b, c)


def test_raise_if_failed_names_each_failing_input_with_both_numbers() -> None:
    with pytest.raises(GradcheckError) as caught:
        student_report().raise_if_failed()
    message = str(caught.value)
    assert message.startswith("gradcheck failed for 3 of 5 inputs:")
    assert "a = 1.5: analytic -3 but numeric 3 (" in message
    assert "b = 0.5: analytic 0.5 but numeric 1 (" in message
    assert "c = 2.0: analytic 8 but numeric 4 (" in message
    assert "d = " not in message and "e = " not in message
    passing = gradcheck(lambda x: x * x, [3.0])
    assert passing.raise_if_failed() is passing


def test_html_marks_failing_rows() -> None:
    page = student_report()._repr_html_()
    assert page.count('<tr style="background:#fdd;font-weight:bold">') == 3
    assert page.count('<tr style="background:#ffd">') == 1
    assert page.count("<tr>") == 2  # the header and d
    assert "<td>sign is flipped" not in page and "<li>a: sign is flipped" in page


def test_passing_report_text_is_golden() -> None:
    report = gradcheck(lambda x, y: x * x * y + y / x, {"x": 1.5, "y": -2.0})
    assert report.ok
    assert_golden("gradcheck_pass.txt", str(report) + "\n")


# -- inputs ---------------------------------------------------------------------------


def test_names_from_labels_else_positions_and_inputs_untouched() -> None:
    x = Value(1.5, label="x")
    y = Value(0.3)
    w1, w2 = Value(1.0, label="w"), Value(2.0, label="w")
    report = gradcheck(lambda a, b, c, d: a * b * c * d, [x, y, w1, w2])
    assert [row.name for row in report.rows] == ["x", "x1", "w", "w[3]"]
    assert report.ok
    assert (x.grad, y.grad, w1.grad) == (0.0, 0.0, 0.0)


def test_dict_inputs_are_passed_by_keyword() -> None:
    report = gradcheck(lambda *, y, x: x - 2 * y, {"x": 1.0, "y": 2.0})
    assert [(r.name, r.analytic) for r in report.rows] == [("x", 1.0), ("y", -2.0)]


def test_a_single_number_and_a_constant_output() -> None:
    assert gradcheck(lambda x: x * 3, 2.0).rows[0].analytic == 3.0
    report = gradcheck(lambda x: 7.0, [2.0])
    assert report.ok and report.rows[0].analytic == 0.0


def test_gradgradcheck_gives_the_hessian() -> None:
    x, y = 1.5, 0.3
    report = gradgradcheck(lambda x, y: x**2 * y.sin(), {"x": x, "y": y})
    expected = {
        "x, x": 2 * math.sin(y),
        "x, y": 2 * x * math.cos(y),
        "y, x": 2 * x * math.cos(y),
        "y, y": -(x**2) * math.sin(y),
    }
    assert {r.name: pytest.approx(r.analytic, rel=ROUNDED) for r in report.rows} == expected
    assert all(r.passed for r in report.rows)
    assert str(report).startswith("gradgradcheck: 4 second derivatives")


@pytest.mark.parametrize(
    ("call", "error", "words"),
    [
        (lambda: gradcheck(lambda x: x, []), TypeError, "non-empty list"),
        (lambda: gradcheck(lambda x: x, ["1"]), TypeError, "got str '1'"),
        (lambda: gradcheck(lambda x: x, [math.nan]), TypeError, "finite numbers"),
        (lambda: gradcheck(lambda x: "y", [1.0]), TypeError, "must return one Value"),
        (lambda: gradcheck(lambda x: x, [1.0], eps=0), ValueError, "eps=0"),
        (lambda: gradcheck(lambda x: x, [1.0], rtol=-1), ValueError, "rtol=-1"),
    ],
)
def test_bad_usage_says_what_to_pass(call, error, words: str) -> None:
    with pytest.raises(error, match=words):
        call()


# -- mistakes a student makes calling the checks -----------------------------------------


@pytest.mark.parametrize(
    ("call", "words"),
    [
        (lambda: gradcheck(3, [1.0]), "gradcheck needs f to be a function, got int 3"),
        (lambda: gradgradcheck("x**2", [1.0]), "gradgradcheck needs f to be a function"),
    ],
)
def test_f_that_is_not_a_function_is_named(call, words: str) -> None:
    with pytest.raises(TypeError, match=words):
        call()


@pytest.mark.parametrize(
    ("call", "words"),
    [
        (
            lambda: gradcheck(lambda x: x, [1.0, 2.0]),
            r"gradcheck calls f\(x0, x1\), one Value per input, but f cannot take them",
        ),
        (
            lambda: gradcheck(lambda x: x, {"y": 1.0}),
            r"gradcheck calls f\(y=\.\.\.\), one Value per input by keyword",
        ),
    ],
)
def test_f_that_cannot_take_the_inputs_says_how_it_is_called(call, words: str) -> None:
    with pytest.raises(TypeError, match=words):
        call()


def test_a_type_error_inside_f_is_not_mistaken_for_a_wrong_signature() -> None:
    with pytest.raises(TypeError, match=r"the other operand of \+ got str '1'"):
        gradcheck(lambda x: x + "1", [1.0])


def test_an_empty_dict_of_inputs_is_refused_like_an_empty_list() -> None:
    with pytest.raises(TypeError, match="non-empty list .* got dict {}"):
        gradcheck(lambda: Value(1.0), {})


def test_points_with_f_returning_a_number_says_so_without_internal_names() -> None:
    with pytest.raises(TypeError) as caught:
        gradcheck(lambda x: 2.0, [0.5], points=5)
    message = str(caught.value)
    assert "f returned float 2.0, not a Value" in message
    assert "f_of_positions" not in message


def test_gradgradcheck_table_names_the_pairs_and_shows_the_value_of_x_j():
    report = gradgradcheck(lambda x, y: x * x * y, {"x": 2.0, "y": 3.0})
    assert [(r.name, r.value) for r in report.rows] == [
        ("x, x", 2.0),
        ("x, y", 3.0),
        ("y, x", 2.0),
        ("y, y", 3.0),
    ]
    heading, header = str(report).splitlines()[:2]
    assert heading.startswith("gradgradcheck: 4 second derivatives, eps=1e-06")
    assert header.split()[:4] == ["x_i,", "x_j", "x_j", "value"]


# -- a correct engine is never called wrong ------------------------------------------------

MAGNITUDES = st.one_of(
    st.sampled_from([0.0, 1.0, 1e8, -1e9, 1e17, 1e300, -1e300, 1e-200]),
    st.builds(lambda m, e: m * 10.0**e, st.floats(-10.0, 10.0), st.integers(-300, 290)),
)
"""Inputs from 1e-300 to 1e300: where a fixed step is rounded away or floats are too coarse."""


@settings(max_examples=400, deadline=None)
@given(expressions(depth=3), MAGNITUDES, MAGNITUDES, MAGNITUDES)
def test_a_correct_engine_is_never_called_wrong(text: str, x: float, y: float, z: float) -> None:
    try:
        f = compile_expression(text)
        inputs = {name: {"x": x, "y": y, "z": z}[name] for name in f.variables}
        assume(inputs)
        report = gradcheck(f, inputs)
    except (ArithmeticError, ValueError):
        assume(False)  # outside f's domain
    assert all(row.status != "FAIL" for row in report.rows), f"{text} at {inputs}\n{report}"


@pytest.mark.parametrize("x", [1e8, 1e9, 1e17, -1e17])
def test_x_is_checked_at_any_size(x: float) -> None:
    (row,) = gradcheck(lambda t: t, [x]).rows
    assert (row.status, row.analytic, row.numeric) == ("pass", 1.0, 1.0)


def test_where_floats_are_too_coarse_for_any_step_the_check_cannot_be_made() -> None:
    report = gradcheck(lambda x: x.sin(), {"x": 1e308})
    (row,) = report.rows
    assert row.status == "cannot check" and row.passed is False and not report.ok
    assert row.analytic == math.cos(1e308)
    assert "f bends or wiggles faster than the step can follow" in row.note
    assert "1 cannot be checked" in str(report) and "FAILED" not in str(report)


def test_a_pole_within_the_step_is_not_a_kink() -> None:
    # y = 1e-7: backward gives -1e14, but x / (y - h) is on the pole's other side.
    report = gradcheck(lambda x, y: x / y, {"x": 1.0, "y": 1e-7})
    x_row, y_row = report.rows
    assert x_row.passed is True and x_row.analytic == pytest.approx(1e7, rel=ROUNDED)
    assert (y_row.status, y_row.passed) == ("cannot check", False)
    assert y_row.analytic == pytest.approx(-1e14, rel=ROUNDED)
    assert "f blows up within the step (a pole" in y_row.note
    assert not report.ok and report.failures == (y_row,)
    with pytest.raises(GradcheckError, match="unchecked, not right") as caught:
        report.raise_if_failed()
    assert "y = 1e-07: could not be checked; cannot check here: f blows up" in str(caught.value)
    assert "does not match how f changes" not in str(caught.value)


def test_at_the_pole_backward_gives_no_gradient_and_nothing_is_checked() -> None:
    report = gradcheck(lambda x, y: x / y, {"x": 1.0, "y": 1e-200})
    assert [row.status for row in report.rows] == ["cannot check", "cannot check"]
    assert "backward() gives no finite gradient: backward produced -inf" in report.rows[1].note
    assert str(report).splitlines()[0].endswith(": 2 cannot be checked")


def test_an_input_lost_in_rounding_cannot_be_checked() -> None:
    # (x + y) - x is 0 in floats when x = 1e300, yet dy is 1: the numeric side cannot see y.
    x_row, y_row = gradcheck(lambda x, y: (x + y) - x, {"x": 1e300, "y": 1.0}).rows
    assert x_row.passed is True
    assert (y_row.status, y_row.analytic, y_row.numeric) == ("cannot check", 1.0, 0.0)
    assert "rounding inside f alone can move the numeric slope by 2.22e+290" in y_row.note


def test_a_disagreement_beyond_the_numeric_doubt_is_still_a_failure() -> None:
    # A sign flipped at 1e8: the numeric slope is sure there, so the engine is wrong.
    report = gradcheck(lambda a: record(SIGN_FLIPPED, a), [1e8])
    (row,) = report.rows
    assert row.status == "FAIL" and row.note.startswith("sign is flipped")


def test_points_beyond_the_limit_are_refused_with_the_limit() -> None:
    with pytest.raises(
        ValueError, match=r"points=100001; it must be a whole number from 0 to 100,"
    ):
        gradcheck(lambda x: x * x, [1.0], points=100_001)
