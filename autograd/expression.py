"""Formulas typed as text, parsed safely and evaluated through the engine.

`compile_expression("x**2 * sin(y)")` reads a formula such as a student types
it on the command line or in a notebook, and returns an `Expression` that can
be evaluated on floats or on Values (so that backward works through it).

Safety comes from a whitelist, never from eval or exec:

- before Python's parser sees the text, its length, its characters, its
  parenthesis depth and its number of operators are bounded, so hostile input
  (10,000 nested parentheses, NUL bytes, quotes, brackets) is rejected at once;
- the syntax tree from `ast.parse` may then hold only numbers, variable names,
  ``+ - * /  **``, unary minus (and plus), parentheses and calls of the engine's
  functions: exp log sqrt tanh sigmoid relu leaky_relu softplus sin cos abs;
- every number is a float, so ``9**9**9**9`` overflows cleanly instead of
  building a huge integer; parts without variables are computed once, here,
  and a part that cannot be computed is rejected with its position.

Anything else raises `ExpressionError`, one line naming the offending token and
its 0-based position.

>>> from autograd import Value
>>> f = compile_expression("x**2 * sin(y)")
>>> f.variables
('x', 'y')
>>> round(f(x=1.5, y=0.3), 6)
0.66492
>>> x, y = Value(1.5), Value(0.3)
>>> z = f(x=x, y=y)
>>> z.backward()
>>> round(x.grad, 6)      # 2 x sin(y)
0.886561
"""

from __future__ import annotations

import ast
import math
import numbers
import re
from dataclasses import dataclass
from typing import Any

from autograd.errors import ExpressionError
from autograd.functions import function_of
from autograd.ops import OPS
from autograd.recording import no_grad
from autograd.value import Value

__all__ = [
    "Expression",
    "ExpressionError",
    "compile_expression",
    "callable_names",
    "MAX_LENGTH",
    "MAX_NESTING",
    "MAX_OPERATORS",
]

MAX_LENGTH = 1000
"""Longest accepted expression, in characters."""
MAX_NESTING = 32
"""Deepest accepted nesting of parentheses (calls included)."""
MAX_OPERATORS = 200
"""Most operators (+ - * / **, unary minus included) in one expression."""


def callable_names() -> dict[str, tuple[int, int]]:
    """The functions an expression may call, each with its (fewest, most) arguments.

    One per row of the op table written as a call, `name({a})` or `name({a}, {k})`
    (a constant k may be given or left to its default): built-in rows and those
    a learner added with autograd.primitive alike.

    >>> callable_names()["leaky_relu"], callable_names()["tanh"]
    ((1, 2), (1, 1))
    """
    return {
        op.name: (1, 2 if "{k}" in op.text else 1)
        for op in OPS.values()
        if op.arity == 1 and op.text.startswith(op.name + "(")
    }


_ALLOWED_CHARACTERS = frozenset(
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_. \t\n\r+-*/(),"
)


def _what_is_allowed() -> str:
    return (
        "an expression may use numbers, variable names, + - * / **, parentheses and the "
        "functions " + " ".join(callable_names())
    )


_BINARY = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/", ast.Pow: "**"}
_UNARY = {ast.USub: "-", ast.UAdd: "+"}
_FORBIDDEN_OPERATORS = {
    ast.FloorDiv: ("//", "use / for division"),
    ast.Mod: ("%", "remainders are not differentiable operations here"),
    ast.MatMult: ("@", "chainrule works on scalars"),
    ast.LShift: ("<<", "bit operations are not allowed"),
    ast.RShift: (">>", "bit operations are not allowed"),
    ast.BitOr: ("|", "bit operations are not allowed"),
    ast.BitXor: ("^", "write powers as **"),
    ast.BitAnd: ("&", "bit operations are not allowed"),
}


def _reject(token: str, position: int, why: str) -> ExpressionError:
    shown = token if len(token) <= 40 else token[:37] + "..."
    return ExpressionError(f"{shown!r} at position {position}: {why}", position, token)


