"""`chainrule demo`: the main job, micrograd's moons demo, end to end.

Trains MLP(2, [16, 16, 1]) on 100 two-moons points with micrograd's recipe
(nn/cli/recipes.py), prints progress, and writes to demo-output/ (or --out DIR):

    decision_boundary.png   the regions the trained model assigns to each class
    loss.png                loss and accuracy per step
    neuron.svg              one neuron's graph, with every gradient
    backward_steps.html     the backward pass through that neuron, step by step

`--dataset xor|circles|spiral` trains on another toy problem with defaults
that suit it (softmax cross-entropy over three classes for spiral).
Exit codes: 0 when the run reaches its target training accuracy, 1 when not
or when a picture cannot be written (a full disk), 2 for bad usage (reported
on stderr before any training).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from collections.abc import Callable
from typing import Any

import nn
from autograd import Value, backward_steps, draw
from autograd.errors import RenderError
from autograd.files import write_atomic
from autograd.naming import format_number
from nn.cli.arguments import shown, whole_number
from nn.cli.recipes import RECIPES
from nn.errors import MissingExtraError, UsageError
from nn.train import ENGINES

__all__ = ["add_arguments", "run", "MAX_SEED", "MAX_EPOCHS"]

MAX_SEED = 2**32 - 1
"""Largest --seed: numpy seeds its generators with non-negative whole numbers, kept to 32 bits."""

MAX_EPOCHS = 10_000
"""Most --epochs: a hundred times what every toy problem here needs."""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The options of `chainrule demo`."""
    parser.add_argument(
        "--out", default="demo-output", help="folder for the pictures (default: demo-output)"
    )
    parser.add_argument(
        "--dataset", choices=tuple(RECIPES), default="moons", help="toy problem (default: moons)"
    )
    parser.add_argument(
        "--seed",
        type=int,
        default=0,
        help=f"seed of the data and the weights, 0 to {MAX_SEED} (default: 0)",
    )
    parser.add_argument(
        "--epochs",
        type=int,
        default=None,
        help=f"training steps (full batch), 1 to {MAX_EPOCHS} (default: the dataset's, 100)",
    )
    parser.add_argument(
        "--engine",
        choices=tuple(ENGINES),
        default="batched",
        help="how each step is computed: batched (the model's graph recorded once and "
        "replayed on the whole batch with numpy) or scalar (one graph per point, as "
        "micrograd does) (default: batched)",
    )


def run(args: argparse.Namespace) -> int:
    """Train, print progress, write the pictures; 0 on target, 1 short of it or unwritten."""
    recipe = RECIPES[args.dataset]
    seed = whole_number("--seed", args.seed, 0, MAX_SEED, "numpy's seeds are non-negative")
    epochs = recipe.epochs if args.epochs is None else args.epochs
    whole_number(
        "--epochs",
        epochs,
        1,
        MAX_EPOCHS,
        f"a run of no steps trains nothing, and {args.dataset} needs about {recipe.epochs}: "
        "leave --epochs out for that, and train longer in a script calling nn.fit",
    )
    _prepare_folder(args.out)
    X, y = recipe.data(seed)
    model = nn.MLP(2, list(recipe.sizes), seed=seed)
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
        seed=seed,
        log_every=max(1, epochs // 10),
        engine=args.engine,
    )
    if history.interrupted:
        raise KeyboardInterrupt  # fit stopped between steps; the command ends as Ctrl-C does
    seconds = time.perf_counter() - started
    final = history.accuracy[-1]
    print(
        f"trained in {seconds:.1f} s ({1000 * seconds / epochs:.0f} ms per step): "
        f"training accuracy {100 * final:.1f}%"
    )
    for name, write in _pictures(model, X, y, history):
        path = os.path.join(args.out, name)
        try:
            write(path)
        except (MissingExtraError, RenderError) as error:
            print(f"  {name}: skipped. {error}")
            continue
        except OSError as error:
            print(
                f"chainrule demo: cannot write {path} ({error.strerror or error}), so this "
                "run's pictures are incomplete (those written are whole). Free some space, "
                "or pass --out a folder on another disk",
                file=sys.stderr,
            )
            return 1
        print(f"  wrote {path}")
    if final < recipe.target:
        print(f"the run stopped short of {100 * recipe.target:.0f}% training accuracy")
        return 1
    return 0


def _prepare_folder(out: str) -> None:
    """Create `out` and check it takes files, before training, so a bad --out costs nothing."""
    if os.path.exists(out) and not os.path.isdir(out):
        raise UsageError(
            f"--out {shown(out)} is a file, and the demo writes four files into a folder. "
            "Pass a folder (new or existing), e.g. --out demo-output"
        )
    try:
        os.makedirs(out, exist_ok=True)
        tempfile.TemporaryFile(dir=out).close()
    except (OSError, ValueError) as error:  # ValueError: a NUL in the name
        raise UsageError(
            f"cannot write into --out {shown(out)} ({getattr(error, 'strerror', None) or error}), "
            "so the demo would have nowhere to put its pictures. Pass a folder you can write to"
        ) from None


def _pictures(
    model: nn.MLP, X: Any, y: Any, history: nn.History
) -> list[tuple[str, Callable[[str], None]]]:
    """Each file the demo writes, with the function that writes it to a path."""
    point = [float(v) for v in X[0]]
    root = _neuron_graph(model, point)
    caption = _neuron_caption(model, point)
    return [
        ("decision_boundary.png", lambda path: nn.plot.decision_boundary(model, X, y, path=path)),
        ("loss.png", lambda path: nn.plot.loss_curve(history, path=path)),
        (
            "neuron.svg",
            lambda path: write_atomic(path, draw(root, title=caption).pipe(format="svg")),
        ),
        ("backward_steps.html", lambda path: backward_steps(root).save_html(path)),
    ]


def _neuron_caption(model: nn.MLP, x: list[float]) -> str:
    """What neuron.svg shows: which neuron, on which input, after which backward."""
    neuron = model.layers[0].neurons[0]
    act = neuron.activation
    inputs = ", ".join(f"x[{i}] = {format_number(v)}" for i, v in enumerate(x))
    formula = "w . x + b" if act == "linear" else f"{act}(w . x + b)"
    return (
        f"Neuron layers.0.neurons.0 (the first of the first layer) of the trained model on "
        f"the first training point, {inputs}: out = {formula}, with the gradients of "
        "out.backward()"
    )


def _neuron_graph(model: nn.MLP, x: list[float]) -> Value:
    """The first hidden neuron on the first point, backward run: a graph worth reading."""
    neuron = model.layers[0].neurons[0]
    inputs = [Value(v, label=f"x[{i}]") for i, v in enumerate(x)]
    out = neuron(inputs)
    out.label = "out"
    model.zero_grad()  # leaves accumulate: show this pass's gradients, not training's last step
    out.backward()
    return out
