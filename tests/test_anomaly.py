"""Tests for autograd/anomaly.py (detect_anomaly) and Value.register_hook."""

from __future__ import annotations

import inspect
import math
import os
import subprocess
import sys
import textwrap
import threading
import weakref
from pathlib import Path

import pytest

import autograd.anomaly as anomaly
from autograd import AnomalyError, DomainError, Value, detect_anomaly, grad
from autograd.anomaly import creation_site
from autograd.recording import STATE, is_anomaly_enabled
from tests._threads import overlapping_blocks

ROOT = Path(__file__).resolve().parent.parent

HERE = os.path.basename(__file__)


def line() -> int:
    """The caller's line number."""
    return inspect.currentframe().f_back.f_lineno


# -- forward -----------------------------------------------------------------------------


def test_first_inf_in_forward_names_node_op_operands_and_site() -> None:
    x = Value(1e200, label="x")
    with detect_anomaly():
        with pytest.raises(AnomalyError) as caught:
            where = line() + 1
            y = x * x
    message = str(caught.value)
    assert message.startswith("forward produced inf at node #")
    assert "'*' = 1e+200 * 1e+200" in message
    assert "with operands (1e+200, 1e+200)" in message
    assert f"{HERE}:{where}" in message
    assert "overflow" in message
    assert "y" not in locals()


def test_the_first_non_finite_value_is_the_one_reported() -> None:
    with detect_anomaly():
        a = Value(1e308, label="a")
        with pytest.raises(AnomalyError, match=r"forward produced inf at node #\d+ '\*'"):
            ((a * 10.0) - (a * 10.0)).tanh()


def test_a_nan_input_is_reported_at_its_first_use() -> None:
    n = Value(math.nan, label="n")  # made outside the mode
    with detect_anomaly():
        w = Value(2.0, label="w")
        with pytest.raises(AnomalyError) as caught:
            where = line() + 1
            n * w
    message = str(caught.value)
    assert f"{HERE}:{where}" in message
    assert "because its operand leaf" in message and "'n' = nan" in message
    assert "an unrecorded place (made outside detect_anomaly)" in message


def test_leaves_made_in_the_mode_know_their_site() -> None:
    with detect_anomaly():
        where = line() + 1
        x = Value(1.0, label="x")
        y = x * 2
    assert creation_site(x) == f"{__file__}:{where}"
    assert creation_site(y) == f"{__file__}:{where + 1}"


def test_domain_errors_stay_domain_errors() -> None:
    with detect_anomaly(), pytest.raises(DomainError, match="log needs x > 0"):
        Value(-1.0).log()


def test_notebook_cells_are_named() -> None:
    source = "x = Value(1e200)\ny = x * x\n"
    code = compile(source, "/tmp/ipykernel_4242/3141592.py", "exec")
    with detect_anomaly(), pytest.raises(AnomalyError, match="notebook cell .*ipykernel.*line 2"):
        exec(code, {"Value": Value})


def test_a_cell_run_by_ipython_is_named_as_its_tracebacks_name_it() -> None:
    pytest.importorskip("IPython")
    # In a fresh interpreter: an IPython shell changes sys.displayhook and more for good.
    script = textwrap.dedent(
        """
        from IPython.core.interactiveshell import InteractiveShell
        shell = InteractiveShell.instance()
        shell.run_cell("from autograd import Value, detect_anomaly", store_history=True)
        code = "with detect_anomaly():\\n    x = Value(1e200)\\n    y = x * x\\n"
        result = shell.run_cell(code, store_history=True)
        print("MESSAGE", result.error_in_exec)
        """
    )
    run = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        timeout=120,
    )
    message = run.stdout.split("MESSAGE", 1)[-1]
    assert "forward produced inf" in message and "created at Cell In[2], line 3" in message


# -- backward -----------------------------------------------------------------------------


