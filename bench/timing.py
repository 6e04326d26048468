"""What the benchmarks here share: the median of repeated runs, and the table they print.

Each bench_*.py is run as a script (`python bench/bench_engine.py`), so this
module is imported from the bench folder itself.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable, Sequence
from typing import Any


def median_seconds(run: Callable[[int], Any], repeat: int) -> float:
    """The median wall time of run(0), run(1), ... run(repeat - 1), in seconds."""
    times = []
    for i in range(repeat):
        start = time.perf_counter()
        run(i)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def print_table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> None:
    """A markdown table, as the README shows it."""
    print("| " + " | ".join(headers) + " |")
    print("|" + " --- |" * len(headers))
    for row in rows:
        print("| " + " | ".join(row) + " |")
