"""The backward pass as a picture book: one drawing of the graph per step.

`backward_steps(root)` takes explain()'s step records and draws the graph as
it stands after each one: the node being processed is filled yellow, the
nodes already done are green, every gradient computed so far is filled in,
and the chain-rule updates of that step are written out:

    w.grad += x.data * y_pred.grad = 2.0 * -6.0 = -12.0

In a notebook it shows as a slider with previous/next buttons. It needs no
widget library in the kernel: the page carries its own few lines of
JavaScript, and every frame is an inline image (PNG by default, which every viewer shows;
SVG on request), so nothing is fetched.
Where scripts do not run (an untrusted notebook, a viewer that strips them)
the same HTML still shows every step, one `<details>` block each.
`.save_html(path)` writes it all as one self-contained page.
"""

from __future__ import annotations

import base64
import hashlib
import html
import os
from collections.abc import Iterator
from dataclasses import dataclass

from autograd.backward import topological_order
from autograd.draw import check_draw_options, draw_progress
from autograd.errors import RenderError
from autograd.explain import Explanation, Step, explain
from autograd.files import write_atomic
from autograd.naming import format_number
from autograd.render import Drawing, render_many
from autograd.value import Value

__all__ = ["backward_steps", "BackwardSteps", "Frame"]


@dataclass(frozen=True)
class Frame:
    """The graph right after one backward step."""

    step: Step
    """explain()'s record of the step: node, incoming grad, contributions."""
    drawing: Drawing
    """The graph: processed node highlighted, gradients so far filled in."""

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

    def __init__(self, explanation: Explanation, frames: tuple[Frame, ...]) -> None:
        self.explanation = explanation
        """The step records the frames were drawn from."""
        self.frames = frames
        """One Frame per backward step, in the order backward runs."""

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
            return self._fragment(None, "png", f"No pictures: {error}")

    def to_html(self, image: str = "png") -> str:
        """The stepper as an HTML fragment: slider with scripts, <details> blocks without.

        Each frame is an inline image, `image` = 'png' (shown by every viewer,
        including sanitisers that refuse SVG data) or 'svg' (sharper, smaller).
        """
        if image not in _MIME:
            raise ValueError(
                f"to_html(image={image!r}): frames can be 'png' (works everywhere) or 'svg'"
            )
        pictures = render_many([frame.drawing.source for frame in self.frames], image)
        return self._fragment(pictures, image)

    def _fragment(self, pictures: list[bytes] | None, image: str, note: str = "") -> str:
        """The HTML of to_html(); without pictures each frame is its text alone."""
        digest = hashlib.sha1("".join(f.drawing.source for f in self.frames).encode()).hexdigest()
        ident = f"chainrule-steps-{digest[:12]}"
        n = len(self.frames)
        e = html.escape
        blocks = []
        for i, frame in enumerate(self.frames, 1):
            updates = "\n".join(frame.updates)
            picture = ""
            if pictures is not None:
                encoded = base64.b64encode(pictures[i - 1]).decode("ascii")
                picture = (
                    f'<img alt="the graph after step {i}: {e(frame.title)}" '
                    f'src="data:{_MIME[image]};base64,{encoded}"/>'
                )
            blocks.append(
                f'<details class="cr-frame" data-step="{i}"{" open" if i == 1 else ""}>'
                f"<summary><b>Step {i} of {n}</b>: {e(frame.title)} "
                f"(grad {e(_grad(frame))})</summary>"
                f'<pre class="cr-update">{e(updates)}</pre>'
                f"{picture}</details>"
            )
        if not blocks:
            blocks.append(
                f"<p>{e(self.explanation.root)} is a leaf: backward has nothing to do.</p>"
            )
        return (
            f'<div class="chainrule-steps" data-stepper="{ident}">'
            f"<style>{_CSS}</style>"
            f"<p>Backward pass of <b>{e(self.explanation.root)}</b>, {n} steps: "
            "the yellow node is being processed, green nodes are done, every grad shown "
            "is the total so far.</p>"
            + (f'<p class="cr-note">{e(note)}</p>' if note else "")
            + "".join(blocks)
            + f"<script>{_SCRIPT.replace('IDENT', ident)}</script></div>"
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


def _grad(frame: Frame) -> str:
    return format_number(frame.step.grad, 6)


_MIME = {"png": "image/png", "svg": "image/svg+xml"}

_CSS = (
    ".chainrule-steps details{margin:.3em 0}"
    ".chainrule-steps summary{cursor:pointer}"
    ".chainrule-steps pre.cr-update{margin:.3em 0;padding:.3em;background:#f6f6f6}"
    ".chainrule-steps img{max-width:100%}"
    ".chainrule-steps .cr-slider{vertical-align:middle;width:16em}"
)

# Runs where scripts are allowed: show one frame at a time under a slider.
# It makes the slider and buttons itself, so that where scripts are stripped no dead
# controls are left (a sanitiser that drops <button> keeps its text, and drops the style
# that would have hidden it). It sets up its own container (currentScript); hosts that
# run inserted scripts without currentScript get every stepper of this content not yet
# set up. '<\/' keeps the HTML parser from reading an end tag inside the script.
_SCRIPT = """(function(){
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
var slider=bar.querySelector('.cr-slider'),where=bar.querySelector('.cr-where');
function show(i){i=Math.max(1,Math.min(frames.length,i));
for(var k=0;k<frames.length;k++){var on=(k===i-1);
frames[k].style.display=on?'':'none';if(on)frames[k].open=true;}
slider.value=i;where.textContent='step '+i+' of '+frames.length;}
bar.querySelector('.cr-prev').onclick=function(){show(+slider.value-1);};
bar.querySelector('.cr-next').onclick=function(){show(+slider.value+1);};
slider.oninput=function(){show(+slider.value);};
show(1);}})();"""


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
            f"backward_steps draws the whole graph once per step, and this graph has "
            f"{len(order)} nodes, more than max_nodes={max_nodes}: the pages would be huge "
            f"and unreadable. Pass max_nodes={len(order)} to step through it anyway, or use "
            "explain(root) for the same steps as a table"
        )
    explanation = explain(root)
    by_index = {node.creation_index: node for node in order}
    grads = {node: 0.0 for node in order}
    grads[root] = 1.0
    done: set[Value] = set()
    frames = []
    for step in explanation:
        node = by_index[step.node_index]
        for c in step.contributions:
            grads[by_index[c.parent_index]] = c.total
        drawing = draw_progress(
            root, grads, focus=node, done=done, rankdir=rankdir, max_nodes=max_nodes, digits=digits
        )
        done.add(node)
        frames.append(Frame(step=step, drawing=drawing))
    return BackwardSteps(explanation, tuple(frames))
