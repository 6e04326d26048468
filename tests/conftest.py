"""Shared test settings: one hypothesis profile, fixed seeds, no deadlines.

Deadlines are off because these machines are shared and noisy; no test times
anything.
"""

import pytest
from hypothesis import settings

from autograd import ops

settings.register_profile("chainrule", deadline=None, max_examples=200, derandomize=True)
settings.load_profile("chainrule")


@pytest.fixture(autouse=True)
def _learner_ops_do_not_leak():
    """A test that defines a primitive (a row in ops.OPS) leaves the table as it found it."""
    before = dict(ops.OPS)
    yield
    ops.OPS.clear()
    ops.OPS.update(before)
