"""Value: a number that remembers how it was computed.

Every arithmetic operation on Values returns a new Value that points back to
its parents and to the row of the op table (autograd/ops.py) that made it.
`backward()` (autograd/backward.py) walks those links in reverse and applies
the chain rule, one node at a time (autograd/chain.py).

Design choices, and why:
- Parents are two plain slots, `_a` and `_b`, not a set or a closure: the
  order is fixed (so drawings are deterministic) and a node holds no reference
  cycle, so a finished graph is freed by reference counting alone. A
  one-parent op keeps its constant k (the 3 of x**3) in `_b`, always a float.
- `_id` counts nodes in creation order. Anything that names or orders nodes
  (explain, draw, the tape) uses it, never id().
- micrograd's lecture style works too: `Value(data, (a, b), '+')` with a
  `_backward` closure set by hand. Such a node's backward is the closure, run
  at its place in the order, since the table does not know its rule.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable
from typing import Any

from autograd import ops
from autograd.coerce import as_float
from autograd.hooks import HookHandle, add_hook
from autograd.messages import domain_error, no_comparison
from autograd.ops import Op
from autograd.recording import SCOPE, STATE, is_anomaly_enabled, is_grad_enabled

__all__ = ["Value", "Constant", "Number", "apply", "weighted_sum", "PYTHON_BACKWARD"]

Number = int | float
"""Plain numbers a Value accepts: int, float, bool and numpy scalars."""

_new = object.__new__
_next_id = itertools.count().__next__


class Value:
    """A scalar node of the computation graph: data, grad, and how it was made.

    >>> x = Value(2.0, label="x")
    >>> y = x * x + 3 * x
    >>> y.backward()
    >>> y.data, x.grad        # y = x**2 + 3x, dy/dx = 2x + 3
    (10.0, 7.0)

    The signature is micrograd's, so the lecture's code runs unchanged:
    Value(data, _children=(), _op='', label='').
    """

    # What every node has. What few nodes have (a label, hooks, a hand-set closure,
    # an optimizer's state) lives in the instance __dict__, made only when first set:
    # that keeps a node as small as before Values took extra attributes.
    __slots__ = ("data", "grad", "_fn", "_a", "_b", "_id", "_scope", "__weakref__", "__dict__")

    # numpy must hand `array * value` to our reflected operators, not loop over us.
    __array_ufunc__ = None

    data: float
    grad: Any

    def __init__(
        self, data: Any, _children: Iterable[Value] = (), _op: str = "", label: str = ""
    ) -> None:
        self.data = as_float(data, "Value()")
        self.grad = 0.0
        if label:
            self.label = label
        elif not isinstance(label, str):
            self.label = label  # the setter says what is wrong
        self._fn: Op | None = None
        self._a: Value | None = None
        self._b: Value | float | None = None
        self._id = _next_id()
        self._scope = SCOPE.get()
        if _children:
            self._prev = _children
        if _op:
            self._op = _op
        if STATE.special and is_anomaly_enabled():
            from autograd.anomaly import record_site

            record_site(self)

    # -- structure --------------------------------------------------------------

    @property
    def label(self) -> str:
        """The node's name in drawings, explanations and errors; '' for none."""
        return getattr(self, "_label", "")

    @label.setter
    def label(self, text: str) -> None:
        if not isinstance(text, str):
            raise TypeError(
                f"Value label must be a str, got {type(text).__name__} {text!r:.60}; "
                "pass text, e.g. v.label = 'x' or Value(2.0, label='x'). (The second "
                "positional argument of Value is micrograd's _children, not the label)"
            )
        self._label = text

    @property
    def op(self) -> str:
        """The operation that made this node ('+', '*', 'tanh', '**2'); '' for a leaf."""
        shown = getattr(self, "_op_text", None)
        if shown is not None:
            return shown
        fn = self._fn
        if fn is None:
            return ""
        if fn.shows_constant:
            return f"{fn.name}{self._b:g}"
        return fn.name

    @property
    def parents(self) -> tuple[Value, ...]:
        """The nodes this one was computed from, in operand order."""
        a, b = self._a, self._b
        if a is None:
            return ()
        return (a,) if b is None or type(b) is float else (a, b)

    @property
    def operation(self) -> Op | None:
        """The op-table row that made this node, or None for a leaf."""
        return self._fn

    @property
    def constant(self) -> float | None:
        """The constant of a one-parent op (the 3 of x**3, the slope of leaky_relu), or None."""
        b = self._b
        return b if type(b) is float else None

    @property
    def is_leaf(self) -> bool:
        """True for a node that no operation made: an input, a parameter or a constant."""
        return self._a is None

    @property
    def is_constant(self) -> bool:
        """True for a leaf an operator made from a plain number in the code (the 4 of y - 4)."""
        return False

    @property
    def creation_index(self) -> int:
        """A counter that orders nodes by creation; parents always come before children."""
        return self._id

    @property
    def scope(self) -> str | None:
        """The dotted path of the nn module whose call created this node, if any."""
        return self._scope

    @property
    def hooks(self) -> list[HookHandle] | None:
        """The gradient hooks registered on this node (see register_hook), or None."""
        return getattr(self, "_hooks", None)

    @hooks.setter
    def hooks(self, handles: list[HookHandle] | None) -> None:
        self._hooks = handles

    # micrograd's names, readable and settable, so the lecture's code runs unchanged.

    @property
    def _prev(self) -> tuple[Value, ...]:
        return self.parents

    @_prev.setter
    def _prev(self, children: Iterable[Value]) -> None:
        _set_children(self, children)

    @property
    def _op(self) -> str:
        return self.op

    @_op.setter
    def _op(self, text: str) -> None:
        if not isinstance(text, str):
            raise TypeError(f"_op is the operation's name as text, got {type(text).__name__}")
        self._op_text = text

    @property
    def _backward(self) -> Callable[[], None]:
        """This node's chain-rule step: add its contribution to its parents' grads.

        backward() does this for every node; micrograd's lecture calls it by hand.
        Set it to a function (micrograd's closure style) to replace the table's rule.
        """
        closure = getattr(self, "_closure", None)
        if closure is not None:
            return closure
        from autograd.chain import propagate_one

        return lambda: propagate_one(self)

    @_backward.setter
    def _backward(self, closure: Callable[[], None]) -> None:
        if not callable(closure):
            raise TypeError(
                f"_backward must be a function of no arguments, got {type(closure).__name__}"
            )
        if self._fn is not None and self._fn is not PYTHON_BACKWARD:
            self._op_text = self.op  # the table's rule is replaced; its name stays
            self._fn = PYTHON_BACKWARD
        self._closure = closure

    def __repr__(self) -> str:
        label = f", label={self.label!r}" if self.label else ""
        return f"Value(data={self.data}, grad={self.grad}{label})"

    # -- operators: each records one row of the op table ------------------------

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
        return _record1(ops.POW_CONST, self, as_float(other, "the exponent of **"))

    def __rpow__(self, other: Number) -> Value:
        return _record2(ops.POW, _lift(other, "**"), self)

    def __neg__(self) -> Value:
        return _record1(ops.NEG, self)

    def __pos__(self) -> Value:
        return self

    def __abs__(self) -> Value:
        return _record1(ops.ABS, self)

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
        """max(x, 0); at the kink x = 0 its derivative is the convention of ops.RELU.kink."""
        return _record1(ops.RELU, self)

    def leaky_relu(self, slope: Number = 0.01) -> Value:
        """x for x > 0, slope * x otherwise."""
        return _record1(ops.LEAKY_RELU, self, as_float(slope, "leaky_relu slope"))

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

    def detach(self) -> Value:
        """A new leaf with the same data and label, cut off from this graph."""
        return Value(self.data, label=self.label)

    def register_hook(self, hook: Callable[[Any], Any]) -> HookHandle:
        """Call hook(grad) when this node's gradient is ready in backward().

        The hook may return a replacement gradient, or None to keep it. As in
        PyTorch, the returned handle's .remove() unregisters it. On a leaf the
        hook sees this pass's gradient before it is added to .grad.
        """
        return add_hook(self, hook)

    # -- refused: each would leave the graph without backward seeing it ---------

    def __float__(self) -> float:
        raise TypeError(
            f"float() of a Value ({self!r:.60}) would leave the graph, so backward would not "
            "see what is done with the number. Use x.data to read it on purpose, or keep "
            "computing with Values (x.exp(), autograd.tanh(x)) so gradients reach x"
        )

    def __bool__(self) -> bool:
        raise TypeError(
            f"the truth of a Value ({self!r:.60}) is not defined: `if v:` would be a choice "
            "backward cannot see, and it would always be True. Test its number, "
            "`if v.data != 0:`, or `if v is not None:` to ask whether there is a Value"
        )

    # == stays identity, so Values hash and can be dictionary keys.

    def __lt__(self, other: Any) -> bool:
        raise no_comparison("<", self, other)

    def __le__(self, other: Any) -> bool:
        raise no_comparison("<=", self, other)

    def __gt__(self, other: Any) -> bool:
        raise no_comparison(">", self, other)

    def __ge__(self, other: Any) -> bool:
        raise no_comparison(">=", self, other)


