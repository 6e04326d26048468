"""draw(): golden DOT for small graphs, and the options, checked on the DOT text."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import nn
from autograd import Value, draw, topological_order
from autograd.draw import grad_color, norm_color
from autograd.naming import format_number, node_names
from autograd.recording import module_scope
from autograd.render import Drawing
from tests._golden import assert_golden

ROOT = Path(__file__).resolve().parent.parent


def single_neuron() -> tuple[Value, Value, Value]:
    x, w = Value(2.0, label="x"), Value(0.5, label="w")
    y_pred = x * w
    y_pred.label = "y_pred"
    L = (y_pred - 4.0) ** 2
    L.label = "L"
    L.backward()
    return x, w, L


def lecture_neuron() -> tuple[Value, dict[str, Value]]:
    x1, x2 = Value(2.0, label="x1"), Value(0.0, label="x2")
    w1, w2 = Value(-3.0, label="w1"), Value(1.0, label="w2")
    b = Value(6.8813735870195432, label="b")
    n = x1 * w1 + x2 * w2 + b
    n.label = "n"
    o = n.tanh()
    o.label = "o"
    o.backward()
    return o, {"x1": x1, "x2": x2, "w1": w1, "w2": w2, "b": b, "n": n}


def node_lines(source: str) -> dict[str, str]:
    """DOT node id -> its attribute text, for node statements."""
    found = {}
    for line in source.splitlines():
        m = re.match(r"\s*(\w+) \[(.*)\]$", line)
        if m and m.group(1) not in ("graph", "node", "edge"):
            found[m.group(1)] = m.group(2)
    return found


def edge_lines(source: str) -> list[tuple[str, str, str]]:
    found = []
    for line in source.splitlines():
        m = re.match(r"\s*(\w+) -> (\w+)(?: \[(.*)\])?$", line)
        if m:
            found.append((m.group(1), m.group(2), m.group(3) or ""))
    return found


def test_returns_a_drawing():
    *_, L = single_neuron()
    d = draw(L)
    assert isinstance(d, Drawing) and d.name == "L" and repr(d) == "<Drawing of L>"
    assert d.source.startswith("// chainrule graph of L\ndigraph L {\n")


def test_golden_single_neuron():
    *_, L = single_neuron()
    assert_golden("draw_single_neuron.dot", draw(L).source)


def test_golden_lecture_neuron_with_every_option():
    o, v = lecture_neuron()
    assert_golden("draw_lecture_neuron_edge_labels.dot", draw(o, edge_labels=True).source)
    assert_golden("draw_lecture_neuron_color_grad.dot", draw(o, color="grad").source)
    assert_golden("draw_lecture_neuron_highlight_w1.dot", draw(o, highlight=v["w1"]).source)
    assert_golden(
        "draw_lecture_neuron_tb_no_grad.dot",
        draw(o, rankdir="TB", show_grad=False, digits=2).source,
    )


def test_record_per_value_and_op_node_per_operation():
    o, _ = lecture_neuron()
    order = topological_order(o)
    nodes = node_lines(draw(o).source)
    values = [k for k in nodes if not k.endswith("_op")]
    ops = [k for k in nodes if k.endswith("_op")]
    assert len(values) == len(order)
    assert len(ops) == sum(not n.is_leaf for n in order)
    assert 'label="{ o | data 0.7071 | grad 1.0 }"' in nodes["v9"]
    assert 'label="{ x1 | data 2.0 | grad -1.5 }"' in nodes["v0"]
    assert nodes["v9_op"].startswith("label=tanh")


def test_edge_labels_are_local_derivatives():
    o, v = lecture_neuron()
    edges = edge_lines(draw(o, edge_labels=True).source)
    # n1 = x1 * w1: d/dx1 = w1 = -3, d/dw1 = x1 = 2; o = tanh(n): 1 - o**2 = 0.5
    assert ("v0", "v5_op", "label=-3.0") in edges
    assert ("v2", "v5_op", "label=2.0") in edges
    assert ("v8", "v9_op", "label=0.5") in edges
    # the op -> result edges carry no label
    assert ("v9_op", "v9", "") in edges


def test_digits_controls_significant_digits():
    x = Value(3.14159265, label="pi")
    y = x * 1.0
    assert "data 3.14 " in draw(y, digits=3).source
    assert "data 3.141593 " in draw(y, digits=7).source


def test_highlight_marks_exactly_the_paths_to_the_root():
    o, v = lecture_neuron()
    source = draw(o, highlight=v["w1"]).source
    nodes = node_lines(source)
    lit = {k for k, attrs in nodes.items() if "penwidth=2.5" in attrs}
    # w1 -> (*) -> n1 -> (+) -> n3 -> (+) -> n -> (tanh) -> o
    assert lit == {"v2", "v5_op", "v5", "v7_op", "v7", "v8_op", "v8", "v9_op", "v9"}
    lit_edges = {(a, b) for a, b, attrs in edge_lines(source) if "penwidth" in attrs}
    assert ("v2", "v5_op") in lit_edges and ("v0", "v5_op") not in lit_edges
    assert len(lit_edges) == 8


def test_highlight_of_a_node_outside_the_graph_is_refused():
    o, _ = lecture_neuron()
    stranger = Value(1.0, label="stranger")
    with pytest.raises(ValueError, match="'stranger'.*not in the graph"):
        draw(o, highlight=stranger)


def legend_of(source: str) -> str:
    """The HTML-like table of the graph's legend (its label, the last statement)."""
    lines = source.splitlines()
    assert lines[-1] == "}" and lines[-2].startswith("\tlabel=<<TABLE ")
    assert lines[-2].endswith(">> labeljust=l labelloc=b")
    return lines[-2][len("\tlabel=<") : -len("> labeljust=l labelloc=b")]


