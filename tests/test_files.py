"""write_atomic: whole files, and respect for what stands at the path (links, devices, modes)."""

import errno
import os
import shlex
import shutil
import signal
import socket
import stat
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

import pytest

from autograd.files import write_atomic

ROOT = Path(__file__).resolve().parent.parent
POSIX = pytest.mark.skipif(os.name != "posix", reason="needs POSIX")
AS_ROOT = pytest.mark.skipif(os.name != "posix" or os.geteuid() != 0, reason="needs root")


def _umask() -> int:
    umask = os.umask(0)
    os.umask(umask)
    return umask


def _mode(path) -> int:
    return stat.S_IMODE(os.lstat(path).st_mode)


def test_a_new_file_gets_the_mode_open_would_give(tmp_path):
    path = tmp_path / "a.txt"
    write_atomic(path, b"one")
    write_atomic(path, b"two")
    assert path.read_bytes() == b"two"
    assert _mode(path) == 0o666 & ~_umask()
    assert os.listdir(tmp_path) == ["a.txt"]


@POSIX
@pytest.mark.parametrize("mode", [0o600, 0o640, 0o755])
def test_a_replaced_file_keeps_its_permission_bits(tmp_path, mode):
    path = tmp_path / "a.txt"
    path.write_bytes(b"old")
    path.chmod(mode)
    inode = os.stat(path).st_ino
    write_atomic(path, b"new")
    assert path.read_bytes() == b"new" and _mode(path) == mode
    assert os.stat(path).st_ino != inode  # replaced by a rename, not written in place


@POSIX
def test_a_symlink_chain_is_written_through_and_the_links_stay(tmp_path):
    real = tmp_path / "data" / "model.json"
    real.parent.mkdir()
    real.write_bytes(b"old")
    (tmp_path / "middle").symlink_to(real)
    (tmp_path / "link").symlink_to("middle")
    write_atomic(tmp_path / "link", b"new")
    assert real.read_bytes() == b"new"
    assert os.readlink(tmp_path / "link") == "middle"
    assert os.readlink(tmp_path / "middle") == str(real)
    assert sorted(os.listdir(tmp_path)) == ["data", "link", "middle"]
    assert os.listdir(real.parent) == ["model.json"]


@POSIX
def test_a_dangling_link_is_refused_naming_where_it_points(tmp_path):
    link = tmp_path / "link"
    link.symlink_to(tmp_path / "gone" / "model.json")
    with pytest.raises(FileNotFoundError) as info:
        write_atomic(link, b"new")
    assert info.value.errno == errno.ENOENT
    message = str(info.value)
    assert repr(str(link)) in message and repr(str(tmp_path / "gone" / "model.json")) in message
    assert "does not exist" in message and "point the link elsewhere" in message
    assert os.readlink(link) == str(tmp_path / "gone" / "model.json")
    assert os.listdir(tmp_path) == ["link"]


def test_a_folder_is_refused(tmp_path):
    with pytest.raises(IsADirectoryError, match="it is a folder") as info:
        write_atomic(tmp_path, b"data")
    assert info.value.errno == errno.EISDIR
    assert os.listdir(tmp_path) == []


def test_text_is_refused_with_the_way_out(tmp_path):
    with pytest.raises(TypeError, match=r"got str 'hello'.*encode\('utf-8'\)"):
        write_atomic(tmp_path / "a.txt", "hello")


@POSIX
def test_a_fifo_is_written_directly(tmp_path):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    received = []
    reader = threading.Thread(target=lambda: received.append(fifo.read_bytes()), daemon=True)
    reader.start()
    write_atomic(fifo, b"through the pipe")
    reader.join(timeout=30)
    assert received == [b"through the pipe"]
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)
    assert os.listdir(tmp_path) == ["pipe"]


@POSIX
def test_a_socket_gets_the_data_and_stays_a_socket(tmp_path):
    address = tmp_path / "s"
    received = []
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as server:
        server.bind(str(address))
        server.listen(1)
        server.settimeout(30)

        def serve():
            connection, _ = server.accept()
            with connection:
                received.append(b"".join(iter(lambda: connection.recv(4096), b"")))

        listener = threading.Thread(target=serve, daemon=True)
        listener.start()
        write_atomic(address, b"to the listener")
        listener.join(timeout=30)
    assert received == [b"to the listener"]
    assert stat.S_ISSOCK(os.lstat(address).st_mode)


@pytest.mark.skipif(not os.path.isdir("/proc/self/fd"), reason="needs /proc/self/fd")
def test_a_link_like_dev_stdout_into_a_pipe_writes_into_the_pipe(tmp_path):
    read, write = os.pipe()
    os.set_blocking(read, False)  # an empty pipe fails the test instead of hanging it
    try:
        stdout = tmp_path / "stdout"  # what /dev/stdout is, without touching /dev
        stdout.symlink_to(f"/proc/self/fd/{write}")
        write_atomic(stdout, b"piped")
        assert os.read(read, 100) == b"piped"
        assert os.readlink(stdout) == f"/proc/self/fd/{write}"
    finally:
        os.close(read)
        os.close(write)


