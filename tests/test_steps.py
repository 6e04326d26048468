"""backward_steps(): one frame per backward step, the right updates, HTML that works anywhere."""

from __future__ import annotations

import base64
import html
import json
import re
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from html.parser import HTMLParser

import pytest

from autograd import BackwardSteps, RenderError, Value, backward_steps, explain, topological_order
from autograd.render import find_renderer

try:
    find_renderer()
    HAS_RENDERER = True
except RenderError:
    HAS_RENDERER = False
needs_renderer = pytest.mark.skipif(not HAS_RENDERER, reason="no dot and no graphviz-pure")


def single_neuron() -> tuple[Value, Value, Value]:
    x, w = Value(2.0, label="x"), Value(0.5, label="w")
    y_pred = x * w
    y_pred.label = "y_pred"
    L = (y_pred - 4.0) ** 2
    L.label = "L"
    return x, w, L


def node_attrs(source: str, label_start: str) -> str:
    for line in source.splitlines():
        if f'label="{{ {label_start} |' in line:
            return line
    raise AssertionError(f"no node {label_start} in\n{source}")


def test_one_frame_per_backward_step_with_the_update_text():
    *_, L = single_neuron()
    steps = backward_steps(L)
    assert isinstance(steps, BackwardSteps)
    assert len(steps) == len(explain(L)) == 3
    assert [f.step.node for f in steps] == ["L", "n2", "y_pred"]
    assert steps[0].updates == ("n2.grad += (2 * n2.data) * L.grad = -6.0 * 1.0 = -6.0",)
    assert steps[2].updates == (
        "x.grad += w.data * y_pred.grad = 0.5 * -6.0 = -3.0",
        "w.grad += x.data * y_pred.grad = 2.0 * -6.0 = -12.0",
    )


def test_each_frame_shows_the_gradients_so_far_and_highlights_the_node():
    *_, L = single_neuron()
    steps = backward_steps(L)
    first, last = steps[0].drawing.source, steps[-1].drawing.source
    # before y_pred's step, w has received nothing; after it, w.grad = -12
    assert "grad 0.0" in node_attrs(first, "w")
    assert "grad -12.0" in node_attrs(last, "w")
    assert "grad -6.0" in node_attrs(first, "n2")
    # the processed node is filled yellow, finished ones green
    assert "#ffe08a" in node_attrs(first, "L") and "#ffe08a" not in node_attrs(first, "n2")
    assert "#ffe08a" in node_attrs(last, "y_pred")
    assert "#d9f0d3" in node_attrs(last, "L") and "#d9f0d3" in node_attrs(last, "n2")


def test_steps_do_not_touch_the_users_gradients():
    *_, L = single_neuron()
    steps = backward_steps(L)
    assert steps and all(node.grad == 0.0 for node in topological_order(L))


def test_text_form_lists_every_update():
    *_, L = single_neuron()
    text = str(backward_steps(L))
    assert "step 3 of 3: y_pred = x * w, grad -6.0" in text
    assert "w.grad += x.data * y_pred.grad = 2.0 * -6.0 = -12.0" in text


def frames_of(page: str) -> list[str]:
    return re.findall(r'<details class="cr-frame" data-step="\d+".*?</details>', page, re.S)


@needs_renderer
def test_html_has_one_readable_details_block_per_step_with_inline_png():
    *_, L = single_neuron()
    steps = backward_steps(L)
    page = steps._repr_html_()
    blocks = frames_of(page)
    assert len(blocks) == len(steps) == 3
    pngs = []
    for i, (block, frame) in enumerate(zip(blocks, steps), 1):
        assert f"<b>Step {i} of 3</b>" in block
        for update in frame.updates:
            assert update in block  # readable text, not only inside the picture
        (data,) = re.findall(r'src="data:image/png;base64,([^"]+)"', block)
        png = base64.b64decode(data)
        assert png[:8] == b"\x89PNG\r\n\x1a\n" and png.endswith(b"IEND\xaeB`\x82")
        pngs.append(png)
    assert len(set(pngs)) == 3  # each frame its own picture
    assert blocks[0].startswith('<details class="cr-frame" data-step="1" open>')
    # nothing is fetched: no external scripts, styles or images
    assert not re.search(r'(src|href)="(https?:)?//', page)
    assert "<script>" in page and 'type="range"' in page