def legend_lines(source: str) -> list[str]:
    """The legend's lines as plain text: its cells' words, joined by spaces."""
    text = re.sub(r"<[^>]*>", " ", legend_of(source).replace("</TR></TABLE></TD></TR>", "\n"))
    return [" ".join(line.split()) for line in text.strip().splitlines()]


def test_color_grad_shades_by_sign_and_magnitude_with_legend():
    o, v = lecture_neuron()
    source = draw(o, color="grad").source
    nodes = node_lines(source)
    assert f'fillcolor="{grad_color(-1.5, 1.5)}"' in nodes["v0"]  # x1: the largest |grad|
    assert 'fillcolor="#ffffff"' in nodes["v3"]  # w2: grad 0
    assert legend_lines(source) == ["fill: grad -1.5 0 +1.5"]
    for colour in (grad_color(-1.5, 1.5), "#ffffff", grad_color(1.5, 1.5)):
        assert f'<TD BGCOLOR="{colour}" BORDER="1"' in legend_of(source)


def test_color_grad_before_backward_has_a_legend_that_says_every_grad_is_0():
    x = Value(2.0, label="x")
    y = x * x
    y.label = "y"
    assert legend_lines(draw(y, color="grad").source) == ["fill: grad (every grad is 0)"]


def test_one_legend_line_for_each_kind_of_mark_drawn():
    o, v = lecture_neuron()
    report = SimpleNamespace(rows=[SimpleNamespace(name="x1", passed=True)])
    assert "label=<" not in draw(o).source  # nothing marked, nothing to explain
    assert "cluster" not in draw(o, color="grad", edge_labels=True, highlight=v["w1"]).source
    assert legend_lines(draw(o, color="grad", edge_labels=True, highlight=v["w1"]).source) == [
        "fill: grad -1.5 0 +1.5",
        "numbers on edges: local derivatives d(out)/d(in)",
        "orange : paths from the highlighted value to the root",
    ]
    assert legend_lines(draw(o, color=report).source) == [
        "gradcheck input passed input FAILED no derivative"
    ]


def test_the_legend_holds_no_text_of_the_user():
    """It is the one HTML label of a drawing, so it names no label, even a highlighted one."""
    x = Value(2.0, label="<b>x</b> & co")
    y = (x * 3.0).tanh()
    y.label = "<i>y</i>"
    y.backward()
    source = draw(y, color="grad", edge_labels=True, highlight=x).source
    legend = legend_of(source)
    assert "x</b>" not in legend and "<i>" not in legend and "&" not in legend
    assert '"{ <b>x</b> & co |' not in source and '"{ \\<b\\>x\\</b\\> & co |' in source


def test_grad_color_is_monotone_in_magnitude():
    def channels(g: float) -> tuple[int, int, int]:
        c = grad_color(g, 1.0)
        return int(c[1:3], 16), int(c[3:5], 16), int(c[5:7], 16)

    magnitudes = (0.0, 0.01, 0.1, 0.5, 1.0, 2.0)
    # darker with |g|: the green channel falls from white for both signs
    for sign in (1.0, -1.0):
        greens = [channels(sign * m)[1] for m in magnitudes]
        assert greens == sorted(greens, reverse=True) and greens[0] == 255
        assert greens[-2] == greens[-1]  # clipped at the scale
    r, _, b = channels(0.5)
    assert r > b  # positive: red
    r, _, b = channels(-0.5)
    assert b > r  # negative: blue
    assert grad_color(float("nan"), 1.0) == "#ffffff"
    assert grad_color(3.0, 0.0) == "#ffffff"


def test_color_report_marks_failed_and_passed_inputs():
    o, v = lecture_neuron()
    report = SimpleNamespace(
        rows=[
            SimpleNamespace(name="x1", passed=True, numeric=-1.5),
            SimpleNamespace(name="w1", passed=False, numeric=0.93),
            SimpleNamespace(name="not_in_graph", passed=False),
        ]
    )
    nodes = node_lines(draw(o, color=report).source)
    assert "gradcheck FAILED (numeric 0.93)" in nodes["v2"] and "#b2182b" in nodes["v2"]
    assert "gradcheck passed" in nodes["v0"] and "#1b7837" in nodes["v0"]
    assert "gradcheck" not in nodes["v1"]


def test_a_report_row_is_judged_by_its_passed_field_only():
    """gradcheck's and check_gradients' rows say .passed; a row that does not is not marked."""
    o, _ = lecture_neuron()
    report = SimpleNamespace(
        rows=[SimpleNamespace(name="x1", ok=False, pass_=False), SimpleNamespace(name="w1")]
    )
    nodes = node_lines(draw(o, color=report).source)
    assert not any("gradcheck" in attrs or "filled" in attrs for attrs in nodes.values())


def test_draw_progress_fills_the_running_and_finished_steps():
    from autograd.draw import DONE_FILL, FOCUS_FILL, draw_progress, node_ids

    o, v = lecture_neuron()
    ids = node_ids(topological_order(o))
    assert [ids[v[name]] for name in ("x1", "x2", "w1", "w2", "b")] == [
        "v0",
        "v1",
        "v2",
        "v3",
        "v4",
    ]
    source = draw_progress(o, {o: 1.0, v["n"]: 0.5}, focus=v["n"], done=[o]).source
    nodes = node_lines(source)
    n, n_op = ids[v["n"]], ids[v["n"]] + "_op"
    assert f'fillcolor="{FOCUS_FILL}"' in nodes[n] and f'fillcolor="{FOCUS_FILL}"' in nodes[n_op]
    assert f'fillcolor="{DONE_FILL}"' in nodes[ids[o]]
    assert "grad 0.5" in nodes[n] and "grad 0.0" in nodes[ids[v["x1"]]]  # missing: 0
    bold = {(tail, head) for tail, head, attrs in edge_lines(source) if "penwidth=2.5" in attrs}
    assert bold == {(n_op, n), (ids[v["b"]], n_op), ("v7", n_op)}  # v7 = x1*w1 + x2*w2
    # the legend names the marks, for a slide that has no text around it
    (legend,) = re.findall(r"label=<(.*)> labeljust=l labelloc=b", source)
    assert re.findall(r"<TD[^>]*>(?:<FONT[^>]*>)?([^<]+)", legend) == [
        "backward",
        " this step's node ",
        " steps done ",
    ]
    assert f'<TD BGCOLOR="{FOCUS_FILL}"' in legend and f'<TD BGCOLOR="{DONE_FILL}"' in legend
    assert "<B>bold</B>: where its gradient flows back" in legend
    assert "backward" not in draw(o).source  # draw() itself has no such marks


