"""Value: a number that remembers how it was computed.

Every arithmetic operation on Values returns a new Value that points back to
its parents and to the entry of the op table (autograd/ops.py) that made it.
`backward()` (autograd/backward.py) walks those links in reverse and applies
the chain rule.

Design choices, and why:
- Parents are two plain slots, `_a` and `_b`, not a set or a closure: the
  order is fixed (so drawings are deterministic) and a node holds no reference
  cycle, so a finished graph is freed by reference counting alone.
- `_id` counts nodes in creation order. Anything that names or orders nodes
  (explain, draw, the tape) uses it, never id().
"""

from __future__ import annotations

import itertools
import numbers
import weakref
from collections.abc import Callable
from typing import Any

from autograd import ops
from autograd.errors import DomainError
from autograd.ops import ADD as _ADD
from autograd.ops import MUL as _MUL
from autograd.ops import Op
from autograd.recording import STATE, is_anomaly_enabled, is_grad_enabled

__all__ = ["Value", "Number", "weighted_sum"]

Number = int | float
"""Plain numbers a Value accepts: int, float, bool and numpy scalars."""

_ACCEPTED = "int, float, bool or a numpy scalar"
_new = object.__new__
_next_id = itertools.count().__next__


def _as_float(x: Any, where: str) -> float:
    """x as a float, or a TypeError that says what was received and what is accepted."""
    if type(x) is float:
        return x
    if isinstance(x, Value):
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
                f"({_ACCEPTED}). For batches, record the graph once with autograd.trace "
                "and replay it on arrays"
            )
    raise TypeError(
        f"{where} got {type(x).__name__} {x!r:.60}; it accepts {_ACCEPTED}"
        + (" (complex numbers are not supported)" if isinstance(x, complex) else "")
    )


