"""What a failed replay says: the op that failed, its tape row, and the example.

The op table's array rules (autograd/ops.py) raise their float rule's own
error with the flat position of the failing element as `batch_index`. Here
that error becomes the scalar engine's message for the node, run again on that
example's numbers, followed by where: the tape row and the batch index, or
that the row is the same for every example.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from autograd.chain import describe
from autograd.errors import DomainError
from autograd.messages import backward_error, domain_error
from autograd.recording import enable_grad
from autograd.tape.arguments import inputs_text
from autograd.tape.rows import BATCH, Recording
from autograd.value import Value, apply

__all__ = [
    "forward_error",
    "backward_error_at",
    "unfinished_gradient",
    "refuse_unfinished_input",
    "where",
    "at_index",
    "unravel",
]


def where(names: list[str], flat: int, point: list[float], shape: tuple[int, ...] | None) -> str:
    """'at batch index 2 (x=1.0, y=2.0)': an example by its position and its numbers."""
    at = flat if shape is None else unravel(flat, shape)
    return f"at batch index {at} ({inputs_text(names, point)})"


def at_index(error: DomainError, flat: int) -> DomainError:
    """The error, carrying the flat position of the failing example as `batch_index`."""
    error.batch_index = flat
    return error


def unravel(flat: int, shape: tuple[int, ...]) -> Any:
    """A flat position as the batch's index: 3 in a (2, 3) batch is (1, 0)."""
    if len(shape) <= 1:
        return flat
    return tuple(int(i) for i in np.unravel_index(flat, shape))


def forward_error(
    error: Exception,
    r: Recording,
    i: int,
    values: list[Any],
    columns: list[np.ndarray],
    shape: tuple[int, ...],
    names: list[str],
) -> Exception:
    """The error row i raised in the forward pass, as the scalar engine words it, and where."""
    flat = getattr(error, "batch_index", None)
    if i < 0 or (flat is None and r.rows[i].varies == BATCH):
        return error  # not a domain check of the op table: let it show as it is
    row = r.rows[i]
    args = [_element(values[p], flat) for p in row.parents]
    k = row.constant
    temporary = tuple(Value(x, label=r.rows[p].label) for x, p in zip(args, row.parents))
    message = str(domain_error(error, row.op, temporary, k))
    if flat is None:
        return DomainError(f"{message}, at tape row #{i}, which is the same for every example")
    point = [float(c[flat]) for c in columns]
    return at_index(
        DomainError(
            f"{message}, at tape row #{i} {where(names, flat, point, shape)}. Remove that "
            "example from the batch, or keep the inputs inside the function's domain"
        ),
        flat,
    )


def backward_error_at(
    error: Exception, r: Recording, i: int, values: list[Any], shape: tuple[int, ...]
) -> Exception:
    """The error row i's local derivative raised, as the scalar engine words it, and where."""
    flat = getattr(error, "batch_index", None)
    if i < 0 or (flat is None and r.rows[i].varies == BATCH):
        return error
    row = r.rows[i]
    parents = [Value(_element(values[p], flat), label=r.rows[p].label) for p in row.parents]
    with enable_grad():  # the node is rebuilt only to be described
        if len(parents) == 2:
            node = apply(row.op, parents[0], parents[1])
        else:
            node = apply(row.op, parents[0], row.constant)
    node.label = row.label
    message = str(backward_error(error, node, describe(node)))
    if flat is None:
        return DomainError(f"{message} (tape row #{i}, the same for every example)")
    at = f"(tape row #{i}, at batch index {unravel(flat, shape)})"
    return at_index(DomainError(f"{message} {at}"), flat)


def refuse_unfinished_input(
    names: list[str], columns: list[np.ndarray], shape: tuple[int, ...]
) -> None:
    """Refuse a nan or inf example: every value and gradient computed from it would be one."""
    for n, column in zip(names, columns):
        if not np.isfinite(column).all():  # one reduction per input: cheap
            flat = int(np.flatnonzero(~np.isfinite(column))[0])
            raise DomainError(
                f"the tape got {column[flat]} for input {n} at batch index "
                f"{unravel(flat, shape)}: every value and gradient computed from it would "
                "be nan or inf. Remove that example, or fill the missing value first "
                "(numpy.nan_to_num, or the column's mean)",
                batch_index=flat,
            )


def unfinished_gradient(
    results: list[Any],
    targets: list[str],
    columns: list[np.ndarray],
    shape: tuple[int, ...],
    grad_output: Any,
    params: Any,
    names: list[str],
) -> DomainError | None:
    """The error for a nan or inf gradient that finite inputs produced, as Value.backward's.

    `targets` names each result ('input x', 'parameter w'). None when every
    gradient is finite, or when the nan or inf came from the caller (a weight
    in grad_output, a parameter's value).
    """
    if all(np.isfinite(g).all() for g in results):
        return None
    if grad_output is not None and not np.isfinite(np.asarray(grad_output, float)).all():
        return None  # a nan or inf weight came from the caller
    if not all(math.isfinite(p.data) for p in params):
        return None
    bad = np.zeros(shape, bool).ravel()
    for g in results:
        if type(g) is np.ndarray and g.size == bad.size:
            bad |= ~np.isfinite(g.ravel())
    for c in columns:
        bad &= np.isfinite(c)
    flat = int(np.flatnonzero(bad)[0]) if bad.any() else None
    if flat is None and any(not np.isfinite(c).all() for c in columns):
        return None  # only examples that are themselves nan or inf
    which = next(t for t, g in zip(targets, results) if not np.isfinite(g).all())
    at = "" if flat is None else f" {where(names, flat, [float(c[flat]) for c in columns], shape)}"
    return DomainError(
        f"the tape's backward pass produced a nan or inf gradient for {which}{at}, "
        "although the inputs are finite: a local derivative or a sum of them overflowed. "
        "Every step that uses it would be nan or inf; run f on that example with Values "
        "and .backward(), which names the step, and keep the inputs away from that point",
        batch_index=flat,
    )


def _element(v: Any, flat: int | None) -> float:
    if type(v) is np.ndarray:
        return float(v[0 if flat is None else flat])
    return float(v)