# -- the program an expression compiles to --------------------------------------
# A flat list of instructions for a small stack machine, so that evaluating a
# long expression never recurses.

_VAR, _CONST, _NEG, _POS, _BINARY_OP, _CALL = range(6)
Instruction = tuple  # (kind, argument, argument)


@dataclass(frozen=True)
class Expression:
    """A compiled formula: call it with one number or Value per variable.

    Pass them by name, f(x=1.5, y=0.3), or in the order of `variables`, f(1.5, 0.3).

    With only plain numbers it returns a float; if any variable is a Value it
    returns a Value whose backward() reaches those inputs.
    """

    text: str
    """The expression as it was typed."""
    variables: tuple[str, ...]
    """The variable names, in order of first appearance."""
    _program: tuple[Instruction, ...]

    def __call__(self, *args: Any, **values: Any) -> Value | float:
        if args:
            if len(args) > len(self.variables):
                raise TypeError(
                    f"the expression {self.text!r} has {len(self.variables)} variable(s) "
                    f"({', '.join(self.variables) or 'none'}) but got {len(args)} values"
                )
            for name, value in zip(self.variables, args):
                if name in values:
                    raise TypeError(f"the expression got two values for {name}")
                values[name] = value
        missing = [name for name in self.variables if name not in values]
        if missing:
            raise TypeError(
                f"the expression {self.text!r} needs a value for {', '.join(missing)}; "
                f"it was given {', '.join(values) or 'nothing'}. Pass one keyword per "
                f"variable, e.g. f({', '.join(f'{n}=1.0' for n in self.variables)})"
            )
        unknown = [name for name in values if name not in self.variables]
        if unknown:
            raise TypeError(
                f"the expression {self.text!r} has no variable {', '.join(unknown)}; "
                f"its variables are {', '.join(self.variables) or '(none)'}. "
                "Check the spelling, or drop the extra keyword"
            )
        env = {name: _as_input(name, value) for name, value in values.items()}
        return _run(self._program, env)

    def __repr__(self) -> str:
        return f"compile_expression({self.text!r})"

    def __str__(self) -> str:
        return self.text


def _as_input(name: str, value: Any) -> Value | float:
    if isinstance(value, Value):
        return value
    if isinstance(value, numbers.Real) and not isinstance(value, complex):
        return float(value)
    if hasattr(value, "dtype") and getattr(value, "size", 0) == 1:
        return float(value)
    raise TypeError(
        f"variable {name} got {type(value).__name__} {value!r:.60}; "
        "pass a number (int, float) or an autograd Value"
    )


def _binary(symbol: str, a: Any, b: Any) -> Any:
    if not isinstance(a, Value) and not isinstance(b, Value):
        # Plain numbers follow the engine's rules (domain checks, overflow messages).
        with no_grad():
            return _binary(symbol, Value(a), b).data
    if symbol == "+":
        return a + b
    if symbol == "-":
        return a - b
    if symbol == "*":
        return a * b
    if symbol == "/":
        return a / b
    return a**b


def _call(name: str, args: list[Any]) -> Any:
    return function_of(OPS[name])(*args)


def _run(program: tuple[Instruction, ...], env: dict[str, Any]) -> Any:
    stack: list[Any] = []
    for kind, argument, extra in program:
        if kind == _CONST:
            stack.append(argument)
        elif kind == _VAR:
            stack.append(env[argument])
        elif kind == _BINARY_OP:
            b = stack.pop()
            stack.append(_binary(argument, stack.pop(), b))
        elif kind == _NEG:
            x = stack.pop()
            stack.append(-x)
        elif kind == _CALL:
            args = stack[len(stack) - extra :]
            del stack[len(stack) - extra :]
            stack.append(_call(argument, args))
        # _POS leaves the operand as it is
    (result,) = stack
    return result


# -- checks before parsing --------------------------------------------------------


