"""check_engine against engines written the lecture's way: one right, one per planted mistake."""

from __future__ import annotations

import math
import threading
from collections import deque
from typing import Any

import pytest

from autograd import Value, check_engine, no_grad
from autograd.engine_check import ERROR, FAILED, LIMIT, PASSED, SKIPPED
from tests._golden import assert_golden

_GLOBAL_TOPO: list[Any] = []  # the "global topo" mistake keeps its order here, between calls


def lecture_engine(mistake: str = "", ops: tuple[str, ...] | None = None) -> type:
    """A micrograd-style Value, `_backward` closures and all, with one planted `mistake`.

    mistake '' is the right engine (its topological sort is a loop, so it goes
    5000 deep). `ops`, if given, keeps only those methods.
    """

    def add_to(node: Any, g: float) -> None:
        if mistake == "assign":
            node.grad = g
        else:
            node.grad += g

    class Value:
        def __init__(self, data: float, _children: tuple = (), _op: str = "") -> None:
            self.data = data
            self.grad = 0.0
            self._backward = lambda: None
            self._prev = tuple(_children)
            self._op = _op

        def __repr__(self) -> str:
            return f"Value(data={self.data}, grad={self.grad})"

        def __add__(self, other: Any) -> Value:
            other = other if isinstance(other, Value) or mistake == "no wrap" else Value(other)
            out = Value(self.data + other.data, (self, other), "+")

            def _backward() -> None:
                add_to(self, out.grad)
                add_to(other, out.grad)

            out._backward = _backward
            return out

        def __mul__(self, other: Any) -> Value:
            other = other if isinstance(other, Value) else Value(other)
            out = Value(self.data * other.data, (self, other), "*")

            def _backward() -> None:
                if mistake == "mul swapped":
                    add_to(self, self.data * out.grad)
                    add_to(other, other.data * out.grad)
                else:
                    add_to(self, other.data * out.grad)
                    add_to(other, self.data * out.grad)

            out._backward = _backward
            return out

        def __pow__(self, k: float) -> Value:
            out = Value(self.data**k, (self,), f"**{k}")

            def _backward() -> None:
                add_to(self, k * self.data ** (k - 1) * out.grad)

            out._backward = _backward
            return out

        def __neg__(self) -> Value:
            return self * -1

        def __sub__(self, other: Any) -> Value:
            return self + (-other)

        def __truediv__(self, other: Any) -> Value:
            return self * other**-1

        def __radd__(self, other: Any) -> Value:
            return self + other

        def __rmul__(self, other: Any) -> Value:
            return self * other

        def __rsub__(self, other: Any) -> Value:
            return self - other if mistake == "rsub" else other + (-self)

        def __rtruediv__(self, other: Any) -> Value:
            return other * self**-1

        def _unary(self, data: float, slope: float, op: str) -> Value:
            out = Value(data, (self,), op)

            def _backward() -> None:
                add_to(self, slope if mistake == "no out.grad" else slope * out.grad)

            out._backward = _backward
            return out

        def tanh(self) -> Value:
            x, t = self.data, math.tanh(self.data)
            slope = {"tanh x": 1 - x**2, "tanh cube": 1 - t**3}.get(mistake, 1 - t**2)
            return self._unary(t, slope, "tanh")

        def exp(self) -> Value:
            e = math.exp(self.data)
            return self._unary(e, e, "exp")

        def log(self) -> Value:
            return self._unary(math.log(self.data), 1 / self.data, "log")

        def sigmoid(self) -> Value:
            s = 1 / (1 + math.exp(-self.data))
            return self._unary(s, s * (1 - s), "sigmoid")

        def relu(self) -> Value:
            return self._unary(max(self.data, 0.0), float(self.data > 0), "ReLU")

        def backward(self) -> None:
            if mistake in ("recursive", "global topo", "no visited"):
                topo = _GLOBAL_TOPO if mistake == "global topo" else None
                order = _recursive(self, topo, once=mistake != "no visited")
            else:
                order = (_bfs if mistake == "bfs" else _loop)(self)
            if mistake != "no seed":
                self.grad = 1.0
            if mistake == "backward raises":
                raise ValueError("planted: backward is not written yet")
            while mistake == "hangs":
                pass
            for v in order:
                v._backward()

    if ops is not None:
        for name in list(vars(Value)):
            optional = name.startswith("__r") or name in ("__neg__", "__sub__", "__truediv__")
            optional |= name in ("__pow__", "tanh", "exp", "log", "sigmoid", "relu")
            if optional and name not in ops:
                delattr(Value, name)
    return Value


def _loop(root: Any) -> list[Any]:
    """Reverse topological order with an explicit stack: each node after all that use it."""
    topo, visited, stack = [], set(), [(root, False)]
    while stack:
        v, finished = stack.pop()
        if finished:
            topo.append(v)
        elif v not in visited:
            visited.add(v)
            stack.append((v, True))
            stack.extend((child, False) for child in v._prev)
    return topo[::-1]


