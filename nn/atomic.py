"""Atomic file writes: a temporary file next to the target, renamed over it.

os.replace is atomic on POSIX and Windows, so a reader (or a crash) sees
either the old file or the new one, never half of one. The temporary file
gets the permissions a plain open() would have given (mkstemp's are 0600).
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable

__all__ = ["write_atomic", "replace_atomic"]


def _mode() -> int:
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


def replace_atomic(path: str | os.PathLike[str], write: Callable[[str], None]) -> None:
    """Call write(temporary_path), then rename the temporary file to `path`.

    On any error the temporary file is removed and `path` is left as it was.
    """
    path = os.fspath(path)
    folder = os.path.dirname(os.path.abspath(path))
    suffix = os.path.splitext(path)[1]
    fd, temporary = tempfile.mkstemp(
        dir=folder, prefix=f".{os.path.basename(path)}.", suffix=f"{suffix}.tmp"
    )
    os.close(fd)
    try:
        write(temporary)
        os.chmod(temporary, _mode())
        os.replace(temporary, path)
    except BaseException:
        if os.path.exists(temporary):
            os.unlink(temporary)
        raise


def write_atomic(path: str | os.PathLike[str], data: str | bytes) -> None:
    """Write `data` (text as UTF-8) to `path` atomically, flushed to disk.

    >>> import os, tempfile
    >>> target = os.path.join(tempfile.mkdtemp(), "note.txt")
    >>> write_atomic(target, "hello")
    >>> open(target).read()
    'hello'
    """
    raw = data.encode("utf-8") if isinstance(data, str) else data

    def write(temporary: str) -> None:
        with open(temporary, "wb") as f:
            f.write(raw)
            f.flush()
            os.fsync(f.fileno())

    replace_atomic(path, write)
