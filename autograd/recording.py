"""What the engine records, and how: no_grad, the mode switch, and module scopes.

Recording is on by default. `no_grad()` turns it off for the current thread or
asyncio task; `detect_anomaly()` (autograd/anomaly.py) turns on checks. Both
are a `ModeSwitch`: a context manager (and decorator) over a context variable,
so one thread's mode never leaks into another's.

The hot path of every operation must not pay for these modes when nobody uses
them, so `STATE.special` counts how many mode switches are active anywhere in
the process. While it is 0 an operation reads one integer and moves on; only
when it is not 0 does it ask the context variables what applies to this thread.

`SCOPE` holds the dotted path of the nn module being called (set by
nn.Module.__call__), which every new Value records as its `scope`, so that a
drawing can group a layer's nodes. It is a context variable too: threads that
run models at the same time each tag their own nodes.
"""

from __future__ import annotations

import contextvars
import functools
import inspect
import threading
from collections.abc import Callable
from typing import Any, TypeVar

__all__ = [
    "STATE",
    "SCOPE",
    "ModeSwitch",
    "no_grad",
    "enable_grad",
    "is_grad_enabled",
    "is_anomaly_enabled",
    "module_scope",
    "GRAD_ENABLED",
    "ANOMALY_ENABLED",
]

F = TypeVar("F", bound=Callable[..., Any])

GRAD_ENABLED: contextvars.ContextVar[bool] = contextvars.ContextVar(
    "chainrule_grad_enabled", default=True
)
"""Whether operations in this thread or task record a graph."""
ANOMALY_ENABLED: contextvars.ContextVar[bool] = contextvars.ContextVar(
    "chainrule_anomaly_enabled", default=False
)
"""Whether this thread or task is inside detect_anomaly()."""
SCOPE: contextvars.ContextVar[str | None] = contextvars.ContextVar("chainrule_scope", default=None)
"""The dotted path of the nn module whose call is running, tagged onto new Values."""


class _State:
    __slots__ = ("special", "lock")

    def __init__(self) -> None:
        self.special = 0
        """How many mode switches (no_grad, enable_grad, anomaly) are active in any thread."""
        self.lock = threading.Lock()

    def enter_special(self) -> None:
        with self.lock:
            self.special += 1

    def leave_special(self) -> None:
        with self.lock:
            self.special -= 1


STATE = _State()
"""The process-wide count of active mode switches, read by every operation."""


def is_grad_enabled() -> bool:
    """True when operations in this thread record a graph (the default)."""
    return GRAD_ENABLED.get()


def is_anomaly_enabled() -> bool:
    """True inside detect_anomaly() in this thread."""
    return ANOMALY_ENABLED.get()


class ModeSwitch:
    """Set a mode (a context variable) for a block or a function, and put it back after.

    The tokens that undo this thread's open blocks live in a context variable
    of their own, not on the object, so one object shared by threads (a
    module-level `frozen = no_grad()`) undoes each thread's own entry.
    """

    def __init__(self, mode: contextvars.ContextVar[bool], value: bool) -> None:
        self._mode = mode
        self._value = value
        self._undo: contextvars.ContextVar[tuple[contextvars.Token[bool], ...]] = _UNDO[mode]

    def __enter__(self) -> Any:
        self._undo.set((*self._undo.get(), self._mode.set(self._value)))
        STATE.enter_special()
        return self

    def __exit__(self, *exc: object) -> None:
        try:
            *outer, token = self._undo.get()
            self._undo.set(tuple(outer))
            self._mode.reset(token)
        finally:
            STATE.leave_special()

    def __call__(self, func: F) -> F:
        """Use the switch as a decorator: the mode holds while func's body runs."""
        if inspect.isgeneratorfunction(func):
            # A generator's body runs at each next(), after the call has returned:
            # the mode must be set around every resumption, as torch.no_grad does.
            @functools.wraps(func)
            def generator(*args: Any, **kwargs: Any) -> Any:
                inner = func(*args, **kwargs)
                request: Any = None
                method: Callable[..., Any] = inner.send
                while True:
                    try:
                        with self._again():
                            response = method(request)
                    except StopIteration as stop:
                        return stop.value
                    try:
                        request = yield response
                        method = inner.send
                    except GeneratorExit:
                        with self._again():
                            inner.close()
                        raise
                    except BaseException as error:  # noqa: BLE001 - handed to the body
                        request, method = error, inner.throw

            return generator  # type: ignore[return-value]

        @functools.wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with self._again():
                return func(*args, **kwargs)

        return wrapper  # type: ignore[return-value]

    def _again(self) -> ModeSwitch:
        """A fresh switch of the same mode, for one call of a decorated function."""
        return ModeSwitch(self._mode, self._value)


_UNDO = {
    mode: contextvars.ContextVar(f"{mode.name}_undo", default=())
    for mode in (GRAD_ENABLED, ANOMALY_ENABLED)
}


def no_grad(func: F | None = None) -> Any:
    """Stop recording: operations inside give leaf Values with no parents.

    Use it for weight updates and evaluation, as with torch.no_grad().

    >>> from autograd import Value, no_grad
    >>> x = Value(2.0)
    >>> with no_grad():
    ...     y = x * 3
    >>> y.parents
    ()

    As a decorator it works with or without parentheses: @no_grad or @no_grad().
    """
    if func is not None:
        return ModeSwitch(GRAD_ENABLED, False)(func)
    return ModeSwitch(GRAD_ENABLED, False)


def enable_grad() -> ModeSwitch:
    """Record again inside a no_grad() block."""
    return ModeSwitch(GRAD_ENABLED, True)


class module_scope:
    """Tag the Values created inside with an nn module's dotted path.

    nn.Module.__call__ does the same with SCOPE.set and SCOPE.reset directly,
    so that drawing can group a module's nodes.
    """

    def __init__(self, path: str | None) -> None:
        self._path = path

    def __enter__(self) -> None:
        _SCOPE_UNDO.set((*_SCOPE_UNDO.get(), SCOPE.set(self._path)))

    def __exit__(self, *exc: object) -> None:
        *outer, token = _SCOPE_UNDO.get()
        _SCOPE_UNDO.set(tuple(outer))
        SCOPE.reset(token)


_SCOPE_UNDO: contextvars.ContextVar[tuple[contextvars.Token[str | None], ...]] = (
    contextvars.ContextVar("chainrule_scope_undo", default=())
)
