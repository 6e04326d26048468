"""The lecture's idioms on chainrule's Value: micrograd's signature, closures, extra attributes.

Karpathy's lecture builds nodes as Value(data, (a, b), '+') and sets each
node's backward as a closure; forks such as EurekaLabs' micrograd keep an
optimizer's state on the parameters (p.m, p.v). All of it runs unchanged.
"""

from __future__ import annotations

import math
import subprocess
import sys
import tracemalloc
from pathlib import Path

import pytest

from autograd import Value, backward_steps, draw, explain, gradcheck, topological_order


def lecture_mul(self, other):
    """__mul__ as the lecture writes it: a node made by hand, with its backward as a closure."""
    other = other if isinstance(other, Value) else Value(other)
    out = Value(self.data * other.data, (self, other), "*")

    def _backward():
        self.grad += other.data * out.grad
        other.grad += self.data * out.grad

    out._backward = _backward
    return out


def lecture_tanh(self):
    t = (math.exp(2 * self.data) - 1) / (math.exp(2 * self.data) + 1)
    out = Value(t, _children=(self,), _op="tanh")

    def _backward():
        self.grad += (1 - t**2) * out.grad

    out._backward = _backward
    return out


def test_micrographs_signature_and_names():
    a, b = Value(2.0, label="a"), Value(-3.0, label="b")
    c = Value(a.data + b.data, (a, b), "+")
    assert c._prev == (a, b) and c._op == "+" and c.op == "+"
    d = Value(1.0, _children=(), _op="", label="d")
    assert d.is_leaf and d.label == "d"
    e = Value(1.0, {b, a}, "*")  # micrograd passes a set: the order is fixed by creation
    assert e._prev == (a, b)


def test_hand_built_closures_run_in_backward_in_topological_order():
    x1, x2 = Value(2.0, label="x1"), Value(0.0, label="x2")
    w1, w2 = Value(-3.0, label="w1"), Value(1.0, label="w2")
    b = Value(6.8813735870195432, label="b")
    n = lecture_mul(x1, w1) + lecture_mul(x2, w2) + b  # closures mixed with table nodes
    o = lecture_tanh(n)
    o.backward()
    assert o.data == pytest.approx(0.7071, abs=1e-4)
    assert x1.grad == pytest.approx(-1.5, abs=1e-4) and w1.grad == pytest.approx(1.0, abs=1e-4)
    assert x2.grad == pytest.approx(0.5, abs=1e-4) and w2.grad == 0.0


def test_the_lectures_manual_walkthrough_with_underscore_backward():
    x1, w1 = Value(2.0), Value(-3.0)
    b = Value(6.8813735870195432)
    n = x1 * w1 + b
    o = lecture_tanh(n)
    o.grad = 1.0
    for node in reversed(topological_order(o)):
        node._backward()  # table nodes run their row, hand-built ones their closure
    assert x1.grad == pytest.approx(-1.5, abs=1e-4) and w1.grad == pytest.approx(1.0, abs=1e-4)


def test_a_closure_set_on_a_table_node_replaces_its_rule_and_keeps_its_name():
    x = Value(3.0)
    y = x * 2
    y._backward = lambda: None  # the learner's own (here: empty) backward
    y.backward()
    assert x.grad == 0.0 and y.op == "*"


def test_setting_prev_and_op_as_a_subclass_init_does():
    class MyValue(Value):
        def __init__(self, data, _children=(), _op=""):
            super().__init__(data)
            self._backward = lambda: None
            self._prev = set(_children)
            self._op = _op

    a, b = MyValue(1.5), MyValue(2.0)
    c = MyValue(a.data * b.data, (a, b), "*")
    assert c._prev == (a, b) and c._op == "*"

    def _backward():
        a.grad += b.data * c.grad
        b.grad += a.data * c.grad

    c._backward = _backward
    c.backward()
    assert (a.grad, b.grad) == (2.0, 1.5)


