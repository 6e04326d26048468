"""Neuron, Layer and MLP, with micrograd's signatures and behaviour.

    Neuron(nin)         act(w . x + b), weights w ~ U(-1, 1), bias b = 0
    Layer(nin, nout)    nout neurons that all see the same inputs
    MLP(nin, nouts)     layers of ReLU neurons and a linear last layer

micrograd's demo runs unchanged, and with `random.seed(s)` before building,
the weights are the very numbers micrograd draws (the lecture's networks, tanh
throughout, are in nn/lecture.py). Added:

- `activation=`: 'relu', 'tanh', 'sigmoid', 'leaky_relu' (slope 0.01) or 'linear';
- `init=`: 'uniform' (micrograd's U(-1, 1)), 'xavier' (U(-a, a) with
  a = sqrt(6 / (fan_in + fan_out))) or 'he' (a = sqrt(6 / fan_in));
- `bias=`: 'zero' (micrograd's nn.py) or 'uniform' (drawn like the weights, after
  them: the lecture's U(-1, 1) with init='uniform');
- `seed=`: an int (or a random.Random) so that two models built with the same
  seed are identical; None draws from Python's global `random`, as micrograd does;
- MLP's `dropout=p`: a Dropout layer (nn/dropout.py) after each hidden layer,
  active in training mode only (`model.train()`, `model.eval()`).

micrograd's one bug is fixed: a Layer of one neuron returns a bare Value,
which crashed the next layer (MLP(2, [16, 1, 1])). Here the MLP hands a
hidden layer's single Value on as a list of one, while a one-neuron last
layer still returns a bare Value, as micrograd's does.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Sequence
from typing import Any

from autograd import Value
from autograd.coerce import as_float
from autograd.recording import SCOPE
from autograd.value import weighted_sum
from nn.dropout import Dropout
from nn.errors import ShapeError
from nn.module import Module
from nn.seeding import Seed, random_source

__all__ = ["Neuron", "Layer", "MLP", "ACTIVATIONS", "INITS", "BIASES", "Seed"]

ACTIVATIONS: dict[str, Callable[[Value], Value] | None] = {
    "relu": Value.relu,
    "tanh": Value.tanh,
    "sigmoid": Value.sigmoid,
    "leaky_relu": Value.leaky_relu,
    "linear": None,
}
"""Activation name -> the Value method it applies (None for 'linear')."""

INITS = ("uniform", "xavier", "he")
"""The weight initialisations: U(-a, a) with a = 1, sqrt(6/(in+out)), sqrt(6/in)."""

BIASES = ("zero", "uniform")
"""The bias initialisations: 0, or U(-a, a) with the weights' a."""


def _check_choice(kind: str, value: Any, choices: Sequence[str]) -> str:
    if value not in choices:
        raise ValueError(
            f"unknown {kind} {value!r}: it selects how neurons are built. "
            f"Choose one of {', '.join(repr(c) for c in choices)}"
        )
    return value


def _check_size(what: str, n: Any) -> int:
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise ValueError(
            f"{what} must be a positive int, got {n!r:.40}: it counts inputs or neurons. "
            "Pass e.g. 2 for two-dimensional points"
        )
    return n


def _bound(init: str, fan_in: int, fan_out: int) -> float:
    if init == "uniform":
        return 1.0
    if init == "xavier":
        return math.sqrt(6.0 / (fan_in + fan_out))
    return math.sqrt(6.0 / fan_in)


