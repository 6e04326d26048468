"""The pictures in a real browser: headless Chromium measures what a reader would see.

The drawings of notebooks/02 (as `jupyter nbconvert --to html` writes them) and
the backward stepper's page are opened in Chromium, driven by Playwright, and
measured: no drawing is wider than its column, the stepper moves with its
buttons and with both arrow keys, and with its scripts stripped it still shows
every step. Nothing is fetched (every request off this machine is refused) and
no screenshot is kept: the tests assert on sizes and positions.

They need the `playwright` package (the dev extra) and a Chromium: the system's
(`apt-get install chromium`; .ci/run installs it where apt is available), never
one downloaded by `playwright install`. Without either they are skipped.
"""

from __future__ import annotations

import re
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from autograd import RenderError, Value, backward_steps, draw
from autograd.render import SMALLEST_TEXT_PX, find_renderer

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
COLUMN = 1000
"""The browser window's width, in CSS px: a notebook column a little wider than JupyterLab's."""


def _chromium() -> str | None:
    for name in ("chromium", "chromium-browser"):
        found = shutil.which(name)
        if found:
            return found
    return None


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """A fresh headless Chromium (its own empty profile) that fetches nothing off this machine."""
    sync_api = pytest.importorskip(
        "playwright.sync_api", reason="playwright is not installed (it is in the dev extra)"
    )
    executable = _chromium()
    if executable is None:
        pytest.skip("no chromium on PATH: apt-get install chromium")
    try:
        find_renderer()
    except RenderError:
        pytest.skip("no dot and no graphviz-pure to draw the pictures")
    with tempfile.TemporaryDirectory() as profile, sync_api.sync_playwright() as playwright:
        try:
            context = playwright.chromium.launch_persistent_context(
                profile,
                executable_path=executable,
                args=CHROMIUM_ARGS,
                headless=True,
                viewport={"width": COLUMN, "height": 800},
            )
        except Exception as error:  # a browser that cannot start here: nothing to measure
            pytest.skip(f"chromium at {executable} did not start: {error}")
        context.route(re.compile(r"^(?!file:|data:|about:).*"), lambda route: route.abort())
        yield context
        context.close()


def open_page(browser: Any, path: Path) -> Any:
    page = browser.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.errors = errors
    page.goto(path.as_uri(), wait_until="load")
    return page


def single_neuron() -> Value:
    x, w = Value(2.0, label="x"), Value(0.5, label="w")
    y_pred = x * w
    y_pred.label = "y_pred"
    L = (y_pred - 4.0) ** 2
    L.label = "L"
    return L


def where(page: Any) -> str:
    return page.inner_text(".cr-where")


def shown_steps(page: Any) -> list[int]:
    """The numbers of the steps whose <details> block is on screen."""
    return page.eval_on_selector_all(
        "details.cr-frame",
        "blocks => blocks.filter(b => b.getClientRects().length > 0).map(b => +b.dataset.step)",
    )


def grad_on_graph(page: Any, ident: str) -> str:
    """The grad field of node `ident` on the stepper's SVG, as the reader sees it."""
    return page.eval_on_selector(
        f'.cr-graph g[data-id="{ident}"]',
        "g => { const t = g.querySelectorAll('text'); return t[t.length - 1].textContent; }",
    )


WIDTHS = """(selector) => [...document.querySelectorAll(selector)].map(e => {
    const box = e.getBoundingClientRect();
    const column = e.closest('.jp-OutputArea-output, .cr-graph, .cr-final, body');
    return {tag: e.tagName, width: box.width, height: box.height,
            column: column.getBoundingClientRect().width,
            left: box.left, columnLeft: column.getBoundingClientRect().left};
})"""


def check_fits(page: Any, selector: str, count: int) -> list[dict]:
    drawings = page.evaluate(WIDTHS, selector)
    assert len(drawings) == count, drawings
    for d in drawings:
        assert d["width"] > 50 and d["height"] > 20, d  # drawn, not collapsed
        assert d["width"] <= d["column"] + 0.5, d  # no wider than its column
        assert d["left"] >= d["columnLeft"] - 0.5, d
    return drawings


