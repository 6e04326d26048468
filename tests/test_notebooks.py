"""The committed teaching notebooks: clean, renderable, and current.

`make notebooks` (nbmake) checks that every notebook runs and that its asserts
hold. These tests check what nbmake cannot: that the outputs committed to git
are the ones the notebook produces today (every notebook is re-executed from a
clean kernel, which fails on any error, and must print the same text in every
cell tagged "key"), that they render on GitHub and in untrusted notebooks (no
widget state, a PNG beside every SVG), and that they stay small and free of
run-to-run noise. `notebooks/execute.py` is the tool that refreshes them.
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOK_DIR = ROOT / "notebooks"
PATHS = sorted(NOTEBOOK_DIR.glob("*.ipynb"))
CELL_TIMEOUT = 60
"""Seconds one cell may run when re-executed: the limit `make notebooks` gives nbmake."""
MAX_BYTES = 2_000_000

_spec = importlib.util.spec_from_file_location("notebooks_execute", NOTEBOOK_DIR / "execute.py")
execute_module = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(execute_module)

EXPECTED = [
    "01_derivatives_and_the_chain_rule",
    "02_the_computation_graph",
    "02b_build_your_own_micrograd",
    "03_a_neuron_a_layer_an_mlp",
    "04_training_a_classifier",
    "04b_overfitting_and_regularization",
    "05_verifying_hand_derived_gradients",
    "06_vanishing_and_exploding_gradients",
    "07_optimizers",
    "08_beyond_the_first_derivative",
    "09_a_tiny_gpt_on_scalars",
]


def _ids(paths: list[Path]) -> list[str]:
    return [execute_module.number(p) for p in paths]  # "02", "02b", ...


def _read(path: Path):
    return nbformat.read(path, as_version=4)


def test_the_notebooks_present_are_the_course_in_order():
    names = [p.stem for p in PATHS]
    assert names, f"no notebooks in {NOTEBOOK_DIR}"
    assert names == EXPECTED, f"expected the course {EXPECTED}, found {names}"


def test_every_notebook_has_its_own_test_id_and_is_executed_alone_by_it():
    ids = _ids(PATHS)
    assert len(set(ids)) == len(ids), f"two notebooks share a test id: {ids}"
    assert "04" in ids and "04b" in ids, ids
    for path, number in zip(PATHS, ids, strict=True):
        assert execute_module.select([number]) == [path], f"execute.py {number}: {path.name} alone"
    assert execute_module.select(["04_t"]) == [NOTEBOOK_DIR / "04_training_a_classifier.ipynb"]
    assert execute_module.select(["0"]) == [p for p in PATHS if p.name.startswith("0")]
    assert execute_module.select([]) == PATHS and execute_module.select(["x"]) == []


@pytest.mark.parametrize("path", PATHS, ids=_ids(PATHS))
def test_notebook_is_small_valid_and_free_of_noise(path: Path):
    raw = path.read_bytes()
    assert len(raw) < MAX_BYTES, f"{path.name} is {len(raw)} bytes; the limit is {MAX_BYTES}"
    nb = _read(path)
    nbformat.validate(nb)
    assert set(nb.metadata) <= {"kernelspec", "language_info"}, (
        f"{path.name} has metadata {sorted(nb.metadata)}; run notebooks/execute.py to clean it"
    )
    assert "widgets" not in json.loads(raw)["metadata"]
    for index, cell in enumerate(nb.cells):
        assert set(cell.metadata) <= {"tags"}, f"{path.name} cell {index}: {dict(cell.metadata)}"
        assert cell.id == f"{path.stem[:40]}-{index}"


@pytest.mark.parametrize("path", PATHS, ids=_ids(PATHS))
def test_notebook_is_committed_executed_without_errors(path: Path):
    nb = _read(path)
    code = [c for c in nb.cells if c.cell_type == "code"]
    counts = [c.execution_count for c in code]
    assert counts == list(range(1, len(code) + 1)), (
        f"{path.name} was not executed top to bottom from a clean kernel (execution counts "
        f"{counts}); run `python notebooks/execute.py {execute_module.number(path)}`"
    )
    for index, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        for output in cell.outputs:
            assert output.output_type != "error", f"{path.name} cell {index} failed"
            if output.output_type == "stream":
                assert output.name == "stdout", (
                    f"{path.name} cell {index} wrote to stderr: {output.text[:300]!r}"
                )
            text = json.dumps(output.get("data", {}).get("text/plain", output.get("text", "")))
            assert not re.search(r" at 0x[0-9a-f]+", text), (
                f"{path.name} cell {index} shows a memory address, which changes every run: "
                f"{text[:200]}; end the line with ';' or print what matters"
            )


@pytest.mark.parametrize("path", PATHS, ids=_ids(PATHS))
def test_notebook_asserts_its_key_numbers(path: Path):
    nb = _read(path)
    key = [c for c in nb.cells if "key" in c.metadata.get("tags", [])]
    assert len(key) >= 3, f"{path.name} has {len(key)} cells tagged 'key'"
    asserting = [c for c in key if re.search(r"^\s*assert ", c.source, re.M)]
    assert len(asserting) >= len(key) // 2, f"{path.name}: most key cells should assert"
    assert all(execute_module.key_outputs(nb)), f"{path.name}: a key cell prints nothing"


CHECK_CALL = re.compile(r"^(check|check_gradient|grade)\(", re.M)
"""A Your turn check cell: nn.course's check or check_gradient, or 2b's grade."""


@pytest.mark.parametrize("path", PATHS, ids=_ids(PATHS))
def test_your_turn_checks_are_committed_unanswered_and_followed_by_a_solution(path: Path):
    nb = _read(path)
    checks = [
        i for i, c in enumerate(nb.cells) if c.cell_type == "code" and CHECK_CALL.search(c.source)
    ]
    assert checks, f"{path.name} has no Your turn check"
    for index in checks:
        printed = "".join(o.get("text", "") for o in nb.cells[index].outputs)
        verdicts = [line for line in printed.splitlines() if line.startswith(("right", "not yet"))]
        assert verdicts and all(v.startswith("not yet") for v in verdicts), (
            f"{path.name} cell {index}: a check committed with its placeholder says 'not yet', "
            f"not {verdicts}"
        )
        solution = nb.cells[index + 1]
        assert solution.cell_type == "markdown" and solution.source.startswith(
            "<details><summary>Solution</summary>"
        ), f"{path.name} cell {index}: the solution should be folded right under the check"


@pytest.mark.parametrize("path", PATHS, ids=_ids(PATHS))
def test_graphs_and_plots_render_in_untrusted_notebooks(path: Path):
    nb = _read(path)
    images = 0
    for index, cell in enumerate(nb.cells):
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            if "image/svg+xml" in data or "text/html" in data and "<svg" in data["text/html"]:
                # JupyterLab hides SVG and HTML in an untrusted notebook; PNG always shows.
                assert "image/png" in data, f"{path.name} cell {index}: SVG without a PNG"
            images += "image/png" in data
    assert images >= 1, f"{path.name} shows no picture"
    assert execute_module.picture(nb) is not None, f"{path.name}: no cell tagged 'picture'"


@pytest.mark.parametrize("path", PATHS, ids=_ids(PATHS))
def test_readme_links_the_notebook_and_its_picture(path: Path):
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert f"notebooks/{path.name}" in readme
    picture = f"notebooks/images/{path.stem}.png"
    assert picture in readme
    image = ROOT / picture
    assert image.read_bytes() == execute_module.picture(_read(path)), (
        f"{picture} is not the picture of the committed {path.name}; run notebooks/execute.py"
    )


@pytest.mark.parametrize("path", PATHS, ids=_ids(PATHS))
def test_committed_key_outputs_are_current(path: Path):
    committed = execute_module.key_outputs(_read(path))
    fresh_nb = execute_module.execute(path, timeout=CELL_TIMEOUT)
    fresh = execute_module.key_outputs(fresh_nb)
    assert len(fresh) == len(committed)
    for number, (old, new) in enumerate(zip(committed, fresh, strict=True)):
        assert new == old, (
            f"{path.name}: key cell {number} prints something else than the committed output.\n"
            f"committed:\n{old}\nnow:\n{new}\n"
            f"Run `python notebooks/execute.py {execute_module.number(path)}` and commit the result"
        )


def test_make_notebooks_gives_nbmake_the_same_time_limit():
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    assert f"--nbmake-timeout={CELL_TIMEOUT} " in makefile


def test_clean_strips_run_to_run_noise():
    nb = nbformat.v4.new_notebook()
    nb.metadata["widgets"] = {"state": {}}
    nb.metadata["language_info"] = {"version": "3.11.7"}
    cell = nbformat.v4.new_code_cell("1 + 1")
    cell.metadata["execution"] = {"iopub.execute_input": "2026-01-01T00:00:00Z"}
    cell.metadata["tags"] = ["key"]
    cell.outputs = [
        nbformat.v4.new_output(
            "execute_result",
            {"text/plain": "2", "application/vnd.jupyter.widget-view+json": {}},
            execution_count=1,
        )
    ]
    printed = nbformat.v4.new_code_cell("print('a'); print('b')")
    printed.outputs = [
        nbformat.v4.new_output("stream", name="stdout", text="a"),
        nbformat.v4.new_output("stream", name="stdout", text="\nb\n"),
    ]
    nb.cells = [cell, printed]
    cleaned = execute_module.clean(nb, "demo")
    assert [o.text for o in cleaned.cells[1].outputs] == ["a\nb\n"]
    assert set(cleaned.metadata) == {"kernelspec", "language_info"}
    assert "version" not in cleaned.metadata["language_info"]
    assert cleaned.cells[0].metadata == {"tags": ["key"]}
    assert cleaned.cells[0].id == "demo-0"
    assert list(cleaned.cells[0].outputs[0].data) == ["text/plain"]
    assert execute_module.key_outputs(cleaned) == ["2"]


def test_write_atomic_replaces_whole_file_readably(tmp_path: Path):
    target = tmp_path / "n.ipynb"
    target.write_text("old")
    execute_module.write_atomic(target, b"new")
    assert target.read_text() == "new"
    assert target.stat().st_mode & 0o044, "written files must be readable by others"
    assert [p.name for p in tmp_path.iterdir()] == ["n.ipynb"]


def test_execute_draws_every_picture_with_one_renderer(tmp_path: Path, monkeypatch):
    """Committed pictures must not depend on whether the machine has a system dot."""
    monkeypatch.setenv("CHAINRULE_RENDERER", "dot")
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_code_cell("import os; print(os.environ['CHAINRULE_RENDERER'])"),
        nbformat.v4.new_code_cell(
            "from autograd.render import find_renderer; print(find_renderer().split('/')[-1])"
        ),
    ]
    path = tmp_path / "renderer.ipynb"
    nbformat.write(nb, path)
    ran = execute_module.execute(path, timeout=CELL_TIMEOUT)
    assert [c.outputs[0].text for c in ran.cells] == ["graphviz-pure\n", "graphviz-pure\n"]
    assert execute_module.RENDERER == "graphviz-pure"
    assert os.environ["CHAINRULE_RENDERER"] == "dot"  # the caller's setting is back


def _do_02b_exercises(pow_line: str, exp_line: str) -> str:
    """Run notebook 02b's cells as a student would, up to the exp check, with these answers.

    Each answer replaces the line `self.grad += ... * out.grad` of its exercise;
    returns what the two check cells print.
    """
    import contextlib
    import io

    cells = [c for c in _read(NOTEBOOK_DIR / "02b_build_your_own_micrograd.ipynb").cells]
    code = [c.source for c in cells if c.cell_type == "code"]
    pow_cell = next(i for i, s in enumerate(code) if "def __pow__" in s)
    exp_cell = next(i for i, s in enumerate(code) if "def exp(self)" in s)
    blank = "self.grad += ... * out.grad"
    code[pow_cell] = code[pow_cell].replace(blank, pow_line)
    code[exp_cell] = code[exp_cell].replace(blank, exp_line)
    namespace: dict = {}
    printed = io.StringIO()
    for i, source in enumerate(code[: exp_cell + 2]):
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            exec(compile(source, f"02b code cell {i}", "exec"), namespace)
        if i in (pow_cell + 1, exp_cell + 1):  # the check cells under the exercises
            printed.write(out.getvalue())
    return printed.getvalue()


@pytest.mark.parametrize(
    ("pow_line", "exp_line", "says"),
    [
        (
            "self.grad += k * self.data ** (k - 1) * out.grad",
            "self.grad += out.data * out.grad",
            ["right: a ** 3 passes", "right: exp passes"],
        ),
        (
            "self.grad += k * self.data ** (k - 1)",  # forgot * out.grad
            "self.grad += out.data",
            [
                "not yet: a ** 3 is right when out.grad is 1, not when it is 3: a ** 3: a.grad "
                "is 6.75 where 20.25 was expected. Hint: a ** 3 gives its gradient for an "
                "upstream gradient of 1: is `* out.grad` missing in its backward?",
                "not yet: exp is right when out.grad is 1, not when it is 3: exp: x.grad is",
            ],
        ),
        (
            "self.grad += k * self.data ** k * out.grad",  # kept the exponent
            "self.grad += self.data * out.grad",
            ["not yet: a ** 3: a.grad is 10.125 where 6.75 was expected. Hint:", "not yet: exp"],
        ),
    ],
)
def test_02b_exercises_done_right_and_wrong_get_the_feedback_a_student_can_act_on(
    pow_line, exp_line, says
):
    printed = _do_02b_exercises(pow_line, exp_line)
    for line in says:
        assert line in printed, printed
    assert "right:" not in printed or "not yet" not in printed, printed
