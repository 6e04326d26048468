"""The tape: record a function's graph once, replay it on whole numpy batches.

The scalar engine builds a new graph for every example. But for a function
without data-dependent choices the graph is the same every time: only the
numbers change. So `trace(f, n)` runs f once on scalar Values and writes the
graph down as a flat list of rows, a tape:

    >>> w = Value(2.0, label="w")
    >>> print(trace(lambda x: (w * x).tanh(), example=[0.5]))
    tape of <lambda>(x): 4 rows
    #0    w         parameter  per call
    #1    x         input      per example
    #2    #0 * #1              per example
    #3    tanh(#2)             per example
    outputs: #3

Replaying the tape on arrays instead of floats runs the same graph on every
example at once: row #2 becomes one numpy multiplication over the whole batch.
That is all a tensor library does for an elementwise network, and why it is
fast: the Python loop runs over the rows of the tape, never over the examples.

The backward pass is the scalar engine's chain rule, row by row in reverse,
with the op table's own local derivatives (autograd/ops.py), which work on
arrays. A parameter is shared by every example, so its gradient is the sum of
the per-example gradients: the gradient of the sum of the outputs.

What a tape cannot do: replay a choice that f made in Python from a value,
such as `if v.data > 0:`. The tape holds the branch taken when it was recorded.
So on its first batch the tape records f again at a few examples (the first,
the smallest and largest of each input, some spread between, and some drawn at
random) and compares the graphs; if they differ it raises TraceError instead
of replaying the wrong branch. Every later call checks again, cheaply: one
example drawn at random (with a fixed seed, so a run is repeatable), and the
smallest or largest of an input whenever the batch goes beyond the range
already checked. Recording at the current parameters also catches an `if` on
a parameter that training moved. It is a sample, not a proof: a branch that
no checked example takes goes unseen, so write choices with ops of the graph.
"""

from __future__ import annotations

import inspect
import math
import numbers
import operator
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from autograd.chain import describe
from autograd.errors import DomainError, TraceError
from autograd.messages import backward_error, domain_error
from autograd.ops import ARITHMETIC_NAMES, Op, check_overflow
from autograd.recording import enable_grad, is_grad_enabled
from autograd.value import Value, apply

__all__ = ["trace", "Tape", "TapeRow"]

_INPUT, _PARAM, _CONSTANT, _OP = "input", "parameter", "constant", "op"
_BATCH, _CALL, _FIXED = "per example", "per call", "fixed"
_CHECKS = ("always", "first", "never")
_creation_index = operator.attrgetter("creation_index")
# Examples drawn at random for the check: on the first call, and on every later one.
_FIRST_DRAWS, _LATER_DRAWS = 16, 1


