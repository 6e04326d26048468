"""Rendering: with a system dot, through the graphviz-pure fallback, and with neither."""

from __future__ import annotations

import base64
import io
import math
import os
import re
import shutil
import stat
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from autograd import RenderError, Value, draw
from autograd.render import find_renderer, fitted_svg, render_source

SVG = "{http://www.w3.org/2000/svg}"
HAS_DOT = shutil.which("dot") is not None


def _has_pure() -> bool:
    try:
        find_renderer("graphviz-pure")
    except RenderError:
        return False
    return True


HAS_PURE = _has_pure()
RENDERERS = [
    pytest.param(
        "dot", marks=pytest.mark.skipif(not HAS_DOT, reason="no system Graphviz dot on PATH")
    ),
    pytest.param(
        "graphviz-pure",
        marks=pytest.mark.skipif(not HAS_PURE, reason="graphviz-pure (render extra) missing"),
    ),
]


def lecture_neuron() -> Value:
    x1, x2 = Value(2.0, label="x1"), Value(0.0, label="x2")
    w1, w2 = Value(-3.0, label="w1"), Value(1.0, label="w2")
    b = Value(6.8813735870195432, label="b")
    n = x1 * w1 + x2 * w2 + b
    n.label = "n"
    o = n.tanh()
    o.label = "o"
    o.backward()
    return o


def parse_svg(svg: str) -> tuple[int, int, list[str]]:
    """(number of nodes, number of edges, every text) of a Graphviz SVG."""
    tree = ET.fromstring(svg.encode("utf-8"))
    groups = list(tree.iter(f"{SVG}g"))
    nodes = sum(1 for g in groups if g.get("class") == "node")
    edges = sum(1 for g in groups if g.get("class") == "edge")
    texts = ["".join(t.itertext()).strip() for t in tree.iter(f"{SVG}text")]
    return nodes, edges, texts


def check_lecture_svg(svg: str) -> None:
    nodes, edges, texts = parse_svg(svg)
    assert nodes == 10 + 5  # ten Values, five operations
    assert edges == 5 + 9  # op -> result, and one per operand
    for text in ("x1", "data 2.0", "grad -1.5", "o", "data 0.7071", "tanh", "*", "+"):
        assert text in texts, text


@pytest.fixture
def no_dot_on_path(tmp_path, monkeypatch):
    """PATH without any Graphviz: only graphviz-pure next to sys.executable is left."""
    empty = tmp_path / "empty-bin"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    return empty


@pytest.mark.parametrize("renderer", RENDERERS)
def test_svg_from_each_renderer_has_every_node_edge_and_label(renderer):
    d = draw(lecture_neuron())
    d.program = renderer
    check_lecture_svg(d.pipe(format="svg", encoding="utf-8"))


@pytest.mark.skipif(not HAS_PURE, reason="graphviz-pure (render extra) missing")
def test_without_dot_on_path_renders_through_graphviz_pure(no_dot_on_path, tmp_path):
    assert shutil.which("dot") is None
    assert Path(find_renderer()).name.startswith("graphviz-pure")
    d = draw(lecture_neuron())
    check_lecture_svg(d.pipe(format="svg", encoding="utf-8"))
    assert d.pipe(format="png")[:8] == b"\x89PNG\r\n\x1a\n"
    out = d.render(tmp_path / "neuron", format="svg")
    assert out.endswith("neuron.svg")
    check_lecture_svg(Path(out).read_text(encoding="utf-8"))


@pytest.mark.skipif(not HAS_PURE, reason="graphviz-pure (render extra) missing")
def test_notebook_bundle_has_svg_and_png(no_dot_on_path):
    bundle, metadata = draw(lecture_neuron())._repr_mimebundle_()
    assert set(bundle) == {"text/html", "image/svg+xml", "image/png"}
    check_lecture_svg(bundle["image/svg+xml"])
    assert bundle["image/png"][:4] == b"\x89PNG"
    assert set(metadata) == {"image/png"}
    only_png, _ = draw(lecture_neuron())._repr_mimebundle_(include=["image/png"])
    assert set(only_png) == {"image/png"}


