"""Moved to autograd/files.py; kept while the command line (autograd/demo.py here, nn/cli/demo.py
and nn/cli/graph.py on main) imports write_atomic from this name."""

from autograd.files import write_atomic

__all__ = ["write_atomic"]
