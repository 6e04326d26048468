"""Module: something with parameters, named by where they sit in the model.

A module's parameters are the Values it holds in its public attributes, and
those of the modules it holds, found in the order the attributes were set. Each
gets a stable dotted name, such as `layers.0.neurons.3.w.1` (attribute
`layers`, item 0, attribute `neurons`, item 3, attribute `w`, item 1), and that
name becomes the Value's label, so a drawing or an error message names it.

Calling a module runs its `forward` with every Value created inside tagged
with the module's dotted path (`Value.scope`), so that drawing can group a
neuron's or a layer's nodes. The root module's path is '' (as in PyTorch's
named_modules), which groups nothing.

Subclasses written the micrograd way, overriding `__call__` and
`parameters()`, still work; they just do not get the tags.

A module is in training mode or in evaluation mode (`training`, True at
first), as in PyTorch: `model.train()` and `model.eval()` set it on the
module and every module inside. Only layers that behave differently while
learning read it (nn.Dropout drops inputs in training mode only).
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Iterator, Mapping
from typing import Any

from autograd import Value
from autograd.recording import SCOPE
from nn.errors import CheckpointError, ShapeError

__all__ = ["Module", "parameter_list"]


class Module:
    """Base class of Neuron, Layer, MLP and your own models.

    >>> from autograd import Value
    >>> class Line(Module):
    ...     def __init__(self):
    ...         self.w = Value(2.0)
    ...         self.b = Value(1.0)
    ...     def forward(self, x):
    ...         return self.w * x + self.b
    >>> line = Line()
    >>> [p.label for p in line.parameters()]
    ['w', 'b']
    >>> line(3.0).data
    7.0
    """

    _path: str = ""
    training: bool = True
    """True in training mode (the default), False after eval(); see train()."""

    def __setattr__(self, name: str, value: Any) -> None:
        object.__setattr__(self, name, value)
        if not name.startswith("_") and _holds_graph(value):
            self._assign_names()

    # -- structure --------------------------------------------------------------

    def _members(self, kinds: Any = None) -> Iterator[tuple[str, Module | Value]]:
        """(name, module or parameter) directly held, in attribute order; only `kinds` if given."""
        kinds = (Module, Value) if kinds is None else kinds
        for name, value in vars(self).items():
            if name.startswith("_"):
                continue
            if isinstance(value, kinds):
                yield name, value
            elif isinstance(value, (list, tuple)):
                for i, item in enumerate(value):
                    if isinstance(item, kinds):  # named only when yielded: a neuron's w is long
                        yield f"{name}.{i}", item

    def named_children(self) -> Iterator[tuple[str, Module]]:
        """(name, module) for each module held directly, e.g. ('layers.0', Layer)."""
        yield from self._members(Module)  # type: ignore[misc]

    def named_modules(self, prefix: str = "") -> Iterator[tuple[str, Module]]:
        """(dotted path, module) for this module ('' for itself) and every one inside."""
        yield prefix, self
        for name, child in self.named_children():
            yield from child.named_modules(f"{prefix}.{name}" if prefix else name)

    def named_parameters(self, prefix: str = "") -> Iterator[tuple[str, Value]]:
        """(dotted name, Value) for every parameter, in a fixed order; shared ones once."""
        seen: set[Value] = set()
        for name, p in self._walk(prefix):
            if p not in seen:
                seen.add(p)
                yield name, p

    def _walk(self, prefix: str) -> Iterator[tuple[str, Value]]:
        for name, member in self._members():
            full = f"{prefix}.{name}" if prefix else name
            if isinstance(member, Module):
                yield from member._walk(full)
            else:
                yield full, member

    def parameters(self) -> list[Value]:
        """Every parameter (weights and biases), in named_parameters order."""
        return [p for _, p in self.named_parameters()]

    def _assign_names(self) -> None:
        """Give every module inside its path and every parameter its dotted label."""
        prefix = self._path
        for name, member in self._members():
            full = f"{prefix}.{name}" if prefix else name
            if isinstance(member, Module):
                object.__setattr__(member, "_path", full)
                member._assign_names()
            else:
                member.label = full

    # -- calling ----------------------------------------------------------------

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        # module_scope(self._path), inlined: this runs once per neuron per sample, and
        # a context-manager object per call costs a few percent of micrograd's demo step.
        token = SCOPE.set(self._path)
        try:
            return self.forward(*args, **kwargs)
        finally:
            SCOPE.reset(token)

    def forward(self, *args: Any, **kwargs: Any) -> Any:
        """The computation; subclasses define it (or override __call__, micrograd-style)."""
        raise NotImplementedError(
            f"{type(self).__name__} has no forward(): calling a module runs its forward "
            "method, which subclasses define. Add `def forward(self, x): ...` to the class"
        )

    # -- training and evaluation mode -------------------------------------------

    def train(self, mode: bool = True) -> Module:
        """Set training mode (mode=False: evaluation mode) here and in every module inside.

        Returns the module, so that `model.eval()(x)` reads naturally.

        >>> import nn
        >>> model = nn.MLP(2, [4, 1], dropout=0.5, seed=0)
        >>> model.eval().dropouts[0].training, model.train().dropouts[0].training
        (False, True)
        """
        if not isinstance(mode, bool):
            raise TypeError(
                f"train() takes True or False, got {type(mode).__name__} {mode!r:.40}: it "
                "switches training mode on or off. Call model.train() to train and "
                "model.eval() to evaluate"
            )
        for _, module in self.named_modules():
            object.__setattr__(module, "training", mode)
        return self

    def eval(self) -> Module:
        """Set evaluation mode here and in every module inside: train(False)."""
        return self.train(False)

    # -- gradients and weights --------------------------------------------------

    def zero_grad(self) -> None:
        """Set every parameter's .grad to 0, before the next backward()."""
        for p in self.parameters():
            p.grad = 0.0

    def state_dict(self) -> dict[str, float]:
        """{dotted name: weight} for every parameter, in order."""
        return {name: p.data for name, p in self.named_parameters()}

    def load_state_dict(self, state: Mapping[str, Any]) -> None:
        """Set every parameter from state_dict() output; all checked before any is set.

        Raises ShapeError when names are missing or extra, and ValueError for a
        weight that is not a finite number. The model is unchanged on error.
        """
        if not isinstance(state, Mapping):
            raise TypeError(
                f"load_state_dict needs a dict of {{name: weight}}, got {type(state).__name__} "
                f"{state!r:.40}: it sets each parameter by its dotted name. Pass the output of "
                "model.state_dict()"
            )
        params = dict(self.named_parameters())
        missing = [name for name in params if name not in state]
        extra = [name for name in state if name not in params]
        if missing or extra:
            raise ShapeError(
                f"the weights do not fit this {type(self).__name__}: "
                + _listing("missing", missing)
                + ("; " if missing and extra else "")
                + _listing("unexpected", extra)
                + f". The model has {len(params)} parameters and the weights {len(state)}; "
                "build the model with the same architecture as the one that was saved"
            )
        values = {name: _weight(name, state[name]) for name in params}
        for name, p in params.items():
            p.data = values[name]

    def save(self, path: str) -> None:
        """Write the architecture and weights to `path` as JSON (see nn/serialize.py)."""
        from nn.serialize import save

        save(self, path)

    def load(self, path: str) -> None:
        """Read weights saved by save() into this model; unchanged if the file is bad."""
        from nn.serialize import load_into

        load_into(self, path)

    def __repr__(self) -> str:
        children = list(self.named_children())
        if not children:
            return f"{type(self).__name__}()"
        inner = "\n".join(
            f"  ({name}): " + repr(child).replace("\n", "\n  ") for name, child in children
        )
        return f"{type(self).__name__}(\n{inner}\n)"


