"""Shared test settings: one hypothesis profile, fixed seeds, no deadlines.

Deadlines are off because these machines are shared and noisy; no test times
anything.
"""

from hypothesis import settings

settings.register_profile("chainrule", deadline=None, max_examples=200, derandomize=True)
settings.load_profile("chainrule")
