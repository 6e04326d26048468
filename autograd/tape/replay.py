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
from autograd.tape.rows import BATCH, CALL, FIXED, OP, Recording

__all__ = ["RowReplay", "first_values"]

# How a local derivative reaches a parent: not at all, into a per-example
# gradient, summed over the batch into a shared one, or shared into shared.
_SKIP, _EACH, _SUM, _SHARED = 0, 1, 2, 3


def first_values(r: Recording, columns: list[np.ndarray]) -> list[Any]:
    """The values every replay starts from: the inputs, the parameters read live, the constants."""
    values: list[Any] = [None] * len(r.rows)
    for i, column in zip(r.input_rows, columns):
        values[i] = column
    for i, value in r.leaves:
        values[i] = float(value.data)
    for i, value in r.folded.items():
        values[i] = value
    return values


class RowReplay:
    """The recording compiled to flat tuples that the two loops unpack, one per op row."""

    def __init__(self, recording: Recording, names: list[str]) -> None:
        self.recording = recording
        self.names = names
        self.program = []
        for row in recording.rows:
            if row.kind != OP or row.varies == FIXED:
                continue
            b = row.parents[1] if len(row.parents) == 2 else -1
            self.program.append((row.index, row.op.forward, row.parents[0], b, row.constant))
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
        i = -1
        try:
            with np.errstate(all="ignore"):  # every domain check is explicit, in ops.py
                for i, rule, a, b, k in self.program:
                    values[i] = rule(values[a], values[b] if b >= 0 else k)
            i = len(values)
            finite = self._arithmetic_finite(values)
        except (ArithmeticError, ValueError) as error:
            # The scalar engine would have stopped at an overflow before row i, if any.
            i, error = self._first_overflow(values, i, error)
            raise forward_error(error, r, i, values, columns, shape, self.names) from None
        if not finite:  # an overflow, or an inf or NaN that came in with the data
            i, overflow = self._first_overflow(values, i, None)
            if overflow is not None:
                raise forward_error(overflow, r, i, values, columns, shape, self.names) from None
        return values

    def _arithmetic_finite(self, values: list[Any]) -> bool:
        """Whether every + - * / result of the pass is finite: one numpy check, not one a row."""
        batch = self.arithmetic_batch
        if batch:
            try:
                if not np.isfinite(np.concatenate([values[i] for i in batch])).all():
                    return False
            except ValueError:  # not all 1-d: let the row-by-row search decide
                return False
        return all(math.isfinite(values[i]) for i in self.arithmetic_shared)

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
        grads: list[Any] = [None] * len(r.rows)
        for i, seed in zip(r.outputs, seeds):
            if r.rows[i].varies == FIXED:
                continue
            if r.rows[i].varies == CALL:
                seed = float(np.sum(seed)) if type(seed) is np.ndarray else seed * n
            grads[i] = seed if grads[i] is None else grads[i] + seed
        i = -1
        try:
            with np.errstate(all="ignore"):
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
                            c = _chain(db, g, to_b, n)
                            grads[b] = c if grads[b] is None else grads[b] + c
                    if to_a:
                        c = _chain(da, g, to_a, n)
                        grads[a] = c if grads[a] is None else grads[a] + c
        except (ArithmeticError, ValueError) as error:
            raise backward_error_at(error, r, i, values, shape) from None
        return grads

    def _backward_program(self, wanted: tuple[int, ...]) -> list[tuple[Any, ...]]:
        """The op rows in reverse, each with how its gradient flows to its parents.

        A row needs a gradient only if one of the wanted rows is among its
        ancestors; every other branch of the graph is skipped.
        """
        r = self.recording
        needs = [False] * len(r.rows)
        for row in r.rows:
            needs[row.index] = row.index in wanted or any(needs[p] for p in row.parents)
        program = []
        for row in reversed(r.rows):
            if row.kind != OP or not needs[row.index]:
                continue
            flows = []
            for p in row.parents:
                if not needs[p]:
                    flows.append(_SKIP)
                elif r.rows[p].varies == BATCH:
                    flows.append(_EACH)
                elif row.varies == BATCH:
                    flows.append(_SUM)
                else:
                    flows.append(_SHARED)
            b = row.parents[1] if len(row.parents) == 2 else -1
            to_b = flows[1] if len(flows) == 2 else _SKIP
            program.append(
                (row.index, row.op.local, row.parents[0], b, row.constant, flows[0], to_b)
            )
        return program


def _chain(d: Any, g: Any, flow: int, n: int) -> Any:
    """The chain rule for one parent: d * g, summed over the batch for a shared parent.

    A float gradient on a per-example row stands for the same number at every
    one of the n examples.
    """
    if flow == _SUM:
        if type(d) is np.ndarray:
            return float(np.dot(d, g)) if type(g) is np.ndarray else float(d.sum()) * g
        return d * float(g.sum()) if type(g) is np.ndarray else d * g * n
    if type(d) is float:
        if d == 1.0:
            return g
        if d == -1.0:
            return -g
    return d * g