def test_with_no_renderer_at_all_the_error_names_both_fixes(no_dot_on_path, monkeypatch, tmp_path):
    monkeypatch.setattr(sys, "executable", str(tmp_path / "nowhere" / "python"))
    d = draw(lecture_neuron())
    assert "digraph" in d.source  # DOT needs no renderer
    with pytest.raises(RenderError) as info:
        d.pipe(format="svg")
    message = str(info.value)
    assert "package manager" in message
    assert "pip install 'chainrule[render]'" in message
    assert "(from a clone of chainrule: pip install -e '.[render]')" in message
    bundle, metadata = d._repr_mimebundle_()
    assert set(bundle) == {"text/plain"} and metadata == {}
    assert "cannot be shown as a picture" in bundle["text/plain"]
    assert "pip install 'chainrule[render]'" in bundle["text/plain"]
    with pytest.raises(RenderError):
        d.render(tmp_path / "x", format="svg")
    assert not (tmp_path / "x.svg").exists()


DRAIN = "while read -r line; do :; done; "  # read stdin, like a renderer, without `cat`


def fake_renderer(directory: Path, body: str) -> None:
    """A `dot` in `directory` that runs the shell `body`."""
    script = directory / "dot"
    script.write_text("#!/bin/sh\n" + body + "\n")
    script.chmod(script.stat().st_mode | stat.S_IEXEC)


@pytest.mark.skipif(os.name == "nt", reason="shell script renderer")
def test_renderer_warnings_do_not_reach_stderr(no_dot_on_path, capfd):
    fake_renderer(
        no_dot_on_path,
        DRAIN + "echo 'Warning: no width for non-ASCII label' >&2; echo '<svg/>'",
    )
    out = render_source("digraph { a }", "svg")
    assert out.strip() == b"<svg/>"
    d = draw(lecture_neuron())
    d.pipe(format="svg")
    captured = capfd.readouterr()
    assert captured.err == "" and captured.out == ""


@pytest.mark.skipif(os.name == "nt", reason="shell script renderer")
def test_a_failing_renderer_is_a_render_error_with_its_message(no_dot_on_path, tmp_path):
    fake_renderer(
        no_dot_on_path,
        "while read -r line; do :; done; echo 'Error: syntax error in line 1' >&2; exit 1",
    )
    with pytest.raises(RenderError, match="exit code 1.*syntax error in line 1"):
        render_source("digraph { a }", "svg")
    d = draw(lecture_neuron())
    with pytest.raises(RenderError):
        d.render(tmp_path / "half", format="svg")
    assert not (tmp_path / "half.svg").exists()


@pytest.mark.skipif(not HAS_PURE, reason="graphviz-pure (render extra) missing")
def test_non_ascii_labels_render_quietly(capfd):
    x = Value(2.0, label="x₁")
    y = x * x
    y.label = "ŷ"
    y.backward()
    draw(y).pipe(format="svg", encoding="utf-8")
    assert capfd.readouterr().err == ""


def test_prefer_must_name_a_renderer():
    with pytest.raises(ValueError, match="'dot' and 'graphviz-pure'"):
        find_renderer("neato")


@pytest.mark.parametrize("renderer", RENDERERS)
@pytest.mark.parametrize("format", ["svg", "png"])
def test_render_many_cuts_one_picture_per_graph(renderer, format):
    from autograd.render import render_many

    sources = ["digraph { a -> b }", "digraph { p -> q -> r }", "digraph { z }"]
    pictures = render_many(sources, format, renderer=renderer)
    assert len(pictures) == 3
    if format == "svg":
        counts = [parse_svg(p.decode("utf-8"))[0] for p in pictures]
        assert counts == [2, 3, 1]
    else:
        assert all(
            p[:8] == b"\x89PNG\r\n\x1a\n" and p.endswith(b"IEND\xaeB`\x82") for p in pictures
        )
        one_by_one = [render_source(s, "png", renderer=renderer) for s in sources]
        assert pictures == one_by_one


@pytest.mark.skipif(not HAS_PURE, reason="graphviz-pure (render extra) missing")
def test_pdf_through_graphviz_pure_says_it_needs_system_graphviz(no_dot_on_path):
    d = draw(lecture_neuron())
    with pytest.raises(RenderError) as info:
        d.pipe(format="pdf")
    message = str(info.value)
    assert "graphviz-pure, the renderer found here, cannot write pdf" in message
    assert "svg" in message and "system Graphviz" in message
    assert "bug to report" not in message


