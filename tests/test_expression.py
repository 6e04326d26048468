"""Tests for autograd/expression.py: the whitelist, positions, values, and a hostile fuzz."""

from __future__ import annotations

import ast
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from autograd import DomainError, Value
from autograd.expression import (
    MAX_LENGTH,
    MAX_NESTING,
    Expression,
    ExpressionError,
    compile_expression,
)

# -- a reference evaluator, written independently of the module ----------------


def _sigmoid(x: float) -> float:
    return 1 / (1 + math.exp(-x)) if x >= 0 else math.exp(x) / (1 + math.exp(x))


def _softplus(x: float) -> float:
    return max(x, 0.0) + math.log1p(math.exp(-abs(x)))


REFERENCE = {
    "exp": math.exp,
    "log": math.log,
    "sqrt": math.sqrt,
    "tanh": math.tanh,
    "sigmoid": _sigmoid,
    "relu": lambda x: max(x, 0.0),
    "leaky_relu": lambda x, k=0.01: x if x > 0 else k * x,
    "softplus": _softplus,
    "sin": math.sin,
    "cos": math.cos,
    "abs": abs,
}


class Undefined(Exception):
    """The reference found no real value (domain error, overflow, complex result)."""


def reference(node: ast.AST, env: dict[str, float]) -> float:
    """Evaluate an accepted tree with math; any node outside the whitelist fails the test."""
    try:
        if isinstance(node, ast.Expression):
            return reference(node.body, env)
        if isinstance(node, ast.Constant):
            assert type(node.value) in (int, float), f"accepted constant {node.value!r}"
            return float(node.value)
        if isinstance(node, ast.Name):
            return env[node.id]
        if isinstance(node, ast.UnaryOp):
            assert isinstance(node.op, (ast.USub, ast.UAdd)), f"accepted {node.op}"
            x = reference(node.operand, env)
            return -x if isinstance(node.op, ast.USub) else x
        if isinstance(node, ast.BinOp):
            a, b = reference(node.left, env), reference(node.right, env)
            op = type(node.op)
            assert op in (ast.Add, ast.Sub, ast.Mult, ast.Div, ast.Pow), f"accepted {op}"
            if op is ast.Add:
                return a + b
            if op is ast.Sub:
                return a - b
            if op is ast.Mult:
                return a * b
            if op is ast.Div:
                return a / b
            result = a**b
            if isinstance(result, complex):
                raise Undefined
            return result
        if isinstance(node, ast.Call):
            assert isinstance(node.func, ast.Name) and node.func.id in REFERENCE
            assert not node.keywords
            args = [reference(a, env) for a in node.args]
            return REFERENCE[node.func.id](*args)
    except (ArithmeticError, ValueError) as error:
        raise Undefined from error
    raise AssertionError(f"the parser accepted a {type(node).__name__} node")


def check_against_reference(text: str, env: dict[str, float]) -> None:
    """The property: text is rejected cleanly, or it evaluates as the reference does."""
    try:
        expression = compile_expression(text)
    except ExpressionError as error:
        assert 0 <= error.position <= len(text)
        assert "\n" not in str(error)
        assert f"at position {error.position}" in str(error)
        return
    assert isinstance(expression, Expression)
    body = text.replace("\t", " ").replace("\n", " ").replace("\r", " ").lstrip()
    tree = ast.parse(body, mode="eval")
    used = {name: env.get(name, 0.25) for name in expression.variables}
    try:
        expected = reference(tree, used)
    except Undefined:
        expected = None
    try:
        got = expression(**used)
    except DomainError:
        assert expected is None or not math.isfinite(expected), (text, expected)
        return
    assert isinstance(got, float)
    if expected is None or not math.isfinite(expected):
        return  # overflow to inf or nan: no value to compare, and no crash
    assert got == pytest.approx(expected, rel=1e-9, abs=1e-12), text


# -- whitelisted expressions with known values ------------------------------------


@pytest.mark.parametrize(
    ("text", "values", "expected"),
    [
        ("x**2 * sin(y)", {"x": 1.5, "y": 0.3}, 1.5**2 * math.sin(0.3)),
        ("-x + 3", {"x": 2.0}, 1.0),
        ("x ** 2 ** 3", {"x": 1.1}, 1.1**8),
        ("-2**2", {}, -4.0),
        ("2 ** -1", {}, 0.5),
        ("leaky_relu(x, 0.2) + leaky_relu(x)", {"x": -1.0}, -0.2 - 0.01),
        ("abs(x) / sqrt(y)", {"x": -3.0, "y": 4.0}, 1.5),
        ("sigmoid(x) + softplus(x) + relu(x)", {"x": 0.0}, 0.5 + math.log(2.0)),
        ("exp(log(x)) - tanh(0) + cos(0)", {"x": 2.5}, 3.5),
        ("  x\n+\t1", {"x": 1.0}, 2.0),
        ("1_000 + 0x10 + .5 + 1e-3", {}, 1016.501),
        ("+x", {"x": 4.0}, 4.0),
    ],
)
def test_values_on_floats(text: str, values: dict[str, float], expected: float) -> None:
    assert compile_expression(text)(**values) == pytest.approx(expected, rel=1e-12)


