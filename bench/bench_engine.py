"""The engine against micrograd, side by side in one run: medians and ratios.

    make bench                       # installs the `bench` extra (micrograd==0.1.0)
    .venv/bin/python bench/bench_engine.py [--repeat 7]

Workloads (issue 3):
  (a) micrograd's demo step: MLP(2,[16,16,1]) on 100 two-moons points, full
      batch, hinge loss + 1e-4 L2, forward + backward + SGD update;
  (b) a tanh chain 100,000 deep, forward + backward;
  (c) the Python sum() of 100,000 products, forward + backward;
  (d) bytes per node, measured with tracemalloc;
  (e) the same MLP forward pass with plain Python floats: the floor.

chainrule relaxes the cyclic collector when imported (autograd/collector.py).
micrograd is timed with Python's default collector, as its users get it, and
chainrule is timed both ways, so the policy's share is visible.
"""

from __future__ import annotations

import argparse
import gc
import math
import random
import sys
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from timing import median_seconds, print_table  # noqa: E402

import autograd  # noqa: E402
import nn  # noqa: E402
from autograd import collector  # noqa: E402

try:
    import micrograd.engine as mg_engine
    import micrograd.nn as mg_nn
except ImportError:  # the `bench` extra is not installed
    mg_engine = mg_nn = None


