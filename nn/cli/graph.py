"""`chainrule graph`: draw the graph of a formula, with its gradients, from the shell.

    chainrule graph "tanh(x*w + b)" x=2 w=-3 b=6.8814 -o neuron.svg

The formula is read by the safe expression parser (autograd/expression.py),
evaluated on Values named after its variables, run backward, and drawn. The
output format follows the file name: .svg and .png are pictures, .dot (or
.gv) is the DOT text, .html is the backward pass step by step (a page that
works offline). Without -o the DOT text goes to standard output (or, with
--format, the SVG or HTML text; a PNG needs -o).

Every mistake (a rejected formula, a missing or unknown variable, a value
that is not a number, an output path that cannot be written, an unknown
format, a graph larger than --max-nodes) is one line on stderr and exit
code 2, checked before anything is drawn; a file that cannot be written
after all (a full disk) is one line and exit 1. The output file is written
whole or not at all.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from autograd import Value, backward_steps, compile_expression, draw, topological_order
from autograd.errors import RenderError
from autograd.expression import ExpressionError
from autograd.files import write_atomic
from autograd.naming import format_number
from nn.cli.arguments import parse_values, require_values, shown, whole_number
from nn.errors import UsageError

__all__ = ["add_arguments", "run", "FORMATS", "MAX_NODES"]

FORMATS = {".svg": "svg", ".png": "png", ".dot": "dot", ".gv": "dot", ".html": "html"}
"""Output file suffixes and what each one writes."""

MAX_NODES = 100_000
"""Largest --max-nodes: graphviz takes minutes to lay out more, and nobody can read it."""

_FORMAT_NAMES = sorted(set(FORMATS.values()))


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The options of `chainrule graph`."""
    parser.add_argument("expression", help='the formula, e.g. "tanh(x*w + b)"')
    parser.add_argument(
        "values",
        nargs="*",
        metavar="NAME=VALUE",
        help="a number for every variable, e.g. x=2 w=-3 (or x=2,w=-3)",
    )
    parser.add_argument(
        "-o",
        "--output",
        help="file to write: .svg, .png, .dot or .html (the backward pass step by step); "
        "without it the DOT text is printed",
    )
    # No argparse choices: a wrong format gets a message saying what to do, like every mistake.
    parser.add_argument(
        "--format",
        metavar="{" + ",".join(_FORMAT_NAMES) + "}",
        help="override the file suffix",
    )
    parser.add_argument("--edge-labels", action="store_true", help="local derivative on edges")
    parser.add_argument("--color", choices=["grad"], help="shade nodes by their gradient")
    parser.add_argument("--highlight", metavar="NAME", help="emphasise the paths from NAME")
    parser.add_argument(
        "--rankdir",
        default="LR",
        choices=["LR", "RL", "TB", "BT"],
        help="direction of the layout (default LR: left to right)",
    )
    parser.add_argument(
        "--digits", type=int, default=4, help="significant digits, 1 to 17 (default 4)"
    )
    parser.add_argument(
        "--max-nodes",
        type=int,
        default=300,
        help=f"largest graph drawn, up to {MAX_NODES} (default 300)",
    )


def _values(assignments: list[str], variables: tuple[str, ...], text: str) -> dict[str, float]:
    values = parse_values(assignments, "", "x=2")
    unknown = [name for name in values if name not in variables]
    if unknown:
        raise UsageError(
            f"{unknown[0]!r} is not a variable of {shown(text)}; its variables are "
            f"{', '.join(variables) or '(none)'}"
        )
    require_values(text, variables, values, "")
    return values


def _output_format(output: str | None, forced: str | None) -> str:
    if forced is not None:
        if forced.lower() not in _FORMAT_NAMES:
            raise UsageError(
                f"--format {shown(forced)}: chainrule graph writes "
                f"{', '.join(_FORMAT_NAMES[:-1])} or {_FORMAT_NAMES[-1]}; pass one of them, "
                "or leave --format out to follow the -o file's suffix"
            )
        if output is None and forced.lower() == "png":
            raise UsageError(
                "--format png without -o: a PNG is binary and cannot be printed as text; "
                "add -o FILE.png, or use --format svg, dot or html for text on stdout"
            )
        return forced.lower()
    if output is None:
        return "dot"
    suffix = Path(output).suffix.lower()
    if suffix not in FORMATS:
        raise UsageError(
            f"cannot tell the format of {shown(output)} from "
            f"{shown(suffix) if suffix else 'its missing suffix'}; "
            "name it .svg, .png, .dot or .html, or pass --format"
        )
    return FORMATS[suffix]


