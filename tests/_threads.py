"""Two threads whose blocks of one shared context manager overlap: a test helper."""

from __future__ import annotations

import threading
from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Any


def overlapping_blocks(shared: AbstractContextManager[Any], probe: Callable[[], Any]) -> dict:
    """Enter `shared` in a first thread, then in a second; the first leaves while the second
    is still inside. Returns probe() as seen after the first left, inside the second and
    after the second left, or the errors raised: each thread's exit must undo its own entry.
    """
    first_inside, second_inside, first_out = (threading.Event() for _ in range(3))
    seen: dict[str, Any] = {}

    def first() -> None:
        try:
            with shared:
                first_inside.set()
                second_inside.wait(5)
            seen["first after"] = probe()
        except Exception as error:  # noqa: BLE001 - the test reports it
            seen["first error"] = repr(error)
        first_out.set()

    def second() -> None:
        first_inside.wait(5)
        try:
            with shared:
                second_inside.set()
                first_out.wait(5)
                seen["second inside"] = probe()
            seen["second after"] = probe()
        except Exception as error:  # noqa: BLE001
            seen["second error"] = repr(error)

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return seen
