"""Atomic writes: all or nothing, with ordinary permissions."""

import os

import pytest

from nn.atomic import replace_atomic, write_atomic


def test_write_replaces_the_file(tmp_path):
    path = tmp_path / "a.txt"
    write_atomic(path, "one")
    write_atomic(path, b"two")
    assert path.read_bytes() == b"two"
    umask = os.umask(0)
    os.umask(umask)
    assert os.stat(path).st_mode & 0o777 == 0o666 & ~umask


def test_a_failing_writer_leaves_the_old_file_and_no_temporary(tmp_path):
    path = tmp_path / "a.txt"
    path.write_text("old")

    def broken(temporary):
        with open(temporary, "w") as f:
            f.write("half")
        raise OSError("disk full")

    with pytest.raises(OSError, match="disk full"):
        replace_atomic(path, broken)
    assert path.read_text() == "old"
    assert os.listdir(tmp_path) == ["a.txt"]
