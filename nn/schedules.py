"""Learning-rate schedules: the learning rate as a function of the step number k.

    Constant(lr)                      lr
    StepDecay(lr, every, gamma)       lr * gamma ** (k // every)
    LinearDecay(start, end, steps)    start - (start - end) * k / steps, then end
    Cosine(lr, steps, min_lr)         min_lr + (lr - min_lr) * (1 + cos(pi * k / steps)) / 2

micrograd's demo uses 1 - 0.9*k/100, which is LinearDecay(1.0, 0.1, 100), to
the bit. Every optimizer takes a schedule (or any function of k) as `lr`.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable
from typing import Any

__all__ = ["Schedule", "Constant", "StepDecay", "LinearDecay", "Cosine", "as_schedule"]


def _rate(name: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not value >= 0:
        raise ValueError(
            f"{name} must be a number >= 0, got {value!r:.40}: it scales every update. "
            "Typical learning rates are 0.001 to 1"
        )
    return float(value)


def _steps(name: str, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(
            f"{name} must be a positive int, got {value!r:.40}: it counts optimizer steps. "
            "Pass e.g. the number of epochs times batches per epoch"
        )
    return value


class Schedule:
    """A learning rate for each step k = 0, 1, 2, ...: call it with k."""

    def __call__(self, k: int) -> float:
        raise NotImplementedError


class Constant(Schedule):
    """The same learning rate at every step.

    >>> Constant(0.1)(50)
    0.1
    """

    def __init__(self, lr: float) -> None:
        self.lr = _rate("lr", lr)

    def __call__(self, k: int) -> float:
        return self.lr

    def __repr__(self) -> str:
        return f"Constant({self.lr!r})"


class StepDecay(Schedule):
    """lr * gamma ** (k // every): multiply by gamma every `every` steps.

    >>> s = StepDecay(1.0, every=10, gamma=0.5)
    >>> s(9), s(10), s(25)
    (1.0, 0.5, 0.25)
    """

    def __init__(self, lr: float, every: int, gamma: float = 0.1) -> None:
        self.lr = _rate("lr", lr)
        self.every = _steps("every", every)
        self.gamma = _rate("gamma", gamma)

    def __call__(self, k: int) -> float:
        return self.lr * self.gamma ** (k // self.every)

    def __repr__(self) -> str:
        return f"StepDecay({self.lr!r}, every={self.every}, gamma={self.gamma!r})"


class LinearDecay(Schedule):
    """start - (start - end) * k / steps until k = steps, then end.

    >>> s = LinearDecay(1.0, 0.1, 100)       # micrograd's 1 - 0.9*k/100
    >>> s(0), s(50), s(100), s(1000)
    (1.0, 0.55, 0.1, 0.1)
    """

    def __init__(self, start: float, end: float, steps: int) -> None:
        self.start = _rate("start", start)
        self.end = _rate("end", end)
        self.steps = _steps("steps", steps)

    def __call__(self, k: int) -> float:
        if k >= self.steps:
            return self.end
        return self.start - (self.start - self.end) * k / self.steps

    def __repr__(self) -> str:
        return f"LinearDecay({self.start!r}, {self.end!r}, {self.steps})"


class Cosine(Schedule):
    """min_lr + (lr - min_lr) * (1 + cos(pi * k / steps)) / 2, then min_lr.

    >>> s = Cosine(1.0, 100)
    >>> s(0), s(50), s(100)
    (1.0, 0.5, 0.0)
    """

    def __init__(self, lr: float, steps: int, min_lr: float = 0.0) -> None:
        self.lr = _rate("lr", lr)
        self.steps = _steps("steps", steps)
        self.min_lr = _rate("min_lr", min_lr)

    def __call__(self, k: int) -> float:
        if k >= self.steps:
            return self.min_lr
        return self.min_lr + (self.lr - self.min_lr) * (1 + math.cos(math.pi * k / self.steps)) / 2

    def __repr__(self) -> str:
        return f"Cosine({self.lr!r}, {self.steps}, min_lr={self.min_lr!r})"


def as_schedule(lr: float | Callable[[int], float]) -> Callable[[int], float]:
    """A number as Constant(lr); a Schedule or any function of k as it is."""
    if callable(lr):
        return lr
    return Constant(lr)
