"""Anomaly mode: find the first operation that produced a NaN or an inf.

Inside `detect_anomaly()` every new node remembers the file and line (or the
notebook cell) that created it, and the first non-finite value, in the forward
pass or in a gradient of the backward pass, raises AnomalyError naming that
node. An input that is already NaN or inf is reported where it is first used.
In backward, the error names the op whose local derivative overflowed, not
only the node that received the bad gradient. Outside the mode nothing is
recorded and nothing is checked: operations read one counter and move on.
"""

from __future__ import annotations

import math
import os
import sys
import weakref
from typing import Any

from autograd.chain import describe, local_derivatives
from autograd.errors import AnomalyError
from autograd.recording import ANOMALY_ENABLED, ModeSwitch, is_anomaly_enabled

__all__ = ["detect_anomaly", "creation_site", "record_site"]

_PACKAGE_DIR = os.path.dirname(os.path.abspath(__file__))
_NN_DIR = os.path.join(os.path.dirname(_PACKAGE_DIR), "nn")
"""Where chainrule's nn package lives: a node made there also names the user's line."""
_sites: weakref.WeakKeyDictionary[Any, str] = weakref.WeakKeyDictionary()


class detect_anomaly(ModeSwitch):
    """Raise AnomalyError at the first NaN or inf, naming where it was made.

    >>> from autograd import Value, detect_anomaly
    >>> with detect_anomaly():
    ...     y = Value(1e200) * 1e200
    Traceback (most recent call last):
    ...
    autograd.errors.AnomalyError: forward produced inf at node #... '*' ...
    """

    def __init__(self) -> None:
        super().__init__(ANOMALY_ENABLED, True)

    def __enter__(self) -> detect_anomaly:
        return super().__enter__()


def creation_site(node: Any) -> str | None:
    """'file.py:12' (or the notebook cell) where a node was made in anomaly mode."""
    return _sites.get(node)


def record_site(node: Any) -> None:
    """Remember where `node` was made (called for leaves and ops inside the mode)."""
    _sites[node] = _caller_site()


def _caller_site() -> str:
    """The first line outside autograd; if that is inside nn, also the user's line calling it."""
    frame = sys._getframe(1)
    while frame is not None and _directory(frame) == _PACKAGE_DIR:
        frame = frame.f_back
    if frame is None:
        return "an unknown place"
    site = _where(frame)
    if _directory(frame) == _NN_DIR:
        caller = frame.f_back
        while caller is not None and _directory(caller) in (_PACKAGE_DIR, _NN_DIR):
            caller = caller.f_back
        if caller is not None:
            site += f" (called from {_where(caller)})"
    return site


def _directory(frame: Any) -> str:
    return os.path.dirname(os.path.abspath(frame.f_code.co_filename))


def _where(frame: Any) -> str:
    filename = frame.f_code.co_filename
    cell = _notebook_cell(filename)
    if cell is not None:
        return f"{cell}, line {frame.f_lineno}"  # as IPython's own tracebacks say it
    if "ipykernel" in filename or filename.startswith("<ipython-input"):
        return f"notebook cell {filename}, line {frame.f_lineno}"
    return f"{filename}:{frame.f_lineno}"


def _notebook_cell(filename: str) -> str | None:
    """'Cell In[5]' when IPython ran the code in `filename` as a cell, else None."""
    ipython = sys.modules.get("IPython")
    if ipython is None:
        return None  # not in IPython, and no need to import it to know
    try:
        shell = ipython.get_ipython()
        label = shell.compile.format_code_name(filename) if shell is not None else None
    except Exception:  # noqa: BLE001 - an older or unusual IPython: fall back to the file name
        return None
    return f"{label[0]} {label[1]}" if label else None


def _name(node: Any) -> str:
    return f"#{node.creation_index}" + (f" {node.label!r}" if node.label else "")


def _site(node: Any) -> str:
    return _sites.get(node, "an unrecorded place (made outside detect_anomaly)")


def _describe(node: Any) -> str:
    if node.is_leaf:
        return f"leaf {_name(node)} = {node.data!r}, created at {_site(node)}"
    operands = ", ".join(repr(p.data) for p in node.parents)
    expression = describe(node)
    return (
        f"node {_name(node)} {node.op!r} = {expression} with operands ({operands}), "
        f"created at {_site(node)}"
    )


def check_forward(node: Any) -> None:
    """Record where `node` was made; raise if it is the first non-finite value."""
    _sites[node] = _caller_site()
    if math.isfinite(node.data):
        return
    # A non-finite operand that was itself computed in this mode already raised; one that
    # was not (an input, or a value made outside the mode) is reported here, at first use.
    unexplained = [
        p for p in node.parents if not math.isfinite(p.data) and (p.is_leaf or p not in _sites)
    ]
    if all(math.isfinite(p.data) for p in node.parents):
        raise AnomalyError(
            f"forward produced {node.data} at {_describe(node)}. Every later value that "
            "depends on it will be non-finite too; check that node's inputs for overflow "
            "(very large values) or a division by a tiny number"
        )
    if unexplained:
        source = unexplained[0]
        raise AnomalyError(
            f"forward produced {node.data} at {_describe(node)}, because its operand "
            f"{_describe(source)} is already {source.data}. Find where that value came "
            "from (an input or a parameter that is already nan or inf) and fix it there"
        )


def _local(node: Any) -> tuple[float, ...] | None:
    """The local derivatives of `node` as floats, or None if they cannot be computed."""
    try:
        return tuple(float(d) for d in local_derivatives(node))
    except (ArithmeticError, ValueError, TypeError):
        return None


def _number(g: Any) -> float:
    return float(g.data if hasattr(g, "data") else g)


def check_backward(order: list[Any]) -> None:
    """After a backward pass in anomaly mode, raise at the first non-finite gradient.

    "First" is in the order backward ran (the root first); the error names the
    node whose local derivative made it, not only the node that received it.
    """
    if not is_anomaly_enabled():
        return
    for node in reversed(order):
        g = _number(node.grad)
        if math.isfinite(g):
            continue
        if node is order[-1]:
            raise AnomalyError(
                f"backward started from the gradient {g} at {_describe(node)}: the gradient "
                "passed to backward() is not finite, or a hook registered on this node "
                "returned it. Every gradient will be non-finite; pass a finite gradient to "
                "backward(), or make the hook return a finite number (or None)"
            )
        for child in reversed(order):
            if child.creation_index <= node.creation_index or child.is_leaf:
                continue
            if not any(p is node for p in child.parents):
                continue
            child_grad = _number(child.grad)
            local = _local(child)
            if not math.isfinite(child_grad) or local is None:
                continue
            for parent, d in zip(child.parents, local):
                if parent is node and not math.isfinite(d * child_grad):
                    raise AnomalyError(
                        f"backward produced the gradient {g} for {_describe(node)}. It came "
                        f"from {_describe(child)}: its local derivative "
                        f"d(out)/d(operand) is {d} and its gradient is {child_grad}. "
                        "The derivative overflows or is undefined at these operands; move "
                        "them away from that point (e.g. log or sqrt of a value near 0)"
                    )
        raise AnomalyError(
            f"backward produced the gradient {g} at {_describe(node)}. The chain rule "
            "multiplied a local derivative that overflowed or was undefined, or a hook "
            "returned it; look at the operations that use this node"
        )
