"""Turn DOT text into SVG or PNG, with whatever renderer this machine has.

The order of preference:

1. `dot` from a system Graphviz, when it is on PATH;
2. `graphviz-pure` (chainrule's `render` extra: a self-contained port of
   Graphviz installed by pip), looked for next to the running Python, then
   on PATH;
3. neither: RenderError, which names both ways to get one. The DOT text
   itself (`drawing.source`) never needs a renderer.

The two lay graphs out a little differently. To get the same pictures on
every machine, name one in the environment variable CHAINRULE_RENDERER
(`graphviz-pure` or `dot`); notebooks/execute.py sets it to graphviz-pure, so
the committed notebooks and the README pictures do not depend on whether the
machine that ran them has a system Graphviz.

`Drawing` is chainrule's own graph (DOT text built by autograd.dot) whose
`.pipe()`, `.render()` and notebook display go through this choice. It uses
nothing of the graphviz package: that package only ever runs a program called
`dot`, and its renderer hooks are private.

Renderers print warnings on stderr (for example about the width of non-ASCII
labels). They are logged at debug level on the `autograd.render` logger
instead of being written to stderr, where a notebook would show them in red
under every picture.
"""

from __future__ import annotations

import base64
import html
import logging
import math
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from autograd.dot import Graph
from autograd.errors import RenderError
from autograd.files import write_atomic

__all__ = [
    "COLUMN_PX",
    "SMALLEST_TEXT_PX",
    "RENDERER_VARIABLE",
    "Drawing",
    "find_renderer",
    "fitted_svg",
    "narrowest_readable",
    "svg_css_size",
    "render_source",
    "render_many",
]

log = logging.getLogger("autograd.render")

RENDERER_VARIABLE = "CHAINRULE_RENDERER"
"""The environment variable that names the one renderer to use: 'graphviz-pure' or 'dot'."""
_RENDERERS = ("dot", "graphviz-pure")

COLUMN_PX = 968
"""The width of a notebook's output column (JupyterLab's default), in CSS pixels."""
SMALLEST_TEXT_PX = 9
"""A drawing shown in a notebook is never shrunk so far that its text gets smaller than this."""
_PNG_DENSITY = 2
"""Pixels per CSS pixel of a PNG for display: sharp on dense screens and when shrunk to fit."""
_SHOWN = ("text/html", "image/png", "image/svg+xml")
_GRAPHVIZ_FONT = b'font-family="Helvetica,sans-Serif"'
_PORTABLE_FONT = b'font-family="Helvetica,Arial,Liberation Sans,Arimo,sans-serif"'
"""The fonts an SVG asks for: Helvetica, whose widths size the boxes, or one as wide.

Both renderers write 'Helvetica,sans-Serif'. Given that list, fontconfig (and so
rsvg-convert and GNOME's viewers) passes over its stand-in for Helvetica for the
generic sans-serif, DejaVu Sans on Linux, some 14% wider: long labels then touch
the walls of their boxes and a caption is cut off. Arial, Liberation Sans and
Arimo have Helvetica's widths, and one of them is on nearly every machine.
"""
_SVG_STYLE = "max-width:100%;height:auto;background:#fff"

_FIXES = (
    "install Graphviz with your system package manager (apt install graphviz, "
    "brew install graphviz, winget install graphviz), or install the pure renderer "
    "with pip: pip install 'chainrule[render]' (from a clone of chainrule: "
    "pip install -e '.[render]'). The DOT text is available without either, as .source"
)


def _pure_candidates() -> Iterator[Path]:
    name = "graphviz-pure.exe" if os.name == "nt" else "graphviz-pure"
    yield Path(sys.executable).parent / name
    found = shutil.which("graphviz-pure")
    if found:
        yield Path(found)


def find_renderer(prefer: str | None = None) -> str:
    """The path of the program that will render DOT: a system `dot`, else graphviz-pure.

    `prefer` ('dot' or 'graphviz-pure') asks for one of them only; without it
    the environment variable CHAINRULE_RENDERER, when set, does.
    Raises RenderError naming both fixes when none is found.
    """
    if prefer not in (None, *_RENDERERS):
        raise ValueError(
            f"find_renderer(prefer={prefer!r}): the renderers are 'dot' and 'graphviz-pure'; "
            "pass one of them, or None for the first one available"
        )
    asked = ""
    if prefer is None and os.environ.get(RENDERER_VARIABLE):
        prefer = os.environ[RENDERER_VARIABLE]
        asked = f" (asked for by {RENDERER_VARIABLE}={prefer})"
        if prefer not in _RENDERERS:
            raise RenderError(
                f"{RENDERER_VARIABLE}={prefer!r} names no renderer, so no picture can be "
                "drawn; set it to 'graphviz-pure' or 'dot', or unset it to take the first "
                "one installed"
            )
    if prefer in (None, "dot"):
        dot = shutil.which("dot")
        if dot:
            return dot
    if prefer in (None, "graphviz-pure"):
        for candidate in _pure_candidates():
            if candidate.is_file() and os.access(candidate, os.X_OK):
                return str(candidate)
    wanted = "a Graphviz renderer" if prefer is None else f"the {prefer} renderer{asked}"
    raise RenderError(
        f"no program to turn the graph into a picture: {wanted} was not found "
        "(looked for `dot` on PATH and `graphviz-pure` next to Python and on PATH). "
        f"To draw, {_FIXES}"
    )


