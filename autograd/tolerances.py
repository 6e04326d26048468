"""What counts as agreement: the tolerances of every check, in one place.

Two numbers agree when |value - reference| <= atol + rtol * |reference|. How
close is close enough depends on what is compared, so there is one row per
kind of comparison:

- DEFAULT_TOLERANCES: the engine (or a hand formula) against a central
  difference, which is itself only accurate to about 1e-8 (gradcheck,
  check_gradients, `chainrule check`);
- ENGINE_TOLERANCES: two engines computing the same formula, which agree to
  rounding (check_engine).

>>> DEFAULT_TOLERANCES.agree(1.0005, 1.0), ENGINE_TOLERANCES.agree(1.0005, 1.0)
(True, False)
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass
from typing import Any

__all__ = [
    "Tolerances",
    "DEFAULT_TOLERANCES",
    "ENGINE_TOLERANCES",
    "KINK_FACTOR",
    "DOUBT_MARGIN",
]


@dataclass(frozen=True)
class Tolerances:
    """The step of the central difference and what counts as agreement."""

    eps: float = 1e-6
    """The relative step: x moves by eps * max(1, |x|) (see autograd/numeric.py)."""
    atol: float = 1e-5
    rtol: float = 1e-3

    def allowed(self, reference: float) -> float:
        """The largest disagreement accepted around `reference`: atol + rtol * |reference|."""
        return self.atol + self.rtol * abs(reference)

    def agree(self, value: float, reference: float) -> bool:
        """|value - reference| <= atol + rtol * |reference| (False if either is not finite)."""
        if not (math.isfinite(value) and math.isfinite(reference)):
            return False
        return abs(value - reference) <= self.allowed(reference)

    @classmethod
    def checked(cls, eps: Any, atol: Any, rtol: Any, who: str) -> Tolerances:
        """Tolerances from a caller's arguments; ValueError naming `who` and the bad one."""
        for name, x in (("eps", eps), ("atol", atol), ("rtol", rtol)):
            if (
                isinstance(x, bool)
                or not isinstance(x, numbers.Real)
                or not math.isfinite(x)
                or x < 0
                or (name == "eps" and x == 0)
            ):
                raise ValueError(
                    f"{who} got {name}={x!r}; it must be a finite number"
                    + (" > 0" if name == "eps" else " >= 0")
                    + f", e.g. {name}={getattr(DEFAULT_TOLERANCES, name)!r}"
                )
        return cls(float(eps), float(atol), float(rtol))


DEFAULT_TOLERANCES = Tolerances()
"""eps=1e-6, atol=1e-5, rtol=1e-3, as torch.autograd.gradcheck's float64 defaults."""

ENGINE_TOLERANCES = Tolerances(atol=1e-9, rtol=1e-7)
"""Two engines computing the same formula agree to rounding, so check_engine is tight."""

KINK_FACTOR = 10.0
"""One-sided slopes that differ by more than KINK_FACTOR tolerances mark a kink."""

DOUBT_MARGIN = 2.0
"""A disagreement within DOUBT_MARGIN times the numeric slope's own doubt is not a failure:
the numeric side may be that far off (autograd/numeric.py, Doubt)."""
