"""Compare text output with a golden file in tests/golden/.

Set CHAINRULE_REGEN_GOLDEN=1 (as for test_gradcheck.py's golden files) to rewrite
them from the current output; then read the diff before committing it.
"""

from __future__ import annotations

import os
from pathlib import Path

GOLDEN = Path(__file__).parent / "golden"


def assert_golden(name: str, text: str) -> None:
    """Assert that `text` equals tests/golden/<name> exactly."""
    path = GOLDEN / name
    if os.environ.get("CHAINRULE_REGEN_GOLDEN"):
        path.write_text(text, encoding="utf-8")
    assert path.exists(), f"no golden file {path}; run with CHAINRULE_REGEN_GOLDEN=1 to create it"
    expected = path.read_text(encoding="utf-8")
    assert text == expected, f"output differs from {path}"