def test_drawing_needs_nothing_of_the_graphviz_package():
    """chainrule writes DOT and runs the renderer itself, so no graphviz version can break it."""
    script = (
        "import sys; sys.modules['graphviz'] = None\n"  # any import of graphviz fails
        "from autograd import Value, draw\n"
        "from autograd.render import find_renderer\n"
        "x = Value(2.0, label='x'); y = x * x; y.label = 'y'; y.backward()\n"
        "d = draw(y)\n"
        "print(d.source.splitlines()[1])\n"
        "try:\n"
        "    find_renderer()\n"
        "except Exception:\n"
        "    print(True)  # no renderer: the DOT text is all there is to check\n"
        "else:\n"
        "    print('</svg>' in d.pipe('svg', encoding='utf-8'))\n"
    )
    root = Path(__file__).resolve().parent.parent
    env = {**os.environ, "PYTHONPATH": str(root)}
    run = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env)
    assert run.returncode == 0, run.stderr
    assert run.stdout.splitlines() == ["digraph y {", "True"]


@pytest.mark.skipif(not HAS_PURE, reason="graphviz-pure (render extra) missing")
def test_render_writes_the_picture_and_the_dot_text_save_writes_the_text(tmp_path):
    d = draw(lecture_neuron())
    d.program = "graphviz-pure"
    out = d.render(tmp_path / "neuron", format="svg")
    assert out == str(tmp_path / "neuron.svg")
    assert (tmp_path / "neuron").read_text(encoding="utf-8") == d.source
    check_lecture_svg(Path(out).read_text(encoding="utf-8"))
    out = d.render("alone", format="png", directory=str(tmp_path / "sub"), cleanup=True)
    assert Path(out).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert sorted(p.name for p in (tmp_path / "sub").iterdir()) == ["alone.png"]
    assert d.save(tmp_path / "n.dot") == str(tmp_path / "n.dot")
    assert (tmp_path / "n.dot").read_text(encoding="utf-8") == d.source


@pytest.mark.skipif(os.name == "nt", reason="shell script renderer")
def test_a_renderer_that_writes_nothing_is_a_render_error_and_no_file(no_dot_on_path, tmp_path):
    fake_renderer(no_dot_on_path, DRAIN + "exit 0")
    with pytest.raises(RenderError, match="dot wrote nothing for this graph") as info:
        render_source("digraph { a }", "svg")
    assert "bug to report" in str(info.value)
    d = draw(lecture_neuron())
    with pytest.raises(RenderError):
        d.render(tmp_path / "empty", format="svg")
    assert list(tmp_path.iterdir()) == [no_dot_on_path]
    bundle, _ = d._repr_mimebundle_()
    assert set(bundle) == {"text/plain"} and "wrote nothing" in bundle["text/plain"]


@pytest.mark.parametrize("renderer", RENDERERS)
def test_a_label_past_the_renderers_limit_is_drawn_shortened(renderer):
    """dot 2.43 writes 0 bytes (and exits 0) for a quoted string past 16,384 bytes."""
    x = Value(2.0, label="x" * 20_000)
    y = x * 3
    y.label = '"' * 20_000  # each character escaped: twice as long in DOT
    y.backward()
    d = draw(y)
    assert f"{{ {'x' * 999}… | data 2.0" in d.source
    assert "{ " + '\\"' * 999 + "… | data 6.0" in d.source
    d.program = renderer
    _, _, texts = parse_svg(d.pipe("svg", encoding="utf-8"))
    assert "x" * 999 + "…" in texts and '"' * 999 + "…" in texts


@pytest.mark.skipif(os.name == "nt", reason="shell script renderer")
@pytest.mark.skipif(not HAS_PURE, reason="graphviz-pure (render extra) missing")
def test_chainrule_renderer_variable_forces_one_renderer(no_dot_on_path, monkeypatch):
    fake_renderer(no_dot_on_path, DRAIN + "echo '<svg>from dot</svg>'")
    d = draw(lecture_neuron())
    assert d.pipe("svg") == b"<svg>from dot</svg>\n"  # dot first when nothing is asked
    monkeypatch.setenv("CHAINRULE_RENDERER", "graphviz-pure")
    assert Path(find_renderer()).name.startswith("graphviz-pure")
    check_lecture_svg(d.pipe("svg", encoding="utf-8"))
    assert find_renderer("dot") == str(no_dot_on_path / "dot")  # an explicit choice wins
    monkeypatch.setenv("CHAINRULE_RENDERER", "dot")
    assert d.pipe("svg") == b"<svg>from dot</svg>\n"
    (no_dot_on_path / "dot").unlink()
    with pytest.raises(RenderError, match=r"the dot renderer \(asked for by CHAINRULE_RENDERER="):
        find_renderer()
    monkeypatch.setenv("CHAINRULE_RENDERER", "neato")
    with pytest.raises(RenderError, match="CHAINRULE_RENDERER='neato' names no renderer"):
        d.pipe("svg")
    assert set(d._repr_mimebundle_()[0]) == {"text/plain"}