def test_color_must_be_grad_or_a_report():
    o, _ = lecture_neuron()
    with pytest.raises(TypeError, match="color='grad'"):
        draw(o, color="red")


def test_max_nodes_error_gives_count_and_both_ways_out():
    x = Value(1.0, label="x")
    y = x
    for _ in range(200):
        y = y * 1.0001
    count = len(topological_order(y))
    with pytest.raises(ValueError) as info:
        draw(y)
    message = str(info.value)
    assert f"{count} nodes" in message
    assert f"max_nodes={count}" in message and "group='layer'" in message
    assert "no node of this graph was made inside an nn module" in message
    assert draw(y, max_nodes=count).source.count("_op [") == 200
    with pytest.raises(ValueError, match=f"no node of .*made inside one.*max_nodes={count}"):
        draw(y, group="module")


def test_max_nodes_error_on_a_network_offers_group_layer_plainly():
    model = nn.MLP(2, [16, 16, 1], seed=0)
    loss = model([0.5, -0.5])
    with pytest.raises(ValueError) as info:
        draw(loss)
    message = str(info.value)
    assert "or group='layer' to draw each layer of the network as one box" in message
    assert "no node" not in message


def test_same_code_twice_gives_the_same_dot():
    o1, _ = lecture_neuron()
    o2, _ = lecture_neuron()
    assert (
        draw(o1, edge_labels=True, color="grad").source
        == draw(o2, edge_labels=True, color="grad").source
    )


def test_dot_is_byte_identical_across_processes():
    script = textwrap.dedent(
        """
        from autograd import Value, draw
        junk = [Value(float(i)) for i in range(37)]  # shifts creation counters and ids
        a, b = Value(1.5, label="a"), Value(-2.0)
        c = (a * b + a).tanh() * b
        c.backward()
        print(draw(c, edge_labels=True, color="grad").source)
        """
    )
    outputs = []
    for seed in ("1", "2"):
        env = {**os.environ, "PYTHONPATH": str(ROOT), "PYTHONHASHSEED": seed}
        run = subprocess.run(
            [sys.executable, "-c", script], capture_output=True, env=env, check=True
        )
        outputs.append(run.stdout)
    assert outputs[0] == outputs[1] and b"digraph" in outputs[0]


def test_labels_with_record_characters_are_escaped():
    x = Value(1.0, label='a{b|c}<d>"e')
    y = x * 2
    y.label = "y"
    assert '{ a\\{b\\|c\\}\\<d\\>\\"e | data 1.0' in draw(y).source


def test_grads_from_create_graph_are_shown_as_numbers():
    x = Value(3.0, label="x")
    y = x**3
    y.label = "y"
    y.backward(create_graph=True)
    assert "grad 27.0" in draw(y).source


def test_bad_options_get_clear_errors():
    o, _ = lecture_neuron()
    with pytest.raises(ValueError, match="rankdir"):
        draw(o, rankdir="left")
    with pytest.raises(ValueError, match="group='layer' .* or group='neuron'"):
        draw(o, group="layers")
    with pytest.raises(ValueError, match="max_nodes"):
        draw(o, max_nodes=0)
    with pytest.raises(TypeError, match="draw needs the Value"):
        draw(3.0)  # type: ignore[arg-type]


def two_neuron_model() -> Value:
    """Two 'neurons' tagged with module paths, as nn's Module.__call__ tags them."""
    w = [Value(0.5, label="layers.0.neurons.0.w.0"), Value(-1.0, label="layers.0.neurons.1.w.0")]
    xs = [Value(1.0, label="x"), Value(2.0, label="x2")]
    outs = []
    for i in range(2):
        with module_scope(f"layers.0.neurons.{i}"):
            outs.append(sum((wi * xi for wi, xi in zip([w[i]] * 2, xs)), Value(0.0)).tanh())
    loss = outs[0] + outs[1]
    loss.label = "loss"
    loss.backward()
    return loss


def test_group_neuron_draws_each_list_of_neurons_as_one_table_in_order():
    loss = two_neuron_model()
    source = draw(loss, group="neuron").source
    assert_golden("draw_grouped_two_neurons.dot", source)
    assert draw(loss, group="module").source == source  # 'module' is its old name
    nodes = node_lines(source)
    (table,) = [a for a in nodes.values() if "shape=plain" in a]
    cells = re.findall(r'<TD PORT="(p\d)" BGCOLOR="(#\w+)"[^>]*><FONT [^>]*>(\d+)</FONT>', table)
    assert [(port, index) for port, _, index in cells] == [("p0", "0"), ("p1", "1")]
    assert 'subgraph cluster_g0 {\n\t\tlabel="layers.0.neurons" style=rounded' in source
    # the inputs feed both neurons, so they stay outside, drawn as records; their four
    # edges to the two cells meet in one node
    assert any("{ x | data 1.0" in a for a in nodes.values())
    edges = edge_lines(source)
    assert sorted((t, h, a) for t, h, a in edges if "bundle0" in (t, h)) == [
        ("bundle0", "g0", "headport=p0"),
        ("bundle0", "g0", "headport=p1"),
        ("v2", "bundle0", "arrowhead=none"),
        ("v3", "bundle0", "arrowhead=none"),
    ]
    assert "\tbundle0 [label=4 " in source


