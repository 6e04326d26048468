"""Tape and trace(): a function's graph recorded once, run on whole numpy batches."""

from __future__ import annotations

import numbers
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from autograd.errors import TraceError
from autograd.tape.arguments import (
    INPUT,
    PARAM,
    as_array,
    input_names,
    name,
    seeds,
    target,
    unbroadcast,
)
from autograd.tape.failures import refuse_unfinished_input, unfinished_gradient
from autograd.tape.guard import CHECKS, Guard
from autograd.tape.record import Recorder
from autograd.tape.replay import RowReplay
from autograd.tape.rows import INPUT as INPUT_ROW
from autograd.tape.rows import OP, Recording, TapeRow
from autograd.value import Value

__all__ = ["trace", "Tape"]


def trace(
    f: Callable[..., Any],
    n_inputs: int | None = None,
    *,
    params: Sequence[Value] | None = None,
    example: Sequence[float] | None = None,
    check: str = "always",
) -> Tape:
    """Record f's graph as a Tape that evaluates and differentiates it on numpy batches.

    f takes `n_inputs` Values (by default, as many as it has positional
    parameters) and returns a Value or a sequence of Values. Values f uses but
    did not make (a model's weights) are read afresh on every call; `params`
    names those whose gradients the tape returns, by default all of them in
    creation order. Only what the outputs depend on is recorded: a node f makes
    but does not use is not replayed (nor are its domain errors raised). The
    graph is recorded at `example` if given, otherwise at
    the first example of the first batch; `check` says when to verify that f
    makes the same graph at other examples: 'always' (a broad sample on the
    first call, then one random example and any new extreme on every call),
    'first' call only, or 'never'.

    >>> import numpy as np
    >>> from autograd import Value, trace
    >>> w = Value(2.0, label="w")
    >>> tape = trace(lambda x: (w * x).tanh(), params=[w])
    >>> x = np.array([0.0, 0.5, 1.0])
    >>> y, (dx, dw) = tape.value_and_grad(x)      # y = tanh(w x), per example
    >>> np.round(y, 4).tolist(), np.round(dx, 4).tolist()   # dy/dx = w (1 - y**2)
    ([0.0, 0.7616, 0.964], [2.0, 0.8399, 0.1413])
    >>> round(dw, 4)                              # the sum over the batch of x (1 - y**2)
    0.2806
    """
    if not callable(f):
        raise TypeError(f"trace needs a function, got {type(f).__name__} {f!r:.60}")
    names = input_names(f, n_inputs)
    if check not in CHECKS:
        raise ValueError(
            f"trace got check={check!r}; it accepts {', '.join(map(repr, CHECKS))}: when to "
            "compare f's graph at other examples with the recorded one"
        )
    if params is not None:
        params = list(params)
        for p in params:
            if not isinstance(p, Value):
                raise TypeError(
                    f"trace params must be Values (such as model.parameters()), got "
                    f"{type(p).__name__} {p!r:.60}"
                )
    tape = Tape(f, names, params, check)
    if example is not None:
        point = [float(x) for x in np.ravel(as_array(example, "example"))]
        if len(point) != len(names):
            raise ValueError(
                f"trace got an example of {len(point)} numbers for a function of "
                f"{len(names)} inputs ({', '.join(names)}); give one number per input"
            )
        tape._adopt(tape._recorder.record(point))
    return tape


