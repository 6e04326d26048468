"""The replay row by row: each row of the tape is one numpy operation over the whole batch.

The forward pass calls each row's `forward` from the op table on its parents'
arrays. The backward pass is the scalar engine's chain rule, row by row in
reverse, with the table's own `local` derivatives, which work on arrays too. A
parameter is shared by every example, so its gradient is the sum of the
per-example gradients: the gradient of the sum of the outputs.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from autograd.ops import ARITHMETIC_NAMES, check_overflow
from autograd.tape.failures import backward_error_at, forward_error
from autograd.tape.rows import BATCH, CALL, FIXED, OP, Recording, TapeRow

__all__ = [
    "RowReplay",
    "RowFailure",
    "first_values",
    "seeded",
    "arithmetic_finite",
    "forward_step",
    "backward_step",
    "forward_rows",
    "backward_rows",
    "needs_of",
    "flow",
    "chain",
    "SKIP",
    "EACH",
    "SUMMED",
    "SHARED",
]

# How a local derivative reaches a parent: not at all, into a per-example
# gradient, summed over the batch into a shared one, or shared into shared.
SKIP, EACH, SUMMED, SHARED = 0, 1, 2, 3


def first_values(
    r: Recording,
    columns: list[np.ndarray],
    leaves: list[tuple[int, Any]] | None = None,
    size: int = 0,
) -> list[Any]:
    """What a replay starts from: the inputs, the parameters read live (`leaves`), the numbers."""
    values: list[Any] = [None] * max(size, len(r.rows))
    for i, column in zip(r.input_rows, columns):
        values[i] = column
    for i, value in r.leaves if leaves is None else leaves:
        values[i] = float(value.data)
    for i, value in r.folded.items():
        values[i] = value
    return values


def seeded(r: Recording, seeds: list[Any], n: int, size: int = 0) -> list[Any]:
    """The gradients a backward pass starts from: each output's weight, none elsewhere.

    A per-call output's weight is summed over the n examples: the output is
    the same for each, so the gradient of their sum counts it n times.
    """
    grads: list[Any] = [None] * max(size, len(r.rows))
    for i, seed in zip(r.outputs, seeds):
        if r.rows[i].varies == FIXED:
            continue
        if r.rows[i].varies == CALL:
            seed = float(np.sum(seed)) if type(seed) is np.ndarray else seed * n
        grads[i] = seed if grads[i] is None else grads[i] + seed
    return grads


def arithmetic_finite(values: list[Any], batch: list[int], shared: list[int]) -> bool:
    """Whether every + - * / result of the pass is finite: one numpy check, not one a row."""
    if batch:
        try:
            if not np.isfinite(np.concatenate([values[i] for i in batch])).all():
                return False
        except ValueError:  # not all 1-d: let the row-by-row search decide
            return False
    return all(math.isfinite(values[i]) for i in shared)


class RowFailure(Exception):
    """A row's rule raised: which row, and the error (its __cause__)."""

    def __init__(self, row: int) -> None:
        super().__init__(row)
        self.row = row


def forward_step(row: TapeRow) -> tuple[Any, ...]:
    """An op row as the forward loop unpacks it: (row, rule, a, b or -1, k)."""
    b = row.parents[1] if len(row.parents) == 2 else -1
    return (row.index, row.op.forward, row.parents[0], b, row.constant)


def forward_rows(program: list[tuple[Any, ...]], values: list[Any]) -> None:
    """Run forward steps in order, each one numpy operation (or one float operation)."""
    i = -1
    try:
        for i, rule, a, b, k in program:
            values[i] = rule(values[a], values[b] if b >= 0 else k)
    except (ArithmeticError, ValueError) as error:
        raise RowFailure(i) from error


def needs_of(r: Recording, wanted: tuple[int, ...]) -> list[bool]:
    """For each row, whether one of the wanted rows is among its ancestors (itself included)."""
    needs = [False] * len(r.rows)
    for row in r.rows:
        needs[row.index] = row.index in wanted or any(needs[p] for p in row.parents)
    return needs


def flow(parent: TapeRow, row: TapeRow, needs: list[bool]) -> int:
    """How row's gradient reaches parent: not at all, per example, summed over the batch, shared."""
    if not needs[parent.index]:
        return SKIP
    if parent.varies == BATCH:
        return EACH
    return SUMMED if row.varies == BATCH else SHARED


def backward_step(row: TapeRow, rows: list[TapeRow], needs: list[bool]) -> tuple[Any, ...]:
    """An op row as the backward loop unpacks it, with how its gradient reaches each parent."""
    flows = [flow(rows[p], row, needs) for p in row.parents]
    b = row.parents[1] if len(row.parents) == 2 else -1
    to_b = flows[1] if len(flows) == 2 else SKIP
    return (row.index, row.op.local, row.parents[0], b, row.constant, flows[0], to_b)