def moons(n: int = 100, noise: float = 0.1, seed: int = 1337) -> tuple[list, list]:
    """Two interleaved half circles, labels -1 and +1 (as micrograd's demo uses)."""
    rng = random.Random(seed)
    xs, ys = [], []
    for i in range(n):
        t = math.pi * (i % (n // 2)) / (n // 2 - 1)
        if i < n // 2:
            x, y, label = math.cos(t), math.sin(t), -1
        else:
            x, y, label = 1 - math.cos(t), 0.5 - math.sin(t), 1
        xs.append([x + rng.gauss(0, noise), y + rng.gauss(0, noise)])
        ys.append(label)
    return xs, ys


def demo_step(value_cls, model, xs, ys, k: int) -> float:
    """One step of micrograd's demo, written exactly as micrograd's demo writes it."""
    inputs = [list(map(value_cls, row)) for row in xs]
    scores = list(map(model, inputs))
    losses = [(1 + -yi * si).relu() for yi, si in zip(ys, scores)]
    data_loss = sum(losses) * (1.0 / len(losses))
    reg_loss = 1e-4 * sum(p * p for p in model.parameters())
    total = data_loss + reg_loss
    model.zero_grad()
    total.backward()
    lr = 1.0 - 0.9 * k / 100
    for p in model.parameters():
        p.data -= lr * p.grad
    return total.data


def float_forward(weights, xs) -> list[float]:
    """The MLP's forward pass on plain floats: no graph at all."""
    out = []
    for row in xs:
        h = row
        for li, layer in enumerate(weights):
            last = li == len(weights) - 1
            nxt = []
            for w, b in layer:
                act = b
                for wi, hi in zip(w, h):
                    act += wi * hi
                nxt.append(act if last or act > 0 else 0.0)
            h = nxt
        out.append(h[0])
    return out


def deep_chain(value_cls, depth: int, op: str = "tanh") -> None:
    x = value_cls(0.1)
    y = x
    for _ in range(depth):
        y = getattr(y, op)()
    y.backward()


def sum_of_products(value_cls, n: int) -> None:
    ws = [value_cls(0.5) for _ in range(n)]
    xs = [value_cls(2.0) for _ in range(n)]
    sum(w * x for w, x in zip(ws, xs)).backward()


def bytes_per_node(value_cls, n: int = 50_000) -> float:
    gc.collect()
    tracemalloc.start()
    x = value_cls(1.0)
    y = x
    for _ in range(n):
        y = y * 1.0001  # each step: one constant leaf and one product node
    used = tracemalloc.get_traced_memory()[0]
    tracemalloc.stop()
    del y
    return used / (2 * n)


def attempt(fn):
    try:
        return fn()
    except RecursionError:
        return "RecursionError"


def copy_weights(source_model, target_model) -> None:
    for src, dst in zip(source_model.parameters(), target_model.parameters(), strict=True):
        dst.data = src.data


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    xs, ys = moons()
    random.seed(1337)
    cr_model = nn.MLP(2, [16, 16, 1])
    rows: list[tuple[str, str, str, str]] = []

    def cr_step(i: int) -> None:
        demo_step(autograd.Value, cr_model, xs, ys, i)

    weights = [
        [([w.data for w in n.w], n.b.data) for n in layer.neurons] for layer in cr_model.layers
    ]
    floor = median_seconds(lambda i: float_forward(weights, xs), args.repeat * 3)

    collector.use_python_default()
    cr_default_gc = median_seconds(cr_step, args.repeat)
    mg_step = None
    if mg_nn is not None:
        mg_model = mg_nn.MLP(2, [16, 16, 1])
        copy_weights(cr_model, mg_model)
        mg_step = median_seconds(
            lambda i: demo_step(mg_engine.Value, mg_model, xs, ys, i), args.repeat
        )
        gc.disable()
        mg_no_gc = median_seconds(lambda i: demo_step(mg_engine.Value, mg_model, xs, ys, i), 3)
        gc.enable()
        gc.collect()
    collector.relax()
    cr_relaxed = median_seconds(cr_step, args.repeat)
    gc.disable()
    cr_no_gc = median_seconds(cr_step, args.repeat)
    gc.enable()

    def ms(s: float) -> str:
        return f"{s * 1e3:.1f} ms"

    def ratio(a: float | None, b: float) -> str:
        return "n/a" if a is None else f"{a / b:.1f}x"

    mg = "not installed" if mg_step is None else ms(mg_step)
    rows.append(("(a) demo step, default settings", ms(cr_relaxed), mg, ratio(mg_step, cr_relaxed)))
    rows.append(
        (
            "(a) demo step, Python's default GC",
            ms(cr_default_gc),
            mg,
            ratio(mg_step, cr_default_gc),
        )
    )
    rows.append(
        (
            "(a) demo step, GC disabled",
            ms(cr_no_gc),
            "n/a" if mg_step is None else ms(mg_no_gc),
            "n/a" if mg_step is None else ratio(mg_no_gc, cr_no_gc),
        )
    )
    rows.append(("(e) plain-float forward (floor)", ms(floor), "", ""))
    rows.append(("(a) / (e): demo step over the floor", f"{cr_relaxed / floor:.1f}x", "", ""))

    cr_tanh = median_seconds(lambda i: deep_chain(autograd.Value, 100_000), 3)
    # micrograd 0.1.0 has no tanh: the same chain with relu stands in for it.
    mg_tanh = (
        "not installed"
        if mg_nn is None
        else attempt(lambda: deep_chain(mg_engine.Value, 100_000, "relu"))
    )
    if not isinstance(mg_tanh, str):
        mg_tanh = "done"
    elif mg_tanh == "RecursionError":
        mg_tanh = "RecursionError (no tanh; relu chain)"
    rows.append(
        (
            "(b) tanh chain 100,000 deep",
            ms(cr_tanh),
            mg_tanh if isinstance(mg_tanh, str) else "done",
            "",
        )
    )
    cr_sum = median_seconds(lambda i: sum_of_products(autograd.Value, 100_000), 3)
    mg_sum = (
        "not installed"
        if mg_nn is None
        else attempt(lambda: sum_of_products(mg_engine.Value, 100_000))
    )
    rows.append(
        (
            "(c) sum of 100,000 products",
            ms(cr_sum),
            mg_sum if isinstance(mg_sum, str) else "done",
            "",
        )
    )
    cr_bytes = bytes_per_node(autograd.Value)
    mg_bytes = None if mg_nn is None else bytes_per_node(mg_engine.Value)
    rows.append(
        (
            "(d) bytes per node",
            f"{cr_bytes:.0f}",
            "not installed" if mg_bytes is None else f"{mg_bytes:.0f}",
            "" if mg_bytes is None else f"{mg_bytes / cr_bytes:.1f}x less",
        )
    )

    print(f"Python {sys.version.split()[0]}, medians of {args.repeat} runs\n")
    print_table(("workload", "chainrule", "micrograd 0.1.0", "micrograd / chainrule"), rows)


if __name__ == "__main__":
    main()
