"""A/B: micrograd's demo step with this nn against another nn/modules-style file.

Both models run in one process, steps interleaved, so machine load hits both
alike; prints the minimum and median ms per step of each and their ratio.

    PYTHONPATH=. python bench/nn_ab.py OTHER_FILE.py [steps]

OTHER_FILE.py must define MLP (e.g. the placeholder: git show 8b1cbd7:nn/modules.py).
"""

from __future__ import annotations

import importlib.util
import random
import statistics
import sys
import time

import nn
from autograd import Value


def _step(model, X, y, k):
    t0 = time.perf_counter()
    inputs = [list(map(Value, row)) for row in X]
    scores = list(map(model, inputs))
    losses = [(1 + -yi * si).relu() for yi, si in zip(y, scores, strict=True)]
    total = sum(losses) * (1.0 / len(losses)) + 1e-4 * sum(p * p for p in model.parameters())
    model.zero_grad()
    total.backward()
    for p in model.parameters():
        p.data -= (1.0 - 0.9 * k / 100) * p.grad
    return time.perf_counter() - t0, total.data


def main() -> None:
    spec = importlib.util.spec_from_file_location("other_nn", sys.argv[1])
    other = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(other)
    steps = int(sys.argv[2]) if len(sys.argv) > 2 else 30
    X, y = nn.data.moons(100, 0.1, seed=0, signed=True, as_lists=True)
    random.seed(1337)
    ours = nn.MLP(2, [16, 16, 1])
    random.seed(1337)
    theirs = other.MLP(2, [16, 16, 1])
    times = {"this nn": [], "other": []}
    for k in range(steps):
        t_a, loss_a = _step(ours, X, y, k)
        t_b, loss_b = _step(theirs, X, y, k)
        assert loss_a == loss_b, (loss_a, loss_b)  # the same numbers, step for step
        times["this nn"].append(t_a)
        times["other"].append(t_b)
    for name, ts in times.items():
        print(
            f"{name:8} min {1000 * min(ts):6.1f} ms  median {1000 * statistics.median(ts):6.1f} ms"
        )
    ratio = statistics.median(times["this nn"]) / statistics.median(times["other"])
    print(f"this nn / other (median): {ratio:.3f}; identical losses for {steps} steps")


if __name__ == "__main__":
    main()
