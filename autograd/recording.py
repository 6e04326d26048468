"""Whether operations are being recorded: no_grad, and the slow-path switch.

Recording is on by default. `no_grad()` turns it off for the current thread or
asyncio task (it is built on contextvars, so one thread's no_grad never leaks
into another's). Anomaly mode (autograd/anomaly.py) also hooks in here.

The hot path of every operation must not pay for these modes when nobody uses
them, so `STATE.special` counts how many such modes are active anywhere in the
process. While it is 0 an operation reads one integer and moves on; only when
it is not 0 does it ask the context variables what applies to this thread.
"""

from __future__ import annotations

import contextvars
import functools
import inspect
import threading
from collections.abc import Callable
from typing import Any, TypeVar

__all__ = ["no_grad", "enable_grad", "is_grad_enabled", "module_scope"]

F = TypeVar("F", bound=Callable[..., Any])

_grad_enabled: contextvars.ContextVar[bool] = contextvars.ContextVar(
    "chainrule_grad_enabled", default=True
)
_anomaly_enabled: contextvars.ContextVar[bool] = contextvars.ContextVar(
    "chainrule_anomaly_enabled", default=False
)


class _State:
    __slots__ = ("special", "scope", "lock")

    def __init__(self) -> None:
        self.special = 0
        """How many no_grad/anomaly contexts are active in any thread."""
        self.scope: str | None = None
        """The nn module path tagged onto new Values (see module_scope)."""
        self.lock = threading.Lock()

    def enter_special(self) -> None:
        with self.lock:
            self.special += 1

    def leave_special(self) -> None:
        with self.lock:
            self.special -= 1


STATE = _State()


def is_grad_enabled() -> bool:
    """True when operations in this thread record a graph (the default)."""
    return _grad_enabled.get()


def is_anomaly_enabled() -> bool:
    """True inside detect_anomaly() in this thread."""
    return _anomaly_enabled.get()


_undo: contextvars.ContextVar[tuple[contextvars.Token[bool], ...]] = contextvars.ContextVar(
    "chainrule_grad_mode_undo", default=()
)
"""The tokens that undo this thread's (or task's) open grad-mode blocks, innermost last.

They live in a context variable, not on the _GradMode object, so that one object
shared by threads (a module-level `frozen = no_grad()`) undoes each thread's own entry.
"""


class _GradMode:
    """A context manager and decorator that sets grad recording on or off."""

    def __init__(self, enabled: bool) -> None:
        self._enabled = enabled

    def __enter__(self) -> None:
        _undo.set((*_undo.get(), _grad_enabled.set(self._enabled)))
        STATE.enter_special()

    def __exit__(self, *exc: object) -> None:
        try:
            *outer, token = _undo.get()
            _undo.set(tuple(outer))
            _grad_enabled.reset(token)
        finally:
            STATE.leave_special()

    def __call__(self, func: F) -> F:
        enabled = self._enabled
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
                        with _GradMode(enabled):
                            response = method(request)
                    except StopIteration as stop:
                        return stop.value
                    try:
                        request = yield response
                        method = inner.send
                    except GeneratorExit:
                        with _GradMode(enabled):
                            inner.close()
                        raise
                    except BaseException as error:  # noqa: BLE001 - handed to the body
                        request, method = error, inner.throw

            return generator  # type: ignore[return-value]

        @functools.wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with _GradMode(enabled):
                return func(*args, **kwargs)

        return wrapper  # type: ignore[return-value]


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
        return _GradMode(False)(func)
    return _GradMode(False)


def enable_grad() -> _GradMode:
    """Record again inside a no_grad() block."""
    return _GradMode(True)


class module_scope:
    """Tag the Values created inside with an nn module's dotted path.

    nn.Module.__call__ uses it so that drawing can group a module's nodes.
    The tag is a process-wide setting: it only affects how graphs are grouped
    in drawings, and reading a plain attribute keeps every operation fast.
    """

    def __init__(self, path: str) -> None:
        self._path = path
        self._outer: str | None = None

    def __enter__(self) -> None:
        self._outer = STATE.scope
        STATE.scope = self._path

    def __exit__(self, *exc: object) -> None:
        STATE.scope = self._outer
