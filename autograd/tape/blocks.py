"""The recognised groups on arrays: a layer as a matrix product, an op over a layer, a sum.

A step reads and writes the replay's two lists, `values` and `grads`: one
entry per row of the tape (an array over the batch, or a float), then one
per block (its (batch, width) array, and its gradient), then one per block
for what it keeps for the backward pass. The parameters and numbers that
blocks read are one vector, `pool`, read once a call; their gradients add
up in one vector too, `pool_grad`.

A layer y = x @ W.T + b is the rows b + w0*x0 + w1*x1 + ... of each neuron
at once. Its backward pass is those rows' chain rule at once: the `*` row's
local derivatives are (x, w) and the `+` row's are (1, 1), so

    dW = G.T @ x       (the sum over the batch of g * x, for every weight)
    db = G.sum(0)      (the sum over the batch of g * 1)
    dx = G @ W         (the sum over the neurons of g * w, for every input)

where G holds the gradients of the layer's outputs, one column per neuron.
An op over a layer and the terms of a parameter sum call the op table's own
`forward` and `local` on the arrays, as a row does.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from autograd.tape.matrices import Dense, Elementwise, Sum
from autograd.tape.replay import EACH, chain, flow
from autograd.tape.rows import TapeRow

__all__ = ["DenseStep", "ElementwiseStep", "SumStep", "Gather", "add_to"]


def add_to(grads: list[Any], i: int, g: Any) -> None:
    """grads[i] += g, making a new array (an entry may be read elsewhere)."""
    grads[i] = g if grads[i] is None else grads[i] + g


class Gather:
    """Where a block's input columns come from: a block's array, some of its columns, or rows."""

    def __init__(
        self,
        slot: int | None,
        columns: tuple[int, ...] | None,
        rows: tuple[int, ...],
        width: int = 0,
    ) -> None:
        self.slot = slot
        """The source block's array, or None when the columns are rows of their own."""
        self.columns = None if columns is None else np.array(columns)
        self.unique = columns is None or len(set(columns)) == len(columns)
        self.rows = rows
        self.width = width
        """The source block's width, for giving some of its columns back."""

    def read(self, values: list[Any]) -> np.ndarray:
        """The (batch, width) array of the columns."""
        if self.slot is None:
            return np.stack([values[i] for i in self.rows], axis=1)
        source = values[self.slot]
        return source if self.columns is None else source[:, self.columns]

    def give_back(self, grads: list[Any], d: np.ndarray, needs: list[bool]) -> None:
        """Add d, a gradient of the columns, to where they came from."""
        if self.slot is None:
            for c, i in enumerate(self.rows):
                if needs[i]:
                    add_to(grads, i, d[:, c])
            return
        if self.columns is None:
            add_to(grads, self.slot, d)
            return
        full = np.zeros((d.shape[0], self.width))
        if self.unique:
            full[:, self.columns] = d
        else:
            np.add.at(full, (slice(None), self.columns), d)
        add_to(grads, self.slot, full)


def _collect(
    grads: list[Any], slot: int, exposed: list[tuple[int, int]], n: int, width: int
) -> np.ndarray | None:
    """A block's output gradient: its own entry plus what rows gave its exposed columns."""
    g = grads[slot]
    extra = [(j, grads[i]) for j, i in exposed if grads[i] is not None]
    if not extra:
        return g
    g = np.zeros((n, width)) if g is None else np.array(g)
    for j, column in extra:
        g[:, j] += column  # a float stands for the same number at every example
    return g


def _finite(a: np.ndarray) -> bool:
    """Whether every number of `a` is finite, or perhaps not: a sum too large to hold says no.

    One reduction instead of two: an inf or NaN anywhere makes the sum inf or
    NaN. A sum that overflows from finite numbers sends the pass to the rows,
    which look at each number.
    """
    return math.isfinite(a.sum())


def _expose(values: list[Any], array: np.ndarray, exposed: list[tuple[int, int]]) -> None:
    """Give the rows that are read one by one their column of the block's array."""
    for j, i in exposed:
        values[i] = array[:, j]


def _scatter(pool_grad: np.ndarray, index: np.ndarray, unique: bool, d: Any) -> None:
    """pool_grad[index] += d, adding up repeated positions."""
    if unique:
        pool_grad[index] += d
    else:
        np.add.at(pool_grad, index, np.broadcast_to(d, index.shape))


