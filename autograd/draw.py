"""Draw a computation graph with data and gradient on every node.

`draw(root)` returns an `autograd.render.Drawing`: `.source` gives the DOT
text, `.render('graph', format='svg')` writes a file and a notebook shows the
picture. Each Value is a record `{ name | data | grad }`, except a number
from the code (the 4.0 of `y_pred - 4.0`), drawn as that number; each
operation is its own small node between its operands and its result, as in
micrograd's lecture drawing:

    x ──►(*)──► y_pred ──►(-)──► ...

Every label, module path and name is drawn as the plain text it is, whatever
it contains (autograd.dot quotes it; a label that could read as DOT or HTML
does not), and a text longer than 1,000 characters ends in '…'.

The DOT text is the same, byte for byte, every time the same code runs: nodes
are numbered by their rank in creation order (v0, v1, ...), parents keep
their operand order, and nothing depends on id() or on set order.

One small legend under the graph has a line for each kind of mark drawn: the
colour scale, the numbers on edges, the orange paths, and in a picture of the
backward pass step by step (draw_progress) its yellow, green and bold.

A big graph is unreadable drawn node by node, so above `max_nodes` draw
raises an error that says how to go on: draw the network by layer or by
neuron. nn tags every Value made inside a module with the module's path
(`Value.scope`, such as `layers.0.neurons.3`):

- `group='layer'`: one box per layer (`layers.0`), saying how many neurons
  and parameters it holds and their gradient norm, and one edge to the next
  layer labelled with its number of connections;
- `group='neuron'` (or its old name, 'module'): one box per neuron, the
  neurons of a layer as the cells of one table, in order; where every neuron
  of one layer feeds every neuron of the next, their edges meet in one
  small node that says how many they are.

Either fills a box by the gradient norm of its parameters on a log scale,
so a layer whose gradient vanishes is pale; the legend gives the scale.
"""

from __future__ import annotations

import html
import itertools
import math
from collections.abc import Iterable, Mapping
from typing import Any

from autograd.backward import topological_order
from autograd.chain import local_derivatives
from autograd.dot import Html, Statements
from autograd.naming import format_number, node_names
from autograd.render import Drawing
from autograd.value import Value

__all__ = [
    "GROUPINGS",
    "draw",
    "draw_progress",
    "check_draw_options",
    "node_ids",
    "grad_color",
    "norm_color",
    "FOCUS_FILL",
    "DONE_FILL",
]

_RANKDIRS = ("LR", "RL", "TB", "BT")
GROUPINGS = ("layer", "neuron", "module")
"""draw(group=...): a box per layer, a box per neuron, and 'module', the old name of 'neuron'."""
_HIGHLIGHT = "#ff7f00"  # orange: apart from the red and blue of color='grad'
FOCUS_FILL = "#ffe08a"
"""The fill of the node whose backward step is running (draw_progress, the stepper)."""
DONE_FILL = "#d9f0d3"
"""The fill of the nodes whose backward step has run."""
_NEGATIVE = (33, 102, 172)  # blue
_POSITIVE = (178, 24, 43)  # red
_FAILED = ("#f6c6c6", "#b2182b")
_PASSED = ("#d9f0d3", "#1b7837")
_UNJUDGED = ("#fee0b6", "#b35806")  # orange: a kink, where the derivative does not exist
_GROUP_FILL = "#eeeeee"
_CONSTANT = {
    "shape": "box",
    "style": "rounded",
    "color": "#999999",
    "margin": "0.04,0.02",
    "width": "0",
    "height": "0",
    "tooltip": "a number from the code",
}
_REPORT_KEYS = (("input passed", _PASSED), ("input FAILED", _FAILED), ("no derivative", _UNJUDGED))
_DEEPEST_LR = 5
"""rankdir=None draws a graph deeper than this many values top to bottom.

Left to right, each value is a record as wide as its three fields side by side;
6 or more of them in a row are wider than a 968 px notebook column can show
with text of 9 px or more. Top to bottom, the records stand upright.
"""
# Helvetica: graphviz-pure measures text with its widths and draws its PNGs in a face as
# wide (Arimo), and an SVG names it with faces as wide after it (autograd.render), which
# browsers and rsvg-convert find. A Linux with none of them draws DejaVu Sans, about 14%
# wider: the margin of a field (8 pt a side) holds labels of up to some 20 characters.
_TEXT = {"fontname": "Helvetica", "fontsize": "11"}
_GRAPH = {"bgcolor": "white", "nodesep": "0.2", "ranksep": "0.2", **_TEXT}
_OP_SIZE = {"width": "0.3", "height": "0.3", "margin": "0.04,0.02"}


def grad_color(g: float, scale: float) -> str:
    """The fill colour for gradient g: blue below 0, red above, white at 0.

    Darker means larger |g| relative to `scale` (the largest |grad| drawn);
    the square root spreads small gradients so they stay visible.

    >>> grad_color(0.0, 1.0), grad_color(-1.0, 1.0), grad_color(1.0, 1.0)
    ('#ffffff', '#2166ac', '#b2182b')
    """
    if scale <= 0.0 or g != g:
        return "#ffffff"
    t = min(1.0, abs(g) / scale) ** 0.5
    base = _POSITIVE if g > 0 else _NEGATIVE
    r, gr, b = (round(255 + (c - 255) * t) for c in base)
    return f"#{r:02x}{gr:02x}{b:02x}"


