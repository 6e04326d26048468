"""Tests for autograd/tolerances.py: what counts as agreement, in one place."""

from __future__ import annotations

import math

import pytest

from autograd import engine_check
from autograd.tolerances import DEFAULT_TOLERANCES, ENGINE_TOLERANCES, Tolerances


def test_agreement_is_atol_plus_rtol_of_the_reference() -> None:
    t = Tolerances(eps=1e-6, atol=0.5, rtol=0.25)
    assert t.allowed(-4.0) == 1.5
    assert t.agree(5.5, 4.0) and not t.agree(5.6, 4.0)
    assert not t.agree(math.inf, math.inf) and not t.agree(math.nan, 1.0)


def test_one_row_per_kind_of_comparison() -> None:
    assert (DEFAULT_TOLERANCES.eps, DEFAULT_TOLERANCES.atol, DEFAULT_TOLERANCES.rtol) == (
        1e-6,
        1e-5,
        1e-3,
    )  # torch.autograd.gradcheck's float64 defaults
    assert (ENGINE_TOLERANCES.atol, ENGINE_TOLERANCES.rtol) == (1e-9, 1e-7)
    assert engine_check.TOLERANCES is ENGINE_TOLERANCES


@pytest.mark.parametrize(
    ("eps", "atol", "rtol", "words"),
    [
        (0, 1e-5, 1e-3, r"^f got eps=0; it must be a finite number > 0, e\.g\. eps=1e-06$"),
        (1e-6, -1, 1e-3, r"^f got atol=-1; it must be a finite number >= 0"),
        (1e-6, 1e-5, math.nan, r"^f got rtol=nan"),
        (True, 1e-5, 1e-3, r"^f got eps=True"),
        ("1e-6", 1e-5, 1e-3, r"^f got eps='1e-6'"),
    ],
)
def test_checked_tolerances_name_the_caller_and_the_value(eps, atol, rtol, words: str) -> None:
    with pytest.raises(ValueError, match=words):
        Tolerances.checked(eps, atol, rtol, "f")
    assert Tolerances.checked(1, 0, 0, "f") == Tolerances(1.0, 0.0, 0.0)
