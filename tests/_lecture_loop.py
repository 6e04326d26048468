"""The micrograd lecture's training loop on its four examples: a test helper."""

from __future__ import annotations

from typing import Any

XS = [[2.0, 3.0, -1.0], [3.0, -1.0, 0.5], [0.5, 1.0, 1.0], [1.0, 1.0, -1.0]]
YS = [1.0, -1.0, -1.0, 1.0]


def train(model: Any, steps: int, lr: float) -> list[float]:
    """`steps` steps of the lecture's loop, as it writes it; the loss of each forward pass."""
    losses = []
    for _ in range(steps):
        ypred = [model(x) for x in XS]
        loss = sum((yout - ygt) ** 2 for ygt, yout in zip(YS, ypred))  # noqa: B905
        for p in model.parameters():
            p.grad = 0.0
        loss.backward()
        for p in model.parameters():
            p.data += -lr * p.grad
        losses.append(loss.data)
    return losses