def backward_rows(
    program: list[tuple[Any, ...]], values: list[Any], grads: list[Any], n: int
) -> None:
    """The chain rule at each backward step: parent gradient += local derivative * gradient."""
    i = -1
    try:
        for i, local, a, b, k, to_a, to_b in program:
            g = grads[i]
            if g is None:
                continue
            v = values[i]
            if b < 0:
                (da,) = local(v, values[a], k)
            else:
                da, db = local(v, values[a], values[b])
                if to_b:
                    c = chain(db, g, to_b, n)
                    grads[b] = c if grads[b] is None else grads[b] + c
            if to_a:
                c = chain(da, g, to_a, n)
                grads[a] = c if grads[a] is None else grads[a] + c
    except (ArithmeticError, ValueError) as error:
        raise RowFailure(i) from error


class RowReplay:
    """The recording compiled to flat tuples that the two loops unpack, one per op row."""

    def __init__(self, recording: Recording, names: list[str]) -> None:
        self.recording = recording
        self.names = names
        self.program = [
            forward_step(row) for row in recording.rows if row.kind == OP and row.varies != FIXED
        ]
        arithmetic = [
            row
            for row in recording.rows
            if row.kind == OP and row.varies != FIXED and row.op.name in ARITHMETIC_NAMES
        ]
        self.arithmetic = [(row.index, row.op, *row.parents) for row in arithmetic]
        self.arithmetic_batch = [row.index for row in arithmetic if row.varies == BATCH]
        self.arithmetic_shared = [row.index for row in arithmetic if row.varies == CALL]
        self.backward_programs: dict[tuple[int, ...], list[tuple[Any, ...]]] = {}

    # -- forward ------------------------------------------------------------------------

    def forward(self, columns: list[np.ndarray], shape: tuple[int, ...]) -> list[Any]:
        """Every row's value on the batch: an array per example, or a float."""
        r = self.recording
        values = first_values(r, columns)
        try:
            with np.errstate(all="ignore"):  # every domain check is explicit, in ops.py
                forward_rows(self.program, values)
        except RowFailure as failure:
            # The scalar engine would have stopped at an overflow before that row, if any.
            i, error = self._first_overflow(values, failure.row, failure.__cause__)
            raise forward_error(error, r, i, values, columns, shape, self.names) from None
        i = len(values)
        finite = self._arithmetic_finite(values)
        if not finite:  # an overflow somewhere: find the first
            i, overflow = self._first_overflow(values, i, None)
            if overflow is not None:
                raise forward_error(overflow, r, i, values, columns, shape, self.names) from None
        return values

    def _arithmetic_finite(self, values: list[Any]) -> bool:
        return arithmetic_finite(values, self.arithmetic_batch, self.arithmetic_shared)

    def _first_overflow(
        self, values: list[Any], before: int, error: Exception | None
    ) -> tuple[int, Exception | None]:
        """The first + - * / row before `before` that overflowed from finite operands."""
        with np.errstate(all="ignore"):
            for i, op, a, b in self.arithmetic:
                if i >= before:
                    break
                try:
                    check_overflow(op.forward, values[i], values[a], values[b])
                except OverflowError as overflow:
                    if type(values[i]) is not np.ndarray:
                        overflow.batch_index = None  # type: ignore[attr-defined]
                    return i, overflow
        return before, error

    # -- backward -----------------------------------------------------------------------

    def backward(
        self, values: list[Any], shape: tuple[int, ...], wanted: tuple[int, ...], seeds: list[Any]
    ) -> list[Any]:
        """Each row's gradient: of the sum of the outputs weighted by `seeds`, per example.

        Only rows between the outputs and the `wanted` rows are visited. A
        parameter row's gradient is a float, summed over the batch.
        """
        r = self.recording
        n = int(np.prod(shape, dtype=np.int64))
        program = self.backward_programs.get(wanted)
        if program is None:
            program = self.backward_programs[wanted] = self._backward_program(wanted)
        grads = seeded(r, seeds, n)
        try:
            with np.errstate(all="ignore"):
                backward_rows(program, values, grads, n)
        except RowFailure as failure:
            error = failure.__cause__
            raise backward_error_at(error, r, failure.row, values, shape) from None
        return grads

    def _backward_program(self, wanted: tuple[int, ...]) -> list[tuple[Any, ...]]:
        """The op rows in reverse, each with how its gradient flows to its parents.

        A row needs a gradient only if one of the wanted rows is among its
        ancestors; every other branch of the graph is skipped.
        """
        r = self.recording
        needs = needs_of(r, wanted)
        return [
            backward_step(row, r.rows, needs)
            for row in reversed(r.rows)
            if row.kind == OP and needs[row.index]
        ]


def chain(d: Any, g: Any, flow: int, n: int) -> Any:
    """The chain rule for one parent: d * g, summed over the batch for a shared parent.

    A float gradient on a per-example row stands for the same number at every
    one of the n examples.
    """
    if flow == SUMMED:
        if type(d) is np.ndarray:
            return float(np.dot(d, g)) if type(g) is np.ndarray else float(d.sum()) * g
        return d * float(g.sum()) if type(g) is np.ndarray else d * g * n
    if type(d) is float:
        if d == 1.0:
            return g
        if d == -1.0:
            return -g
    return d * g
