"""backward_steps(): one frame per backward step, the right updates, HTML that works anywhere."""

from __future__ import annotations

import base64
import html
import json
import os
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


SVG = "{http://www.w3.org/2000/svg}"


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


def script_data(page: str) -> dict:
    """The data the stepper's script carries: the graph's SVG and each step's changes."""
    (script,) = re.findall(r"<script>(.*?)</script>", page, re.S)
    return json.loads(re.search(r"var data=(\{.*?\});\n", script).group(1))


@needs_renderer
def test_html_has_one_readable_details_block_per_step_and_one_graph():
    *_, L = single_neuron()
    steps = backward_steps(L)
    page = steps._repr_html_()
    blocks = frames_of(page)
    assert len(blocks) == len(steps) == 3
    for i, (block, frame) in enumerate(zip(blocks, steps), 1):
        assert f"<b>Step {i} of 3</b>" in block
        for update in frame.updates:
            assert update in block  # readable text, not only inside the picture
        assert "<img" not in block and "<svg" not in block
    assert blocks[0].startswith('<details class="cr-frame" data-step="1" open>')
    # the script's graph: one SVG, every node and edge named by its DOT id
    svg = ET.fromstring(script_data(page)["svg"])
    ids = [g.get("data-id") for g in svg.iter(f"{SVG}g") if g.get("data-id")]
    assert sorted(ids) == sorted(
        ["v0", "v1", "v2", "v2_op", "v3", "v4", "v4_op", "v5", "v5_op"]
        + ["v0->v2_op", "v1->v2_op", "v2_op->v2", "v2->v4_op", "v3->v4_op", "v4_op->v4"]
        + ["v4->v5_op", "v5_op->v5"]
    )
    # without scripts: the graph after the last step, an inline PNG
    (final,) = re.findall(r'<div class="cr-final">.*?</div>', page, re.S)
    assert "The graph after step 3:" in final
    (data,) = re.findall(r'src="data:image/png;base64,([^"]+)"', final)
    png = base64.b64decode(data)
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and png.endswith(b"IEND\xaeB`\x82")
    assert png == steps[-1].drawing.pipe("png")
    # nothing is fetched: no external scripts, styles or images
    assert not re.search(r'(src|href)="(https?:)?//', page)
    assert "<script>" in page and 'type="range"' in page


def test_each_frame_says_what_changed_from_the_step_before():
    *_, L = single_neuron()
    steps = backward_steps(L)
    # ids: x v0, w v1, y_pred v2, 4.0 v3 (a number: no grad drawn), n2 v4, L v5
    assert [f.node_id for f in steps] == ["v5", "v4", "v2"]
    assert steps[0].grads == (
        ("v0", "0.0"),
        ("v1", "0.0"),
        ("v2", "0.0"),
        ("v4", "-6.0"),
        ("v5", "1.0"),
    )
    assert steps[1].grads == (("v2", "-6.0"),)  # the 4.0's gradient is never drawn
    assert steps[2].grads == (("v0", "-3.0"), ("v1", "-12.0"))
    # the layout is wide enough for any step's number: w shows 0.0, then -12.0
    assert "{ w | data 0.5 | grad -12.0 }" in steps.layout.source
    assert "{ n2 | data -3.0 | grad -6.0 }" in steps.layout.source
    # no node is marked in it (the script marks them); its legend names the marks
    layout = steps.layout.source
    assert 'fillcolor="#ffe08a"' not in layout and 'fillcolor="#d9f0d3"' not in layout
    assert '<TD BGCOLOR="#ffe08a"' in layout and "this step's node" in layout


def test_the_layout_holds_the_widest_gradient_each_node_shows():
    x = Value(1.0, label="x")
    b = (x * 3.0) * 1.0
    c = x * -0.5
    y = b + c
    y.label = "y"
    steps = backward_steps(y, digits=4)
    texts = [text for f in steps for id_, text in f.grads if id_ == "v0"]
    assert texts == ["0.0", "-0.5", "2.5"]  # x.grad: 0, then c's -0.5, then b's 3 more
    assert "{ x | data 1.0 | grad -0.5 }" in steps.layout.source  # the widest in Helvetica


