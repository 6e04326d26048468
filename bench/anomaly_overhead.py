"""Cost of anomaly mode and hooks support outside the mode: medians of a small step.

Run with different checkouts on PYTHONPATH to compare, e.g.
    PYTHONPATH=/path/to/other python bench/anomaly_overhead.py
Prints medians in microseconds; no assertion (timings belong here, not in tests).
"""

from __future__ import annotations

import statistics
import timeit

import autograd
from autograd import Value, detect_anomaly


def leaves() -> None:
    for i in range(100):
        Value(float(i))


def step() -> None:
    x = Value(0.5, label="x")
    w = Value(-1.5, label="w")
    y = x
    for _ in range(50):
        y = (y * w + 0.1).tanh()
    y.backward()


def median_us(fn, repeat: int = 15, number: int = 200) -> float:
    times = timeit.repeat(fn, repeat=repeat, number=number)
    return statistics.median(times) / number * 1e6


def main() -> None:
    print(f"autograd from {autograd.__file__}")
    plain_leaves = median_us(leaves)
    plain_step = median_us(step)
    print(f"100 leaves:                   {plain_leaves:8.1f} us")
    print(f"50-layer tanh chain + backward: {plain_step:8.1f} us")
    with detect_anomaly():
        anomaly_step = median_us(step, repeat=5, number=50)
    print(
        f"same inside detect_anomaly:   {anomaly_step:8.1f} us ({anomaly_step / plain_step:.1f}x)"
    )


if __name__ == "__main__":
    main()