# Fit the page (issue #16): the notebook display shrinks to its column, never below 9 px text.


def nn_loss(sizes: list[int]) -> Value:
    import nn

    model = nn.MLP(2, sizes, seed=0)
    loss = (model([0.5, -1.0]) - 1.0) ** 2
    loss.label = "loss"
    loss.backward()
    return loss


def html_image(page: str) -> dict[str, str]:
    """The attributes of the one <img> in page; its style's properties as 'css:name'."""
    (tag,) = re.findall(r"<img [^>]*>", page)
    attrs = dict(re.findall(r'(\w+)="([^"]*)"', tag))
    for declaration in attrs.pop("style").split(";"):
        name, value = declaration.split(":", 1)
        attrs[f"css:{name}"] = value
    return attrs


def png_size(png: bytes) -> tuple[int, int]:
    return int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")


def test_fitted_svg_shrinks_to_fit_and_keeps_its_size_where_there_is_room():
    svg = '<?xml?>\n<svg width="1300pt" height="200pt" style="x" xmlns="s">\n<g/></svg>'
    root = re.search(r"<svg[^>]*>", fitted_svg(svg)).group()
    assert 'viewBox="0 0 1300 200"' in root and 'width="1300pt"' in root
    assert 'style="max-width:100%;height:auto;background:#fff"' in root
    assert root.count("style=") == 1


@pytest.mark.parametrize("renderer", RENDERERS)
@pytest.mark.parametrize("sizes", [None, [2, 1]], ids=["lecture neuron", "28 values"])
def test_notebook_picture_fits_a_column_with_text_of_at_least_9_px(renderer, sizes, monkeypatch):
    from autograd import topological_order
    from autograd.render import COLUMN_PX, SMALLEST_TEXT_PX

    monkeypatch.setenv("CHAINRULE_RENDERER", renderer)
    root = lecture_neuron() if sizes is None else nn_loss(sizes)
    assert sizes is None or len(topological_order(root)) == 28  # the inputs x[0], x[1] once
    bundle, metadata = draw(root, color="grad", edge_labels=True)._repr_mimebundle_()
    png = bundle["image/png"]
    width, height = (math.ceil(n / 2) for n in png_size(png))  # two pixels per CSS pixel
    assert metadata["image/png"] == {"width": width, "height": height}
    img = html_image(bundle["text/html"])
    assert (int(img["width"]), int(img["height"])) == (width, height)
    assert img["css:max-width"] == "100%" and img["css:height"] == "auto"
    assert img["css:background"] == "#fff"
    assert base64.b64decode(img["src"].split(",", 1)[1]) == png
    narrowest = int(img["css:min-width"].removesuffix("px"))
    assert narrowest <= COLUMN_PX, f"{width} px wide: does not fit a {COLUMN_PX} px column"
    # the smallest text drawn is 11 pt, 14.67 px at full size
    assert 11 * 4 / 3 * narrowest / width >= SMALLEST_TEXT_PX - 0.01
    assert "scrolls sideways" not in bundle["text/html"]
    svg_root = re.search(r"<svg[^>]*>", bundle["image/svg+xml"]).group()
    assert "viewBox=" in svg_root and "max-width:100%" in svg_root and "background:#fff" in svg_root


@pytest.mark.skipif(not HAS_PURE, reason="graphviz-pure (render extra) missing")
def test_a_graph_too_wide_for_a_column_scrolls_and_says_how_to_draw_it_grouped(monkeypatch):
    monkeypatch.setenv("CHAINRULE_RENDERER", "graphviz-pure")
    loss = nn_loss([4, 4, 1])
    page = draw(loss)._repr_html_()
    img = html_image(page)
    assert int(img["css:min-width"].removesuffix("px")) > 968
    assert "scrolls sideways" in page
    assert "draw(root, group=&#x27;layer&#x27;) draws each layer of the network as one box" in page
    assert 'style="overflow-x:auto;max-width:100%"' in page
    _, metadata = draw(loss)._repr_mimebundle_(include=["image/png"])
    assert metadata["image/png"]["unconfined"] is True  # the PNG alone scrolls too


