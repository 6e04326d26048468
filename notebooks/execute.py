"""Re-execute the teaching notebooks in place, so their committed outputs are current.

    python notebooks/execute.py                 # every notebook
    python notebooks/execute.py 01 08           # notebooks 01 and 08 (04 is 04 alone, not 04b)
    python notebooks/execute.py 0               # a name that is no number: a prefix

Each notebook runs from a clean kernel, in its own folder, with this checkout
first on PYTHONPATH (so it imports this checkout's autograd and nn). Then the
volatile parts are stripped, so that executing twice gives the same file:
- notebook metadata keeps only the kernel's name and language (no Python
  version, no widget state: widget state breaks GitHub's renderer);
- cell metadata keeps only `tags`; nbclient records no timestamps;
- cell ids become the notebook's stem and the cell's position.

Every graph is drawn by one renderer, graphviz-pure from the `render` extra
(CHAINRULE_RENDERER is set for the kernel), so the committed pictures are the
same whether or not the machine that ran them has a system Graphviz `dot`.

The first PNG output of the cell tagged `picture` is saved as
`notebooks/images/<notebook stem>.png`, the README's picture for it.
Files are written to a temporary file and renamed, so an interrupted run never
leaves a half-written notebook.
"""

from __future__ import annotations

import argparse
import base64
import os
import sys
import time
from pathlib import Path
from typing import Any

import nbformat
from nbclient import NotebookClient

from autograd.files import write_atomic

__all__ = [
    "NOTEBOOKS",
    "ROOT",
    "RENDERER",
    "execute",
    "clean",
    "key_outputs",
    "picture",
    "number",
    "select",
    "write_atomic",
    "main",
]

NOTEBOOKS = Path(__file__).resolve().parent
"""The folder holding the notebooks."""
ROOT = NOTEBOOKS.parent
"""The checkout whose autograd and nn the notebooks import."""
RENDERER = "graphviz-pure"
"""The renderer of every committed picture: dot lays graphs out differently, and not every
machine has it; the render extra installs this one everywhere."""
CELL_TIMEOUT = 120
"""Seconds one cell may take before execution stops with an error."""
KEY_TAG = "key"
"""Cells tagged so hold the numbers that tests/test_notebooks.py compares."""
PICTURE_TAG = "picture"
"""The cell whose first PNG becomes the notebook's picture in the README."""

