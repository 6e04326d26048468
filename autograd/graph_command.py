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
format) is one line on stderr and exit code 2; the output file is written
whole or not at all.
"""

from __future__ import annotations

import argparse
import math
import os
import re
import sys
from pathlib import Path

from autograd.draw import draw
from autograd.errors import RenderError
from autograd.expression import ExpressionError, compile_expression
from autograd.naming import format_number
from autograd.render import write_atomic
from autograd.steps import backward_steps
from autograd.value import Value

__all__ = ["add_arguments", "run", "FORMATS"]

FORMATS = {".svg": "svg", ".png": "png", ".dot": "dot", ".gv": "dot", ".html": "html"}
"""Output file suffixes and what each one writes."""

_FORMAT_NAMES = sorted(set(FORMATS.values()))


class _UsageError(Exception):
    """One line for stderr; the command exits with code 2."""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("expression", help='the formula, e.g. "tanh(x*w + b)"')
    parser.add_argument(
        "values", nargs="*", metavar="NAME=VALUE", help="a number for every variable, e.g. x=2"
    )
    parser.add_argument(
        "-o",
        "--output",
        help="file to write: .svg, .png, .dot or .html (the backward pass step by step); "
        "without it the DOT text is printed",
    )
    # No argparse choices: a wrong format is one line like every other mistake, not the usage.
    parser.add_argument(
        "--format",
        metavar="{" + ",".join(_FORMAT_NAMES) + "}",
        help="override the file suffix",
    )
    parser.add_argument("--edge-labels", action="store_true", help="local derivative on edges")
    parser.add_argument("--color", choices=["grad"], help="shade nodes by their gradient")
    parser.add_argument("--highlight", metavar="NAME", help="emphasise the paths from NAME")
    parser.add_argument("--rankdir", default="LR", choices=["LR", "RL", "TB", "BT"])
    parser.add_argument("--digits", type=int, default=4, help="significant digits (default 4)")
    parser.add_argument("--max-nodes", type=int, default=300, help="largest graph drawn")


def _values(assignments: list[str], variables: tuple[str, ...], text: str) -> dict[str, float]:
    values: dict[str, float] = {}
    for item in assignments:
        name, sep, number = item.partition("=")
        name = name.strip()
        if not sep or not name:
            raise _UsageError(f"{item!r} is not NAME=VALUE; give each variable a number, e.g. x=2")
        if name not in variables:
            raise _UsageError(
                f"{name!r} is not a variable of {text!r}; its variables are "
                f"{', '.join(variables) or '(none)'}"
            )
        try:
            value = float(number)
        except ValueError:
            raise _UsageError(
                f"{name}={number!r}: the value must be a number, e.g. {name}=2.5"
            ) from None
        if not math.isfinite(value):
            raise _UsageError(f"{name}={number}: the value must be a finite number")
        if name in values:
            raise _UsageError(f"{name} is given twice; give each variable one value")
        values[name] = value
    missing = [v for v in variables if v not in values]
    if missing:
        raise _UsageError(
            f"{text!r} needs a value for {', '.join(missing)}; add "
            + " ".join(f"{v}=..." for v in missing)
        )
    return values


def _output_format(output: str | None, forced: str | None) -> str:
    if forced is not None:
        forced = forced.lower()
        if forced not in _FORMAT_NAMES:
            raise _UsageError(
                f"--format {forced}: chainrule graph writes {', '.join(_FORMAT_NAMES[:-1])} or "
                f"{_FORMAT_NAMES[-1]}; pass one of them, or leave --format out to follow the "
                "-o file's suffix"
            )
        if output is None and forced == "png":
            raise _UsageError(
                "--format png without -o: a PNG is binary and cannot be printed as text; "
                "add -o FILE.png, or use --format svg, dot or html for text on stdout"
            )
        return forced
    if output is None:
        return "dot"
    suffix = Path(output).suffix.lower()
    if suffix not in FORMATS:
        raise _UsageError(
            f"cannot tell the format of {output!r} from {suffix or 'its missing suffix'}; "
            f"name it .svg, .png, .dot or .html, or pass --format"
        )
    return FORMATS[suffix]


def _check_writable(output: str) -> None:
    if not output.strip():
        raise _UsageError(
            "-o is empty: there is no file to write to; give a file name such as -o graph.svg, "
            "or leave -o out to print the DOT text"
        )
    path = Path(output)
    folder = path.parent
    if path.is_dir():
        raise _UsageError(f"cannot write {output}: it is a folder; give a file name")
    if not folder.is_dir():
        raise _UsageError(
            f"cannot write {output}: the folder {str(folder)!r} does not exist; "
            "create it first, or choose a file in an existing folder"
        )
    if not os.access(folder, os.W_OK):
        raise _UsageError(
            f"cannot write {output}: no permission to write in {str(folder)!r}; "
            "choose a file in a folder you can write to"
        )


def _build(args: argparse.Namespace) -> tuple[Value, str, dict[str, Value]]:
    text = args.expression
    try:
        expression = compile_expression(text)
    except ExpressionError as error:
        raise _UsageError(f"the formula was rejected: {error}") from None
    values = _values(args.values, expression.variables, text)
    inputs = {name: Value(values[name], label=name) for name in expression.variables}
    root_name = "f" if "f" not in inputs else "out"
    try:
        result = expression(**inputs)
        root = result if isinstance(result, Value) else Value(result)
        root.label = root_name
        root.backward()
    except (ArithmeticError, ValueError) as error:
        raise _UsageError(f"{text!r} cannot be computed at these values: {error}") from None
    return root, root_name, inputs


def run(args: argparse.Namespace) -> int:
    """Evaluate, run backward, draw, and write; 0 on success, 2 on any mistake."""
    try:
        if args.output is not None:
            _check_writable(args.output)
        fmt = _output_format(args.output, args.format)
        root, root_name, inputs = _build(args)
        highlight = None
        if args.highlight is not None:
            if args.highlight not in inputs:
                raise _UsageError(
                    f"--highlight {args.highlight}: not a variable of the formula; "
                    f"pick one of {', '.join(inputs) or '(none)'}"
                )
            highlight = inputs[args.highlight]
        if not 1 <= args.digits <= 17:
            raise _UsageError(f"--digits {args.digits}: give a whole number from 1 to 17")
        try:
            if fmt == "html":
                data = _html(root, args)
            else:
                drawing = draw(
                    root,
                    rankdir=args.rankdir,
                    edge_labels=args.edge_labels,
                    color=args.color,
                    highlight=highlight,
                    max_nodes=args.max_nodes,
                    digits=args.digits,
                )
                data = drawing.source.encode("utf-8") if fmt == "dot" else drawing.pipe(fmt)
        except ValueError as error:  # too many nodes
            raise _UsageError(_cli_wording(str(error))) from None
        except RenderError as error:
            raise _UsageError(f"{error} (writing .dot needs no renderer)") from None
        if args.output is None:
            sys.stdout.write(data.decode("utf-8"))
            return 0
        try:
            write_atomic(args.output, data)
        except OSError as error:
            raise _UsageError(
                f"cannot write {args.output}: {error.strerror or error}; choose a file in a "
                "folder you can write to"
            ) from None
    except _UsageError as error:
        print(f"chainrule graph: {error}", file=sys.stderr)
        return 2
    grads = ", ".join(
        f"d{root_name}/d{name} = {format_number(v.grad, args.digits)}" for name, v in inputs.items()
    )
    print(
        f"wrote {args.output}: {root_name} = {format_number(root.data, args.digits)}"
        + (f"; {grads}" if grads else "")
    )
    return 0


def _cli_wording(message: str) -> str:
    """A draw() or backward_steps() message in the words of the command line."""
    message = re.sub(r"max_nodes=(\d+)", r"--max-nodes \1", message)
    message = message.replace(
        " to draw every node, or group='module' to draw each nn module as one box",
        " to draw every node",
    )
    message = re.sub(r" \(The other way out, group='module'.*?\)", "", message)
    return message.replace(
        "use explain(root) for the same steps as a table", "write .svg or .dot instead"
    )


def _html(root: Value, args: argparse.Namespace) -> bytes:
    steps = backward_steps(root, rankdir=args.rankdir, max_nodes=args.max_nodes, digits=args.digits)
    return steps.to_page(f"Backward pass of {args.expression}").encode("utf-8")
