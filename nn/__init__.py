"""chainrule's nn: neurons, layers and MLPs built on autograd.Value."""

__chainrule__ = True

from autograd._identity import require_chainrule_package

require_chainrule_package("autograd")

from nn import data  # noqa: E402
from nn.clip import clip_grad_norm, clip_grad_value  # noqa: E402
from nn.errors import CheckpointError, MissingExtraError, ShapeError  # noqa: E402
from nn.layers import MLP, Layer, Neuron  # noqa: E402
from nn.losses import binary_cross_entropy, hinge, l2, mse, softmax_cross_entropy  # noqa: E402
from nn.metrics import accuracy  # noqa: E402
from nn.module import Module  # noqa: E402
from nn.optim import SGD, Adam, Optimizer, RMSProp  # noqa: E402
from nn.schedules import Constant, Cosine, LinearDecay, Schedule, StepDecay  # noqa: E402
from nn.serialize import load, save  # noqa: E402
from nn.train import History, fit  # noqa: E402

__all__ = [
    "Module",
    "Neuron",
    "Layer",
    "MLP",
    "mse",
    "hinge",
    "binary_cross_entropy",
    "softmax_cross_entropy",
    "l2",
    "accuracy",
    "Optimizer",
    "SGD",
    "RMSProp",
    "Adam",
    "Schedule",
    "Constant",
    "StepDecay",
    "LinearDecay",
    "Cosine",
    "clip_grad_norm",
    "clip_grad_value",
    "fit",
    "History",
    "data",
    "save",
    "load",
    "ShapeError",
    "CheckpointError",
    "MissingExtraError",
]