def _run(cmd: list[Any], data: bytes, *, cwd: str | None = None) -> bytes:
    executable = cmd[0]
    try:
        proc = subprocess.run(cmd, input=data, capture_output=True, cwd=cwd, check=False)
    except OSError as error:
        raise RenderError(
            f"could not run the renderer {executable}: {error}. To draw, {_FIXES}"
        ) from None
    stderr = proc.stderr.decode("utf-8", "replace").strip()
    if proc.returncode != 0:
        fmt = next((str(a)[2:] for a in cmd if str(a).startswith("-T")), "this format")
        if Path(executable).name.startswith("graphviz-pure") and "not recognized" in stderr:
            raise RenderError(
                f"graphviz-pure, the renderer found here, cannot write {fmt}: it writes svg, "
                "png and jpeg pictures and the text formats (dot, json, plain, xdot), and "
                f"{fmt} needs the system Graphviz; install it (apt install graphviz, brew "
                "install graphviz, winget install graphviz), or ask for svg or png"
            )
        raise RenderError(
            f"the renderer {Path(executable).name} failed (exit code {proc.returncode}) "
            f"on this graph: {stderr[:500] or 'no message'}. The DOT text (.source) "
            "shows what was sent; a graph from autograd.draw that fails is a bug to report"
        )
    if not proc.stdout:
        # dot 2.43 does this, exiting 0, for a quoted string past 16,384 bytes: a picture
        # file of 0 bytes would look written and show nothing.
        raise RenderError(
            f"the renderer {Path(executable).name} wrote nothing for this graph (exit code 0"
            f"{', and: ' + stderr[:500] if stderr else ', no message'}), so there is no "
            "picture to show or save. The DOT text (.source) shows what was sent; a graph "
            "from autograd.draw that does this is a bug to report"
        )
    if stderr:
        log.debug("%s: %s", Path(executable).name, stderr)
    return proc.stdout


def render_source(
    source: str,
    format: str = "svg",
    *,
    engine: str = "dot",
    renderer: str | None = None,
    dpi: int | None = None,
) -> bytes:
    """DOT text rendered to `format` ('svg', 'png', ...) by find_renderer(renderer).

    `dpi` sets the pixels per inch of a PNG (the renderers' own default is 96).

    >>> svg = render_source("digraph { a -> b }")        # doctest: +SKIP
    >>> svg[:5]                                          # doctest: +SKIP
    b'<?xml'
    """
    cmd = [find_renderer(renderer), f"-K{engine}", f"-T{format}"]
    if dpi is not None:
        cmd.append(f"-Gdpi={dpi}")
    data = _run(cmd, source.encode("utf-8"))
    return data.replace(_GRAPHVIZ_FONT, _PORTABLE_FONT) if format == "svg" else data


def render_many(
    sources: list[str], format: str = "svg", *, renderer: str | None = None
) -> list[bytes]:
    """Several DOT graphs rendered to 'svg' or 'png' with one run of the renderer.

    dot and graphviz-pure both accept a file of several graphs and write one
    picture after another; starting the program once per graph would cost
    more than the layouts themselves for a stepper's many small frames.
    """
    if format not in ("svg", "png"):
        raise ValueError(f"render_many(format={format!r}) writes 'svg' or 'png'")
    if not sources:
        return []
    data = render_source("\n".join(sources), format, renderer=renderer)
    pictures = _split_svgs(data) if format == "svg" else _split_pngs(data)
    if len(pictures) != len(sources):  # a renderer that wrote them otherwise: one by one
        pictures = [render_source(s, format, renderer=renderer) for s in sources]
    return pictures


def _split_svgs(data: bytes) -> list[bytes]:
    return [d for d in re.split(rb"(?=<\?xml )", data) if d.strip()]


