"""Finding the matrices: the dense structure hidden in a recorded graph.

Recorded node by node, a network's graph is thousands of scalar rows. But
its shape is regular, and the rows say so:

- a neuron is a chain b + w0*x0 + w1*x1 + ... (nn's weighted_sum builds it
  node for node): a start, then one `+` per product of a weight (a parameter
  or a number) with an input that varies per example;
- neurons that read the same input rows, each with its own weights, are a
  layer: one matrix product x @ W.T + b on a (batch, width) array;
- one op applied to every neuron of a layer (an activation) is one
  elementwise op on that array;
- a chain of `+` over a layer's outputs, or over terms made from parameters
  alone (the p*p of an L2 penalty), is one sum.

`find` returns these groups as blocks of row indices; blocks.py runs them.
Every row no block takes is replayed one numpy operation per row, as before.
A block is found only where it computes exactly what its rows do: a row
inside a chain must be used by that chain alone, and the `+` and `*` rows of
the table must hold their shipped rules (an ops.edit experiment on them
replays row by row, with the edited rule).
"""

from __future__ import annotations

import heapq
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from autograd import ops
from autograd.tape.rows import BATCH, CALL, FIXED, OP, PARAM, Recording

__all__ = ["Dense", "Elementwise", "Sum", "Block", "find", "schedule", "shipped_arithmetic"]

# The rules a matrix product stands for, as the table holds them when autograd is imported.
_SHIPPED = (ops.ADD.forward, ops.ADD.local, ops.MUL.forward, ops.MUL.local)


def shipped_arithmetic() -> bool:
    """Whether the table's + and * rows hold their shipped rules (no ops.edit in force)."""
    return (ops.ADD.forward, ops.ADD.local, ops.MUL.forward, ops.MUL.local) == _SHIPPED


@dataclass(frozen=True)
class Dense:
    """Neurons that read one input vector with weights of their own: x @ W.T + b."""

    outputs: tuple[int, ...]
    """Each neuron's result (its last `+`), in creation order: the columns of the block."""
    inputs: tuple[int, ...]
    """The rows of x, the same for every neuron."""
    weights: tuple[tuple[int, ...], ...]
    """weights[j][i]: the row neuron j multiplies inputs[i] by (a parameter or a number)."""
    biases: tuple[int, ...] | None
    """The row each neuron starts from (a parameter or a number); None: the chains have none."""
    inner: tuple[int, ...]
    """The products and partial sums the matrix product replaces: never computed one by one."""


@dataclass(frozen=True)
class Elementwise:
    """One op of the table, with one constant, applied to every column of a block."""

    op: ops.Op
    constant: float | None
    source: int
    """The block it reads, by position in find()'s list."""
    outputs: tuple[int, ...]


@dataclass(frozen=True)
class Sum:
    """A chain start + t0 + t1 + ... summed at once.

    The terms are columns of a block (`source`, at `columns`), or, with
    source None, rows `op(a, b)` or `op(a, k)` of parameters and numbers alone.
    """

    output: int
    start: int | None
    """The row the chain starts from, or None when its first row is a term too."""
    source: int | None
    columns: tuple[int, ...]
    """For a block's columns: the position of each term among the block's outputs."""
    op: ops.Op | None
    """For parameter terms: the op that makes each term."""
    constant: float | None
    operands: tuple[tuple[int, ...], ...]
    """For parameter terms: each term's parent rows."""
    inner: tuple[int, ...]


Block = Dense | Elementwise | Sum


def find(r: Recording) -> list[Block]:
    """The layers, elementwise ops and sums of a recording, sources before their readers."""
    if not shipped_arithmetic():
        return []
    graph = _Graph(r)
    blocks: list[Block] = []
    neurons: dict[tuple[Any, ...], list[tuple[int, tuple[int, ...], int | None, list[int]]]]
    neurons = defaultdict(list)
    chains = []  # the chains that are not neurons: sums, perhaps
    for head in range(len(r.rows)):
        if graph.is_add(head) and not graph.continued(head):
            chain = graph.chain(head)
            neuron = graph.neuron(*chain)
            if neuron is None:
                chains.append(chain)
            else:
                end, weights, bias, x, inner = neuron
                neurons[x, bias is None].append((end, weights, bias, inner))
    taken: set[int] = set()
    for (x, _), group in neurons.items():
        block = Dense(
            outputs=tuple(end for end, _, _, _ in group),
            inputs=x,
            weights=tuple(w for _, w, _, _ in group),
            biases=None if group[0][2] is None else tuple(b for _, _, b, _ in group),
            inner=tuple(i for _, _, _, inner in group for i in inner),
        )
        blocks.append(block)
        taken.update(block.outputs, block.inner)
    position = 0  # elementwise ops over whole blocks; each new block may have its own
    while position < len(blocks):
        for op, constant, outputs in graph.elementwise(_outputs(blocks[position]), taken):
            blocks.append(Elementwise(op, constant, position, outputs))
            taken.update(outputs)
        position += 1
    members = {m: (b, j) for b, block in enumerate(blocks) for j, m in enumerate(_outputs(block))}
    for start, terms, adds in chains:
        block = graph.sum(start, terms, adds, members)
        if block is not None and not taken.intersection(block.inner, (block.output,)):
            blocks.append(block)
            taken.update(block.inner)
            taken.add(block.output)
    return blocks


