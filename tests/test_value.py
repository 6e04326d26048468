"""Value: construction, operators with plain numbers, structure, errors, micrograd's lecture."""

from __future__ import annotations

import math
import re
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import autograd
from autograd import DomainError, Value

finite = st.floats(-1e3, 1e3, allow_nan=False, allow_infinity=False)


# -- construction -------------------------------------------------------------


@pytest.mark.parametrize(
    "data, expected",
    [
        (3, 3.0),
        (2.5, 2.5),
        (True, 1.0),
        (np.float32(1.5), 1.5),
        (np.float64(-2.0), -2.0),
        (np.int64(7), 7.0),
        (np.bool_(True), 1.0),
        (np.array(4.0), 4.0),
        (np.array([5.0]), 5.0),
        (Fraction(1, 4), 0.25),
    ],
)
def test_data_is_always_a_python_float(data, expected):
    v = Value(data)
    assert type(v.data) is float and v.data == expected
    assert v.grad == 0.0 and v.label == "" and v.is_leaf


@pytest.mark.parametrize(
    "bad, named",
    [
        ("2.0", "str"),
        (None, "NoneType"),
        (1 + 2j, "complex"),
        ([1.0], "list"),
        (np.array([1.0, 2.0]), "2 elements"),
        (np.complex128(1j), "complex"),
        (Value(1.0), "x.detach()"),
    ],
)
def test_anything_else_is_a_type_error_naming_it(bad, named):
    with pytest.raises(TypeError) as error:
        Value(bad)
    assert named in str(error.value)
    assert "accepts" in str(error.value) or "detach" in str(error.value)


def test_label_must_be_a_string_in_the_constructor_and_the_setter():
    with pytest.raises(TypeError, match="label must be a str, got int 123"):
        Value(1.0, label=123)  # type: ignore[arg-type]
    v = Value(1.0, label="v")
    with pytest.raises(TypeError, match="label must be a str, got int 123"):
        v.label = 123  # type: ignore[assignment]
    assert v.label == "v"


def test_a_label_passed_where_micrograd_puts_children_says_to_use_the_keyword():
    with pytest.raises(TypeError, match=r"micrograd's _children.*label= by keyword"):
        Value(2.0, "x")  # type: ignore[arg-type]


# -- operators ------------------------------------------------------------------


@given(finite, finite.filter(lambda b: abs(b) > 1e-3))
def test_operators_with_a_plain_number_on_either_side(a, b):
    x = Value(a)
    cases = [
        (x + b, a + b),
        (b + x, b + a),
        (x - b, a - b),
        (b - x, b - a),
        (x * b, a * b),
        (b * x, b * a),
        (-x, -a),
        (abs(x), abs(a)),
    ]
    if abs(a) > 1e-300:  # 1 / a tinier than that overflows, a DomainError
        cases += [(b / x, b / a)]
    cases += [(x / b, a / b)]
    for out, expected in cases:
        assert isinstance(out, Value)
        assert out.data == pytest.approx(expected, rel=1e-12, abs=1e-12)


def test_number_on_the_left_gives_the_right_gradients():
    x = Value(4.0)
    (2 - x).backward()
    assert x.grad == -1.0
    x = Value(4.0)
    (2 / x).backward()
    assert x.grad == pytest.approx(-2 / 16)
    x = Value(3.0)
    (2**x).backward()
    assert x.grad == pytest.approx(8 * math.log(2))


def test_value_exponent_reaches_both_base_and_exponent():
    a, b = Value(2.0), Value(3.0)
    out = a**b
    out.backward()
    assert out.data == 8.0
    assert a.grad == pytest.approx(3 * 2**2)
    assert b.grad == pytest.approx(8 * math.log(2))


def test_numpy_scalars_on_the_left_give_values():
    out = np.float64(2.0) * Value(3.0)
    assert isinstance(out, Value) and out.data == 6.0


def test_combining_with_an_unsupported_type_names_it():
    with pytest.raises(TypeError, match="str"):
        Value(1.0) + "a"
    with pytest.raises(TypeError, match="3 elements"):
        Value(1.0) * np.ones(3)


def test_function_forms_accept_values_and_numbers():
    for name in ["exp", "log", "sqrt", "tanh", "sigmoid", "relu", "softplus", "sin", "cos"]:
        f = getattr(autograd, name)
        as_value = f(Value(0.7))
        assert isinstance(as_value, Value) and as_value.op == name
        as_number = f(0.7)
        assert type(as_number) is float and as_number == as_value.data
    assert autograd.leaky_relu(-2.0, 0.1) == pytest.approx(-0.2)
    assert autograd.leaky_relu(Value(-2.0)).data == pytest.approx(-0.02)
    with pytest.raises(DomainError, match=r"log\(-1.0\)"):
        autograd.log(-1)


# -- structure ---------------------------------------------------------------------


def test_structure_is_readable_and_ordered():
    a, b = Value(1.0, label="a"), Value(2.0, label="b")
    c = a * b
    d = c.tanh()
    assert c.op == "*" and c.parents == (a, b) and c._prev == (a, b) and c._op == "*"
    assert d.op == "tanh" and d.parents == (c,)
    assert a.op == "" and a.parents == ()
    assert (b - a).parents == (b, a)
    assert (a**3).op == "**3" and (a**0.5).op == "**0.5"
    assert a.creation_index < b.creation_index < c.creation_index < d.creation_index