_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def _split_pngs(data: bytes) -> list[bytes]:
    """Concatenated PNG files, cut apart by walking their chunks up to each IEND."""
    pictures = []
    start = 0
    while start < len(data):
        if data[start : start + 8] != _PNG_SIGNATURE:
            return []
        position = start + 8
        while True:
            if position + 8 > len(data):
                return []
            length = int.from_bytes(data[position : position + 4], "big")
            kind = data[position + 4 : position + 8]
            position += 12 + length  # length, type, data, CRC
            if kind == b"IEND":
                break
        pictures.append(data[start:position])
        start = position
    return pictures


def fitted_svg(svg: str, min_width: int | None = None) -> str:
    """An SVG that keeps its size where there is room and shrinks to fit where there is not.

    The root <svg> keeps its width and height (its size when there is room)
    and its viewBox, and gets `max-width:100%; height:auto` (so a narrower
    column scales it down, text and all) and an opaque white background (so
    a dark theme does not show black lines on black). With `min_width` (CSS
    px) it shrinks no further (see narrowest_readable): put it in a box that
    scrolls sideways.
    """
    root = re.search(r"<svg\b[^>]*>", svg)
    if root is None:
        return svg
    tag = re.sub(r'\sstyle="[^"]*"', "", root.group())
    if "viewBox=" not in tag:
        width = re.search(r'\swidth="([0-9.]+)pt"', tag)
        height = re.search(r'\sheight="([0-9.]+)pt"', tag)
        if width and height:
            tag = tag[:4] + f' viewBox="0 0 {width.group(1)} {height.group(1)}"' + tag[4:]
    style = _SVG_STYLE if min_width is None else f"{_SVG_STYLE};min-width:{min_width}px"
    tag = tag[:4] + f' style="{style}"' + tag[4:]
    return svg[: root.start()] + tag + svg[root.end() :]


def _css_size(png: bytes) -> tuple[int, int]:
    """The size in CSS pixels of a PNG drawn at _PNG_DENSITY pixels per CSS pixel."""
    width = int.from_bytes(png[16:20], "big")  # IHDR: right after the signature and its header
    height = int.from_bytes(png[20:24], "big")
    return math.ceil(width / _PNG_DENSITY), math.ceil(height / _PNG_DENSITY)


def _smallest_font_pt(source: str) -> float:
    """The smallest font size a DOT text asks for, in points (Graphviz's default is 14)."""
    sizes = [float(size) for size in re.findall(r'\bfontsize="?([0-9.]+)', source)]
    return min(sizes, default=14.0)


def narrowest_readable(width: int, source: str) -> int:
    """How narrow, in CSS px, a picture `width` px wide of the DOT text `source` may shrink.

    Shrunk further, its smallest text would be less than SMALLEST_TEXT_PX high;
    a picture that narrow scrolls sideways in a column narrower still.
    """
    text_px = _smallest_font_pt(source) * 96 / 72
    return min(width, math.ceil(width * SMALLEST_TEXT_PX / text_px))


def svg_css_size(svg: str) -> tuple[int, int]:
    """The width and height in CSS px at which a browser shows a Graphviz SVG (sizes in pt).

    >>> svg_css_size('<svg width="72pt" height="36pt" viewBox="0 0 72 36">')
    (96, 48)
    """
    root = re.search(r"<svg\b[^>]*>", svg)
    tag = root.group() if root else ""
    sizes = [re.search(rf'\s{name}="([0-9.]+)pt"', tag) for name in ("width", "height")]
    if sizes[0] is None or sizes[1] is None:
        return 0, 0
    width, height = (math.ceil(float(size.group(1)) * 96 / 72) for size in sizes)
    return width, height


