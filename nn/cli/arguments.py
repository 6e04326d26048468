"""Reading command-line text into values, every mistake a one-line UsageError.

`chainrule graph` and `chainrule check` both take numbers as NAME=VALUE
(`x=2 w=-3`, `--at x=1.5,y=0.3`); one reader serves both, so the two
commands accept and refuse the same things with the same words.
"""

from __future__ import annotations

import argparse
import math
from collections.abc import Mapping, Sequence
from typing import NoReturn

from nn.errors import UsageError

__all__ = ["OneLineParser", "parse_values", "require_values", "whole_number", "shown"]

_SHOWN = 160
"""Longest piece of the user's text quoted back in a message."""


def shown(text: str) -> str:
    """`text` quoted for a message, cut to a readable length.

    >>> shown("x=1")
    "'x=1'"
    >>> text = shown("9" * 1000)
    >>> len(text), text[-22:]
    (183, "'... (1000 characters)")
    """
    if len(text) <= _SHOWN:
        return repr(text)
    return f"{text[:_SHOWN]!r}... ({len(text)} characters)"


class OneLineParser(argparse.ArgumentParser):
    """An ArgumentParser whose mistakes are a UsageError (one line), not usage text and exit."""

    def error(self, message: str) -> NoReturn:
        raise UsageError(f"{message}; see `{self.prog} --help`")


def parse_values(items: Sequence[str], where: str, example: str) -> dict[str, float]:
    """Read NAME=VALUE pairs (one per item, or several joined by commas) into numbers.

    `where` names the option in messages ("--at " or ""); `example` shows a good value.

    >>> parse_values(["x=1.5,y=-2"], "--at ", "x=1.5,y=0.3")
    {'x': 1.5, 'y': -2.0}
    >>> parse_values(["x=1", "x=2"], "", "x=2")
    Traceback (most recent call last):
    ...
    nn.errors.UsageError: x is given twice; give each input one value
    """
    values: dict[str, float] = {}
    for item in items:
        for pair in item.split(","):
            name, equals, text = (part.strip() for part in pair.partition("="))
            if not equals or not name.isidentifier() or not text:
                raise UsageError(
                    f"{where}{shown(pair)} is not NAME=VALUE; give each input a number, "
                    f"e.g. {where}{example}"
                )
            try:
                number = float(text)
            except ValueError:
                raise UsageError(
                    f"{where}{name}={shown(text)} is not a number; give a number, "
                    f"e.g. {where}{name}=1.5"
                ) from None
            if not math.isfinite(number):
                raise UsageError(
                    f"{where}{name}={shown(text)} is not a finite number, so the derivatives "
                    f"there are undefined; give a finite number, e.g. {where}{name}=1.5"
                )
            if name in values:
                raise UsageError(f"{where}{name} is given twice; give each input one value")
            values[name] = number
    return values


def require_values(
    formula: str, variables: Sequence[str], values: Mapping[str, float], where: str
) -> None:
    """A UsageError naming every variable of `formula` that `values` gives no number.

    >>> require_values("x*y", ["x", "y"], {"x": 1.0}, "--at ")
    Traceback (most recent call last):
    ...
    nn.errors.UsageError: 'x*y' needs a value for y; add y=... to --at
    """
    missing = [name for name in variables if name not in values]
    if missing:
        pairs = ("," if where else " ").join(f"{name}=..." for name in missing)
        raise UsageError(
            f"{shown(formula)} needs a value for {', '.join(missing)}; add {pairs}"
            + (f" to {where.strip()}" if where else "")
        )


def whole_number(option: str, value: int, low: int, high: int, why: str) -> int:
    """`value` if low <= value <= high, else a UsageError naming it, the range and why.

    >>> whole_number("--seed", 7, 0, 2**32 - 1, "numpy's seeds")
    7
    >>> whole_number("--digits", 0, 1, 17, "floats have 17 significant digits")
    Traceback (most recent call last):
    ...
    nn.errors.UsageError: --digits 0 is outside 1 to 17 (floats have 17 significant digits); ...
    """
    if low <= value <= high:
        return value
    digits = str(value)
    if len(digits) > _SHOWN:
        digits = f"{digits[:_SHOWN]}... ({len(digits)} digits)"
    raise UsageError(
        f"{option} {digits} is outside {low} to {high} ({why}); "
        f"pass a whole number from {low} to {high}"
    )
