"""`chainrule demo`: the main job, micrograd's moons demo, end to end.

Trains MLP(2, [16, 16, 1]) on 100 two-moons points with micrograd's recipe
(hinge loss plus 1e-4 L2, 100 full-batch steps of SGD, learning rate
1 - 0.9*k/100), prints progress, and writes to demo-output/ (or --out DIR):

    decision_boundary.png   the regions the trained model assigns to each class
    loss.png                loss and accuracy per step
    neuron.svg              one neuron's graph, with every gradient
    backward_steps.html     the backward pass through that neuron, step by step

`--dataset xor|circles|spiral` trains on another toy problem with defaults
that suit it (softmax cross-entropy over three classes for spiral).
Exit codes: 0 when the run reaches its target training accuracy, 1 when not,
2 for bad usage (reported on stderr before any training).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from autograd.value import Value

__all__ = ["add_arguments", "run", "RECIPES"]


@dataclass(frozen=True)
class Recipe:
    """How one dataset is trained by the demo."""

    data: Callable[[int], tuple[Any, Any]]
    """seed -> (X, y)."""
    sizes: tuple[int, ...]
    """The MLP's layer sizes after the 2 inputs."""
    loss: str
    optimizer: Callable[[list[Value]], Any]
    epochs: int
    l2: float
    target: float
    """The training accuracy the run must reach."""
    about: str


