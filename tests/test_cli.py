"""The `chainrule` command line as a whole (nn/cli/__init__.py): its place above both
packages, and every way a run can end as one line on stderr with its exit code."""

from __future__ import annotations

import contextlib
import errno
import io
import os
import pkgutil
import shutil
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import autograd
from nn.cli import COMMANDS, INTERRUPTED, main
from nn.cli.check import MAX_AT

ROOT = Path(__file__).resolve().parent.parent
ENV = {**os.environ, "PYTHONPATH": str(ROOT)}
ENV.pop("PYTHONUNBUFFERED", None)  # stdout buffered, as in a real pipe or file
CHAINRULE = [sys.executable, "-m", "nn.cli"]
CHECK = ["check", "x**2*sin(y)", "--grad", "x=2*x*sin(y)", "--grad", "y=x**2*cos(y)"]
CHECK += ["--at", "x=1.5,y=0.3"]


def chainrule(*argv: str, **popen: object) -> subprocess.CompletedProcess[str]:
    """Run the real command in a new Python process."""
    options: dict = {"capture_output": True, "text": True, "env": ENV, "timeout": 300}
    return subprocess.run(CHAINRULE + list(argv), **{**options, **popen})


def python(code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=ENV, timeout=300
    )


# -- its place: above autograd and nn, imported by neither ------------------------------


def test_importing_autograd_never_imports_nn() -> None:
    result = python("import autograd, sys; assert 'nn' not in sys.modules, sorted(sys.modules)")
    assert result.returncode == 0, result.stderr


def test_no_module_of_autograd_imports_nn() -> None:
    names = [m.name for m in pkgutil.walk_packages(autograd.__path__, "autograd.")]
    top = Path(autograd.__file__).parent
    files = [p for p in top.rglob("*.py") if p != top / "__init__.py"]  # a subpackage's counts
    assert "autograd.value" in names and len(names) == len(files)
    code = (
        "import importlib, sys\n"
        f"for name in {names!r}:\n"
        "    importlib.import_module(name)\n"
        "    assert 'nn' not in sys.modules, name + ' imported nn'\n"
        "print(len([n for n in sys.modules if n.startswith('autograd.')]))\n"
    )
    result = python(code)
    assert result.returncode == 0, result.stderr
    assert int(result.stdout) >= len(names)


def test_importing_nn_leaves_the_command_line_out() -> None:
    result = python(
        "import nn, sys; print([m for m in sys.modules if m.split('.')[:2] == ['nn', 'cli']])"
    )
    assert (result.returncode, result.stdout) == (0, "[]\n")


def test_the_console_script_and_python_m_are_the_same_main() -> None:
    scripts = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    assert 'chainrule = "nn.cli:main"' in scripts
    result = chainrule("--help")
    assert result.returncode == 0 and result.stderr == ""
    assert result.stdout.startswith("usage: chainrule [-h] COMMAND ...")
    assert all(f"    {name} " in result.stdout for name in COMMANDS)
    assert "130 Ctrl-C" in result.stdout


@pytest.mark.parametrize("name", list(COMMANDS))
def test_each_command_has_help(name: str) -> None:
    out = io.StringIO()
    with contextlib.redirect_stdout(out), pytest.raises(SystemExit) as exit_:
        main([name, "--help"])
    assert exit_.value.code == 0
    assert out.getvalue().startswith(f"usage: chainrule {name} ")


# -- errors that used to escape as tracebacks -------------------------------------------


def test_a_negative_demo_seed_is_one_line_naming_the_range(tmp_path: Path) -> None:
    result = chainrule("demo", "--seed", "-1", "--out", str(tmp_path))
    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr == (
        "chainrule demo: --seed -1 is outside 0 to 4294967295 (numpy's seeds are "
        "non-negative); pass a whole number from 0 to 4294967295\n"
    )


