"""Anomaly mode: find the first operation that produced a NaN or an inf.

Inside `detect_anomaly()` every new node remembers the file and line (or the
notebook cell) that created it, and the first non-finite value, in the forward
pass or in a gradient of the backward pass, raises AnomalyError naming that
node. Outside the mode nothing is recorded and nothing is checked.
"""

from __future__ import annotations

import contextvars
import math
import os
import sys
import weakref
from typing import Any

from autograd.errors import AnomalyError
from autograd.recording import STATE, _anomaly_enabled, is_anomaly_enabled

__all__ = ["detect_anomaly", "creation_site"]

_PACKAGE_DIR = os.path.dirname(os.path.abspath(__file__))
_sites: weakref.WeakKeyDictionary[Any, str] = weakref.WeakKeyDictionary()


class detect_anomaly:
    """Raise AnomalyError at the first NaN or inf, naming where it was made.

    >>> from autograd import Value, detect_anomaly
    >>> with detect_anomaly():
    ...     y = Value(1e200) * 1e200
    Traceback (most recent call last):
    ...
    autograd.errors.AnomalyError: forward produced inf at node #... '*' ...
    """

    def __init__(self) -> None:
        self._tokens: list[contextvars.Token[bool]] = []

    def __enter__(self) -> detect_anomaly:
        self._tokens.append(_anomaly_enabled.set(True))
        STATE.enter_special()
        return self

    def __exit__(self, *exc: object) -> None:
        _anomaly_enabled.reset(self._tokens.pop())
        STATE.leave_special()


def creation_site(node: Any) -> str | None:
    """'file.py:12' (or the notebook cell) where a node was made in anomaly mode."""
    return _sites.get(node)


def _caller_site() -> str:
    frame = sys._getframe(1)
    while frame is not None and os.path.dirname(
        os.path.abspath(frame.f_code.co_filename)
    ).startswith(_PACKAGE_DIR):
        frame = frame.f_back
    if frame is None:
        return "an unknown place"
    filename = frame.f_code.co_filename
    if "ipykernel" in filename or filename.startswith("<ipython-input"):
        return f"notebook cell {filename}, line {frame.f_lineno}"
    return f"{filename}:{frame.f_lineno}"


def _describe(node: Any) -> str:
    name = f"#{node.creation_index}" + (f" {node.label!r}" if node.label else "")
    operands = ", ".join(repr(p.data) for p in node.parents)
    site = _sites.get(node, "an unrecorded place (made outside detect_anomaly)")
    return f"node {name} {node.op!r} with operands ({operands}), created at {site}"


def check_forward(node: Any) -> None:
    """Record where `node` was made; raise if its value is not finite."""
    _sites[node] = _caller_site()
    if not math.isfinite(node.data) and all(math.isfinite(p.data) for p in node.parents):
        raise AnomalyError(
            f"forward produced {node.data} at {_describe(node)}. Every later value "
            "that depends on it will be non-finite too; check that node's inputs "
            "for overflow (very large values) or a division by a tiny number"
        )


def check_backward(order: list[Any]) -> None:
    """After a backward pass in anomaly mode, raise at the first non-finite gradient."""
    if not is_anomaly_enabled():
        return
    for node in reversed(order):
        g = node.grad
        g = g.data if hasattr(g, "data") else g
        if not math.isfinite(g):
            raise AnomalyError(
                f"backward produced the gradient {g} at {_describe(node)}. The chain rule "
                "multiplied a local derivative that overflowed or was undefined; look at "
                "that node's operation and operands"
            )