def _grad_number(g: Any) -> float:
    return float(g.data if isinstance(g, Value) else g)


def _row_status(row: Any) -> str | None:
    """The verdict of a row that neither passed nor failed ('kink', 'undefined'), if any."""
    status = getattr(row, "status", None)
    return status if isinstance(status, str) and status else None


def _report_marks(report: Any, names: Mapping[Value, str]) -> dict[Value, tuple[bool | None, str]]:
    """Nodes named in a gradcheck report: passed? (None: not judged), and a line for the record.

    Duck-typed on autograd.gradcheck's report: `report.rows`, each with `.name`,
    `.passed` (True, False, or None at a kink) and optionally `.status` and
    `.numeric`.
    """
    rows = getattr(report, "rows", None)
    if rows is None:
        raise TypeError(
            f"draw(color=...) got {type(report).__name__}: it takes 'grad' or a gradcheck "
            "report (an object with .rows, each row with .name and .passed); pass "
            "color='grad', color=autograd.gradcheck(...), or nothing"
        )
    by_name = {name: node for node, name in names.items()}
    marks: dict[Value, tuple[bool | None, str]] = {}
    for row in rows:
        node = by_name.get(str(getattr(row, "name", "")))
        passed = getattr(row, "passed", None)
        if node is None:
            continue
        if passed is None:
            status = _row_status(row)
            if status is not None:
                marks[node] = (None, f"gradcheck: {status}")
            continue
        numeric = getattr(row, "numeric", None)
        detail = "gradcheck passed" if passed else "gradcheck FAILED"
        if not passed and isinstance(numeric, (int, float)):
            detail += f" (numeric {format_number(numeric)})"
        marks[node] = (passed, detail)
    if rows and not any(str(getattr(row, "name", "")) in by_name for row in rows):
        reported = sorted({str(getattr(row, "name", "")) for row in rows})
        labels = list(dict.fromkeys(names.values()))
        shown = ", ".join(labels[:12]) + (", ..." if len(labels) > 12 else "")
        raise ValueError(
            f"draw(color=report): the report's inputs ({', '.join(reported)}) match no node "
            f"of this graph (its nodes are {shown}), so nothing would be marked; label the "
            "graph's inputs with the report's names (Value(2.0, label='x0')), or pass the "
            "report of the function that built this graph"
        )
    return marks


def _on_paths(order: list[Value], sources: Iterable[Value]) -> set[Value]:
    """Every node on some path from one of `sources` to the root (the last of order)."""
    marked = set(sources)
    for node in order:
        if node not in marked and any(p in marked for p in node.parents):
            marked.add(node)
    return marked


def _highlight_sources(highlight: Any, order: list[Value], root: Value) -> list[Value]:
    sources = [highlight] if isinstance(highlight, Value) else list(highlight)
    members = set(order)
    for x in sources:
        if not isinstance(x, Value):
            raise TypeError(
                f"draw(highlight=...) takes a Value or a list of Values, got "
                f"{type(x).__name__} {x!r:.60}"
            )
        if x not in members:
            name = f"'{x.label}'" if x.label else repr(x)
            raise ValueError(
                f"draw(highlight={name}): that node is not in the graph of the root, so no "
                "path leads from it to the root; pass a node the root was computed from"
            )
    return sources


def check_draw_options(
    root: Any, *, rankdir: str | None, max_nodes: int, digits: int, group: Any = None
) -> None:
    """Raise the error draw() gives for a root that is not a Value or an option out of range."""
    if not isinstance(root, Value):
        raise TypeError(
            f"draw needs the Value to draw the graph of, got {type(root).__name__} "
            f"{root!r:.60}; pass the output node, e.g. draw(loss)"
        )
    if rankdir is not None and rankdir not in _RANKDIRS:
        raise ValueError(
            f"draw(rankdir={rankdir!r}): graphviz lays graphs out in the directions "
            f"{', '.join(_RANKDIRS)}; pass one of them ('LR' is left to right), or None "
            "to let draw choose"
        )
    if not isinstance(max_nodes, int) or max_nodes < 1:
        raise ValueError(f"draw(max_nodes={max_nodes!r}) needs a positive whole number")
    if not isinstance(digits, int) or not 1 <= digits <= 17:
        raise ValueError(f"draw(digits={digits!r}) needs a whole number from 1 to 17")
    if group not in (None, *GROUPINGS):
        raise ValueError(
            f"draw(group={group!r}): a network is drawn by group='layer' (one box per layer) "
            "or group='neuron' (one box per neuron, in order within its layer; 'module' is "
            "its old name); pass one of them, or nothing to draw every node"
        )


def _too_many(
    count: int, max_nodes: int, name: str, grouped: bool, has_modules: bool = True
) -> ValueError:
    if not has_modules:
        return ValueError(
            f"the graph of {name} has {count} nodes, more than max_nodes={max_nodes}: a "
            f"drawing that big is unreadable and slow to lay out. Pass max_nodes={count} (or "
            "more) to draw every node. (The other way out, group='layer', draws each nn "
            "layer as one box, but no node of this graph was made inside an nn module.)"
        )
    if grouped:
        return ValueError(
            f"the grouped graph of {name} still has {count} boxes and nodes, more than "
            f"max_nodes={max_nodes}: a drawing that big is unreadable and slow to lay out. "
            f"Pass max_nodes={count} (or more) to draw it anyway"
        )
    return ValueError(
        f"the graph of {name} has {count} nodes, more than max_nodes={max_nodes}: a drawing "
        f"that big is unreadable and slow to lay out. Pass max_nodes={count} (or more) to "
        "draw every node, or group='layer' to draw each layer of the network as one box "
        "(group='neuron': each neuron)"
    )