@needs_renderer
def test_without_scripts_there_are_no_dead_controls():
    """A viewer that strips scripts (and style attributes) shows the steps and nothing to click."""
    *_, L = single_neuron()
    page = backward_steps(L).to_html()
    (script,) = re.findall(r"<script>(.*?)</script>", page, re.S)
    static = page.replace(script, "")
    for dead in ("<button", "<input", "previous", "next", "cr-controls", "display:none"):
        assert dead not in static, dead
    assert len(frames_of(static)) == 3
    # the script makes them: a slider over the 3 steps between two buttons
    assert '<input type="range" class="cr-slider" min="1" max="\'+frames.length+\'"' in script
    assert "&#9664; previous" in script and "next &#9654;" in script


@needs_renderer
def test_svg_frames_show_every_node():
    *_, L = single_neuron()
    blocks = frames_of(backward_steps(L).to_html(image="svg"))
    assert len(blocks) == 3
    for block in blocks:
        (data,) = re.findall(r'src="data:image/svg\+xml;base64,([^"]+)"', block)
        svg = ET.fromstring(base64.b64decode(data))
        nodes = [g for g in svg.iter("{http://www.w3.org/2000/svg}g") if g.get("class") == "node"]
        assert len(nodes) == 6 + 3  # six Values, three operations
    with pytest.raises(ValueError, match="'png'"):
        backward_steps(L).to_html(image="gif")


@needs_renderer
def test_same_code_twice_gives_the_same_html():
    *_, L1 = single_neuron()
    *_, L2 = single_neuron()
    assert backward_steps(L1).to_html() == backward_steps(L2).to_html()


@needs_renderer
def test_save_html_writes_one_self_contained_page(tmp_path):
    *_, L = single_neuron()
    steps = backward_steps(L)
    target = tmp_path / "steps.html"
    steps.save_html(target)
    page = target.read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>") and page.rstrip().endswith("</html>")
    assert len(frames_of(page)) == 3
    assert sorted(p.name for p in tmp_path.iterdir()) == ["steps.html"]
    with pytest.raises(OSError):
        steps.save_html(tmp_path / "missing-folder" / "steps.html")


def test_without_any_renderer_the_notebook_shows_the_steps_as_text(tmp_path, monkeypatch):
    """A notebook cell ends in the steps and how to get the pictures, never a traceback."""
    empty = tmp_path / "empty-bin"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    monkeypatch.setattr(sys, "executable", str(tmp_path / "nowhere" / "python"))
    *_, L = single_neuron()
    steps = backward_steps(L)
    with pytest.raises(RenderError):
        steps.to_html()  # asked for explicitly, the missing renderer is an error
    page = steps._repr_html_()
    blocks = frames_of(page)
    assert len(blocks) == 3
    for i, (block, frame) in enumerate(zip(blocks, steps), 1):
        assert f"<b>Step {i} of 3</b>" in block
        assert f'<pre class="cr-update">{html.escape(chr(10).join(frame.updates))}</pre>' in block
    assert "<img" not in page
    assert "w.grad += x.data * y_pred.grad = 2.0 * -6.0 = -12.0" in blocks[2]
    (note,) = re.findall(r'<p class="cr-note">(.*?)</p>', page, re.S)
    assert note.startswith("No pictures: no program to turn the graph into a picture")
    assert "package manager" in note and "pip install &#x27;chainrule[render]&#x27;" in note
    assert 'type="range"' in page and "<script>" in page  # the slider still steps


def test_leaf_root_has_no_frames():
    x = Value(1.0, label="x")
    steps = backward_steps(x)
    assert len(steps) == 0
    assert "nothing to do" in steps.to_html()


def test_too_big_graph_is_refused_like_draw():
    x = Value(1.0, label="x")
    y = x
    for _ in range(20):
        y = y + 1.0
    with pytest.raises(ValueError, match="41 nodes.*max_nodes=41 .*explain"):
        backward_steps(y, max_nodes=10)
    assert len(backward_steps(y, max_nodes=41)) == 20


