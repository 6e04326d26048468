"""Recording: run f once on Values and write its graph down as rows.

f is called on one Value per input. Its graph is then read back from the
outputs through the nodes' public surface (operation, parents, constant,
is_leaf, creation_index, label), in creation order, so parents come before
children. A leaf made before the call is a parameter, read live on every
replay; a leaf f made from a plain number is a constant.
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from autograd.errors import DomainError, TraceError
from autograd.recording import enable_grad, is_grad_enabled
from autograd.tape.arguments import name
from autograd.tape.failures import at_index, where
from autograd.tape.rows import (
    BATCH,
    CALL,
    CONSTANT,
    FIXED,
    INPUT,
    OP,
    PARAM,
    Recording,
    TapeRow,
)
from autograd.value import Value

__all__ = ["Recorder", "Run", "same_graph"]

_creation_index = operator.attrgetter("creation_index")


@dataclass
class Run:
    """One call of f on Values: the graph's nodes in creation order, and what f returned."""

    order: list[Value]
    single: bool
    outs: tuple[Value, ...]
    placeholders: list[Value]
    """The Values that stood for the inputs."""
    boundary: int
    """The creation index of the first node made for this call: older leaves are parameters."""


class Recorder:
    """Calls f on Values at an example and writes the graph it makes down."""

    def __init__(
        self, f: Callable[..., Any], names: list[str], declared: list[Value] | None
    ) -> None:
        self.f = f
        self.names = names
        self.declared = declared
        """The parameters the caller named, or None for every Value f read."""
        self.made_inside = {v for v in declared or () if not v.is_leaf}
        """The declared parameters that some operation made (not leaves)."""

    def record(
        self, point: list[float], row: int | None = None, shape: tuple[int, ...] = ()
    ) -> Recording:
        """Run f once on Values holding `point` (example `row` of a batch) and write it down."""
        if is_grad_enabled():
            return self._rows(self.run(point, row, shape), point)
        with enable_grad():
            return self._rows(self.run(point, row, shape), point)

    def same_at(
        self, recording: Recording, point: list[float], row: int, shape: tuple[int, ...]
    ) -> bool:
        """Whether f, run at `point` (example `row` of a batch), makes the recorded graph."""
        boundary = Value(0.0).creation_index
        if is_grad_enabled():
            result, placeholders = self.call(point, row, shape)
        else:
            with enable_grad():
                result, placeholders = self.call(point, row, shape)
        return same_graph(recording, result, placeholders, self.made_inside, boundary)

    def call(
        self, point: list[float], batch_row: int | None, shape: tuple[int, ...]
    ) -> tuple[Any, list[Value]]:
        """f's result on Values holding `point`, and those Values (the placeholders)."""
        placeholders = [Value(x, label=n) for x, n in zip(point, self.names)]
        try:
            return self.f(*placeholders), placeholders
        except DomainError as error:
            if batch_row is None:
                raise
            at = where(self.names, batch_row, point, shape)
            raise at_index(DomainError(f"{error}, {at}"), batch_row) from None

    def run(self, point: list[float], batch_row: int | None, shape: tuple[int, ...]) -> Run:
        """Call f on Values holding `point` and collect the nodes its outputs depend on."""
        boundary = Value(0.0).creation_index
        result, placeholders = self.call(point, batch_row, shape)
        single = isinstance(result, Value)
        outs = (result,) if single else _as_outputs(result, self.f)
        stops = set(self.declared or ())  # membership only: order comes from creation
        nodes = set(placeholders)
        stack = list(outs)
        while stack:
            node = stack.pop()
            if node in nodes:
                continue
            nodes.add(node)
            if node not in stops:
                stack.extend(node.parents)
        order = sorted(nodes, key=_creation_index)  # attrgetter: no Python frame per node
        return Run(order, single, outs, placeholders, boundary)

    def _rows(self, run: Run, point: list[float]) -> Recording:
        stops = set(self.declared or ())
        index = {v: i for i, v in enumerate(run.order)}
        inputs = set(run.placeholders)
        rows: list[TapeRow] = []
        leaves: list[tuple[int, Value]] = []
        folded: dict[int, float] = {}
        for i, node in enumerate(run.order):
            if node in inputs:
                kind, varies, parents, constant = INPUT, BATCH, (), None
            elif node in stops or (node.is_leaf and node.creation_index < run.boundary):
                kind, varies, parents, constant = PARAM, CALL, (), None
                leaves.append((i, node))
            elif node.is_leaf:
                kind, varies, parents, constant = CONSTANT, FIXED, (), node.data
                folded[i] = node.data
            else:
                parents = tuple(index[p] for p in node.parents)
                kind, constant = OP, node.constant
                seen = {rows[p].varies for p in parents}
                varies = BATCH if BATCH in seen else CALL if CALL in seen else FIXED
                if varies == FIXED:
                    folded[i] = node.data
            rows.append(TapeRow(i, kind, node.operation, parents, constant, node.label, varies))
        outputs = tuple(index[v] for v in run.outs)
        return Recording(rows, outputs, run.single, leaves, folded, list(point))