@pytest.fixture(scope="module")
def notebook_page(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """notebooks/02 as nbconvert's default (lab) template writes it, in a temporary folder."""
    nbconvert = pytest.importorskip("nbconvert")
    (path,) = sorted((ROOT / "notebooks").glob("02_*.ipynb"))
    page, _ = nbconvert.HTMLExporter().from_filename(str(path))
    target = tmp_path_factory.mktemp("nbconvert") / "02.html"
    target.write_text(page, encoding="utf-8")
    return target


def test_notebook_drawings_fit_their_column(browser, notebook_page):
    page = open_page(browser, notebook_page)
    # draw(L), draw(L, edge_labels=True, color="grad"), draw(y, ...): three graphs as PNG
    drawings = check_fits(page, ".jp-OutputArea-output .chainrule-drawing img", 3)
    assert not page.query_selector_all(".chainrule-drawing p")  # none needs to scroll
    # the matplotlib figure too
    assert all(
        d["width"] <= d["column"] + 0.5 for d in page.evaluate(WIDTHS, ".jp-OutputArea-output img")
    )
    # shrunk to the column, no further than keeps their 11 pt text SMALLEST_TEXT_PX high
    natural = page.eval_on_selector_all(
        ".chainrule-drawing img", "imgs => imgs.map(i => +i.getAttribute('width'))"
    )
    for drawing, width in zip(drawings, natural):
        assert drawing["width"] <= width
        assert 11 * 96 / 72 * drawing["width"] / width >= SMALLEST_TEXT_PX - 0.05
    assert page.errors == []


def test_notebook_stepper_moves_with_its_buttons(browser, notebook_page):
    page = open_page(browser, notebook_page)
    assert where(page) == "step 1 of 3" and shown_steps(page) == [1]
    page.click(".cr-next")
    assert where(page) == "step 2 of 3" and shown_steps(page) == [2]
    page.click(".cr-next")
    page.click(".cr-next")  # at the end it stays there
    assert where(page) == "step 3 of 3" and shown_steps(page) == [3]
    page.click(".cr-prev")
    assert where(page) == "step 2 of 3" and shown_steps(page) == [2]
    assert page.errors == []


@pytest.fixture(scope="module")
def stepper_page(tmp_path_factory: pytest.TempPathFactory) -> Path:
    target = tmp_path_factory.mktemp("stepper") / "steps.html"
    backward_steps(single_neuron()).save_html(target)
    return target


def test_stepper_moves_with_clicks_and_redraws_its_one_graph(browser, stepper_page):
    page = open_page(browser, stepper_page)
    assert where(page) == "step 1 of 3" and shown_steps(page) == [1]
    check_fits(page, ".cr-graph svg", 1)
    assert not page.is_visible(".cr-final")  # the picture for no scripts is hidden
    # w (v1) has no gradient before y_pred's step, its total after it
    assert grad_on_graph(page, "v1") == "grad 0.0"
    page.click(".cr-next")
    page.click(".cr-next")
    assert where(page) == "step 3 of 3" and shown_steps(page) == [3]
    assert grad_on_graph(page, "v1") == "grad -12.0"
    fills = page.eval_on_selector_all(
        ".cr-graph g.node polygon",
        "ps => ps.map(p => [p.closest('g').dataset.id, getComputedStyle(p).fill])",
    )
    yellow, green = "rgb(255, 224, 138)", "rgb(217, 240, 211)"
    assert dict(fills)["v2"] == yellow  # y_pred, the node of step 3
    assert dict(fills)["v5"] == dict(fills)["v4"] == green  # L and n2, done
    assert dict(fills)["v0"] not in (yellow, green)
    page.click(".cr-prev")
    assert where(page) == "step 2 of 3" and grad_on_graph(page, "v1") == "grad 0.0"
    assert page.errors == []


TEXT_PX = """(selector) => [...document.querySelectorAll(selector + ' text')].map(t =>
    parseFloat(t.getAttribute('font-size')) * t.getScreenCTM().a)"""
"""The height in CSS px of each text of the SVG pictures matching selector, as shown."""


@pytest.mark.parametrize("column", [COLUMN, 700, 420])
def test_stepper_graph_text_stays_readable_in_any_column(browser, tmp_path, column):
    """A wide stepper (12 steps left to right) in a column of `column` px: it shrinks to the
    column as far as keeps its text SMALLEST_TEXT_PX high, then scrolls sideways."""
    x = Value(0.5, label="x")
    y = x
    for _ in range(6):
        y = (y * 1.5).tanh()
    y.label = "y"
    path = tmp_path / "wide.html"
    backward_steps(y, rankdir="LR").save_html(path)
    page = open_page(browser, path)
    page.set_viewport_size({"width": column, "height": 800})
    sizes = page.evaluate(TEXT_PX, ".cr-graph svg")
    assert len(sizes) > 20 and min(sizes) >= SMALLEST_TEXT_PX - 0.05, min(sizes)
    view = page.eval_on_selector(
        ".cr-graph", "v => ({shown: v.clientWidth, drawn: v.scrollWidth, page: innerWidth})"
    )
    assert view["shown"] <= view["page"]  # the page itself never scrolls sideways
    if min(sizes) > SMALLEST_TEXT_PX + 0.05:  # not shrunk to the limit: nothing hidden
        assert view["drawn"] <= view["shown"]
    assert page.errors == []


@pytest.mark.parametrize("focus", [".cr-graph", ".cr-slider", ".cr-next"])
def test_stepper_steps_with_both_arrow_keys(browser, stepper_page, focus):
    """Wherever the focus is in the stepper, one key press is one step, either way."""
    page = open_page(browser, stepper_page)
    if focus == ".cr-graph":
        page.click(focus)  # a click on the graph gives the stepper itself the focus
    else:
        page.focus(focus)
    assert where(page) == "step 1 of 3"
    page.keyboard.press("ArrowRight")
    assert where(page) == "step 2 of 3" and shown_steps(page) == [2]
    page.keyboard.press("ArrowRight")
    assert where(page) == "step 3 of 3"
    page.keyboard.press("ArrowLeft")
    assert where(page) == "step 2 of 3" and shown_steps(page) == [2]
    page.keyboard.press("ArrowLeft")
    assert where(page) == "step 1 of 3" and page.input_value(".cr-slider") == "1"
    assert page.errors == []


def course_page(folder: Path, theme: str = "light") -> Path:
    """A notebook showing draw(L), draw(L, color='grad', edge_labels=True) and
    backward_steps(L), as nbconvert's lab template writes it in `theme`."""
    nbformat = pytest.importorskip("nbformat")
    nbconvert = pytest.importorskip("nbconvert")
    L = single_neuron()
    steps = backward_steps(L)
    L.backward()
    notebook = nbformat.v4.new_notebook()
    for source, shown in (
        ("draw(L)", draw(L)),
        ('draw(L, color="grad", edge_labels=True)', draw(L, color="grad", edge_labels=True)),
        ("backward_steps(L)", steps),
    ):
        cell = nbformat.v4.new_code_cell(source)
        data = {"text/html": shown._repr_html_(), "text/plain": repr(shown)}
        cell.outputs = [nbformat.v4.new_output("display_data", data=data)]
        notebook.cells.append(cell)
    page_text, _ = nbconvert.HTMLExporter(theme=theme).from_notebook_node(notebook)
    path = folder / f"course-{theme}.html"
    path.write_text(page_text, encoding="utf-8")
    return path


def test_stepper_in_nbconvert_output_steps_with_the_keys(browser, tmp_path):
    """In a notebook's HTML (nbconvert's lab template), next to a drawing, as in the course."""
    page = open_page(browser, course_page(tmp_path))
    check_fits(page, ".jp-OutputArea-output .chainrule-drawing img", 2)
    check_fits(page, ".cr-graph svg", 1)
    page.click(".cr-graph")
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    assert where(page) == "step 3 of 3"
    page.keyboard.press("ArrowLeft")
    assert where(page) == "step 2 of 3"
    assert page.errors == []


CONTRASTS = """(selector) => {
    const parse = c => { const v = c.match(/[0-9.]+/g).map(Number);
        return {r: v[0], g: v[1], b: v[2], a: v.length > 3 ? v[3] : 1}; };
    const over = (top, under) => ({r: top.r * top.a + under.r * (1 - top.a),
        g: top.g * top.a + under.g * (1 - top.a), b: top.b * top.a + under.b * (1 - top.a), a: 1});
    const light = c => [c.r, c.g, c.b].map(v => v / 255)
        .map(v => v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4)
        .reduce((sum, v, i) => sum + v * [0.2126, 0.7152, 0.0722][i], 0);
    const behind = e => { const layers = [];
        for (; e; e = e.parentElement) layers.push(parse(getComputedStyle(e).backgroundColor));
        const page = {r: 255, g: 255, b: 255, a: 1};  // a browser's canvas
        return layers.reverse().reduce((under, top) => over(top, under), page); };
    return [...document.querySelectorAll(selector)]
        .filter(e => !(e instanceof SVGElement) && e.getClientRects().length && [...e.childNodes]
            .some(n => n.nodeType === 3 && n.textContent.trim()))
        .map(e => { const back = behind(e), ink = over(parse(getComputedStyle(e).color), back);
            const [hi, lo] = [light(ink), light(back)].sort((x, y) => y - x);
            return {tag: e.tagName, text: e.textContent.trim().slice(0, 40),
                    ratio: (hi + 0.05) / (lo + 0.05)}; });
}"""
"""Each HTML element with text of its own that matches the selector, with the contrast ratio
(WCAG's) between its text colour and what is behind it. (A picture's text is drawn in its
own colours on its own white background.)"""


def test_in_a_dark_theme_every_text_and_picture_stays_readable(browser, tmp_path):
    """Drawings and the stepper in nbconvert's dark theme (JupyterLab's dark colours): the
    pictures keep their white background, and every word keeps WCAG's contrast of 4.5."""
    page = open_page(browser, course_page(tmp_path, "dark"))
    assert page.evaluate("getComputedStyle(document.body).backgroundColor") == "rgb(17, 17, 17)"
    backgrounds = page.eval_on_selector_all(
        ".chainrule-drawing img, .cr-graph svg",
        "pictures => pictures.map(p => getComputedStyle(p).backgroundColor)",
    )
    assert backgrounds == ["rgb(255, 255, 255)"] * 3  # two drawings and the stepper's graph
    texts = page.evaluate(CONTRASTS, ".chainrule-steps *, .chainrule-drawing *")
    assert {"P", "SUMMARY", "PRE", "SPAN"} <= {t["tag"] for t in texts}, texts
    assert [t for t in texts if t["ratio"] < 4.5] == [], [t for t in texts if t["ratio"] < 4.5]
    assert page.errors == []


def test_without_scripts_every_step_is_shown(browser, stepper_page, tmp_path):
    static = re.sub(
        r"<script>.*?</script>", "", stepper_page.read_text(encoding="utf-8"), flags=re.S
    )
    assert "<script" not in static
    path = tmp_path / "static.html"
    path.write_text(static, encoding="utf-8")
    page = open_page(browser, path)
    assert shown_steps(page) == [1, 2, 3]  # every block, one after the other
    assert not page.query_selector_all("button, input, .cr-graph")  # nothing dead to click
    summaries = page.eval_on_selector_all(
        "details.cr-frame > summary", "s => s.map(e => e.getBoundingClientRect().top)"
    )
    assert summaries == sorted(summaries) and len(set(summaries)) == 3
    updates = page.query_selector_all("details.cr-frame pre.cr-update")
    assert updates[0].is_visible() and not updates[2].is_visible()  # the first open
    for summary in page.query_selector_all("details.cr-frame > summary")[1:]:
        summary.click()
    assert all(u.is_visible() for u in updates)
    assert "w.grad += x.data * y_pred.grad = 2.0 * -6.0 = -12.0" in updates[2].inner_text()
    (final,) = check_fits(page, ".cr-final img", 1)
    assert final["height"] > 40  # the graph after the last step


@pytest.mark.parametrize(
    "present, installed",
    [
        ((), "graphviz chromium librsvg2-bin fonts-liberation"),
        (("dot", "rsvg-convert"), "chromium"),
        (("dot", "chromium", "rsvg-convert"), None),
    ],
)
def test_ci_installs_what_the_pictures_need_where_apt_is_available(tmp_path, present, installed):
    """.ci/run, with stand-ins for apt-get and make that write down how they were called."""
    import subprocess

    if shutil.which("bash") is None or shutil.which("dirname") is None:
        pytest.skip(".ci/run is a bash script that calls dirname")
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    log = tmp_path / "calls"
    for name in ("apt-get", "make", *present):
        stand_in = bin_dir / name
        stand_in.write_text(f'#!/bin/sh\necho "{name} $*" >> "{log}"\n', encoding="utf-8")
        stand_in.chmod(0o755)
    (bin_dir / "dirname").symlink_to(shutil.which("dirname"))
    run = subprocess.run(
        [shutil.which("bash"), str(ROOT / ".ci" / "run")],
        env={"PATH": str(bin_dir)},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert run.returncode == 0, run.stderr
    calls = log.read_text(encoding="utf-8").splitlines()
    if installed is None:
        assert calls == ["make test"]
    else:
        assert calls == ["apt-get update -qq", f"apt-get install -y -qq {installed}", "make test"]