def tree(depth: int) -> Value:
    """A graph that doubles its leaves with each level: 2**depth inputs summed in pairs."""
    level = [Value(0.1 * (i + 1), label=f"x{i}") for i in range(2**depth)]
    while len(level) > 1:
        level = [(a * b).tanh() for a, b in zip(level[::2], level[1::2])]
    level[0].label = "y"
    return level[0]


@needs_renderer
def test_the_page_grows_with_the_nodes_not_nodes_times_steps():
    """One graph and each step's changes: the page of a 100-node graph stays small."""
    for depth in (3, 5):
        root = tree(depth)
        nodes = len(topological_order(root))
        steps = backward_steps(root, max_nodes=nodes)
        page = steps.to_page()
        data = script_data(page)
        (final,) = re.findall(r'src="data:image/png;base64,([^"]+)"', page)
        rest = len(page) - len(final) - len(json.dumps(data["svg"]))
        assert len(steps) == nodes - 2**depth
        assert rest < 2_000 + 400 * nodes, (depth, rest)  # text and changes: per node and step
        assert len(page) < 400_000 + 10_000 * nodes  # the two pictures included
        assert page.count("data:image") == 1 and page.count("\\u003csvg") == 1


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
def test_svg_picture_without_scripts():
    *_, L = single_neuron()
    steps = backward_steps(L)
    page = steps.to_html(image="svg")
    (data,) = re.findall(r'src="data:image/svg\+xml;base64,([^"]+)"', page)
    svg = ET.fromstring(base64.b64decode(data))
    nodes = [g for g in svg.iter(f"{SVG}g") if g.get("class") == "node"]
    assert len(nodes) == 6 + 3  # six Values, three operations
    texts = [t.text for t in svg.iter(f"{SVG}text")]
    assert "grad -12.0" in texts  # after the last step
    with pytest.raises(ValueError, match="'png'"):
        steps.to_html(image="gif")


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


# The slider script, run in node with a minimal stand-in for the browser DOM: elements
# that keep their classes, and innerHTML that makes the slider's controls or, from the
# graph's SVG, one group per data-id, each with two texts.
_FAKE_DOM = """
function El(tag){var self=this;this.tag=tag;this.style={display:''};this.open=false;
  this.value='1';this.textContent='';this.attrs={};this.marks={};this.parts={};this.all={};
  this.classList={add:function(c){self.marks[c]=1;},
    remove:function(){for(var i=0;i<arguments.length;i++)delete self.marks[arguments[i]];}};}
El.prototype.getAttribute=function(k){return this.attrs[k]||null;};
El.prototype.setAttribute=function(k,v){this.attrs[k]=v;};
El.prototype.querySelector=function(sel){return this.parts[sel];};
El.prototype.querySelectorAll=function(sel){return this.all[sel]||[];};
El.prototype.addEventListener=function(kind,f){this['on'+kind]=f;};
Object.defineProperty(El.prototype,'innerHTML',{get:function(){return this.html;},
  set:function(h){this.html=h;
    if(h.indexOf('cr-slider')>=0){this.parts={'.cr-slider':new El('input'),
      '.cr-where':new El('span'),'.cr-prev':new El('button'),'.cr-next':new El('button')};
      return;}
    var groups=[],re=/data-id="([^"]*)"/g,m;
    while((m=re.exec(h))){var g=new El('g');g.attrs['data-id']=m[1].replace('&#45;&gt;','->');
      g.all={text:[new El('text'),new El('text')]};groups.push(g);}
    this.all={'g[data-id]':groups};}});
var frames=[];for(var k=0;k<STEPS;k++)frames.push(new El('details'));
var final=new El('div'),root=new El('div'),inserted=[],made=[];
root.all={'details.cr-frame':frames,'.cr-final':[final]};
root.insertBefore=function(el,before){inserted.push([el.className,frames.indexOf(before)]);};
var document=CURRENT
  ? {currentScript:{parentElement:root}}
  : {currentScript:null,querySelectorAll:function(sel){
       return sel.indexOf('data-stepper=')>0 ? [root] : [];}};
document.createElement=function(tag){var el=new El(tag);made.push(el);return el;};
function state(){
  var bar=made[0],view=made[1],marks={},texts={};
  view.all['g[data-id]'].forEach(function(g){var id=g.attrs['data-id'];
    Object.keys(g.marks).forEach(function(c){(marks[c]=marks[c]||[]).push(id);});
    if(g.all.text[1].textContent)texts[id]=g.all.text[1].textContent;});
  return {shown:frames.map(function(f){return f.style.display===''?1:0;}).join(''),
          where:bar.parts['.cr-where'].textContent,marks:marks,texts:texts};}
var log=[];
SCRIPT
SCRIPT
var bar=made[0];
log.push({made:made.map(function(e){return e.tag;}),inserted:inserted,
  max:(bar.innerHTML.match(/type="range"[^>]*max="(\\d+)"/)||[])[1],final:final.style.display});
log.push(state());
bar.parts['.cr-next'].onclick();log.push(state());
bar.parts['.cr-next'].onclick();bar.parts['.cr-next'].onclick();log.push(state());
bar.parts['.cr-prev'].onclick();log.push(state());
bar.parts['.cr-slider'].value='1';bar.parts['.cr-slider'].oninput();log.push(state());
var stopped=[];
function press(key){var e={key:key,preventDefault:function(){stopped.push(key);},
  stopPropagation:function(){stopped.push(key);}};root.onkeydown(e);log.push(state());}
press('ArrowRight');press('ArrowRight');press('ArrowLeft');press('a');
log.push({stopped:stopped,tabIndex:root.tabIndex,
  suppress:root.getAttribute('data-lm-suppress-shortcuts')});
console.log(JSON.stringify(log));
"""