def draw(
    root: Value,
    *,
    rankdir: str | None = None,
    show_grad: bool = True,
    edge_labels: bool = False,
    color: Any = None,
    highlight: Value | Iterable[Value] | None = None,
    max_nodes: int = 300,
    group: str | None = None,
    digits: int = 4,
    title: str | None = None,
) -> Drawing:
    """The graph that computed `root`, as a Drawing with data and grad on each node.

    - rankdir: 'LR' (left to right, as in micrograd's lecture), 'TB' (top to bottom),
      'RL' or 'BT'. None: 'LR' for a graph at most 5 values deep, else 'TB', whose
      records stand upright and so fit a notebook column at a readable size.
    - show_grad: show each node's .grad (False: data only).
    - edge_labels: write the local derivative d(out)/d(in) on each operand's edge.
    - color: 'grad' shades nodes blue (negative) to red (positive) by gradient, with a
      legend; a gradcheck report marks the inputs that failed (red) and passed (green).
    - highlight: a Value (or several) whose paths to the root are drawn in bold orange.
    - max_nodes: the largest graph drawn; above it draw raises ValueError.
    - group: 'layer' draws each layer of an nn network as one box (its neurons, its
      parameters, their gradient norm), with one edge to the next layer labelled with
      its number of connections; 'neuron' draws each neuron (the Values sharing a
      Value.scope) as one box, in order within its layer, top to bottom, the edges
      between two layers bundled ('module' is its old name). Either fills a box by
      the gradient norm of its parameters, on a log scale: a vanishing layer is pale.
    - digits: significant digits of the numbers shown.
    - title: a caption above the graph (what it shows), drawn as plain text.

    >>> from autograd import Value, draw
    >>> x, w = Value(2.0, label="x"), Value(0.5, label="w")
    >>> y = x * w; y.label = "y"
    >>> y.backward()
    >>> print(draw(y).source)  # doctest: +NORMALIZE_WHITESPACE
    // chainrule graph of y
    digraph y {
        graph [bgcolor=white fontname=Helvetica fontsize=11 nodesep=0.2 rankdir=LR ranksep=0.2]
        node [fontname=Helvetica fontsize=11 shape=record]
        edge [fontname=Helvetica fontsize=11]
        v0 [label="{ x | data 2.0 | grad 0.5 }"]
        v1 [label="{ w | data 0.5 | grad 2.0 }"]
        v2 [label="{ y | data 1.0 | grad 1.0 }"]
        v2_op [label="*" height=0.3 margin="0.04,0.02" shape=ellipse width=0.3]
        v2_op -> v2
        v0 -> v2_op
        v1 -> v2_op
    }
    <BLANKLINE>
    """
    check_draw_options(root, rankdir=rankdir, max_nodes=max_nodes, digits=digits, group=group)
    order = topological_order(root)
    grads = {node: _grad_number(node.grad) for node in order}
    return _drawing(
        root,
        order,
        grads,
        rankdir=rankdir,
        show_grad=show_grad,
        edge_labels=edge_labels,
        color=color,
        highlight=highlight,
        max_nodes=max_nodes,
        group=group,
        digits=digits,
        title=title,
    )


def draw_progress(
    root: Value,
    grads: Mapping[Value, float],
    *,
    focus: Value | None = None,
    done: Iterable[Value] = (),
    rankdir: str | None = None,
    max_nodes: int = 300,
    digits: int = 4,
) -> Drawing:
    """The graph of root part way through backward, with the gradients `grads` so far.

    `focus`, the node whose step runs, is filled FOCUS_FILL (yellow) and the
    edges to its parents are bold; the nodes in `done`, whose steps have run,
    are filled DONE_FILL (green); the legend says so. A node missing from
    `grads` shows grad 0. The backward stepper (autograd.steps) draws each
    step with it.
    """
    check_draw_options(root, rankdir=rankdir, max_nodes=max_nodes, digits=digits)
    order = topological_order(root)
    return _drawing(
        root,
        order,
        {node: float(grads.get(node, 0.0)) for node in order},
        rankdir=rankdir,
        max_nodes=max_nodes,
        digits=digits,
        focus=focus,
        done=frozenset(done),
        stepping=True,
    )


def node_ids(nodes: Iterable[Value]) -> dict[Value, str]:
    """The DOT id of each node: 'v' and its rank in creation order (v0, v1, ...).

    An operation node is drawn as its result's id with '_op' after it.
    """
    return {node: f"v{i}" for i, node in enumerate(sorted(nodes, key=_creation_index))}