def _prescan(text: str) -> None:
    """Reject what must never reach ast.parse: length, characters, depth, size."""
    if len(text) > MAX_LENGTH:
        raise _reject(
            text[MAX_LENGTH : MAX_LENGTH + 10],
            MAX_LENGTH,
            f"the expression is {len(text)} characters long and the limit is {MAX_LENGTH}; "
            "split it into smaller expressions",
        )
    depth = operators = 0
    previous = ""
    for position, character in enumerate(text):
        if character not in _ALLOWED_CHARACTERS:
            raise _reject(
                character, position, f"this character is not allowed; {_what_is_allowed()}"
            )
        if character == "(":
            depth += 1
            if depth > MAX_NESTING:
                raise _reject(
                    "(",
                    position,
                    f"parentheses are nested more than {MAX_NESTING} deep; simplify the expression",
                )
        elif character == ")":
            depth -= 1
            if depth < 0:
                raise _reject(")", position, "this parenthesis closes nothing; remove it")
        elif character in "+-*/" and not (character == "*" and previous == "*"):
            operators += 1
            if operators > MAX_OPERATORS:
                raise _reject(
                    character,
                    position,
                    f"the expression has more than {MAX_OPERATORS} operators; "
                    "split it into smaller expressions",
                )
        previous = character
    if depth > 0:
        raise _reject(
            "(",
            text.rindex("("),
            f"{depth} parenthes{'is is' if depth == 1 else 'es are'} "
            "never closed; add the missing ')'",
        )


_NUMBER_THEN_NAME = re.compile(r"(\d+(?:\.\d*)?|\.\d+)([A-Za-z_]\w*)")
"""'2x' or '3.5y': a student's product without its '*'."""


def _parse(text: str) -> ast.Expression:
    """ast.parse of text, which has no leading spaces (Python reads them as indentation)."""
    end = text.rstrip()
    if end and end[-1] in "+-*/(,":
        return_position = len(end) - 1
        raise _reject(
            end[-1], return_position, "the expression ends too early; something is missing after it"
        )
    try:
        return ast.parse(text, mode="eval")
    except SyntaxError as error:
        position = max(0, min((error.offset or 1) - 1, len(text)))
        rest = text[position:].split()
        if position >= len(text.rstrip()) or not rest:
            token, why = text[-10:].strip(), "the expression ends too early; something is missing"
        else:
            token = rest[0][:10]
            why = f"invalid syntax ({error.msg}); {_what_is_allowed()}"
            start = position  # Python may point into the number: '3.5y' at '5'
            while start > 0 and (text[start - 1].isdigit() or text[start - 1] in "._"):
                start -= 1
            product = _NUMBER_THEN_NAME.match(text, start)
            if product and product.group(2).lower() != "e":
                number, name = product.groups()
                token, position = number + name, start
                why = f"a number followed by a name: write {number}*{name} for a product"
        raise _reject(token, position, why) from None
    except (RecursionError, MemoryError):
        raise _reject(
            text[:10], 0, "the expression is nested too deeply to read; simplify it"
        ) from None


# -- checking the tree and compiling it -----------------------------------------


def _children(node: ast.AST) -> list[ast.AST]:
    if isinstance(node, ast.BinOp):
        return [node.left, node.right]
    if isinstance(node, ast.UnaryOp):
        return [node.operand]
    if isinstance(node, ast.Call):
        return list(node.args)
    return []


def _next_symbol(text: str, position: int) -> int:
    """The position of the first character at or after `position` that is not ')' or space."""
    while position < len(text) and text[position] in " \t\r\n)":
        position += 1
    return position