class Neuron(Module):
    """act(w . x + b): the weighted sum of the inputs, plus a bias, through an activation.

    nonlin=True is ReLU and False is linear (micrograd's flag); `activation`
    names any other. `fan_out` only matters for init='xavier'.

    >>> n = Neuron(2, activation="tanh", seed=0)
    >>> [p.label for p in n.parameters()]
    ['w.0', 'w.1', 'b']
    >>> round(n([1.0, -1.0]).data, 6)
    0.171231
    """

    def __init__(
        self,
        nin: int,
        nonlin: bool = True,
        *,
        activation: str | None = None,
        init: str = "uniform",
        bias: str = "zero",
        seed: Seed = None,
        fan_out: int = 1,
    ) -> None:
        _check_size("nin", nin)
        if activation is None:
            activation = "relu" if nonlin else "linear"
        elif not nonlin and activation != "linear":
            raise ValueError(
                f"Neuron got nonlin=False and activation={activation!r}, which disagree: "
                "nonlin=False means linear. Pass only activation="
            )
        _check_choice("activation", activation, tuple(ACTIVATIONS))
        _check_choice("init", init, INITS)
        _check_choice("bias", bias, BIASES)
        rng = random_source(seed)
        a = _bound(init, nin, fan_out)
        self.w = [Value(rng.uniform(-a, a)) for _ in range(nin)]
        self.b = Value(rng.uniform(-a, a) if bias == "uniform" else 0.0)
        self.nonlin = activation != "linear"
        self._activation = activation
        self._act = ACTIVATIONS[activation]

    @property
    def activation(self) -> str:
        """The activation's name: 'relu', 'tanh', 'sigmoid', 'leaky_relu' or 'linear'."""
        return self._activation

    def forward(self, x: Sequence[Any]) -> Value:
        w = self.w
        try:
            n = len(x)
        except TypeError:
            if x is None:
                raise TypeError(
                    f"Neuron got input None: a neuron takes its inputs as a list of {len(w)} "
                    f"numbers or Values. Pass e.g. {[float(i + 1) for i in range(len(w))]}"
                ) from None
            x, n = [x], 1  # a lone number or Value for a one-input neuron
        if n != len(w):
            raise ShapeError(
                f"Neuron got {n} inputs but has {len(w)} weights: each input needs its "
                f"weight. Pass a list of {len(w)} numbers, or build Neuron({n})"
            )
        # micrograd's sum((wi*xi for ...), b), node for node (see weighted_sum).
        act = weighted_sum(self.b, w, x)
        f = self._act
        return act if f is None else f(act)

    def parameters(self) -> list[Value]:
        return self.w + [self.b]

    def _config(self) -> dict[str, Any]:
        return {"nin": len(self.w), "activation": self._activation}

    def __repr__(self) -> str:
        name = {"relu": "ReLU", "linear": "Linear"}.get(self._activation, self._activation)
        return f"{name}Neuron({len(self.w)})"


class Layer(Module):
    """nout neurons that each see the same inputs; one neuron gives a bare Value.

    Keyword arguments go to every Neuron (nonlin=, activation=, init=, bias=, seed=).

    >>> layer = Layer(2, 3, seed=0)
    >>> len(layer([1.0, 2.0])), layer.neurons[2].b.label
    (3, 'neurons.2.b')
    """

    def __init__(self, nin: int, nout: int, **kwargs: Any) -> None:
        _check_size("nout", nout)
        kwargs["seed"] = random_source(kwargs.get("seed"))
        kwargs.setdefault("fan_out", nout)
        self.neurons = [Neuron(nin, **kwargs) for _ in range(nout)]

    def forward(self, x: Sequence[Any]) -> Value | list[Value]:
        # [n(x) for n in self.neurons], with Module.__call__'s work (the neuron's scope
        # around its forward) done here in one loop: a call per neuron is a twentieth of
        # micrograd's demo step. A neuron class with its own __call__ is called as it is.
        out = []
        for n in self.neurons:
            if type(n).__call__ is not Module.__call__:
                out.append(n(x))
                continue
            token = SCOPE.set(n._path)
            try:
                out.append(n.forward(x))
            finally:
                SCOPE.reset(token)
        return out[0] if len(out) == 1 else out

    def parameters(self) -> list[Value]:
        return [p for n in self.neurons for p in n.parameters()]

    def _config(self) -> dict[str, Any]:
        first = self.neurons[0]
        return {"nin": len(first.w), "nout": len(self.neurons), "activation": first.activation}

    def __repr__(self) -> str:
        return f"Layer of [{', '.join(str(n) for n in self.neurons)}]"