def _recipes() -> dict[str, Recipe]:
    import nn

    def micrograd_sgd(params: list[Value]) -> Any:
        return nn.SGD(params, lr=nn.LinearDecay(1.0, 0.1, 100))

    return {
        "moons": Recipe(
            data=lambda seed: nn.data.moons(100, 0.1, seed=seed, signed=True),
            sizes=(16, 16, 1),
            loss="hinge",
            optimizer=micrograd_sgd,
            epochs=100,
            l2=1e-4,
            target=1.0,
            about="micrograd's demo: hinge loss + 1e-4 L2, SGD with lr = 1 - 0.9*k/100",
        ),
        "circles": Recipe(
            data=lambda seed: nn.data.circles(100, 0.05, seed=seed, signed=True),
            sizes=(16, 16, 1),
            loss="hinge",
            optimizer=micrograd_sgd,
            epochs=100,
            l2=1e-4,
            target=1.0,
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


RECIPES = ("moons", "circles", "xor", "spiral")
"""The datasets `--dataset` accepts; moons is micrograd's demo."""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    from nn.train import ENGINES

    parser.add_argument("--out", default="demo-output", help="folder for the pictures")
    parser.add_argument(
        "--dataset", choices=RECIPES, default="moons", help="toy problem (default: moons)"
    )
    parser.add_argument(
        "--seed", type=int, default=0, help="seed of the data and the weights (default: 0)"
    )
    parser.add_argument("--epochs", type=int, default=None, help="training steps (full batch)")
    parser.add_argument(
        "--engine",
        choices=tuple(ENGINES),
        default="batched",
        help="how each step is computed: batched (the model's graph recorded once and "
        "replayed on the whole batch with numpy) or scalar (one graph per point, as "
        "micrograd does) (default: batched)",
    )


def run(args: argparse.Namespace) -> int:
    import nn

    recipe = _recipes()[args.dataset]
    epochs = args.epochs if args.epochs is not None else recipe.epochs
    if epochs < 1:
        _usage_error(
            f"--epochs must be at least 1, got {epochs}: a run of no steps trains nothing "
            f"and has no pictures to draw. Pass --epochs 1 or more, or leave it out for "
            f"{args.dataset}'s default of {recipe.epochs}"
        )
        return 2
    if args.engine not in nn.train.ENGINES:
        known = ", ".join(nn.train.ENGINES)
        _usage_error(
            f"unknown engine {args.engine!r}: nn.fit has no such way to compute a step. "
            f"Pass --engine with one of: {known}"
        )
        return 2
    problem = _prepare_folder(args.out)
    if problem:
        _usage_error(problem)
        return 2
    X, y = recipe.data(args.seed)
    model = nn.MLP(2, list(recipe.sizes), seed=args.seed)
    optimizer = recipe.optimizer(model.parameters())
    print(
        f"chainrule demo: {args.dataset}, {len(y)} points, MLP(2, {list(recipe.sizes)}) "
        f"with {len(model.parameters())} parameters"
    )
    print(f"  {recipe.about}; {epochs} steps, engine {args.engine}")
    started = time.perf_counter()
    history = nn.fit(
        model,
        X,
        y,
        loss=recipe.loss,
        optimizer=optimizer,
        epochs=epochs,
        l2=recipe.l2,
        seed=args.seed,
        log_every=max(1, epochs // 10),
        engine=args.engine,
    )
    seconds = time.perf_counter() - started
    final = history.accuracy[-1]
    print(
        f"trained in {seconds:.1f} s ({1000 * seconds / epochs:.0f} ms per step): "
        f"training accuracy {100 * final:.1f}%"
    )
    _pictures(model, X, y, history, args.out)
    _neuron_pictures(model, [float(v) for v in X[0]], args.out)
    if final < recipe.target:
        print(f"the run stopped short of {100 * recipe.target:.0f}% training accuracy")
        return 1
    return 0


def _usage_error(message: str) -> None:
    print(f"chainrule demo: {message}", file=sys.stderr)


def _prepare_folder(out: str) -> str | None:
    """Create `out` and check it takes files; the problem in three parts, or None.

    Checked before training, so a bad --out costs nothing but the message.
    """
    if os.path.exists(out) and not os.path.isdir(out):
        return (
            f"--out {out!r} is a file, and the demo writes four files into a folder. "
            "Pass a folder (new or existing), e.g. --out demo-output"
        )
    try:
        os.makedirs(out, exist_ok=True)
        tempfile.TemporaryFile(dir=out).close()
    except OSError as error:
        return (
            f"cannot write into --out {out!r} ({error.strerror or error}), so the demo "
            "would have nowhere to put its pictures. Pass a folder you can write to"
        )
    return None


def _pictures(model: Any, X: Any, y: Any, history: Any, out: str) -> None:
    from nn.errors import MissingExtraError

    try:
        from nn import plot

        plot.decision_boundary(model, X, y, path=os.path.join(out, "decision_boundary.png"))
        plot.loss_curve(history, path=os.path.join(out, "loss.png"))
    except MissingExtraError as error:
        print(f"  decision_boundary.png, loss.png: skipped. {error}")
        return
    print(f"  wrote {os.path.join(out, 'decision_boundary.png')}")
    print(f"  wrote {os.path.join(out, 'loss.png')}")


def _neuron_graph(model: Any, x: list[float]) -> Value:
    """The first hidden neuron on the first point, backward run: a graph worth reading."""
    neuron = model.layers[0].neurons[0]
    inputs = [Value(v, label=f"x{i + 1}") for i, v in enumerate(x)]
    out = neuron(inputs)
    out.label = "out"
    model.zero_grad()  # leaves accumulate: show this pass's gradients, not training's last step
    out.backward()
    return out


def _neuron_pictures(model: Any, x: list[float], out: str) -> None:
    from autograd import backward_steps, draw
    from autograd.errors import RenderError
    from nn.atomic import write_atomic

    root = _neuron_graph(model, x)
    svg_path = os.path.join(out, "neuron.svg")
    html_path = os.path.join(out, "backward_steps.html")
    try:
        write_atomic(svg_path, draw(root).pipe(format="svg"))
        print(f"  wrote {svg_path}")
        backward_steps(root).save_html(html_path)
        print(f"  wrote {html_path}")
    except RenderError as error:
        print(f"  neuron.svg, backward_steps.html: skipped. {error}")