def drawn_state(source: str) -> dict:
    """What a frame's DOT shows: the ids filled yellow and green, the bold edges, each grad."""
    marks: dict[str, list[str]] = {}
    texts = {}
    for line in source.splitlines():
        edge = re.match(r"\s*(\w+) -> (\w+) \[.*penwidth=2.5", line)
        if edge:
            marks.setdefault("cr-bold", []).append(f"{edge.group(1)}->{edge.group(2)}")
            continue
        node = re.match(r"\s*(\w+) \[label=(.*)\]$", line)
        if node is None:
            continue
        grad = re.search(r"\| (grad [^ ]+) }", node.group(2))
        if grad:
            texts[node.group(1)] = grad.group(1)
        for mark, fill in (("cr-focus", "#ffe08a"), ("cr-done", "#d9f0d3")):
            if f'fillcolor="{fill}"' in node.group(2):
                marks.setdefault(mark, []).append(node.group(1))
    return {"marks": {k: sorted(v) for k, v in marks.items()}, "texts": texts}


@pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed")
@needs_renderer
@pytest.mark.parametrize("current_script", [True, False])
def test_slider_script_draws_each_frame_on_the_one_graph(current_script):
    """The script, run twice (a re-rendered output), sets the stepper up once, and each
    step it shows marks and labels the graph as that frame's own drawing does."""
    *_, L = single_neuron()
    steps = backward_steps(L)
    page = steps.to_html()
    (script,) = re.findall(r"<script>(.*?)</script>", page, re.S)
    program = _FAKE_DOM.replace("CURRENT", "true" if current_script else "false")
    program = program.replace("STEPS", str(len(steps)))
    run = subprocess.run(
        ["node", "-e", program.replace("SCRIPT", script)],
        capture_output=True,
        text=True,
        check=True,
        timeout=30,
    )
    setup, *shown, keys = json.loads(run.stdout)
    # one bar before the first step, one graph after the last; the PNG for no scripts hidden
    assert setup == {
        "made": ["div", "div"],
        "inserted": [["cr-controls", 0], ["cr-graph", -1]],
        "max": "3",
        "final": "none",
    }
    assert [(s["shown"], s["where"]) for s in shown] == [
        ("100", "step 1 of 3"),
        ("010", "step 2 of 3"),
        ("001", "step 3 of 3"),  # next at the end stays at the end
        ("010", "step 2 of 3"),
        ("100", "step 1 of 3"),
        ("010", "step 2 of 3"),  # the arrow keys: right, right, left, and another key
        ("001", "step 3 of 3"),
        ("010", "step 2 of 3"),
        ("010", "step 2 of 3"),
    ]
    # an arrow key is the stepper's alone: the slider and JupyterLab do not also take it
    assert keys == {
        "stopped": ["ArrowRight"] * 4 + ["ArrowLeft"] * 2,
        "tabIndex": 0,
        "suppress": "true",
    }
    for state, index in zip(shown, (0, 1, 2, 1, 0, 1, 2, 1, 1)):
        drawn = drawn_state(steps[index].drawing.source)
        assert len(drawn["marks"]["cr-focus"]) == 2 and len(drawn["texts"]) == 5  # node and op
        assert {k: sorted(v) for k, v in state["marks"].items()} == drawn["marks"]
        assert state["texts"] == drawn["texts"]
    assert shown[2]["texts"]["v1"] == "grad -12.0" and shown[0]["texts"]["v1"] == "grad 0.0"


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
    assert len(links) == 1 and links[0].startswith("data:image/png;base64,")
    addresses = re.findall(r"https?://[^\s\"'\\]+", re.sub(r'"data:[^"]*"', "", page[start:end]))
    assert set(addresses) <= {"http://www.w3.org/2000/svg", "http://www.w3.org/1999/xlink"}


