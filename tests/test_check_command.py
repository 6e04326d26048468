"""Tests for `chainrule check` (nn/cli/check.py), through nn.cli.main."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from nn.cli import main
from tests._golden import assert_golden

ROOT = Path(__file__).resolve().parent.parent
ISSUE_EXAMPLE = [
    "check",
    "x**2*sin(y)",
    "--grad",
    "x=2*x*sin(y)",
    "--grad",
    "y=x**2*cos(y)",
    "--at",
    "x=1.5,y=0.3",
]


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_the_issue_example_passes(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, *ISSUE_EXAMPLE)
    assert (code, err) == (0, "")
    assert_golden("check_command_pass.txt", out)


def test_a_wrong_formula_exits_1_and_names_it(capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["check", "x**2*sin(y)", "--grad", "x=2*x*sin(y)", "--grad", "y=x**2*sin(y)"]
    code, out, err = run(capsys, *argv, "--at", "x=1.5,y=0.3")
    assert (code, err) == (1, "")
    assert "first wrong partial: df/dy at x=1.5, y=0.3" in out
    assert_golden("check_command_fail.txt", out)


def test_points_tries_more_points_reproducibly(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, *ISSUE_EXAMPLE, "--points", "3")
    assert code == 0
    assert "at 4 points" in out and out.count("df/dx") == 4
    _, again, _ = run(capsys, *ISSUE_EXAMPLE, "--points", "3")
    assert again == out
    _, other_seed, _ = run(capsys, *ISSUE_EXAMPLE, "--points", "3", "--seed", "1")
    assert other_seed != out


def test_a_formula_right_only_at_the_point_is_caught_by_points_or_symbolic(
    capsys: pytest.CaptureFixture[str],
) -> None:
    argv = ["check", "x**3", "--grad", "x=3*x**2 + (x - 2)**2", "--at", "x=2"]
    assert run(capsys, *argv)[0] == 0
    assert run(capsys, *argv, "--points", "2")[0] == 1
    code, out, _ = run(capsys, *argv, "--symbolic")
    assert code == 1 and "DIFFERS" in out


def test_several_at_options_are_several_points(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(
        capsys, "check", "x*y", "--grad", "x=y", "--at", "x=1,y=2", "--at", "x=-3,y=0.5"
    )
    assert code == 0 and "#2: x=-3, y=0.5" in out


def test_an_expression_starting_with_minus_goes_last(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(capsys, "check", "--grad", "x=-2*x", "--at", "x=1", "--", "-x**2")[0] == 0


@pytest.mark.parametrize(
    ("argv", "words"),
    [
        (["check", "x**2*sin(y", "--at", "x=1,y=2"], "in the expression: '(' at position 8"),
        (["check", "__import__('os')", "--at", "x=1"], 'in the expression: "\'" at position 11'),
        (["check", "x*y", "--grad", "x=y.real", "--at", "x=1,y=2"], "in --grad x: '.real'"),
        (["check", "x*y", "--grad", "x", "--at", "x=1,y=2"], "--grad needs NAME=FORMULA"),
        (["check", "x*y", "--grad", "x=y", "--grad", "x=y", "--at", "x=1,y=2"], "given twice"),
        (["check", "x*y", "--grad", "z=1", "--at", "x=1,y=2"], "z is not an input"),
        (["check", "x*y", "--at", "x=1"], "needs a value for y; add y=... to --at"),
        (["check", "x*y", "--at", "x=1,y=abc"], "--at y='abc' is not a number"),
        (["check", "x*y", "--at", "x=1,y=nan"], "not a finite number"),
        (["check", "x*y", "--at", "x=1;y=2"], "--at x='1;y=2' is not a number"),
        (["check", "x*y", "--at", "x"], "--at 'x' is not NAME=VALUE"),
        (["check", "x*y", "--at", "x=1,x=2"], "--at x is given twice"),
        (["check", "x", "--at", "x=1", "--at", "y=1"], "same inputs in the same order"),
        (["check", "log(x)", "--at", "x=-1"], "cannot be evaluated at x=-1"),
        (["check", "x", "--at", "x=1", "--points", "-1"], "--points -1 is outside 0 to 100000"),
        (
            ["check", "x", "--at", "x=1", "--points", "100000000"],
            "pass a whole number from 0 to 100000",
        ),
        (["check", "x*y", "--grad", "z=1", "--at", "x=1,y=2"], "or add z=... to --at"),
        (["check", "x*y", "--grad", "x=z", "--at", "x=1,y=2"], "the inputs are x, y: write"),
        (["check", "x*y", "--at", "x=1,y=inf"], "give a finite number"),
        (["check", "log(x)", "--at", "x=-1"], "choose a point inside f's domain"),
        (["check", "exp(x)", "--at", "x=710"], "overflows"),
        (["check", "exp(x)", "--at", "x=710"], "where f stays finite"),
        (["check", "log(x)", "--at", "x=1e-7"], "needs f at x - eps"),
        (["check", "log(x)", "--at", "x=1e-7"], "pass a smaller eps (--eps"),
    ],
)
def test_bad_usage_exits_2_with_one_line(
    capsys: pytest.CaptureFixture[str], argv: list[str], words: str
) -> None:
    code, out, err = run(capsys, *argv)
    assert code == 2 and out == ""
    assert err.startswith("chainrule check: ") and err.count("\n") == 1
    assert words in err


@pytest.mark.parametrize(
    ("argv", "words"),
    [
        (["check"], "the following arguments are required: expression, --at"),
        (["check", "x"], "the following arguments are required: --at"),
        (
            ["check", "x", "--at", "x=1", "--points", "many"],
            "argument --points: invalid int value: 'many'",
        ),
        (["check", "x", "--at", "x=1", "--unknown"], "unrecognized arguments: --unknown"),
    ],
)
def test_argparse_errors_are_one_line_pointing_at_the_help(
    capsys: pytest.CaptureFixture[str], argv: list[str], words: str
) -> None:
    code, out, err = run(capsys, *argv)
    assert (code, out) == (2, "")
    assert err == f"chainrule check: {words}; see `chainrule check --help`\n"


def test_without_sympy_symbolic_is_bad_usage(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "sympy", None)
    code, _, err = run(capsys, *ISSUE_EXAMPLE, "--symbolic")
    assert code == 2 and "pip install 'chainrule[symbolic]'" in err


def _entry_point() -> list[str] | None:
    """The installed `chainrule` script, if it imports this checkout's autograd."""
    script = shutil.which("chainrule", path=os.path.dirname(sys.executable))
    return [script] if script else None