def _drawing(
    root: Value,
    order: list[Value],
    grads: Mapping[Value, float],
    *,
    rankdir: str | None = None,
    show_grad: bool = True,
    edge_labels: bool = False,
    color: Any = None,
    highlight: Any = None,
    max_nodes: int = 300,
    group: str | None = None,
    digits: int = 4,
    focus: Value | None = None,
    done: frozenset[Value] = frozenset(),
    stepping: bool = False,
    title: str | None = None,
) -> Drawing:
    """draw() and draw_progress(): the graph of the nodes `order` with `grads` shown."""
    # DOT ids and names follow creation order, so the same code gives byte-identical DOT
    # whatever order backward walks the graph in.
    order = sorted(order, key=_creation_index)
    names = node_names(order)
    root_name = names[root]
    if color is not None and color != "grad":
        marks = _report_marks(color, names)
    else:
        marks = {}
    on_path: set[Value] = set()
    if highlight is not None:
        on_path = _on_paths(order, _highlight_sources(highlight, order, root))
    scale = max((abs(g) for g in grads.values() if g == g), default=0.0)
    if group == "module":
        group = "neuron"
    if rankdir is None:
        rankdir = "LR" if group is not None or _depth(order) <= _DEEPEST_LR else "TB"
    graph = Drawing(
        name=root_name,
        comment=f"chainrule graph of {root_name}",
        graph_attr={"rankdir": rankdir, **_GRAPH},
        node_attr={"shape": "record", **_TEXT},
        edge_attr=_TEXT,
    )
    graph.hint_when_wide = _hint_when_wide(order, group)
    fmt = lambda x: format_number(x, digits)  # noqa: E731

    def value_node(node: Value, ident: str) -> None:
        if node.is_constant:
            # A number from the code (the 4.0 of y_pred - 4.0) is drawn as that number, as
            # explain writes it; its gradient is never used.
            attrs = dict(_CONSTANT)
            if node in on_path:
                attrs.update(color=_HIGHLIGHT, penwidth="2.5")
            graph.node(ident, fmt(node.data), **attrs)
            return
        fields = [names[node], f"data {fmt(node.data)}"]
        if show_grad:
            fields.append(f"grad {fmt(grads[node])}")
        attrs: dict[str, str] = {}
        if node in marks:
            passed, detail = marks[node]
            fields.append(detail)
            fill, line = _PASSED if passed else _FAILED if passed is False else _UNJUDGED
            attrs.update(style="filled", fillcolor=fill, color=line, penwidth="2")
        elif color == "grad":
            attrs.update(style="filled", fillcolor=grad_color(grads[node], scale))
            if scale > 0.0 and abs(grads[node]) > 0.5 * scale:
                attrs["fontcolor"] = "white"  # black text is unreadable on the darkest fills
        if node in done:
            attrs.update(style="filled", fillcolor=DONE_FILL)
        if node is focus:
            attrs.update(style="filled", fillcolor=FOCUS_FILL, penwidth="2.5")
        if node in on_path:
            attrs.update(color=_HIGHLIGHT, penwidth="2.5")
        graph.record(ident, fields, **attrs)

    def op_node(node: Value, ident: str) -> None:
        attrs = {"shape": "ellipse", **_OP_SIZE}
        if node in done:
            attrs.update(style="filled", fillcolor=DONE_FILL)
        if node is focus:
            attrs.update(style="filled", fillcolor=FOCUS_FILL, penwidth="2.5")
        if node in on_path:
            attrs.update(color=_HIGHLIGHT, penwidth="2.5")
        graph.node(ident, node.op, **attrs)

    def edge_attrs(parent: Value, node: Value, local: float | None) -> dict[str, str]:
        attrs: dict[str, str] = {}
        if edge_labels and local is not None:
            attrs["label"] = fmt(local)
        elif edge_labels:
            attrs["label"] = "undefined"
        if parent in on_path and node in on_path:
            attrs.update(color=_HIGHLIGHT, penwidth="2.5")
        if node is focus:
            attrs.update(penwidth="2.5")
        return attrs

    ids = node_ids(order)
    top_norm, grey = None, False
    if group is None:
        if len(order) > max_nodes:
            has_modules = any(node.scope for node in order)
            raise _too_many(len(order), max_nodes, root_name, False, has_modules)
        for node in order:
            value_node(node, ids[node])
        for node in order:
            _connect(graph, node, ids[node], ids, op_node, edge_attrs, edge_labels)
        _constants_beside_operands(graph, order, ids)
    else:
        top_norm, grey = _draw_grouped(
            graph,
            group,
            rankdir,
            root,
            order,
            ids,
            names,
            grads,
            (value_node, op_node, edge_attrs),
            edge_labels,
            on_path,
            max_nodes,
            fmt,
        )
    if title:
        _put_under(graph, title)
    legend = _legend(
        color, marks, scale, digits, edge_labels, bool(on_path), top_norm, grey, stepping
    )
    if legend is not None:
        graph.attr(label=legend, labelloc="b", labeljust="l")
    return graph


def _put_under(graph: Drawing, title: str) -> None:
    """Everything drawn so far inside a borderless cluster with `title` above it, as plain text.

    The graph's own label is the legend's, under the picture; a cluster's is not.
    """
    drawn, graph.lines = graph.lines, []
    with graph.subgraph("cluster_title") as box:
        box.attr(label=title, labelloc="t", labeljust="l", peripheries="0", fontsize="13")
        box.lines.extend(f"\t{line}" for line in drawn)