def _input(number: Any, i: int) -> Value:
    """The network's input number i as a leaf labelled x[i]."""
    return Value(as_float(number, f"MLP's input x[{i}]"), label=f"x[{i}]")


class MLP(Module):
    """A multi-layer perceptron: hidden layers with `activation`, then a linear layer.

    `activation` is one name for every hidden layer (the last stays linear),
    or a list with one name per layer, last included. `dropout=p` puts a
    Dropout(p) after every hidden layer (in `dropouts`), each seeded from
    `seed` after the weights are drawn, so the weights do not depend on p.

    >>> model = MLP(2, [16, 1, 1], seed=0)     # micrograd crashes on this one
    >>> type(model([0.5, -0.5])).__name__
    'Value'
    >>> model.parameters()[-1].label
    'layers.2.neurons.0.b'
    """

    def __init__(
        self,
        nin: int,
        nouts: Sequence[int],
        *,
        activation: str | Sequence[str] = "relu",
        init: str = "uniform",
        bias: str = "zero",
        seed: Seed = None,
        dropout: float = 0.0,
    ) -> None:
        _check_size("nin", nin)
        if isinstance(nouts, (str, bytes)) or not hasattr(nouts, "__iter__"):
            example = nouts if isinstance(nouts, int) else 16
            raise TypeError(
                f"nouts must be a list of layer sizes, got {type(nouts).__name__} {nouts!r:.40}: "
                "MLP(nin, nouts) takes one size per layer, the last being the outputs. "
                f"Pass e.g. MLP({nin}, [{example}]) for one layer of {example}"
            )
        nouts = list(nouts)
        if not nouts:
            raise ValueError(
                "MLP needs at least one layer size in nouts, got []: nouts lists the "
                "neurons per layer. Pass e.g. MLP(2, [16, 16, 1])"
            )
        if isinstance(activation, str):
            acts = [activation] * (len(nouts) - 1) + ["linear"]
        else:
            acts = list(activation)
            if len(acts) != len(nouts):
                raise ShapeError(
                    f"MLP got {len(acts)} activations for {len(nouts)} layers: with a list, "
                    "each layer (the last included) needs one. Pass one name per layer, or "
                    "a single name for all hidden layers"
                )
        rng = random_source(seed)
        sizes = [nin] + nouts
        self.layers = [
            Layer(sizes[i], sizes[i + 1], activation=acts[i], init=init, bias=bias, seed=rng)
            for i in range(len(nouts))
        ]
        drop = Dropout(dropout)  # checks p before any generator is drawn from
        self.dropouts = [
            Dropout(drop.p, seed=random.Random(rng.getrandbits(64)))
            for _ in range(len(nouts) - 1 if drop.p else 0)
        ]

    def forward(self, x: Sequence[Any]) -> Any:
        if isinstance(x, (list, tuple)):
            # Each plain number becomes one labelled leaf, x[0], x[1], ..., which every
            # neuron of the first layer shares: drawn once, with its gradient. Lifted at
            # each use instead (micrograd's Value(other)), each neuron would get its own copy.
            x = [v if isinstance(v, Value) else _input(v, i) for i, v in enumerate(x)]
        layers, dropouts = self.layers, self.dropouts
        last = len(layers) - 1
        for i, layer in enumerate(layers):
            x = layer(x)
            if i != last:
                if isinstance(x, Value):
                    x = [x]
                if dropouts:
                    x = dropouts[i](x)
        return x

    def parameters(self) -> list[Value]:
        return [p for layer in self.layers for p in layer.parameters()]

    def _config(self) -> dict[str, Any]:
        first = self.layers[0].neurons[0]
        return {
            "nin": len(first.w),
            "nouts": [len(layer.neurons) for layer in self.layers],
            "activation": [layer.neurons[0].activation for layer in self.layers],
        } | ({"dropout": self.dropouts[0].p} if self.dropouts else {})

    def __repr__(self) -> str:
        dropout = f", dropout {self.dropouts[0].p:g}" if self.dropouts else ""
        return f"MLP of [{', '.join(str(layer) for layer in self.layers)}]{dropout}"
