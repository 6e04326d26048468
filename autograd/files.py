"""Writing a file whole: a reader, or a crash, sees the old content or the new, never half.

write_atomic(path, data) looks at what stands at `path` and writes the way
that keeps it what it was:

- nothing, or a regular file: the data goes to a hidden temporary file in the
  same folder (".NAME.PID.TOKEN.tmp"), is flushed to disk, and the temporary
  file is renamed over the target (a rename is atomic), then the folder is
  flushed so the rename survives a power cut. The file keeps its permission
  bits (and, when root writes, its owner); a new file gets open()'s mode.
- a symbolic link: the file at the end of the chain is replaced that way and
  the link stays as it was. A link to nothing is refused.
- a character device, a FIFO or a socket (/dev/null, /dev/stdout into a pipe):
  the data is written to it directly. There is no file to replace, and a rename
  would put a regular file in the device's place.
- a regular file with other hard links (st_nlink > 1): written in place, so
  every name of the file sees the new content, as with open(path, "wb"). A
  rename would give this name a new file and leave the other names on the old
  one. The price is atomicity: a crash mid-write leaves a mix of old and new.
  The same holds for a file owned by another user, which a rename would make ours.
- a file that open(path, "wb") would refuse (read-only for this user, by
  os.access): refused, where a rename would replace it anyway. Root passes that
  check as it passes open()'s: root's write replaces a 0444 file, which stays 0444.
- a folder: refused, and so is a file in a folder this user cannot write
  (the temporary file has nowhere to go; open() would have written it in place).

A save killed midway (SIGKILL, a power cut) leaves its temporary file behind.
The next write to the same path removes such files when the process named by
their PID is gone. (A folder shared with other machines or PID namespaces can
hide a live writer; its temporary file would be removed and its rename fail.)
"""

from __future__ import annotations

import contextlib
import errno
import os
import re
import socket
import stat

__all__ = ["write_atomic"]

_NAME_MAX = 255
"""The longest file name, in bytes, that common file systems accept."""

_TAIL = len(".4294967295.0123abcd.tmp")
"""The bytes the temporary name adds after the target's name: PID, token, suffix."""


def write_atomic(path: str | os.PathLike[str], data: bytes) -> None:
    """Write `data` to `path` whole, keeping what stands there: see the module docstring.

    An OSError keeps its errno (ENOSPC stays ENOSPC) and names `path`, never
    the temporary file.

    >>> import os, tempfile
    >>> target = os.path.join(tempfile.mkdtemp(), "note.txt")
    >>> write_atomic(target, b"hello")
    >>> open(target, "rb").read()
    b'hello'
    """
    name = os.fspath(path)
    if not isinstance(data, (bytes, bytearray, memoryview)):
        raise TypeError(
            f"write_atomic writes bytes, got {type(data).__name__} {data!r:.40}: a file holds "
            "bytes, and text needs an encoding. Pass data.encode('utf-8')"
        )
    status = _status(name)
    if status is None:
        _replace(name, data, None)
    elif stat.S_ISDIR(status.st_mode):
        raise _refusal(
            IsADirectoryError,
            errno.EISDIR,
            f"cannot write {name!r}: it is a folder, and the data is one file. "
            f"Give a file name inside it, e.g. {os.path.join(name, 'out')!r}",
        )
    elif stat.S_ISSOCK(status.st_mode):
        _send(name, data)
    elif not stat.S_ISREG(status.st_mode):
        _write_in_place(name, data, regular=False)
    elif not os.access(name, os.W_OK):
        raise _refusal(
            PermissionError,
            errno.EACCES,
            f"cannot write {name!r}: it is read-only for this user (mode "
            f"{stat.filemode(status.st_mode)}), so open() would refuse it too, and replacing "
            "it would undo that protection. Make it writable (chmod u+w) or write elsewhere",
        )
    else:
        real = os.path.realpath(name)
        if status.st_nlink > 1 or not _can_own(status) or not _same_file(real, status):
            _write_in_place(name, data, regular=True)
        else:
            _replace(real, data, status)


def _send(name: str, data: bytes) -> None:
    """Write to the program listening on a Unix socket, as `nc -U name` would."""
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as connection:
            connection.connect(name)
            connection.sendall(data)
    except OSError as error:
        raise _naming(error, name) from None


