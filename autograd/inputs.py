"""The inputs of a check, and what f and backward give at them.

A check calls the learner's f many times: at the point, at points moved
along one input, and at random points. Each call gets fresh leaves (Values
labelled with the input's name), so the inputs the learner passed are never
touched. `Inputs` holds the names and the point and knows how f takes them:
positionally (a list of inputs) or by keyword (a dict).

>>> spec = inputs_from({"x": 2.0, "y": 3.0}, "gradcheck")
>>> leaves = spec.leaves()
>>> out = spec.call(lambda x, y: x * y, leaves)
>>> out.data, gradient(out, leaves)
(6.0, [3.0, 2.0])
"""

from __future__ import annotations

import inspect
import math
import numbers
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from autograd.backward import grad
from autograd.recording import no_grad
from autograd.value import Value

__all__ = [
    "Inputs",
    "inputs_from",
    "finite_number",
    "as_number",
    "detached",
    "DETACHED",
    "Evaluate",
    "values_of",
    "first_derivatives",
    "gradient",
    "gradient_values",
    "engine_slope",
]


@dataclass(frozen=True)
class Inputs:
    """The named inputs of a check, the point, and how f takes them."""

    names: list[str]
    point: list[float]
    by_keyword: bool

    def leaves(self, point: Sequence[float] | None = None) -> list[Value]:
        """Fresh leaves at `point` (the check's point if None), labelled by name."""
        return [Value(x, label=n) for n, x in zip(self.names, point or self.point)]

    def call(self, f: Callable[..., Any], leaves: list[Value]) -> Any:
        """f on the leaves: positionally, or by keyword for a dict of inputs."""
        if self.by_keyword:
            return f(**dict(zip(self.names, leaves)))
        return f(*leaves)

    def require_callable(self, f: Any, who: str) -> None:
        """Raise TypeError unless f is a function that can take these inputs."""
        if not callable(f):
            raise TypeError(
                f"{who} needs f to be a function, got {type(f).__name__} {f!r:.60}; f takes "
                f"the inputs as Values and returns a Value, e.g. "
                f"{who}(lambda x, y: x * y.sin(), [1.5, 0.3])"
            )
        shown = ", ".join(f"{n}=..." if self.by_keyword else n for n in self.names)
        try:
            signature = inspect.signature(f)
        except (TypeError, ValueError):
            return  # a builtin without a signature: calling it will tell
        try:
            if self.by_keyword:
                signature.bind(**dict.fromkeys(self.names))
            else:
                signature.bind(*self.names)
        except TypeError as error:
            how = " by keyword" if self.by_keyword else ""
            raise TypeError(
                f"{who} calls f({shown}), one Value per input{how}, but f cannot take "
                f"them: {error}. Give f one parameter per input"
                + (", named as the inputs" if self.by_keyword else "")
                + f", e.g. lambda {', '.join(self.names)}: ..."
            ) from None


def finite_number(x: Any, where: str) -> float:
    """x (a number or a Value's data) as a finite float; TypeError naming `where` otherwise."""
    if isinstance(x, Value):
        return x.data
    if isinstance(x, numbers.Real) and not isinstance(x, bool):
        value = float(x)
        if math.isfinite(value):
            return value
    raise TypeError(
        f"{where} got {type(x).__name__} {x!r:.60}; inputs must be finite numbers or Values, "
        "e.g. gradcheck(f, [1.5, 0.3]) or gradcheck(f, {'x': 1.5, 'y': 0.3})"
    )


def inputs_from(inputs: Any, who: str) -> Inputs:
    """The Inputs of a list of numbers or Values, one number or Value, or a dict of name to number.

    Rows are named by dict key, else by label, else x0, x1, ...
    """
    if isinstance(inputs, Mapping) and inputs:
        names = [str(name) for name in inputs]
        point = [finite_number(x, f"{who} input {name!r}") for name, x in inputs.items()]
        return Inputs(names, point, by_keyword=True)
    if isinstance(inputs, (Value, numbers.Real)):
        inputs = [inputs]
    if not isinstance(inputs, Sequence) or isinstance(inputs, (str, Mapping)) or not inputs:
        raise TypeError(
            f"{who} needs the inputs as a non-empty list of numbers or Values, or a dict of "
            f"name to number; got {type(inputs).__name__} {inputs!r:.60}"
        )
    names, point = [], []
    for i, x in enumerate(inputs):
        point.append(finite_number(x, f"{who} input {i}"))
        label = x.label if isinstance(x, Value) and x.label else f"x{i}"
        names.append(label if label not in names else f"{label}[{i}]")
    return Inputs(names, point, by_keyword=False)


def as_number(out: Any, who: str) -> float:
    """f's result as a float; TypeError if f returned something that is not one number."""
    if isinstance(out, Value):
        return out.data
    if isinstance(out, numbers.Real):
        return float(out)
    raise TypeError(
        f"{who}: f returned {type(out).__name__} {out!r:.60}; f must return one Value "
        "(a scalar). For several outputs, check them one at a time or check their sum"
    )


DETACHED = "f returned "
"""How `detached`'s note starts, so that a report can tell that cause from a wrong rule."""


def detached(out: Any) -> str:
    """Why backward() gives 0 when f returned a plain number; '' if it returned a Value."""
    if isinstance(out, Value):
        return ""
    return (
        f"{DETACHED}{type(out).__name__} {out!r:.40}, not a Value, so backward() cannot "
        "reach the inputs and gives 0: build f from Value operations (x * y, x.sin(), "
        "autograd.exp(x)) instead of .data or math functions"
    )


Evaluate = Callable[[list[float]], list[float]]
"""Given the inputs' values, the quantities being differentiated (one or several)."""


def values_of(f: Callable[..., Any], inputs: Inputs, who: str) -> Evaluate:
    """f's value at a point, as a one-element list, computed without recording a graph."""

    def evaluate(point: list[float]) -> list[float]:
        with no_grad():
            return [as_number(inputs.call(f, inputs.leaves(point)), who)]

    return evaluate


def first_derivatives(f: Callable[..., Any], inputs: Inputs, who: str) -> Evaluate:
    """backward()'s gradient of f at a point: df/dx_i for every input."""

    def evaluate(point: list[float]) -> list[float]:
        leaves = inputs.leaves(point)
        out = inputs.call(f, leaves)
        as_number(out, who)
        return gradient(out, leaves)

    return evaluate


def gradient(out: Any, leaves: list[Value]) -> list[float]:
    """d out/d leaf for each leaf, from backward; zeros where `out` is a plain number."""
    if not isinstance(out, Value):
        return [0.0] * len(leaves)
    return [g.data for g in grad(out, leaves)]


def gradient_values(out: Any, leaves: list[Value]) -> list[Any]:
    """df/dx_i as Values that can be differentiated again (create_graph); 0.0 for a plain f."""
    if not isinstance(out, Value):
        return [0.0] * len(leaves)
    return grad(out, leaves, create_graph=True)


def engine_slope(
    f: Callable[..., Any], inputs: Inputs, i: int, j: int, order: int
) -> Callable[[list[float]], float]:
    """The engine's slope along input j at a point: df/dx_j (order 1), d(df/dx_i)/dx_j (order 2)."""

    def slope(point: list[float]) -> float:
        leaves = inputs.leaves(point)
        out = inputs.call(f, leaves)
        y = out if order == 1 else gradient_values(out, leaves)[i]
        return gradient(y, [leaves[j]])[0]

    return slope
