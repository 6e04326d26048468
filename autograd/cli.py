"""The `chainrule` command line: one subcommand per module.

    chainrule demo     train micrograd's moons demo and write pictures (autograd/demo.py)
    chainrule graph    draw a formula's graph and gradients (autograd/graph_command.py)
    chainrule check    check hand-derived derivatives (autograd/check_command.py)

Each subcommand module has `add_arguments(parser)` and `run(args) -> int`.
Exit codes: 0 success, 1 a check failed, 2 bad usage.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

__all__ = ["main"]

COMMANDS = {
    "demo": ("autograd.demo", "train an MLP on two moons, as micrograd's demo does"),
    "graph": ("autograd.graph_command", "draw the graph of a formula with its gradients"),
    "check": ("autograd.check_command", "check derivatives you worked out by hand"),
}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="chainrule",
        description="chainrule: a scalar autograd engine for teaching backpropagation",
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    commands.required = True
    for name, (module_name, help_text) in COMMANDS.items():
        sub = commands.add_parser(name, help=help_text, description=help_text)
        importlib.import_module(module_name).add_arguments(sub)
        sub.set_defaults(_module=module_name)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run one subcommand and return its exit code."""
    args = build_parser().parse_args(argv)
    return int(importlib.import_module(args._module).run(args) or 0)


if __name__ == "__main__":
    sys.exit(main())