@POSIX
def test_a_hard_linked_file_is_written_in_place_so_every_name_sees_it(tmp_path):
    first, second = tmp_path / "a.json", tmp_path / "b.json"
    first.write_bytes(b"old content, longer than the new")
    os.link(first, second)
    inode = os.stat(first).st_ino
    write_atomic(first, b"new")
    assert first.read_bytes() == second.read_bytes() == b"new"
    assert os.stat(first).st_ino == os.stat(second).st_ino == inode
    assert sorted(os.listdir(tmp_path)) == ["a.json", "b.json"]


@pytest.mark.parametrize("name", ["m" * 236 + ".json", "é" * 120 + ".json"])
def test_a_name_near_the_255_byte_limit_works(tmp_path, name):
    assert len(name) in (241, 125) and len(os.fsencode(name)) <= 255
    write_atomic(tmp_path / name, b"one")
    write_atomic(tmp_path / name, b"two")
    assert (tmp_path / name).read_bytes() == b"two"
    assert os.listdir(tmp_path) == [name]


def test_a_full_disk_keeps_errno_names_the_path_and_the_old_file(tmp_path, monkeypatch):
    path = tmp_path / "model.json"
    path.write_bytes(b"old")

    def full(fd, data):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(os, "write", full)
    with pytest.raises(OSError) as info:
        write_atomic(path, b"new")
    assert info.value.errno == errno.ENOSPC
    assert info.value.filename == str(path)
    monkeypatch.undo()
    assert path.read_bytes() == b"old"
    assert os.listdir(tmp_path) == ["model.json"]


def test_an_interrupted_write_leaves_the_old_file_and_no_temporary(tmp_path, monkeypatch):
    path = tmp_path / "model.json"
    path.write_bytes(b"old")

    def interrupted(*args):
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "replace", interrupted)
    with pytest.raises(KeyboardInterrupt):
        write_atomic(path, b"new")
    assert path.read_bytes() == b"old"
    assert os.listdir(tmp_path) == ["model.json"]


@POSIX
def test_a_killed_save_leaves_a_temporary_that_the_next_save_removes(tmp_path):
    path = tmp_path / "model.json"
    path.write_bytes(b"old")
    killed = subprocess.run(
        [
            sys.executable,
            "-c",
            "import os, signal, sys\n"
            "from autograd.files import write_atomic\n"
            "os.fsync = lambda fd: os.kill(os.getpid(), signal.SIGKILL)\n"
            "write_atomic(sys.argv[1], bytes(2_000_000))\n",
            str(path),
        ],
        cwd=ROOT,
    )
    assert killed.returncode == -signal.SIGKILL
    left = [name for name in os.listdir(tmp_path) if name != "model.json"]
    assert len(left) == 1 and left[0].startswith(".model.json.") and left[0].endswith(".tmp")
    assert (tmp_path / left[0]).stat().st_size == 2_000_000
    running = f".model.json.{os.getpid()}.0123abcd.tmp"  # a save still under way
    dead = left[0].split(".")[3]  # the killed writer's pid
    other = f".other.json.{dead}.0123abcd.tmp"  # another file's: not this save's to remove
    (tmp_path / running).write_bytes(b"")
    (tmp_path / other).write_bytes(b"")
    write_atomic(path, b"new")
    assert path.read_bytes() == b"new"
    assert sorted(os.listdir(tmp_path)) == sorted(["model.json", running, other])


# -- permissions and owners: a user that is not root, via a forked child that becomes `nobody`


@pytest.fixture
def shared_dir():
    """A scratch folder every user can write (pytest's tmp_path is private to root)."""
    folder = Path(tempfile.mkdtemp(prefix="chainrule-files-"))
    folder.chmod(0o777)
    yield folder
    shutil.rmtree(folder)


def _as_nobody(action) -> str:
    """Run action() in a forked child that has become `nobody`; 'ok' or the error it raised."""
    import pwd

    nobody = pwd.getpwnam("nobody")
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child
        try:
            os.close(read)
            os.setgroups([])
            os.setgid(nobody.pw_gid)
            os.setuid(nobody.pw_uid)
            try:
                action()
                outcome = "ok"
            except BaseException as error:
                outcome = f"{type(error).__name__} errno={getattr(error, 'errno', None)}: {error}"
            os.write(write, outcome.encode())
        finally:
            os._exit(0)
    os.close(write)
    with os.fdopen(read, "rb") as pipe:
        outcome = pipe.read().decode()
    os.waitpid(pid, 0)
    return outcome


