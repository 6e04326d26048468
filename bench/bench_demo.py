"""micrograd's moons demo, 100 steps, timed with chainrule and with micrograd itself.

The very same training code (micrograd's demo loop: `model(x)` per point,
hinge loss with `sum(...)`, 1e-4 L2, `p.data -= lr * p.grad`) runs once with
chainrule's Value and MLP here, and once with micrograd's in a subprocess, on
the same 100 two-moons points. micrograd comes from the `bench` extra
(`make bench`), or from any Python given as --micrograd-python:

    python3 -m venv /tmp/mgvenv && /tmp/mgvenv/bin/pip install micrograd==0.1.0 numpy
    PYTHONPATH=. python bench/bench_demo.py --micrograd-python /tmp/mgvenv/bin/python

Prints a markdown table: seconds for the 100 steps and final accuracy of each,
and the ratio. micrograd runs in its own process, so chainrule's collector
policy (autograd/collector.py) does not touch it.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys

TRAINING = """
import random, time
random.seed(1337)
model = MLP(2, [16, 16, 1])
started = time.perf_counter()
for k in range(STEPS):
    inputs = [list(map(Value, xrow)) for xrow in X]
    scores = list(map(model, inputs))
    losses = [(1 + -yi * scorei).relu() for yi, scorei in zip(y, scores)]
    data_loss = sum(losses) * (1.0 / len(losses))
    reg_loss = 1e-4 * sum((p * p for p in model.parameters()))
    total_loss = data_loss + reg_loss
    model.zero_grad()
    total_loss.backward()
    learning_rate = 1.0 - 0.9 * k / 100
    for p in model.parameters():
        p.data -= learning_rate * p.grad
seconds = time.perf_counter() - started
scores = [model(list(map(Value, xrow))) for xrow in X]
accuracy = sum((yi > 0) == (s.data > 0) for yi, s in zip(y, scores)) / len(y)
"""

MICROGRAD = (
    """
import json, sys
from micrograd.engine import Value
from micrograd.nn import MLP
X, y, STEPS = json.load(sys.stdin)
"""
    + TRAINING
    + """
print(json.dumps([seconds, accuracy]))
"""
)


def _chainrule(X: list, y: list, steps: int) -> tuple[float, float]:
    from autograd import Value
    from nn import MLP

    scope = {"Value": Value, "MLP": MLP, "X": X, "y": y, "STEPS": steps}
    exec(TRAINING, scope)
    return scope["seconds"], scope["accuracy"]


def _chainrule_demo(engine: str) -> tuple[float, float]:
    """The training of `chainrule demo` itself: nn.fit with micrograd's recipe."""
    import io
    import time
    from contextlib import redirect_stdout

    import nn
    from nn.cli.recipes import RECIPES

    recipe = RECIPES["moons"]
    X, y = recipe.data(0)
    model = nn.MLP(2, list(recipe.sizes), seed=0)
    optimizer = recipe.optimizer(model.parameters())
    started = time.perf_counter()
    with redirect_stdout(io.StringIO()):
        history = nn.fit(
            model,
            X,
            y,
            loss=recipe.loss,
            optimizer=optimizer,
            epochs=recipe.epochs,
            l2=recipe.l2,
            seed=0,
            engine=engine,
        )
    return time.perf_counter() - started, history.accuracy[-1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--micrograd-python", help="a Python that has micrograd==0.1.0")
    parser.add_argument("--steps", type=int, default=100)
    args = parser.parse_args()

    import nn

    X, y = nn.data.moons(100, 0.1, seed=0, signed=True, as_lists=True)
    seconds, accuracy = _chainrule(X, y, args.steps)
    print(f"| {args.steps} steps of micrograd's demo | seconds | training accuracy |")
    print("| --- | ---: | ---: |")
    print(f"| chainrule, micrograd's loop unchanged | {seconds:.2f} | {100 * accuracy:.0f}% |")
    for engine in ("scalar", "batched"):
        demo_seconds, demo_accuracy = _chainrule_demo(engine)
        print(
            f"| `chainrule demo` (nn.fit, engine={engine!r}) | {demo_seconds:.2f} "
            f"| {100 * demo_accuracy:.0f}% |"
        )
    python = args.micrograd_python or sys.executable
    has = subprocess.run([python, "-c", "import micrograd"], capture_output=True).returncode == 0
    if not has:
        print(f"\nmicrograd not measured: {python} has no micrograd (pass --micrograd-python)")
        return
    result = subprocess.run(
        [python, "-c", MICROGRAD],
        input=json.dumps([X, y, args.steps]),
        capture_output=True,
        text=True,
        check=True,
    )
    mg_seconds, mg_accuracy = json.loads(result.stdout)
    print(f"| micrograd 0.1.0 | {mg_seconds:.2f} | {100 * mg_accuracy:.0f}% |")
    print(f"\nmicrograd's loop: chainrule is {mg_seconds / seconds:.1f}x faster than micrograd")


if __name__ == "__main__":
    sys.exit(main())
