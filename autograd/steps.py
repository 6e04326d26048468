"""The backward pass as a picture book: the graph as it stands after each step.

`backward_steps(root)` takes explain()'s step records and draws the graph as
it stands after each one: the node being processed is filled yellow, the
nodes already done are green, every gradient computed so far is filled in,
and the chain-rule updates of that step are written out:

    w.grad += x.data * y_pred.grad = 2.0 * -6.0 = -12.0

In a notebook it shows as a slider with previous/next buttons. It needs no
widget library in the kernel: the page carries its own few lines of
JavaScript and the graph as one inline SVG, laid out once with every box wide
enough for any step's numbers. A step is what changes from the step before
(the yellow node, the gradients it sent on), so the page grows with the
nodes plus the steps, never with nodes times steps, and nothing is fetched.
Where scripts do not run (an untrusted notebook, a viewer that strips them)
the same HTML still shows every step's updates, one `<details>` block each,
and a picture of the graph after the last step.
`.save_html(path)` writes it all as one self-contained page.
"""

from __future__ import annotations

import base64
import hashlib
import html
import io
import json
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from autograd.backward import topological_order
from autograd.draw import DONE_FILL, FOCUS_FILL, check_draw_options, draw_progress, node_ids
from autograd.errors import RenderError
from autograd.explain import Explanation, Step, explain
from autograd.files import write_atomic
from autograd.naming import format_number
from autograd.render import (
    Drawing,
    fitted_svg,
    narrowest_readable,
    render_many,
    render_source,
    svg_css_size,
)
from autograd.value import Value

__all__ = ["backward_steps", "BackwardSteps", "Frame"]


@dataclass(frozen=True)
class Frame:
    """The graph right after one backward step."""

    step: Step
    """explain()'s record of the step: node, incoming grad, contributions."""
    drawing: Drawing
    """The graph: processed node highlighted, gradients so far filled in."""
    node_id: str = ""
    """The DOT id of the node processed (autograd.draw.node_ids)."""
    grads: tuple[tuple[str, str], ...] = ()
    """(DOT id, gradient as drawn) of each value whose gradient this step changed;
    in the first frame, of every value."""

    @property
    def updates(self) -> tuple[str, ...]:
        """The chain-rule updates of this step, one per parent, written out."""
        return tuple(c.update for c in self.step.contributions)

    @property
    def title(self) -> str:
        """'Step 2 of 5: n = n3 + b' style heading (without the total)."""
        return f"{self.step.node} = {self.step.expression}"


