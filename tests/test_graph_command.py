"""`chainrule graph`: every output format, and one clear line with exit 2 for every mistake."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from autograd import RenderError
from autograd.render import find_renderer
from nn.cli import main

try:
    find_renderer()
    HAS_RENDERER = True
except RenderError:
    HAS_RENDERER = False
needs_renderer = pytest.mark.skipif(not HAS_RENDERER, reason="no dot and no graphviz-pure")

ROOT = Path(__file__).resolve().parent.parent
NEURON = ["graph", "tanh(x*w + b)", "x=2", "w=-3", "b=6.8814"]


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@needs_renderer
def test_svg_of_the_lecture_neuron(tmp_path, capsys):
    target = tmp_path / "neuron.svg"
    code, out, err = run(capsys, *NEURON, "-o", str(target))
    assert (code, err) == (0, "")
    assert out == f"wrote {target}: f = 0.7071; df/dx = -1.5, df/dw = 1.0, df/db = 0.5\n"
    svg = ET.fromstring(target.read_bytes())
    groups = list(svg.iter("{http://www.w3.org/2000/svg}g"))
    assert sum(g.get("class") == "node" for g in groups) == 6 + 3  # x w b n1 n2 f; * + tanh
    assert sum(g.get("class") == "edge" for g in groups) == 3 + 5
    texts = {"".join(t.itertext()) for t in svg.iter("{http://www.w3.org/2000/svg}text")}
    assert {"x", "grad -1.5", "tanh", "data 0.7071"} <= texts


@needs_renderer
def test_png_and_html(tmp_path, capsys):
    png, page = tmp_path / "n.png", tmp_path / "n.html"
    assert run(capsys, *NEURON, "-o", str(png), "--edge-labels", "--color", "grad")[0] == 0
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert run(capsys, *NEURON, "-o", str(page))[0] == 0
    text = page.read_text(encoding="utf-8")
    assert text.startswith("<!DOCTYPE html>")
    assert len(re.findall(r'<details class="cr-frame"', text)) == 3  # tanh, +, *
    # b=6.8814 is b of the lecture rounded, so tanh'(n) is 0.49998 rather than 0.5
    assert "w.grad += x.data * n1.grad = 2.0 * 0.499981 = 0.999963" in text


def test_dot_file_and_stdout(tmp_path, capsys):
    target = tmp_path / "n.dot"
    assert run(capsys, *NEURON, "-o", str(target))[0] == 0
    source = target.read_text(encoding="utf-8")
    assert source.startswith("// chainrule graph of f")
    code, out, err = run(capsys, *NEURON)
    assert code == 0 and out == source and err == ""


@pytest.mark.parametrize(
    "argv, message",
    [
        (["graph", "tanh(x*w + __import__('os'))", "x=1", "w=2"], "formula was rejected"),
        (["graph", "x*", "x=1"], "formula was rejected"),
        (["graph", "().__class__"], "formula was rejected"),
        (["graph", "x*y", "x=1"], "needs a value for y"),
        (["graph", "x*y", "x=1", "y=2", "z=3"], "'z' is not a variable"),
        (["graph", "x*y", "x=1", "y=abc"], "y='abc' is not a number"),
        (["graph", "x*y", "x=1", "y=nan"], "finite number"),
        (["graph", "x*y", "x=1", "x=2", "y=1"], "given twice"),
        (["graph", "x*y", "x1", "y=2"], "is not NAME=VALUE"),
        (["graph", "log(x)", "x=-1"], "cannot be computed"),
        (["graph", "x*y", "x=1", "y=2", "--highlight", "q"], "not a variable"),
        (["graph", "x**2", "x=2", "--format", "png"], "add -o FILE.png"),
        (["graph", "x*x*x*x*x", "x=2", "--max-nodes", "3"], "Pass --max-nodes 5 (or more)"),
        (["graph", "x**2", "x=2", "-o", ""], "-o is empty"),
        (["graph", "x**2", "x=2", "--format", "pdf"], "--format 'pdf': chainrule graph writes"),
    ],
)
def test_mistakes_are_one_line_and_exit_2(capsys, argv, message):
    code, out, err = run(capsys, *argv)
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and err.startswith("chainrule graph: ")
    assert message in err


def test_unknown_format_and_unwritable_paths_write_nothing(tmp_path, capsys):
    cases = [
        (tmp_path / "n.pdf", "cannot tell the format"),
        (tmp_path / "n", "cannot tell the format"),
        (tmp_path / "missing" / "n.svg", "does not exist"),
        (tmp_path, "it is a folder"),
    ]
    for target, message in cases:
        code, out, err = run(capsys, *NEURON, "-o", str(target))
        assert code == 2 and message in err and err.count("\n") == 1
    code, out, err = run(capsys, *NEURON, "-o", str(tmp_path / "n.svg"), "--format", "pdf")
    assert (code, out) == (2, "")
    assert err == (
        "chainrule graph: --format 'pdf': chainrule graph writes dot, html, png or svg; "
        "pass one of them, or leave --format out to follow the -o file's suffix\n"
    )
    assert sorted(p.name for p in tmp_path.iterdir()) == []


@pytest.mark.skipif(os.name == "nt" or os.geteuid() == 0, reason="root may write anywhere")
def test_read_only_folder_is_refused(tmp_path, capsys):
    folder = tmp_path / "ro"
    folder.mkdir()
    folder.chmod(0o500)
    try:
        code, _, err = run(capsys, *NEURON, "-o", str(folder / "n.svg"))
    finally:
        folder.chmod(0o700)
    assert code == 2 and "no permission" in err


def test_no_renderer_is_one_line_and_no_file(tmp_path, capsys, monkeypatch):
    empty = tmp_path / "bin"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    monkeypatch.setattr(sys, "executable", str(tmp_path / "nowhere" / "python"))
    code, _, err = run(capsys, *NEURON, "-o", str(tmp_path / "n.svg"))
    assert code == 2 and err.count("\n") == 1
    assert "pip install 'chainrule[render]'" in err and ".dot needs no renderer" in err
    assert not (tmp_path / "n.svg").exists()


def test_constant_formula_draws_one_node(capsys):
    code, out, _ = run(capsys, "graph", "2 + 3")
    assert code == 0 and "{ f | data 5.0 | grad 1.0 }" in out


def test_the_installed_command_line_exits_2(tmp_path):
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    result = subprocess.run(
        [sys.executable, "-m", "nn.cli", "graph", "x*", "x=1", "-o", str(tmp_path / "a.svg")],
        capture_output=True,
        text=True,
        env=env,
    )
    assert result.returncode == 2 and "position" in result.stderr
    assert not (tmp_path / "a.svg").exists()


def test_max_nodes_message_speaks_the_command_line(capsys):
    for extra in ([], ["-o", "steps.html"]):
        code, _, err = run(capsys, "graph", "x*x*x*x*x", "x=2", "--max-nodes", "3", *extra)
        assert code == 2 and "max_nodes=" not in err and "group=" not in err
        assert "explain(" not in err and "--max-nodes 3" in err


@pytest.mark.skipif(not os.path.isdir("/proc"), reason="needs Linux's /proc")
def test_an_unwritable_path_says_which_and_what_to_do(capsys):
    code, _, err = run(capsys, *NEURON, "-o", "/proc/chainrule-test.svg")
    assert code in (1, 2) and err.count("\n") == 1  # 1: refused by the write, 2: before it
    assert "/proc/chainrule-test.svg" in err and "choose a file in a folder you can write" in err