def test_variables_in_order_of_first_appearance() -> None:
    assert compile_expression("b * a + exp(c) - a * b").variables == ("b", "a", "c")
    assert compile_expression("2 + 3").variables == ()


def test_values_give_a_graph_whose_backward_works() -> None:
    f = compile_expression("x**2 * sin(y)")
    x, y = Value(1.5, label="x"), Value(0.3, label="y")
    z = f(x=x, y=y)
    assert isinstance(z, Value)
    z.backward()
    assert x.grad == pytest.approx(2 * 1.5 * math.sin(0.3), rel=1e-12)
    assert y.grad == pytest.approx(1.5**2 * math.cos(0.3), rel=1e-12)


def test_constant_exponent_stays_a_constant_so_negative_bases_work() -> None:
    x = Value(-1.5)
    y = compile_expression("x ** (1 + 1)")(x=x)
    assert y.op == "**2"
    y.backward()
    assert x.grad == -3.0


def test_constant_parts_are_folded_once() -> None:
    x = Value(2.0)
    y = compile_expression("x * (2 * 3 + 1)")(x=x)
    assert [p.data for p in y.parents] == [2.0, 7.0]


def test_mixed_value_and_number_inputs() -> None:
    x = Value(2.0)
    y = compile_expression("x * k")(x=x, k=3)
    y.backward()
    assert isinstance(y, Value) and y.data == 6.0 and x.grad == 3.0
    assert compile_expression("x * k")(x=np.float64(2.0), k=np.int64(3)) == 6.0


def test_positional_values_follow_the_order_of_variables() -> None:
    f = compile_expression("y - x")
    assert f.variables == ("y", "x")
    assert f(5.0, 2.0) == 3.0 and f(5.0, x=2.0) == 3.0
    with pytest.raises(TypeError, match="got 3 values"):
        f(1.0, 2.0, 3.0)
    with pytest.raises(TypeError, match="two values for y"):
        f(1.0, y=2.0)


def test_missing_and_unknown_variables_are_named() -> None:
    f = compile_expression("x * y")
    with pytest.raises(TypeError, match="needs a value for y"):
        f(x=1.0)
    with pytest.raises(TypeError, match="has no variable z"):
        f(x=1.0, y=2.0, z=3.0)
    with pytest.raises(TypeError, match="variable x got str"):
        f(x="1", y=2.0)


def test_domain_errors_at_evaluation_come_from_the_engine() -> None:
    with pytest.raises(DomainError, match=r"log\(-1.0\)"):
        compile_expression("log(x)")(x=-1.0)


# -- rejections: token and position -----------------------------------------------


@pytest.mark.parametrize(
    ("text", "token", "position"),
    [
        ("__import__('os').system('x')", "'", 11),
        ("().__class__", ".__class__", 2),
        ("x.real", ".real", 1),
        ("x[0]", "[", 1),
        ("lambda: x", ":", 6),
        ("[x for x in y]", "[", 0),
        ("(y := 1)", ":", 3),
        ('f"{x}"', '"', 1),
        ("__x + 1", "__x", 0),
        ("x\x00", "\x00", 1),
        ("x + é", "é", 4),
        ("x // 2", "//", 2),
        ("x if y else 2", "if", 0),
        ("not x", "not", 0),
        ("x and y", "and", 0),
        ("(1, 2)", ",", 2),
        ("1j", "1j", 0),
        ("True", "True", 0),
        ("1e999", "1e999", 0),
        ("exp", "exp", 0),
        ("foo(x)", "foo", 0),
        ("exp(x, y)", "exp", 0),
        ("leaky_relu(x, y)", "y", 14),
        ("exp(*x)", "*", 4),
        ("x +", "+", 2),
        ("x)", ")", 1),
        ("((x)", "(", 1),
        ("   x // 2", "//", 5),
        ("1/0 + x", "1/0", 0),
        ("9**9**9**9", "9**9**9", 3),
        ("", "", 0),
    ],
)
def test_rejections_name_token_and_position(text: str, token: str, position: int) -> None:
    with pytest.raises(ExpressionError) as caught:
        compile_expression(text)
    error = caught.value
    assert isinstance(error, ValueError)
    assert (error.token, error.position) == (token, position)
    assert "\n" not in str(error)
    assert f"at position {position}" in str(error)


