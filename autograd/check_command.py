"""`chainrule check`: check derivatives worked out by hand, from the command line.

    chainrule check "x**2*sin(y)" --grad x="2*x*sin(y)" --grad y="x**2*cos(y)" \\
        --at x=1.5,y=0.3 [--points N] [--symbolic]

prints the engine's derivative, the central difference and the hand formula
side by side for every input (see autograd.hand_check.check_gradients). Exit code:
0 when every partial derivative agrees, 1 on a mismatch, 2 on bad usage (a
rejected expression gets one line naming the offending token and its position).
Expressions are read by autograd/expression.py's whitelist, never by eval.
"""

from __future__ import annotations

import argparse
import math
import sys

from autograd.errors import DomainError
from autograd.expression import ExpressionError, compile_expression
from autograd.gradcheck import DEFAULT_TOLERANCES
from autograd.hand_check import check_gradients

__all__ = ["add_arguments", "run"]

EXAMPLE = (
    'chainrule check "x**2*sin(y)" --grad x="2*x*sin(y)" --grad y="x**2*cos(y)" --at x=1.5,y=0.3'
)


MAX_POINTS = 100_000
"""Most random points --points may ask for."""


class UsageError(ValueError):
    """A command-line argument that cannot be used; its message is one line."""


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
        help="the point to check at, e.g. x=1.5,y=0.3 (repeat for more points)",
    )
    parser.add_argument(
        "--points", type=int, default=0, metavar="N", help="also try N random points nearby"
    )
    parser.add_argument("--seed", type=int, default=0, help="seed for --points (default 0)")
    parser.add_argument(
        "--symbolic",
        action="store_true",
        help="also compare each formula with the exact derivative (needs sympy)",
    )
    parser.add_argument("--eps", type=float, default=DEFAULT_TOLERANCES.eps)
    parser.add_argument("--atol", type=float, default=DEFAULT_TOLERANCES.atol)
    parser.add_argument("--rtol", type=float, default=DEFAULT_TOLERANCES.rtol)


def _split(text: str, option: str, what: str, example: str) -> tuple[str, str]:
    name, equals, value = text.partition("=")
    name = name.strip()
    if not equals or not name.isidentifier() or not value.strip():
        raise UsageError(f"{option} needs {what}, got {text!r}; for example {option} {example}")
    return name, value.strip()


def _point(text: str) -> dict[str, float]:
    point: dict[str, float] = {}
    for part in text.split(","):
        name, value = _split(part, "--at", "NAME=VALUE pairs separated by commas", "x=1.5,y=0.3")
        if name in point:
            raise UsageError(f"--at gives {name} twice in {text!r}")
        try:
            number = float(value)
        except ValueError:
            raise UsageError(
                f"--at {name}={value!r} is not a number; give a number, e.g. --at {name}=1.5"
            ) from None
        if number != number or number in (float("inf"), float("-inf")):
            raise UsageError(
                f"--at {name}={value} is not a finite number: the derivatives there are "
                f"undefined; give a finite number, e.g. --at {name}=1.5"
            )
        point[name] = number
    return point


def _parse(args: argparse.Namespace) -> tuple[str, dict[str, str], list[dict[str, float]]]:
    try:
        f = compile_expression(args.expression)
    except ExpressionError as error:
        raise UsageError(f"in the expression: {error}") from None
    hand: dict[str, str] = {}
    for text in args.grad:
        name, formula = _split(text, "--grad", "NAME=FORMULA", '"x=2*x*sin(y)"')
        if name in hand:
            raise UsageError(f"--grad {name} is given twice")
        try:
            compile_expression(formula)
        except ExpressionError as error:
            raise UsageError(f"in --grad {name}: {error}") from None
        hand[name] = formula
    points = [_point(text) for text in args.at]
    names = list(points[0])
    for point in points[1:]:
        if list(point) != names:
            raise UsageError(
                f"every --at must name the same inputs in the same order ({','.join(names)})"
            )
    missing = [v for v in f.variables if v not in names]
    if missing:
        raise UsageError(
            f"--at gives no value for {', '.join(missing)}, which the expression uses; "
            f"add {','.join(f'{v}=...' for v in missing)}"
        )
    unused = [name for name in hand if name not in names]
    if unused:
        raise UsageError(
            f"--grad {unused[0]}: {unused[0]} is not an input given in --at, so there is no "
            f"derivative to compare it with; give --grad for {', '.join(names)} only, or add "
            f"{unused[0]}=... to --at"
        )
    for option in ("eps", "atol", "rtol"):
        number = getattr(args, option)
        if not math.isfinite(number) or number < 0 or (option == "eps" and number == 0):
            raise UsageError(
                f"--{option} {number}: it must be a finite number "
                + ("> 0" if option == "eps" else ">= 0")
                + f", e.g. --{option} {getattr(DEFAULT_TOLERANCES, option):g}"
            )
    if not 0 <= args.points <= MAX_POINTS:
        raise UsageError(
            f"--points {args.points}: the number of random points must be from 0 to "
            f"{MAX_POINTS} (more would take minutes and print a table nobody reads); "
            "give a smaller N, e.g. --points 10"
        )
    return args.expression, hand, points


def run(args: argparse.Namespace) -> int:
    """Print the side-by-side table; 0 if all agree, 1 on a mismatch, 2 on bad usage."""
    try:
        expression, hand, points = _parse(args)
        report = check_gradients(
            expression,
            hand,
            at=points,
            symbolic=args.symbolic,
            points=args.points,
            seed=args.seed,
            eps=args.eps,
            atol=args.atol,
            rtol=args.rtol,
        )
    except (UsageError, ExpressionError, DomainError, ValueError, ImportError) as error:
        print(f"chainrule check: {error}", file=sys.stderr)
        return 2
    print(report)
    return 0 if report.ok else 1
