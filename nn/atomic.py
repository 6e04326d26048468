"""Moved to autograd/files.py; kept only while autograd/demo.py imports write_atomic from here."""

from autograd.files import write_atomic

__all__ = ["write_atomic"]
