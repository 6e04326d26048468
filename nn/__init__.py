"""chainrule's nn: neurons, layers and MLPs built on autograd.Value."""

__chainrule__ = True

from autograd._identity import require_chainrule_package

require_chainrule_package("autograd")

from nn.modules import MLP, Layer, Module, Neuron  # noqa: E402

__all__ = ["Module", "Neuron", "Layer", "MLP"]