class BackwardSteps:
    """The frames of a backward pass; a notebook shows them as a stepper."""

    def __init__(
        self, explanation: Explanation, frames: tuple[Frame, ...], layout: Drawing | None = None
    ) -> None:
        self.explanation = explanation
        """The step records the frames were drawn from."""
        self.frames = frames
        """One Frame per backward step, in the order backward runs."""
        self.layout = layout
        """The graph with every box wide enough for any step's gradient, drawn once: the
        picture the stepper's script changes step by step (None: no steps)."""
        self._pictures: list[bytes] | None = None  # pictures(), rendered once

    def __len__(self) -> int:
        return len(self.frames)

    def __iter__(self) -> Iterator[Frame]:
        return iter(self.frames)

    def __getitem__(self, i: int) -> Frame:
        return self.frames[i]

    def __repr__(self) -> str:
        return f"<BackwardSteps of {self.explanation.root}: {len(self.frames)} frames>"

    def __str__(self) -> str:
        lines = []
        for i, frame in enumerate(self.frames, 1):
            lines.append(f"step {i} of {len(self.frames)}: {frame.title}, grad {_grad(frame)}")
            lines.extend(f"    {u}" for u in frame.updates)
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        try:
            return self.to_html()
        except RenderError as error:
            # A notebook cell should end in the steps, not a traceback: the updates are
            # the lesson, and the note says how to get the pictures.
            return self._fragment(None, None, "png", f"No pictures: {error}")

    def to_html(self, image: str = "png") -> str:
        """The stepper as an HTML fragment: slider with scripts, <details> blocks without.

        With scripts the graph is one inline SVG that the slider changes. Without
        them the blocks are followed by the graph after the last step, an inline
        image: `image` = 'png' (shown by every viewer, including sanitisers that
        refuse SVG data) or 'svg' (sharper, smaller).
        """
        if image not in _MIME:
            raise ValueError(
                f"to_html(image={image!r}): the picture can be 'png' (works everywhere) or 'svg'"
            )
        if self.layout is None or not self.frames:
            return self._fragment(None, None, image)
        last = self.frames[-1].drawing.source
        if image == "svg":
            svg, final = render_many([self.layout.source, last], "svg")
        else:
            svg, final = render_source(self.layout.source, "svg"), render_source(last, "png")
        return self._fragment(_inline_svg(svg.decode("utf-8"), self.layout.source), final, image)

    def _fragment(self, svg: str | None, final: bytes | None, image: str, note: str = "") -> str:
        """The HTML of to_html(); without pictures each step is its text alone."""
        digest = hashlib.sha1("".join(f.drawing.source for f in self.frames).encode()).hexdigest()
        ident = f"chainrule-steps-{digest[:12]}"
        n = len(self.frames)
        e = html.escape
        blocks = []
        for i, frame in enumerate(self.frames, 1):
            updates = "\n".join(frame.updates)
            blocks.append(
                f'<details class="cr-frame" data-step="{i}"{" open" if i == 1 else ""}>'
                f"<summary><b>Step {i} of {n}</b>: {e(frame.title)} "
                f"(grad {e(_grad(frame))})</summary>"
                f'<pre class="cr-update">{e(updates)}</pre></details>'
            )
        if not blocks:
            blocks.append(
                f"<p>{e(self.explanation.root)} is a leaf: backward has nothing to do.</p>"
            )
        if final is not None:
            encoded = base64.b64encode(final).decode("ascii")
            blocks.append(
                f'<div class="cr-final"><p>The graph after step {n}:</p>'
                f'<img alt="the graph after step {n}" '
                f'src="data:{_MIME[image]};base64,{encoded}"/></div>'
            )
        data = {"svg": svg or "", "frames": [[f.node_id, f.grads] for f in self.frames]}
        # In a script '</' would end it and '<!--' change how it is read: JSON writes '<' as
        # its escape, which reads back as the same text.
        script = _SCRIPT.replace("IDENT", ident).replace(
            "DATA", json.dumps(data, separators=(",", ":")).replace("<", "\\u003c")
        )
        return (
            f'<div class="chainrule-steps" data-stepper="{ident}">'
            f"<style>{_CSS}</style>"
            f"<p>Backward pass of <b>{e(self.explanation.root)}</b>, {n} steps: "
            "the yellow node is being processed, green nodes are done, every grad shown "
            "is the total so far.</p>"
            + (f'<p class="cr-note">{e(note)}</p>' if note else "")
            + "".join(blocks)
            + f"<script>{script}</script></div>"
        )

    def to_page(self, title: str | None = None, image: str = "png") -> str:
        """The stepper as a whole HTML document, with nothing to fetch."""
        title = title or f"Backward pass of {self.explanation.root}"
        return (
            '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"/>'
            f"<title>{html.escape(title)}</title></head><body>\n"
            + self.to_html(image)
            + "\n</body></html>\n"
        )

    def save_html(
        self, path: str | os.PathLike[str], title: str | None = None, image: str = "png"
    ) -> None:
        """Write the stepper as one self-contained HTML page (works offline), atomically."""
        write_atomic(path, self.to_page(title, image).encode("utf-8"))

    def pictures(self) -> list[bytes]:
        """One PNG per step, all laid out alike and of one size (for slides and animations).

        Each frame is drawn with every node as large as in the layout (the widest
        gradient it ever shows), so nothing moves from one picture to the next.
        """
        if self.layout is None:
            return []
        if self._pictures is not None:
            return list(self._pictures)
        plain = render_source(self.layout.source, "plain").decode("utf-8")
        sizes = []
        for line in plain.splitlines():
            word = line.split(" ")
            if word[0] == "node":  # node NAME X Y WIDTH HEIGHT ..., in inches
                # a hair larger than the layout's (printed rounded): every frame's own size
                # is then below it, so every frame takes exactly this one
                width, height = (f"{float(size) + 0.001:.4f}" for size in word[4:6])
                sizes.append(f"\t{word[1]} [height={height} width={width}]\n")
        sources = []
        for frame in self.frames:
            source = frame.drawing.source
            end = source.rindex("}")
            sources.append(source[:end] + "".join(sizes) + source[end:])
        self._pictures = render_many(sources, "png")
        return list(self._pictures)

    def save_frames(self, folder: str | os.PathLike[str]) -> list[str]:
        """Write one PNG per step, step_1.png, step_2.png, ... into `folder`; their paths.

        Numbers are zero-padded to one width (step_01.png ... step_12.png), so the files
        sort in step order. The folder is made if missing; each picture is written whole
        (write_atomic).
        """
        pictures = self.pictures()
        os.makedirs(folder, exist_ok=True)
        digits = len(str(len(pictures)))
        paths = []
        for i, png in enumerate(pictures, 1):
            path = os.path.join(os.fspath(folder), f"step_{i:0{digits}d}.png")
            write_atomic(path, png)
            paths.append(path)
        return paths

    def save_gif(self, path: str | os.PathLike[str], seconds_per_step: float = 1.5) -> None:
        """Write the steps as an animated GIF that loops, `seconds_per_step` a frame.

        Needs Pillow, which comes with chainrule's `plot` extra.
        """
        if not seconds_per_step > 0:
            raise ValueError(
                f"save_gif(seconds_per_step={seconds_per_step!r}): each step must show for "
                "some time; pass a number of seconds above 0, such as 1.5"
            )
        image = _require_pillow()
        if not self.frames:
            raise ValueError(
                f"{self.explanation.root} is a leaf: backward has no step, so an animation "
                "of its steps would have no frame. Call save_gif on the steps of a computed value"
            )
        frames = [image.open(io.BytesIO(png)).convert("RGB") for png in self.pictures()]
        width = max(f.width for f in frames)
        height = max(f.height for f in frames)
        canvas = []
        for frame in frames:  # one size for all, should a renderer differ by a pixel
            board = image.new("RGB", (width, height), "white")
            board.paste(frame, (0, 0))
            canvas.append(board)
        data = io.BytesIO()
        canvas[0].save(
            data,
            format="GIF",
            save_all=True,
            append_images=canvas[1:],
            duration=round(1000 * seconds_per_step),
            loop=0,
        )
        write_atomic(path, data.getvalue())