def _status(name: str) -> os.stat_result | None:
    """What stands at name, links followed: None when nothing; a dangling link is refused."""
    try:
        status = os.lstat(name)
    except FileNotFoundError:
        return None
    if not stat.S_ISLNK(status.st_mode):
        return status
    try:
        return os.stat(name)
    except FileNotFoundError:
        end = os.path.realpath(name)
        raise _refusal(
            FileNotFoundError,
            errno.ENOENT,
            f"cannot write {name!r}: it is a symbolic link to {os.readlink(name)!r}, and "
            f"{end!r} at the end of the chain does not exist, so there is no file to write "
            "through it. Create that file, point the link elsewhere, or remove the link",
        ) from None


def _refusal(kind: type[OSError], code: int, message: str) -> OSError:
    """An OSError of `kind` whose text is `message` and whose errno is `code`."""
    error = kind(message)
    error.errno = code
    return error


def _can_own(status: os.stat_result) -> bool:
    """True when a file we create can have status's owner: it is ours, or we are root."""
    return not hasattr(os, "geteuid") or os.geteuid() in (0, status.st_uid)


def _same_file(real: str, status: os.stat_result) -> bool:
    # A /proc/self/fd link to a deleted file resolves to a name that is not that file.
    try:
        return os.path.samestat(os.stat(real), status)
    except OSError:
        return False


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


def _write_in_place(name: str, data: bytes, *, regular: bool) -> None:
    """Write into the file itself: every link to it, and every reader holding it, sees the data."""
    fd = os.open(name, os.O_WRONLY | getattr(os, "O_CLOEXEC", 0))
    try:
        _write_all(fd, data)
        if regular:
            # Truncate after writing, not before: a reader never finds the file empty.
            os.ftruncate(fd, len(data))
            os.fsync(fd)
    except OSError as error:
        raise _naming(error, name) from None
    finally:
        os.close(fd)


def _replace(target: str, data: bytes, status: os.stat_result | None) -> None:
    """Write a temporary file beside target and rename it over target."""
    folder, base = os.path.split(target)
    folder = folder or os.curdir
    _remove_stale(folder, base)
    temporary = os.path.join(folder, f".{_stem(base)}.{os.getpid()}.{os.urandom(4).hex()}.tmp")
    mode = 0o666 if status is None else stat.S_IMODE(status.st_mode)
    try:
        # A new file gets the umask, as with open(); an existing one its own mode, set
        # below before any data is written, so the data is never more exposed than it was.
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    except OSError as error:
        raise _naming(error, target) from None
    try:
        try:
            if status is not None:
                os.chmod(temporary, mode)
                _give_owner(fd, status)
            _write_all(fd, data)
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(temporary, target)
    except BaseException as error:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        if isinstance(error, OSError):
            raise _naming(error, target) from None
        raise
    _sync_folder(folder)


def _stem(base: str) -> str:
    """base, shortened so the temporary name stays within _NAME_MAX bytes."""
    while len(os.fsencode(base)) > _NAME_MAX - 1 - _TAIL:
        base = base[:-1]
    return base


def _remove_stale(folder: str, base: str) -> None:
    """Remove temporary files left for this target by writers that no longer run."""
    own = re.compile(re.escape(f".{_stem(base)}.") + r"(\d+)\.[0-9a-f]{8}\.tmp")
    with contextlib.suppress(OSError):
        for entry in os.listdir(folder):
            match = own.fullmatch(entry)
            if match and not _running(int(match[1])):
                with contextlib.suppress(OSError):
                    os.unlink(os.path.join(folder, entry))


def _running(pid: int) -> bool:
    if os.name != "posix":
        return True  # os.kill(pid, 0) would end the process on Windows: keep its file
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # it runs, as another user
    except (OverflowError, OSError):
        return False
    return True


def _give_owner(fd: int, status: os.stat_result) -> None:
    if not hasattr(os, "fchown"):
        return
    mine = os.fstat(fd)
    if (mine.st_uid, mine.st_gid) != (status.st_uid, status.st_gid):
        # Only root, or an owner in the file's group, may do it; otherwise the group is ours.
        with contextlib.suppress(PermissionError):
            os.fchown(fd, status.st_uid, status.st_gid)


def _sync_folder(folder: str) -> None:
    """Flush the folder's entry list, so the rename itself survives a power cut."""
    try:
        fd = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    except OSError:
        return  # Windows cannot open a folder; NTFS journals the rename
    try:
        os.fsync(fd)
    except OSError:
        pass  # some file systems refuse fsync on a folder; the data itself is flushed
    finally:
        os.close(fd)


def _naming(error: OSError, path: str) -> OSError:
    """The same error (type, errno, reason) naming path: the user never named the temporary."""
    if error.errno is None or error.strerror is None:
        return error
    return type(error)(error.errno, error.strerror, path)