_KERNELSPEC = {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"}
_LANGUAGE = {"name": "python", "pygments_lexer": "ipython3", "file_extension": ".py"}
_DROPPED_MIME = ("application/vnd.jupyter.widget-view+json",)


def execute(path: Path, timeout: int = CELL_TIMEOUT) -> Any:
    """Run the notebook at `path` from a clean kernel and return it, cleaned, unsaved.

    Raises nbclient's CellExecutionError naming the failing cell when a cell fails,
    and a TimeoutError when one cell runs longer than `timeout` seconds.
    """
    nb = nbformat.read(path, as_version=4)
    previous = {name: os.environ.get(name) for name in ("PYTHONPATH", "CHAINRULE_RENDERER")}
    os.environ["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), previous["PYTHONPATH"]) if p)
    os.environ["CHAINRULE_RENDERER"] = RENDERER
    try:
        client = NotebookClient(
            nb,
            timeout=timeout,
            kernel_name="python3",
            record_timing=False,
            resources={"metadata": {"path": str(path.parent)}},
        )
        client.execute()
    finally:
        for name, value in previous.items():
            if value is None:
                del os.environ[name]
            else:
                os.environ[name] = value
    return clean(nb, path.stem)


def clean(nb: Any, stem: str) -> Any:
    """Strip everything from `nb` that changes from one run to the next."""
    nb.metadata = nbformat.from_dict({"kernelspec": _KERNELSPEC, "language_info": _LANGUAGE})
    for index, cell in enumerate(nb.cells):
        cell.id = f"{stem[:40]}-{index}"
        tags = cell.metadata.get("tags")
        cell.metadata = nbformat.from_dict({"tags": tags} if tags else {})
        if cell.cell_type != "code":
            continue
        cell.outputs = _merge_streams(cell.outputs)
        for output in cell.outputs:
            data = output.get("data")
            if data:
                for mime in _DROPPED_MIME:
                    data.pop(mime, None)
    return nb


def _merge_streams(outputs: list[Any]) -> list[Any]:
    """Join consecutive stream outputs of one stream.

    How printed text is cut into messages depends on when the kernel flushes,
    which varies from run to run; the joined text does not.
    """
    merged: list[Any] = []
    for output in outputs:
        previous = merged[-1] if merged else None
        if (
            output.output_type == "stream"
            and previous is not None
            and previous.output_type == "stream"
            and previous.name == output.name
        ):
            previous.text += output.text
        else:
            merged.append(output)
    return merged


def key_outputs(nb: Any) -> list[str]:
    """The text printed or returned by each cell tagged `key`, one string per cell."""
    texts = []
    for cell in nb.cells:
        if cell.cell_type != "code" or KEY_TAG not in cell.metadata.get("tags", []):
            continue
        parts = []
        for output in cell.outputs:
            if output.output_type == "stream":
                parts.append(output.text)
            elif output.output_type in ("execute_result", "display_data"):
                parts.append(output.get("data", {}).get("text/plain", ""))
            elif output.output_type == "error":
                parts.append(f"{output.ename}: {output.evalue}")
        texts.append("".join(parts))
    return texts


def picture(nb: Any) -> bytes | None:
    """The first PNG shown by the cell tagged `picture`, or None."""
    for cell in nb.cells:
        if cell.cell_type != "code" or PICTURE_TAG not in cell.metadata.get("tags", []):
            continue
        for output in cell.outputs:
            png = output.get("data", {}).get("image/png")
            if png:
                return base64.b64decode(png)
    return None


def number(path: Path) -> str:
    """The notebook's number, its name up to the first '_': '04', '04b'."""
    return path.stem.split("_")[0]


def select(names: list[str]) -> list[Path]:
    """The notebooks `names` asks for, in course order; every notebook for no names.

    A name that is a notebook's number picks that notebook alone ('04' is not '04b');
    any other name picks the notebooks whose file names start with it.
    """
    paths = sorted(NOTEBOOKS.glob("*.ipynb"))
    if not names:
        return paths
    chosen = set()
    for name in names:
        by_number = [p for p in paths if number(p) == name]
        chosen.update(by_number or [p for p in paths if p.name.startswith(name)])
    return [p for p in paths if p in chosen]


def _missing_renderer() -> str | None:
    """Why RENDERER cannot run here, or None: without it every graph output would be text."""
    sys.path.insert(0, str(ROOT))
    from autograd.errors import RenderError
    from autograd.render import find_renderer

    try:
        find_renderer(RENDERER)
    except RenderError as error:
        return str(error)
    return None


def main(argv: list[str] | None = None) -> int:
    """Execute the chosen notebooks in place; return 0, or 1 if one failed."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", help="notebook numbers or name prefixes, e.g. 01 04b")
    args = parser.parse_args(argv)
    paths = select(args.names)
    if not paths:
        print(f"no notebook in {NOTEBOOKS} is or starts with {' or '.join(args.names)}")
        return 2
    missing = _missing_renderer()
    if missing:
        print(f"cannot execute the notebooks: {missing}", file=sys.stderr)
        return 2
    failed = 0
    for path in paths:
        start = time.perf_counter()
        try:
            nb = execute(path)
        except Exception as error:  # report every notebook, then fail
            print(f"FAILED {path.name}: {str(error)[-2000:]}", file=sys.stderr)
            failed += 1
            continue
        text = nbformat.writes(nb) + "\n"
        write_atomic(path, text.encode("utf-8"))
        image = picture(nb)
        if image is not None:
            (NOTEBOOKS / "images").mkdir(exist_ok=True)
            write_atomic(NOTEBOOKS / "images" / f"{path.stem}.png", image)
        seconds = time.perf_counter() - start
        print(f"{path.name}: {seconds:.1f} s, {len(text) / 1e6:.2f} MB")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
