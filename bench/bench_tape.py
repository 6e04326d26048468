"""The batched tape against micrograd, the scalar engine and PyTorch: medians and ratios.

    make bench                                # installs the `bench` extra (micrograd)
    .venv/bin/python bench/bench_tape.py [--repeat 7]

Workloads (issues 7 and 17):
  (a) micrograd's demo step: MLP(2, [16, 16, 1]) on 100 two-moons points, full
      batch, hinge loss + 1e-4 L2, forward + backward + SGD update. The tape
      replays the per-point loss recorded once (autograd.trace), its layers as
      matrix products, and the L2 penalty as a tape of its own (one sum); it
      is set against micrograd 0.1.0 (target: at least 100x faster),
      chainrule's scalar engine, and a batched float64 PyTorch MLP doing the
      same step (target: within 1.5x), when torch is importable;
  (b) the same model and step on 10,000 points: one epoch as one full batch
      (target: within 2x of PyTorch), and as 100 shuffled batches of 100
      (target: within 2x);
  (c) value and gradient of f(x, y) = sin(xy) + tanh(x - y) exp(-(x^2 + y^2)/4)
      on a 100 x 100 grid: the tape against a Python loop of the scalar engine
      over the grid (target: at least 200x faster), and the first call, which
      records and checks the tape;
  (fit) an epoch of nn.fit with its default engine on (a) and (b), timed as a
      fit of FIT_EPOCHS epochs divided by them, against the same PyTorch step or
      epoch (the same targets).

micrograd and torch are optional: a missing one is reported as "not installed".
Every engine starts from the same weights, and the script checks that they
compute the same loss before timing them. PyTorch runs on one thread, and so
does numpy's BLAS here (set before numpy is imported), as the tape's Python does.
Each ratio to PyTorch is the median of the ratios of runs made back to back, and
the machine's load average is printed with the table: on a shared machine the
ratios mean more than the times.
"""

from __future__ import annotations

import os

for _threads in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_threads, "1")  # one thread, as torch.set_num_threads(1)

import argparse  # noqa: E402
import sys  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import timing  # noqa: E402
from timing import median_seconds, paired, print_table  # noqa: E402

import autograd  # noqa: E402
import nn  # noqa: E402
from autograd import collector, trace  # noqa: E402

try:
    import micrograd.engine as mg_engine
    import micrograd.nn as mg_nn
except ImportError:  # the `bench` extra is not installed
    mg_engine = mg_nn = None

try:
    import torch
except ImportError:  # torch is never a dependency: compared only when present
    torch = None

SIZES = [16, 16, 1]
L2 = 1e-4


def learning_rate(k: int) -> float:
    return 1.0 - 0.9 * k / 100


# -- one demo step per engine ---------------------------------------------------------


def value_step(value_cls, model, xs, ys, k: int) -> float:
    """micrograd's demo step, written as micrograd's demo writes it."""
    inputs = [list(map(value_cls, row)) for row in xs]
    scores = list(map(model, inputs))
    losses = [(1 + -yi * si).relu() for yi, si in zip(ys, scores)]
    data_loss = sum(losses) * (1.0 / len(losses))
    reg_loss = L2 * sum(p * p for p in model.parameters())
    total = data_loss + reg_loss
    model.zero_grad()
    total.backward()
    for p in model.parameters():
        p.data -= learning_rate(k) * p.grad
    return total.data


class TapeStep:
    """The same step on the tape: the per-point hinge loss, recorded once, on arrays."""

    def __init__(self, model) -> None:
        self.params = params = model.parameters()

        def hinge_of_one_point(x0, x1, label):
            return (1 + -label * model([x0, x1])).relu()

        def penalty():  # no inputs: the same for every point, one sum over the parameters
            return L2 * sum(p * p for p in params)

        self.tape = trace(hinge_of_one_point, params=params)
        self.penalty = trace(penalty, 0, params=params)

    def __call__(self, X: np.ndarray, y: np.ndarray, k: int) -> float:
        params = self.params
        for p in params:
            p.grad = 0.0
        losses = self.tape.backward(X[:, 0], X[:, 1], y, grad_output=1.0 / len(y))
        reg = self.penalty.backward()  # adds 2 * L2 * p to each p.grad
        lr = learning_rate(k)
        for p in params:
            p.data -= lr * p.grad
        return float(np.sum(losses) / len(y) + reg)


