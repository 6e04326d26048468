"""What the tape reads from its caller's arrays on every call (autograd/tape/tape.py, guard.py).

Inputs of one shape are read in place, never written; each input's smallest
and largest number serve both the finite check and the guard's range check.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from autograd import DomainError, TraceError, Value, trace

w = Value(0.5, label="w")


def neuron(x, y):
    return (w * x + y).tanh()


def test_the_replay_never_writes_into_the_callers_arrays():
    tape = trace(neuron, params=[w])
    x, y = np.linspace(-1.0, 1.0, 7), np.linspace(2.0, -2.0, 7)
    before = x.copy(), y.copy()
    out, (dx, dy, dw) = tape.value_and_grad(x, y)
    np.testing.assert_array_equal(x, before[0])
    np.testing.assert_array_equal(y, before[1])
    assert x.flags.writeable and y.flags.writeable  # the caller's arrays stay theirs
    np.testing.assert_allclose(dy, 1.0 - out**2, rtol=1e-15)
    assert not np.shares_memory(dx, x) and not np.shares_memory(dy, y)


def test_the_largest_finite_numbers_are_inputs_like_any_other():
    tape = trace(lambda x: x * 0.5)
    x = np.array([1.7e308, -1.7e308, 0.0])  # their range, max - min, is beyond a float
    np.testing.assert_array_equal(tape(x), x * 0.5)


@settings(max_examples=30, deadline=None)
@given(
    st.integers(0, 1),
    st.integers(0, 9),
    st.sampled_from([math.nan, math.inf, -math.inf]),
)
def test_a_nan_or_inf_in_any_input_is_refused_naming_it_and_its_index(which, index, bad):
    tape = trace(neuron, params=[w])
    columns = [np.linspace(-1.0, 1.0, 10), np.linspace(0.0, 3.0, 10)]
    columns[which][index] = bad
    with pytest.raises(DomainError, match=f"for input {'xy'[which]} at batch index {index}:"):
        tape(*columns)


def test_a_later_batch_beyond_the_checked_range_of_any_input_is_checked_there():
    tape = trace(lambda x, y: x.relu() if y.data > -5 else x)
    tape(np.linspace(0.0, 1.0, 50), np.linspace(0.0, 1.0, 50))
    x, y = np.linspace(0.0, 1.0, 500), np.linspace(0.0, 1.0, 500)
    y[311] = -10.0  # below every y checked so far: its example is checked
    with pytest.raises(TraceError, match="batch index 311"):
        tape(x, y)


def test_a_number_and_an_array_still_broadcast():
    tape = trace(neuron, params=[w])
    np.testing.assert_allclose(tape(np.array([0.0, 2.0]), 1.0), np.tanh([1.0, 2.0]), rtol=1e-15)