def notebook_03_neuron() -> Value:
    """The micrograd lecture's neuron as notebook 03 draws it: its sums labelled too."""
    o = lecture_neuron()
    (n,) = o.parents
    total, _ = n.parents
    x1w1, x2w2 = total.parents
    total.label, x1w1.label, x2w2.label = "x1*w1 + x2*w2", "x1*w1", "x2*w2"
    return o


@pytest.mark.parametrize("renderer", RENDERERS)
def test_the_png_alone_keeps_notebook_03s_neuron_readable_in_a_column(renderer, monkeypatch):
    """Where only the PNG shows (an untrusted notebook), at its 'width' shrunk to a
    COLUMN_PX column unless 'unconfined', notebook 03's drawing has text of 9 px or more;
    graphviz-pure, which draws the committed notebooks, fits it to the column."""
    from autograd.render import COLUMN_PX, SMALLEST_TEXT_PX

    monkeypatch.setenv("CHAINRULE_RENDERER", renderer)
    bundle, metadata = draw(notebook_03_neuron(), edge_labels=True)._repr_mimebundle_()
    shown = metadata["image/png"]
    width = shown["width"] if shown.get("unconfined") else min(shown["width"], COLUMN_PX)
    text_px = 11 * 96 / 72 * width / shown["width"]  # its text is 11 pt at full size
    assert text_px >= SMALLEST_TEXT_PX, (shown, text_px)
    if renderer == "graphviz-pure":
        assert "unconfined" not in shown and text_px == pytest.approx(9.46, abs=0.05)


@pytest.mark.parametrize("renderer", RENDERERS)
def test_pictures_have_an_opaque_white_background_for_dark_themes(renderer):
    image = pytest.importorskip("PIL.Image")
    d = draw(lecture_neuron())
    d.program = renderer
    assert "bgcolor=white" in d.source
    picture = image.open(io.BytesIO(d.pipe("png"))).convert("RGBA")
    # one pixel in: dot blends the last column of a picture of fractional width
    assert picture.getpixel((1, 1)) == (255, 255, 255, 255)
    assert picture.getpixel((picture.width - 2, picture.height - 2)) == (255, 255, 255, 255)


# Same picture everywhere (issue #16): graphviz-pure, the renderer of the committed pictures.

SAME_PICTURES = """
import hashlib, json
from autograd import Value, backward_steps, draw
junk = [Value(float(i)) for i in range(41)]  # shifts creation counters and ids
x, w = Value(2.0, label="x"), Value(0.5, label="w")
y_pred = x * w
y_pred.label = "y_pred"
L = (y_pred - 4.0) ** 2
L.label = "L"
steps = backward_steps(L)
L.backward()
shown, _ = draw(L, edge_labels=True, color="grad", title="a caption")._repr_mimebundle_()
shown.update(steps=steps.to_html(), frames=b"".join(steps.pictures()))
print(json.dumps({k: hashlib.sha256(v if isinstance(v, bytes) else v.encode()).hexdigest()
                  for k, v in sorted(shown.items())}))
"""


@pytest.mark.skipif(not HAS_PURE, reason="graphviz-pure (render extra) missing")
def test_graphviz_pure_draws_the_same_bytes_in_every_run():
    """Two runs (other hash seeds, other ids) give the same SVG, PNG, HTML and stepper."""
    runs = []
    for seed in ("1", "2"):
        env = {
            **os.environ,
            "PYTHONPATH": str(Path(__file__).resolve().parent.parent),
            "PYTHONHASHSEED": seed,
            "CHAINRULE_RENDERER": "graphviz-pure",
        }
        run = subprocess.run(
            [sys.executable, "-c", SAME_PICTURES], capture_output=True, env=env, check=True
        )
        runs.append(run.stdout)
    assert runs[0] == runs[1]
    assert b'"image/png"' in runs[0] and b'"image/svg+xml"' in runs[0] and b'"steps"' in runs[0]