def test_first_inf_in_backward_names_the_op_whose_derivative_overflowed() -> None:
    with detect_anomaly():
        x = Value(1e-320, label="x")
        where = line() + 1
        y = x.log() * 2.0
        with pytest.raises(AnomalyError) as caught:
            y.backward()
    message = str(caught.value)
    assert message.startswith("backward produced the gradient inf for leaf #")
    assert "'x' = 1e-320" in message
    assert f"It came from node #{y.parents[0].creation_index} 'log' = log(1e-320)" in message
    assert f"{HERE}:{where}" in message
    assert "local derivative d(out)/d(operand) is inf" in message


def test_a_non_finite_seed_is_named() -> None:
    with detect_anomaly():
        y = Value(2.0) * 3.0
        with pytest.raises(AnomalyError, match="backward started from the gradient nan"):
            y.backward(math.nan)


def test_backward_with_create_graph_is_checked_too() -> None:
    with detect_anomaly():
        x = Value(1e-320, label="x")
        y = x.log()
        with pytest.raises(AnomalyError) as caught:
            y.backward(create_graph=True)
    assert str(caught.value).startswith("in backward, at the local derivative of log(1e-320)")
    assert "forward produced inf at node" in str(caught.value)


def test_finite_passes_are_untouched() -> None:
    with detect_anomaly():
        x = Value(1.5, label="x")
        y = (x * x).tanh() + x.log()
        y.backward()
        (second,) = grad(grad(y, [x], create_graph=True)[0], [x])
    assert x.grad == pytest.approx(2 * 1.5 * (1 - math.tanh(2.25) ** 2) + 1 / 1.5)
    assert math.isfinite(second.data)


# -- no cost outside the mode ---------------------------------------------------------------


def test_nothing_is_recorded_or_checked_outside(monkeypatch: pytest.MonkeyPatch) -> None:
    def fail(node: object) -> None:
        raise AssertionError("anomaly checks ran outside detect_anomaly")

    monkeypatch.setattr(anomaly, "check_forward", fail)
    monkeypatch.setattr(anomaly, "record_site", fail)
    monkeypatch.setattr(anomaly, "check_backward", fail)
    assert STATE.special == 0
    x = Value(math.inf, label="x")
    y = x * 2.0  # an infinite input passes through unchecked outside the mode
    y.backward()
    assert y.data == math.inf and creation_site(y) is None and creation_site(x) is None


def test_the_mode_ends_even_after_an_error() -> None:
    before = STATE.special
    with pytest.raises(AnomalyError), detect_anomaly():
        Value(1e200) * 1e200
    assert STATE.special == before
    with pytest.raises(DomainError):  # the plain overflow error again, not AnomalyError
        Value(1e200) * 1e200


def test_the_mode_is_per_thread() -> None:
    errors: list[type] = []
    entered, done = threading.Event(), threading.Event()

    def other() -> None:
        entered.wait(timeout=30)
        try:
            Value(1e200) * 1e200  # not in anomaly mode here: the plain DomainError
        except Exception as error:  # noqa: BLE001 - the test compares the type
            errors.append(type(error))
        finally:
            done.set()

    thread = threading.Thread(target=other)
    thread.start()
    with detect_anomaly():
        entered.set()
        assert done.wait(timeout=30)
    thread.join(timeout=30)
    assert errors == [DomainError]


def test_one_detect_anomaly_object_shared_by_threads_enters_and_exits_in_each() -> None:
    seen = overlapping_blocks(detect_anomaly(), is_anomaly_enabled)
    assert seen == {"first after": False, "second inside": True, "second after": False}
    assert STATE.special == 0


# -- hooks ----------------------------------------------------------------------------------


def test_hook_on_an_inner_node_sees_and_replaces_its_gradient() -> None:
    x = Value(2.0, label="x")
    m = x * 3.0
    y = m * m
    seen = []
    m.register_hook(lambda g: seen.append(g))
    m.register_hook(lambda g: g * 0.5)
    y.backward()
    assert seen == [12.0]
    assert m.grad == 6.0 and x.grad == 18.0