class Constant(Value):
    """A leaf an operator made from a plain number in the code: the 4.0 of `y - 4.0`.

    Drawings and explanations write it as its number, not as a name.
    """

    __slots__ = ()

    @property
    def is_constant(self) -> bool:
        return True


def _no_rule(*args: Any) -> tuple[Any, ...]:
    raise TypeError(
        "this node's backward is a Python function set by hand (node._backward = ...), "
        "which the op table does not know, so it has no local derivative rule to read. "
        "Call node._backward() to run it, or build the node with chainrule's operators"
    )


PYTHON_BACKWARD = Op(
    name="python",
    arity=2,
    forward=_no_rule,
    local=_no_rule,
    text="{a} ? {b}",
    formulas=("?", "?"),
)
"""The row of a node whose backward is a Python closure, micrograd's lecture style."""


def _lift(x: Any, symbol: str) -> Value:
    """The other operand of an operator as a Value: a plain number becomes a Constant."""
    if isinstance(x, Value):
        return x
    return Constant(as_float(x, f"the other operand of {symbol}"))


def _set_children(node: Value, children: Iterable[Value]) -> None:
    """Make node a lecture-style node of these children, whose backward is its closure."""
    if isinstance(children, (str, bytes)) or not isinstance(children, Iterable):
        raise TypeError(
            f"Value's second argument is micrograd's _children, the Values this node was "
            f"computed from; got {type(children).__name__} {children!r:.60}. To name the "
            "node, pass label= by keyword: Value(2.0, label='x')"
        )
    kids = list(children)
    for child in kids:
        if not isinstance(child, Value):
            raise TypeError(
                f"_children must be Values, got {type(child).__name__} {child!r:.60}; "
                "wrap a plain number as Value(number) first"
            )
    if len(kids) > 2:
        raise ValueError(
            f"a node has one or two parents in chainrule, got {len(kids)} children; build "
            "an op of three inputs from two-input ones, e.g. (a + b) + c"
        )
    kids.sort(key=_creation_index)  # micrograd passes a set: order them the same every run
    if node._fn is not None and node._fn is not PYTHON_BACKWARD:
        node._op_text = node.op
    node._a = kids[0] if kids else None
    node._b = kids[1] if len(kids) == 2 else None
    node._fn = PYTHON_BACKWARD if kids else None