def demo_network(points: int = 1, l2: bool = False) -> tuple[nn.MLP, Value]:
    """micrograd's demo network, MLP(2, [16, 16, 1]), its hinge loss on a few moons points."""
    X, y = nn.data.moons(max(points, 2), seed=0, signed=True)
    model = nn.MLP(2, [16, 16, 1], seed=0)
    scores = [model([float(a) for a in x]) for x in X[:points]]
    loss = nn.losses.hinge(scores, [float(t) for t in y[:points]])
    if l2:
        loss = loss + nn.losses.l2(model.parameters())
    loss.label = "loss"
    loss.backward()
    return model, loss


def norm(params: list[Value]) -> float:
    return sum(p.grad**2 for p in params) ** 0.5


def test_group_layer_draws_each_layer_as_one_box_with_its_numbers():
    model, loss = demo_network(points=3)
    source = draw(loss, group="layer").source
    nodes = node_lines(source)
    boxes = {k: a for k, a in nodes.items() if "shape=box" in a and "layers." in a}
    assert len(boxes) == 3
    for ident, layer, neurons, parameters in (
        ("g0", 0, "16 neurons", "48 parameters"),
        ("g1", 1, "16 neurons", "272 parameters"),
        ("g2", 2, "1 neuron", "17 parameters"),
    ):
        grad_norm = format_number(norm(model.layers[layer].parameters()), 4)
        label = f'label="layers.{layer}\\n{neurons}, {parameters}\\ngrad norm {grad_norm}"'
        assert boxes[ident].startswith(label), boxes[ident]
    between = [(t, h, a) for t, h, a in edge_lines(source) if t in boxes and h in boxes]
    assert between == [
        ("g0", "g1", 'label="256 connections"'),
        ("g1", "g2", 'label="16 connections"'),
    ]


def test_group_neuron_bundles_the_edges_between_two_layers():
    _, loss = demo_network(points=3)
    source = draw(loss, group="neuron").source
    edges = edge_lines(source)
    tables = [k for k, a in node_lines(source).items() if "shape=plain" in a]
    assert tables == ["g0", "g1", "g2"]
    # the 3 points' 6 inputs to the 16 neurons of layer 0, and layer 0 to layer 1: every
    # one to every one, through one node that says how many connections they are
    for sources, target, count in ((6, "g0", "96"), (16, "g1", "256")):
        (junction,) = {t for t, h, _ in edges if h == target and t.startswith("bundle")}
        assert f"{junction} [label={count} " in source
        assert len([a for t, h, a in edges if h == junction]) == sources
        into = [a for t, h, a in edges if h == target]
        assert sorted(into) == sorted(f"headport=p{i}" for i in range(16))
    # 16 to the one neuron of layer 2: gathered too
    (junction,) = {t for t, h, _ in edges if h == "g2"}
    assert f"{junction} [label=16 " in source
    assert len(edges) < 120  # not 96 + 256 + 16 edges for the connections alone


def test_the_fill_shows_a_vanishing_layer_pale():
    model, loss = demo_network()
    for p in model.layers[0].parameters():
        p.grad *= 1e-7  # as a vanishing gradient leaves the first layer
    source = draw(loss, group="layer").source
    nodes = node_lines(source)
    first, last = nodes["g0"], nodes["g2"]
    fill = lambda attrs: re.search(r'fillcolor="(#\w+)"', attrs).group(1)  # noqa: E731
    top = max(norm(layer.parameters()) for layer in model.layers)
    assert fill(last) == norm_color(norm(model.layers[2].parameters()), top)
    assert fill(first) == norm_color(norm(model.layers[0].parameters()), top)
    assert int(fill(first)[3:5], 16) > 0xE0 > int(fill(last)[3:5], 16)  # pale against dark
    assert "fill: grad norm of a module&#x27;s parameters" not in source
    assert "fill: grad norm of a module's parameters</TD>" in source


def test_norm_color_is_a_log_scale_from_white_to_purple():
    shades = [norm_color(10.0**-k, 1.0) for k in range(8)]
    greens = [int(c[3:5], 16) for c in shades]
    assert greens == sorted(greens) and greens[0] == 0x3D and greens[6:] == [0xFF, 0xFF]
    assert norm_color(0.5, 0.0) == norm_color(float("nan"), 1.0) == "#ffffff"


def test_parameters_used_outside_their_module_are_drawn_grey():
    _, loss = demo_network(l2=True)
    source = draw(loss, group="layer").source
    grey = [(t, h) for t, h, a in edge_lines(source) if 'color="#b0b0b0"' in a]
    assert grey and all(t in ("g0", "g1", "g2") and h == "g4" for t, h in grey)
    assert "a module&#x27;s parameters used outside it" not in source
    assert "a module's parameters used outside it (a penalty such as L2)" in source
    _, plain = demo_network()
    assert "#b0b0b0" not in draw(plain, group="layer").source


def test_group_module_collapses_many_loose_nodes_into_boxes():
    loss = two_neuron_model()
    total = loss
    for i in range(20):
        total = total + Value(float(i))
    source = draw(total, group="module", max_nodes=10).source
    assert "(inputs and constants)" in source and "(outside modules)" in source
    with pytest.raises(ValueError, match="grouped graph .* still has 5 boxes and nodes"):
        draw(total, group="module", max_nodes=4)


def test_group_highlight_lights_the_boxes_on_the_path():
    loss = two_neuron_model()
    w0 = next(n for n in topological_order(loss) if n.label == "layers.0.neurons.0.w.0")
    (table,) = [
        a
        for a in node_lines(draw(loss, group="neuron", highlight=w0).source).values()
        if "shape=plain" in a
    ]
    cells = re.findall(r"<TD [^>]*>", table)
    assert ['COLOR="#ff7f00"' in cell for cell in cells] == [True, False]
    nodes = node_lines(draw(loss, group="layer", highlight=w0).source)
    assert "penwidth=2.5" in nodes["g0"]


