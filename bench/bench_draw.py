"""How long draw(loss, group='module') takes on micrograd's demo training loss.

The graph: MLP(2, [16, 16, 1]) on 100 two-moons points, hinge loss plus L2
regularisation, as in micrograd's demo notebook (about 66k nodes). Prints the
median of several runs for building the grouped DOT, and for rendering it.
The target (issue 5) is under 5 seconds to draw it grouped.

Run: PYTHONPATH=. python bench/bench_draw.py
"""

from __future__ import annotations

import math
import random

from timing import median_seconds

from autograd import RenderError, Value, draw, topological_order
from autograd.recording import module_scope
from autograd.render import find_renderer


def moons(n: int, seed: int = 1) -> tuple[list[list[float]], list[float]]:
    rng = random.Random(seed)
    xs, ys = [], []
    for i in range(n):
        t = math.pi * rng.random()
        if i % 2:
            xs.append([math.cos(t) + rng.gauss(0, 0.1), math.sin(t) + rng.gauss(0, 0.1)])
            ys.append(1.0)
        else:
            xs.append([1 - math.cos(t) + rng.gauss(0, 0.1), 0.5 - math.sin(t) + rng.gauss(0, 0.1)])
            ys.append(-1.0)
    return xs, ys


def _nn_model():
    """nn's MLP(2, [16, 16, 1]) if this nn tags nodes with module paths, else None."""
    try:
        from nn import MLP

        model = MLP(2, [16, 16, 1])
        probe = model([Value(0.5), Value(-0.5)])
    except Exception:
        return None
    if not any(node.scope for node in topological_order(probe)):
        return None
    return model, model.parameters()


def _scoped_model():
    """The same MLP written out, tagging nodes with module_scope as nn's Module.__call__ does."""
    rng = random.Random(0)
    sizes = [2, 16, 16, 1]
    layers, params = [], []
    for li, (nin, nout) in enumerate(zip(sizes, sizes[1:])):
        neurons = []
        for ni in range(nout):
            path = f"layers.{li}.neurons.{ni}"
            w = [Value(rng.uniform(-1, 1), label=f"{path}.w.{k}") for k in range(nin)]
            b = Value(0.0, label=f"{path}.b")
            neurons.append((path, w, b, li < len(sizes) - 2))
            params += w + [b]
        layers.append(neurons)

    def forward(x):
        for neurons in layers:
            out = []
            for path, w, b, nonlin in neurons:
                with module_scope(path):
                    act = sum((wi * xi for wi, xi in zip(w, x)), b)
                    out.append(act.relu() if nonlin else act)
            x = out
        return x[0]

    return forward, params


def training_loss() -> Value:
    """The demo's loss: hinge loss on 100 moons points plus L2 regularisation."""
    forward, params = _nn_model() or _scoped_model()
    xs, ys = moons(100)
    scores = [forward([Value(a), Value(b)]) for a, b in xs]
    losses = [(1 + -y * s).relu() for y, s in zip(ys, scores)]
    data_loss = sum(losses) * (1.0 / len(losses))
    reg_loss = 1e-4 * sum(p * p for p in params)
    loss = data_loss + reg_loss
    loss.label = "loss"
    loss.backward()
    return loss


def main() -> None:
    loss = training_loss()
    n = len(topological_order(loss))
    drawing = draw(loss, group="module")
    boxes = drawing.source.count("shape=box")
    print(f"graph: {n} nodes; grouped drawing: {len(drawing.body)} DOT lines, {boxes} boxes")
    build = median_seconds(lambda _: draw(loss, group="module"), 5)
    print(f"draw(loss, group='module')        median {build:.3f} s")
    for program in ("dot", "graphviz-pure"):
        try:
            find_renderer(program)
        except RenderError:
            print(f"{program}: not installed, skipped")
            continue

        def draw_and_render(program: str = program) -> bytes:
            drawing = draw(loss, group="module")
            drawing.program = program
            return drawing.pipe(format="svg")

        svg = draw_and_render()
        seconds = median_seconds(lambda _: draw_and_render(), 3)
        verdict = "met" if seconds < 5 else "NOT met"
        print(
            f"draw + render to SVG with {program:13} median {seconds:.3f} s "
            f"({len(svg) // 1024} KiB); target 5 s {verdict}"
        )


if __name__ == "__main__":
    main()