class TorchStep:
    """The same step as a batched float64 PyTorch MLP."""

    def __init__(self, model) -> None:
        layers = []
        for i, layer in enumerate(model.layers):
            linear = torch.nn.Linear(len(layer.neurons[0].w), len(layer.neurons)).double()
            with torch.no_grad():
                linear.weight.copy_(
                    torch.tensor(
                        [[w.data for w in n.w] for n in layer.neurons], dtype=torch.float64
                    )
                )
                linear.bias.copy_(
                    torch.tensor([n.b.data for n in layer.neurons], dtype=torch.float64)
                )
            layers.append(linear)
            if i < len(model.layers) - 1:
                layers.append(torch.nn.ReLU())
        self.net = torch.nn.Sequential(*layers)

    def __call__(self, X, y, k: int) -> float:
        net = self.net
        scores = net(X).squeeze(1)
        data_loss = torch.relu(1 - y * scores).mean()
        total = data_loss + L2 * sum((p * p).sum() for p in net.parameters())
        net.zero_grad()
        total.backward()
        with torch.no_grad():
            for p in net.parameters():
                p -= learning_rate(k) * p.grad
        return float(total.detach())


def copy_weights(source, target) -> None:
    for src, dst in zip(source.parameters(), target.parameters(), strict=True):
        dst.data = src.data


def fresh_model(seed: int = 1337):
    return nn.MLP(2, SIZES, seed=seed)


# -- (c): a function of two inputs on a grid ---------------------------------------------


def surface(x, y):
    return (x * y).sin() + (x - y).tanh() * (-(x * x + y * y) * 0.25).exp()


def scalar_grid(gx: np.ndarray, gy: np.ndarray):
    z, dx, dy = (np.empty(gx.shape) for _ in range(3))
    for index in np.ndindex(gx.shape):
        x, y = autograd.Value(float(gx[index])), autograd.Value(float(gy[index]))
        out = surface(x, y)
        out.backward()
        z[index], dx[index], dy[index] = out.data, x.grad, y.grad
    return z, dx, dy


# -- the table -----------------------------------------------------------------------------


def ms(seconds: float | None) -> str:
    if seconds is None:
        return "not installed"
    return f"{seconds * 1e3:.2f} ms" if seconds < 1.0 else f"{seconds:.2f} s"


def ratio(reference: float | None, tape: float, r: float | None = None) -> str:
    """reference / tape, or the paired median r when the two were timed back to back."""
    if reference is None:
        return ""
    r = reference / tape if r is None else r
    return f"{r:.1f}x" if r >= 1.0 else f"{r:.2f}x (the tape is {1 / r:.1f}x slower)"


def against_torch(tape_run, torch_run, repeat: int) -> tuple[float, float | None, float | None]:
    """(tape time, torch time, torch/tape): timed in pairs, or the tape alone without torch."""
    if torch is None:
        return median_seconds(tape_run, repeat), None, None
    return paired(tape_run, torch_run, repeat)


def torch_epoch(step, X, y, rng):
    """One epoch of the PyTorch step in shuffled batches of 100."""

    def run(k: int) -> None:
        order = torch.from_numpy(rng.permutation(len(y)))
        for start in range(0, len(y), 100):
            batch = order[start : start + 100]
            step(X[batch], y[batch], k)

    return run


FIT_EPOCHS = 5
"""An epoch of nn.fit is timed as a fit of this many epochs, divided by them: fit's set-up
(checking and converting X and y, once a call) is counted once per call, as in training."""


def _times(run, n: int):
    """run, n times over: the PyTorch side of an n-epoch fit."""
    if run is None:
        return None
    return lambda k: [run(k) for _ in range(n)]


