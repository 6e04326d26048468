"""Random graphs generated from the op table: every row, each applied inside its domain.

A hypothesis strategy for the tests that compare consumers of the table
(explain, forward mode, the tape) with backward on many graphs. Each step picks
a row of autograd.ops.BUILT_IN and applies it to earlier nodes, shifted into
the row's domain (tests/reference.py) by adding a constant, which keeps the
slope 1 so gradients still flow from every leaf.
"""

from __future__ import annotations

from collections.abc import Callable

from hypothesis import strategies as st

from autograd import Value, ops
from autograd.value import apply
from tests.reference import REFERENCES, TAKES_CONSTANT

KEYS = {op: key for key, op in ops.OPS.items() if op in ops.BUILT_IN}


def _moved(node: Value, target: float) -> Value:
    """node + (target - node.data): the value target, the slope 1."""
    return node + (target - node.data)


@st.composite
def random_functions(
    draw: st.DrawFn, max_steps: int = 10
) -> tuple[Callable[..., Value], list[float]]:
    """(f, point): f(*Values) applies 1 to max_steps rows of the table at point."""
    point = [draw(st.floats(-2, 2, allow_nan=False)) for _ in range(draw(st.integers(1, 3)))]
    steps = []
    for _ in range(draw(st.integers(1, max_steps))):
        op = draw(st.sampled_from(ops.BUILT_IN))
        key = KEYS[op]
        args = draw(REFERENCES[key].arguments)
        picks = draw(st.tuples(st.integers(0, 10**6), st.integers(0, 10**6)))
        steps.append((op, key, args, picks))

    def f(*xs: Value) -> Value:
        nodes = list(xs)
        for op, key, args, (i, j) in steps:
            a = _moved(nodes[i % len(nodes)], args[0])
            if op.arity == 2:
                nodes.append(apply(op, a, _moved(nodes[j % len(nodes)], args[1])))
            else:
                nodes.append(apply(op, a, args[1] if key in TAKES_CONSTANT else None))
        return nodes[-1]

    return f, point


@st.composite
def random_graphs(draw: st.DrawFn, max_steps: int = 10) -> tuple[Value, list[Value]]:
    """(root, leaves): a random function of the table, called on labelled leaves."""
    f, point = draw(random_functions(max_steps))
    leaves = [Value(x, label=f"x{i}") for i, x in enumerate(point)]
    return f(*leaves), leaves
