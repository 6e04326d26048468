"""Time micrograd's demo step written the micrograd way, with chainrule's nn.

One step: MLP(2, [16, 16, 1]) on 100 two-moons points, `model(x)` per point,
hinge loss with `sum(...)`, 1e-4 L2, backward, `p.data -= lr * p.grad`.
Prints the median milliseconds per step over several repeats.

    PYTHONPATH=. python bench/nn_step.py [steps]
"""

from __future__ import annotations

import math
import random
import statistics
import sys
import time

from autograd import Value
from nn import MLP


def _moons(n: int, seed: int) -> tuple[list[list[float]], list[int]]:
    rng = random.Random(seed)
    xs, ys = [], []
    for i in range(n):
        t = math.pi * (i // 2) / (n // 2 - 1)
        if i % 2 == 0:
            x, y, label = math.cos(t), math.sin(t), -1
        else:
            x, y, label = 1 - math.cos(t), 0.5 - math.sin(t), 1
        xs.append([x + rng.gauss(0, 0.1), y + rng.gauss(0, 0.1)])
        ys.append(label)
    return xs, ys


def main() -> None:
    steps = int(sys.argv[1]) if len(sys.argv) > 1 else 20
    random.seed(1337)
    X, y = _moons(100, 0)
    model = MLP(2, [16, 16, 1])
    times = []
    for k in range(steps):
        t0 = time.perf_counter()
        inputs = [list(map(Value, row)) for row in X]
        scores = list(map(model, inputs))
        losses = [(1 + -yi * si).relu() for yi, si in zip(y, scores, strict=False)]
        data_loss = sum(losses) * (1.0 / len(losses))
        reg_loss = 1e-4 * sum(p * p for p in model.parameters())
        total = data_loss + reg_loss
        model.zero_grad()
        total.backward()
        lr = 1.0 - 0.9 * k / 100
        for p in model.parameters():
            p.data -= lr * p.grad
        times.append(time.perf_counter() - t0)
    print(
        f"median {1000 * statistics.median(times):.1f} ms/step over {steps} steps; "
        f"final loss {total.data:.6f}"
    )


if __name__ == "__main__":
    main()
