"""Tape and trace(): a function's graph recorded once, run on whole numpy batches."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from autograd.errors import TraceError
from autograd.tape.arguments import (
    Targets,
    as_array,
    input_names,
    name,
    seeds,
    targets,
    unbroadcast,
)
from autograd.tape.failures import refuse_unfinished_input, unfinished_gradient
from autograd.tape.guard import CHECKS, Guard
from autograd.tape.matrices import Block
from autograd.tape.record import Recorder
from autograd.tape.replay import RowReplay
from autograd.tape.rows import FIXED, OP, Recording, TapeRow
from autograd.tape.rows import INPUT as INPUT_ROW
from autograd.tape.source import source
from autograd.tape.vectorised import VectorReplay, vectorise
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

    Inputs are arrays of one shape, or plain numbers used for every example.
    Each row of the tape is one numpy operation over the whole batch, or part
    of a group run at once: a layer as one matrix product, an op over a
    layer, a sum (`blocks`; `source()` shows the replay as numpy code).
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
        self._vector: VectorReplay | None = None

    # -- what was recorded ------------------------------------------------------

    @property
    def inputs(self) -> tuple[str, ...]:
        """The names of f's inputs, in order."""
        return tuple(self._names)

    @property
    def check(self) -> str:
        """When the branch guard records f again: 'always', 'first' or 'never' (see trace)."""
        return self._guard.check

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

    @property
    def blocks(self) -> tuple[Block, ...]:
        """The layers, elementwise ops and sums the replay runs whole (autograd/tape/matrices.py).

        Empty when the graph has none: then every row is one numpy operation.
        """
        self._recorded()
        return () if self._vector is None else tuple(self._vector.blocks)

    def source(self) -> str:
        """The replay as numpy code: a layer is `x @ W.T + b`, its matrices named by parameter.

        >>> import nn
        >>> model = nn.MLP(2, [3, 1], seed=0)
        >>> tape = trace(lambda a, b: model([a, b]), params=model.parameters(), example=[0, 0])
        >>> print(tape.source())
        # <lambda>(a, b) on a batch: each input is an array, one number per example.
        # The parameters, read afresh on each call:
        # W_layers_0 (3, 2): layers.0.neurons.0.w.0 ... layers.0.neurons.2.w.1
        # b_layers_0 (3,): layers.0.neurons.0.b ... layers.0.neurons.2.b
        # W_layers_1_neurons_0 (1, 3): layers.1.neurons.0.w.0 ... layers.1.neurons.0.w.2
        # b_layers_1_neurons_0 (1,): layers.1.neurons.0.b
        # relu: the op table's forward rules, on arrays.
        # stack: numpy's.
        def replay(a, b):
            x = stack([a, b], axis=1)
            h0 = relu(x @ W_layers_0.T + b_layers_0)
            h1 = h0 @ W_layers_1_neurons_0.T + b_layers_1_neurons_0
            return h1[:, 0]
        <BLANKLINE>
        """
        r = self._recorded()
        if self._vector is not None:
            blocks, order = self._vector.blocks, self._vector.order
        else:
            blocks = []
            order = [("row", row.index) for row in r.rows if row.kind == OP and row.varies != FIXED]
        return source(r, blocks, order, self._names, name(self._f))

    # -- running it -------------------------------------------------------------

    def __call__(self, *arrays: Any) -> Any:
        """f on every example: an array of the batch's shape (a tuple if f returned several)."""
        shape, columns = self._prepare(arrays)
        values, _ = self._forward(columns, shape)
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
        values, vector = self._forward(columns, shape)

        def pullback(grad_output: Any = None, *, wrt: Any = None) -> Any:
            plan = self._targets(wrt)
            grads, by_leaf = self._backward(values, vector, columns, shape, plan, grad_output)
            if by_leaf is not None:  # one gather for every parameter asked for
                found = np.append(by_leaf, 0.0)[plan.param_slots].tolist()
            else:
                rows = plan.param_rows
                found = [0.0 if i < 0 or grads[i] is None else float(grads[i]) for i in rows]
            if plan.inputs:
                results: list[Any] = [None] * plan.size
                for n, g in zip(plan.params, found):
                    results[n] = g
                for n, position, i in plan.inputs:
                    results[n] = self._input_gradient(grads[i], shape, np.shape(arrays[position]))
            else:  # parameters only, as an optimizer step asks
                results = found
            finite = _finite(results) if plan.inputs else math.isfinite(sum(found))
            if not finite:  # (a sum can overflow too: the careful look below says no error)
                self._refuse_unfinished(results, plan, columns, shape, grad_output)
            return results[0] if plan.single else tuple(results)

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
            return self._recorder.same_at(self._recording, point, 0, (1,))
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
        self._plans: dict[Any, Targets] = {}
        self._replay = RowReplay(recording, self._names)
        self._vector = vectorise(recording)

    # -- the forward pass ----------------------------------------------------------

    def _prepare(self, arrays: tuple[Any, ...]) -> tuple[tuple[int, ...], list[np.ndarray]]:
        if len(arrays) != len(self._names):
            raise TypeError(
                f"the tape of {name(self._f)}({', '.join(self._names)}) takes "
                f"{len(self._names)} input{'s' if len(self._names) != 1 else ''}, got "
                f"{len(arrays)}; pass one array (or number) per input"
            )
        converted = [as_array(a, n) for a, n in zip(arrays, self._names)]
        if len({a.shape for a in converted}) == 1:  # the usual case: nothing to broadcast
            shape = converted[0].shape
            columns = [_column(a) for a in converted]
        else:
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
        # Each input's smallest and largest number: finite both if and only if every
        # number is (a NaN makes both NaN), and the guard's range check reads them.
        ranges = [(float(c.min()), float(c.max())) for c in columns] if math.prod(shape) else []
        if not math.isfinite(sum(lo - hi for lo, hi in ranges)):
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
            self._guard.run(self._recorder, self._recorded(), columns, shape, ranges)
        return shape, columns

    def _forward(self, columns: list[np.ndarray], shape: tuple[int, ...]) -> tuple[list[Any], bool]:
        """Every row's value, and whether the blocks computed them (else the rows did)."""
        self._recorded()
        try:
            values = None if self._vector is None else self._vector.forward(columns)
            vector = values is not None
            if values is None:  # no blocks, or something for the rows to find and word
                values = self._replay.forward(columns, shape)
        finally:
            unreplayed, self._guard.unreplayed = self._guard.unreplayed, None
        if unreplayed is not None:
            raise unreplayed
        return values, vector

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

    def _targets(self, wrt: Any) -> Targets:
        """wrt read as a Targets; the default, and a list of parameters, are kept for reuse."""
        key = tuple(wrt) if isinstance(wrt, (list, tuple)) else wrt
        try:
            plan = self._plans.get(key)  # a key holds only Values, compared by identity
        except TypeError:  # something unhashable in wrt: targets() says what
            plan = None
        if plan is None:
            plan = targets(wrt, self._names, self.params, self._recorded())
            values = key if isinstance(key, tuple) else (key,)
            if wrt is None or all(isinstance(v, Value) for v in values):
                self._plans[key] = plan
        return plan

    def _backward(
        self,
        values: list[Any],
        vector: bool,
        columns: list[np.ndarray],
        shape: tuple[int, ...],
        plan: Targets,
        grad_output: Any,
    ) -> tuple[list[Any], np.ndarray | None]:
        """Each row's gradient, and the parameters' in the recording's order (None: in the rows)."""
        r = self._recorded()
        wanted = plan.wanted
        weights = seeds(grad_output, len(r.outputs), shape)
        if vector:
            result = self._vector.backward(values, shape, wanted, weights)
            if result is not None:
                grads, by_leaf = result
                inputs = [grads[i] for _, _, i in plan.inputs]
                if _finite(inputs) and np.isfinite(by_leaf).all():
                    return grads, by_leaf
            values = self._replay.forward(columns, shape)  # the rows find what went wrong
        return self._replay.backward(values, shape, wanted, weights), None

    def _refuse_unfinished(
        self,
        results: list[Any],
        plan: Targets,
        columns: list[np.ndarray],
        shape: tuple[int, ...],
        grad_output: Any,
    ) -> None:
        """Raise for a nan or inf gradient that finite inputs produced, as Value.backward does."""
        what: list[str] = [""] * plan.size
        for n, position, _ in plan.inputs:
            what[n] = f"input {self._names[position]}"
        for n, value in zip(plan.params, plan.param_values):
            what[n] = f"parameter {value.label or repr(value)}"
        error = unfinished_gradient(
            results, what, columns, shape, grad_output, self.params, self._names
        )
        if error is not None:
            raise error

    @staticmethod
    def _input_gradient(g: Any, shape: tuple[int, ...], given: tuple[int, ...]) -> Any:
        """An input's gradient in the shape the caller gave it (a number's is a float)."""
        if type(g) is np.ndarray:
            full = g.reshape(shape)
        else:
            full = np.full(shape, 0.0 if g is None else float(g))
        return unbroadcast(full, given)


def _column(a: np.ndarray) -> np.ndarray:
    """An input as the flat column the replay reads, never writes: read-only."""
    column = a.ravel()
    column.flags.writeable = False
    return column


def _finite(gradients: list[Any]) -> bool:
    """Whether every gradient, a float or an array, is finite (None counts as 0)."""
    floats = []
    for g in gradients:
        if type(g) is np.ndarray:
            if not np.isfinite(g).all():
                return False
        elif g is not None:
            floats.append(g)
    return all(map(math.isfinite, floats))