def parameter_list(params: Any, who: str) -> list[Value]:
    """params as a list, refusing a Module passed where its parameters() go."""
    if isinstance(params, Module):
        raise TypeError(
            f"{who} got the {type(params).__name__} itself, where its parameters go: it works "
            "on each parameter's Value. Pass model.parameters()"
        )
    return list(params)


def _holds_graph(value: Any) -> bool:
    if isinstance(value, (Module, Value)):
        return True
    if isinstance(value, (list, tuple)) and value:
        return isinstance(value[0], (Module, Value))
    return False


def _listing(kind: str, names: list[str]) -> str:
    if not names:
        return ""
    shown = ", ".join(repr(n) for n in names[:5]) + (", ..." if len(names) > 5 else "")
    return f"{len(names)} {kind} ({shown})"


def _weight(name: str, value: Any) -> float:
    if isinstance(value, Value):
        value = value.data
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise CheckpointError(
            f"weight {name!r} is {type(value).__name__} {value!r:.40}, not a number: "
            "a model's weights are floats. Pass the output of state_dict()"
        )
    value = float(value)
    if not math.isfinite(value):
        raise CheckpointError(
            f"weight {name!r} is {value!r}: a model with non-finite weights gives NaN "
            "for every input. These weights come from a diverged run; retrain with a "
            "smaller learning rate or gradient clipping, or load an earlier checkpoint"
        )
    return value
