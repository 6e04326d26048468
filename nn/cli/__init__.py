"""The `chainrule` command line: one subcommand per module, above both packages.

    chainrule demo     train micrograd's moons demo and write pictures (nn/cli/demo.py)
    chainrule graph    draw a formula's graph and gradients (nn/cli/graph.py)
    chainrule check    check hand-derived derivatives (nn/cli/check.py)

It uses `autograd` and `nn` and neither imports it (`import nn` stays light);
run it as `chainrule` or `python -m nn.cli`. Each subcommand module has
`add_arguments(parser)` and `run(args) -> int`.

Every way a run can end is one line on stderr at most, never a traceback:
exit 0 success, 1 a failure (a wrong derivative, a target missed, a file or
standard output that could not be written), 2 bad usage (a UsageError, argparse's
mistakes included), 130 Ctrl-C. A closed pipe (`chainrule check ... | head -1`)
ends quietly, as Python's documentation recommends for SIGPIPE.
"""

from __future__ import annotations

import importlib
import os
import sys
from collections.abc import Sequence

from nn.cli.arguments import OneLineParser
from nn.errors import UsageError

__all__ = ["main", "build_parser", "COMMANDS"]

COMMANDS = {
    "demo": ("nn.cli.demo", "train an MLP on a toy problem (two moons: micrograd's demo)"),
    "graph": ("nn.cli.graph", "draw the graph of a formula with its gradients"),
    "check": ("nn.cli.check", "check derivatives you worked out by hand"),
}
"""Subcommand name -> (its module, its one-line help)."""

INTERRUPTED = 130
"""The exit code of a run stopped by Ctrl-C: 128 + SIGINT, as shells report it."""


def build_parser() -> OneLineParser:
    """The parser of `chainrule` and its subcommands."""
    parser = OneLineParser(
        prog="chainrule",
        description="chainrule: a scalar autograd engine for teaching backpropagation",
        epilog="exit codes: 0 success, 1 a check or run failed, 2 bad usage, 130 Ctrl-C. "
        "`chainrule COMMAND --help` shows a command's options.",
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name, (module_name, help_text) in COMMANDS.items():
        sub = commands.add_parser(name, help=help_text, description=help_text)
        importlib.import_module(module_name).add_arguments(sub)
        sub.set_defaults(_module=module_name)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run one subcommand and return its exit code; every failure is one line on stderr."""
    argv = sys.argv[1:] if argv is None else list(argv)
    prog = f"chainrule {argv[0]}" if argv and argv[0] in COMMANDS else "chainrule"
    try:
        args, unknown = build_parser().parse_known_args(argv)
        if unknown:  # argparse would name the top-level help; the subcommand's is the one to read
            raise UsageError(f"unrecognized arguments: {' '.join(unknown)}; see `{prog} --help`")
        code = int(importlib.import_module(args._module).run(args) or 0)
        sys.stdout.flush()  # a full device or closed pipe shows here, not at exit
        return code
    except UsageError as error:
        return _say(prog, str(error), 2)
    except KeyboardInterrupt:
        return _say(prog, "interrupted by Ctrl-C", INTERRUPTED)
    except BrokenPipeError:
        _drop_stdout()
        return 1
    except OSError as error:
        # Commands report their own files; what reaches here is standard output itself.
        _drop_stdout()
        return _say(
            prog,
            f"cannot write to standard output ({error.strerror or error}), so the output is "
            "lost; free space on that device or redirect the output elsewhere",
            1,
        )


def _say(prog: str, message: str, code: int) -> int:
    one_line = " ".join(message.splitlines())  # a newline inside a quoted value stays one line
    print(f"{prog}: {one_line}", file=sys.stderr)
    return code


def _drop_stdout() -> None:
    """Point stdout at the null device, so the interpreter's last flush cannot fail again."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):  # stdout replaced by something with no file (a test's capture)
        pass
    finally:
        os.close(devnull)