class Value:
    """A scalar node of the computation graph: data, grad, and how it was made.

    >>> x = Value(2.0, label="x")
    >>> y = x * x + 3 * x
    >>> y.backward()
    >>> y.data, x.grad        # y = x**2 + 3x, dy/dx = 2x + 3
    (10.0, 7.0)
    """

    __slots__ = (
        "data",
        "grad",
        "label",
        "_fn",
        "_a",
        "_b",
        "_k",
        "_id",
        "_scope",
        "_hooks",
        "__weakref__",
    )

    # numpy must hand `array * value` to our reflected operators, not loop over us.
    __array_ufunc__ = None

    data: float
    grad: Any
    label: str

    def __init__(self, data: Any, label: str = "") -> None:
        if not isinstance(label, str):
            raise TypeError(
                f"Value label must be a str, got {type(label).__name__} {label!r:.60}; "
                "pass it by keyword, Value(2.0, label='x'). Parents are recorded by the "
                "operators, never passed in"
            )
        self.data = _as_float(data, "Value()")
        self.grad = 0.0
        self.label = label
        self._fn: Op | None = None
        self._a: Value | None = None
        self._b: Value | None = None
        self._k: float | None = None
        self._id = _next_id()
        self._scope = STATE.scope
        self._hooks: list[Callable[[Any], Any]] | None = None
        if STATE.special and is_anomaly_enabled():
            from autograd.anomaly import record_site

            record_site(self)

    # -- structure, read-only -------------------------------------------------

    @property
    def op(self) -> str:
        """The operation that made this node ('+', '*', 'tanh', '**2'); '' for a leaf."""
        fn = self._fn
        if fn is None:
            return ""
        if fn is ops.POW_CONST:
            return f"**{self._k:g}"
        return fn.name

    @property
    def parents(self) -> tuple[Value, ...]:
        """The nodes this one was computed from, in operand order."""
        a, b = self._a, self._b
        if a is None:
            return ()
        return (a,) if b is None else (a, b)

    # micrograd's names, so the lecture's draw_dot and trace run unchanged.
    _prev = parents
    _op = op

    @property
    def operation(self) -> Op | None:
        """The op-table entry that made this node, or None for a leaf."""
        return self._fn

    @property
    def constant(self) -> float | None:
        """The constant of a one-parent op (the 3 of x**3, the slope of leaky_relu).

        For a leaf that an operator made from a plain number (the 4.0 of
        `y - 4.0`), that number; None for every other leaf.
        """
        return self._k

    @property
    def is_leaf(self) -> bool:
        """True for a node that no operation made: an input, a parameter or a constant."""
        return self._fn is None

    @property
    def creation_index(self) -> int:
        """A counter that orders nodes by creation; parents always come before children."""
        return self._id

    @property
    def scope(self) -> str | None:
        """The dotted path of the nn module whose call created this node, if any."""
        return self._scope

    def __repr__(self) -> str:
        label = f", label={self.label!r}" if self.label else ""
        return f"Value(data={self.data}, grad={self.grad}{label})"

    # -- operators --------------------------------------------------------------

    def __add__(self, other: Value | Number) -> Value:
        if type(other) is not Value:
            other = _lift(other, "+")
        return _record2(ops.ADD, self, other)

    def __radd__(self, other: Number) -> Value:
        return _record2(ops.ADD, _lift(other, "+"), self)

    def __sub__(self, other: Value | Number) -> Value:
        if type(other) is not Value:
            other = _lift(other, "-")
        return _record2(ops.SUB, self, other)

    def __rsub__(self, other: Number) -> Value:
        return _record2(ops.SUB, _lift(other, "-"), self)

    def __mul__(self, other: Value | Number) -> Value:
        if type(other) is not Value:
            other = _lift(other, "*")
        return _record2(ops.MUL, self, other)

    def __rmul__(self, other: Number) -> Value:
        return _record2(ops.MUL, _lift(other, "*"), self)

    def __truediv__(self, other: Value | Number) -> Value:
        if type(other) is not Value:
            other = _lift(other, "/")
        return _record2(ops.DIV, self, other)

    def __rtruediv__(self, other: Number) -> Value:
        return _record2(ops.DIV, _lift(other, "/"), self)

    def __pow__(self, other: Value | Number) -> Value:
        if isinstance(other, Value):
            return _record2(ops.POW, self, other)
        return _record1(ops.POW_CONST, self, _as_float(other, "the exponent of **"))

    def __rpow__(self, other: Number) -> Value:
        return _record2(ops.POW, _lift(other, "**"), self)

    def __neg__(self) -> Value:
        return _record1(ops.NEG, self)

    def __pos__(self) -> Value:
        return self

    def __abs__(self) -> Value:
        return _record1(ops.ABS, self)

    def __float__(self) -> float:
        raise TypeError(
            f"float() of a Value ({self!r:.60}) would leave the graph, so backward would not "
            "see what is done with the number. Use x.data to read it on purpose, or keep "
            "computing with Values (x.exp(), autograd.tanh(x)) so gradients reach x"
        )

    # -- comparisons: refused with a way out (== stays identity, so Values hash) --

    def __lt__(self, other: Any) -> bool:
        raise _no_comparison("<", self, other)

    def __le__(self, other: Any) -> bool:
        raise _no_comparison("<=", self, other)

    def __gt__(self, other: Any) -> bool:
        raise _no_comparison(">", self, other)

    def __ge__(self, other: Any) -> bool:
        raise _no_comparison(">=", self, other)

    # -- functions ----------------------------------------------------------------

    def exp(self) -> Value:
        """e**x."""
        return _record1(ops.EXP, self)

    def log(self) -> Value:
        """Natural logarithm; needs x > 0."""
        return _record1(ops.LOG, self)

    def sqrt(self) -> Value:
        """Square root; needs x >= 0."""
        return _record1(ops.SQRT, self)

    def tanh(self) -> Value:
        """Hyperbolic tangent, (e**2x - 1) / (e**2x + 1)."""
        return _record1(ops.TANH, self)

    def sigmoid(self) -> Value:
        """1 / (1 + e**-x), computed without overflow for any x."""
        return _record1(ops.SIGMOID, self)

    def relu(self) -> Value:
        """max(x, 0); its derivative at 0 is taken as 0."""
        return _record1(ops.RELU, self)

    def leaky_relu(self, slope: Number = 0.01) -> Value:
        """x for x > 0, slope * x otherwise."""
        return _record1(ops.LEAKY_RELU, self, _as_float(slope, "leaky_relu slope"))

    def softplus(self) -> Value:
        """log(1 + e**x), computed without overflow for any x."""
        return _record1(ops.SOFTPLUS, self)

    def sin(self) -> Value:
        """Sine, x in radians."""
        return _record1(ops.SIN, self)

    def cos(self) -> Value:
        """Cosine, x in radians."""
        return _record1(ops.COS, self)

    # -- gradients ---------------------------------------------------------------

    def backward(self, gradient: Any = 1.0, *, create_graph: bool = False) -> None:
        """Fill .grad of every node this one depends on with d(self)/d(node).

        Leaves accumulate across calls (as in PyTorch); every node in between
        holds the gradient of the latest pass. With create_graph=True the
        gradients are Values, so they can be differentiated again.
        """
        from autograd.backward import backward

        backward(self, gradient, create_graph=create_graph)

    def _backward(self) -> None:
        """One chain-rule step: add this node's contribution to its parents' grads.

        backward() does this for every node; micrograd's lecture calls it by hand.
        """
        from autograd.backward import propagate_one

        propagate_one(self)

    def detach(self) -> Value:
        """A new leaf with the same data and label, cut off from this graph."""
        return Value(self.data, label=self.label)

    def register_hook(self, hook: Callable[[Any], Any]) -> _HookHandle:
        """Call hook(grad) when this node's gradient is ready in backward().

        The hook may return a replacement gradient, or None to keep it. As in
        PyTorch, the returned handle's .remove() unregisters it. On a leaf the
        hook sees this pass's gradient before it is added to .grad.
        """
        if not callable(hook):
            raise TypeError(f"register_hook needs a callable, got {type(hook).__name__}")
        handle = _HookHandle(self, hook)
        if self._hooks is None:
            self._hooks = []
        self._hooks.append(handle)
        if self._fn is None:
            HOOKED_LEAVES.add(self)
        return handle