class Drawing(Graph):
    """A graph as DOT text (`.source`) that renders with a system `dot` or, failing that,
    graphviz-pure.

    `.pipe('svg')` gives the picture, `.render('graph', format='svg')` writes
    it, `.save('graph.dot')` writes the DOT text. In a notebook it shows as
    SVG, with a PNG copy in the same output so that viewers which refuse SVG
    from an untrusted notebook still show the picture.
    """

    program: str | None = None
    """'dot' or 'graphviz-pure' to insist on one; None takes the first available."""
    hint_when_wide: str = ""
    """What to do about a drawing too wide for a notebook column; said under it."""

    def pipe(self, format: str = "svg", encoding: str | None = None) -> Any:
        """The picture in `format` ('svg', 'png', ...): bytes, or str when `encoding` is given."""
        data = render_source(self.source, format, renderer=self.program)
        return data if encoding is None else data.decode(encoding)

    def save(self, filename: str | os.PathLike[str], *, directory: str | None = None) -> str:
        """Write the DOT text to `filename` (in `directory`, if given); return its path."""
        path = Path(directory or "", filename)
        write_atomic(path, self.source.encode("utf-8"))
        return os.fspath(path)

    def render(
        self,
        filename: str | os.PathLike[str] = "graph",
        *,
        format: str = "svg",
        directory: str | None = None,
        cleanup: bool = False,
    ) -> str:
        """Write the picture to `filename.format` and the DOT text to `filename`; return
        the picture's path.

        As graphviz does, the DOT text is kept beside the picture unless `cleanup`,
        and missing folders are made. Nothing is written when rendering fails.
        """
        data = self.pipe(format)
        source = Path(directory or "", filename)
        picture = source.with_name(f"{source.name}.{format}")
        picture.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(picture, data)
        if not cleanup:
            self.save(source)
        return os.fspath(picture)

    def _repr_mimebundle_(
        self, include: Iterable[str] | None = None, exclude: Iterable[str] | None = None, **_: Any
    ) -> tuple[dict[str, Any], dict[str, Any]]:
        """The notebook display: HTML holding a sharp PNG that fits the column, the PNG, the SVG.

        The HTML shows in every viewer, trusted or not (a sanitiser keeps an
        inline PNG; it may strip an SVG); the PNG alone is the picture of
        viewers without HTML, at its size in CSS pixels (metadata 'width'),
        shrunk to the column unless that would make its text smaller than
        SMALLEST_TEXT_PX (metadata 'unconfined': it scrolls instead).
        """
        wanted = set(include) if include is not None else set(_SHOWN)
        wanted -= set(exclude or ())
        bundle: dict[str, Any] = {}
        metadata: dict[str, Any] = {}
        try:
            if wanted & {"text/html", "image/png"}:
                png = self._display_png()
                width, height = _css_size(png)
                if "text/html" in wanted:
                    bundle["text/html"] = self._html(png)
                if "image/png" in wanted:
                    bundle["image/png"] = png
                    metadata["image/png"] = {"width": width, "height": height}
                    if narrowest_readable(width, self.source) > COLUMN_PX:
                        # Shrunk to a column its text would be too small: a viewer showing
                        # the PNG alone (an untrusted notebook) shows it full size, scrolling.
                        metadata["image/png"]["unconfined"] = True
            if "image/svg+xml" in wanted:
                bundle["image/svg+xml"] = fitted_svg(self.pipe(format="svg", encoding="utf-8"))
            if "image/jpeg" in wanted:
                bundle["image/jpeg"] = self.pipe(format="jpeg")
        except RenderError as error:
            # A notebook cell that shows a drawing should not end in a traceback.
            return {"text/plain": f"{self!r} cannot be shown as a picture: {error}"}, {}
        return bundle, metadata

    def _repr_html_(self) -> str:
        """The picture as HTML that fits the width of its column (see _html)."""
        try:
            return self._html(self._display_png())
        except RenderError as error:
            return f"<pre>{html.escape(f'{self!r} cannot be shown as a picture: {error}')}</pre>"

    def _display_png(self) -> bytes:
        return render_source(self.source, "png", renderer=self.program, dpi=96 * _PNG_DENSITY)

    def _html(self, png: bytes) -> str:
        """A <div> that scrolls sideways around an <img> of `png` that shrinks to fit.

        It shrinks no further than keeps its smallest text SMALLEST_TEXT_PX
        high; a drawing wider than that in a COLUMN_PX column scrolls, and
        says so with `hint_when_wide`.
        """
        width, height = _css_size(png)
        narrowest = narrowest_readable(width, self.source)
        note = ""
        if narrowest > COLUMN_PX:
            note = (
                f'<p style="margin:.2em 0;font-size:90%">This graph is {width} px wide: '
                f"shrunk to a {COLUMN_PX} px column its text would be smaller than "
                f"{SMALLEST_TEXT_PX} px, so it scrolls sideways. "
                f"{html.escape(self.hint_when_wide)}</p>"
            )
        encoded = base64.b64encode(png).decode("ascii")
        alt = html.escape(f"the computation graph of {self.name}" if self.name else "a graph")
        return (
            '<div class="chainrule-drawing" style="overflow-x:auto;max-width:100%">'
            f'<img alt="{alt}" width="{width}" height="{height}" '
            f'style="max-width:100%;height:auto;min-width:{narrowest}px;background:#fff" '
            f'src="data:image/png;base64,{encoded}"/>{note}</div>'
        )

    def __repr__(self) -> str:
        # object's default repr holds a memory address, which would change a
        # notebook's saved output on every run.
        return f"<Drawing of {self.name}>" if self.name else "<Drawing>"

    def png_data_uri(self) -> str:
        """The picture as a data: URI of a PNG, for embedding in HTML."""
        return "data:image/png;base64," + base64.b64encode(self.pipe(format="png")).decode()