def test_hooks_chain_in_registration_order() -> None:
    x = Value(1.0)
    y = x * 1.0
    calls = []
    y.register_hook(lambda g: calls.append(("first", g)) or g + 1.0)
    y.register_hook(lambda g: calls.append(("second", g)) or g * 10.0)
    y.backward()
    assert calls == [("first", 1.0), ("second", 2.0)]
    assert x.grad == 20.0


def test_hook_on_a_leaf_sees_this_pass_before_accumulation() -> None:
    x = Value(3.0, label="x")
    seen = []
    x.register_hook(lambda g: seen.append(g))
    y = x * x + x  # two paths into x: the hook sees their sum once
    y.backward()
    y.backward()
    assert seen == [7.0, 7.0]
    assert x.grad == 14.0


def test_hook_on_a_leaf_replaces_what_accumulates() -> None:
    x = Value(3.0)
    x.grad = 100.0
    handle = x.register_hook(lambda g: max(min(g, 1.0), -1.0))  # gradient clipping
    (x * x).backward()
    assert x.grad == 101.0
    handle.remove()
    (x * x).backward()
    assert x.grad == 107.0


def test_hooks_run_in_autograd_grad_and_with_create_graph() -> None:
    x = Value(2.0, label="x")
    y = x**3
    seen = []
    x.register_hook(lambda g: seen.append(g) or g * 2)
    (dy,) = grad(y, [x], create_graph=True)
    assert isinstance(seen[0], Value) and seen[0].data == 12.0
    assert dy.data == 24.0
    (d2y,) = grad(dy, [x])  # d/dx of 2 * 3x**2, with the hook doubling again
    assert d2y.data == 48.0
    assert x.grad == 0.0


def test_remove_takes_out_exactly_one_registration() -> None:
    x = Value(1.0)
    y = x * 1.0
    calls = []

    def record(g: float) -> None:
        calls.append(g)

    def add_one(g: float) -> float:
        return g + 1.0

    first = y.register_hook(record)
    y.register_hook(add_one)
    third = y.register_hook(record)
    first.remove()
    first.remove()  # twice does nothing, and does not take out the other record
    y.backward()
    assert calls == [2.0]  # the remaining record runs after add_one
    third.remove()
    y.backward()
    assert calls == [2.0]


def test_a_hook_must_return_none_or_a_number() -> None:
    x = Value(1.0)
    y = (x * 2.0).tanh()
    y.parents[0].register_hook(lambda g: "oops")
    with pytest.raises(TypeError, match=r"returned str 'oops'; a hook returns None"):
        y.backward()
    with pytest.raises(TypeError, match="needs a callable"):
        x.register_hook(3)  # type: ignore[arg-type]


def test_a_hook_makes_no_reference_cycle() -> None:
    x = Value(1.0)
    m = x * 2.0
    handle = m.register_hook(lambda g: None)
    alive = weakref.ref(m)
    del m
    assert alive() is None  # freed by reference counting alone
    handle.remove()  # the node is gone: nothing to do


def test_nodes_made_inside_nn_also_name_the_users_line() -> None:
    from nn import Neuron

    neuron = Neuron(1, activation="linear", seed=0)
    with detect_anomaly():
        with pytest.raises(AnomalyError) as caught:
            where = line() + 1
            neuron([1e308 / neuron.w[0].data * 10.0])
    message = str(caught.value)
    assert "nn" + os.sep + "layers.py:" in message
    assert f"(called from {__file__}:{where})" in message


def test_a_hook_on_the_root_that_returns_nan_is_not_blamed_on_backwards_argument() -> None:
    with detect_anomaly():
        y = Value(2.0, label="x") * 3.0
        y.register_hook(lambda g: math.nan)
        with pytest.raises(AnomalyError) as caught:
            y.backward()
    message = str(caught.value)
    assert "backward started from the gradient nan" in message
    assert "a hook registered on this node returned it" in message