def _recursive(root: Any, topo: list[Any] | None = None, once: bool = True) -> list[Any]:
    """The lecture's build_topo, recursion and all.

    Planted mistakes: a `topo` list kept between calls, or no visited set (once=False),
    which lists a node reached by two paths twice.
    """
    topo = [] if topo is None else topo
    visited: set[Any] = set()

    def build(v: Any) -> None:
        if v not in visited:
            if once:
                visited.add(v)
            for child in v._prev:
                build(child)
            topo.append(v)

    build(root)
    return topo[::-1]


def _bfs(root: Any) -> list[Any]:
    """By distance from the root: wrong when a node is reached by paths of unequal length."""
    order, seen, queue = [], {root}, deque([root])
    while queue:
        v = queue.popleft()
        order.append(v)
        for child in v._prev:
            if child not in seen:
                seen.add(child)
                queue.append(child)
    return order


def _row(report: Any, case: str) -> Any:
    (row,) = [row for row in report.rows if row.case == case]
    return row


# -- a right engine ----------------------------------------------------------------------


def test_a_right_engine_passes_every_case_with_no_hints() -> None:
    report = check_engine(lecture_engine())
    assert report.ok and bool(report)
    assert report.hints == ()
    assert report.skipped == ("2 ** a",)  # the lecture's class has no __rpow__
    assert [row.status for row in report.rows].count(PASSED) == len(report.rows) - 1
    assert report.found == (
        "a + b", "a - b", "a * b", "a / b", "a ** 3", "-a", "relu", "tanh", "exp", "log",
        "sigmoid", "2 + a", "2 - a", "2 * a", "2 / a",
    )  # fmt: skip


def test_chainrule_passes_its_own_check_even_inside_no_grad() -> None:
    with no_grad():  # the reference engine must still record
        report = check_engine(Value)
    assert report.ok
    assert report.skipped == ()
    assert _row(report, "tanh").expected == "value = 0.66403677, x.grad = 0.55905517"
    assert math.isclose(1 - math.tanh(0.8) ** 2, 0.55905517, rel_tol=1e-8)


# -- one planted mistake each ------------------------------------------------------------

PLANTED = [
    ("mul swapped", "a * b", "are self and other swapped in `__mul__`'s backward?"),
    ("assign", "used twice: a * a", "accumulate with +=, do not assign"),
    ("assign", "used twice: a + a", "accumulate with +=, do not assign"),
    ("assign", "diamond: b = a*2, c = a+3, d = b*c", "a share was assigned, not added"),
    ("tanh x", "tanh", "d tanh/dx used x, not the output t: 1 - t**2"),
    ("no out.grad", "upstream gradient 3", "tanh gives its gradient for an upstream gradient"),
    ("bfs", "unequal paths: d = (a*2 + 1) * a", "Call _backward in reverse topological order"),
    ("no visited", "diamond: b = a*2, c = a+3, d = b*c", "a's backward ran more than once"),
    ("rsub", "2 - a", "`__rsub__` computes self - other"),
    ("global topo", "fresh graph after an old one", "the old graph's backward ran a second"),
    ("no seed", "a + b", "does backward() set the output's grad to 1"),
    ("no wrap", "diamond: b = a*2, c = a+3, d = b*c", "a plain number reached an operator"),
]


@pytest.mark.parametrize(("mistake", "case", "hint"), PLANTED)
def test_each_planted_mistake_is_caught_with_its_hint(mistake: str, case: str, hint: str) -> None:
    report = check_engine(lecture_engine(mistake))
    assert not report.ok
    row = _row(report, case)
    assert row.status in (FAILED, ERROR)
    assert hint in row.hint
    assert f"{case}: " in str(report)


def test_swapped_mul_names_both_numbers() -> None:
    row = _row(check_engine(lecture_engine("mul swapped")), "a * b")
    # a = 3, b = -2: a.grad must be b = -2; the swapped rule gives a's own 3.
    assert row.message == ("a.grad is 3 where -2 was expected; b.grad is -2 where 3 was expected")
    assert (row.expected, row.got) == ("a.grad = -2, b.grad = 3", "a.grad = 3, b.grad = -2")


def test_missing_out_grad_names_only_the_op_that_lacks_it() -> None:
    report = check_engine(lecture_engine("no out.grad"))
    row = _row(report, "upstream gradient 3")
    # The planted engine drops out.grad in every one-input function; + and * keep it.
    named = [op for op in ("tanh", "exp", "log", "sigmoid", "relu", "a + b", "a * b")
             if f"{op} gives its gradient" in row.hint]  # fmt: skip
    assert named == ["tanh", "exp", "log", "sigmoid", "relu"]
    assert _row(report, "tanh").status == PASSED  # with upstream 1 it cannot show


def test_assignment_shows_in_the_diamond_as_the_used_twice_mistake_not_the_order() -> None:
    report = check_engine(lecture_engine("assign"))
    row = _row(report, "diamond: b = a*2, c = a+3, d = b*c")
    assert "topological" not in row.hint
    # x.grad = 2c + b = 11 + 5; with `=` only the share written last, c's, survives.
    assert row.message == "x.grad is 5 where 16 was expected"
    assert "only the share through c" in row.hint