def png_size(png: bytes) -> tuple[int, int]:
    return int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")


@needs_renderer
def test_save_frames_writes_one_png_per_step_all_laid_out_alike(tmp_path):
    *_, L = single_neuron()
    steps = backward_steps(L)
    # drawn alone, the frames differ in size: w's box widens from 'grad 0.0' to 'grad -12.0'
    alone = [frame.drawing.pipe("png") for frame in steps]
    assert len({png_size(png) for png in alone}) > 1
    paths = steps.save_frames(tmp_path / "frames")
    assert [os.path.basename(p) for p in paths] == ["step_1.png", "step_2.png", "step_3.png"]
    pictures = [open(p, "rb").read() for p in paths]
    assert all(png.startswith(b"\x89PNG\r\n\x1a\n") for png in pictures)
    assert len({png_size(png) for png in pictures}) == 1  # one size: nothing moves
    assert len(set(pictures)) == 3
    assert png_size(pictures[0])[0] >= max(png_size(png)[0] for png in alone)


@needs_renderer
def test_save_gif_animates_the_steps(tmp_path):
    image = pytest.importorskip("PIL.Image")
    *_, L = single_neuron()
    steps = backward_steps(L)
    steps.save_gif(tmp_path / "steps.gif", seconds_per_step=0.5)
    gif = image.open(tmp_path / "steps.gif")
    assert gif.format == "GIF" and gif.n_frames == 3 and gif.info["loop"] == 0
    assert gif.info["duration"] == 500
    assert gif.size == png_size(steps.pictures()[0])
    with pytest.raises(ValueError, match="above 0"):
        steps.save_gif(tmp_path / "never.gif", seconds_per_step=0)
    with pytest.raises(ValueError, match="is a leaf"):
        backward_steps(Value(1.0, label="x")).save_gif(tmp_path / "never.gif")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["steps.gif"]


def test_save_gif_without_pillow_names_the_extra(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "PIL", None)
    *_, L = single_neuron()
    with pytest.raises(ImportError, match=r"pip install 'chainrule\[plot\]'") as info:
        backward_steps(L).save_gif(tmp_path / "steps.gif")
    assert "from a clone: pip install -e '.[plot]'" in str(info.value)


@needs_renderer
def test_the_graph_shrinks_to_the_column_but_keeps_its_text_readable():
    from autograd.render import SMALLEST_TEXT_PX

    x = Value(0.5, label="x")
    y = x
    for _ in range(12):
        y = (y * 1.5).tanh()
    y.label = "y"
    svg = script_data(backward_steps(y, rankdir="LR").to_html())["svg"]
    width = float(re.search(r'<svg [^>]*width="([0-9.]+)pt"', svg).group(1)) * 96 / 72
    narrowest = int(re.search(r"min-width:(\d+)px", svg).group(1))
    assert "max-width:100%" in svg and narrowest < width
    # at that width its 11 pt text is SMALLEST_TEXT_PX high, no less
    assert narrowest / width * 11 * 96 / 72 == pytest.approx(SMALLEST_TEXT_PX, abs=0.05)