def test_extra_attributes_such_as_an_optimizers_state():
    p = Value(0.5)
    p.m, p.v = 0.0, 0.0
    p._vis_color = "red"
    p.m = 0.9 * p.m + 0.1 * 1.0
    assert (p.m, p.v, p._vis_color) == pytest.approx(0.1) or p.m == pytest.approx(0.1)


def test_each_consumer_shows_a_hand_built_node():
    a, b = Value(2.0, label="a"), Value(-3.0, label="b")
    c = lecture_mul(a, b)
    c.label = "c"
    e = explain(c)
    assert e[0].op == "*" and e[0].contributions[0].derivative == "python function"
    assert (e.gradients["a"], e.gradients["b"]) == (-3.0, 2.0)
    assert (a.grad, b.grad) == (0.0, 0.0)  # explain put the scratch gradients back
    assert 'label="*"' in draw(c).source or 'label="*"' in draw(c).source or "*" in draw(c).source
    assert backward_steps(c)[0].updates[0].endswith("= -3.0")
    assert gradcheck(lambda x, y: lecture_mul(x, y), [2.0, -3.0]).ok
    wrong = lambda x, y: lecture_tanh(x * y)  # noqa: E731 - a correct closure, checked like any node
    assert gradcheck(wrong, [0.3, 0.5]).ok


def test_children_are_values_and_at_most_two():
    with pytest.raises(TypeError, match="_children must be Values, got float 2.0"):
        Value(1.0, (2.0,), "+")
    a, b, c = Value(1.0), Value(2.0), Value(3.0)
    with pytest.raises(ValueError, match="one or two parents.*got 3 children"):
        Value(6.0, (a, b, c), "+")


class _OldNode:
    """A node laid out as Value was before it took extra attributes: 10 slots and a weakref."""

    __slots__ = ("data", "grad", "label", "_fn", "_a", "_b", "_k", "_id", "_scope", "_hooks")
    __slots__ += ("__weakref__",)


_ids = iter(range(10**6, 10**9))


def _old_product(a, b):
    out = _OldNode()
    out.data, out.grad, out.label, out._fn, out._a, out._b = a.data * b.data, 0.0, "", "*", a, b
    out._k, out._id, out._scope, out._hooks = None, next(_ids), None, None
    return out


def _old_constant(x):
    leaf = _OldNode()
    leaf.data, leaf.grad, leaf.label, leaf._fn, leaf._a, leaf._b = x, 0.0, "", None, None, None
    leaf._k, leaf._id, leaf._scope, leaf._hooks = x, next(_ids), None, None
    return leaf


def _bytes_per_node(step, n=20_000):
    tracemalloc.start()
    y = step(None)
    for _ in range(n):
        y = step(y)  # one constant leaf and one product node per step
    used = tracemalloc.get_traced_memory()[0]
    tracemalloc.stop()
    return used / (2 * n)


def test_extra_attributes_cost_one_pointer_per_node():
    """Labels, hooks and closures moved to the instance dict pay for its slot: +8 bytes a node.

    Measured in a fresh interpreter: once some Value has had attributes stored in its
    dict (a hand-set closure), CPython 3.11 may give later nodes room for them too.
    """
    code = (
        "from tests.test_lecture_idioms import _bytes_per_node, _old_constant, _old_product\n"
        "from autograd import Value\n"
        "new = _bytes_per_node(lambda y: Value(1.0) if y is None else y * 1.0001)\n"
        "old = _bytes_per_node(lambda y: _old_constant(1.0) if y is None\n"
        "                      else _old_product(y, _old_constant(1.0001)))\n"
        "print(new, old)\n"
    )
    root = Path(__file__).resolve().parents[1]
    out = subprocess.run([sys.executable, "-c", code], cwd=root, capture_output=True, text=True)
    new, old = map(float, out.stdout.split())
    assert new <= old + 8 + 1, (new, old)