def _creation_index(node: Value) -> int:
    return node._id


def apply(op: Op, a: Value | Number, b: Value | Number | None = None) -> Value:
    """A new node: op applied to a and b (two-parent ops) or to a with constant k = b.

    This is what Value's operators do; primitive ops and the expression
    language use it to record a row of the table.

    >>> from autograd import ops
    >>> apply(ops.TANH, Value(0.0)).op
    'tanh'
    """
    if op.arity == 2:
        return _record2(op, _lift(a, op.name), _lift(b, op.name))
    k = None if b is None else as_float(b, f"the constant of {op.name}")
    return _record1(op, _lift(a, op.name), k)


def _record1(fn: Op, a: Value, k: float | None = None) -> Value:
    """A new node made by a one-parent op."""
    try:
        data = fn.forward(a.data, k)
    except Exception as error:
        raise domain_error(error, fn, (a,), k) from None
    out = _node(fn, data, a, k, SCOPE.get())
    if STATE.special:
        _apply_modes(out)
    return out


def _record2(fn: Op, a: Value, b: Value) -> Value:
    """A new node made by a two-parent op."""
    try:
        data = fn.forward(a.data, b.data)
    except Exception as error:
        raise domain_error(error, fn, (a, b), None) from None
    if data - data != 0.0 and a.data - a.data == 0.0 and b.data - b.data == 0.0:
        # Finite operands, an inf or NaN result: a float overflow (1e200 * 1e200).
        # In detect_anomaly() the anomaly check below reports it, with where it was made.
        if not (STATE.special and is_anomaly_enabled()):
            raise domain_error(OverflowError(), fn, (a, b), None)
    out = _node(fn, data, a, b, SCOPE.get())
    if STATE.special:
        _apply_modes(out)
    return out


