"""chainrule's nn: neurons, layers and MLPs built on autograd.Value."""

__chainrule__ = True

from autograd._identity import require_chainrule_package

require_chainrule_package("autograd")

from nn.errors import CheckpointError, MissingExtraError, ShapeError  # noqa: E402
from nn.layers import MLP, Layer, Neuron  # noqa: E402
from nn.module import Module  # noqa: E402

__all__ = [
    "Module",
    "Neuron",
    "Layer",
    "MLP",
    "ShapeError",
    "CheckpointError",
    "MissingExtraError",
]