def test_color_takes_a_real_gradcheck_report_with_a_kink():
    from autograd.gradcheck import gradcheck

    report = gradcheck(lambda x, y: (x * y).relu(), {"x": 0.0, "y": 2.0})
    x, y = Value(0.0, label="x"), Value(2.0, label="y")
    z = (x * y).relu()
    z.label = "z"
    z.backward()
    nodes = node_lines(draw(z, color=report).source)
    assert "gradcheck: kink" in nodes["v0"] and "#b35806" in nodes["v0"]
    assert "gradcheck passed" in nodes["v1"] and "#1b7837" in nodes["v1"]


def test_a_label_with_a_newline_cannot_inject_dot_statements() -> None:
    label = "loss\nv0 [label=INJECTED]"
    x = Value(2.0, label=label)
    y = x * 3
    y.label = label
    source = draw(y).source
    assert not any(line.lstrip().startswith("v0 [label=INJECTED") for line in source.splitlines())
    assert "{ loss\\nv0 [label=INJECTED] | data 2.0" in source
    assert source.splitlines()[0] == "// chainrule graph of loss v0 [label=INJECTED]_2"
    from autograd import RenderError
    from autograd.render import find_renderer

    try:
        find_renderer()
    except RenderError:
        return  # the DOT text is the fix; rendering it needs a renderer
    assert b"<svg" in draw(y).pipe("svg")


def test_a_report_naming_no_node_of_the_graph_is_refused():
    from autograd.gradcheck import gradcheck

    report = gradcheck(lambda a, b: a * b, [2.0, 3.0])  # rows x0, x1
    x, y = Value(2.0, label="x"), Value(3.0, label="y")
    z = x * y
    z.backward()
    with pytest.raises(ValueError) as error:
        draw(z, color=report)
    message = str(error.value)
    assert "(x0, x1) match no node" in message and "x, y" in message
    assert "label='x0'" in message


# Hostile text: every user string reaches DOT as one quoted plain string (issue #13).

HOSTILE = [
    '<a> { evil [URL="javascript:alert(1)"] } digraph <b>',
    '"; v0 [URL="javascript:alert(1)"]; "',
    "<<b>bold</b>>",
    "back\\slash \\\\ and \\",
    'ends in a quote "',
    "\\n \\l \\N \\G",  # escString sequences, to be drawn as written
    "two\nlines\r\nand\rcarriage",
    "} digraph x { a -> b",
    "/* comment */ // line\n# hash",
    "x₁ ŷ 日本 🙂",
    "a--b-->",
    "nul\x00 bell\x07 del\x7f",
    "",
]

_DOT_TOKEN = re.compile(
    r"""(?P<space>\s+)
    |(?P<comment>//[^\n]*)
    |(?P<atom>"(?:\\.|[^"\\])*"|[A-Za-z_\x80-\U0010ffff][A-Za-z_0-9\x80-\U0010ffff]*
       |-?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?))
    |(?P<punct>->|[{}\[\]=;,])""",
    re.X | re.S,
)


def dot_tokens(source: str) -> list[tuple[str, str]]:
    """(kind, text) of every DOT token; an HTML string is kind 'html', anything unexpected
    fails."""
    tokens, position = [], 0
    while position < len(source):
        if source[position] == "<":  # an HTML string: to its matching '>'
            depth, end = 0, position
            for end in range(position, len(source)):
                depth += {"<": 1, ">": -1}.get(source[end], 0)
                if depth == 0:
                    break
            tokens.append(("html", source[position : end + 1]))
            position = end + 1
            continue
        m = _DOT_TOKEN.match(source, position)
        assert m, f"not a DOT token at {position}: {source[position : position + 40]!r}"
        if m.lastgroup not in ("space", "comment"):
            tokens.append((m.lastgroup, m.group()))
        position = m.end()
    return tokens


def _unescape(content: str, fields: bool) -> list[str]:
    """A DOT string's inside as a renderer reads it: record fields split at unescaped '|'."""
    parts, text, i = [], "", 0
    while i < len(content):
        c = content[i]
        if c == "\\" and i + 1 < len(content):
            nxt = content[i + 1]
            text += "\n" if nxt == "n" else nxt
            i += 2
            continue
        if fields and c == "|":
            parts.append(text)
            text = ""
        else:
            text += c
        i += 1
    return parts + [text]


def plain_text(atom: str) -> str:
    return _unescape(atom[1:-1], fields=False)[0] if atom.startswith('"') else atom


def record_fields(atom: str) -> list[str]:
    inside = atom[1:-1]
    assert inside.startswith("{ ") and inside.endswith(" }"), atom
    return [f.strip(" ") for f in _unescape(inside[2:-2], fields=True)]


def shown(text: str) -> str:
    """What a drawing may show of text: 1,000 characters at most, line breaks as \\n,
    characters that no SVG can hold as U+FFFD."""
    if len(text) > 1000:
        text = text[:999] + "…"
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return "".join(
        "\ufffd"
        if (ord(c) < 32 and c not in "\t\n") or 0x7F <= ord(c) <= 0x9F or c in "\ufffe\uffff"
        else c
        for c in text
    )


def hostile_graph(text: str) -> tuple[Value, dict[Value, str]]:
    """leaf and root labelled text, and a module named text.n.0 in between."""
    x = Value(2.0, label=text)
    with module_scope(f"{text}.n.0"):
        h = x * 2.0
    y = h + 1.0
    y.label = text
    y.backward()
    return y, node_names(topological_order(y))


def statements(source: str) -> dict[str, str]:
    """The label atom of each node statement, by node id."""
    tokens = dot_tokens(source)
    labels = {}
    for i, (kind, value) in enumerate(tokens):
        if kind == "atom" and tokens[i + 1 : i + 4] and tokens[i + 1][1] == "[":
            if tokens[i + 2][1] == "label" and tokens[i + 3][1] == "=":
                labels[value] = tokens[i + 4][1]
    return labels


