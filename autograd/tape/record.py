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
    the op rows, and stops at the first difference: another op or constant,
    another input or parameter, or a node standing for two rows (or two nodes
    for one row). The order in which f made the nodes does not matter.
    `boundary` is the creation index of the first node made for this call: a
    leaf older than that is not a constant. `made_inside` are the declared
    parameters that are not leaves: each must stand for a parameter row.
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
    node_of: list[Any] = [None] * len(r.rows)
    for node, i in zip(outs, r.outputs):
        if node_of[i] is not None and node_of[i] is not node:
            return False
        node_of[i] = node
    try:
        if not _walk(pattern.operations, node_of):
            return False
    except (AttributeError, ValueError):  # no node for a row, or another number of parents
        return False
    # The leaves, each handed down by the rows that read it.
    if pattern.leaves and pattern.leaf_nodes(node_of) != pattern.leaf_values:
        return False  # compared by identity: Values have no == of their own
    for i, position in pattern.inputs:
        if node_of[i] is not None and node_of[i] is not placeholders[position]:
            return False
    for i, number in pattern.constants:
        node = node_of[i]
        if node is None or not node.is_leaf or node.creation_index < boundary:
            return False
        c = node.data
        if node in placeholders or (c != number and (c == c or number == number)):
            return False
    if made_inside and any(node_of[i] in made_inside for i, *_ in pattern.operations):
        return False  # a declared parameter where the recording has an operation
    unused = sum(node_of[i] is None for i, _ in pattern.inputs)  # inputs f does not use
    distinct = set(node_of)
    distinct.discard(None)
    return len(distinct) == len(node_of) - unused  # no node stands for two rows


def _walk(operations: list[tuple[Any, ...]], node_of: list[Any]) -> bool:
    """Compare each op row with its node, last row first, handing each node's parents down.

    Children come after their parents, so by the time a row is reached, the
    rows that read it have said which node it is. Reading a node costs a
    property call, so a two-parent op reads two (its op and its parents): by
    construction such a node has no constant.
    """
    for i, op, k, a, b in operations:
        node = node_of[i]
        if node.operation is not op:
            return False
        if b >= 0:
            p, q = node.parents
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
        else:
            c = node.constant
            if c != k and (c == c or k == k):  # NaN equals NaN here
                return False
            (p,) = node.parents
            seen = node_of[a]
            if seen is None:
                node_of[a] = p
            elif seen is not p:
                return False
    return True


@dataclass
class _Pattern:
    """A recording as the guard's comparison reads it, made once per recording."""

    operations: list[tuple[Any, ...]]
    """(row, op, constant, first parent, second parent or -1) for each op row, last first."""
    leaves: tuple[int, ...]
    leaf_values: tuple[Value, ...]
    inputs: list[tuple[int, int]]
    """(row, position among f's inputs)."""
    constants: list[tuple[int, float]]

    def __post_init__(self) -> None:
        gather = operator.itemgetter(*self.leaves) if self.leaves else None
        if len(self.leaves) == 1:  # itemgetter of one index gives the item, not a tuple
            self.leaf_nodes = lambda nodes: (gather(nodes),)  # type: ignore[misc]
        else:
            self.leaf_nodes = gather  # type: ignore[assignment]


def _pattern(r: Recording) -> _Pattern:
    pattern = r.pattern
    if pattern is None:
        operations = []
        for row in reversed(r.rows):
            if row.kind == OP:
                a, b = (
                    (row.parents[0], row.parents[1])
                    if len(row.parents) == 2
                    else (row.parents[0], -1)
                )
                operations.append((row.index, row.op, row.constant, a, b))
        pattern = r.pattern = _Pattern(
            operations,
            tuple(i for i, _ in r.leaves),
            tuple(v for _, v in r.leaves),
            [(i, p) for p, i in enumerate(r.input_rows)],
            [(row.index, row.constant) for row in r.rows if row.kind == CONSTANT],
        )
    return pattern


def _as_outputs(result: Any, f: Callable[..., Any]) -> tuple[Value, ...]:
    if isinstance(result, (list, tuple)) and result and all(isinstance(v, Value) for v in result):
        return tuple(result)
    raise TraceError(
        f"{name(f)} returned {type(result).__name__} {result!r:.60}; a tape records f's "
        "graph, so f must return a Value or a list of Values computed from its inputs"
    )
