"""The networks of Karpathy's micrograd lecture: tanh in every layer, the last one included.

    Neuron(nin)         tanh(w . x + b), weights w and bias b ~ U(-1, 1)
    Layer(nin, nout)    nout such neurons; a layer of one neuron returns a Value
    MLP(nin, nouts)     such layers, one after the other

These are not micrograd's package network (`from nn import MLP`: ReLU hidden
layers, a linear last layer, bias 0), which the lecture's second half does not
use: on its four examples that network's loss stalls at 4.0 for most seeds, as
the last ReLU layer goes silent. With these, the lecture's training loop runs
with only the import changed:

>>> import random
>>> from nn.lecture import MLP
>>> random.seed(0)
>>> model = MLP(3, [4, 4, 1])
>>> len(model.parameters())
41
>>> type(model([2.0, 3.0, -1.0])).__name__
'Value'

Randomness: with no seed the weights come from Python's global `random`, as in
the lecture, so `random.seed(s)` first gives the very numbers the lecture's
code draws (each neuron's weights, then its bias). `seed=` (an int or a
random.Random) gives a model its own generator instead.

They are nn.layers' classes with activation='tanh' everywhere and
bias='uniform', so parameters(), zero_grad(), the dotted names and save/load
work as for any nn module.
"""

from __future__ import annotations

from collections.abc import Sequence

from nn import layers
from nn.layers import Seed

__all__ = ["Neuron", "Layer", "MLP"]


class Neuron(layers.Neuron):
    """tanh(w . x + b), with w and b drawn from U(-1, 1).

    >>> n = Neuron(2, seed=0)
    >>> [round(p.data, 6) for p in n.parameters()]
    [0.688844, 0.515909, -0.158857]
    """

    def __init__(self, nin: int, *, seed: Seed = None) -> None:
        super().__init__(nin, activation="tanh", bias="uniform", seed=seed)


class Layer(layers.Layer):
    """nout tanh neurons that each see the same inputs; one neuron gives a bare Value."""

    def __init__(self, nin: int, nout: int, *, seed: Seed = None) -> None:
        super().__init__(nin, nout, activation="tanh", bias="uniform", seed=seed)


class MLP(layers.MLP):
    """Layers of tanh neurons, the last layer's too: MLP(3, [4, 4, 1]) has 41 parameters."""

    def __init__(self, nin: int, nouts: Sequence[int], *, seed: Seed = None) -> None:
        # One activation per layer, the last included; anything that is not a list of
        # sizes gets nn.layers.MLP's own error, which names it.
        sizes = isinstance(nouts, Sequence) and not isinstance(nouts, str)
        activation = ["tanh"] * len(nouts) if sizes else "tanh"
        super().__init__(nin, nouts, activation=activation, bias="uniform", seed=seed)
