"""What a tape is made of: rows, each one node of f's graph, and the recording that holds them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from autograd.ops import Op
from autograd.value import Value

__all__ = ["TapeRow", "Recording", "INPUT", "PARAM", "CONSTANT", "OP", "BATCH", "CALL", "FIXED"]

INPUT, PARAM, CONSTANT, OP = "input", "parameter", "constant", "op"
"""A row's kind: an input of f, a Value f read (a parameter), a number, or an operation."""
BATCH, CALL, FIXED = "per example", "per call", "fixed"
"""How often a row's value changes: with each example, with each call, or never."""


@dataclass(frozen=True)
class TapeRow:
    """One node of the recorded graph: what makes it, from which rows.

    `varies` says how often its value changes: 'per example' (it depends on an
    input), 'per call' (on parameters only), or 'fixed'.
    """

    index: int
    kind: str
    """'input', 'parameter', 'constant' or 'op'."""
    op: Op | None
    parents: tuple[int, ...]
    constant: float | None
    """k of a one-parent op (the 3 of x**3), or the value of a constant."""
    label: str
    varies: str

    def describe(self) -> str:
        """The row as an expression of earlier rows: '#0 * #1', 'tanh(#2)'."""
        if self.kind == CONSTANT:
            return repr(self.constant)
        if self.op is None:
            return self.label or self.kind
        a = f"#{self.parents[0]}"
        b = f"#{self.parents[1]}" if len(self.parents) == 2 else None
        k = None if self.constant is None else f"{self.constant:g}"
        return self.op.text.format(a=a, b=b, k=k)


@dataclass
class Recording:
    """f's graph at one example, as rows, plus what a replay needs to read live."""

    rows: list[TapeRow]
    outputs: tuple[int, ...]
    single: bool
    """f returned one Value, not a list of them."""
    leaves: list[tuple[int, Value]]
    """(row, Value) for each parameter row: read .data on every call."""
    folded: dict[int, float]
    """The value of every 'fixed' row."""
    point: list[float]
    """The example f was recorded at."""

    def __post_init__(self) -> None:
        self.leaf_rows = {v: i for i, v in self.leaves}
        self.leaf_slots = {v: k for k, (_, v) in enumerate(self.leaves)}
        """Each parameter's position among the leaves: its place in a vector of them."""
        self.pattern: Any = None
        """The rows as plain tuples, for the guard's comparison (record.same_graph)."""
        self.input_rows = [row.index for row in self.rows if row.kind == INPUT]