def _require_pillow() -> Any:
    """PIL.Image, or an ImportError that says how to install it."""
    try:
        from PIL import Image
    except ImportError:
        raise ImportError(
            "save_gif needs Pillow, which is not installed: it writes the GIF. It comes "
            "with chainrule's 'plot' extra: pip install 'chainrule[plot]' (from a clone: "
            "pip install -e '.[plot]'; or pip install pillow). save_frames writes the same "
            "pictures as PNG files without it"
        ) from None
    return Image


def _grad(frame: Frame) -> str:
    return format_number(frame.step.grad, 6)


def _inline_svg(svg: str, source: str) -> str:
    """A Graphviz SVG to put inside a page: each node and edge named by its DOT id.

    The XML prologue and comments go. Graphviz numbers its groups `node1`,
    `edge1`, ... (ids that would clash with a second picture on the page) and
    names each by a <title>, which a browser shows as a tooltip: both become a
    `data-id`, the DOT id ('v3', 'v3_op', 'v0->v3_op') the script looks for.
    """
    svg = svg[svg.find("<svg") :]
    svg = re.sub(r"<!--.*?-->\n?", "", svg, flags=re.S)
    svg = re.sub(
        r'<g id="[^"]*" class="(node|edge)">\s*<title>([^<]*)</title>',
        r'<g class="\1" data-id="\2">',
        svg,
    )
    width, _ = svg_css_size(svg)
    return fitted_svg(svg, narrowest_readable(width, source))


_MIME = {"png": "image/png", "svg": "image/svg+xml"}