def test_preorder_or_bfs_order_is_caught_by_the_unequal_paths_only_when_the_diamond_cannot() -> (
    None
):
    report = check_engine(lecture_engine("bfs"))
    assert _row(report, "diamond: b = a*2, c = a+3, d = b*c").status == PASSED
    row = _row(report, "unequal paths: d = (a*2 + 1) * a")
    assert row.message == "x.grad is 6 where 11 was expected"
    assert "the edge from a to d" in row.hint


def test_a_recursive_sort_is_a_limit_at_depth_5000_not_a_failure() -> None:
    report = check_engine(lecture_engine("recursive"))
    row = _row(report, "chain 5000 deep")
    assert row.status == LIMIT
    assert row.message == "RecursionError at depth 5000"
    assert row.hint.startswith("build the topological order with a loop")
    assert report.ok  # the gradients are right; only the depth is limited
    assert "chain 5000 deep: RecursionError at depth 5000: build the topological" in str(report)


def test_a_mistake_the_check_does_not_know_gets_numbers_and_no_hint() -> None:
    row = _row(check_engine(lecture_engine("tanh cube")), "tanh")
    assert row.status == FAILED
    t = math.tanh(0.8)
    assert row.message == f"x.grad is {1 - t**3:.8g} where {1 - t**2:.8g} was expected"
    assert row.hint == ""


def test_a_failing_case_built_on_a_failing_op_says_to_fix_that_first() -> None:
    report = check_engine(lecture_engine("mul swapped"))
    row = _row(report, "diamond: b = a*2, c = a+3, d = b*c")
    assert row.status == FAILED
    assert row.hint.startswith("this case builds on a * b")


def test_a_golden_report() -> None:
    assert_golden("engine_check_mul_swapped.txt", str(check_engine(lecture_engine("mul swapped"))))


def test_html_marks_failures() -> None:
    html = check_engine(lecture_engine("tanh x"))._repr_html_()
    assert html.count('<tr style="background:#fdd;font-weight:bold">') == 1
    assert "d tanh/dx used x, not the output t" in html


# -- classes that lack things, raise, or hang --------------------------------------------


def test_a_class_with_only_add_and_mul_skips_the_rest() -> None:
    report = check_engine(lecture_engine(ops=()))
    assert report.ok
    assert report.found == ("a + b", "a * b")
    assert report.skipped == (
        "a - b", "a / b", "a ** 3", "-a", "relu", "tanh", "exp", "log", "sigmoid",
        "2 + a", "2 - a", "2 * a", "2 / a", "2 ** a",
    )  # fmt: skip
    assert _row(report, "tanh").got == "no tanh"
    assert _row(report, "diamond: b = a*2, c = a+3, d = b*c").status == PASSED


def test_a_class_that_raises_in_backward_is_reported_row_by_row() -> None:
    report = check_engine(lecture_engine("backward raises"))
    assert not report.ok
    row = _row(report, "a * b")
    assert row.status == ERROR
    assert row.message == "raised ValueError: planted: backward is not written yet"
    assert _row(report, "Value(2.0)").status == PASSED  # no backward needed there


def test_a_class_that_cannot_be_built_skips_everything() -> None:
    class Broken:
        def __init__(self, data: float) -> None:
            raise RuntimeError("not yet")

    report = check_engine(Broken)
    assert [row.status for row in report.rows][:2] == [ERROR, SKIPPED]
    assert report.rows[0].message == "raised RuntimeError: not yet"
    assert not report.ok


def test_a_hanging_backward_is_stopped_and_the_check_goes_on() -> None:
    report = check_engine(lecture_engine("hangs", ops=()), timeout=0.2)
    row = _row(report, "a * b")
    assert row.status == ERROR
    assert row.message.startswith("did not finish within 0.2 s")
    assert _row(report, "Value(2.0)").status == PASSED
    for worker in threading.enumerate():  # each hung worker was stopped, not left spinning
        if worker.name == "check_engine case":
            worker.join(5)
    assert not [t for t in threading.enumerate() if t.name == "check_engine case"]


def test_bad_arguments_are_refused_with_the_way_out() -> None:
    with pytest.raises(TypeError, match=r"got int 3.*check_engine\(Value\)"):
        check_engine(3)
    with pytest.raises(ValueError, match="got 0.*timeout=5"):
        check_engine(Value, timeout=0)


# -- micrograd itself ----------------------------------------------------------------------


def test_micrograd_passes_what_it_has() -> None:
    engine = pytest.importorskip("micrograd.engine")
    report = check_engine(engine.Value)
    assert report.ok
    assert report.skipped == ("tanh", "exp", "log", "sigmoid", "2 ** a")
    assert _row(report, "chain 5000 deep").status == LIMIT  # its build_topo recurses
    assert [row.case for row in report.rows if row.hint] == ["chain 5000 deep"]
