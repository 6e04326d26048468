"""The course's "your turn" checks: compare a learner's answer with the right one, in words.

A notebook's exercise is two cells: one the learner edits (it starts with a
placeholder, `...`), and a check cell that calls `check`. The check prints one
line, a verdict, and returns True or False; it never raises on a wrong or
missing answer, so a notebook committed with its placeholders still runs top
to bottom. In a notebook, end the call with `;` so that Jupyter does not echo
the True or False; for an answer worked out by hand and rounded, pass a looser
`rel` (1e-3 accepts three significant digits).

>>> check("dL/dw", -12.0, -12.0)
right: dL/dw = -12
True
>>> check("dL/dw", 12.0, -12.0, hint="mind the sign of (y_pred - y)")
not yet: dL/dw is 12, but it should be -12. Hint: mind the sign of (y_pred - y)
False
>>> check("dL/dw", ..., -12.0)
not yet: dL/dw is still `...`: replace it with your answer
False
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import Any

from autograd import Value

__all__ = ["check", "check_gradient"]


class _NotComparable(Exception):
    """The answer has another shape or kind than the expected one (a list for a number...)."""


def _plain(x: Any) -> Any:
    """A Value as its number; a numpy array, a tuple or a set as a list; others as given.

    A set becomes a sorted list, so that it prints the same in every run (a set of
    strings prints in an order that changes from one interpreter to the next).
    """
    if isinstance(x, Value):
        return x.data
    if hasattr(x, "tolist"):
        return x.tolist()
    if isinstance(x, tuple):
        return list(x)
    if isinstance(x, (set, frozenset)):
        return sorted(x, key=repr)
    return x


def _is_number(x: Any) -> bool:
    return isinstance(x, (int, float)) and not isinstance(x, bool)


def _agree(got: Any, expected: Any, rel: float, atol: float) -> bool:
    """Numbers agree within rel (relative) or atol (absolute); lists item by item; others by ==."""
    got, expected = _plain(got), _plain(expected)
    if isinstance(expected, list):
        if not isinstance(got, list) or len(got) != len(expected):
            raise _NotComparable
        return all(_agree(g, e, rel, atol) for g, e in zip(got, expected))
    if isinstance(expected, bool):
        if not isinstance(got, bool):
            raise _NotComparable
        return got == expected
    if _is_number(expected):
        if not _is_number(got):
            raise _NotComparable
        return math.isclose(got, expected, rel_tol=rel, abs_tol=atol)
    return got == expected


def _text(x: Any) -> str:
    """A short, stable rendering: numbers to 10 significant digits, sets sorted."""
    if isinstance(x, (set, frozenset)):
        return "{" + ", ".join(_text(item) for item in _plain(x)) + "}"
    x = _plain(x)
    if isinstance(x, list):
        return "[" + ", ".join(_text(item) for item in x) + "]"
    if _is_number(x):
        return f"{x:.10g}"
    return "..." if x is ... else repr(x)


def _kind(x: Any) -> str:
    """What kind of answer `x` is, in words: 'a number', 'a list of 3', 'True or False'."""
    if isinstance(x, (set, frozenset)):
        return f"a set of {len(x)}"
    x = _plain(x)
    if isinstance(x, list):
        return f"a list of {len(x)}"
    if isinstance(x, bool):
        return "True or False"
    return "a number" if _is_number(x) else f"a {type(x).__name__}"


def _contains_placeholder(x: Any) -> bool:
    x = _plain(x)
    if isinstance(x, list):
        return any(_contains_placeholder(item) for item in x)
    return x is ... or x is None


def check(
    name: str,
    got: Any,
    expected: Any,
    hint: str = "",
    rel: float = 1e-6,
    atol: float = 1e-12,
) -> bool:
    """Print whether `got` is `expected` (numbers within `rel`, or `atol` near 0); return it.

    `got` and `expected` may be numbers, Values (their `.data` is compared),
    lists, tuples or numpy arrays of those (item by item), sets (in any order),
    or anything `==` compares (a string, a bool). A `...` or None in `got` is an answer not given
    yet. A wrong answer, even one of another kind or length, prints what was expected, then
    `hint`; nothing raises.
    """
    if _contains_placeholder(got):
        hint_text = f". Hint: {hint}" if hint else ""
        print(f"not yet: {name} is still `{_text(got)}`: replace it with your answer{hint_text}")
        return False
    try:
        right = _agree(got, expected, rel, atol)
    except _NotComparable:
        print(
            f"not yet: {name} is {_text(got)} ({_kind(got)}), but it should be "
            f"{_text(expected)} ({_kind(expected)})" + (f". Hint: {hint}" if hint else "")
        )
        return False
    if right:
        print(f"right: {name} = {_text(got)}")
        return True
    print(
        f"not yet: {name} is {_text(got)}, but it should be {_text(expected)}"
        + (f". Hint: {hint}" if hint else "")
    )
    return False


def check_gradient(
    name: str,
    f: Callable[..., Any],
    at: Mapping[str, float],
    got: Mapping[str, Any],
    hint: str = "",
    rel: float = 1e-6,
) -> bool:
    """Check a learner's partial derivatives of `f` at the point `at`, one line per input.

    `f` takes one Value per entry of `at`, in its order, and returns a Value;
    `got` maps each input's name to the learner's dL/d(name). The right values
    come from backward() on chainrule's Value.

    >>> check_gradient("L", lambda w, b: (2 * w + b - 1) ** 2, {"w": 1.0, "b": 0.0},
    ...                {"w": 4.0, "b": ...})
    right: dL/dw = 4
    not yet: dL/db is still `...`: replace it with your answer
    False
    """
    leaves = [Value(float(value), label=key) for key, value in at.items()]
    out = f(*leaves)
    out.backward()
    results = [
        check(f"d{name}/d{leaf.label}", got.get(leaf.label, ...), leaf.grad, hint, rel)
        for leaf in leaves
    ]
    return all(results)
