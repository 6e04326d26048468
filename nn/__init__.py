"""chainrule's nn: neurons, layers and MLPs built on autograd.Value, and training them.

micrograd's demo runs with only the import changed:

>>> import random
>>> from nn import MLP
>>> random.seed(1337)
>>> model = MLP(2, [16, 16, 1])
>>> len(model.parameters())
337

Where things live (one idea per file):

    module.py      Module: parameters, dotted names, state_dict, scope tags
    layers.py      Neuron, Layer, MLP
    dropout.py     Dropout (model.train() / model.eval() switch it on and off)
    seeding.py     what seed= means
    lecture.py     the lecture's tanh Neuron, Layer, MLP (from nn.lecture import MLP)
    losses.py      mse, hinge, binary_cross_entropy, softmax_cross_entropy, l2
    metrics.py     accuracy
    optim.py       SGD, RMSProp, Adam
    schedules.py   learning-rate schedules
    clip.py        clip_grad_norm, clip_grad_value
    train.py       fit and its History, evaluate
    data.py        seeded toy datasets, split
    plot.py        decision boundary, loss curve, gradient norms (matplotlib, optional)
    serialize.py   save and load
    course.py      the notebooks' "your turn" checks (from nn.course import check)
"""

__chainrule__ = True

from autograd._identity import require_chainrule_package

require_chainrule_package("autograd")

from nn import data, plot  # noqa: E402
from nn.clip import clip_grad_norm, clip_grad_value  # noqa: E402
from nn.dropout import Dropout  # noqa: E402
from nn.errors import CheckpointError, MissingExtraError, ShapeError  # noqa: E402
from nn.layers import MLP, Layer, Neuron  # noqa: E402
from nn.losses import binary_cross_entropy, hinge, l2, mse, softmax_cross_entropy  # noqa: E402
from nn.metrics import accuracy  # noqa: E402
from nn.module import Module  # noqa: E402
from nn.optim import SGD, Adam, Optimizer, RMSProp  # noqa: E402
from nn.schedules import Constant, Cosine, LinearDecay, Schedule, StepDecay  # noqa: E402
from nn.serialize import load, save  # noqa: E402
from nn.train import History, Score, evaluate, fit  # noqa: E402

__all__ = [
    "Module",
    "Neuron",
    "Layer",
    "MLP",
    "Dropout",
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
    "evaluate",
    "Score",
    "History",
    "data",
    "plot",
    "save",
    "load",
    "ShapeError",
    "CheckpointError",
    "MissingExtraError",
]