HOOKED_LEAVES: weakref.WeakSet[Value] = weakref.WeakSet()
"""Leaves that have hooks; backward() looks for them only while this is not empty."""


class _HookHandle:
    """What register_hook returns; it is also the entry in the node's hook list.

    One handle per registration, so .remove() takes out exactly that one, even
    when the same function is registered twice. It refers to its node weakly:
    the node holds the handle, and a strong link back would make a cycle.
    """

    __slots__ = ("_node", "_hook")

    def __init__(self, node: Value, hook: Callable[[Any], Any]) -> None:
        self._node = weakref.ref(node)
        self._hook = hook

    def __call__(self, grad: Any) -> Any:
        return self._hook(grad)

    def remove(self) -> None:
        """Unregister the hook; removing twice does nothing."""
        node = self._node()
        hooks = None if node is None else node._hooks
        if hooks is None:
            return
        for i, entry in enumerate(hooks):
            if entry is self:
                del hooks[i]
                break
        if not hooks:
            node._hooks = None
            HOOKED_LEAVES.discard(node)


def weighted_sum(bias: Value, weights: list[Value], inputs: Any) -> Value:
    """bias + weights[0]*inputs[0] + weights[1]*inputs[1] + ..., a neuron's sum.

    The graph is node for node the one this loop builds, a product then a sum
    per weight, in the same order:

        act = bias
        for w, x in zip(weights, inputs):
            act = act + w * x

    only with the two operator calls per weight inlined: they make most of a
    network's nodes. Anything
    unusual (a mode such as no_grad, a result that is not finite, a weight
    that is not a Value) takes that loop itself.
    """
    if STATE.special or type(bias) is not Value:
        return _plain_weighted_sum(bias, weights, inputs)
    scope = STATE.scope
    act = bias
    for i, (w, x) in enumerate(zip(weights, inputs)):
        if type(x) is not Value:
            x = _lift(x, "*")
        if type(w) is not Value:
            return _plain_weighted_sum(act, weights[i:], [x, *inputs[i + 1 :]])
        product = w.data * x.data
        total = act.data + product
        if total - total != 0.0:  # inf or NaN: the operators say which step and why
            return _plain_weighted_sum(act, weights[i:], [x, *inputs[i + 1 :]])
        # Two nodes as _node builds them, written out: a call per node would cost
        # a tenth of a training step.
        term = _new(Value)
        term.data = product
        term.grad = 0.0
        term.label = ""
        term._fn = _MUL
        term._a = w
        term._b = x
        term._k = None
        term._id = _next_id()
        term._scope = scope
        term._hooks = None
        out = _new(Value)
        out.data = total
        out.grad = 0.0
        out.label = ""
        out._fn = _ADD
        out._a = act
        out._b = term
        out._k = None
        out._id = _next_id()
        out._scope = scope
        out._hooks = None
        act = out
    return act