def test_repr_matches_micrograd_and_shows_the_label():
    assert repr(Value(2.0)) == "Value(data=2.0, grad=0.0)"
    assert repr(Value(2.0, label="x")) == "Value(data=2.0, grad=0.0, label='x')"


def test_values_hash_by_identity_so_sets_of_nodes_work():
    a, b = Value(1.0), Value(1.0)
    assert len({a, b}) == 2


# -- domain errors ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "make, message",
    [
        (
            lambda: Value(-2.0, label="z").log(),
            "log(-2.0) is undefined: log needs x > 0 (in node 'z')",
        ),
        (lambda: Value(0.0).log(), "log(0.0) is undefined"),
        (lambda: Value(-1.0).sqrt(), "sqrt(-1.0) is undefined"),
        (
            lambda: Value(1.0, label="x") / 0,
            "1.0 / 0.0 is undefined: division by zero (in node 'x')",
        ),
        (lambda: 1 / Value(0.0), "1.0 / 0.0 is undefined"),
        (lambda: Value(0.0) ** -2, "0.0 ** -2.0 is undefined"),
        (lambda: Value(0.0) ** Value(-1.0), "0.0 ** -1.0 is undefined"),
        (lambda: Value(-8.0) ** (1 / 3), "negative base needs a whole-number exponent"),
        (lambda: Value(-8.0) ** Value(0.5), "negative base"),
        (lambda: Value(1000.0, label="big").exp(), "exp(1000.0) overflows"),
        (lambda: Value(10.0) ** 400, "overflows"),
        (lambda: Value(math.inf).sin(), "sin(inf) is undefined"),
    ],
)
def test_domain_errors_name_the_operation_and_operands(make, message):
    with pytest.raises(DomainError) as error:
        make()
    assert message in str(error.value)
    assert isinstance(error.value, ValueError)


def test_negative_base_with_whole_exponent_is_fine():
    assert (Value(-2.0) ** 3).data == -8.0
    assert (Value(-2.0) ** Value(2.0)).data == 4.0


@given(st.sampled_from(["log", "sqrt", "exp", "tanh", "sin", "cos", "sigmoid", "softplus"]), finite)
def test_finite_inputs_never_give_complex_or_silent_nan(name, x):
    try:
        out = getattr(Value(x), name)()
    except DomainError:
        return
    assert type(out.data) is float and not math.isnan(out.data)


@given(finite, finite)
def test_power_never_gives_complex_or_silent_nan(a, b):
    try:
        out = Value(a) ** b
    except DomainError:
        return
    assert type(out.data) is float and not math.isnan(out.data)


# -- micrograd's lecture, unchanged ----------------------------------------------------


def lecture_trace(root):
    nodes, edges = set(), set()

    def build(v):
        if v not in nodes:
            nodes.add(v)
            for child in v._prev:
                edges.add((child, v))
                build(child)

    build(root)
    return nodes, edges


def lecture_draw_dot(root):
    from graphviz import Digraph

    dot = Digraph(format="svg", graph_attr={"rankdir": "LR"})
    nodes, edges = lecture_trace(root)
    for n in nodes:
        uid = str(id(n))
        dot.node(
            name=uid,
            label="{ %s | data %.4f | grad %.4f }" % (n.label, n.data, n.grad),  # noqa: UP031 (verbatim)
            shape="record",
        )
        if n._op:
            dot.node(name=uid + n._op, label=n._op)
            dot.edge(uid + n._op, uid)
    for n1, n2 in edges:
        dot.edge(str(id(n1)), str(id(n2)) + n2._op)
    return dot


def test_the_lecture_neuron_and_its_draw_dot_run_unchanged():
    x1 = Value(2.0, label="x1")
    x2 = Value(0.0, label="x2")
    w1 = Value(-3.0, label="w1")
    w2 = Value(1.0, label="w2")
    b = Value(6.8813735870195432, label="b")
    x1w1 = x1 * w1
    x1w1.label = "x1*w1"
    x2w2 = x2 * w2
    x2w2.label = "x2*w2"
    x1w1x2w2 = x1w1 + x2w2
    x1w1x2w2.label = "x1*w1 + x2*w2"
    n = x1w1x2w2 + b
    n.label = "n"
    e = (2 * n).exp()
    o = (e - 1) / (e + 1)
    o.label = "o"
    o.backward()
    assert o.data == pytest.approx(math.sqrt(0.5))
    assert (x1.grad, x2.grad, w1.grad, w2.grad) == pytest.approx((-1.5, 0.5, 1.0, 0.0))
    source = lecture_draw_dot(o).source
    assert source.count("shape=record") == len(lecture_trace(o)[0])
    assert "data 0.7071 | grad 1.0000" in source
    assert "grad -1.5000" in source