def _node(fn: Op, data: float, a: Value, b: Value | float | None, scope: Any) -> Value:
    """A new node, every slot set here, in one place (faster than Value.__init__'s checks).

    b is the second parent of a two-parent op, or the constant k of a one-parent op.
    """
    out = _new(Value)
    out.data = data
    out.grad = 0.0
    out._fn = fn
    out._a = a
    out._b = b
    out._id = _next_id()
    out._scope = scope
    return out


def _apply_modes(out: Value) -> None:
    """The slow path, taken only while no_grad or detect_anomaly is active somewhere."""
    if not is_grad_enabled():
        out._fn = out._a = out._b = None
    elif is_anomaly_enabled():
        from autograd.anomaly import check_forward

        check_forward(out)


def weighted_sum(bias: Value, weights: list[Value], inputs: Any) -> Value:
    """bias + weights[0]*inputs[0] + weights[1]*inputs[1] + ..., a neuron's sum.

    The graph is node for node the one this loop builds, a product then a sum
    per weight, in the same order:

        act = bias
        for w, x in zip(weights, inputs):
            act = act + w * x

    only with the operators' dispatch skipped: these nodes are most of a
    network's. Anything unusual (a mode such as no_grad, a result that is not
    finite, a weight that is not a Value) takes that loop itself.
    """
    if STATE.special or type(bias) is not Value:
        return _plain_weighted_sum(bias, weights, inputs)
    scope = SCOPE.get()
    mul, add = ops.MUL, ops.ADD
    product_of, sum_of = mul.forward, add.forward
    act = bias
    for i, (w, x) in enumerate(zip(weights, inputs)):
        if type(x) is not Value:
            x = _lift(x, "*")
        if type(w) is not Value:
            return _plain_weighted_sum(act, weights[i:], [x, *inputs[i + 1 :]])
        product = product_of(w.data, x.data)
        total = sum_of(act.data, product)
        if total - total != 0.0:  # inf or NaN: the operators say which step and why
            return _plain_weighted_sum(act, weights[i:], [x, *inputs[i + 1 :]])
        act = _node(add, total, act, _node(mul, product, w, x, scope), scope)
    return act


def _plain_weighted_sum(bias: Any, weights: Any, inputs: Any) -> Any:
    act = bias
    for w, x in zip(weights, inputs, strict=False):
        act = act + w * x
    return act
