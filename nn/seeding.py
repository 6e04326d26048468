"""seed=: how nn turns the seed a layer is given into the generator it draws from.

None            Python's global `random`, so random.seed() works as in micrograd
an int          a new random.Random(seed): the same int, the same numbers
a random.Random that generator itself, shared with whoever else holds it
"""

from __future__ import annotations

import random
from typing import Any

__all__ = ["Seed", "random_source"]

Seed = int | random.Random | None


def random_source(seed: Seed) -> Any:
    """The generator a seed stands for: a new random.Random(seed), the Random given, or `random`.

    >>> random_source(3).random() == random_source(3).random()
    True
    """
    if seed is None or seed is random:
        return random
    if isinstance(seed, random.Random):
        return seed
    if isinstance(seed, bool) or not isinstance(seed, int):
        raise TypeError(
            f"seed must be an int, a random.Random or None, got {type(seed).__name__} "
            f"{seed!r:.40}; pass e.g. seed=0 for reproducible numbers"
        )
    return random.Random(seed)
