"""The tolerances of the tests of the checks (gradcheck, check_gradients, symbolic), in one place.

The library's own tolerances live in autograd/tolerances.py; these are how
closely the tests compare the numbers the checks report.
"""

from __future__ import annotations

TIGHT = {"rtol": 1e-4, "atol": 1e-6}
"""Ten times stricter than the defaults: still far above the numeric error of
central differences on the ops' domains, and strict enough to catch a 0.05% error."""

EXACT = 1e-15
"""Relative: two ways of computing the same float (a hand formula and the engine)."""

ROUNDED = 1e-12
"""Relative: the same number through a few more float operations (sympy at 30 digits, a ratio)."""

NUMERIC = 1e-8
"""Relative: a central difference against the closed form it estimates."""

SECOND_NUMERIC = 1e-7
"""Relative: a central difference of a gradient (one more rounding) against its closed form."""

REPORTED = 1e-9
"""Relative: an error the report computes from a central difference, against its closed form."""

RATIO = 1e-3
"""Relative: a relative error (itself tiny, so its own digits are few) against its closed form."""

FINE_DIFFERENCE = 1e-4
"""Relative: a higher derivative estimated from the engine's slope at x +- FINE * h."""