def _depth(order: list[Value]) -> int:
    """The most values on one path from a leaf to the root (order is topological)."""
    depth: dict[Value, int] = {}
    for node in order:
        depth[node] = 1 + max((depth[p] for p in node.parents), default=0)
    return max(depth.values(), default=0)


def _hint_when_wide(order: list[Value], group: str | None) -> str:
    if group is None and any(node.scope for node in order):
        return "draw(root, group='layer') draws each layer of the network as one box."
    return "Saved with .render('graph', format='svg'), it opens at full size."


def _creation_index(node: Value) -> int:
    return node.creation_index


def _local_derivatives(node: Value) -> tuple[float | None, ...]:
    """The edge labels: the chain-rule step's local derivatives, None where there is none."""
    try:
        return tuple(float(d) for d in local_derivatives(node))
    except (ArithmeticError, ValueError, TypeError):  # TypeError: a hand-set closure's node
        return (None,) * len(node.parents)


def _connect(
    graph: Drawing,
    node: Value,
    ident: str,
    ids: Mapping[Value, str],
    op_node: Any,
    edge_attrs: Any,
    edge_labels: bool,
    source_of: Any = None,
) -> None:
    """The op node of `node` and the edges operands -> op -> node."""
    if node.is_leaf:
        return
    op_ident = f"{ident}_op"
    op_node(node, op_ident)
    graph.edge(op_ident, ident, **_result_edge_attrs(node, edge_attrs))
    locals_ = _local_derivatives(node) if edge_labels else (None,) * len(node.parents)
    for parent, local in zip(node.parents, locals_):
        source = source_of(parent) if source_of else ids[parent]
        _edge(graph, source, op_ident, **edge_attrs(parent, node, local))


def _result_edge_attrs(node: Value, edge_attrs: Any) -> dict[str, str]:
    """The op -> result edge: highlighted like the result, never labelled."""
    attrs = edge_attrs(node, node, None)
    attrs.pop("label", None)
    return attrs


def _constants_beside_operands(
    graph: Drawing, order: list[Value], ids: Mapping[Value, str]
) -> None:
    """Each number from the code in the same rank as the value it is combined with.

    A leaf is otherwise put in the first rank, and the 4.0 of `L = (y_pred - 4.0)**2`
    would sit far from its minus, at the other end of a long edge.
    """
    placed: set[Value] = set()
    for node in order:
        for parent in node.parents:
            if not parent.is_constant or parent in placed:
                continue
            partner = next((p for p in node.parents if not p.is_constant), None)
            if partner is None:
                continue
            placed.add(parent)
            with graph.subgraph(f"beside_{ids[parent]}") as same:
                same.attr(rank="same")
                same.node(ids[partner])
                same.node(ids[parent])


