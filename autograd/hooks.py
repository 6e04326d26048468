"""Gradient hooks: functions that see, and may replace, a node's gradient in backward().

`Value.register_hook(hook)` adds one; backward() calls `run_hooks` when the
node's gradient is complete, before the node passes it on. As in PyTorch, a
leaf's hooks see the gradient of this pass before it is added to .grad.
"""

from __future__ import annotations

import numbers
import weakref
from collections.abc import Callable
from typing import Any

__all__ = ["HookHandle", "HOOKED", "add_hook", "run_hooks", "run_leaf_hooks"]

HOOKED: weakref.WeakSet[Any] = weakref.WeakSet()
"""Nodes that have hooks; backward() looks for hooks only while this is not empty."""


class HookHandle:
    """What register_hook returns; it is also the entry in the node's hook list.

    One handle per registration, so .remove() takes out exactly that one, even
    when the same function is registered twice. It refers to its node weakly:
    the node holds the handle, and a strong link back would make a cycle.
    """

    __slots__ = ("_node", "_hook")

    def __init__(self, node: Any, hook: Callable[[Any], Any]) -> None:
        self._node = weakref.ref(node)
        self._hook = hook

    def __call__(self, grad: Any) -> Any:
        return self._hook(grad)

    def remove(self) -> None:
        """Unregister the hook; removing twice does nothing."""
        node = self._node()
        hooks = None if node is None else node.hooks
        if not hooks:
            return
        for i, entry in enumerate(hooks):
            if entry is self:
                del hooks[i]
                break
        if not hooks:
            node.hooks = None
            HOOKED.discard(node)


def add_hook(node: Any, hook: Callable[[Any], Any]) -> HookHandle:
    """Register hook on node (Value.register_hook's body)."""
    if not callable(hook):
        raise TypeError(
            f"register_hook needs a callable, got {type(hook).__name__} {hook!r:.60}; "
            "pass a function of the gradient, e.g. v.register_hook(lambda g: g * 0.5)"
        )
    handle = HookHandle(node, hook)
    if node.hooks is None:
        node.hooks = []
    node.hooks.append(handle)
    HOOKED.add(node)
    return handle


def run_hooks(node: Any, g: Any) -> Any:
    """The gradient after every hook of node has seen it (and perhaps replaced it)."""
    for hook in list(node.hooks or ()):
        replaced = hook(g)
        if replaced is not None:
            if not isinstance(replaced, numbers.Real) and not hasattr(replaced, "backward"):
                raise _bad_return(node, replaced)
            if isinstance(replaced, bool):
                raise _bad_return(node, replaced)
            g = replaced
    return g


def _bad_return(node: Any, replaced: Any) -> TypeError:
    from autograd.messages import where

    return TypeError(
        f"a gradient hook on node #{node.creation_index}{where((node,))} returned "
        f"{type(replaced).__name__} {replaced!r:.60}; a hook returns None to keep "
        "the gradient, or a number (or Value) to replace it"
    )


def run_leaf_hooks(leaf: Any, before: Any) -> None:
    """Run a leaf's hooks on this pass's gradient (.grad now, less `before`), then accumulate."""
    unchanged = type(before) is float and before == 0.0
    incoming = leaf.grad if unchanged else leaf.grad - before
    replaced = run_hooks(leaf, incoming)
    if replaced is not incoming:
        leaf.grad = replaced if unchanged else before + replaced
