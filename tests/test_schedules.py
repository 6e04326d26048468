"""Learning-rate schedules: their values at chosen steps."""

import math

import pytest

from nn import Constant, Cosine, LinearDecay, StepDecay
from nn.schedules import as_schedule


def test_constant():
    assert [Constant(0.3)(k) for k in (0, 1, 1000)] == [0.3, 0.3, 0.3]
    assert as_schedule(0.3)(5) == 0.3


def test_step_decay():
    s = StepDecay(0.8, every=3, gamma=0.5)
    assert [s(k) for k in range(7)] == [0.8, 0.8, 0.8, 0.4, 0.4, 0.4, 0.2]


def test_linear_decay_is_micrograds_schedule_to_the_bit():
    s = LinearDecay(1.0, 0.1, 100)
    assert [s(k) for k in range(100)] == [1.0 - 0.9 * k / 100 for k in range(100)]
    assert s(100) == s(500) == 0.1


def test_cosine():
    s = Cosine(1.0, 10, min_lr=0.2)
    assert s(0) == 1.0
    assert s(5) == pytest.approx(0.6)
    assert s(3) == pytest.approx(0.2 + 0.8 * (1 + math.cos(math.pi * 0.3)) / 2)
    assert s(10) == s(99) == 0.2
    values = [s(k) for k in range(11)]
    assert values == sorted(values, reverse=True)


@pytest.mark.parametrize(
    "make, words",
    [
        (lambda: Constant(-0.1), "lr must be a number >= 0"),
        (lambda: StepDecay(0.1, every=0), "every must be a positive int"),
        (lambda: LinearDecay(1.0, 0.1, 0), "steps must be a positive int"),
        (lambda: Cosine(1.0, 10, min_lr="x"), "min_lr must be"),
    ],
)
def test_bad_schedules_are_explained(make, words):
    with pytest.raises(ValueError, match=words):
        make()