def _can_mount_a_tmpfs() -> bool:
    if os.name != "posix" or os.geteuid() != 0 or not shutil.which("unshare"):
        return False
    probe = subprocess.run(["unshare", "-m", "true"], capture_output=True)
    return probe.returncode == 0


@pytest.mark.skipif(not _can_mount_a_tmpfs(), reason="needs root and unshare -m")
def test_demo_on_a_full_disk_is_one_line_and_leaves_no_half_file(tmp_path: Path) -> None:
    out = tmp_path / "full"
    out.mkdir()
    # A 16 KiB tmpfs in a private mount namespace: room for the probe, not for a picture.
    script = (
        'mount -t tmpfs -o size=16k tmpfs "$1" || exit 99\n'
        '"$2" -m nn.cli demo --dataset xor --epochs 1 --out "$1"\n'
        "code=$?\n"
        'ls -A "$1"\n'
        "exit $code\n"
    )
    result = subprocess.run(
        ["unshare", "-m", "sh", "-c", script, "sh", str(out), sys.executable],
        capture_output=True,
        text=True,
        env=ENV,
        timeout=300,
    )
    assert result.returncode == 1, result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"chainrule demo: cannot write {out}/")
    assert "(No space left on device)" in lines[0] and "pass --out a folder" in lines[0]
    left = result.stdout.split("training accuracy")[-1].split()
    assert not any(name.endswith(".tmp") for name in left), left