def _check_writable(output: str) -> None:
    if not output.strip():
        raise UsageError(
            "-o is empty: there is no file to write to; give a file name such as -o graph.svg, "
            "or leave -o out to print the DOT text"
        )
    path = Path(output)
    folder = path.parent
    try:
        path.stat()
        folder.stat()
    except FileNotFoundError:
        pass  # a new file, or a missing folder: said below
    except (OSError, ValueError) as error:  # a name too long, a NUL, a loop of links
        raise UsageError(
            f"cannot write {shown(output)} ({getattr(error, 'strerror', None) or error}); "
            "choose another file name, in a folder you can write to"
        ) from None
    if path.is_dir():
        raise UsageError(f"cannot write {shown(output)}: it is a folder; give a file name")
    if not folder.is_dir():
        raise UsageError(
            f"cannot write {shown(output)}: the folder {shown(str(folder))} does not exist; "
            "create it first, or choose a file in an existing folder"
        )
    if not os.access(folder, os.W_OK):
        raise UsageError(
            f"cannot write {shown(output)}: no permission to write in {shown(str(folder))}; "
            "choose a file in a folder you can write to"
        )


def _build(args: argparse.Namespace) -> tuple[Value, dict[str, Value]]:
    text = args.expression
    try:
        expression = compile_expression(text)
    except ExpressionError as error:
        raise UsageError(f"the formula was rejected: {error}") from None
    values = _values(args.values, expression.variables, text)
    inputs = {name: Value(values[name], label=name) for name in expression.variables}
    root_name = "f"
    while root_name in inputs:
        root_name += "_"
    try:
        result = expression(**inputs)
        root = result if isinstance(result, Value) else Value(result)
        root.label = root_name
        root.backward()
    except (ArithmeticError, ValueError) as error:
        raise UsageError(f"{shown(text)} cannot be computed at these values: {error}") from None
    return root, inputs


def _check_size(root: Value, fmt: str, max_nodes: int) -> None:
    """Refuse a graph above --max-nodes here, in the command line's words, before drawing."""
    count = len(topological_order(root))
    if count > max_nodes:
        per_step = " (the .html page draws it once per step)" if fmt == "html" else ""
        raise UsageError(
            f"the graph of {root.label} has {count} nodes, more than --max-nodes {max_nodes}: "
            f"a drawing that big{per_step} is unreadable and slow to lay out. "
            f"Pass --max-nodes {count} (or more) to draw it anyway"
        )


def run(args: argparse.Namespace) -> int:
    """Evaluate, run backward, draw, and write; 0 on success, 1 if the file cannot be written."""
    if args.output is not None:
        _check_writable(args.output)
    fmt = _output_format(args.output, args.format)
    digits = whole_number("--digits", args.digits, 1, 17, "a float has 17 significant digits")
    max_nodes = whole_number(
        "--max-nodes", args.max_nodes, 1, MAX_NODES, "graphviz takes minutes to lay out more"
    )
    root, inputs = _build(args)
    highlight = None
    if args.highlight is not None:
        if args.highlight not in inputs:
            raise UsageError(
                f"--highlight {shown(args.highlight)}: not a variable of the formula; "
                f"pick one of {', '.join(inputs) or '(none)'}"
            )
        highlight = inputs[args.highlight]
    _check_size(root, fmt, max_nodes)
    try:
        if fmt == "html":
            steps = backward_steps(root, rankdir=args.rankdir, max_nodes=max_nodes, digits=digits)
            data = steps.to_page(f"Backward pass of {args.expression}").encode("utf-8")
        else:
            drawing = draw(
                root,
                rankdir=args.rankdir,
                edge_labels=args.edge_labels,
                color=args.color,
                highlight=highlight,
                max_nodes=max_nodes,
                digits=digits,
            )
            data = drawing.source.encode("utf-8") if fmt == "dot" else drawing.pipe(fmt)
    except RenderError as error:
        raise UsageError(f"{error} (writing .dot needs no renderer)") from None
    if args.output is None:
        sys.stdout.write(data.decode("utf-8"))
        return 0
    try:
        write_atomic(args.output, data)
    except OSError as error:
        print(
            f"chainrule graph: cannot write {shown(args.output)} ({error.strerror or error}), "
            "so nothing was written; free some space or choose a file in a folder you can "
            "write to",
            file=sys.stderr,
        )
        return 1
    grads = ", ".join(
        f"d{root.label}/d{name} = {format_number(v.grad, digits)}" for name, v in inputs.items()
    )
    print(
        f"wrote {args.output}: {root.label} = {format_number(root.data, digits)}"
        + (f"; {grads}" if grads else "")
    )
    return 0