def _validate(node: ast.AST, text: str) -> None:
    """Raise ExpressionError unless `node` is on the whitelist (its children are checked later)."""
    position = getattr(node, "col_offset", 0)
    if isinstance(node, ast.BinOp):
        if type(node.op) not in _BINARY:
            symbol, why = _FORBIDDEN_OPERATORS.get(type(node.op), ("?", ""))
            where = _next_symbol(text, node.left.end_col_offset or 0)
            raise _reject(
                symbol, where, f"this operator is not allowed ({why}); {_what_is_allowed()}"
            )
    elif isinstance(node, ast.UnaryOp):
        if type(node.op) not in _UNARY:
            token = "not" if isinstance(node.op, ast.Not) else "~"
            raise _reject(token, position, f"this operator is not allowed; {_what_is_allowed()}")
    elif isinstance(node, ast.Call):
        if not isinstance(node.func, ast.Name) or node.func.id not in callable_names():
            token = ast.get_source_segment(text, node.func) or "("
            raise _reject(
                token,
                node.func.col_offset,
                f"only these functions can be called: {' '.join(callable_names())}",
            )
        name = node.func.id
        if node.keywords:
            keyword = node.keywords[0]
            raise _reject(
                keyword.arg or "**",
                keyword.col_offset,
                f"{name}() takes no keyword arguments; write {name}(x)",
            )
        for argument in node.args:
            if isinstance(argument, ast.Starred):
                raise _reject("*", argument.col_offset, f"{name}() takes plain arguments")
        fewest, most = callable_names()[name]
        if not fewest <= len(node.args) <= most:
            expected = str(fewest) if fewest == most else f"{fewest} or {most}"
            raise _reject(
                name,
                position,
                f"{name}() takes {expected} argument{'s' * (most > 1)}, "
                f"got {len(node.args)}"
                + ("; write leaky_relu(x) or leaky_relu(x, 0.1)" if name == "leaky_relu" else ""),
            )
    elif isinstance(node, ast.Name):
        if node.id.startswith("__") or node.id.endswith("__"):
            raise _reject(node.id, position, "names with double underscores are not allowed")
        if node.id in callable_names():
            raise _reject(
                node.id, position, f"{node.id} is a function: call it, as in {node.id}(x)"
            )
    elif isinstance(node, ast.Constant):
        value = node.value
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            token = ast.get_source_segment(text, node) or repr(value)
            raise _reject(token, position, f"this is not a real number; {_what_is_allowed()}")
    else:
        raise _reject(_token_of(node, text), _position_of(node, text), _why_not(node))


def _token_of(node: ast.AST, text: str) -> str:
    if isinstance(node, ast.Attribute):
        return "." + node.attr
    if isinstance(node, ast.Subscript):
        return "["
    if isinstance(node, ast.Lambda):
        return "lambda"
    if isinstance(node, ast.IfExp):
        return "if"
    if isinstance(node, ast.BoolOp):
        return "and" if isinstance(node.op, ast.And) else "or"
    if isinstance(node, ast.Tuple):
        return "," if node.elts else "()"
    segment = ast.get_source_segment(text, node) or type(node).__name__
    return segment


def _position_of(node: ast.AST, text: str) -> int:
    if isinstance(node, ast.Attribute):
        return node.value.end_col_offset or 0
    if isinstance(node, ast.Subscript):
        return node.value.end_col_offset or 0
    if isinstance(node, ast.Tuple) and node.elts:
        return _next_symbol(text, node.elts[0].end_col_offset or 0)
    return getattr(node, "col_offset", 0)


def _why_not(node: ast.AST) -> str:
    what = {
        ast.Attribute: "attribute access is",
        ast.Subscript: "subscripts are",
        ast.Lambda: "lambdas are",
        ast.IfExp: "conditional expressions are",
        ast.BoolOp: "boolean operators are",
        ast.Compare: "comparisons are",
        ast.Tuple: "a comma outside a function call is",
    }.get(type(node), f"{type(node).__name__} expressions are")
    if isinstance(node, ast.Tuple) and not node.elts:
        return "empty parentheses are not allowed; put an expression inside, as in (x + 1)"
    return f"{what} not allowed; {_what_is_allowed()}"


def _fold(code: list[Instruction], text: str, node: ast.AST) -> list[Instruction]:
    """Compute a part without variables now; reject it if it cannot be computed."""
    try:
        value = _run(tuple(code), {})
    except (ArithmeticError, ValueError) as error:
        segment = ast.get_source_segment(text, node) or ""
        if isinstance(error, OverflowError) or "overflows" in str(error):
            value = math.inf  # said below, in the expression's terms
        else:
            raise _reject(segment, node.col_offset, f"cannot be computed: {error}") from None
    if not math.isfinite(value):
        segment = ast.get_source_segment(text, node) or ""
        raise _reject(
            segment, node.col_offset, "this part overflows to infinity; use smaller numbers"
        )
    return [(_CONST, value, None)]


