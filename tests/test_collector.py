"""Graphs are freed by reference counting; the collector policy is as documented."""

from __future__ import annotations

import gc
import tracemalloc
import weakref

import autograd
from autograd import Value, collector
from nn import MLP


def test_importing_autograd_relaxes_a_default_collector():
    assert collector.is_relaxed()
    assert gc.isenabled()
    collector.use_python_default()
    try:
        assert gc.get_threshold() == collector.PYTHON_DEFAULT
        assert not collector.is_relaxed()
    finally:
        collector.relax()
    assert gc.get_threshold()[0] == collector.RELAXED_THRESHOLD


def test_an_application_that_tuned_the_collector_is_left_alone():
    before = gc.get_threshold()
    try:
        gc.set_threshold(1234, 5, 6)
        collector.apply_on_import()
        assert gc.get_threshold() == (1234, 5, 6)
    finally:
        gc.set_threshold(*before)


def test_cycles_made_by_other_code_are_still_collected():
    class Node:
        pass

    a, b = Node(), Node()
    a.other, b.other = b, a
    ref = weakref.ref(a)
    del a, b
    gc.collect()
    assert ref() is None


def test_a_finished_graph_is_freed_by_reference_counting_alone():
    gc.disable()
    try:
        x = Value(1.0)
        y = (x * 2).tanh() + x
        y.backward()
        refs = [weakref.ref(n) for n in autograd.topological_order(y) if n is not x]
        del y
        assert all(r() is None for r in refs)
    finally:
        gc.enable()


def _demo_step(model, xs, ys):
    scores = [model([Value(a), Value(b)]) for a, b in xs]
    losses = [(1 + -t * s).relu() for t, s in zip(ys, scores)]
    loss = sum(losses) * (1.0 / len(losses)) + 1e-4 * sum(p * p for p in model.parameters())
    model.zero_grad()
    loss.backward()
    for p in model.parameters():
        p.data -= 0.01 * p.grad


def test_memory_stays_flat_over_50_training_steps_with_the_collector_off():
    xs = [((i % 10) / 10, (i % 7) / 7) for i in range(20)]
    ys = [1 if i % 2 else -1 for i in range(20)]
    model = MLP(2, [8, 8, 1])
    gc.collect()
    gc.disable()
    tracemalloc.start()
    try:
        _demo_step(model, xs, ys)
        after_first = tracemalloc.get_traced_memory()[0]
        for _ in range(49):
            _demo_step(model, xs, ys)
        after_fifty = tracemalloc.get_traced_memory()[0]
    finally:
        tracemalloc.stop()
        gc.enable()
    assert after_fifty - after_first < 64 * 1024, (after_first, after_fifty)