class _Graph:
    """The questions find() asks of a recording's rows."""

    def __init__(self, r: Recording) -> None:
        self.rows = r.rows
        self.outputs = set(r.outputs)
        self.uses = [0] * len(r.rows)
        self.readers: list[list[int]] = [[] for _ in r.rows]
        for row in r.rows:
            for p in row.parents:
                self.uses[p] += 1
                self.readers[p].append(row.index)

    def alone(self, i: int) -> bool:
        """Used once and not returned: a row a block may swallow."""
        return self.uses[i] == 1 and i not in self.outputs

    def is_add(self, i: int) -> bool:
        row = self.rows[i]
        return row.kind == OP and row.op is ops.ADD and row.varies != FIXED

    def pooled(self, i: int) -> bool:
        """A parameter or a number: read once per call into the parameter vector."""
        return self.rows[i].kind == PARAM or self.rows[i].varies == FIXED

    def continued(self, i: int) -> bool:
        """Whether a `+` row is the left operand of the next `+` of its chain (not its head)."""
        if not self.alone(i):
            return False
        (reader,) = self.readers[i]
        return self.is_add(reader) and self.rows[reader].parents[0] == i

    def chain(self, head: int) -> tuple[int, list[int], list[int]]:
        """(start, terms, `+` rows) of the chain start + t0 + t1 + ... that ends at head."""
        adds = [head]
        while self.is_add(left := self.rows[adds[-1]].parents[0]) and self.alone(left):
            adds.append(left)
        adds.reverse()
        return self.rows[adds[0]].parents[0], [self.rows[i].parents[1] for i in adds], adds

    def product(self, i: int) -> tuple[int, int] | None:
        """(weight, input) for a row w * x of a pooled w and a per-example x."""
        row = self.rows[i]
        if row.kind != OP or row.op is not ops.MUL or not self.alone(i):
            return None
        a, b = row.parents
        if self.pooled(a) and self.rows[b].varies == BATCH:
            return a, b
        if self.pooled(b) and self.rows[a].varies == BATCH:
            return b, a
        return None

    def neuron(self, start: int, terms: list[int], adds: list[int]) -> Any:
        """(end, weights, bias, inputs, inner) for the chain's longest neuron, or None.

        The neuron is the chain up to its last product from the bottom; the `+`
        rows after it, if any, stay rows.
        """
        bias: int | None = start
        if self.product(start) is not None:  # w0*x0 + w1*x1 + ...: no bias
            terms, adds, bias = [start, *terms], [-1, *adds], None
        elif not self.pooled(start):
            return None
        run = _prefix(terms, self.product)
        if run == 0 or adds[run - 1] < 0:
            return None
        pairs = [self.product(t) for t in terms[:run]]
        weights = tuple(w for w, _ in pairs)  # type: ignore[misc]
        x = tuple(i for _, i in pairs)  # type: ignore[misc]
        inner = [i for i in adds[: run - 1] if i >= 0] + terms[:run]
        return adds[run - 1], weights, bias, x, inner

    def elementwise(
        self, members: tuple[int, ...], taken: set[int]
    ) -> list[tuple[ops.Op, float | None, tuple[int, ...]]]:
        """Every (op, constant, rows) where a one-parent row applies op to each member."""
        found: dict[tuple[Any, Any], list[int]] = {}
        for j, m in enumerate(members):
            for reader in self.readers[m]:
                row = self.rows[reader]
                if row.kind != OP or len(row.parents) != 1 or reader in taken:
                    continue
                slots = found.setdefault((row.op, row.constant), [-1] * len(members))
                if slots[j] < 0:
                    slots[j] = reader
        return [
            (op, constant, tuple(slots))
            for (op, constant), slots in found.items()
            if min(slots) >= 0 and constant == constant  # a NaN constant stays rows
        ]

    def parameter_term(self, i: int) -> tuple[Any, ...] | None:
        """(op, constant) of a row made from parameters and numbers alone, used once."""
        row = self.rows[i]
        if row.kind != OP or row.varies != CALL or not self.alone(i):
            return None
        if not all(self.pooled(p) for p in row.parents):
            return None
        return row.op, row.constant

    def sum(
        self,
        start: int,
        terms: list[int],
        adds: list[int],
        members: dict[int, tuple[int, int]],
    ) -> Sum | None:
        """The chain's longest sum over one block's columns or over parameter terms, or None."""
        first = members.get(terms[0])
        if first is not None:  # the columns of a block
            source = first[0]
            kind: Callable[[int], Any] = lambda t: members.get(t, (None,))[0] == source or None
            if kind(start):  # t0 + t1 + ...: the chain starts with a term
                terms, adds, start = [start, *terms], [-1, *adds], -1
        else:
            term = self.parameter_term(terms[0])
            if term is None:
                return None
            kind = lambda t: self.parameter_term(t) == term or None  # noqa: E731
            if kind(start):
                terms, adds, start = [start, *terms], [-1, *adds], -1
            elif self.rows[start].varies == BATCH:
                return None
        run = _prefix(terms, kind)
        if run < 2:
            return None
        end = adds[run - 1]
        inner = tuple(i for i in adds[: run - 1] if i >= 0)
        first_row = None if start < 0 else start
        if first is not None:
            if self.rows[end].varies != BATCH:
                return None
            columns = tuple(members[t][1] for t in terms[:run])
            return Sum(end, first_row, first[0], columns, None, None, (), inner)
        op, constant = self.parameter_term(terms[0])  # type: ignore[misc]
        operands = tuple(self.rows[t].parents for t in terms[:run])
        return Sum(end, first_row, None, (), op, constant, operands, inner + tuple(terms[:run]))


