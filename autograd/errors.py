"""The exceptions chainrule's autograd package raises.

Each message says three things: what happened, why it matters, and what to do
about it. Nodes are named by their label where they have one.
"""

from __future__ import annotations

__all__ = [
    "DomainError",
    "AnomalyError",
    "GradcheckError",
    "TraceError",
    "RenderError",
    "ExpressionError",
]


class DomainError(ValueError):
    """An operation was asked for a value outside its domain, e.g. log(-2.0).

    >>> from autograd import Value
    >>> Value(-2.0, label="z").log()
    Traceback (most recent call last):
    ...
    autograd.errors.DomainError: log(-2.0) is undefined: log needs x > 0 (in node 'z'). ...
    """

    way_out: str
    """What to do about it; the engine puts it after the node's label."""
    batch_index: int | None
    """On the tape: the flat position of the example in the batch where it happened."""

    def __init__(self, message: str = "", *, way_out: str = "", batch_index: int | None = None):
        super().__init__(message)
        self.way_out = way_out
        self.batch_index = batch_index


class AnomalyError(ArithmeticError):
    """detect_anomaly() saw the first NaN or inf of a forward or backward pass."""


class GradcheckError(AssertionError):
    """An analytic gradient disagreed with its numeric estimate."""


class TraceError(ValueError):
    """A function could not be recorded as a tape that replays correctly."""


class RenderError(RuntimeError):
    """No program that turns DOT text into a picture could be found or run."""


class ExpressionError(ValueError):
    """A formula typed as text was rejected (autograd/expression.py).

    The message is one line naming the offending token and its position;
    `.position` is that 0-based column and `.token` its text.
    """

    def __init__(self, message: str, position: int, token: str = "") -> None:
        super().__init__(message)
        self.position = position
        self.token = token
