"""Optimizers: how a gradient becomes a change of the weights.

With g = p.grad and lr the learning rate of this step (t = 1, 2, ... counts steps):

    SGD       v = momentum * v + g
              p -= lr * v                       (nesterov: lr * (g + momentum * v))
    RMSProp   s = alpha * s + (1 - alpha) * g**2
              p -= lr * g / (sqrt(s) + eps)
    Adam      m = b1 * m + (1 - b1) * g,   v = b2 * v + (1 - b2) * g**2
              p -= lr * (m / (1 - b1**t)) / (sqrt(v / (1 - b2**t)) + eps)

These are PyTorch's update rules, so its numbers carry over. `lr` is a number
or a schedule (nn/schedules.py); each step() reads it for the current step.

A step is all or nothing: every new value (weights and the optimizer's
averages) is computed first and only then assigned, and a Ctrl-C that lands
during the assignment lets it finish first. So an interrupted step leaves the
model as it was before the step or after it, never half updated.

    opt = nn.SGD(model.parameters(), lr=0.1, momentum=0.9)
    for epoch in range(100):
        loss = ...
        opt.zero_grad()
        loss.backward()
        opt.step()
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable, Iterable
from typing import Any

import numpy as np

from autograd import Value
from nn.module import parameter_list
from nn.schedules import as_schedule

__all__ = ["Optimizer", "SGD", "RMSProp", "Adam"]


def _fraction(name: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not 0 <= value < 1:
        raise ValueError(
            f"{name} must be in [0, 1), got {value!r:.40}: it is the share of the past kept "
            "at each step. Typical values are 0.9 to 0.999"
        )
    return float(value)


def _positive(name: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not value > 0:
        raise ValueError(
            f"{name} must be a number > 0, got {value!r:.40}: it keeps a division away from "
            "zero. The usual value is 1e-8"
        )
    return float(value)


class Optimizer:
    """Base class: holds the parameters, the schedule and the step count."""

    def __init__(self, params: Iterable[Value], lr: float | Callable[[int], float]) -> None:
        params = parameter_list(params, type(self).__name__)
        if not params:
            raise ValueError(
                f"{type(self).__name__} got no parameters: there is nothing to update. "
                "Pass model.parameters()"
            )
        for p in params:
            if not isinstance(p, Value):
                raise TypeError(
                    f"{type(self).__name__} got {type(p).__name__} {p!r:.40} among the "
                    "parameters; it updates Values. Pass model.parameters()"
                )
        if not callable(lr):
            if isinstance(lr, bool) or not isinstance(lr, numbers.Real) or not 0 <= lr < math.inf:
                raise ValueError(
                    f"lr must be a finite number >= 0 or a schedule, got {lr!r:.40}: it scales "
                    "every update. Typical values are 0.001 (Adam) to 1 (micrograd's SGD)"
                )
        self.params = params
        self.schedule = as_schedule(lr)
        self.steps = 0
        """Steps taken so far; the schedule is read at this k."""

    @property
    def lr(self) -> float:
        """The learning rate the next step() will use."""
        lr = self.schedule(self.steps)
        if isinstance(lr, bool) or not isinstance(lr, numbers.Real) or not 0 <= lr < math.inf:
            raise ValueError(
                f"the learning-rate schedule gave {lr!r:.40} at step {self.steps}; a learning "
                "rate is a finite number >= 0 (a negative one climbs the loss). Fix the "
                "schedule, or use one of nn.Constant, StepDecay, LinearDecay, Cosine"
            )
        return float(lr)

    def zero_grad(self) -> None:
        """Set every parameter's .grad to 0, before the next backward()."""
        for p in self.params:
            p.grad = 0.0

    def step(self) -> None:
        """Update every parameter from its .grad, then advance the schedule: all or nothing."""
        lr = self.lr
        with np.errstate(all="ignore"):  # an inf or nan moves silently, as with floats
            values, state = self._next(lr)
        steps = self.steps + 1
        try:
            self._assign(values, state, steps)
        except KeyboardInterrupt:
            # Ctrl-C landed mid-assignment. Assigning is idempotent: finish it, then stop.
            self._assign(values, state, steps)
            raise

    def _assign(self, values: list[float], state: dict[str, list[float]], steps: int) -> None:
        for p, value in zip(self.params, values):
            p.data = value
        for name, new in state.items():
            getattr(self, name)[:] = new
        self.steps = steps

    def _grads(self) -> np.ndarray:
        """Every p.grad as one vector: the update rules below are a few operations on vectors."""
        grads = [p.grad for p in self.params]
        try:
            vector = np.array(grads, dtype=float)
        except TypeError:  # a gradient made with create_graph is a Value
            vector = None
        if vector is None or vector.shape != (len(grads),):
            vector = np.array([g.data if isinstance(g, Value) else float(g) for g in grads])
        return vector

    def _weights(self) -> np.ndarray:
        return np.array([p.data for p in self.params], dtype=float)

    def _next(self, lr: float) -> tuple[list[float], dict[str, list[float]]]:
        """Each parameter's new value, and the new state lists by attribute name; nothing set.

        numpy's + - * / and sqrt round as Python's floats do: a step is the same,
        to the last bit, as the same formulas written one parameter at a time.
        """
        raise NotImplementedError


