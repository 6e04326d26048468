"""What the benchmarks here share: the median of repeated runs, and the table they print.

Each bench_*.py is run as a script (`python bench/bench_engine.py`), so this
module is imported from the bench folder itself.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable, Sequence
from typing import Any

CLOCKS: dict[str, Callable[[], float]] = {"wall": time.perf_counter, "cpu": time.thread_time}
"""What median_seconds measures: wall time, or the CPU time of this thread, which on a
machine shared with other jobs counts only the time the benchmark itself ran."""

clock = CLOCKS["wall"]


def median_seconds(run: Callable[[int], Any], repeat: int) -> float:
    """The median time (by `clock`) of run(0), run(1), ... run(repeat - 1), in seconds."""
    times = []
    for i in range(repeat):
        start = clock()
        run(i)
        times.append(clock() - start)
    return statistics.median(times)


def print_table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> None:
    """A markdown table, as the README shows it."""
    print("| " + " | ".join(headers) + " |")
    print("|" + " --- |" * len(headers))
    for row in rows:
        print("| " + " | ".join(row) + " |")
