"""The exceptions chainrule's nn package raises.

Each message says three things: what happened, why it matters, and what to do
about it.
"""

from __future__ import annotations

__all__ = ["ShapeError", "CheckpointError", "MissingExtraError", "UsageError"]


class ShapeError(ValueError):
    """Inputs, targets or weights do not have the sizes the model expects.

    >>> from nn import Neuron
    >>> Neuron(3)([1.0, 2.0])
    Traceback (most recent call last):
    ...
    nn.errors.ShapeError: Neuron got 2 inputs but has 3 weights: ...
    """


class CheckpointError(ValueError):
    """A saved model could not be read back: truncated, not JSON, wrong version, NaN..."""


class MissingExtraError(ImportError):
    """An optional dependency (an 'extra' of chainrule) is not installed."""


class UsageError(ValueError):
    """A command-line argument that cannot be used; `chainrule` prints it as one line, exit 2."""