def _legend(
    color: Any,
    marks: Mapping[Value, Any],
    scale: float,
    digits: int,
    edge_labels: bool,
    highlighted: bool,
    top_norm: float | None = None,
    grey: bool = False,
    stepping: bool = False,
) -> Html | None:
    """One small table under the graph, a line for each kind of mark drawn; None if none is.

    It is chainrule's own words and numbers only, so it may be HTML: no label
    or module path of the user's goes in it.
    """
    lines = []
    if color == "grad":
        if scale > 0.0:
            top = html.escape(format_number(scale, digits))
            keys = [(f"-{top}", -scale), ("0", 0.0), (f"+{top}", scale)]
            lines.append(
                ["fill: grad"]
                + [
                    _swatch(text, grad_color(g, scale), ink="white" if g else "black")
                    for text, g in keys
                ]
            )
        else:  # before backward a scale from -0 to +0 says nothing
            lines.append(["fill: grad (every grad is 0)"])
    elif marks:
        lines.append(
            ["gradcheck"] + [_swatch(text, fill, line) for text, (fill, line) in _REPORT_KEYS]
        )
    if top_norm is not None and top_norm > 0.0:
        keys = [top_norm * 10.0**-_NORM_DECADES, top_norm * 10.0 ** -(_NORM_DECADES // 2), top_norm]
        lines.append(
            ["fill: grad norm of a module's parameters"]
            + [
                _swatch(
                    html.escape(format_number(norm, 2 if norm < top_norm else digits)),
                    norm_color(norm, top_norm),
                    ink="white" if _is_dark(norm, top_norm) else "black",
                )
                for norm in keys
            ]
        )
    elif top_norm is not None:
        lines.append(["fill: grad norm of a module's parameters (every one is 0)"])
    if grey:
        lines.append(
            [
                f'<FONT COLOR="{_PARAMETER_EDGE}"><B>grey</B></FONT>: a module\'s parameters '
                "used outside it (a penalty such as L2)"
            ]
        )
    if edge_labels:
        lines.append(["numbers on edges: local derivatives d(out)/d(in)"])
    if stepping:  # draw_progress: a frame of the stepper, or a slide of save_frames
        lines.append(
            [
                "backward",
                _swatch("this step's node", FOCUS_FILL),
                _swatch("steps done", DONE_FILL),
                "<B>bold</B>: where its gradient flows back",
            ]
        )
    if highlighted:
        lines.append(
            [
                f'<FONT COLOR="{_HIGHLIGHT}"><B>orange</B></FONT>: '
                "paths from the highlighted value to the root"
            ]
        )
    if not lines:
        return None
    rows = "".join(
        '<TR><TD ALIGN="LEFT"><TABLE BORDER="0" CELLSPACING="2" CELLPADDING="1"><TR>'
        + "".join(cell if cell.startswith("<TD") else f"<TD>{cell}</TD>" for cell in line)
        + "</TR></TABLE></TD></TR>"
        for line in lines
    )
    return Html(f'<TABLE BORDER="0" CELLSPACING="0" CELLPADDING="0">{rows}</TABLE>')


def _swatch(text: str, fill: str, line: str = "#999999", ink: str = "black") -> str:
    """A table cell filled and edged like the nodes it explains."""
    return (
        f'<TD BGCOLOR="{fill}" BORDER="1" COLOR="{line}"><FONT COLOR="{ink}"> {text} </FONT></TD>'
    )


def _draw_grouped(
    graph: Drawing,
    by: str,
    rankdir: str,
    root: Value,
    order: list[Value],
    ids: Mapping[Value, str],
    names: Mapping[Value, str],
    grads: Mapping[Value, float],
    paint: tuple[Any, Any, Any],
    edge_labels: bool,
    on_path: set[Value],
    max_nodes: int,
    fmt: Any,
) -> tuple[float, bool]:
    """One box per layer (by='layer') or per neuron (by='neuron'), filled by the gradient
    norm of its parameters; the nodes outside modules drawn one by one, or in two boxes.

    Returns the largest gradient norm of a box, the top of the fill's scale, and
    whether an edge carries only parameters (drawn grey).
    """
    value_node, op_node, edge_attrs = paint
    unit_of = _module_groups(order, root)  # the module that made each node: its neuron
    if not unit_of:
        raise ValueError(
            f"draw(group={by!r}) boxes the nodes made inside each nn module, but no node "
            f"of {names[root]}'s graph was made inside one. Draw it without group= (pass "
            f"max_nodes={max(len(order), max_nodes)} if it has more than {max_nodes} nodes)"
        )
    box_of = {node: _layer_of(unit) if by == "layer" else unit for node, unit in unit_of.items()}
    modules = sorted(set(box_of.values()), key=_path_order)
    loose = [n for n in order if n not in box_of]
    if len(loose) + len(modules) > max_nodes:
        # Too many nodes outside any module (inputs, the loss, a penalty): box them too.
        for node in loose:
            if node is not root:
                box_of[node] = _INPUTS if node.is_leaf else _OUTSIDE
        loose = [root]
    boxes = modules + [key for key in (_INPUTS, _OUTSIDE) if key in box_of.values()]
    if len(loose) + len(boxes) > max_nodes:
        raise _too_many(len(loose) + len(boxes), max_nodes, names[root], grouped=True)

    members: dict[str, list[Value]] = {key: [] for key in boxes}
    for node in order:
        if node in box_of:
            members[box_of[node]].append(node)
    norms = {key: _grad_norm(members[key], grads) for key in modules}
    top = max((n for n in norms.values() if n == n), default=0.0)
    lit = {box_of[node] for node in on_path if node in box_of}
    box_id = _draw_boxes(graph, by, rankdir, boxes, modules, members, norms, lit, unit_of, fmt)

    for node in loose:
        value_node(node, ids[node])

    def source_of(parent: Value) -> str:
        key = box_of.get(parent)
        return box_id[key] if key is not None else ids[parent]

    def unit(node: Value) -> str:
        return unit_of.get(node) or ids[node]

    pairs: dict[tuple[str, str], set[tuple[str, str]]] = {}
    lit_edges: set[tuple[str, str]] = set()
    flows: set[tuple[str, str]] = set()  # the others carry only a module's parameters
    for node in order:
        key = box_of.get(node)
        if key is None:
            _connect(graph, node, ids[node], ids, op_node, edge_attrs, edge_labels, source_of)
            continue
        target = box_id[key]
        for parent in node.parents:
            source = source_of(parent)
            if source == target:
                continue
            pairs.setdefault((source, target), set()).add((unit(parent), unit(node)))
            if not (parent.is_leaf and parent in unit_of):
                flows.add((source, target))
            if parent in on_path and node in on_path:
                lit_edges.add((source, target))
    bundle_of: dict[str, str] = {}
    if by == "neuron":
        # The neurons of one list together; the loose leaves (the network's inputs) together.
        bundle_of = {box_id[key]: _list_of(key) for key in modules}
        bundle_of.update({ids[n]: "(leaves)" for n in loose if n.is_leaf})
    _box_edges(graph, pairs, flows, lit_edges, bundle_of, labelled=by == "layer")
    return top, set(pairs) != flows


def _draw_boxes(
    graph: Drawing,
    by: str,
    rankdir: str,
    boxes: list[str],
    modules: list[str],
    members: Mapping[str, list[Value]],
    norms: Mapping[str, float],
    lit: set[str],
    unit_of: Mapping[Value, str],
    fmt: Any,
) -> dict[str, str]:
    """Draw the boxes; return each one's id: a node id, or 'id:port' for a table's cell."""
    top = max((n for n in norms.values() if n == n), default=0.0)
    lists: dict[str, list[str]] = {}
    for key in modules:
        lists.setdefault(_list_of(key) if by == "neuron" else "", []).append(key)
    box_id: dict[str, str] = {}
    numbers = itertools.count()
    for outer, keys in lists.items():
        if outer and all(_index(key) for key in keys):
            # The neurons of a list (layers.0.neurons.0, .1, ...) as the cells of one table,
            # the one way both renderers keep them in order.
            table = f"g{next(numbers)}"
            box_id.update({key: f"{table}:p{i}" for i, key in enumerate(keys)})
            with graph.subgraph(f"cluster_{table}") as cluster:
                cluster.attr(label=outer, style="rounded")
                cells = [
                    _cell(f"p{i}", _index(k), norms[k], top, k in lit) for i, k in enumerate(keys)
                ]
                across = rankdir in ("TB", "BT")
                rows = [cells] if across else [[cell] for cell in cells]
                cluster.node(table, _table(rows), shape="plain")
            continue
        for key in keys:
            box_id[key] = f"g{next(numbers)}"
            label = _module_label(by, key, members[key], unit_of, norms[key], fmt)
            attrs = {"shape": "box", "style": "rounded,filled", "tooltip": f"{key}"}
            attrs["fillcolor"] = norm_color(norms[key], top)
            if _is_dark(norms[key], top):
                attrs["fontcolor"] = "white"
            if key in lit:
                attrs.update(color=_HIGHLIGHT, penwidth="2.5")
            graph.node(box_id[key], label, **attrs)
    for key in boxes[len(modules) :]:
        box_id[key] = f"g{next(numbers)}"
        count = len(members[key])
        attrs = {"shape": "box", "style": "rounded,filled", "fillcolor": _GROUP_FILL}
        if key in lit:
            attrs.update(color=_HIGHLIGHT, penwidth="2.5")
        graph.node(box_id[key], f"{key}\n{count} node{'s' if count != 1 else ''}", **attrs)
    return box_id


_PARAMETER_EDGE = "#b0b0b0"
_INPUTS = "(inputs and constants)"
_OUTSIDE = "(outside modules)"
_NORM_FILL = (106, 61, 154)  # purple: apart from the red and blue of grads, the orange paths
_NORM_DECADES = 6
"""The fill by gradient norm is on a log scale over this many powers of ten below the largest."""


def norm_color(norm: float, top: float) -> str:
    """The fill for a module whose parameters' gradient norm is `norm`: white to purple.

    Log scale: the largest norm drawn (`top`) is darkest, one a million times
    smaller (or 0) is white, so a vanishing layer stands out pale.

    >>> norm_color(1.0, 1.0), norm_color(1e-6, 1.0), norm_color(0.0, 1.0)
    ('#6a3d9a', '#ffffff', '#ffffff')
    """
    t = _norm_shade(norm, top)
    r, g, b = (round(255 + (c - 255) * t) for c in _NORM_FILL)
    return f"#{r:02x}{g:02x}{b:02x}"


def _norm_shade(norm: float, top: float) -> float:
    """0 (white) to 1 (darkest): how far up the log scale `norm` is."""
    if not (norm > 0.0 and top > 0.0) or norm != norm:
        return 0.0
    return min(1.0, max(0.0, 1.0 + math.log10(norm / top) / _NORM_DECADES))


def _is_dark(norm: float, top: float) -> bool:
    return _norm_shade(norm, top) > 0.55  # black text is unreadable on the darker fills


def _grad_norm(nodes: list[Value], grads: Mapping[Value, float]) -> float:
    """sqrt(sum of grad**2) over the parameters among nodes (leaves that are not numbers)."""
    return math.sqrt(sum(grads[n] ** 2 for n in nodes if n.is_leaf and not n.is_constant))


def _module_label(
    by: str, key: str, nodes: list[Value], unit_of: Mapping[Value, str], norm: float, fmt: Any
) -> str:
    """A layer: its path, neurons, parameters and grad norm; a neuron: its index in its list."""
    if by != "layer":
        return f"{key}\ngrad norm {fmt(norm)}"
    parameters = sum(1 for n in nodes if n.is_leaf and not n.is_constant)
    neurons = len({unit_of[n] for n in nodes if n in unit_of} - {key})
    counts = f"{parameters} parameter{'s' if parameters != 1 else ''}"
    if neurons:
        counts = f"{neurons} neuron{'s' if neurons != 1 else ''}, {counts}"
    return f"{key}\n{counts}\ngrad norm {fmt(norm)}"


def _box_edges(
    graph: Drawing,
    pairs: Mapping[tuple[str, str], set[tuple[str, str]]],
    flows: set[tuple[str, str]],
    lit: set[tuple[str, str]],
    bundle_of: Mapping[str, str],
    labelled: bool,
) -> None:
    """The edges between boxes, each labelled with its number of connections if `labelled`.

    Between two groups of `bundle_of` (two layers of neurons, the inputs and
    the first layer) where every box of one feeds every box of the other, the
    n x m edges meet in one small node that says how many connections they
    are: a bundle, not a tangle. An edge that
    carries only parameters (to a penalty such as L2) is light grey, behind
    the data's way through the network.
    """
    bundles: dict[tuple[str, str], list[tuple[str, str]]] = {}
    for source, target in pairs:
        ends = (bundle_of.get(source, source), bundle_of.get(target, target))
        bundles.setdefault(ends, []).append((source, target))
    for number, edges in enumerate(bundles.values()):
        sources = list(dict.fromkeys(s for s, _ in edges))
        targets = list(dict.fromkeys(t for _, t in edges))
        if len(edges) < 4 or len(edges) != len(sources) * len(targets):
            for source, target in edges:
                n = len(pairs[(source, target)])
                attrs = {"label": _connections(n)} if labelled else {}
                attrs.update(_edge_style([(source, target)], flows, lit))
                _edge(graph, source, target, **attrs)
            continue
        count = sum(len(pairs[edge]) for edge in edges)
        style = _edge_style(edges, flows, lit)
        junction = f"bundle{number}"
        graph.node(
            junction,
            str(count),
            shape="circle",
            width="0",
            height="0",
            margin="0.01",
            fontsize="9",
            tooltip=f"{_connections(count)}: each of {len(sources)} to each of {len(targets)}",
            **style,
        )
        for source in sources:
            _edge(graph, source, junction, arrowhead="none", **style)
        for target in targets:
            _edge(graph, junction, target, **style)


def _edge_style(
    edges: list[tuple[str, str]], flows: set[tuple[str, str]], lit: set[tuple[str, str]]
) -> dict[str, str]:
    if lit.intersection(edges):
        return {"color": _HIGHLIGHT, "penwidth": "2.5"}
    if not flows.intersection(edges):
        return {"color": _PARAMETER_EDGE, "fontcolor": _PARAMETER_EDGE}
    return {}


def _connections(n: int) -> str:
    return f"{n} connection{'s' if n != 1 else ''}"


def _edge(graph: Statements, tail: str, head: str, **attrs: str) -> None:
    """An edge between two nodes, either of which may be a table's cell, 'id:port'."""
    tail, _, tailport = tail.partition(":")
    head, _, headport = head.partition(":")
    ports = {"tailport": tailport or None, "headport": headport or None}
    graph.edge(tail, head, **attrs, **{k: v for k, v in ports.items() if v})


def _path_order(path: str) -> list[tuple[int, Any]]:
    """A module path as a sort key in which layers.2 comes before layers.10."""
    return [(0, int(part)) if part.isdigit() else (1, part) for part in path.split(".")]


def _list_of(path: str) -> str:
    """The list a module is an item of: 'layers.0.neurons' for 'layers.0.neurons.3' ('' if none)."""
    return path.rpartition(".")[0]


def _index(path: str) -> str:
    """The index of a module in its list ('3' for 'layers.0.neurons.3'), '' if it is none.

    Only such a number, chainrule's own, goes in a table cell (HTML); any other
    part of a path is the user's text, always drawn as plain text.
    """
    last = path.rpartition(".")[2]
    return last if path.count(".") and last.isascii() and last.isdigit() else ""


def _cell(port: str, index: str, norm: float, top: float, lit: bool) -> str:
    """A neuron as a table cell: its index, filled by its gradient norm."""
    ink = "white" if _is_dark(norm, top) else "black"
    edge = f' COLOR="{_HIGHLIGHT}" BORDER="3"' if lit else ""
    return (
        f'<TD PORT="{port}" BGCOLOR="{norm_color(norm, top)}"{edge} WIDTH="26" HEIGHT="20">'
        f'<FONT COLOR="{ink}">{index}</FONT></TD>'
    )


def _table(rows: list[list[str]]) -> Html:
    return Html(
        '<TABLE BORDER="0" CELLBORDER="1" CELLSPACING="2" CELLPADDING="2">'
        + "".join(f"<TR>{''.join(row)}</TR>" for row in rows)
        + "</TABLE>"
    )


def _layer_of(path: str) -> str:
    """The module holding a neuron: 'layers.0' for 'layers.0.neurons.3'.

    The last step of the path (an attribute, and its index in a list) is cut;
    a path of one step is its own layer.
    """
    parts = path.split(".")
    cut = 2 if len(parts) > 2 and parts[-1].isdigit() else 1
    return ".".join(parts[:-cut]) or path


def _module_groups(order: list[Value], root: Value) -> dict[Value, str]:
    """The module box of each node that goes in one.

    A node made inside a module goes in that module's box (its scope). A leaf
    made outside any module goes in a module's box when its label says it
    belongs there (nn labels a weight 'layers.0.neurons.3.w.1'), or else when
    that module is the only one using it.
    """
    group_of: dict[Value, str] = {}
    users: dict[Value, str | None] = {}
    for node in order:
        scope = node.scope or None
        if scope is not None and node is not root:
            group_of[node] = scope
        for parent in node.parents:
            if parent.is_leaf and not parent.scope:
                if parent not in users:
                    users[parent] = scope
                elif users[parent] != scope:
                    users[parent] = None
    scopes = set(group_of.values())
    for leaf, scope in users.items():
        if leaf is root:
            continue
        owner = _owner_by_label(leaf.label, scopes) if leaf.label else None
        if owner is not None:
            group_of[leaf] = owner
        elif scope is not None:
            group_of[leaf] = scope
    return group_of


def _owner_by_label(label: str, scopes: set[str]) -> str | None:
    """The longest module path that `label` starts with, as 'path.'; None if none does."""
    parts = label.split(".")
    for end in range(len(parts) - 1, 0, -1):
        prefix = ".".join(parts[:end])
        if prefix in scopes:
            return prefix
    return None
