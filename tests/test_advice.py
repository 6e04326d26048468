"""Tests for autograd/advice.py: a disagreement put in words a student can act on."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from autograd.advice import FACTORS, advice


@pytest.mark.parametrize(
    ("got", "expected", "words"),
    [
        (-2.0, 2.0, "sign is flipped"),
        (4.0, 2.0, "about 2x the numeric value: a missing factor 1/2?"),
        (1.0, 2.0, "about 1/2 of the numeric value: a missing factor 2?"),
        (-4.0, 2.0, "about 2x the numeric value and the sign is flipped"),
        (6.0, 2.0, "about 3x"),
        (0.0, 2.0, "the gradient does not reach it"),
        (1.0, 0.0, "f does not change with this input here"),
        (2.002, 2.0, "off by +0.1%"),
        (7.0, 2.0, "3.5x the numeric value"),
        (math.inf, 2.0, "overflowed"),
    ],
)
def test_advice(got: float, expected: float, words: str) -> None:
    assert words in advice(got, expected)


def test_a_hand_formula_is_told_about_a_missing_term_not_a_detached_value() -> None:
    assert advice(0.0, 2.0, "it") == (
        "it is 0 but f does change with this input: a term is missing "
        "(the chain rule's inner derivative?)"
    )
    assert "recheck the derivation step by step" in advice(7.0, 2.0, "it")


@given(st.sampled_from(FACTORS), st.floats(0.01, 1e6), st.booleans())
def test_every_factor_is_named_either_way(factor: int, expected: float, inverse: bool) -> None:
    got = expected / factor if inverse else expected * factor
    words = advice(got, expected)
    if inverse:
        assert f"about 1/{factor} of the numeric value: a missing factor {factor}?" in words
    else:
        assert f"about {factor}x the numeric value: a missing factor 1/{factor}?" in words