def _is_constant(code: list[Instruction]) -> bool:
    return len(code) == 1 and code[0][0] == _CONST


def _combine(node: ast.AST, parts: list[list[Instruction]], text: str) -> list[Instruction]:
    """The code of `node`, given its children's code; constant parts are folded."""
    if isinstance(node, ast.Constant):
        try:
            value = float(node.value)
        except OverflowError:
            value = math.inf
        if not math.isfinite(value):
            segment = ast.get_source_segment(text, node) or repr(node.value)
            raise _reject(segment, node.col_offset, "this number is too large for a float")
        return [(_CONST, value, None)]
    if isinstance(node, ast.Name):
        return [(_VAR, node.id, None)]
    if isinstance(node, ast.BinOp):
        left, right = parts
        code = left + right + [(_BINARY_OP, _BINARY[type(node.op)], None)]
    elif isinstance(node, ast.UnaryOp):
        (operand,) = parts
        code = operand + [(_NEG if isinstance(node.op, ast.USub) else _POS, None, None)]
    else:
        assert isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
        name = node.func.id
        if name == "leaky_relu" and len(parts) == 2 and not _is_constant(parts[1]):
            slope = node.args[1]
            raise _reject(
                ast.get_source_segment(text, slope) or "",
                slope.col_offset,
                "the slope of leaky_relu must be a number, not depend on a variable",
            )
        code = [instruction for part in parts for instruction in part]
        code.append((_CALL, name, len(parts)))
    if all(_is_constant(part) for part in parts):
        return _fold(code, text, node)
    return code


def _compile(tree: ast.Expression, text: str) -> tuple[list[Instruction], list[tuple[int, str]]]:
    """Check every node of `tree` and turn it into a program; also list the names seen."""
    # Post-order walk with an explicit stack: no recursion, whatever the input.
    done: list[list[Instruction]] = []
    work: list[tuple[ast.AST, bool]] = [(tree.body, False)]
    names: list[tuple[int, str]] = []
    while work:
        node, children_done = work.pop()
        if not children_done:
            _validate(node, text)
            if isinstance(node, ast.Name):
                names.append((node.col_offset, node.id))
            work.append((node, True))
            work.extend((child, False) for child in reversed(_children(node)))
            continue
        count = len(_children(node))
        parts = done[len(done) - count :] if count else []
        del done[len(done) - count :]
        done.append(_combine(node, parts, text))
    (program,) = done
    return program, names


def compile_expression(text: str) -> Expression:
    """Parse `text` with the whitelist above and return it as an Expression.

    Raises ExpressionError (a ValueError) naming the first offending token and
    its 0-based position.

    >>> compile_expression("2*x + exp(y)").variables
    ('x', 'y')
    >>> compile_expression("x.__class__")
    Traceback (most recent call last):
    ...
    autograd.errors.ExpressionError: '.__class__' at position 1: attribute access ...
    """
    if not isinstance(text, str):
        raise TypeError(
            f"compile_expression needs a str, got {type(text).__name__}; "
            "pass the formula as text, e.g. compile_expression('x**2')"
        )
    _prescan(text)
    # Newlines and tabs become spaces (same length, so columns stay positions in
    # text); leading spaces are cut because Python would read them as indentation.
    flat = text.replace("\t", " ").replace("\n", " ").replace("\r", " ")
    body = flat.lstrip()
    if not body.strip():
        raise _reject(text, 0, "the expression is empty; write a formula such as 'x**2 * sin(y)'")
    shift = len(flat) - len(body)
    try:
        program, names = _compile(_parse(body), body)
    except ExpressionError as error:
        if not shift:
            raise
        message = str(error).replace(
            f"at position {error.position}:", f"at position {error.position + shift}:", 1
        )
        raise ExpressionError(message, error.position + shift, error.token) from None
    variables = tuple(dict.fromkeys(name for _, name in sorted(names)))
    return Expression(text, variables, tuple(program))
