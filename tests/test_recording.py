"""no_grad, enable_grad and detach."""

from __future__ import annotations

import threading

from autograd import Value, enable_grad, is_grad_enabled, no_grad, topological_order
from autograd.recording import STATE
from tests._threads import overlapping_blocks


def test_no_grad_records_leaves_and_restores_recording():
    x = Value(2.0)
    with no_grad():
        assert not is_grad_enabled()
        y = (x * 3).tanh()
        assert y.parents == () and y.is_leaf and y.op == ""
        with enable_grad():
            z = x * 2
            assert z.parents[0] is x and len(z.parents) == 2
    assert is_grad_enabled() and STATE.special == 0
    assert (x * 3).parents[0] is x


def test_no_grad_as_a_decorator():
    @no_grad()
    def update(p):
        return p - 0.1

    p = Value(1.0)
    assert update(p).is_leaf
    assert not (p - 0.1).is_leaf


def test_no_grad_restores_recording_after_an_exception():
    try:
        with no_grad():
            raise RuntimeError
    except RuntimeError:
        pass
    assert is_grad_enabled() and STATE.special == 0


def test_no_grad_in_one_thread_does_not_leak_into_another():
    inside = threading.Event()
    release = threading.Event()
    seen = {}

    def paused():
        with no_grad():
            inside.set()
            release.wait(5)

    worker = threading.Thread(target=paused)
    worker.start()
    inside.wait(5)
    x = Value(1.0)
    seen["main records"] = not (x * 2).is_leaf
    release.set()
    worker.join()
    assert seen == {"main records": True}


def test_detach_is_a_new_leaf_with_the_same_data_and_label():
    x = Value(2.0, label="x")
    y = (x * 3).tanh()
    y.label = "y"
    d = y.detach()
    assert d.is_leaf and d.data == y.data and d.label == "y" and d is not y
    (d * 2).backward()
    assert x.grad == 0.0


def test_no_grad_as_a_decorator_without_parentheses():
    @no_grad
    def update(p):
        return p - 0.1

    assert update(Value(1.0)).is_leaf
    assert not (Value(1.0) - 0.1).is_leaf


def test_one_no_grad_object_shared_by_threads_enters_and_exits_in_each():
    # A module-level `frozen = no_grad()` used by two threads whose blocks overlap.
    seen = overlapping_blocks(no_grad(), lambda: (Value(1.0) * 2).is_leaf)
    assert seen == {"first after": False, "second inside": True, "second after": False}
    assert STATE.special == 0


def test_no_grad_on_a_generator_function_holds_while_its_body_runs():
    # As torch.no_grad does: the body runs without recording, the caller in between records.
    @no_grad
    def steps(x):
        for _ in range(2):
            caller_records = yield x * 2
            assert caller_records
            yield is_grad_enabled()

    x = Value(1.0)
    gen = steps(x)
    first = next(gen)
    assert first.is_leaf and first.data == 2.0
    assert not (x * 3).is_leaf
    assert gen.send(is_grad_enabled()) is False
    assert next(gen).is_leaf
    assert gen.send(True) is False
    assert list(gen) == []
    assert is_grad_enabled() and STATE.special == 0


def test_the_module_scope_is_per_thread_and_always_restored():
    """Four threads run MLP forward passes; the main thread's nodes are tagged with nothing."""
    import threading

    import nn

    models = [nn.MLP(2, [3, 1], seed=i) for i in range(4)]
    barrier = threading.Barrier(4)
    seen: list[set] = []

    def run(model):
        barrier.wait()
        for _ in range(20):
            out = model([Value(1.0), Value(-2.0)])
        seen.append({n.scope for n in topological_order(out) if not n.is_leaf})

    threads = [threading.Thread(target=run, args=(m,)) for m in models]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert all(
        scopes
        <= {"layers.0.neurons.0", "layers.0.neurons.1", "layers.0.neurons.2", "layers.1.neurons.0"}
        for scopes in seen
    )
    x, w = Value(2.0), Value(3.0)
    assert (x * w).scope is None  # no module's path leaked into the main thread


def test_module_scope_tags_and_restores():
    from autograd.recording import SCOPE, module_scope

    with module_scope("layers.0"):
        inside = Value(1.0) * 2
        with module_scope("layers.0.neurons.1"):
            inner = Value(1.0) * 2
        after = Value(1.0) * 2
    assert (inside.scope, inner.scope, after.scope) == (
        "layers.0",
        "layers.0.neurons.1",
        "layers.0",
    )
    assert SCOPE.get() is None