def test_demo_on_a_full_disk_in_process(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import nn

    def full(*args: object, **kwargs: object) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(nn.plot, "loss_curve", full)
    assert main(["demo", "--dataset", "xor", "--epochs", "1", "--out", str(tmp_path)]) == 1
    captured = capsys.readouterr()
    assert captured.err == (
        f"chainrule demo: cannot write {tmp_path / 'loss.png'} (No space left on device), "
        "so this run's pictures are incomplete (those written are whole). Free some space, "
        "or pass --out a folder on another disk\n"
    )
    assert f"wrote {tmp_path / 'decision_boundary.png'}" in captured.out
    assert sorted(p.name for p in tmp_path.iterdir()) == ["decision_boundary.png"]


def test_a_closed_pipe_ends_quietly() -> None:
    process = subprocess.Popen(
        CHAINRULE + CHECK + ["--points", "50"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=ENV,
    )
    process.stdout.close()  # nobody will ever read: every write is EPIPE
    err = process.stderr.read()
    process.stderr.close()
    assert process.wait(timeout=300) == 1
    assert err == b""


@pytest.mark.skipif(not shutil.which("head"), reason="needs head")
def test_piped_into_head_prints_one_line_and_no_traceback() -> None:
    command = " ".join(f"'{word}'" for word in CHAINRULE + CHECK + ["--points", "600"])
    result = subprocess.run(
        ["bash", "-c", f"{command} | head -1; exit ${{PIPESTATUS[0]}}"],
        capture_output=True,
        text=True,
        env=ENV,
        timeout=300,
    )
    assert result.stderr == ""
    assert result.stdout == "check_gradients at 601 points (eps=1e-06, atol=1e-05, rtol=0.001)\n"
    assert result.returncode in (0, 1)  # 1 when head closed the pipe before the last write


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full")
@pytest.mark.parametrize("argv", [CHECK, ["graph", "tanh(x*w + b)", "x=2", "w=-3", "b=6.8814"]])
def test_standard_output_on_a_full_device_is_one_line_exit_1(argv: list[str]) -> None:
    with open("/dev/full", "w") as full:
        result = chainrule(*argv, stdout=full, capture_output=False, stderr=subprocess.PIPE)
    assert result.returncode == 1
    assert result.stderr == (
        f"chainrule {argv[0]}: cannot write to standard output (No space left on device), "
        "so the output is lost; free space on that device or redirect the output elsewhere\n"
    )


@pytest.mark.skipif(os.name != "posix", reason="needs SIGINT")
def test_ctrl_c_during_the_demo_is_one_line_and_exit_130(tmp_path: Path) -> None:
    process = subprocess.Popen(
        CHAINRULE + ["demo", "--engine", "scalar", "--epochs", "10000", "--out", str(tmp_path)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**ENV, "PYTHONUNBUFFERED": "1"},  # to see the first line as soon as it is printed
    )
    first = process.stdout.readline()  # training has begun once the demo says what it trains
    assert first.startswith("chainrule demo: moons, 100 points")
    process.send_signal(signal.SIGINT)
    out, err = process.communicate(timeout=300)
    assert process.returncode == INTERRUPTED == 130
    assert err == "chainrule demo: interrupted by Ctrl-C\n"
    assert "training accuracy" not in out and list(tmp_path.iterdir()) == []


# -- hostile input: one line and exit 2, whatever the command -----------------------------

HOSTILE = [
    "",
    " ",
    "nan",
    "-nan",
    "inf",
    "1e999",
    "-1",
    "0",
    "100001",
    "9" * 5000,
    "x",
    "x=",
    "=1",
    "x=nan",
    "x=1e999",
    "x=1,x=2",
    "x=١",
    "é=1",
    "ｘ=1",
    "x=1;y=2",
    "\u202ex=1",
    "x\ny=1",
    "x" * 10_000,
    "x=" + "1" * 10_000,
    "--",
    "-",
    "--at",
    "--grad",
    "--points",
    "--eps",
    "-o",
    "--format",
    "--digits",
    "--max-nodes",
    "--highlight",
    "--seed",
    "--epochs",
    "--dataset",
    "--engine",
    "--out",
    "x**2",
    "log(x)",
    "1/x",
    "x**-1e308",
    "exp(exp(x))",
    "(" * 500 + "x" + ")" * 500,
    "x" + "*x" * 2000,
    "__import__('os')",
    "🙂",
    "\x7f",
]

# The demo trains for seconds when its options are fine; an --out that is a file stops it
# right after they are checked, so the fuzz times only the refusals.
_A_FILE = os.path.abspath(__file__)


FORMULAS = ["x", "x**2", "log(x)", "1/x", "sqrt(x)", "x**0.5", "(-x)**0.5", "x**x", "x/x"]
FORMULAS += ["exp(exp(x))", "x**-1e308", "tanh(x)*x", "relu(x)", "0*x", "x - x", "2"]
NUMBERS = ["0", "-0", "1e-320", "1e308", "-1e308", "1e-7", "710", "-745", "1_000", "0x10"]
NUMBERS += [" 2 ", "١", "nan", "inf", "-1", "1e999"]

_WORD = st.one_of(st.sampled_from(HOSTILE), st.text(max_size=30))
_FORMULA = st.one_of(st.sampled_from(FORMULAS), _WORD)
_NUMBER = st.one_of(st.sampled_from(NUMBERS), _WORD)
_PAIR = st.builds("{}={}".format, st.sampled_from(["x", "x", "y", "é", "_", ""]), _NUMBER)
_GRAD = st.builds("x={}".format, _FORMULA)
_VALUE = st.one_of(_WORD, _NUMBER, _PAIR, _GRAD)


def _options(*names: str) -> st.SearchStrategy[list[str]]:
    """Up to three of the options `names`, each with a hostile value."""
    pairs = st.lists(st.tuples(st.sampled_from(names), _VALUE), max_size=3)
    return pairs.map(lambda chosen: [word for pair in chosen for word in pair])


def _argv(command: str, words: list[str], options: list[str]) -> list[str]:
    return [command, *words, *options] + (["--out", _A_FILE] if command == "demo" else [])


_SHAPED = st.one_of(
    st.builds(
        _argv,
        st.just("graph"),
        st.tuples(_FORMULA, _PAIR).map(list),
        _options("--digits", "--max-nodes", "--highlight", "--format", "--rankdir", "-o"),
    ),
    st.builds(
        _argv,
        st.just("check"),
        st.tuples(_FORMULA, st.just("--at"), _PAIR).map(list),
        _options("--at", "--grad", "--grad", "--points", "--seed", "--eps", "--atol", "--rtol"),
    ),
    st.builds(
        _argv, st.just("demo"), st.just([]), _options("--seed", "--epochs", "--dataset", "--engine")
    ),
    st.builds(_argv, st.sampled_from(list(COMMANDS)), st.lists(_WORD, max_size=8), st.just([])),
)
"""argv in the shape of each command (so most reach the command's own checks), or loose words."""


@settings(
    max_examples=400,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
@given(argv=_SHAPED)
def test_hostile_argv_is_one_line_never_a_traceback(argv: list[str]) -> None:
    out, err = io.StringIO(), io.StringIO()
    folder = os.getcwd()
    with tempfile.TemporaryDirectory() as scratch:
        os.chdir(scratch)  # a fuzzed -o lands here, never in the checkout
        try:
            with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
                code = main(argv)
        except SystemExit as exit_:  # -h among the words: argparse prints the help and exits
            code = exit_.code
            assert code == 0 and out.getvalue().startswith("usage: chainrule")
        finally:
            os.chdir(folder)
    assert code in (0, 1, 2)
    if code == 2:
        assert out.getvalue() == ""
        lines = err.getvalue().splitlines()
        assert len(lines) == 1 and lines[0].startswith(f"chainrule {argv[0]}: "), err.getvalue()
    else:  # 1: a wrong derivative (nothing on stderr) or a file not written (one line)
        assert err.getvalue().count("\n") <= 1 and "Traceback" not in err.getvalue()


@pytest.mark.parametrize(
    "argv, words",
    [
        (["graph", "", "x=1"], "the formula was rejected"),
        (["graph", "x*y", "x=1e999", "y=1"], "x='1e999' is not a finite number"),
        (["graph", "x", "x=NaN"], "x='NaN' is not a finite number"),
        (["graph", "x", "x=" + "1" * 5000], "(5000 characters) is not a finite number"),
        (["graph", "x", "x=1", "--digits", "99"], "--digits 99 is outside 1 to 17"),
        (["graph", "x", "x=1", "--max-nodes", "0"], "--max-nodes 0 is outside 1 to 100000"),
        (["graph", "x", "ü=1"], "'ü' is not a variable of 'x'"),
        (["graph", "x", "x=1", "-o", "g" * 300 + ".svg"], "(File name too long); choose"),
        (["check", "", "--at", "x=1"], "in the expression: "),
        (["check", "x", "--at", ""], "--at '' is not NAME=VALUE"),
        (["check", "x", "--at", "x=1", "--points", "9" * 200], "(200 digits) is outside 0 to"),
        (["check", "x", "--at", "x=1", "--eps", "1e999"], "eps=inf; it must be a finite"),
        (["check", "🙂", "--at", "x=1"], "in the expression: "),
        (["demo", "--epochs", "9" * 200], "(200 digits) is outside 1 to 10000"),
        (["demo", "--dataset", ""], "invalid choice: ''"),
        (["demo", "--out", ""], "cannot write into --out ''"),
        (["demo", "--out", "d" * 5000], "(File name too long)"),
    ],
)
def test_hostile_values_in_a_real_process(argv: list[str], words: str, tmp_path: Path) -> None:
    result = chainrule(*argv, cwd=tmp_path)
    assert (result.returncode, result.stdout) == (2, "")
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"chainrule {argv[0]}: ")
    assert words in lines[0]
    assert list(tmp_path.iterdir()) == []


def test_at_points_are_capped_with_the_way_out(capsys: pytest.CaptureFixture[str]) -> None:
    many = [word for i in range(MAX_AT + 1) for word in ("--at", f"x={i}")]
    assert main(["check", "x**2", *many]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err == (
        "chainrule check: --at is given 1001 times, more than 1000: a table that long is "
        "unreadable and slow to build. Pass --points N for random points near the first --at, "
        "or call autograd.check_gradients from Python with at=[...]\n"
    )