def check_dot_says_exactly(text: str) -> None:
    """The DOT has the structure of a harmless label's, and each label reads back as given."""
    y, names = hostile_graph(text)
    plain, _ = hostile_graph("plain text" if text else "")  # "" has no outer module
    for options in ({}, {"group": "neuron"}, {"group": "layer"}):
        source = draw(y, **options).source
        skeleton = [(k, v if k == "punct" else "") for k, v in dot_tokens(source)]
        assert skeleton == [
            (k, v if k == "punct" else "") for k, v in dot_tokens(draw(plain, **options).source)
        ]
        tokens = dot_tokens(source)
        assert tokens[0] == ("atom", "digraph")
        assert plain_text(tokens[1][1]) == shown(names[y])
        labels = statements(source)
        for node, name in names.items():
            ident = f"v{sorted(names, key=lambda n: n.creation_index).index(node)}"
            if ident in labels and not node.is_constant:
                assert record_fields(labels[ident])[0] == shown(name).strip(" ")
        box = next((a for i, a in labels.items() if i.startswith("g")), "")
        if options.get("group") == "neuron":  # the list text.n: a cluster, its item 0 a cell
            start = tokens.index(("atom", "subgraph"))
            at = tokens.index(("atom", "label"), start)
            assert tokens[at + 1] == ("punct", "=") and at < tokens.index(("punct", "}"), start)
            assert plain_text(tokens[at + 2][1]) == shown(f"{text}.n")
            assert re.sub(r"<[^>]*>", "", box[1:-1]) == "0"  # the one HTML: chainrule's number
        if options.get("group") == "layer":  # the module holding text.n.0: its box
            assert plain_text(box).startswith(shown(f"{text or '.n.0'}\n")[:999])
        # HTML: the table of a list's items and the legend, chainrule's own numbers and words
        html_strings = [v for k, v in tokens if k == "html"]
        assert len(html_strings) == {None: 0, "neuron": 2, "layer": 1}[options.get("group")]


@pytest.mark.parametrize("text", HOSTILE)
def test_hostile_labels_and_scopes_are_only_ever_label_text(text):
    check_dot_says_exactly(text)


@given(text=st.text())
def test_any_label_is_only_ever_label_text(text):
    check_dot_says_exactly(text)


def _renderers() -> list[str]:
    from autograd import RenderError
    from autograd.render import find_renderer

    found = []
    for program in ("dot", "graphviz-pure"):
        try:
            find_renderer(program)
        except RenderError:
            continue
        found.append(program)
    return found


RENDERERS = _renderers()
SVG_NS = "{http://www.w3.org/2000/svg}"


def check_renderer_reads_label_text(text: str, program: str) -> None:
    """The renderer's own parser finds the label text where it belongs, and the SVG has no
    link and no attribute holding a javascript: URL."""
    import json
    import xml.etree.ElementTree as ET

    from autograd.render import render_source

    y, names = hostile_graph(text)
    for options in ({}, {"group": "neuron"}):
        d = draw(y, **options)
        parsed = json.loads(render_source(d.source, "json", renderer=program))
        assert plain_text(f'"{parsed["name"]}"') == shown(names[y])
        objects = {o["name"]: o for o in parsed.get("objects", [])}
        if not options:
            leaf = next(node for node in names if node.is_leaf and node.label == text)
            ident = f"v{sorted(names, key=lambda n: n.creation_index).index(leaf)}"
            assert record_fields(f'"{objects[ident]["label"]}"')[0] == shown(names[leaf]).strip()
        else:
            (cluster,) = [o for n, o in objects.items() if n.startswith("cluster")]
            assert plain_text(f'"{cluster["label"]}"') == shown(f"{text}.n")
        d.program = program
        svg = ET.fromstring(d.pipe("svg"))  # well-formed XML, whatever the text
        for element in svg.iter():
            for name, value in element.attrib.items():
                assert not name.endswith("href"), f"a link in the picture: {value!r}"
                assert "javascript:" not in value.lower(), (name, value)


@pytest.mark.skipif(not RENDERERS, reason="no dot and no graphviz-pure")
@pytest.mark.parametrize("text", HOSTILE)
def test_renderers_read_hostile_text_as_label_text(text):
    for program in RENDERERS:
        check_renderer_reads_label_text(text, program)


@pytest.mark.skipif(not RENDERERS, reason="no dot and no graphviz-pure")
@settings(max_examples=40)
@given(text=st.text())
def test_renderers_read_any_text_as_label_text(text):
    for program in RENDERERS:
        check_renderer_reads_label_text(text, program)


@pytest.mark.skipif(not RENDERERS, reason="no dot and no graphviz-pure")
@pytest.mark.parametrize("rankdir", ["LR", "TB"])
def test_the_legend_is_one_line_below_the_graph_in_the_same_order_everywhere(rankdir):
    """negative, zero, positive, left to right, under the graph: dot and graphviz-pure agree."""
    import json

    from autograd.render import render_source

    o, _ = lecture_neuron()
    source = draw(o, color="grad", edge_labels=True, rankdir=rankdir).source
    for program in RENDERERS:
        parsed = json.loads(render_source(source, "json", renderer=program))
        texts = {op["text"].strip(): op["pt"] for op in parsed["_ldraw_"] if op["op"] == "T"}
        assert list(texts)[:4] == ["fill: grad", "-1.5", "0", "+1.5"], program
        xs = [texts[t][0] for t in ("fill: grad", "-1.5", "0", "+1.5")]
        assert xs == sorted(xs) and len({texts[t][1] for t in ("-1.5", "0", "+1.5")}) == 1
        lowest_node = min(
            float(ob["pos"].split(",")[1]) - float(ob["height"]) * 36
            for ob in parsed["objects"]
            if "pos" in ob
        )
        assert all(y < lowest_node for _, y in texts.values()), program  # below the graph


