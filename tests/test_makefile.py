"""The Makefile's targets, read as `make -n` prints them (nothing is run)."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.skipif(shutil.which("make") is None, reason="no make on this machine")
def test_make_lab_passes_allow_root_exactly_when_run_as_root():
    # Under `make test` the parent make's MAKEFLAGS would add "Entering directory" lines.
    env = {k: v for k, v in os.environ.items() if k not in ("MAKEFLAGS", "MAKELEVEL", "MFLAGS")}
    dry = subprocess.run(
        ["make", "-n", "--no-print-directory", "lab"],
        cwd=ROOT, capture_output=True, text=True, env=env,
    )  # fmt: skip
    command = dry.stdout.strip().splitlines()[-1]
    assert "jupyter lab notebooks" in command
    assert ("--allow-root" in command) == (os.geteuid() == 0), command
