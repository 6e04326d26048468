"""`chainrule check`: check derivatives worked out by hand, from the command line.

    chainrule check "x**2*sin(y)" --grad x="2*x*sin(y)" --grad y="x**2*cos(y)" \\
        --at x=1.5,y=0.3 [--points N] [--symbolic]

prints the engine's derivative, the central difference and the hand formula
side by side for every input (see autograd.hand_check.check_gradients). Exit code:
0 when every partial derivative agrees, 1 on a mismatch, 2 on bad usage (a
rejected expression gets one line naming the offending token and its position).
Expressions are read by autograd/expression.py's whitelist, never by eval.
The command checks the shape of its own options (--grad, --at, their counts);
everything else, the tolerances included, check_gradients checks and words.
"""

from __future__ import annotations

import argparse

from autograd import check_gradients, compile_expression
from autograd.expression import ExpressionError
from autograd.numeric import MAX_POINTS
from autograd.tolerances import DEFAULT_TOLERANCES
from nn.cli.arguments import parse_values, require_values, shown, whole_number
from nn.errors import UsageError

__all__ = ["add_arguments", "run", "MAX_POINTS", "MAX_AT"]

EXAMPLE = (
    'chainrule check "x**2*sin(y)" --grad x="2*x*sin(y)" --grad y="x**2*cos(y)" --at x=1.5,y=0.3'
)

MAX_AT = 1_000
"""Most --at points: more belong in a script calling autograd.check_gradients."""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The options of `chainrule check`."""
    parser.epilog = f"example: {EXAMPLE}"
    parser.add_argument(
        "expression",
        help="the function f, e.g. 'x**2*sin(y)' (if it starts with -, put it last, after --)",
    )
    parser.add_argument(
        "--grad",
        action="append",
        default=[],
        metavar="NAME=FORMULA",
        help="your derivative of f with respect to NAME (repeat for each input)",
    )
    parser.add_argument(
        "--at",
        action="append",
        required=True,
        metavar="NAME=VALUE,...",
        help=f"the point to check at, e.g. x=1.5,y=0.3 (repeat for more points, at most {MAX_AT})",
    )
    parser.add_argument(
        "--points",
        type=int,
        default=0,
        metavar="N",
        help=f"also try N random points nearby, 0 to {MAX_POINTS} (default 0)",
    )
    parser.add_argument("--seed", type=int, default=0, help="seed for --points (default 0)")
    parser.add_argument(
        "--symbolic",
        action="store_true",
        help="also compare each formula with the exact derivative (needs sympy)",
    )
    tolerances = {
        "eps": "step of the central difference",
        "atol": "absolute tolerance",
        "rtol": "relative tolerance",
    }
    for name, about in tolerances.items():
        default = getattr(DEFAULT_TOLERANCES, name)
        parser.add_argument(
            f"--{name}", type=float, default=default, help=f"{about} (default {default:g})"
        )


def _grad(text: str) -> tuple[str, str]:
    name, equals, formula = (part.strip() for part in text.partition("="))
    if not equals or not name.isidentifier() or not formula:
        raise UsageError(
            f'--grad needs NAME=FORMULA, got {shown(text)}; for example --grad "x=2*x*sin(y)"'
        )
    try:
        compile_expression(formula)
    except ExpressionError as error:
        raise UsageError(f"in --grad {name}: {error}") from None
    return name, formula


def _parse(args: argparse.Namespace) -> tuple[dict[str, str], list[dict[str, float]]]:
    try:
        variables = compile_expression(args.expression).variables
    except ExpressionError as error:
        raise UsageError(f"in the expression: {error}") from None
    hand: dict[str, str] = {}
    for text in args.grad:
        name, formula = _grad(text)
        if name in hand:
            raise UsageError(f"--grad {name} is given twice; give one formula per input")
        hand[name] = formula
    if len(args.at) > MAX_AT:
        raise UsageError(
            f"--at is given {len(args.at)} times, more than {MAX_AT}: a table that long is "
            "unreadable and slow to build. Pass --points N for random points near the first "
            "--at, or call autograd.check_gradients from Python with at=[...]"
        )
    points = [parse_values([text], "--at ", "x=1.5,y=0.3") for text in args.at]
    names = list(points[0])
    if any(list(point) != names for point in points[1:]):
        raise UsageError(
            f"every --at must name the same inputs in the same order ({','.join(names)})"
        )
    require_values(args.expression, variables, points[0], "--at ")
    unused = [name for name in hand if name not in names]
    if unused:
        raise UsageError(
            f"--grad {unused[0]}: {unused[0]} is not an input given in --at, so there is no "
            f"derivative to compare it with; give --grad for {', '.join(names)} only, or add "
            f"{unused[0]}=... to --at"
        )
    whole_number(
        "--points",
        args.points,
        0,
        MAX_POINTS,
        "more would take minutes and print a table nobody reads; e.g. --points 10",
    )
    return hand, points


def run(args: argparse.Namespace) -> int:
    """Print the side-by-side table; 0 if all agree, 1 on a mismatch."""
    hand, points = _parse(args)
    try:
        report = check_gradients(
            args.expression,
            hand,
            at=points,
            symbolic=args.symbolic,
            points=args.points,
            seed=args.seed,
            eps=args.eps,
            atol=args.atol,
            rtol=args.rtol,
        )
    except (ValueError, ImportError) as error:  # the library's words, a point outside f's domain
        raise UsageError(str(error)) from None
    print(report)
    return 0 if report.ok else 1