@dataclass(frozen=True)
class TapeRow:
    """One node of the recorded graph: what makes it, from which rows.

    `varies` says how often its value changes: 'per example' (it depends on an
    input), 'per call' (on parameters only), or 'fixed'.
    """

    index: int
    kind: str
    """'input', 'parameter', 'constant' or 'op'."""
    op: Op | None
    parents: tuple[int, ...]
    constant: float | None
    """k of a one-parent op (the 3 of x**3), or the value of a constant."""
    label: str
    varies: str

    def describe(self) -> str:
        """The row as an expression of earlier rows: '#0 * #1', 'tanh(#2)'."""
        if self.kind == _CONSTANT:
            return repr(self.constant)
        if self.op is None:
            return self.label or self.kind
        a = f"#{self.parents[0]}"
        b = f"#{self.parents[1]}" if len(self.parents) == 2 else None
        k = None if self.constant is None else f"{self.constant:g}"
        return self.op.text.format(a=a, b=b, k=k)


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
    names = _input_names(f, n_inputs)
    if check not in _CHECKS:
        raise ValueError(
            f"trace got check={check!r}; it accepts {', '.join(map(repr, _CHECKS))}: when to "
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
        point = [float(x) for x in np.ravel(_as_array(example, "example"))]
        if len(point) != len(names):
            raise ValueError(
                f"trace got an example of {len(point)} numbers for a function of "
                f"{len(names)} inputs ({', '.join(names)}); give one number per input"
            )
        tape._adopt(tape._record(point))
    return tape


def _input_names(f: Callable[..., Any], n_inputs: int | None) -> list[str]:
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
        # The tape calls f(x_0, ..., x_{n-1}): refuse now what that call would fail on later.
        call = f"{_name(f)}({', '.join(positional)}{', *...' if variadic else ''})"
        if keywords:
            raise TypeError(
                f"trace cannot call {_name(f)}: its keyword-only parameter "
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


@dataclass
class _Recording:
    """f's graph at one example, as rows, plus what a replay needs to read live."""

    rows: list[TapeRow]
    outputs: tuple[int, ...]
    single: bool
    leaves: list[tuple[int, Value]]
    """(row, Value) for each parameter row: read .data on every call."""
    folded: dict[int, float]
    """The value of every 'fixed' row."""
    point: list[float]

    def __post_init__(self) -> None:
        self.leaf_rows = {v: i for i, v in self.leaves}
        self.input_rows = [row.index for row in self.rows if row.kind == _INPUT]
        self.signatures = _signatures(self)  # compared row by row to say how two differ
        self.fingerprint: list[Any] = []  # compared with every check's, set by _record_now


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
        self._check = check
        self._recording: _Recording | None = None
        self._checked = False
        self._unreplayed: DomainError | None = None  # met by the check, for the replay to raise
        self._rng = np.random.default_rng(0)  # a fixed seed: the same run checks the same rows
        self._low: np.ndarray | None = None  # per input, the range of examples checked so far
        self._high: np.ndarray | None = None
        self._backward_programs: dict[tuple[int, ...], list[tuple[Any, ...]]] = {}

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
            return f"<Tape of {_name(self._f)}({', '.join(self._names)}): not recorded yet>"
        r = self._recording
        return (
            f"<Tape of {_name(self._f)}({', '.join(self._names)}): {len(r.rows)} rows, "
            f"{len(r.outputs)} output{'s' if len(r.outputs) != 1 else ''}>"
        )

    def listing(self) -> str:
        """The tape as text, one row per line: index, expression, kind, how it varies, label."""
        r = self._recorded()
        width = max(len(row.describe()) for row in r.rows) if r.rows else 0
        lines = [f"tape of {_name(self._f)}({', '.join(self._names)}): {len(r.rows)} rows"]
        for row in r.rows:
            kind = "" if row.kind == _OP else row.kind
            label = row.label if row.label and row.kind == _OP else ""
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
            self._check_finite(results, targets, columns, shape, grad_output)
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

    # -- recording --------------------------------------------------------------

    def _recorded(self) -> _Recording:
        if self._recording is None:
            raise TraceError(
                f"the tape of {_name(self._f)} has not been recorded yet: it records f at the "
                "first example of the first batch it is called on. Call it once, or pass "
                "example=(...) to trace to record right away"
            )
        return self._recording

    def _adopt(self, recording: _Recording) -> None:
        self._recording = recording
        self._backward_programs.clear()
        self._program = _forward_program(recording)
        arithmetic = [
            row
            for row in recording.rows
            if row.kind == _OP and row.varies != _FIXED and row.op.name in ARITHMETIC_NAMES
        ]
        self._arithmetic = [(row.index, row.op, *row.parents) for row in arithmetic]
        self._arithmetic_batch = [row.index for row in arithmetic if row.varies == _BATCH]
        self._arithmetic_shared = [row.index for row in arithmetic if row.varies == _CALL]

    def _record(
        self, point: list[float], row: int | None = None, shape: tuple[int, ...] = ()
    ) -> _Recording:
        """Run f once on Values holding `point` (example `row` of a batch) and write it down."""
        if is_grad_enabled():
            return self._record_now(*self._run(point, row, shape), point)
        with enable_grad():
            return self._record_now(*self._run(point, row, shape), point)

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
            return self._fingerprint_at(point, 0, (1,)) == self._recording.fingerprint
        except (ArithmeticError, ValueError, TypeError):
            return False

    def _fingerprint_at(self, point: list[float], row: int, shape: tuple[int, ...]) -> list[Any]:
        """_fingerprint of f's graph at `point`, without building its rows: the check's cost."""
        if is_grad_enabled():
            order, single, outs, placeholders, boundary = self._run(point, row, shape)
        else:
            with enable_grad():
                order, single, outs, placeholders, boundary = self._run(point, row, shape)
        return _fingerprint(order, single, outs, placeholders, self._declared, boundary)

    def _run(
        self, point: list[float], batch_row: int | None, shape: tuple[int, ...]
    ) -> tuple[list[Value], bool, tuple[Value, ...], list[Value], int]:
        """Call f on Values holding `point`: (the graph's nodes in creation order, ...)."""
        boundary = Value(0.0).creation_index
        placeholders = [Value(x, label=name) for x, name in zip(point, self._names)]
        try:
            result = self._f(*placeholders)
        except DomainError as error:
            if batch_row is None:
                raise
            where = self._at(batch_row, point, shape)
            raise _at_index(DomainError(f"{error}, {where}"), batch_row) from None
        single = isinstance(result, Value)
        outs = (result,) if single else _as_outputs(result, self._f)
        stops = set(self._declared or ())  # membership only: order comes from creation
        nodes = set(placeholders)
        stack = list(outs)
        while stack:
            node = stack.pop()
            if node in nodes:
                continue
            nodes.add(node)
            if node not in stops:
                stack.extend(node.parents)
        order = sorted(nodes, key=_creation_index)  # attrgetter: no Python frame per node
        return order, single, outs, placeholders, boundary

    def _record_now(
        self,
        order: list[Value],
        single: bool,
        outs: tuple[Value, ...],
        placeholders: list[Value],
        boundary: int,
        point: list[float],
    ) -> _Recording:
        stops = set(self._declared or ())
        index = {v: i for i, v in enumerate(order)}
        inputs = set(placeholders)
        rows: list[TapeRow] = []
        leaves: list[tuple[int, Value]] = []
        folded: dict[int, float] = {}
        for i, node in enumerate(order):
            if node in inputs:
                kind, varies, parents, constant = _INPUT, _BATCH, (), None
            elif node in stops or (node.is_leaf and node.creation_index < boundary):
                kind, varies, parents, constant = _PARAM, _CALL, (), None
                leaves.append((i, node))
            elif node.is_leaf:
                kind, varies, parents, constant = _CONSTANT, _FIXED, (), node.data
                folded[i] = node.data
            else:
                parents = tuple(index[p] for p in node.parents)
                kind, constant = _OP, node.constant
                seen = {rows[p].varies for p in parents}
                varies = _BATCH if _BATCH in seen else _CALL if _CALL in seen else _FIXED
                if varies == _FIXED:
                    folded[i] = node.data
            rows.append(TapeRow(i, kind, node.operation, parents, constant, node.label, varies))
        outputs = tuple(index[v] for v in outs)
        recording = _Recording(rows, outputs, single, leaves, folded, list(point))
        recording.fingerprint = _fingerprint(
            order, single, outs, placeholders, self._declared, boundary
        )
        return recording

    def _check_rows(self, columns: list[np.ndarray]) -> list[int]:
        """The examples of this batch to record f at: a broad sample first, then a few."""
        n = columns[0].size
        ranges = [_range_of(c) for c in columns]
        low = np.array([lo for lo, _ in ranges])
        high = np.array([hi for _, hi in ranges])
        if not self._checked:
            rows = set(_sample_rows(columns))
            draws = _FIRST_DRAWS
        else:
            rows = set()
            draws = _LATER_DRAWS
            # An example beyond the range checked so far may cross a threshold none did.
            for j, c in enumerate(columns):
                if low[j] < self._low[j]:
                    rows.add(int(np.nanargmin(c)))
                if high[j] > self._high[j]:
                    rows.add(int(np.nanargmax(c)))
        rows.update(self._rng.integers(0, n, size=min(draws, n)).tolist())
        self._low = low if self._low is None else np.minimum(self._low, low)
        self._high = high if self._high is None else np.maximum(self._high, high)
        return sorted(rows)

    def _verify(self, columns: list[np.ndarray], shape: tuple[int, ...], rows: list[int]) -> None:
        """Record f again at some examples of the batch; its graph must not change.

        f is recorded afresh even at the recorded point: a parameter may have
        moved since, and an `if` on it with it.
        """
        recording = self._recorded()
        for row in rows:
            point = [float(c[row]) for c in columns]
            try:
                if self._fingerprint_at(point, row, shape) == recording.fingerprint:
                    continue
                other = self._record(point, row, shape)  # again, to say how they differ
            except DomainError as error:
                # The replay meets it too and says more (such as that it holds for every
                # example); if the replay does not, this example left the recorded graph.
                self._unreplayed = error
                return
            difference = _difference(recording, other)
            if difference is not None:
                raise TraceError(
                    f"{_name(self._f)} made a different graph at another example: recorded "
                    f"at ({_inputs(self._names, recording.point)}) {difference[0]}, but at "
                    f"batch index {_unravel(row, shape)} ({_inputs(self._names, point)}) "
                    f"{difference[1]} (at the parameters' current values). A tape replays "
                    "one graph, so a Python choice made from a value (an `if` on v.data or "
                    "on a parameter's data, a Value built from a number) cannot be replayed. "
                    "Write the choice with ops of the graph (relu, abs, leaky_relu...), or run "
                    "the scalar engine on each example"
                )

    # -- the forward pass ----------------------------------------------------------

    def _prepare(self, arrays: tuple[Any, ...]) -> tuple[tuple[int, ...], list[np.ndarray]]:
        if len(arrays) != len(self._names):
            raise TypeError(
                f"the tape of {_name(self._f)}({', '.join(self._names)}) takes "
                f"{len(self._names)} input{'s' if len(self._names) != 1 else ''}, got "
                f"{len(arrays)}; pass one array (or number) per input"
            )
        converted = [_as_array(a, name) for a, name in zip(arrays, self._names)]
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
        for name, column in zip(self._names, columns):
            if not np.isfinite(column).all():  # one reduction per input: cheap
                flat = int(np.flatnonzero(~np.isfinite(column))[0])
                raise DomainError(
                    f"the tape got {column[flat]} for input {name} at batch index "
                    f"{_unravel(flat, shape)}: every value and gradient computed from it would "
                    "be nan or inf. Remove that example, or fill the missing value first "
                    "(numpy.nan_to_num, or the column's mean)",
                    batch_index=flat,
                )
        if self._recording is None:
            if not columns or columns[0].size == 0:
                if columns:
                    raise TraceError(
                        f"the tape of {_name(self._f)} cannot record f on an empty batch: "
                        "call it on at least one example first, or pass example=(...) to trace"
                    )
                self._adopt(self._record([]))
            else:
                self._adopt(self._record([float(c[0]) for c in columns], 0, shape))
        if self._check == "always" or (self._check == "first" and not self._checked):
            if columns and columns[0].size:
                self._verify(columns, shape, self._check_rows(columns))
                self._checked = self._unreplayed is None
        return shape, columns

    def _forward(self, columns: list[np.ndarray], shape: tuple[int, ...]) -> list[Any]:
        r = self._recorded()
        values: list[Any] = [None] * len(r.rows)
        for i, column in zip(r.input_rows, columns):
            values[i] = column
        for i, value in r.leaves:
            values[i] = float(value.data)
        for i, value in r.folded.items():
            values[i] = value
        i = -1
        try:
            with np.errstate(all="ignore"):  # every domain check is explicit, in ops.py
                for i, rule, a, b, k in self._program:
                    values[i] = rule(values[a], values[b] if b >= 0 else k)
            i = len(values)
            finite = self._arithmetic_finite(values)
        except (ArithmeticError, ValueError) as error:
            # The scalar engine would have stopped at an overflow before row i, if any.
            i, error = self._first_overflow(values, i, error)
            raise self._forward_error(error, i, values, columns, shape) from None
        finally:
            unreplayed, self._unreplayed = self._unreplayed, None
        if not finite:  # an overflow, or an inf or NaN that came in with the data
            i, overflow = self._first_overflow(values, i, None)
            if overflow is not None:
                raise self._forward_error(overflow, i, values, columns, shape) from None
        if unreplayed is not None:
            raise unreplayed
        return values

    def _arithmetic_finite(self, values: list[Any]) -> bool:
        """Whether every + - * / result of the pass is finite: one numpy check, not one a row."""
        batch = self._arithmetic_batch
        if batch:
            try:
                if not np.isfinite(np.concatenate([values[i] for i in batch])).all():
                    return False
            except ValueError:  # not all 1-d: let the row-by-row search decide
                return False
        return all(math.isfinite(values[i]) for i in self._arithmetic_shared)

    def _first_overflow(
        self, values: list[Any], before: int, error: Exception | None
    ) -> tuple[int, Exception | None]:
        """The first + - * / row before `before` that overflowed from finite operands."""
        with np.errstate(all="ignore"):
            for i, op, a, b in self._arithmetic:
                if i >= before:
                    break
                try:
                    check_overflow(op.forward, values[i], values[a], values[b])
                except OverflowError as overflow:
                    if type(values[i]) is not np.ndarray:
                        overflow.batch_index = None  # type: ignore[attr-defined]
                    return i, overflow
        return before, error

    def _outputs(self, values: list[Any], shape: tuple[int, ...]) -> Any:
        r = self._recorded()
        outs = []
        for i in r.outputs:
            v = values[i]
            if type(v) is np.ndarray:
                # An output that is an input is the caller's own array: hand back a copy.
                outs.append(
                    v.reshape(shape).copy() if r.rows[i].kind == _INPUT else v.reshape(shape)
                )
            else:
                outs.append(np.full(shape, float(v)))
        return outs[0] if r.single else tuple(outs)

    # -- the backward pass ------------------------------------------------------------

    def _check_finite(
        self,
        results: tuple[Any, ...],
        targets: list[tuple[str, Any]],
        columns: list[np.ndarray],
        shape: tuple[int, ...],
        grad_output: Any,
    ) -> None:
        """Refuse a nan or inf gradient that finite inputs produced, as Value.backward does."""
        if all(np.isfinite(g).all() for g in results):
            return
        if grad_output is not None and not np.isfinite(np.asarray(grad_output, float)).all():
            return  # a nan or inf weight came from the caller
        if not all(math.isfinite(p.data) for p in self.params):
            return
        bad = np.zeros(shape, bool).ravel()
        for g in results:
            if type(g) is np.ndarray and g.size == bad.size:
                bad |= ~np.isfinite(g.ravel())
        for c in columns:
            bad &= np.isfinite(c)
        flat = int(np.flatnonzero(bad)[0]) if bad.any() else None
        if flat is None and any(not np.isfinite(c).all() for c in columns):
            return  # only examples that are themselves nan or inf
        names = [
            f"input {self._names[x]}" if kind == _INPUT else f"parameter {x.label or repr(x)}"
            for kind, x in targets
        ]
        which = next(n for n, g in zip(names, results) if not np.isfinite(g).all())
        where = (
            "" if flat is None else f" {self._at(flat, [float(c[flat]) for c in columns], shape)}"
        )
        raise DomainError(
            f"the tape's backward pass produced a nan or inf gradient for {which}{where}, "
            "although the inputs are finite: a local derivative or a sum of them overflowed. "
            "Every step that uses it would be nan or inf; run f on that example with Values "
            "and .backward(), which names the step, and keep the inputs away from that point",
            batch_index=flat,
        )

    def _targets(self, wrt: Any) -> tuple[bool, list[tuple[str, Any]]]:
        """(is one target, [('input', position) or ('param', Value), ...])."""
        r = self._recorded()
        params = self.params
        known = set(params)
        if wrt is None:
            items = list(range(len(self._names))) + list(params)
            return False, [_target(x, self._names, r, known) for x in items]
        if isinstance(wrt, np.ndarray) and wrt.dtype.kind in "iu":
            wrt = wrt.tolist()  # positions computed with numpy; a 0-d array gives one int
        if isinstance(wrt, (numbers.Integral, Value)) and not isinstance(wrt, bool):
            return True, [_target(wrt, self._names, r, known)]
        if isinstance(wrt, (list, tuple)):
            return False, [_target(x, self._names, r, known) for x in wrt]
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
        n = int(np.prod(shape, dtype=np.int64))
        wanted = tuple(sorted({_target_row(t, r) for t in targets} - {-1}))
        program = self._backward_programs.get(wanted)
        if program is None:
            program = self._backward_programs[wanted] = _backward_program(r, wanted)
        grads: list[Any] = [None] * len(r.rows)
        for i, seed in zip(r.outputs, _seeds(grad_output, len(r.outputs), shape, n)):
            if r.rows[i].varies == _FIXED:
                continue
            if r.rows[i].varies == _CALL:
                seed = float(np.sum(seed)) if type(seed) is np.ndarray else seed * n
            grads[i] = seed if grads[i] is None else grads[i] + seed
        i = -1
        try:
            with np.errstate(all="ignore"):
                for i, local, a, b, k, to_a, to_b in program:
                    g = grads[i]
                    if g is None:
                        continue
                    v = values[i]
                    if b < 0:
                        (da,) = local(v, values[a], k)
                    else:
                        da, db = local(v, values[a], values[b])
                        if to_b:
                            c = _chain(db, g, to_b, n)
                            grads[b] = c if grads[b] is None else grads[b] + c
                    if to_a:
                        c = _chain(da, g, to_a, n)
                        grads[a] = c if grads[a] is None else grads[a] + c
        except (ArithmeticError, ValueError) as error:
            raise self._backward_error(error, i, values, shape) from None
        return grads

    def _gradient(
        self, grads: list[Any], target: tuple[str, Any], shape: tuple[int, ...], arrays: Any
    ) -> Any:
        r = self._recorded()
        row = _target_row(target, r)
        g = grads[row] if row >= 0 else None
        if target[0] == _PARAM:
            return 0.0 if g is None else float(g)
        if type(g) is np.ndarray:
            full = g.reshape(shape)
        else:
            full = np.full(shape, 0.0 if g is None else float(g))
        return _unbroadcast(full, np.shape(arrays[target[1]]))

    # -- errors -----------------------------------------------------------------------

    def _at(self, flat: int, point: list[float], shape: tuple[int, ...] | None = None) -> str:
        where = flat if shape is None else _unravel(flat, shape)
        return f"at batch index {where} ({_inputs(self._names, point)})"

    def _forward_error(
        self,
        error: Exception,
        i: int,
        values: list[Any],
        columns: list[np.ndarray],
        shape: tuple[int, ...],
    ) -> Exception:
        r = self._recorded()
        flat = getattr(error, "batch_index", None)
        if i < 0 or (flat is None and r.rows[i].varies == _BATCH):
            return error  # not a domain check of the op table: let it show as it is
        row = r.rows[i]
        args = [_element(values[p], flat) for p in row.parents]
        k = row.constant
        temporary = tuple(Value(x, label=r.rows[p].label) for x, p in zip(args, row.parents))
        message = str(domain_error(error, row.op, temporary, k))
        if flat is None:
            return DomainError(f"{message}, at tape row #{i}, which is the same for every example")
        point = [float(c[flat]) for c in columns]
        return _at_index(
            DomainError(
                f"{message}, at tape row #{i} {self._at(flat, point, shape)}. Remove that "
                "example from the batch, or keep the inputs inside the function's domain"
            ),
            flat,
        )

    def _backward_error(
        self, error: Exception, i: int, values: list[Any], shape: tuple[int, ...]
    ) -> Exception:
        r = self._recorded()
        flat = getattr(error, "batch_index", None)
        if i < 0 or (flat is None and r.rows[i].varies == _BATCH):
            return error
        row = r.rows[i]
        parents = [Value(_element(values[p], flat), label=r.rows[p].label) for p in row.parents]
        with enable_grad():
            if len(parents) == 2:
                node = _apply(row.op, parents[0], parents[1])
            else:
                node = _apply(row.op, parents[0], row.constant)
        node.label = row.label
        message = str(backward_error(error, node, describe(node)))
        if flat is None:
            return DomainError(f"{message} (tape row #{i}, the same for every example)")
        where = f"(tape row #{i}, at batch index {_unravel(flat, shape)})"
        return _at_index(DomainError(f"{message} {where}"), flat)


# -- programs: the tape compiled to tuples the loops unpack ------------------------------


def _forward_program(r: _Recording) -> list[tuple[Any, ...]]:
    program = []
    for row in r.rows:
        if row.kind != _OP or row.varies == _FIXED:
            continue
        op = row.op
        rule = op.forward
        b = row.parents[1] if len(row.parents) == 2 else -1
        program.append((row.index, rule, row.parents[0], b, row.constant))
    return program


# How a local derivative reaches a parent: not at all, into a per-example
# gradient, summed over the batch into a shared one, or shared into shared.
_SKIP, _EACH, _SUM, _SHARED = 0, 1, 2, 3


def _backward_program(r: _Recording, wanted: tuple[int, ...]) -> list[tuple[Any, ...]]:
    """The op rows in reverse, each with how its gradient flows to its parents.

    A row needs a gradient only if one of the wanted rows is among its
    ancestors; every other branch of the graph is skipped.
    """
    needs = [False] * len(r.rows)
    for row in r.rows:
        needs[row.index] = row.index in wanted or any(needs[p] for p in row.parents)
    program = []
    for row in reversed(r.rows):
        if row.kind != _OP or not needs[row.index]:
            continue
        flows = []
        for p in row.parents:
            if not needs[p]:
                flows.append(_SKIP)
            elif r.rows[p].varies == _BATCH:
                flows.append(_EACH)
            elif row.varies == _BATCH:
                flows.append(_SUM)
            else:
                flows.append(_SHARED)
        b = row.parents[1] if len(row.parents) == 2 else -1
        to_b = flows[1] if len(flows) == 2 else _SKIP
        program.append((row.index, row.op.local, row.parents[0], b, row.constant, flows[0], to_b))
    return program


def _chain(d: Any, g: Any, flow: int, n: int) -> Any:
    """The chain rule for one parent: d * g, summed over the batch for a shared parent.

    A float gradient on a per-example row stands for the same number at every
    one of the n examples.
    """
    if flow == _SUM:
        if type(d) is np.ndarray:
            return float(np.dot(d, g)) if type(g) is np.ndarray else float(d.sum()) * g
        return d * float(g.sum()) if type(g) is np.ndarray else d * g * n
    if type(d) is float:
        if d == 1.0:
            return g
        if d == -1.0:
            return -g
    return d * g


def _seeds(grad_output: Any, n_outputs: int, shape: tuple[int, ...], n: int) -> list[Any]:
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
    seeds = []
    for g in items:
        a = _as_array(g, "grad_output")
        if a.ndim == 0:
            seeds.append(float(a))
            continue
        try:
            seeds.append(np.array(np.broadcast_to(a, shape)).ravel())  # a copy, never a view
        except ValueError:
            raise ValueError(
                f"grad_output has shape {a.shape}, but the batch has shape {shape}; give a "
                "number, or an array with one weight per example"
            ) from None
    return seeds


def _target(x: Any, names: list[str], r: _Recording, params: set[Value]) -> tuple[str, Any]:
    if isinstance(x, Value):
        if x in params or x in r.leaf_rows:
            return (_PARAM, x)
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
        return (_INPUT, int(x) % len(names))
    raise TypeError(
        f"wrt got {x!r:.60}; it accepts an input position from 0 to {len(names) - 1} "
        f"({', '.join(names)}) or a parameter Value"
    )


def _target_row(target: tuple[str, Any], r: _Recording) -> int:
    kind, x = target
    if kind == _INPUT:
        return r.input_rows[x]
    return r.leaf_rows.get(x, -1)


# -- small helpers --------------------------------------------------------------------


def _as_array(x: Any, name: str) -> np.ndarray:
    if isinstance(x, np.ma.MaskedArray):
        raise TypeError(
            f"the tape got a masked array for {name}: its masked entries would be used as "
            "numbers, silently. Pass x.filled(value) with the value you mean, or drop the "
            "masked examples (x.compressed())"
        )
    if isinstance(x, Value):
        raise TypeError(
            f"the tape got a Value for {name}; it runs on numbers and numpy arrays. Pass "
            "x.data, or call f itself to build a scalar graph"
        )
    try:
        a = np.asarray(x)
    except Exception:  # numpy raises many kinds for ragged or odd objects
        a = None
    if a is None or a.dtype.kind not in "biuf":
        complex_ = a is not None and a.dtype.kind == "c"
        raise TypeError(
            f"the tape got {type(x).__name__} {x!r:.60} for {name}; it accepts real numbers "
            "and numpy arrays of them (int, float or bool)"
            + (" (complex numbers are not supported)" if complex_ else "")
        )
    return a.astype(float, copy=False)


def _as_outputs(result: Any, f: Callable[..., Any]) -> tuple[Value, ...]:
    if isinstance(result, (list, tuple)) and result and all(isinstance(v, Value) for v in result):
        return tuple(result)
    raise TraceError(
        f"{_name(f)} returned {type(result).__name__} {result!r:.60}; a tape records f's "
        "graph, so f must return a Value or a list of Values computed from its inputs"
    )


def _apply(op: Op, a: Value, b: Any) -> Value:
    """Record op on Values through the engine's own operators (for error messages)."""
    return apply(op, a, b)


def _at_index(error: DomainError, flat: int) -> DomainError:
    """The error, carrying the flat position of the failing example as `batch_index`."""
    error.batch_index = flat  # type: ignore[attr-defined]
    return error


def _element(v: Any, flat: int | None) -> float:
    if type(v) is np.ndarray:
        return float(v[0 if flat is None else flat])
    return float(v)


def _unravel(flat: int, shape: tuple[int, ...]) -> Any:
    if len(shape) <= 1:
        return flat
    return tuple(int(i) for i in np.unravel_index(flat, shape))


def _unbroadcast(g: np.ndarray, shape: tuple[int, ...]) -> Any:
    """Sum g down to `shape`, undoing numpy broadcasting (a number's gradient is a float)."""
    extra = g.ndim - len(shape)
    if extra:
        g = g.sum(axis=tuple(range(extra)))
    axes = tuple(i for i, n in enumerate(shape) if n == 1 and g.shape[i] != 1)
    if axes:
        g = g.sum(axis=axes, keepdims=True)
    return float(g) if not shape else g


def _sample_rows(columns: list[np.ndarray]) -> list[int]:
    """The first example, each input's smallest and largest, and four spread evenly."""
    n = columns[0].size
    rows = {0, n - 1, *np.linspace(0, n - 1, 4).astype(int).tolist()}
    for c in columns:
        if np.isnan(c).all():
            continue
        rows.add(int(np.nanargmin(c)))
        rows.add(int(np.nanargmax(c)))
    return sorted(rows)


def _difference(one: _Recording, other: _Recording) -> tuple[str, str] | None:
    """How two recordings differ, in words, or None if they are the same graph."""
    ones, others = one.signatures, other.signatures
    for x, y, sx, sy in zip(one.rows, other.rows, ones, others):
        if sx != sy:
            return (f"row #{x.index} is {_words(x)}", f"it is {_words(y)}")
    if len(one.rows) != len(other.rows):
        return (f"the graph has {len(one.rows)} rows", f"it has {len(other.rows)}")
    if one.outputs != other.outputs:
        outputs = [", ".join(f"#{i}" for i in r.outputs) for r in (one, other)]
        return (f"it returned rows {outputs[0]}", f"it returned {outputs[1]}")
    if one.single != other.single:
        kinds = ["a Value" if r.single else "a list of Values" for r in (one, other)]
        return (f"it returned {kinds[0]}", f"it returned {kinds[1]}")
    return None


def _range_of(column: np.ndarray) -> tuple[float, float]:
    """The smallest and largest number of a column, NaNs left out ((inf, -inf) if all NaN)."""
    low, high = float(column.min()), float(column.max())
    if low == low and high == high:  # no NaN: the common case, two quick reductions
        return low, high
    numbers = column[~np.isnan(column)]
    return (float(numbers.min()), float(numbers.max())) if numbers.size else (math.inf, -math.inf)


def _fingerprint(
    order: list[Value],
    single: bool,
    outs: tuple[Value, ...],
    placeholders: list[Value],
    declared: Sequence[Value] | None,
    boundary: int,
) -> list[Any]:
    """The graph of one recording as a flat list, quick to build and to compare.

    Two recordings of one graph give equal lists. This runs on every call of a
    tape that checks itself, so it builds plain tuples and nothing more. A NaN
    constant makes two equal graphs look different; the check then records in
    full and compares _signatures, which treat NaN as equal to itself.
    """
    index = {v: i for i, v in enumerate(order)}.get
    inputs = set(placeholders)
    stops = set(declared or ())
    result: list[Any] = []
    append = result.append
    for node in order:
        fn = node.operation
        if fn is not None and node not in stops:
            append((fn, *map(index, node.parents), node.constant))
        elif node in inputs:
            append(_INPUT)
        elif node in stops or node.creation_index < boundary:
            append((_PARAM, node.creation_index))
        else:
            append(node.data)  # a constant
    append((single, tuple(map(index, outs))))
    return result


def _signatures(r: _Recording) -> list[tuple[Any, ...]]:
    """Each row as plain data, then the outputs: two recordings of one graph give equal lists."""
    leaf = {i: v.creation_index for i, v in r.leaves}
    result: list[tuple[Any, ...]] = []
    for row in r.rows:
        if row.kind == _OP:
            result.append((_OP, row.op, row.parents, _plain(row.constant)))
        else:
            result.append((row.kind, None, (), _plain(row.constant), leaf.get(row.index)))
    result.append(("outputs", r.single, r.outputs))
    return result


def _plain(constant: float | None) -> Any:
    """A constant that compares equal to itself: NaN != NaN, so it becomes 'nan'."""
    if constant is not None and math.isnan(constant):
        return "nan"
    return constant


def _words(row: TapeRow) -> str:
    if row.kind == _CONSTANT:
        return f"the constant {row.constant!r}"
    if row.kind != _OP:
        return f"the {row.kind} {row.label!r}"
    return f"{row.describe()!r}"


def _inputs(names: list[str], point: list[float]) -> str:
    return ", ".join(f"{n}={x!r}" for n, x in zip(names, point))


def _name(f: Callable[..., Any]) -> str:
    return getattr(f, "__name__", type(f).__name__)
