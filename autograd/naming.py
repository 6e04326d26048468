"""How explanations and drawings write a node's name and a number.

A node is called by its label. Nodes without one get short automatic names,
`n1, n2, ...`, numbered in creation order among the unlabelled nodes of the
graph being shown, so the same code always prints the same names (never an
`id()` number, which changes from run to run). A label used by several nodes
is kept for the first and numbered for the others (w, w_2, w_3), so that every
name in an explanation points at one node.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence

from autograd.value import Value

__all__ = ["node_names", "format_number", "substitute"]


def node_names(order: Sequence[Value]) -> dict[Value, str]:
    """A display name for every node of `order`, numbered in creation order.

    >>> from autograd import Value, topological_order
    >>> x = Value(2.0, label="x")
    >>> y = x * 3 + 1
    >>> [node_names(topological_order(y))[n] for n in topological_order(y)]
    ['x', 'n1', 'n2', 'n3', 'n4']
    """
    taken = {node.label for node in order if node.label}
    names: dict[Value, str] = {}
    seen: dict[str, int] = {}
    counter = 0
    for node in sorted(order, key=_creation_index):
        label = node.label
        if label:
            uses = seen[label] = seen.get(label, 0) + 1
            if uses == 1:
                names[node] = label
                continue
            while f"{label}_{uses}" in taken:
                uses += 1
            seen[label] = uses
            names[node] = f"{label}_{uses}"
            taken.add(names[node])
            continue
        counter += 1
        while f"n{counter}" in taken:  # a user label already says n3: skip that number
            counter += 1
        names[node] = f"n{counter}"
    return names


def _creation_index(node: Value) -> int:
    return node.creation_index


def format_number(x: float | None, digits: int = 4, *, point: bool = True) -> str:
    """x with `digits` significant digits, written as a float: 2.0, -0.1235, 1.235e+06.

    `point=False` writes a whole number without its '.0' (2, not 2.0), as the
    report tables of the checks do; None, a number that is absent, is '-'.

    >>> format_number(2.0), format_number(-0.123456), format_number(1234567.0)
    ('2.0', '-0.1235', '1.235e+06')
    >>> format_number(2.0, 8, point=False), format_number(0.123456789, 8), format_number(None)
    ('2', '0.12345679', '-')
    """
    if x is None:
        return "-"
    if not isinstance(x, (int, float)):
        x = float(getattr(x, "data", x))
    if math.isnan(x):
        return "nan"
    if x == 0.0:
        return "0.0" if point else "0"  # also for -0.0, which only confuses a reader
    text = f"{x:.{digits}g}"
    if point and text.lstrip("-").isdigit():
        text += ".0"  # 2.0 reads as the float it is, as Python prints it
    return text


_NAME = re.compile(r"\b(a|b|k|out)\b")


def substitute(formula: str, names: dict[str, str]) -> str:
    """The formula with each of a, b, k, out replaced by names[...] (whole words only).

    >>> substitute("out * (1 - out)", {"out": "s"})
    's * (1 - s)'
    """
    return _NAME.sub(lambda m: names.get(m.group(1), m.group(1)), formula)
