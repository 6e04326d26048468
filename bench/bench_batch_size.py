"""An epoch of nn.fit at each batch size, on the batched engine and on the scalar one.

micrograd's demo model, MLP(2, [16, 16, 1]), on 100 two-moons points with the
hinge loss and SGD. The batched engine replays one tape per batch, so it pays
per batch, not per sample; this measures whether that stays below the scalar
engine's cost even one sample at a time (nn/batched.py's docstring cites it).
Medians of this thread's CPU time; an epoch is a fit of 2 epochs divided by 2.
"""

from __future__ import annotations

import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import timing  # noqa: E402
from timing import median_seconds, print_table  # noqa: E402

import nn  # noqa: E402

EPOCHS = 2


def fit_epoch(X, y, batch_size: int | None, engine: str):
    """One epoch of nn.fit, after a first call that records the tape."""
    model = nn.MLP(2, [16, 16, 1], seed=1337)
    options = dict(loss="hinge", optimizer=nn.SGD(model.parameters(), lr=0.05), verbose=0)
    options.update(batch_size=batch_size, engine=engine)
    nn.fit(model, X, y, epochs=1, **options)
    return lambda k: nn.fit(model, X, y, epochs=EPOCHS, **options)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    timing.clock = timing.CLOCKS["cpu"]
    X, y = nn.data.moons(100, 0.1, seed=0, signed=True)
    print(f"load average before: {os.getloadavg()[0]:.2f}; medians of {args.repeat} runs\n")
    rows = []
    for batch_size in (1, 8, 100):
        batched, scalar = (
            median_seconds(fit_epoch(X, y, batch_size, engine), args.repeat) / EPOCHS
            for engine in ("batched", "scalar")
        )
        rows.append(
            (str(batch_size), f"{batched * 1e3:.1f} ms", f"{scalar * 1e3:.1f} ms",
             f"{scalar / batched:.1f}x")
        )  # fmt: skip
    print_table(("batch size", "batched", "scalar", "scalar / batched"), rows)
    print(f"\nload average after: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