_CSS = (
    ".chainrule-steps details{margin:.3em 0}"
    ".chainrule-steps summary{cursor:pointer}"
    # a grey that lets the theme show through, so its own text colour stays readable on it,
    # light or dark
    ".chainrule-steps pre.cr-update{margin:.3em 0;padding:.3em;background:rgba(128,128,128,.12)}"
    ".chainrule-steps img{max-width:100%}"
    ".chainrule-steps .cr-graph{overflow-x:auto;max-width:100%}"
    ".chainrule-steps .cr-slider{vertical-align:middle;width:16em}"
    # the script's marks on the graph, in draw_progress's colours
    f".chainrule-steps g.cr-done polygon,.chainrule-steps g.cr-done ellipse{{fill:{DONE_FILL}}}"
    ".chainrule-steps g.cr-focus polygon,.chainrule-steps g.cr-focus ellipse"
    f"{{fill:{FOCUS_FILL};stroke-width:2.5}}"
    ".chainrule-steps g.cr-bold path,.chainrule-steps g.cr-bold polygon{stroke-width:2.5}"
)

# Runs where scripts are allowed: show one step at a time under a slider, the graph as
# one SVG that each step marks (_CSS colours the marks) and relabels. The left and right
# arrow keys step anywhere in the stepper (it takes the focus when clicked): the handler
# on the container takes them from the slider too, so a key is one step, and
# data-lm-suppress-shortcuts keeps JupyterLab's own shortcuts from taking them first.
# It makes the slider, buttons and graph itself, so that where scripts are stripped no
# dead controls are left (a sanitiser that drops <button> keeps its text, and drops the
# style that would have hidden it). It sets up its own container (currentScript); hosts
# that run inserted scripts without currentScript get every stepper of this content not
# yet set up. '<\/' keeps the HTML parser from reading an end tag inside the script.
_SCRIPT = """(function(){
var data=DATA;
var roots=[],cs=document.currentScript;
if(cs&&cs.parentElement){roots=[cs.parentElement];}
else{roots=document.querySelectorAll('div.chainrule-steps[data-stepper="IDENT"]');}
for(var r=0;r<roots.length;r++){setup(roots[r]);}
function setup(root){
if(root.getAttribute('data-ready'))return;root.setAttribute('data-ready','1');
var frames=root.querySelectorAll('details.cr-frame');if(!frames.length)return;
var bar=document.createElement('div');bar.className='cr-controls';
bar.innerHTML='<button type="button" class="cr-prev">&#9664; previous<\\/button> '+
'<input type="range" class="cr-slider" min="1" max="'+frames.length+'" value="1"/> '+
'<button type="button" class="cr-next">next &#9654;<\\/button> <span class="cr-where"><\\/span>';
root.insertBefore(bar,frames[0]);
var paint=graph(root,frames[frames.length-1]);
var slider=bar.querySelector('.cr-slider'),where=bar.querySelector('.cr-where');
function show(i){i=Math.max(1,Math.min(frames.length,i));
for(var k=0;k<frames.length;k++){var on=(k===i-1);
frames[k].style.display=on?'':'none';if(on)frames[k].open=true;}
slider.value=i;where.textContent='step '+i+' of '+frames.length;paint(i);}
bar.querySelector('.cr-prev').onclick=function(){show(+slider.value-1);};
bar.querySelector('.cr-next').onclick=function(){show(+slider.value+1);};
slider.oninput=function(){show(+slider.value);};
root.tabIndex=0;root.setAttribute('data-lm-suppress-shortcuts','true');
root.addEventListener('keydown',function(e){
var step={ArrowLeft:-1,Left:-1,ArrowRight:1,Right:1}[e.key];
if(!step||e.altKey||e.ctrlKey||e.metaKey)return;
e.preventDefault();e.stopPropagation();show(+slider.value+step);});
show(1);}
function graph(root,last){
if(!data.svg)return function(){};
var view=document.createElement('div');view.className='cr-graph';view.innerHTML=data.svg;
root.insertBefore(view,last.nextSibling);
var old=root.querySelectorAll('.cr-final');
for(var k=0;k<old.length;k++)old[k].style.display='none';
var groups=view.querySelectorAll('g[data-id]'),byId={},into={};
for(k=0;k<groups.length;k++){var id=groups[k].getAttribute('data-id');byId[id]=groups[k];
var arrow=id.indexOf('->');if(arrow>0){var head=id.slice(arrow+2);
(into[head]=into[head]||[]).push(groups[k]);}}
function mark(id,name){if(byId[id])byId[id].classList.add(name);}
return function(i){
for(var k=0;k<groups.length;k++)groups[k].classList.remove('cr-done','cr-focus','cr-bold');
var texts={},s,c;
for(s=0;s<i;s++){var f=data.frames[s];for(c=0;c<f[1].length;c++)texts[f[1][c][0]]=f[1][c][1];
if(s<i-1){mark(f[0],'cr-done');mark(f[0]+'_op','cr-done');}}
var focus=data.frames[i-1][0];mark(focus,'cr-focus');mark(focus+'_op','cr-focus');
var bold=(into[focus]||[]).concat(into[focus+'_op']||[]);
for(k=0;k<bold.length;k++)bold[k].classList.add('cr-bold');
for(var id in texts){if(!byId[id])continue;
var t=byId[id].querySelectorAll('text');t[t.length-1].textContent='grad '+texts[id];}};}
})();"""


