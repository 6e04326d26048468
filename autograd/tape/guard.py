"""The branch guard: record f again at other examples and refuse a graph that changed.

A tape replays the graph f made at one example. A Python choice made from a
value (`if v.data > 0:`) would make another graph at another example, and the
replay would run the wrong branch for it. So on its first batch the tape
records f again at a broad sample (the first example, the smallest and largest
of each input, some spread between, and some drawn at random) and compares
the graphs; every later call checks one random example (a fixed seed, so a run
is repeatable) and any example beyond the range already checked. Recording at
the current parameters also catches an `if` on a parameter that training moved.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from autograd.errors import DomainError, TraceError
from autograd.tape.arguments import inputs_text, name
from autograd.tape.failures import unravel
from autograd.tape.record import Recorder
from autograd.tape.rows import CONSTANT, OP, Recording, TapeRow

__all__ = ["Guard", "CHECKS"]

CHECKS = ("always", "first", "never")
"""When the guard runs: on every call, on the first one only, or never."""

# Examples drawn at random for the check: on the first call, and on every later one.
_FIRST_DRAWS, _LATER_DRAWS = 16, 1


class Guard:
    """Which examples of a batch to record f at, and the check that their graph is the same."""

    def __init__(self, check: str) -> None:
        self.check = check
        self.checked = False
        """A batch has been checked without meeting a domain error."""
        self.unreplayed: DomainError | None = None
        """An error met by the check, for the replay to raise if it does not meet it first."""
        self._rng = np.random.default_rng(0)  # a fixed seed: the same run checks the same rows
        self._low: np.ndarray | None = None  # per input, the range of examples checked so far
        self._high: np.ndarray | None = None

    def due(self) -> bool:
        """Whether this call's batch is to be checked."""
        return self.check == "always" or (self.check == "first" and not self.checked)

    def run(
        self,
        recorder: Recorder,
        recording: Recording,
        columns: list[np.ndarray],
        shape: tuple[int, ...],
        ranges: list[tuple[float, float]] | None = None,
    ) -> None:
        """Check a batch: record f at some of its examples and compare with `recording`.

        `ranges` are each input's smallest and largest number, if the caller has them.
        """
        self.verify(recorder, recording, columns, shape, self.examples(columns, ranges))
        self.checked = self.unreplayed is None

    def examples(
        self, columns: list[np.ndarray], ranges: list[tuple[float, float]] | None = None
    ) -> list[int]:
        """The examples of this batch to record f at: a broad sample first, then a few."""
        n = columns[0].size
        bounds = np.array([_range_of(c) for c in columns] if ranges is None else ranges)
        low, high = bounds[:, 0], bounds[:, 1]
        if not self.checked:
            rows = set(_sample_rows(columns))
            draws = _FIRST_DRAWS
        else:
            rows = set()
            draws = _LATER_DRAWS
            # An example beyond the range checked so far may cross a threshold none did:
            # every input's range against the checked one, in one comparison each way.
            for j in np.flatnonzero(low < self._low).tolist():
                rows.add(int(np.nanargmin(columns[j])))
            for j in np.flatnonzero(high > self._high).tolist():
                rows.add(int(np.nanargmax(columns[j])))
        # One scalar draw at a time: the same numbers as size=draws, without an array's cost.
        rows.update(int(self._rng.integers(0, n)) for _ in range(min(draws, n)))
        self._low = low if self._low is None else np.minimum(self._low, low)
        self._high = high if self._high is None else np.maximum(self._high, high)
        return sorted(rows)

    def verify(
        self,
        recorder: Recorder,
        recording: Recording,
        columns: list[np.ndarray],
        shape: tuple[int, ...],
        rows: list[int],
    ) -> None:
        """Record f again at some examples of the batch; its graph must not change.

        f is recorded afresh even at the recorded point: a parameter may have
        moved since, and an `if` on it with it.
        """
        for row in rows:
            point = [float(c[row]) for c in columns]
            try:
                if recorder.same_at(recording, point, row, shape):
                    continue
                other = recorder.record(point, row, shape)  # again, to say how they differ
            except DomainError as error:
                # The replay meets it too and says more (such as that it holds for every
                # example); if the replay does not, this example left the recorded graph.
                self.unreplayed = error
                return
            difference = _difference(recording, other)
            if difference is not None:
                names = recorder.names
                raise TraceError(
                    f"{name(recorder.f)} made a different graph at another example: recorded "
                    f"at ({inputs_text(names, recording.point)}) {difference[0]}, but at "
                    f"batch index {unravel(row, shape)} ({inputs_text(names, point)}) "
                    f"{difference[1]} (at the parameters' current values). A tape replays "
                    "one graph, so a Python choice made from a value (an `if` on v.data or "
                    "on a parameter's data, a Value built from a number) cannot be replayed. "
                    "Write the choice with ops of the graph (relu, abs, leaky_relu...), or run "
                    "the scalar engine on each example"
                )