def test_the_lectures_manual_backward_steps_work():
    a, b = Value(2.0), Value(-3.0)
    c = a * b
    d = c + 10.0
    o = d.tanh()
    o.grad = 1.0
    for node in (o, d, c, b, a):
        node._backward()
    t = math.tanh(4.0)
    assert c.grad == pytest.approx(1 - t * t)
    assert a.grad == pytest.approx((1 - t * t) * -3.0)


@pytest.mark.parametrize(
    "make",
    [
        lambda x: x * x,
        lambda x: x * x - x * x,
        lambda x: x * 1e200 + x * 1e200,
        lambda x: x / 1e-200,
        lambda x: -x * 1e200 - x * 1e200,
    ],
)
def test_arithmetic_overflow_from_finite_operands_is_a_domain_error(make):
    x = Value(1e200, label="x")
    with pytest.raises(DomainError, match="overflows: the result is beyond the largest float"):
        make(x)


@given(finite, finite, st.sampled_from(["+", "-", "*", "/"]))
def test_binary_operators_never_give_a_silent_nan_or_inf(a, b, symbol):
    x, y = Value(a * 1e150), Value(b * 1e150)
    try:
        out = {"+": x + y, "-": x - y, "*": x * y}[symbol] if symbol != "/" else x / y
    except DomainError:
        return
    assert math.isfinite(out.data)


def test_sin_of_an_overflowed_value_says_what_to_do():
    with pytest.raises(
        DomainError, match=r"sin\(inf\) is undefined: sin needs a finite x.*detect_anomaly"
    ):
        Value(math.inf).sin()
    with pytest.raises(DomainError, match=r"cos\(-inf\)"):
        Value(-math.inf).cos()


def test_an_integer_too_large_for_a_float_is_a_type_error_naming_it():
    with pytest.raises(TypeError, match="401 digits"):
        Value(10**400)
    with pytest.raises(TypeError, match="beyond the largest float"):
        Value(1.0) + 10**400


@pytest.mark.parametrize(
    "make, message",
    [
        (
            lambda: Value(-2.0, label="z").log(),
            "log(-2.0) is undefined: log needs x > 0 (in node 'z'). Pass a positive number: "
            "move a probability away from 0 first, for example log(p + 1e-12)",
        ),
        (
            lambda: autograd.log(0),
            "log(0.0) is undefined: log needs x > 0. Pass a positive number: "
            "move a probability away from 0 first, for example log(p + 1e-12)",
        ),
        (
            lambda: Value(-1.0, label="v").sqrt(),
            "sqrt(-1.0) is undefined: sqrt needs x >= 0 (in node 'v'). Pass a number >= 0; "
            "for the length of a signed x, write (x * x + 1e-12).sqrt()",
        ),
        (
            lambda: 2 / Value(0.0, label="d"),
            "2.0 / 0.0 is undefined: division by zero (in node 'd'). Keep the denominator "
            "away from 0, for example a / (b + 1e-12) where b >= 0",
        ),
        (
            lambda: Value(0.0, label="x") ** -1,
            "0.0 ** -1.0 is undefined: zero to a negative power divides by zero (in node 'x'). "
            "Keep the base away from 0, (x + 1e-12) ** k, or use an exponent >= 0",
        ),
        (
            lambda: Value(-8.0, label="x") ** (1 / 3),
            "(-8.0) ** 0.3333333333333333 is undefined: a negative base needs a whole-number "
            "exponent (the result would be complex) (in node 'x'). Use a whole-number exponent, "
            "or raise a positive base such as abs(x)",
        ),
    ],
)
def test_domain_errors_say_what_was_received_and_the_way_out(make, message):
    with pytest.raises(DomainError) as error:
        make()
    assert str(error.value) == message


@pytest.mark.parametrize(
    "compare, shown",
    [
        (lambda x: x < 0, "2.0 < 0"),
        (lambda x: 0 < x, "2.0 > 0"),  # Python asks the Value the mirrored question
        (lambda x: x >= Value(1.0), "2.0 >= 1.0"),
        (lambda x: max(x, Value(1.0)), "1.0 > 2.0"),
    ],
)
def test_comparisons_are_refused_with_the_numbers_and_the_way_out(compare, shown):
    with pytest.raises(TypeError, match=re.escape(f"(got {shown})") + ".*x.data.*relu, abs"):
        compare(Value(2.0))


def test_equality_stays_identity_so_values_can_be_dict_keys():
    x, y = Value(2.0), Value(2.0)
    assert x == x and x != y and len({x: 1, y: 2}) == 2


def test_float_of_a_value_says_it_would_leave_the_graph():
    x = Value(2.0, label="x")
    with pytest.raises(TypeError, match=r"float\(\) of a Value .*x\.data.*keep computing"):
        float(x)
    with pytest.raises(TypeError, match="would leave the graph"):
        math.exp(x)


def test_the_truth_of_a_value_is_refused_with_the_way_out():
    v = Value(0.0)
    with pytest.raises(TypeError, match=r"truth of a Value.*if v\.data != 0"):
        if v:
            pass
    with pytest.raises(TypeError, match="truth of a Value"):
        bool(Value(3.0))
    assert v is not None and [v]  # identity and containers still work
