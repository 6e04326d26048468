"""The replay with the matrices found: blocks as matrix products and array ops, the rest by row.

matrices.find gives the layers, the ops over them and the sums; schedule puts
them and the remaining rows in an order that respects what each reads. Here
that order becomes a program: runs of rows (the same tuples and loops as the
row-by-row replay) between the blocks' steps (blocks.py).

This replay is the fast path only. It raises nothing of its own: where a
rule refuses an example, or a result is not finite, it returns None and the
tape runs the row-by-row replay instead, which finds the failing row and the
example and words the error as the scalar engine does (or, where only the
order of a sum made the difference, computes the rows' own result). So every
check holds exactly as before.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from autograd.tape.blocks import DenseStep, ElementwiseStep, Gather, SumStep
from autograd.tape.matrices import Block, Dense, Elementwise, Sum, find, schedule
from autograd.tape.replay import (
    RowFailure,
    arithmetic_finite,
    backward_rows,
    backward_step,
    first_values,
    forward_rows,
    forward_step,
    needs_of,
    seeded,
)
from autograd.tape.rows import BATCH, CALL, PARAM, Recording

__all__ = ["VectorReplay", "vectorise"]

Step = DenseStep | ElementwiseStep | SumStep


def vectorise(recording: Recording) -> VectorReplay | None:
    """The replay with blocks, or None when the recording has none worth running as blocks."""
    blocks = find(recording)
    if not blocks:
        return None
    order = schedule(recording, blocks)
    if order is None:  # cannot happen for blocks found in a graph; rows are always right
        return None
    return VectorReplay(recording, blocks, order)


class VectorReplay:
    """A recording compiled to runs of rows and block steps, with the parameters as one vector."""

    def __init__(self, recording: Recording, blocks: list[Block], order: list[Any]) -> None:
        self.recording = r = recording
        self.blocks = blocks
        rows = r.rows
        n_rows, n_blocks = len(rows), len(blocks)
        self.size = n_rows + 2 * n_blocks  # rows, then each block's array, then what it keeps
        row_steps = {n for kind, n in order if kind == "row"}

        # The parameters first, in the recording's order, then the numbers blocks read.
        self.leaves = [v for _, v in r.leaves]
        pool_index = {i: k for k, (i, _) in enumerate(r.leaves)}
        numbers = sorted({i for block in blocks for i in _pooled(block) if rows[i].kind != PARAM})
        for i in numbers:
            pool_index[i] = len(pool_index)
        self.numbers = np.array([r.folded[i] for i in numbers])
        self.pool_size = len(pool_index)

        # A block member is exposed (has its own column in `values`) when read one by one.
        readers: dict[int, list[Any]] = {}
        for i in row_steps:
            for p in rows[i].parents:
                readers.setdefault(p, []).append(("row", i))
        gathers = [_gather(block, blocks, n_rows) for block in blocks]
        for b, block in enumerate(blocks):
            if isinstance(block, Sum) and block.start is not None:
                readers.setdefault(block.start, []).append(("block", b))
            gather = gathers[b]
            if gather is not None and gather.slot is None:
                for i in gather.rows:
                    readers.setdefault(i, []).append(("block", b))
        outputs = set(r.outputs)

        def exposed(members: tuple[int, ...]) -> list[tuple[int, int]]:
            return [(j, i) for j, i in enumerate(members) if i in readers or i in outputs]

        self.steps: list[Step] = []
        for b, block in enumerate(blocks):
            slot, saved = n_rows + b, n_rows + n_blocks + b
            if isinstance(block, Dense):
                step: Step = DenseStep(
                    block, slot, saved, gathers[b], pool_index, exposed(block.outputs)
                )
            elif isinstance(block, Elementwise):
                step = ElementwiseStep(block, slot, n_rows + block.source, exposed(block.outputs))
            else:
                step = SumStep(block, rows, saved, gathers[b], pool_index)
            self.steps.append(step)

        # The program: runs of forward rows, each followed by a block step (or by None).
        self.program: list[tuple[list[tuple[Any, ...]], Step | None]] = []
        run: list[tuple[Any, ...]] = []
        for kind, n in order:
            if kind == "row":
                run.append(forward_step(rows[n]))
            else:
                self.program.append((run, self.steps[n]))
                run = []
        self.program.append((run, None))
        arithmetic = [i for i in row_steps if rows[i].op.name in ("+", "-", "*", "/")]
        self.arithmetic_batch = [i for i in arithmetic if rows[i].varies == BATCH]
        self.arithmetic_shared = [i for i in arithmetic if rows[i].varies == CALL]

        # The parameters rows read one by one, and where their gradients go in pool_grad.
        read = {p for i in row_steps for p in rows[i].parents} | outputs
        read |= {b.start for b in blocks if isinstance(b, Sum) and b.start is not None}
        self.loose_leaves = [(i, v) for i, v in r.leaves if i in read]
        self.loose_slots = [(i, pool_index[i]) for i, _ in self.loose_leaves]
        self.order = order
        self.backward_programs: dict[tuple[int, ...], Any] = {}

    # -- forward ------------------------------------------------------------------------

    def forward(self, columns: list[np.ndarray]) -> list[Any] | None:
        """Every row's value on the batch, or None when the row-by-row replay must decide."""
        values = first_values(self.recording, columns, self.loose_leaves, self.size)
        pool = np.array([v.data for v in self.leaves], dtype=float)
        if self.numbers.size:
            pool = np.concatenate([pool, self.numbers])
        finite = True
        try:
            with np.errstate(all="ignore"):
                for rows, step in self.program:
                    forward_rows(rows, values)
                    if step is not None and not step.forward(values, pool):
                        finite = False
        except RowFailure:
            return None
        except (ArithmeticError, ValueError):
            return None
        if not finite or not self._arithmetic_finite(values):
            return None
        return values

    def _arithmetic_finite(self, values: list[Any]) -> bool:
        return arithmetic_finite(values, self.arithmetic_batch, self.arithmetic_shared)

    # -- backward -----------------------------------------------------------------------

    def backward(
        self, values: list[Any], shape: tuple[int, ...], wanted: tuple[int, ...], seeds: list[Any]
    ) -> tuple[list[Any], np.ndarray] | None:
        """(each row's gradient, each parameter's gradient in the recording's order), or None."""
        r = self.recording
        n = int(np.prod(shape, dtype=np.int64))
        program = self.backward_programs.get(wanted)
        if program is None:
            program = self.backward_programs[wanted] = self._backward_program(wanted)
        steps, needs = program
        grads = seeded(r, seeds, n, self.size)
        pool_grad = np.zeros(self.pool_size)
        try:
            with np.errstate(all="ignore"):
                for step, plan, rows in steps:
                    if step is not None:
                        step.backward(values, grads, pool_grad, n, plan, needs)
                    backward_rows(rows, values, grads, n)
        except RowFailure:
            return None
        except (ArithmeticError, ValueError):
            return None
        for i, k in self.loose_slots:
            g = grads[i]
            if g is not None:
                pool_grad[k] += g
        return grads, pool_grad[: len(self.leaves)]

    def _backward_program(self, wanted: tuple[int, ...]) -> tuple[list[Any], list[bool]]:
        """The forward program reversed: each block step (if needed), then the rows before it."""
        r = self.recording
        needs = needs_of(r, wanted)
        wanted_set = set(wanted)
        steps = []
        for rows, step in reversed(self.program):
            back = [
                backward_step(r.rows[f[0]], r.rows, needs) for f in reversed(rows) if needs[f[0]]
            ]
            plan = None if step is None else step.plan(needs, wanted_set)
            if plan is None and not back:
                continue
            steps.append((None if plan is None else step, plan, back))
        return steps, needs


def _pooled(block: Block) -> list[int]:
    """The parameter and number rows a block reads from the pool."""
    if isinstance(block, Dense):
        return [w for ws in block.weights for w in ws] + list(block.biases or ())
    if isinstance(block, Sum) and block.source is None:
        return [p for parents in block.operands for p in parents]
    return []


def _gather(block: Block, blocks: list[Block], n_rows: int) -> Gather | None:
    """Where a Dense block's x, or a Sum's columns, come from."""
    if isinstance(block, Dense):
        wanted = block.inputs
        for s, source in enumerate(blocks):
            if isinstance(source, Sum):
                continue  # a sum's result is a row of its own
            members = source.outputs
            if members == wanted:
                return Gather(n_rows + s, None, (), len(members))
            if members and set(wanted) <= set(members):
                where = {m: j for j, m in enumerate(members)}
                return Gather(n_rows + s, tuple(where[i] for i in wanted), (), len(members))
        return Gather(None, None, wanted)
    if isinstance(block, Sum) and block.source is not None:
        width = len(blocks[block.source].outputs)  # type: ignore[union-attr]
        columns = None if block.columns == tuple(range(width)) else block.columns
        return Gather(n_rows + block.source, columns, (), width)
    return None
