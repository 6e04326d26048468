"""The course's check helper: right answers pass, wrong and missing ones say so and never raise."""

import numpy as np
import pytest

from autograd import Value
from nn.course import check, check_gradient


def test_a_right_number_passes_and_says_so(capsys):
    assert check("dL/dw", -12.0, -12.0) is True
    assert capsys.readouterr().out == "right: dL/dw = -12\n"


def test_a_wrong_number_prints_the_expected_value_and_the_hint(capsys):
    assert check("dL/dw", 12.0, -12.0, hint="the sign of (y_pred - y)") is False
    out = capsys.readouterr().out
    assert out == "not yet: dL/dw is 12, but it should be -12. Hint: the sign of (y_pred - y)\n"


def test_the_placeholder_is_an_answer_not_given_yet_and_hides_the_answer(capsys):
    assert check("slope", ..., 3.5, hint="rise over run") is False
    out = capsys.readouterr().out
    assert (
        out == "not yet: slope is still `...`: replace it with your answer. Hint: rise over run\n"
    )
    assert "3.5" not in out
    assert check("slope", None, 3.5) is False
    assert check("grads", [1.0, ...], [1.0, 2.0]) is False
    assert "still `[1, ...]`" in capsys.readouterr().out


def test_relative_tolerance_decides():
    assert check("x", 1.0 + 1e-7, 1.0, rel=1e-6)
    assert not check("x", 1.0 + 1e-5, 1.0, rel=1e-6)
    assert check("x", 1.0 + 1e-5, 1.0, rel=1e-4)
    assert check("zero", 1e-13, 0.0)
    assert not check("zero", 1e-6, 0.0)


def test_values_arrays_tuples_and_lists_are_compared_item_by_item():
    assert check("v", Value(2.5), 2.5)
    assert check("v", 2.5, Value(2.5))
    assert check("grads", np.array([1.0, 2.0]), [1.0, 2.0])
    assert check("grads", (Value(1.0), 2), [1.0, 2.0])
    assert not check("grads", [1.0, 2.5], [1.0, 2.0])
    assert not check("nested", [[1.0], [2.0]], [[1.0], [3.0]])


def test_an_answer_of_another_kind_is_reported_with_the_expected_one(capsys):
    assert not check("n", [1.0, 2.0], 3.0, hint="one number")
    assert capsys.readouterr().out == (
        "not yet: n is [1, 2] (a list of 2), but it should be 3 (a number). Hint: one number\n"
    ), "a wrong answer of another kind still learns what was expected"
    assert not check("grads", [1.0], [1.0, 2.0])
    assert "is [1] (a list of 1), but it should be [1, 2] (a list of 2)" in capsys.readouterr().out
    assert not check("n", "three", 3)
    assert not check("flag", 1, True), "1 is not the answer True: bools compare exactly"


def test_other_answers_compare_with_equality(capsys):
    assert check("order", ["x", "w", "b"], ["x", "w", "b"])
    assert check("flag", True, True)
    assert not check("op", "+", "*")
    assert capsys.readouterr().out.splitlines()[-1] == "not yet: op is '+', but it should be '*'"


def test_sets_compare_in_any_order_and_print_sorted(capsys):
    assert check("wrong", {"e", "a", "c"}, {"a", "c", "e"})
    assert capsys.readouterr().out == "right: wrong = {'a', 'c', 'e'}\n"
    assert not check("wrong", {"a"}, {"a", "b"})
    assert capsys.readouterr().out == (
        "not yet: wrong is {'a'} (a set of 1), but it should be {'a', 'b'} (a set of 2)\n"
    )
    assert not check("wrong", {"a", "c"}, {"a", "b"})
    assert "is {'a', 'c'}, but it should be {'a', 'b'}" in capsys.readouterr().out


@pytest.mark.parametrize("got", [float("nan"), float("inf")])
def test_not_finite_answers_are_wrong(got):
    assert not check("x", got, 1.0)


def test_check_gradient_takes_the_right_values_from_backward(capsys):
    def loss(w, b):
        return (w * 3.0 + b - 1.0) ** 2  # dL/dw = 2 (3w + b - 1) 3 = 30, dL/db = 10 at w=2, b=0

    assert check_gradient("L", loss, {"w": 2.0, "b": 0.0}, {"w": 30.0, "b": 10.0})
    assert capsys.readouterr().out == "right: dL/dw = 30\nright: dL/db = 10\n"
    assert not check_gradient("L", loss, {"w": 2.0, "b": 0.0}, {"w": 30.0, "b": 5.0}, hint="h")
    assert capsys.readouterr().out.splitlines()[-1] == (
        "not yet: dL/db is 5, but it should be 10. Hint: h"
    )
    assert not check_gradient("L", loss, {"w": 2.0, "b": 0.0}, {"w": 30.0})
    assert "dL/db is still `...`" in capsys.readouterr().out
