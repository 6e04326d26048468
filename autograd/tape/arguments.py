"""What the tape accepts from its caller: f's inputs, the batch's arrays, wrt and grad_output.

Each function here turns one argument into the form the replay uses, or
refuses it with a message naming what was received.
"""

from __future__ import annotations

import inspect
import numbers
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from autograd.errors import TraceError
from autograd.tape.rows import Recording
from autograd.value import Value

__all__ = [
    "INPUT",
    "PARAM",
    "input_names",
    "as_array",
    "seeds",
    "Targets",
    "targets",
    "target",
    "unbroadcast",
    "name",
    "inputs_text",
]

INPUT, PARAM = "input", "parameter"
"""The two kinds of gradient target: an input (by position) and a parameter (a Value)."""


def input_names(f: Callable[..., Any], n_inputs: int | None) -> list[str]:
    """The names of f's first n_inputs positional parameters (x0, x1, ... if they have none).

    Refuses a count that the call f(x_0, ..., x_{n-1}) would fail on later.
    """
    try:
        signature = inspect.signature(f)
    except (TypeError, ValueError):
        signature = None
    positional: list[str] = []
    required = 0  # positional parameters without a default
    keywords: list[str] = []  # keyword-only parameters without a default
    variadic = False
    if signature is not None:
        for p in signature.parameters.values():
            if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD):
                positional.append(p.name)
                required += p.default is p.empty
            elif p.kind is p.VAR_POSITIONAL:
                variadic = True
            elif p.kind is p.KEYWORD_ONLY and p.default is p.empty:
                keywords.append(p.name)
    if n_inputs is None:
        if variadic or signature is None:
            raise TypeError(
                "trace cannot tell how many inputs f takes (it has *args or no signature); "
                "pass n_inputs, e.g. trace(f, 2)"
            )
        n_inputs = len(positional)
    if not isinstance(n_inputs, int) or isinstance(n_inputs, bool) or n_inputs < 0:
        raise TypeError(f"trace n_inputs must be a whole number >= 0, got {n_inputs!r}")
    if signature is not None:
        call = f"{name(f)}({', '.join(positional)}{', *...' if variadic else ''})"
        if keywords:
            raise TypeError(
                f"trace cannot call {name(f)}: its keyword-only parameter "
                f"{', '.join(map(repr, keywords))} has no default, and the tape passes f its "
                "inputs by position only. Give it a default, or make it positional"
            )
        if n_inputs > len(positional) and not variadic:
            raise TypeError(
                f"trace got n_inputs={n_inputs}, but {call} takes {len(positional)} positional "
                f"argument{'s' if len(positional) != 1 else ''}: the tape calls f with one "
                f"Value per input. Pass n_inputs={len(positional)}, or give f more parameters"
            )
        if n_inputs < required:
            raise TypeError(
                f"trace got n_inputs={n_inputs}, but {call} needs {required} positional "
                f"argument{'s' if required != 1 else ''}: the tape calls f with one Value per "
                f"input. Pass n_inputs={required}, or give the extra parameters defaults"
            )
    if len(positional) >= n_inputs and len(set(positional[:n_inputs])) == n_inputs:
        return positional[:n_inputs]
    return [f"x{i}" for i in range(n_inputs)]


def as_array(x: Any, what: str) -> np.ndarray:
    """x as a float array; a Value, a masked array, a string or a complex number is refused."""
    if isinstance(x, np.ma.MaskedArray):
        raise TypeError(
            f"the tape got a masked array for {what}: its masked entries would be used as "
            "numbers, silently. Pass x.filled(value) with the value you mean, or drop the "
            "masked examples (x.compressed())"
        )
    if isinstance(x, Value):
        raise TypeError(
            f"the tape got a Value for {what}; it runs on numbers and numpy arrays. Pass "
            "x.data, or call f itself to build a scalar graph"
        )
    try:
        a = np.asarray(x)
    except Exception:  # numpy raises many kinds for ragged or odd objects
        a = None
    if a is None or a.dtype.kind not in "biuf":
        complex_ = a is not None and a.dtype.kind == "c"
        raise TypeError(
            f"the tape got {type(x).__name__} {x!r:.60} for {what}; it accepts real numbers "
            "and numpy arrays of them (int, float or bool)"
            + (" (complex numbers are not supported)" if complex_ else "")
        )
    return a.astype(float, copy=False)