def _sample_rows(columns: list[np.ndarray]) -> list[int]:
    """The first example, each input's smallest and largest, and four spread evenly."""
    n = columns[0].size
    rows = {0, n - 1, *np.linspace(0, n - 1, 4).astype(int).tolist()}
    for c in columns:
        if np.isnan(c).all():
            continue
        rows.add(int(np.nanargmin(c)))
        rows.add(int(np.nanargmax(c)))
    return sorted(rows)


def _range_of(column: np.ndarray) -> tuple[float, float]:
    """The smallest and largest number of a column, NaNs left out ((inf, -inf) if all NaN)."""
    low, high = float(column.min()), float(column.max())
    if low == low and high == high:  # no NaN: the common case, two quick reductions
        return low, high
    numbers = column[~np.isnan(column)]
    return (float(numbers.min()), float(numbers.max())) if numbers.size else (math.inf, -math.inf)


def _difference(one: Recording, other: Recording) -> tuple[str, str] | None:
    """How two recordings differ, in words, or None if they are the same graph."""
    ones, others = _signatures(one), _signatures(other)
    for x, y, sx, sy in zip(one.rows, other.rows, ones, others):
        if sx != sy:
            return (f"row #{x.index} is {_words(x)}", f"it is {_words(y)}")
    if len(one.rows) != len(other.rows):
        return (f"the graph has {len(one.rows)} rows", f"it has {len(other.rows)}")
    if one.outputs != other.outputs:
        outputs = [", ".join(f"#{i}" for i in r.outputs) for r in (one, other)]
        return (f"it returned rows {outputs[0]}", f"it returned {outputs[1]}")
    if one.single != other.single:
        kinds = ["a Value" if r.single else "a list of Values" for r in (one, other)]
        return (f"it returned {kinds[0]}", f"it returned {kinds[1]}")
    return None


def _signatures(r: Recording) -> list[tuple[Any, ...]]:
    """Each row as plain data, then the outputs: two recordings of one graph give equal lists."""
    leaf = {i: v.creation_index for i, v in r.leaves}
    result: list[tuple[Any, ...]] = []
    for row in r.rows:
        if row.kind == OP:
            result.append((OP, row.op, row.parents, _plain(row.constant)))
        else:
            result.append((row.kind, None, (), _plain(row.constant), leaf.get(row.index)))
    result.append(("outputs", r.single, r.outputs))
    return result


def _plain(constant: float | None) -> Any:
    """A constant that compares equal to itself: NaN != NaN, so it becomes 'nan'."""
    if constant is not None and math.isnan(constant):
        return "nan"
    return constant


def _words(row: TapeRow) -> str:
    if row.kind == CONSTANT:
        return f"the constant {row.constant!r}"
    if row.kind != OP:
        return f"the {row.kind} {row.label!r}"
    return f"{row.describe()!r}"