def same_graph(
    r: Recording, result: Any, placeholders: list[Value], made_inside: set[Value], boundary: int
) -> bool:
    """Whether the graph f returned is the recorded one, node for row.

    This runs on every call of a tape that checks itself, so it walks the new
    graph back from its outputs alongside the recorded rows, in one loop over
    the rows, and stops at the first difference: another op or constant,
    another input or parameter, or a node standing for two rows (or two nodes
    for one row). The order in which f
    made the nodes does not matter. `boundary` is the creation index of the
    first node made for this call: a leaf older than that is not a constant.
    `made_inside` are the declared parameters that are not leaves: each must
    stand for a parameter row, not an op.
    """
    single = isinstance(result, Value)
    if single != r.single:
        return False
    outs = (result,) if single else result
    if not isinstance(outs, (list, tuple)) or len(outs) != len(r.outputs):
        return False
    if not all(isinstance(v, Value) for v in outs):
        return False
    pattern = _pattern(r)
    node_of: list[Any] = [None] * len(pattern)
    for node, i in zip(outs, r.outputs):
        if node_of[i] is not None and node_of[i] is not node:
            return False
        node_of[i] = node
    try:
        if not _walk(pattern, node_of, placeholders, boundary):
            return False
    except ValueError:  # a node with another number of parents than its row
        return False
    if made_inside and any(
        node in made_inside and pattern[i][0] != _LEAF for i, node in enumerate(node_of)
    ):
        return False  # a declared parameter where the recording has an operation
    return len(set(node_of)) == len(node_of)  # no node stands for two rows


def _walk(
    pattern: list[tuple[Any, ...]], node_of: list[Any], placeholders: list[Value], boundary: int
) -> bool:
    """Compare each row with its node, last row first, handing each node's parents down.

    Children come after their parents, so by the time a row is reached, the
    rows that read it have said which node it is. Reading a node costs a
    property call, so a two-parent op reads two (its op and its parents): by
    construction such a node has no constant.
    """
    for i in range(len(pattern) - 1, -1, -1):
        node = node_of[i]
        if node is None:
            return False
        code, x, k, parents = pattern[i]
        if code == _BINARY:
            if node.operation is not x:
                return False
            p, q = node.parents
            a, b = parents
            seen = node_of[a]
            if seen is None:
                node_of[a] = p
            elif seen is not p:
                return False
            seen = node_of[b]
            if seen is None:
                node_of[b] = q
            elif seen is not q:
                return False
        elif code == _LEAF:
            if node is not x:
                return False
        elif code == _UNARY:
            if node.operation is not x:
                return False
            c = node.constant
            if c != k and (c == c or k == k):  # NaN equals NaN here
                return False
            (p,) = node.parents
            (a,) = parents
            seen = node_of[a]
            if seen is None:
                node_of[a] = p
            elif seen is not p:
                return False
        elif code == _INPUT:
            if node is not placeholders[x]:
                return False
        else:  # a constant: a leaf f made, holding the same number
            if not isinstance(node, Value) or not node.is_leaf:
                return False
            if node.creation_index < boundary or node in placeholders:
                return False
            c = node.data
            if c != k and (c == c or k == k):
                return False
    return True


_BINARY, _LEAF, _UNARY, _INPUT, _CONSTANT = 0, 1, 2, 3, 4


def _pattern(r: Recording) -> list[tuple[Any, ...]]:
    """Each row as (what it is, op or Value or input position, constant, parents), made once."""
    pattern = r.pattern
    if pattern is None:
        leaf = dict(r.leaves)
        position = {i: p for p, i in enumerate(r.input_rows)}
        pattern = []
        for row in r.rows:
            if row.kind == OP:
                code = _BINARY if len(row.parents) == 2 else _UNARY
                pattern.append((code, row.op, row.constant, row.parents))
            elif row.kind == PARAM:
                pattern.append((_LEAF, leaf[row.index], None, ()))
            elif row.kind == INPUT:
                pattern.append((_INPUT, position[row.index], None, ()))
            else:
                pattern.append((_CONSTANT, None, row.constant, ()))
        r.pattern = pattern
    return pattern


def _as_outputs(result: Any, f: Callable[..., Any]) -> tuple[Value, ...]:
    if isinstance(result, (list, tuple)) and result and all(isinstance(v, Value) for v in result):
        return tuple(result)
    raise TraceError(
        f"{name(f)} returned {type(result).__name__} {result!r:.60}; a tape records f's "
        "graph, so f must return a Value or a list of Values computed from its inputs"
    )