class DenseStep:
    """A layer: y = x @ W.T + b, one matrix product for every neuron and example."""

    def __init__(
        self,
        block: Dense,
        slot: int,
        saved: int,
        x: Gather,
        pool_index: dict[int, int],
        exposed: list[tuple[int, int]],
    ) -> None:
        self.block = block
        self.slot, self.saved, self.x, self.exposed = slot, saved, x, exposed
        self.w = np.array([[pool_index[w] for w in ws] for ws in block.weights])
        self.w_unique = len(set(self.w.ravel().tolist())) == self.w.size
        self.b = None if block.biases is None else np.array([pool_index[b] for b in block.biases])
        self.b_unique = self.b is None or len(set(self.b.tolist())) == self.b.size
        self.width = len(block.outputs)

    def forward(self, values: list[Any], pool: np.ndarray) -> bool:
        """Compute the layer; False if a result is not finite (an overflow to look into)."""
        x = self.x.read(values)
        w = pool[self.w]
        y = x @ w.T
        if self.b is not None:
            y += pool[self.b]
        values[self.slot] = y
        values[self.saved] = (x, w)
        _expose(values, y, self.exposed)
        return _finite(y)

    def plan(self, needs: list[bool], wanted: set[int]) -> tuple[bool, bool, bool] | None:
        """(into x, into W, into b) for a backward pass, or None when none is needed."""
        block = self.block
        if not any(needs[i] for i in block.outputs):
            return None
        into_x = any(needs[i] for i in block.inputs)
        into_w = any(w in wanted for ws in block.weights for w in ws)
        into_b = block.biases is not None and any(b in wanted for b in block.biases)
        return into_x, into_w, into_b

    def backward(
        self,
        values: list[Any],
        grads: list[Any],
        pool_grad: np.ndarray,
        n: int,
        plan: tuple[bool, bool, bool],
        needs: list[bool],
    ) -> None:
        g = _collect(grads, self.slot, self.exposed, n, self.width)
        if g is None:
            return
        x, w = values[self.saved]
        into_x, into_w, into_b = plan
        if into_w:
            _scatter(pool_grad, self.w, self.w_unique, g.T @ x)
        if into_b:
            _scatter(pool_grad, self.b, self.b_unique, g.sum(axis=0))
        if into_x:
            self.x.give_back(grads, g @ w, needs)


class ElementwiseStep:
    """One op of the table over every column of a block: relu(y) on the (batch, width) array."""

    def __init__(
        self, block: Elementwise, slot: int, source: int, exposed: list[tuple[int, int]]
    ) -> None:
        self.block = block
        self.slot, self.source, self.exposed = slot, source, exposed
        self.rule, self.local, self.k = block.op.forward, block.op.local, block.constant
        self.width = len(block.outputs)

    def forward(self, values: list[Any], pool: np.ndarray) -> bool:
        y = self.rule(values[self.source], self.k)
        values[self.slot] = y
        _expose(values, y, self.exposed)
        return True  # only + - * / are checked for overflow, as row by row

    def plan(self, needs: list[bool], wanted: set[int]) -> bool | None:
        return True if any(needs[i] for i in self.block.outputs) else None

    def backward(
        self,
        values: list[Any],
        grads: list[Any],
        pool_grad: np.ndarray,
        n: int,
        plan: bool,
        needs: list[bool],
    ) -> None:
        g = _collect(grads, self.slot, self.exposed, n, self.width)
        if g is None:
            return
        (d,) = self.local(values[self.slot], values[self.source], self.k)
        add_to(grads, self.source, chain(d, g, EACH, n))


class SumStep:
    """start + t0 + t1 + ... at once: over columns of a block, or over parameter terms."""

    def __init__(
        self,
        block: Sum,
        rows: list[TapeRow],
        saved: int,
        source: Gather | None,
        pool_index: dict[int, int],
    ) -> None:
        self.block = block
        self.rows, self.saved, self.source = rows, saved, source
        self.output, self.start = block.output, block.start
        if block.op is not None:
            self.rule, self.local, self.k = block.op.forward, block.op.local, block.constant
            self.operands = [
                np.array([pool_index[parents[j]] for parents in block.operands])
                for j in range(len(block.operands[0]))
            ]
            self.unique = [len(set(a.tolist())) == a.size for a in self.operands]

    def forward(self, values: list[Any], pool: np.ndarray) -> bool:
        if self.source is not None:
            total = self.source.read(values).sum(axis=1)
        else:
            args = [pool[a] for a in self.operands]
            terms = self.rule(args[0], args[1] if len(args) == 2 else self.k)
            values[self.saved] = (args, terms)
            total = float(terms.sum())
        if self.start is not None:
            total = values[self.start] + total
        values[self.output] = total
        return math.isfinite(total) if type(total) is float else _finite(total)

    def plan(self, needs: list[bool], wanted: set[int]) -> tuple[bool, int] | None:
        """(into the terms, how the gradient reaches the start) or None."""
        block, rows = self.block, self.rows
        if not needs[block.output]:
            return None
        if block.source is not None:
            into_terms = True
        else:
            into_terms = any(p in wanted for parents in block.operands for p in parents)
        to_start = 0 if block.start is None else flow(rows[block.start], rows[block.output], needs)
        return into_terms, to_start

    def backward(
        self,
        values: list[Any],
        grads: list[Any],
        pool_grad: np.ndarray,
        n: int,
        plan: tuple[bool, int],
        needs: list[bool],
    ) -> None:
        g = grads[self.output]
        if g is None:
            return
        into_terms, to_start = plan
        if to_start:
            add_to(grads, self.start, chain(1.0, g, to_start, n))
        if not into_terms:
            return
        if self.source is not None:
            width = len(self.block.columns)
            column = g[:, None] if type(g) is np.ndarray else g
            self.source.give_back(grads, np.broadcast_to(column, (n, width)), needs)
            return
        args, terms = values[self.saved]
        local = self.local(terms, args[0], args[1] if len(args) == 2 else self.k)
        for index, unique, d in zip(self.operands, self.unique, local):
            _scatter(pool_grad, index, unique, d * g)