class SGD(Optimizer):
    """Stochastic gradient descent, with optional (Nesterov) momentum.

    >>> from autograd import Value
    >>> w = Value(1.0)
    >>> opt = SGD([w], lr=0.1, momentum=0.9)
    >>> w.grad = 2.0; opt.step(); w.data      # v = 2, w = 1 - 0.1*2
    0.8
    >>> w.grad = 2.0; opt.step(); round(w.data, 9)    # v = 0.9*2 + 2 = 3.8
    0.42
    """

    def __init__(
        self,
        params: Iterable[Value],
        lr: float | Callable[[int], float] = 0.01,
        momentum: float = 0.0,
        nesterov: bool = False,
    ) -> None:
        super().__init__(params, lr)
        self.momentum = _fraction("momentum", momentum)
        if nesterov and self.momentum == 0:
            raise ValueError(
                "SGD got nesterov=True with momentum=0: Nesterov's look-ahead needs momentum. "
                "Pass momentum=0.9 as well, or drop nesterov"
            )
        self.nesterov = nesterov
        self.velocity = [0.0] * len(self.params)

    def _next(self, lr: float) -> tuple[list[float], dict[str, list[float]]]:
        mu, g, w = self.momentum, self._grads(), self._weights()
        if not mu:
            return (w - lr * g).tolist(), {}
        v = mu * np.array(self.velocity) + g
        moves = g + mu * v if self.nesterov else v
        return (w - lr * moves).tolist(), {"velocity": v.tolist()}


class RMSProp(Optimizer):
    """Divide each step by a running root mean square of that parameter's gradients.

    >>> from autograd import Value
    >>> w = Value(1.0)
    >>> opt = RMSProp([w], lr=0.01, alpha=0.99)
    >>> w.grad = 2.0; opt.step()              # s = 0.01*4, w -= 0.01 * 2/sqrt(0.04)
    >>> round(w.data, 6)
    0.9
    """

    def __init__(
        self,
        params: Iterable[Value],
        lr: float | Callable[[int], float] = 0.01,
        alpha: float = 0.99,
        eps: float = 1e-8,
    ) -> None:
        super().__init__(params, lr)
        self.alpha = _fraction("alpha", alpha)
        self.eps = _positive("eps", eps)
        self.square_avg = [0.0] * len(self.params)

    def _next(self, lr: float) -> tuple[list[float], dict[str, list[float]]]:
        alpha, eps, g, w = self.alpha, self.eps, self._grads(), self._weights()
        s = alpha * np.array(self.square_avg) + (1 - alpha) * g * g
        return (w - lr * g / (np.sqrt(s) + eps)).tolist(), {"square_avg": s.tolist()}


class Adam(Optimizer):
    """Momentum and RMSProp together, with both averages corrected for their start at 0.

    >>> from autograd import Value
    >>> w = Value(1.0)
    >>> opt = Adam([w], lr=0.1)
    >>> w.grad = 5.0; opt.step()              # the first step is lr * sign(g)
    >>> round(w.data, 9)
    0.9
    """

    def __init__(
        self,
        params: Iterable[Value],
        lr: float | Callable[[int], float] = 0.001,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
    ) -> None:
        super().__init__(params, lr)
        if not isinstance(betas, (tuple, list)) or len(betas) != 2:
            raise ValueError(
                f"betas must be a pair (b1, b2), got {betas!r:.40}: b1 averages the gradients "
                "and b2 their squares. Pass e.g. betas=(0.9, 0.999)"
            )
        b1, b2 = betas
        self.betas = (_fraction("betas[0]", b1), _fraction("betas[1]", b2))
        self.eps = _positive("eps", eps)
        self.m = [0.0] * len(self.params)
        self.v = [0.0] * len(self.params)

    def _next(self, lr: float) -> tuple[list[float], dict[str, list[float]]]:
        b1, b2 = self.betas
        t = self.steps + 1
        c1, c2 = 1 - b1**t, 1 - b2**t
        eps, g, w = self.eps, self._grads(), self._weights()
        m = b1 * np.array(self.m) + (1 - b1) * g
        v = b2 * np.array(self.v) + (1 - b2) * g * g
        values = w - lr * (m / c1) / (np.sqrt(v / c2) + eps)
        return values.tolist(), {"m": m.tolist(), "v": v.tolist()}
