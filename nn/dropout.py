"""Dropout: while training, silence each input at random and scale up the others.

In training mode, Dropout(p) multiplies each of its inputs by a mask drawn
afresh on every call:

    m = 0          with probability p         (the input is dropped)
    m = 1/(1-p)    with probability 1 - p     (the input is kept, scaled up)

so every sample meets a different thinned network, and no neuron can count on
one particular other neuron being there. The mean of m is 1, so on average an
input passes unchanged; that is why in evaluation mode (`model.eval()`) the
layer is simply the identity, and predictions are deterministic again. The
gradient follows the mask: a dropped input gets none.

Each layer draws from its own generator (seed=), so a run is repeatable.

The batched engine (nn/batched.py) replays a graph recorded once, and a
recorded graph cannot draw new random numbers. So while it records, Dropout
takes its masks from a MaskFeed, which makes every mask an input of the tape;
the engine then draws the masks of each batch itself with each layer's
generator, in the order the scalar engine would draw them, so both engines
train a model with dropout to the same numbers.
"""

from __future__ import annotations

import numbers
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from autograd import TraceError
from nn.module import Module
from nn.seeding import Seed, random_source

__all__ = ["Dropout", "MaskFeed", "feeding"]


class Dropout(Module):
    """Zero each input with probability p and scale the rest by 1/(1-p); identity in eval mode.

    Takes a list of inputs (a layer's outputs) and returns a list, or a lone
    Value and returns a Value.

    >>> from autograd import Value
    >>> drop = Dropout(0.5, seed=0)
    >>> [v.data for v in drop([Value(1.0), Value(2.0), Value(3.0), Value(4.0)])]
    [2.0, 4.0, 0.0, 0.0]
    >>> [v.data for v in drop.eval()([Value(1.0), Value(2.0)])]
    [1.0, 2.0]
    """

    def __init__(self, p: float = 0.5, *, seed: Seed = None) -> None:
        if isinstance(p, bool) or not isinstance(p, numbers.Real) or not 0 <= p < 1:
            raise ValueError(
                f"Dropout got p = {p!r:.40}: p is the probability of dropping each input, "
                "so it lies in [0, 1), and p = 1 would drop everything. Pass e.g. p=0.2"
            )
        self.p = float(p)
        self._rng = random_source(seed)

    def masks(self, n: int) -> list[float]:
        """n masks from this layer's generator: 0 with probability p, else 1/(1-p)."""
        keep = 1.0 / (1.0 - self.p)
        draw, p = self._rng.random, self.p
        return [0.0 if draw() < p else keep for _ in range(n)]

    def forward(self, x: Any) -> Any:
        if not self.training or self.p == 0.0:
            return x
        lone = not isinstance(x, (list, tuple))
        inputs = [x] if lone else list(x)
        feed = _FEED.get()
        masks = self.masks(len(inputs)) if feed is None else feed.take(self, len(inputs))
        out = [xi * m for xi, m in zip(inputs, masks)]
        return out[0] if lone else out

    def __repr__(self) -> str:
        return f"Dropout(p={self.p:g})"


class MaskFeed:
    """The masks Dropout layers take while the batched engine records a model.

    With `masks` None it hands out 1.0 and only writes down the plan: which
    layer takes how many masks, in order, on one sample.
    """

    def __init__(self, masks: Sequence[Any] | None = None) -> None:
        self._masks = masks
        self.plan: list[tuple[Dropout, int]] = []
        """(layer, how many masks it took), in the order the model took them."""
        self.used = 0
        """How many masks have been handed out."""

    def take(self, layer: Dropout, n: int) -> list[Any]:
        """The next n masks, for `layer`."""
        self.plan.append((layer, n))
        start = self.used
        self.used += n
        if self._masks is None:
            return [1.0] * n
        if self.used > len(self._masks):
            raise TraceError(
                f"the model's Dropout layers asked for more than the {len(self._masks)} masks "
                "recorded for it: the model changed since the batched engine recorded it. "
                "Call fit again, which records it afresh, or use engine='scalar'"
            )
        return list(self._masks[start : self.used])


_FEED: ContextVar[MaskFeed | None] = ContextVar("chainrule_dropout_feed", default=None)


@contextmanager
def feeding(feed: MaskFeed) -> Iterator[MaskFeed]:
    """Within the block, Dropout layers in training mode take their masks from `feed`."""
    token = _FEED.set(feed)
    try:
        yield feed
    finally:
        _FEED.reset(token)