def test_a_networks_inputs_are_drawn_once_as_labelled_leaves():
    """MLP(2, [3, 1]) on [1.0, -2.0]: x[0] and x[1] once, each feeding the 3 neurons of the
    first layer, with micrograd's numbers (the same as inputs given as Values)."""
    model = nn.MLP(2, [3, 1], seed=0)
    out = model([1.0, -2.0])
    out.backward()
    nodes = node_lines(draw(out).source)
    inputs = {ident: attrs for ident, attrs in nodes.items() if "{ x[" in attrs}
    assert [a.split(" |")[0] for a in inputs.values()] == ['label="{ x[0]', 'label="{ x[1]']
    assert "data 1.0 |" in inputs["v13"] and "data -2.0 |" in inputs["v14"]
    uses = [tail for tail, _, _ in edge_lines(draw(out).source) if tail in inputs]
    assert sorted(uses) == ["v13"] * 3 + ["v14"] * 3
    grads = [p.grad for p in model.parameters()]
    xs = [Value(1.0), Value(-2.0)]
    model.zero_grad()
    again = model(xs)
    again.backward()
    assert again.data == out.data and [p.grad for p in model.parameters()] == grads
    lifted = [n for n in topological_order(out) if n.label in ("x[0]", "x[1]")]
    assert [n.grad for n in lifted] == [x.grad for x in xs]


def test_a_number_from_the_code_is_drawn_as_that_number_beside_its_operand():
    """explain writes n2 = y_pred - 4: the drawing shows the 4.0, not a record n1."""
    from autograd import explain

    *_, L = single_neuron()
    source = draw(L).source
    nodes = node_lines(source)
    assert nodes["v3"].startswith('label=4.0 color="#999999"') and "shape=box" in nodes["v3"]
    assert 'tooltip="a number from the code"' in nodes["v3"]
    assert "n1" not in source and "n2 = y_pred - 4" in str(explain(L))
    assert "\tsubgraph beside_v3 {\n\t\trank=same\n\t\tv2\n\t\tv3\n\t}\n" in source
    x = Value(3.0, label="x")
    z = 2.0 - x * -1.5
    z.label = "z"
    labels = [a.split(" ")[0] for a in node_lines(draw(z).source).values()]
    assert "label=2.0" in labels and "label=-1.5" in labels


SVG_FONTS = "Helvetica,Arial,Liberation Sans,Arimo,sans-serif"
"""The font-family of every text of a picture's SVG."""
HELVETICA_WIDE = {"Helvetica", "Arial", "Liberation Sans", "Arimo", "Nimbus Sans", "TeX Gyre Heros"}
"""Faces with Helvetica's widths, by which graphviz-pure sizes the boxes."""


def _font_file(families: str, what: str = "file") -> str | None:
    """The font file (or family, what='family') fontconfig draws a CSS font-family list with,
    as rsvg-convert asks it; None without fontconfig."""
    if shutil.which("fc-match") is None:
        return None
    found = subprocess.run(
        ["fc-match", "-f", f"%{{{what}}}", families], capture_output=True, text=True
    )
    return found.stdout.strip() or None


def _overflowing_texts(svg: bytes, font_file: str) -> list[str]:
    """The texts of a Graphviz SVG wider than their record field or ellipse in that font."""
    import xml.etree.ElementTree as ET

    from PIL import ImageFont

    def points(text: str) -> list[tuple[float, float]]:
        return [tuple(float(c) for c in p.split(",")) for p in text.split()]

    wide = []
    for group in ET.fromstring(svg).iter(f"{SVG_NS}g"):
        if group.get("class") != "node":
            continue
        walls: list[tuple[float, float, float]] = []  # x, lowest y, highest y
        for shape in list(group.iter(f"{SVG_NS}polygon")) + list(group.iter(f"{SVG_NS}polyline")):
            corners = points(shape.get("points"))
            for (x0, y0), (x1, y1) in zip(corners, corners[1:]):
                if abs(x0 - x1) < 0.01:
                    walls.append((x0, min(y0, y1), max(y0, y1)))
        for ellipse in group.iter(f"{SVG_NS}ellipse"):
            cx, cy = float(ellipse.get("cx")), float(ellipse.get("cy"))
            rx, ry = float(ellipse.get("rx")), float(ellipse.get("ry"))
            walls += [(cx - rx, cy - ry, cy + ry), (cx + rx, cy - ry, cy + ry)]
        for text in group.iter(f"{SVG_NS}text"):
            x, y, size = (float(text.get(k)) for k in ("x", "y", "font-size"))
            middle = y - 0.35 * size
            beside = [w for w, low, high in walls if low <= middle <= high]
            left = max((w for w in beside if w <= x), default=float("-inf"))
            right = min((w for w in beside if w >= x), default=float("inf"))
            width = ImageFont.truetype(font_file, size=size).getlength(text.text or "")
            if x - width / 2 < left or x + width / 2 > right:
                wide.append(f"{text.text!r}: {width:.1f} wide between {left:.1f} and {right:.1f}")
    return wide


GAP_PX = 3
"""The least room, in pixels at 96 dpi, between a node's text and the walls of its box."""


def _rsvg(root: Any) -> Any:
    """rsvg-convert's picture of an SVG tree, in grey, on white."""
    import io
    import xml.etree.ElementTree as ET

    from PIL import Image

    drawn = subprocess.run(
        ["rsvg-convert", "-b", "white"], input=ET.tostring(root), capture_output=True, check=True
    )
    return Image.open(io.BytesIO(drawn.stdout)).convert("L")


def _keep_only(root: Any, keep: Any) -> Any:
    """A copy of an SVG tree with only the drawn elements for which keep(element, in_node)."""
    import copy

    root = copy.deepcopy(root)

    def walk(parent: Any, in_node: bool) -> None:
        for child in list(parent):
            if child.tag == f"{SVG_NS}g":
                walk(child, in_node or child.get("class") == "node")
            elif not keep(child, in_node):
                parent.remove(child)

    walk(root, False)
    return root