def fit_epoch(X, y, batch_size, engine: str = "auto"):
    """One epoch of nn.fit, after a first call records the tape: see FIT_EPOCHS."""
    model = fresh_model()
    optimizer = nn.SGD(model.parameters(), lr=0.1)
    options = dict(loss="hinge", optimizer=optimizer, l2=L2, log_every=0)
    options.update(batch_size=batch_size, engine=engine)
    nn.fit(model, X, y, epochs=1, **options)
    return lambda k: nn.fit(model, X, y, epochs=FIT_EPOCHS, **options)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument(
        "--clock",
        choices=sorted(timing.CLOCKS),
        default="wall",
        help="wall time, or this thread's CPU time (steadier on a machine shared with other jobs)",
    )
    args = parser.parse_args()
    repeat = args.repeat
    timing.clock = timing.CLOCKS[args.clock]
    if torch is not None:
        torch.set_num_threads(1)
    load_before = os.getloadavg()
    rows: list[tuple[str, ...]] = []
    vs_torch = "reference / tape"

    # (a) micrograd's demo step on 100 points.
    X, y = nn.data.moons(100, 0.1, seed=0, signed=True)
    y = y.astype(float)
    xs, ys = X.tolist(), y.tolist()
    reference = fresh_model()
    losses = {}

    tape_step = TapeStep(fresh_model())
    losses["tape"] = tape_step(X, y, 0)  # records and checks the tape
    scalar_model = fresh_model()
    losses["scalar"] = value_step(autograd.Value, scalar_model, xs, ys, 0)
    mg_model = mg_step_time = None
    if mg_nn is not None:
        mg_model = mg_nn.MLP(2, SIZES)
        copy_weights(reference, mg_model)
        losses["micrograd"] = value_step(mg_engine.Value, mg_model, xs, ys, 0)
    torch_step = None
    if torch is not None:
        torch_step = TorchStep(reference)
        Xt, yt = torch.tensor(X), torch.tensor(y)
        losses["torch"] = torch_step(Xt, yt, 0)
    spread = max(losses.values()) - min(losses.values())
    if spread > 1e-9:
        raise SystemExit(f"the engines disagree on the first step's loss: {losses}")

    torch_run = None if torch is None else lambda k: torch_step(Xt, yt, k)
    tape_time, torch_time, torch_ratio = against_torch(
        lambda k: tape_step(X, y, k), torch_run, repeat * 5
    )
    scalar_time = median_seconds(
        lambda k: value_step(autograd.Value, scalar_model, xs, ys, k), repeat
    )
    if mg_model is not None:
        collector.use_python_default()  # micrograd as its users run it
        mg_step_time = median_seconds(
            lambda k: value_step(mg_engine.Value, mg_model, xs, ys, k), repeat
        )
        collector.relax()
    fit_small, _, fit_small_ratio = against_torch(
        fit_epoch(X, y, None), _times(torch_run, FIT_EPOCHS), repeat * 2
    )
    fit_small /= FIT_EPOCHS
    fit_scalar = median_seconds(fit_epoch(X, y, None, "scalar"), 3) / FIT_EPOCHS

    rows.append(
        (
            "(a) demo step vs micrograd 0.1.0",
            ms(tape_time),
            ms(mg_step_time),
            ratio(mg_step_time, tape_time),
            ">= 100x",
        )
    )
    rows.append(
        (
            "(a) demo step vs chainrule's scalar engine",
            ms(tape_time),
            ms(scalar_time),
            ratio(scalar_time, tape_time),
            "",
        )
    )
    rows.append(
        (
            "(a) demo step vs batched PyTorch (float64, 1 thread)",
            ms(tape_time),
            ms(torch_time),
            ratio(torch_time, tape_time, torch_ratio),
            ">= 0.67x (within 1.5x)",
        )
    )

    # (b) the same model on 10,000 points.
    X10, y10 = nn.data.moons(10_000, 0.1, seed=1, signed=True)
    y10 = y10.astype(float)
    big_step = TapeStep(fresh_model())
    big_step(X10[:100], y10[:100], 0)
    rng = np.random.default_rng(0)

    def tape_batches(k: int) -> None:
        order = rng.permutation(len(y10))
        for start in range(0, len(y10), 100):
            batch = order[start : start + 100]
            big_step(X10[batch], y10[batch], k)

    torch_full_run = torch_batches_run = None
    if torch is not None:
        big_torch = TorchStep(fresh_model())
        X10t, y10t = torch.tensor(X10), torch.tensor(y10)
        torch_full_run = lambda k: big_torch(X10t, y10t, k)  # noqa: E731
        torch_batches_run = torch_epoch(big_torch, X10t, y10t, rng)
    full, torch_full, full_ratio = against_torch(
        lambda k: big_step(X10, y10, k), torch_full_run, repeat * 3
    )
    batches, torch_batches, batches_ratio = against_torch(tape_batches, torch_batches_run, repeat)
    fit_full, _, fit_full_ratio = against_torch(
        fit_epoch(X10, y10, None), _times(torch_full_run, FIT_EPOCHS), repeat
    )
    fit_batches, _, fit_batches_ratio = against_torch(
        fit_epoch(X10, y10, 100), _times(torch_batches_run, FIT_EPOCHS), 3
    )
    fit_full /= FIT_EPOCHS
    fit_batches /= FIT_EPOCHS
    rows.append(
        (
            "(b) 10,000 points, one epoch as one full batch",
            ms(full),
            ms(torch_full),
            ratio(torch_full, full, full_ratio),
            ">= 0.5x (within 2x)",
        )
    )
    rows.append(
        (
            "(b) 10,000 points, one epoch in 100 batches of 100",
            ms(batches),
            ms(torch_batches),
            ratio(torch_batches, batches, batches_ratio),
            ">= 0.5x (within 2x)",
        )
    )

    # (c) value and gradient on a 100 x 100 grid.
    gx, gy = np.meshgrid(np.linspace(-2, 2, 100), np.linspace(-2, 2, 100))
    grid_tape = trace(surface)
    z, (dx, dy) = grid_tape.value_and_grad(gx, gy)
    # A first call, on a fresh tape each time: one run alone swings with the load.
    first_call = median_seconds(lambda k: trace(surface).value_and_grad(gx, gy), repeat)
    loop = median_seconds(lambda k: scalar_grid(gx, gy), max(3, repeat // 2))
    replay = median_seconds(lambda k: grid_tape.value_and_grad(gx, gy), repeat * 5)
    zs, dxs, dys = scalar_grid(gx, gy)
    worst = max(  # relative to each array's largest entry: values cross zero on the grid
        float(np.max(np.abs(a - b)) / np.max(np.abs(b))) for a, b in ((z, zs), (dx, dxs), (dy, dys))
    )
    if worst > 1e-12:
        raise SystemExit(f"the tape and the scalar engine disagree on the grid: {worst:.2e}")
    rows.append(
        (
            "(c) 100x100 grid, value + gradient vs a scalar-engine loop",
            ms(replay),
            ms(loop),
            ratio(loop, replay),
            ">= 200x",
        )
    )
    rows.append(
        (
            "(c) the same, first call (records and checks the tape)",
            ms(first_call),
            ms(loop),
            ratio(loop, first_call),
            "",
        )
    )

    # nn.fit: an epoch of the default engine against the same PyTorch work.
    rows.append(
        (
            "(a) nn.fit epoch, 100 points, vs the PyTorch step",
            ms(fit_small),
            ms(torch_time),
            ratio(torch_time, fit_small, fit_small_ratio),
            ">= 0.67x (within 1.5x)",
        )
    )
    rows.append(
        (
            "(a) nn.fit epoch, engine='scalar' vs the default ('batched' here)",
            ms(fit_small),
            ms(fit_scalar),
            ratio(fit_scalar, fit_small),
            "",
        )
    )
    rows.append(
        (
            "(b) nn.fit epoch, 10,000 points in one batch, vs PyTorch",
            ms(fit_full),
            ms(torch_full),
            ratio(torch_full, fit_full, fit_full_ratio),
            ">= 0.5x (within 2x)",
        )
    )
    rows.append(
        (
            "(b) nn.fit epoch, 10,000 points in batches of 100, vs PyTorch",
            ms(fit_batches),
            ms(torch_batches),
            ratio(torch_batches, fit_batches, fit_batches_ratio),
            ">= 0.5x (within 2x)",
        )
    )

    load_after = os.getloadavg()
    versions = f"Python {sys.version.split()[0]}, numpy {np.__version__}"
    versions += f", torch {torch.__version__}" if torch is not None else ", torch not installed"
    if mg_nn is None:
        versions += ", micrograd not installed"
    print(f"{versions}; medians of {repeat} or more runs, {args.clock} time")
    print(
        f"load average (1, 5, 15 min) before: {', '.join(f'{x:.2f}' for x in load_before)}; "
        f"after: {', '.join(f'{x:.2f}' for x in load_after)} ({os.cpu_count()} cores)"
    )
    print(f"first-step loss, every engine: {losses['tape']:.12f} (spread {spread:.1e})")
    print(f"grid: largest difference, tape vs scalar engine, over the largest value: {worst:.1e}\n")
    print_table(("workload", "chainrule", "reference", vs_torch, "target"), rows)


if __name__ == "__main__":
    main()