def test_the_installed_command_in_a_real_process() -> None:
    command = _entry_point() or [sys.executable, "-m", "nn.cli"]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    ok = subprocess.run(command + ISSUE_EXAMPLE, capture_output=True, text=True, env=env)
    if "invalid choice: 'check'" in ok.stderr:
        pytest.skip("the installed chainrule is another checkout without `check`")
    assert ok.returncode == 0, ok.stderr
    assert "all partial derivatives agree" in ok.stdout
    bad = subprocess.run(
        command + ["check", "x +", "--at", "x=1"], capture_output=True, text=True, env=env
    )
    assert bad.returncode == 2
    assert bad.stderr.strip().splitlines() == [
        "chainrule check: in the expression: '+' at position 2: the expression ends too early; "
        "something is missing after it"
    ]
    wrong = subprocess.run(
        command + ["check", "x*x", "--grad", "x=x", "--at", "x=3"],
        capture_output=True,
        text=True,
        env=env,
    )
    assert wrong.returncode == 1 and "hand WRONG" in wrong.stdout


@pytest.mark.parametrize(
    ("argv", "words"),
    [
        (["check", "x", "--at", "x=1", "--eps", "0"], "eps=0.0; it must be a finite number > 0"),
        (["check", "x", "--at", "x=1", "--atol", "nan"], "atol=nan; it must be a finite"),
        (["check", "x", "--at", "x=abc"], "--at x='abc' is not a number; give a number, e.g."),
    ],
)
def test_bad_numbers_name_the_option(
    capsys: pytest.CaptureFixture[str], argv: list[str], words: str
) -> None:
    code, out, err = run(capsys, *argv)
    assert code == 2 and out == "" and err.count("\n") == 1
    assert words in err