def _misplaced_ink(svg: bytes) -> dict[str, int]:
    """Where rsvg-convert draws text it should not, in pixels.

    'near walls': ink of a node's text less than GAP_PX from the walls of its box
    (its field of a record, its ellipse, its table cell); 'at the edge': ink of
    any other text (a caption, the legend, an edge label) on the picture's border,
    where it is cut off.
    """
    import xml.etree.ElementTree as ET

    from PIL import ImageChops, ImageFilter

    root = ET.fromstring(svg)
    text = f"{SVG_NS}text"

    def shape(element: Any, in_node: bool) -> bool:
        if not in_node or element.tag in (text, f"{SVG_NS}title"):
            return False
        if element.tag == f"{SVG_NS}polyline":  # a wall between two fields of a record
            element.attrib.update(fill="none", stroke="white", **{"stroke-width": "0.1"})
        else:
            element.attrib.update(fill="black", stroke="none")
        return True

    ink = _rsvg(_keep_only(root, lambda e, in_node: e.tag == text and in_node))
    ink = ink.point(lambda v: 255 if v < 200 else 0)
    inside = _rsvg(_keep_only(root, shape)).point(lambda v: 255 if v < 128 else 0)
    room = inside.filter(ImageFilter.MinFilter(2 * GAP_PX + 1))
    near_walls = ImageChops.subtract(ink, room).histogram()[255]
    other = _rsvg(_keep_only(root, lambda e, in_node: e.tag == text and not in_node))
    other = other.point(lambda v: 255 if v < 200 else 0)
    w, h = other.size
    border = [(0, 0, 1, h), (w - 1, 0, w, h), (0, 0, w, 1), (0, h - 1, w, h)]
    at_edge = sum(other.crop(box).histogram()[255] for box in border)
    return {"near walls": near_walls, "at the edge": at_edge}


def _drawings_with_every_kind_of_text() -> list[Drawing]:
    model = nn.MLP(2, [2, 1], seed=0)
    loss = (model([0.5, -1.0]) - 1.0) ** 2
    loss.label = "loss"
    loss.backward()
    o, _ = lecture_neuron()
    labelled = Value(1.0, label="layers.0.neurons.1.w.0") * Value(-0.123456, label="x")
    labelled.label = "a_longer_label_name"
    labelled.backward()
    caption = (
        "Neuron layers.0.neurons.0 (the first of the first layer) of the trained model on the "
        "first training point, x1 = 1.112, x2 = 0.2859: out = relu(w . x + b)"
    )
    return [
        draw(o, edge_labels=True, color="grad"),
        draw(loss, edge_labels=True),
        draw(labelled, digits=6, title=caption),  # the caption is the widest thing drawn
        draw(two_neuron_model(), group="module"),
        draw(loss, group="layer"),
    ]


@pytest.mark.skipif(not RENDERERS, reason="no dot and no graphviz-pure")
def test_svg_names_helvetica_then_faces_as_wide_which_fontconfig_finds():
    """graphviz-pure sizes boxes by Helvetica's widths: the SVG asks for Helvetica, then
    Arial, Liberation Sans and Arimo (the same widths), then any sans-serif."""
    pytest.importorskip("PIL")
    wanted = SVG_FONTS
    for drawing in _drawings_with_every_kind_of_text():
        for program in RENDERERS:
            drawing.program = program
            svg = drawing.pipe("svg")
            assert set(re.findall(r'font-family="([^"]+)"', svg.decode())) == {wanted}, program
            font_file = _font_file(wanted)
            if font_file is None:
                continue  # no fontconfig to say which font is drawn
            assert _overflowing_texts(svg, font_file) == [], (program, font_file)


@pytest.mark.skipif(not RENDERERS, reason="no dot and no graphviz-pure")
@pytest.mark.skipif(shutil.which("rsvg-convert") is None, reason="no rsvg-convert (librsvg2-bin)")
def test_text_stays_inside_its_box_as_rsvg_convert_draws_it():
    """Drawn by rsvg-convert (GNOME's SVG library), every node's text keeps GAP_PX from
    its box's walls and no caption, legend or edge label is cut off at the border.

    Where fontconfig has no face as wide as Helvetica, rsvg-convert draws DejaVu Sans,
    some 14% wider, in boxes sized for Helvetica: labels of 20 characters and more
    touch their walls, and a caption wider than the graph is cut off.
    """
    pytest.importorskip("PIL")
    family = _font_file(SVG_FONTS, "family")
    if family not in HELVETICA_WIDE:
        pytest.skip(
            f"fontconfig draws {SVG_FONTS} as {family}, wider than Helvetica: "
            "apt-get install fonts-liberation"
        )
    for drawing in _drawings_with_every_kind_of_text():
        for program in RENDERERS:
            drawing.program = program
            misplaced = _misplaced_ink(drawing.pipe("svg"))
            assert misplaced == {"near walls": 0, "at the edge": 0}, (program, drawing.name)


def chain(depth: int) -> Value:
    """A graph `depth` values deep: x, then depth - 1 operations in a row."""
    y = Value(0.5, label="x")
    for _ in range(depth - 1):
        y = y.tanh()
    y.label = "y"
    return y


def test_deep_graphs_are_drawn_top_to_bottom_to_fit_a_column():
    def direction(source: str) -> str:
        return re.search(r"rankdir=(\w+)", source).group(1)

    assert direction(draw(chain(5)).source) == "LR"
    assert direction(draw(chain(6)).source) == "TB"
    assert direction(draw(chain(6), rankdir="LR").source) == "LR"
    assert direction(draw(lecture_neuron()[0]).source) == "LR"  # 5 deep: the lecture's picture
    assert direction(draw(two_neuron_model(), group="module").source) == "LR"
    with pytest.raises(ValueError, match="or None to let draw choose"):
        draw(chain(2), rankdir="up")
