"""A foreign `autograd` or `nn` package is reported at import, by file."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _import_with_shadow(
    tmp_path: Path, shadowed: str, statement: str
) -> subprocess.CompletedProcess:
    fake = tmp_path / shadowed
    fake.mkdir()
    (fake / "__init__.py").write_text("grad = 'HIPS-like impostor'\n")
    # The impostor first on the path, chainrule's checkout after it.
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(tmp_path), str(ROOT)]))
    return subprocess.run(
        [sys.executable, "-c", statement], env=env, capture_output=True, text=True, cwd=tmp_path
    )


def test_import_nn_with_a_foreign_autograd_names_the_file(tmp_path):
    result = _import_with_shadow(tmp_path, "autograd", "import nn")
    assert result.returncode != 0
    assert "ImportError" in result.stderr
    assert str(tmp_path / "autograd" / "__init__.py") in result.stderr
    assert "its own virtual environment" in result.stderr


def test_import_autograd_with_a_foreign_nn_names_the_file(tmp_path):
    result = _import_with_shadow(tmp_path, "nn", "import autograd")
    assert result.returncode != 0
    assert str(tmp_path / "nn" / "__init__.py") in result.stderr
    assert "not chainrule's nn" in result.stderr


def test_both_packages_import_cleanly_together():
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "import autograd, nn; print(autograd.__chainrule__, nn.__chainrule__)",
        ],
        env=env,
        capture_output=True,
        text=True,
    )
    assert result.stdout.strip() == "True True", result.stderr
