"""The toy problems `chainrule demo` trains, each with the settings that suit it.

moons is micrograd's demo: MLP(2, [16, 16, 1]), hinge loss plus 1e-4 L2, 100
full-batch steps of SGD with learning rate 1 - 0.9*k/100.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

import nn
from autograd import Value

__all__ = ["Recipe", "RECIPES"]


@dataclass(frozen=True)
class Recipe:
    """How one dataset is trained by the demo."""

    data: Callable[[int], tuple[Any, Any]]
    """seed -> (X, y)."""
    sizes: tuple[int, ...]
    """The MLP's layer sizes after the 2 inputs."""
    loss: str
    optimizer: Callable[[list[Value]], nn.Optimizer]
    epochs: int
    l2: float
    target: float
    """The training accuracy the run must reach."""
    about: str


_MICROGRAD = Recipe(
    data=lambda seed: nn.data.moons(100, 0.1, seed=seed, signed=True),
    sizes=(16, 16, 1),
    loss="hinge",
    optimizer=lambda params: nn.SGD(params, lr=nn.LinearDecay(1.0, 0.1, 100)),
    epochs=100,
    l2=1e-4,
    target=1.0,
    about="micrograd's demo: hinge loss + 1e-4 L2, SGD with lr = 1 - 0.9*k/100",
)

RECIPES: dict[str, Recipe] = {
    "moons": _MICROGRAD,
    "circles": replace(
        _MICROGRAD,
        data=lambda seed: nn.data.circles(100, 0.05, seed=seed, signed=True),
        about="micrograd's recipe on two circles",
    ),
    "xor": Recipe(
        data=lambda seed: nn.data.xor(40, 0.1, seed=seed),
        sizes=(8, 8, 1),
        loss="binary_cross_entropy",
        optimizer=lambda params: nn.Adam(params, lr=0.05),
        epochs=100,
        l2=0.0,
        target=1.0,
        about="binary cross-entropy from logits, Adam with lr 0.05",
    ),
    "spiral": Recipe(
        data=lambda seed: nn.data.spiral(90, 3, 0.1, seed=seed),
        sizes=(16, 16, 3),
        loss="softmax_cross_entropy",
        optimizer=lambda params: nn.Adam(params, lr=nn.Cosine(0.05, 100, 0.005)),
        epochs=100,
        l2=0.0,
        target=0.95,
        about="three classes, softmax cross-entropy, Adam with a cosine schedule",
    ),
}
"""Dataset name -> recipe; the names are what `--dataset` accepts, moons first."""
