"""Recording: run f once on Values and write its graph down as rows.

f is called on one Value per input. Its graph is then read back from the
outputs through the nodes' public surface (operation, parents, constant,
is_leaf, creation_index, label), in creation order, so parents come before
children. A leaf made before the call is a parameter, read live on every
replay; a leaf f made from a plain number is a constant.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Sequence
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

__all__ = ["Recorder", "Run", "fingerprint"]

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

    def record(
        self, point: list[float], row: int | None = None, shape: tuple[int, ...] = ()
    ) -> Recording:
        """Run f once on Values holding `point` (example `row` of a batch) and write it down."""
        if is_grad_enabled():
            return self._rows(self.run(point, row, shape), point)
        with enable_grad():
            return self._rows(self.run(point, row, shape), point)

    def fingerprint_at(self, point: list[float], row: int, shape: tuple[int, ...]) -> list[Any]:
        """fingerprint of f's graph at `point`, without building its rows: the check's cost."""
        if is_grad_enabled():
            run = self.run(point, row, shape)
        else:
            with enable_grad():
                run = self.run(point, row, shape)
        return fingerprint(run, self.declared)

    def run(self, point: list[float], batch_row: int | None, shape: tuple[int, ...]) -> Run:
        """Call f on Values holding `point` and collect the nodes its outputs depend on."""
        boundary = Value(0.0).creation_index
        placeholders = [Value(x, label=n) for x, n in zip(point, self.names)]
        try:
            result = self.f(*placeholders)
        except DomainError as error:
            if batch_row is None:
                raise
            at = where(self.names, batch_row, point, shape)
            raise at_index(DomainError(f"{error}, {at}"), batch_row) from None
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
        recording = Recording(rows, outputs, run.single, leaves, folded, list(point))
        recording.fingerprint = fingerprint(run, self.declared)
        return recording


def fingerprint(run: Run, declared: Sequence[Value] | None) -> list[Any]:
    """The graph of one run as a flat list, quick to build and to compare.

    Two runs that make one graph give equal lists. This runs on every call of
    a tape that checks itself, so it builds plain tuples and nothing more. A
    NaN constant makes two equal graphs look different; the check then records
    in full and compares signatures (guard.py), which treat NaN as equal to itself.
    """
    index = {v: i for i, v in enumerate(run.order)}.get
    inputs = set(run.placeholders)
    stops = set(declared or ())
    result: list[Any] = []
    append = result.append
    for node in run.order:
        fn = node.operation
        if fn is not None and node not in stops:
            append((fn, *map(index, node.parents), node.constant))
        elif node in inputs:
            append(INPUT)
        elif node in stops or node.creation_index < run.boundary:
            append((PARAM, node.creation_index))
        else:
            append(node.data)  # a constant
    append((run.single, tuple(map(index, run.outs))))
    return result


def _as_outputs(result: Any, f: Callable[..., Any]) -> tuple[Value, ...]:
    if isinstance(result, (list, tuple)) and result and all(isinstance(v, Value) for v in result):
        return tuple(result)
    raise TraceError(
        f"{name(f)} returned {type(result).__name__} {result!r:.60}; a tape records f's "
        "graph, so f must return a Value or a list of Values computed from its inputs"
    )