def backward_steps(
    root: Value, *, rankdir: str | None = None, max_nodes: int = 100, digits: int = 4
) -> BackwardSteps:
    """The backward pass of root as frames: the graph after each chain-rule step.

    >>> from autograd import Value, backward_steps
    >>> x, w = Value(2.0, label="x"), Value(0.5, label="w")
    >>> y = x * w; y.label = "y"
    >>> steps = backward_steps(y)
    >>> len(steps), steps[0].updates[1]
    (1, 'w.grad += x.data * y.grad = 2.0 * 1.0 = 2.0')
    """
    check_draw_options(root, rankdir=rankdir, max_nodes=max_nodes, digits=digits)
    order = topological_order(root)
    if len(order) > max_nodes:
        raise ValueError(
            f"backward_steps draws the whole graph with every step, and this graph has "
            f"{len(order)} nodes, more than max_nodes={max_nodes}: the page would be huge "
            f"and unreadable. Pass max_nodes={len(order)} to step through it anyway, or use "
            "explain(root) for the same steps as a table"
        )
    explanation = explain(root)
    by_index = {node.creation_index: node for node in order}
    ids = node_ids(order)
    records = [node for node in ids if not node.is_constant]  # a number shows no grad
    grads = {node: 0.0 for node in order}
    grads[root] = 1.0
    widest = dict(grads)
    done: list[Value] = []
    frames = []
    for step in explanation:
        node = by_index[step.node_index]
        changed = records if not frames else []
        for c in step.contributions:
            parent = by_index[c.parent_index]
            grads[parent] = c.total
            if _drawn_width(_text(c.total, digits)) > _drawn_width(_text(widest[parent], digits)):
                widest[parent] = c.total
            if frames and not parent.is_constant:
                changed.append(parent)
        drawing = draw_progress(
            root, grads, focus=node, done=done, rankdir=rankdir, max_nodes=max_nodes, digits=digits
        )
        shown = tuple((ids[n], _text(grads[n], digits)) for n in dict.fromkeys(changed))
        frames.append(Frame(step, drawing, ids[node], shown))
        done.append(node)
    layout = None
    if frames:
        layout = draw_progress(root, widest, rankdir=rankdir, max_nodes=max_nodes, digits=digits)
    return BackwardSteps(explanation, tuple(frames), layout)


def _text(grad: float, digits: int) -> str:
    return format_number(grad, digits)


# Helvetica's advance widths, in thousandths of the font size, of the characters a
# number is written with (draw's font; every digit is 556 wide).
_WIDTHS = {".": 278, "-": 333, "+": 584, "i": 222, "f": 278}


def _drawn_width(text: str) -> int:
    """How wide text is drawn in Helvetica, in thousandths of the font size."""
    return sum(_WIDTHS.get(ch, 556) for ch in text)