class Tape:
    """A recorded graph that runs on numpy arrays: tape(*arrays), value_and_grad, vjp, backward.

    Inputs are arrays of one shape, or plain numbers used for every example;
    each row of the tape is one numpy operation over the whole batch.
    """

    def __init__(
        self, f: Callable[..., Any], names: list[str], params: list[Value] | None, check: str
    ) -> None:
        self._f = f
        self._names = names
        self._declared = params
        self._recorder = Recorder(f, names, params)
        self._guard = Guard(check)
        self._recording: Recording | None = None
        self._replay: RowReplay | None = None

    # -- what was recorded ------------------------------------------------------

    @property
    def inputs(self) -> tuple[str, ...]:
        """The names of f's inputs, in order."""
        return tuple(self._names)

    @property
    def n_inputs(self) -> int:
        """How many inputs f takes: one array (or number) each."""
        return len(self._names)

    @property
    def recorded(self) -> bool:
        """False until the graph is recorded (at `example`, or on the first call)."""
        return self._recording is not None

    @property
    def rows(self) -> tuple[TapeRow, ...]:
        """Every row, parents before children."""
        return tuple(self._recorded().rows)

    @property
    def outputs(self) -> tuple[int, ...]:
        """The rows f returned."""
        return self._recorded().outputs

    @property
    def params(self) -> tuple[Value, ...]:
        """The Values whose gradients value_and_grad returns by default, after the inputs."""
        if self._declared is not None:
            return tuple(self._declared)
        return tuple(v for _, v in self._recorded().leaves)

    def __len__(self) -> int:
        return len(self._recorded().rows)

    def __repr__(self) -> str:
        if self._recording is None:
            return f"<Tape of {name(self._f)}({', '.join(self._names)}): not recorded yet>"
        r = self._recording
        return (
            f"<Tape of {name(self._f)}({', '.join(self._names)}): {len(r.rows)} rows, "
            f"{len(r.outputs)} output{'s' if len(r.outputs) != 1 else ''}>"
        )

    def listing(self) -> str:
        """The tape as text, one row per line: index, expression, kind, how it varies, label."""
        r = self._recorded()
        width = max(len(row.describe()) for row in r.rows) if r.rows else 0
        lines = [f"tape of {name(self._f)}({', '.join(self._names)}): {len(r.rows)} rows"]
        for row in r.rows:
            kind = "" if row.kind == OP else row.kind
            label = row.label if row.label and row.kind == OP else ""
            columns = f"{row.describe():<{width}}  {kind:<9}  {row.varies:<11}  {label}"
            lines.append(f"#{row.index:<4} {columns}".rstrip())
        lines.append("outputs: " + ", ".join(f"#{i}" for i in r.outputs))
        return "\n".join(lines)

    __str__ = listing

    # -- running it -------------------------------------------------------------

    def __call__(self, *arrays: Any) -> Any:
        """f on every example: an array of the batch's shape (a tuple if f returned several)."""
        shape, columns = self._prepare(arrays)
        values = self._forward(columns, shape)
        return self._outputs(values, shape)

    def value_and_grad(
        self, *arrays: Any, wrt: Any = None, grad_output: Any = None
    ) -> tuple[Any, Any]:
        """f on every example, and the gradient of the sum of its outputs over the batch.

        wrt picks the gradients: an input's position (an array, the shape of that
        input), a Value among the parameters (a float, summed over the batch), or a
        sequence of these (a tuple). By default: every input, then every parameter.
        grad_output weights each example's output (a number or an array of the
        batch's shape; one per output if f returned several), as in autograd.grad.
        """
        outputs, pullback = self.vjp(*arrays)
        return outputs, pullback(grad_output, wrt=wrt)

    def vjp(self, *arrays: Any) -> tuple[Any, Callable[..., Any]]:
        """f on every example, and a function that carries output gradients back (as jax.vjp).

        `pullback(grad_output=None, wrt=None)` gives what value_and_grad would for
        those weights, reusing this forward pass; use it when the weights depend on
        the outputs, as the gradient of a loss computed from them does.
        """
        shape, columns = self._prepare(arrays)
        values = self._forward(columns, shape)

        def pullback(grad_output: Any = None, *, wrt: Any = None) -> Any:
            single, targets = self._targets(wrt)
            grads = self._backward(values, shape, targets, grad_output)
            results = tuple(self._gradient(grads, t, shape, arrays) for t in targets)
            what = [
                f"input {self._names[x]}" if kind == INPUT else f"parameter {x.label or repr(x)}"
                for kind, x in targets
            ]
            error = unfinished_gradient(
                list(results), what, columns, shape, grad_output, self.params, self._names
            )
            if error is not None:
                raise error
            return results[0] if single else results

        return self._outputs(values, shape), pullback

    def grad(self, *arrays: Any, wrt: Any = None, grad_output: Any = None) -> Any:
        """The gradients of value_and_grad, without the values."""
        return self.value_and_grad(*arrays, wrt=wrt, grad_output=grad_output)[1]

    def backward(self, *arrays: Any, grad_output: Any = None) -> Any:
        """Add the batch's parameter gradients into each parameter's .grad; return the outputs.

        This is Value.backward for a whole batch: the gradient of the sum of the
        outputs over every example (weighted by grad_output) accumulates, as in
        PyTorch, so call zero_grad() between steps.
        """
        values, pullback = self.vjp(*arrays)  # records f first if it has to
        params = list(self.params)
        if params:
            for p, g in zip(params, pullback(grad_output, wrt=params)):
                p.grad += g
        return values

    def same_graph_at(self, *example: float) -> bool:
        """Whether f, run now on this example, makes the graph the tape recorded.

        False too when nothing is recorded yet, or when f fails there. Code that
        caches a tape can ask this before reusing it after a pause in which
        something f reads may have changed (nn.fit asks at each call).
        """
        if self._recording is None or len(example) != len(self._names):
            return False
        point = [float(x) for x in example]
        try:
            return self._recorder.fingerprint_at(point, 0, (1,)) == self._recording.fingerprint
        except (ArithmeticError, ValueError, TypeError):
            return False

    # -- recording --------------------------------------------------------------

    def _recorded(self) -> Recording:
        if self._recording is None:
            raise TraceError(
                f"the tape of {name(self._f)} has not been recorded yet: it records f at the "
                "first example of the first batch it is called on. Call it once, or pass "
                "example=(...) to trace to record right away"
            )
        return self._recording

    def _adopt(self, recording: Recording) -> None:
        self._recording = recording
        self._replay = RowReplay(recording, self._names)

    # -- the forward pass ----------------------------------------------------------

    def _prepare(self, arrays: tuple[Any, ...]) -> tuple[tuple[int, ...], list[np.ndarray]]:
        if len(arrays) != len(self._names):
            raise TypeError(
                f"the tape of {name(self._f)}({', '.join(self._names)}) takes "
                f"{len(self._names)} input{'s' if len(self._names) != 1 else ''}, got "
                f"{len(arrays)}; pass one array (or number) per input"
            )
        converted = [as_array(a, n) for a, n in zip(arrays, self._names)]
        try:
            shape = np.broadcast_shapes(*(a.shape for a in converted))
        except ValueError:
            shapes = ", ".join(f"{n} {a.shape}" for n, a in zip(self._names, converted))
            raise ValueError(
                f"the tape got inputs of shapes that do not match ({shapes}): every input "
                "holds one number per example, so give arrays of one length (or one "
                "shape), or a plain number to use for every example"
            ) from None
        columns = [np.broadcast_to(a, shape).ravel() for a in converted]
        refuse_unfinished_input(self._names, columns, shape)
        if self._recording is None:
            if not columns or columns[0].size == 0:
                if columns:
                    raise TraceError(
                        f"the tape of {name(self._f)} cannot record f on an empty batch: "
                        "call it on at least one example first, or pass example=(...) to trace"
                    )
                self._adopt(self._recorder.record([]))
            else:
                self._adopt(self._recorder.record([float(c[0]) for c in columns], 0, shape))
        if self._guard.due() and columns and columns[0].size:
            self._guard.run(self._recorder, self._recorded(), columns, shape)
        return shape, columns

    def _forward(self, columns: list[np.ndarray], shape: tuple[int, ...]) -> list[Any]:
        self._recorded()
        try:
            values = self._replay.forward(columns, shape)
        finally:
            unreplayed, self._guard.unreplayed = self._guard.unreplayed, None
        if unreplayed is not None:
            raise unreplayed
        return values

    def _outputs(self, values: list[Any], shape: tuple[int, ...]) -> Any:
        r = self._recorded()
        outs = []
        for i in r.outputs:
            v = values[i]
            if type(v) is np.ndarray:
                # An output that is an input is the caller's own array: hand back a copy.
                outs.append(
                    v.reshape(shape).copy() if r.rows[i].kind == INPUT_ROW else v.reshape(shape)
                )
            else:
                outs.append(np.full(shape, float(v)))
        return outs[0] if r.single else tuple(outs)

    # -- the backward pass ------------------------------------------------------------

    def _targets(self, wrt: Any) -> tuple[bool, list[tuple[str, Any]]]:
        """(is one target, [('input', position) or ('parameter', Value), ...])."""
        r = self._recorded()
        params = self.params
        known = set(params)
        if wrt is None:
            items = list(range(len(self._names))) + list(params)
            return False, [target(x, self._names, known, r.leaf_rows) for x in items]
        if isinstance(wrt, np.ndarray) and wrt.dtype.kind in "iu":
            wrt = wrt.tolist()  # positions computed with numpy; a 0-d array gives one int
        if isinstance(wrt, (numbers.Integral, Value)) and not isinstance(wrt, bool):
            return True, [target(wrt, self._names, known, r.leaf_rows)]
        if isinstance(wrt, (list, tuple)):
            return False, [target(x, self._names, known, r.leaf_rows) for x in wrt]
        raise TypeError(
            f"value_and_grad got wrt={wrt!r:.60}; it accepts an input position (0 for the "
            "first input), a parameter Value, or a list of these"
        )

    def _backward(
        self,
        values: list[Any],
        shape: tuple[int, ...],
        targets: list[tuple[str, Any]],
        grad_output: Any,
    ) -> list[Any]:
        r = self._recorded()
        wanted = tuple(sorted({self._target_row(t) for t in targets} - {-1}))
        weights = seeds(grad_output, len(r.outputs), shape)
        return self._replay.backward(values, shape, wanted, weights)

    def _target_row(self, t: tuple[str, Any]) -> int:
        kind, x = t
        r = self._recorded()
        if kind == INPUT:
            return r.input_rows[x]
        return r.leaf_rows.get(x, -1)

    def _gradient(
        self, grads: list[Any], t: tuple[str, Any], shape: tuple[int, ...], arrays: Any
    ) -> Any:
        row = self._target_row(t)
        g = grads[row] if row >= 0 else None
        if t[0] == PARAM:
            return 0.0 if g is None else float(g)
        if type(g) is np.ndarray:
            full = g.reshape(shape)
        else:
            full = np.full(shape, 0.0 if g is None else float(g))
        return unbroadcast(full, np.shape(arrays[t[1]]))