def test_bounds_before_parsing() -> None:
    with pytest.raises(ExpressionError, match="characters long"):
        compile_expression("(" * 10_000 + "x" + ")" * 10_000)
    with pytest.raises(ExpressionError, match=f"nested more than {MAX_NESTING}"):
        compile_expression("(" * (MAX_NESTING + 1) + "x" + ")" * (MAX_NESTING + 1))
    with pytest.raises(ExpressionError, match="operators"):
        compile_expression("-" * (MAX_LENGTH - 1) + "x")
    with pytest.raises(ExpressionError, match="operators"):
        compile_expression("1" + "+1" * 300)
    assert compile_expression("(" * MAX_NESTING + "x" + ")" * MAX_NESTING)(x=2.0) == 2.0


def test_not_a_string() -> None:
    with pytest.raises(TypeError, match="needs a str"):
        compile_expression(b"x")  # type: ignore[arg-type]


# -- property tests -----------------------------------------------------------------

_FUNCTIONS = list(REFERENCE)


@st.composite
def expressions(draw: st.DrawFn, depth: int = 4) -> str:
    """Random whitelisted expressions, fully parenthesized."""
    if depth == 0 or draw(st.integers(0, 3)) == 0:
        leaf = draw(
            st.one_of(
                st.sampled_from(["x", "y", "z"]),
                st.floats(0, 1e3, allow_nan=False).map(repr),
                st.integers(0, 20).map(str),
            )
        )
        return leaf
    kind = draw(st.sampled_from(["bin", "bin", "unary", "call"]))
    if kind == "bin":
        op = draw(st.sampled_from(["+", "-", "*", "/", "**"]))
        left, right = draw(expressions(depth - 1)), draw(expressions(depth - 1))
        return f"({left}){op}({right})"
    if kind == "unary":
        return f"-({draw(expressions(depth - 1))})"
    name = draw(st.sampled_from(_FUNCTIONS))
    return f"{name}({draw(expressions(depth - 1))})"


ENV = {"x": 0.7, "y": -1.3, "z": 2.0}


@given(expressions())
@settings(max_examples=300)
def test_whitelisted_expressions_match_the_reference(text: str) -> None:
    check_against_reference(text, ENV)


_HOSTILE_TOKENS = [
    "x", "y", "(", ")", "+", "-", "*", "/", "**", ".", ",", "1", "9", "0.5", "e", "j", " ",
    "\n", "\x00", "é", "π", "𝑥", "'", '"', "[", "]", "{", "}", ":", "=", ":=", "@", "%", "//",
    "lambda", "if", "else", "for", "in", "not", "and", "__class__", "__import__", "os",
    "system", "exp", "log", "sqrt", "leaky_relu", "abs", "foo", "eval", "exec", "f'", "True",
    "None", "...", "\\", "#", "~", "<", "1e308", "0x", "_",
]  # fmt: skip


@given(st.lists(st.sampled_from(_HOSTILE_TOKENS), max_size=30).map("".join))
@settings(max_examples=400)
def test_hostile_token_soup_is_rejected_or_correct(text: str) -> None:
    check_against_reference(text, ENV)


@given(st.text(max_size=60))
@settings(max_examples=300)
def test_random_text_is_rejected_or_correct(text: str) -> None:
    check_against_reference(text, ENV)


@pytest.mark.parametrize(
    "text",
    [
        "__import__('os').system('x')",
        "().__class__.__bases__[0].__subclasses__()",
        "9**9**9**9",
        "(" * 10_000 + ")" * 10_000,
        "(" * 10_000,
        "-" * 100_000 + "1",
        "1" * 100_000,
        "x\x00y",
        "lambda x: x",
        "[i for i in (1, 2)]",
        "{1: 2}",
        "(x := 3)",
        "f'{x}'",
        "x.__dict__",
        "exp.__globals__",
        "abs(x)(y)",
        "x()",
        "2 ** 1e308",
        "exp(1000)",
        "10.0 ** 400",
        "1e308 * 10",
        "0 ** -1",
        "(-8) ** (1/3)",
        "sqrt(-1)",
        "sin(1e308 * 10)",
        "leaky_relu(x, 1/0)",
    ],
)
def test_listed_hostile_inputs(text: str) -> None:
    check_against_reference(text, ENV)


@pytest.mark.parametrize(
    ("text", "token", "position", "words"),
    [
        ("()", "()", 0, "empty parentheses are not allowed"),
        ("x * ()", "()", 4, "empty parentheses are not allowed"),
        ("2x", "2x", 0, "write 2*x for a product"),
        ("3.5y + 1", "3.5y", 0, "write 3.5*y for a product"),
    ],
)
def test_common_slips_are_named_with_the_fix(
    text: str, token: str, position: int, words: str
) -> None:
    with pytest.raises(ExpressionError) as caught:
        compile_expression(text)
    assert (caught.value.token, caught.value.position) == (token, position)
    assert words in str(caught.value)


def test_a_constant_that_overflows_gets_advice_about_the_expression() -> None:
    with pytest.raises(ExpressionError) as caught:
        compile_expression("x + 2**1024")
    message = str(caught.value)
    assert message.startswith("'2**1024' at position 4: this part overflows to infinity")
    assert "learning rate" not in message
