"""chainrule's policy for Python's cyclic garbage collector.

A chainrule graph holds no reference cycles: a node points to its parents,
never back, and no closure refers to its own node. So reference counting frees
a finished graph the moment the last reference to its root goes, and the
cyclic collector can never free any of it. Yet the collector still runs every
700 allocations and walks the live graph each time; in micrograd's demo step
that was about a quarter of the time, even with no cycle to find.

The policy, applied once when autograd is imported:
- if the application still has Python's default collector thresholds, the
  first generation's threshold is raised to RELAXED_THRESHOLD allocations;
- the collector stays enabled, so cycles made by other code are still freed,
  only in fewer, larger batches;
- an application that set its own thresholds is left alone.

`use_python_default()` puts Python's setting back; `relax()` applies the
policy again.
"""

from __future__ import annotations

import gc

__all__ = ["RELAXED_THRESHOLD", "PYTHON_DEFAULT", "relax", "use_python_default", "is_relaxed"]

RELAXED_THRESHOLD = 100_000
"""Allocations between first-generation collections under chainrule's policy."""

PYTHON_DEFAULT = gc.get_threshold()
"""The thresholds this interpreter had before chainrule changed anything."""

_CPYTHON_DEFAULTS = {(700, 10, 10), (2000, 10, 10), (2000, 10, 0)}


def relax() -> None:
    """Collect cycles every RELAXED_THRESHOLD allocations instead of every 700."""
    _, older, oldest = gc.get_threshold()
    gc.set_threshold(RELAXED_THRESHOLD, older, oldest)


def use_python_default() -> None:
    """Restore the thresholds the interpreter started with."""
    gc.set_threshold(*PYTHON_DEFAULT)


def is_relaxed() -> bool:
    """True while chainrule's policy is in force."""
    return gc.get_threshold()[0] == RELAXED_THRESHOLD


def apply_on_import() -> None:
    """Relax the collector unless the application already tuned it."""
    if gc.get_threshold() in _CPYTHON_DEFAULTS:
        relax()
