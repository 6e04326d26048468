"""Tests for autograd/numeric.py: numeric slopes, how far to trust them, and random points."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from autograd import Value
from autograd.numeric import (
    MAX_POINTS,
    STEPS,
    Doubt,
    NotEvaluable,
    bending,
    central_difference,
    engine_doubt,
    float_noise,
    random_points,
    require_points,
    scattered_points,
    slopes,
    slopes_along,
    step,
)
from tests.tolerances import FINE_DIFFERENCE, NUMERIC, ROUNDED


def test_the_step_grows_with_the_input() -> None:
    assert [step(x, 1e-6) for x in (0.0, -0.5, 1.0, -4.0, 1e8)] == [1e-6, 1e-6, 1e-6, 4e-6, 100.0]


@pytest.mark.parametrize("x", [1e8, 1e9, 1e17, -1e17, 1e300])
def test_the_slope_of_x_is_1_at_any_size(x: float) -> None:
    # A fixed step of 1e-6 lands on a rounded neighbour of x (0.998 at 1e8) or on x itself.
    assert central_difference(lambda t: t, x) == 1.0


@given(st.floats(-1e150, 1e150, allow_nan=False))
def test_the_slope_of_a_square_is_2x_at_any_size(x: float) -> None:
    assert central_difference(lambda t: t * t, x) == pytest.approx(2 * x, rel=NUMERIC, abs=1e-9)


@given(st.floats(-3.0, 3.0))
def test_the_slope_of_sin_is_cos(x: float) -> None:
    assert central_difference(math.sin, x) == pytest.approx(math.cos(x), rel=NUMERIC, abs=1e-9)


def _at(f, x: float, h: float) -> tuple[dict[int, float], dict[int, float]]:
    positions = {s: x + s * h for s in STEPS}
    return {s: f(p) for s, p in positions.items()}, positions


def test_slopes_on_both_sides_and_their_jump() -> None:
    found = slopes(*_at(lambda t: abs(t), 0.0, 0.5))  # a kink: -1 on the left, 1 on the right
    assert (found.central, found.forward, found.backward) == (0.0, 1.0, -1.0)
    assert (found.jump, found.wide_jump, found.step) == (2.0, 2.0, 0.5)
    smooth = slopes(*_at(lambda t: t * t, 1.0, 0.5))  # f'' * h = 1, doubling with the step
    assert (smooth.central, smooth.jump, smooth.wide_jump, smooth.settling) == (2.0, 1.0, 2.0, 0.0)
    pole = slopes(*_at(lambda t: 1 / t, 0.25, 0.5))  # the jump halves as the step doubles
    assert pole.wide_jump < 0.75 * pole.jump
    cubic = slopes(*_at(lambda t: t**3, 0.0, 0.5))  # D(h) = h**2, D(2h) = 4 h**2
    assert (cubic.central, cubic.wide_central, cubic.settling) == (0.25, 1.0, 0.75)


def test_without_the_wide_steps_the_wide_slopes_are_nan() -> None:
    values, positions = _at(lambda t: t, 1.0, 0.5)
    found = slopes({s: values[s] for s in (1, -1, 0)}, positions)
    assert math.isnan(found.wide_jump) and found.settling == 0.0


def test_slopes_along_one_input_and_where_f_is_undefined() -> None:
    (found,) = slopes_along(lambda p: [p[0] * p[1]], [2.0, 3.0], 1, 1e-6, "y")
    assert found.central == pytest.approx(2.0, rel=NUMERIC) and found.step == pytest.approx(3e-6)

    def log(p: list[float]) -> list[float]:
        return [math.log(p[0])]

    with pytest.raises(NotEvaluable) as caught:
        slopes_along(log, [5e-7], 0, 1e-6, "x")
    assert caught.value.where == "x - eps" and "math domain error" in caught.value.reason
    (edge,) = slopes_along(log, [1.5e-6], 0, 1e-6, "x")  # x - 2h is outside: done without
    assert math.isnan(edge.wide_backward) and not math.isnan(edge.backward)


def test_float_noise_sees_a_number_lost_in_rounding() -> None:
    x, y = Value(1e300), Value(1.0)
    assert float_noise((x + y) - x) == pytest.approx(2.0**-52 * 1e300, rel=ROUNDED)
    a, b = Value(1.5), Value(-2.0)
    # a * b = -3 and a * b + a = -1.5, each rounded by at most machine epsilon.
    assert float_noise(a * b + a) == pytest.approx(2.0**-52 * (3.0 + 1.5), rel=ROUNDED)
    assert float_noise(a) == 0.0  # a leaf is chosen by the check, not rounded by f


def test_bending_from_the_slope_at_three_close_points() -> None:
    # f' = t**3 at 2 +- 0.5: exactly 12 for f''' (counted as f''' h**2 / 6); f'' h = 12.25 * 0.1
    # is less than the slope 8, so the step is within f's scale and f'' does not count.
    assert bending(1.5**3, 2.0**3, 2.5**3, 0.5, 0.1) == pytest.approx(12 * 0.01 / 6)
    # A slope that changes by more than itself within the step: f'' h = 0.2 counts.
    assert bending(-1.0, 0.0, 1.0, 0.5, 0.1) == pytest.approx(0.2)


def test_engine_doubt_follows_the_engine_s_slope() -> None:
    x = Value(1e8, label="x")
    doubt = engine_doubt(x.sin(), lambda p: math.cos(p[0]), [1e8], 0, 100.0)
    # |sin''| h + |sin'''| h**2 / 6 = |sin x| * 100 + |cos x| * 1e4 / 6, from cos at x +- 0.01
    expected = abs(math.sin(1e8)) * 100 + abs(math.cos(1e8)) * 1e4 / 6
    assert doubt.bending == pytest.approx(expected, rel=FINE_DIFFERENCE)
    assert doubt.settling == 0.0 and doubt.rounding < 1e-10
    assert engine_doubt(3.0, lambda p: 0.0, [1.0], 0, 1.0) == Doubt()  # f returned a number

    def overflows(p: list[float]) -> float:
        return math.exp(p[0])

    assert engine_doubt(x, overflows, [1e8], 0, 1.0).bending == math.inf


@pytest.mark.parametrize(
    ("doubt", "words"),
    [
        (Doubt(settling=2.0, rounding=1.0), "moves by 2 when the step doubles from 0.001"),
        (Doubt(rounding=3.0, bending=1.0), "rounding inside f alone can move the numeric slope"),
        (Doubt(bending=4.0), "f's slope moves by 4 within the step of 0.001"),
        (Doubt(bending=math.inf), "not finite within the step of 0.001"),
    ],
)
def test_a_doubt_names_its_largest_cause(doubt: Doubt, words: str) -> None:
    assert words in doubt.reason(1e-3)


def test_random_points_are_the_same_for_a_seed_and_stay_near() -> None:
    at = {"x": 0.5, "y": -40.0}
    points = random_points(at, 200, seed=3)
    assert points == random_points(at, 200, seed=3) != random_points(at, 200, seed=4)
    assert all(-0.5 <= p["x"] <= 1.5 and -80.0 <= p["y"] <= 0.0 for p in points)
    endless = scattered_points(at, seed=3)
    assert [next(endless) for _ in range(200)] == points


@pytest.mark.parametrize("points", [-1, MAX_POINTS + 1, 2.5, True, "10"])
def test_points_beyond_the_limit_name_the_value_and_the_limit(points) -> None:
    with pytest.raises(ValueError, match=rf"^f got points={points!r}; it must be a whole number "):
        require_points(points, "f")
    assert MAX_POINTS == 100_000 and require_points(MAX_POINTS, "f") == MAX_POINTS


def test_the_command_line_reads_the_same_limit() -> None:
    import nn.cli.check

    assert nn.cli.check.MAX_POINTS is MAX_POINTS