# The slider script, run in node with a minimal stand-in for the browser DOM.
_FAKE_DOM = """
function El(cls){this.cls=cls;this.style={display:'none'};this.open=false;
  this.value='1';this.textContent='';this.attrs={};}
El.prototype.getAttribute=function(k){return this.attrs[k]||null;};
El.prototype.setAttribute=function(k,v){this.attrs[k]=v;};
var frames=[new El('f'),new El('f'),new El('f')];
var prev=new El('p'),next=new El('n'),slider=new El('s'),where=new El('w'),
    bar=new El('c'),inserted=[];
bar.querySelector=function(sel){return {'.cr-slider':slider,'.cr-where':where,
  '.cr-prev':prev,'.cr-next':next}[sel];};
var root=new El('root');
root.querySelectorAll=function(){return frames;};
root.insertBefore=function(el,before){inserted.push([el.className,frames.indexOf(before)]);};
var document=CURRENT
  ? {currentScript:{parentElement:root}}
  : {currentScript:null,querySelectorAll:function(sel){
       return sel.indexOf('data-stepper=')>0 ? [root] : [];}};
document.createElement=function(tag){bar.tag=tag;return bar;};
function state(){return frames.map(function(f){return f.style.display===''?1:0;}).join('');}
var log=[];
SCRIPT
SCRIPT
log.push([state(),where.textContent,inserted,bar.tag,
  (bar.innerHTML.match(/type="range"[^>]*max="(\\d+)"/)||[])[1]]);
next.onclick();log.push([state(),where.textContent]);
next.onclick();next.onclick();log.push([state(),where.textContent]);
prev.onclick();log.push([state(),where.textContent]);
slider.value='1';slider.oninput();log.push([state(),where.textContent]);
console.log(JSON.stringify(log));
"""


@pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed")
@needs_renderer
@pytest.mark.parametrize("current_script", [True, False])
def test_slider_script_shows_one_frame_at_a_time(current_script):
    """The script, run twice (a re-rendered output), sets the stepper up once."""
    *_, L = single_neuron()
    page = backward_steps(L).to_html()
    (script,) = re.findall(r"<script>(.*?)</script>", page, re.S)
    program = _FAKE_DOM.replace("CURRENT", "true" if current_script else "false")
    run = subprocess.run(
        ["node", "-e", program.replace("SCRIPT", script)],
        capture_output=True,
        text=True,
        check=True,
        timeout=30,
    )
    log = json.loads(run.stdout)
    assert log == [
        ["100", "step 1 of 3", [["cr-controls", 0]], "div", "3"],  # one bar, made once
        ["010", "step 2 of 3"],
        ["001", "step 3 of 3"],  # next at the end stays at the end
        ["010", "step 2 of 3"],
        ["100", "step 1 of 3"],
    ]


class _Elements(HTMLParser):
    """Every start tag with its attributes, and the text of each <script>, in page order."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str]]] = []
        self.scripts: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, {k: v or "" for k, v in attrs}))  # open == open=""
        self._in_script = tag == "script"

    def handle_endtag(self, tag: str) -> None:
        self._in_script = False

    def handle_data(self, data: str) -> None:
        if self._in_script:
            self.scripts.append(data)


@needs_renderer
def test_nbconvert_html_keeps_the_working_stepper():
    """`jupyter nbconvert --to html` (default template) keeps the stepper whole and offline."""
    nbformat = pytest.importorskip("nbformat")
    nbconvert = pytest.importorskip("nbconvert")
    *_, L = single_neuron()
    steps = backward_steps(L)
    fragment = steps._repr_html_()
    notebook = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell("backward_steps(L)")
    cell.outputs = [
        nbformat.v4.new_output(
            "display_data", data={"text/html": fragment, "text/plain": repr(steps)}
        )
    ]
    notebook.cells.append(cell)
    exporter = nbconvert.HTMLExporter()
    assert exporter.template_name == "lab"  # the default template
    page, _ = exporter.from_notebook_node(notebook)
    # nbconvert re-serialises the HTML (attribute order, entities): compare elements, not bytes
    start = page.index('<div class="chainrule-steps"')
    end = page.index("</script></div>", start) + len("</script></div>")
    converted, original = _Elements(), _Elements()
    converted.feed(page[start:end])
    original.feed(fragment)
    assert converted.tags == original.tags
    (script,) = original.scripts
    assert converted.scripts == [script] and "cr-slider" in script
    assert not [t for t, _ in converted.tags if t in ("input", "button")]  # the script makes them
    frames = [a for t, a in converted.tags if t == "details" and a.get("class") == "cr-frame"]
    assert [a["data-step"] for a in frames] == ["1", "2", "3"]
    blocks = frames_of(page)
    assert len(blocks) == 3
    for block, frame in zip(blocks, steps):
        for update in frame.updates:
            assert html.escape(update) in block
    assert "w.grad += x.data * y_pred.grad = 2.0 * -6.0 = -12.0" in blocks[2]
    # nothing the stepper uses is fetched; nbconvert's own page loads require.js and
    # MathJax from a CDN, which the stepper does not need
    links = [v for _, a in converted.tags for k, v in a.items() if k in ("src", "href")]
    assert len(links) == 3 and all(v.startswith("data:image/png;base64,") for v in links)
    assert "http" not in re.sub(r'"data:[^"]*"', "", page[start:end])
