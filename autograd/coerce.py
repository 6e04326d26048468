"""Turning what a user passes into the float a Value holds, or a TypeError that says why not."""

from __future__ import annotations

import numbers
from typing import Any

__all__ = ["as_float", "ACCEPTED"]

ACCEPTED = "int, float, bool or a numpy scalar"
"""What a Value accepts as its number, as messages say it."""


def as_float(x: Any, where: str) -> float:
    """x as a float, or a TypeError that says what was received and what is accepted.

    `where` names the caller in the message: 'Value()', 'the exponent of **'.

    >>> as_float(3, "Value()")
    3.0
    """
    if type(x) is float:
        return x
    if hasattr(x, "grad") and hasattr(x, "data") and hasattr(x, "backward"):
        raise TypeError(
            f"{where} got a Value ({x!r}) where a plain number is needed: "
            "use x.data for its number, or x.detach() for a new leaf with the same value"
        )
    if isinstance(x, numbers.Real) and not isinstance(x, complex):
        try:
            return float(x)
        except OverflowError:
            raise TypeError(
                f"{where} got the integer {str(x)[:20]}... ({len(str(x))} digits), which is "
                "beyond the largest float (about 1.8e308); pass a smaller number"
            ) from None
    if hasattr(x, "dtype") and hasattr(x, "size"):  # numpy arrays and numpy bool
        if x.size == 1 and x.dtype.kind in "biuf":
            return float(x.item() if hasattr(x, "item") else x)
        if x.size != 1:
            raise TypeError(
                f"{where} got an array of {x.size} elements; it accepts one number "
                f"({ACCEPTED}). For batches, record the graph once with autograd.trace "
                "and replay it on arrays"
            )
    raise TypeError(
        f"{where} got {type(x).__name__} {x!r:.60}; it accepts {ACCEPTED}"
        + (" (complex numbers are not supported)" if isinstance(x, complex) else "")
    )