@AS_ROOT
def test_a_read_only_file_is_refused_for_a_user_who_cannot_open_it(shared_dir):
    path = shared_dir / "model.json"
    path.write_bytes(b"old")
    os.chown(path, 65534, 65534)
    path.chmod(0o444)
    outcome = _as_nobody(lambda: write_atomic(path, b"new"))
    assert outcome.startswith(f"PermissionError errno={errno.EACCES}: cannot write {str(path)!r}")
    assert "read-only" in outcome and "chmod u+w" in outcome
    assert path.read_bytes() == b"old" and _mode(path) == 0o444
    assert os.listdir(shared_dir) == ["model.json"]


@AS_ROOT
def test_root_writes_a_read_only_file_as_open_would_and_it_stays_read_only(tmp_path):
    path = tmp_path / "model.json"
    path.write_bytes(b"old")
    path.chmod(0o444)
    write_atomic(path, b"new")
    assert path.read_bytes() == b"new" and _mode(path) == 0o444


@AS_ROOT
def test_root_keeps_the_owner_of_the_file_it_replaces(tmp_path):
    path = tmp_path / "model.json"
    path.write_bytes(b"old")
    os.chown(path, 65534, 65534)
    write_atomic(path, b"new")
    assert path.read_bytes() == b"new"
    assert (os.stat(path).st_uid, os.stat(path).st_gid) == (65534, 65534)


@AS_ROOT
def test_a_user_writing_someone_elses_file_writes_in_place_and_keeps_the_owner(shared_dir):
    path = shared_dir / "shared.json"
    path.write_bytes(b"old")
    path.chmod(0o666)  # root's, writable by all
    inode = os.stat(path).st_ino
    assert _as_nobody(lambda: write_atomic(path, b"new")) == "ok"
    assert path.read_bytes() == b"new"
    assert os.stat(path).st_uid == 0 and os.stat(path).st_ino == inode


# -- device nodes and a full disk, in a private mount namespace (the real /dev is never touched)


def _namespace_works() -> bool:
    if os.name != "posix" or os.geteuid() != 0 or shutil.which("unshare") is None:
        return False
    probe = subprocess.run(
        ["unshare", "-m", "--propagation", "private", "true"], capture_output=True
    )
    return probe.returncode == 0


IN_NAMESPACE = pytest.mark.skipif(
    not _namespace_works(), reason="needs root and unshare -m (a private mount namespace)"
)


def _in_namespace(folder: Path, size: str, script: str) -> str:
    """Run script with a tmpfs of `size` mounted over a new folder, in a private mount namespace.

    The real /dev is never touched, and the folder is empty again afterwards.
    """
    folder.mkdir()
    mount = f"mount -t tmpfs -o size={size},mode=0755 chainrule-test {shlex.quote(str(folder))}"
    run = f"{shlex.quote(sys.executable)} -c {shlex.quote(script)} {shlex.quote(str(folder))}"
    done = subprocess.run(
        ["unshare", "-m", "--propagation", "private", "sh", "-c", f"{mount} && {run}"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert os.listdir(folder) == []  # the tmpfs was private to the namespace
    return done.stdout


DEVICES = """
import errno, os, stat, sys
from autograd.files import write_atomic
folder = sys.argv[1]
null, full = os.path.join(folder, "null"), os.path.join(folder, "full")
os.mknod(null, stat.S_IFCHR | 0o666, os.makedev(1, 3))
os.mknod(full, stat.S_IFCHR | 0o666, os.makedev(1, 7))
write_atomic(null, b"model")
node = os.lstat(null)
print("null:", stat.S_ISCHR(node.st_mode), os.major(node.st_rdev), os.minor(node.st_rdev))
link = os.path.join(folder, "link")
os.symlink(null, link)
write_atomic(link, b"model")
print("link:", os.readlink(link) == null, stat.S_ISCHR(os.lstat(null).st_mode))
try:
    write_atomic(full, b"model")
except OSError as error:
    print("full:", errno.errorcode[error.errno], error.filename == full)
print("files:", sorted(os.listdir(folder)))
"""


@IN_NAMESPACE
def test_a_character_device_is_written_directly_not_replaced(tmp_path):
    assert _in_namespace(tmp_path / "dev", "1m", DEVICES).splitlines() == [
        "null: True 1 3",
        "link: True True",
        "full: ENOSPC True",
        "files: ['full', 'link', 'null']",
    ]


FULL_DISK = """
import errno, os, sys
from autograd.files import write_atomic
path = os.path.join(sys.argv[1], "model.json")
write_atomic(path, b"old")
try:
    write_atomic(path, bytes(256 * 1024))
except OSError as error:
    print(errno.errorcode[error.errno], error.filename == path)
print(open(path, "rb").read(), os.listdir(sys.argv[1]))
"""


@IN_NAMESPACE
def test_a_full_file_system_raises_enospc_and_keeps_the_old_file(tmp_path):
    assert _in_namespace(tmp_path / "small", "64k", FULL_DISK).splitlines() == [
        "ENOSPC True",
        "b'old' ['model.json']",
    ]