def _plain_weighted_sum(bias: Any, weights: Any, inputs: Any) -> Any:
    act = bias
    for w, x in zip(weights, inputs, strict=False):
        act = act + w * x
    return act


def _no_comparison(symbol: str, a: Any, b: Any) -> TypeError:
    left, right = (repr(x.data) if isinstance(x, Value) else repr(x) for x in (a, b))
    return TypeError(
        f"Values cannot be compared with {symbol} (got {left} {symbol} {right}): the graph "
        "records arithmetic, not choices. Compare their numbers, x.data "
        f"{symbol} y.data, for a choice that backward need not see, or write the choice "
        "with an op of the graph (relu, abs, leaky_relu), which backward differentiates"
    )


def _lift(x: Any, symbol: str) -> Value:
    if isinstance(x, Value):
        return x
    constant = Value(_as_float(x, f"the other operand of {symbol}"))
    constant._k = constant.data  # so explain() can write it as the number it is
    return constant


def _record1(fn: Op, a: Value, k: float | None = None) -> Value:
    """A new node made by a one-parent op."""
    try:
        data = fn.forward(a.data, k)
    except Exception as error:
        raise _domain_error(error, fn, (a,), k) from None
    out = _node(fn, data, a, None, k, STATE.scope)
    if STATE.special:
        _apply_modes(out)
    return out


def _record2(fn: Op, a: Value, b: Value) -> Value:
    """A new node made by a two-parent op."""
    try:
        data = fn.forward(a.data, b.data)
    except Exception as error:
        raise _domain_error(error, fn, (a, b), None) from None
    if data - data != 0.0 and a.data - a.data == 0.0 and b.data - b.data == 0.0:
        # Finite operands, an inf or NaN result: a float overflow (1e200 * 1e200).
        # In detect_anomaly() the anomaly check below reports it, with where it was made.
        if not (STATE.special and is_anomaly_enabled()):
            raise _domain_error(OverflowError(), fn, (a, b), None)
    out = _node(fn, data, a, b, None, STATE.scope)
    if STATE.special:
        _apply_modes(out)
    return out


def _node(fn: Op, data: float, a: Value, b: Value | None, k: float | None, scope: Any) -> Value:
    """A new node: every slot set here, in one place (faster than Value.__init__'s checks)."""
    out = _new(Value)
    out.data = data
    out.grad = 0.0
    out.label = ""
    out._fn = fn
    out._a = a
    out._b = b
    out._k = k
    out._id = _next_id()
    out._scope = scope
    out._hooks = None
    return out


def _apply_modes(out: Value) -> None:
    """The slow path, taken only while no_grad or detect_anomaly is active somewhere."""
    if not is_grad_enabled():
        out._fn = out._a = out._b = out._k = None
    elif is_anomaly_enabled():
        from autograd.anomaly import check_forward

        check_forward(out)


def where(nodes: tuple[Value, ...]) -> str:
    """' (in node 'z')' for the labelled nodes among `nodes`, or ''."""
    labels = [n.label for n in nodes if n.label]
    if not labels:
        return ""
    if len(labels) == 1:
        return f" (in node {labels[0]!r})"
    return " (in nodes " + " and ".join(repr(label) for label in labels) + ")"


def _domain_error(error: Exception, fn: Op, args: tuple[Value, ...], k: float | None) -> Exception:
    if not isinstance(error, (ArithmeticError, ValueError)):
        return error
    b = args[1].data if len(args) == 2 else None
    expression = fn.describe(args[0].data, b, k)
    if isinstance(error, DomainError):
        message = str(error)
    elif isinstance(error, OverflowError):
        message = (
            f"{expression} overflows: the result is beyond the largest float (about 1.8e308), "
            "so every later step would be inf or NaN. Scale the inputs down (normalise the "
            "data, lower the learning rate), or use a stable form such as softplus(x) "
            "instead of log(1 + exp(x))"
        )
    else:
        message = f"{expression} is undefined: {error}"
    way_out = getattr(error, "way_out", "")
    return DomainError(message + where(args) + (f". {way_out}" if way_out else ""))