def _prefix(terms: list[int], accepts: Callable[[int], Any]) -> int:
    """How many terms, from the first, `accepts` takes (returns something not None for)."""
    n = 0
    while n < len(terms) and accepts(terms[n]) is not None:
        n += 1
    return n


def _outputs(block: Block) -> tuple[int, ...]:
    return (block.output,) if isinstance(block, Sum) else block.outputs


def schedule(r: Recording, blocks: list[Block]) -> list[Any] | None:
    """The order to run the blocks and the remaining op rows in, or None if there is none.

    Kahn's algorithm over the steps, each ready once what it reads is made,
    earliest row first: a block runs where its first row was recorded, unless
    something it reads comes later. Returns block positions and row indices.
    """
    rows = r.rows
    owner: dict[int, int] = {}  # row -> the block that computes it (or swallows it)
    for b, block in enumerate(blocks):
        for i in _outputs(block):
            owner[i] = b
        if not isinstance(block, Elementwise):
            for i in block.inner:
                owner[i] = b
    steps: list[tuple[str, int]] = [("block", b) for b in range(len(blocks))]
    steps += [
        ("row", row.index)
        for row in rows
        if row.kind == OP and row.varies != FIXED and row.index not in owner
    ]
    key = {step: n for n, step in enumerate(steps)}

    def made_by(i: int) -> tuple[str, int] | None:
        if i in owner:
            return ("block", owner[i])
        row = rows[i]
        if row.kind == OP and row.varies != FIXED:
            return ("row", i)
        return None  # an input, a parameter or a number: there from the start

    needs: dict[tuple[str, int], set[tuple[str, int]]] = {}
    for kind, n in steps:
        if kind == "row":
            reads = list(rows[n].parents)
            first = n
        else:
            block = blocks[n]
            reads = _reads(block, blocks)
            first = min(_outputs(block))
        needs[(kind, n)] = {s for i in reads if (s := made_by(i)) is not None} - {(kind, n)}
        key[(kind, n)] = first
    waiting = {step: len(deps) for step, deps in needs.items()}
    readers: dict[tuple[str, int], list[tuple[str, int]]] = defaultdict(list)
    for step, deps in needs.items():
        for d in deps:
            readers[d].append(step)
    ready = [(key[s], s) for s, count in waiting.items() if count == 0]
    heapq.heapify(ready)
    order = []
    while ready:
        _, step = heapq.heappop(ready)
        order.append(step)
        for reader in readers[step]:
            waiting[reader] -= 1
            if waiting[reader] == 0:
                heapq.heappush(ready, (key[reader], reader))
    return order if len(order) == len(steps) else None


def _reads(block: Block, blocks: list[Block]) -> list[int]:
    """The rows a block reads from outside itself."""
    if isinstance(block, Dense):
        return list(block.inputs)
    if isinstance(block, Elementwise):
        return list(_outputs(blocks[block.source]))
    reads = [] if block.start is None else [block.start]
    if block.source is not None:
        reads += list(_outputs(blocks[block.source]))
    return reads