def seeds(grad_output: Any, n_outputs: int, shape: tuple[int, ...]) -> list[Any]:
    """grad_output as one weight per output: a float, or a flat array of one per example."""
    if grad_output is None:
        return [1.0] * n_outputs
    if n_outputs > 1:
        if not isinstance(grad_output, (list, tuple)) or len(grad_output) != n_outputs:
            raise ValueError(
                f"grad_output must give one weight (number or array) per output of f; f has "
                f"{n_outputs} outputs, got {grad_output!r:.60}"
            )
        items = list(grad_output)
    else:
        items = [grad_output]
    result = []
    for g in items:
        a = as_array(g, "grad_output")
        if a.ndim == 0:
            result.append(float(a))
            continue
        try:
            result.append(np.array(np.broadcast_to(a, shape)).ravel())  # a copy, never a view
        except ValueError:
            raise ValueError(
                f"grad_output has shape {a.shape}, but the batch has shape {shape}; give a "
                "number, or an array with one weight per example"
            ) from None
    return result


@dataclass
class Targets:
    """wrt, read once: the gradients to return, in order, and where each one is found."""

    single: bool
    """wrt named one target: return its gradient alone, not in a tuple."""
    wanted: tuple[int, ...]
    """The rows whose gradients the backward pass must reach."""
    inputs: list[tuple[int, int, int]]
    """(position in the result, input position, row) for each input asked for."""
    params: list[int]
    """The positions in the result that are parameters."""
    param_rows: list[int]
    """Their rows (-1 for a Value the graph does not use)."""
    param_slots: np.ndarray
    """Their places in the vector of the recording's parameters (one past its end if unused)."""
    param_values: list[Value]
    """The parameters themselves."""
    size: int
    """How many gradients are returned."""


def targets(wrt: Any, names: list[str], params: tuple[Value, ...], r: Recording) -> Targets:
    """wrt as a Targets: by default every input, then every parameter."""
    known = set(params)
    if wrt is None:
        single, items = False, list(range(len(names))) + list(params)
    else:
        if isinstance(wrt, np.ndarray) and wrt.dtype.kind in "iu":
            wrt = wrt.tolist()  # positions computed with numpy; a 0-d array gives one int
        if isinstance(wrt, (numbers.Integral, Value)) and not isinstance(wrt, bool):
            single, items = True, [wrt]
        elif isinstance(wrt, (list, tuple)):
            single, items = False, list(wrt)
        else:
            raise TypeError(
                f"value_and_grad got wrt={wrt!r:.60}; it accepts an input position (0 for the "
                "first input), a parameter Value, or a list of these"
            )
    inputs, positions, rows, slots, values = [], [], [], [], []
    for n, item in enumerate(items):
        kind, x = target(item, names, known, r.leaf_rows)
        if kind == INPUT:
            inputs.append((n, x, r.input_rows[x]))
        else:
            positions.append(n)
            values.append(x)
            rows.append(r.leaf_rows.get(x, -1))
            slots.append(r.leaf_slots.get(x, len(r.leaves)))
    wanted = tuple(sorted({row for _, _, row in inputs} | set(rows) - {-1}))
    slots_array = np.array(slots, int)
    return Targets(single, wanted, inputs, positions, rows, slots_array, values, len(items))


def target(x: Any, names: list[str], params: set[Value], known: Any) -> tuple[str, Any]:
    """One entry of wrt as (INPUT, position) or (PARAM, Value).

    `params` are the tape's declared parameters and `known` the Values f read.
    """
    if isinstance(x, Value):
        if x in params or x in known:
            return (PARAM, x)
        raise TraceError(
            f"wrt got {x!r:.60}, which is not a parameter of this tape: the tape can give "
            "gradients for its inputs (by position) and for Values f uses but did not make. "
            "Pass the Value in params=, or ask for an input's position"
        )
    if (
        isinstance(x, numbers.Integral)
        and not isinstance(x, bool)
        and -len(names) <= x < len(names)
    ):
        return (INPUT, int(x) % len(names))
    raise TypeError(
        f"wrt got {x!r:.60}; it accepts an input position from 0 to {len(names) - 1} "
        f"({', '.join(names)}) or a parameter Value"
    )


def unbroadcast(g: np.ndarray, shape: tuple[int, ...]) -> Any:
    """Sum g down to `shape`, undoing numpy broadcasting (a number's gradient is a float)."""
    extra = g.ndim - len(shape)
    if extra:
        g = g.sum(axis=tuple(range(extra)))
    axes = tuple(i for i, n in enumerate(shape) if n == 1 and g.shape[i] != 1)
    if axes:
        g = g.sum(axis=axes, keepdims=True)
    return float(g) if not shape else g


def name(f: Callable[..., Any]) -> str:
    """f's name for messages: its __name__, or its type's."""
    return getattr(f, "__name__", type(f).__name__)


def inputs_text(names: list[str], point: list[float]) -> str:
    """One example as 'x=1.0, y=2.0'."""
    return ", ".join(f"{n}={x!r}" for n, x in zip(names, point))
