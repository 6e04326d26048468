"""Saving a model to JSON and loading it back, bit for bit.

The file holds a format name and version, the architecture (enough to rebuild
a Neuron, Layer or MLP) and every weight by its dotted name:

    {"format": "chainrule.nn", "version": 1,
     "architecture": {"type": "MLP", "config": {"nin": 2, "nouts": [16, 16, 1], ...}},
     "weights": {"layers.0.neurons.0.w.0": 0.2379..., ...}}

Weights are written with Python's float repr, which reads back to the same
float, so a reloaded model gives bit-identical outputs.

`save` writes with autograd.files.write_atomic: a temporary file next to the
target, renamed over it, so an interrupted save never leaves a broken file or
destroys the previous one (links, devices and read-only files are respected:
see autograd/files.py). `load` checks everything before it builds or changes a
model, and names the problem: a truncated file, a file that is not JSON, a
wrong format or version, a repeated key, JSON nested too deep, an integer no
float can hold, an architecture whose sizes do not match the number of weights
(checked before anything is built, so a file of a few bytes cannot make load
allocate a billion weights), or NaN and infinite weights.
"""

from __future__ import annotations

import json
import math
import os
from typing import Any

from autograd.files import write_atomic
from nn.errors import CheckpointError, ShapeError
from nn.layers import MLP, Layer, Neuron
from nn.module import Module

__all__ = ["save", "load", "load_into", "FORMAT", "FORMAT_VERSION"]

FORMAT = "chainrule.nn"
"""The value of the file's "format" key."""

FORMAT_VERSION = 1
"""The version this code writes and reads."""

_BUILDERS: dict[str, type[Module]] = {"Neuron": Neuron, "Layer": Layer, "MLP": MLP}

_MAX_DIGITS = 308
"""The longest integer a file may hold: every int up to 10**308 - 1 converts to a float."""


def _architecture(model: Module) -> dict[str, Any]:
    config = model._config() if hasattr(model, "_config") else None
    return {"type": type(model).__name__, "config": config}


def save(model: Module, path: str | os.PathLike[str]) -> None:
    """Write model's architecture and weights to `path` as JSON, atomically."""
    if not isinstance(model, Module):
        raise TypeError(
            f"save needs an nn.Module, got {type(model).__name__}; "
            "pass the model, e.g. nn.save(model, 'model.json') or model.save('model.json')"
        )
    weights = model.state_dict()
    for name, value in weights.items():
        if not math.isfinite(value):
            raise CheckpointError(
                f"cannot save: weight {name!r} is {value!r}, and a file with non-finite "
                "weights could not be loaded again. The run diverged; lower the learning "
                "rate or clip gradients, and save a model with finite weights"
            )
    document = {
        "format": FORMAT,
        "version": FORMAT_VERSION,
        "architecture": _architecture(model),
        "weights": weights,
    }
    text = json.dumps(document, indent=1, allow_nan=False) + "\n"
    name = os.fspath(path)
    folder = os.path.dirname(os.path.abspath(name))
    if os.path.isdir(name):
        raise IsADirectoryError(
            f"cannot save to {name!r}: it is a folder, and a model is saved as one file. "
            f"Give a file name inside it, e.g. {os.path.join(name, 'model.json')!r}"
        )
    if not os.path.isdir(folder):
        raise FileNotFoundError(
            f"cannot save to {name!r}: the folder {folder!r} does not exist, so there is "
            f"nowhere to write the file. Create it first (os.makedirs({folder!r}, "
            "exist_ok=True)) or save into an existing folder"
        )
    try:
        write_atomic(name, text.encode("utf-8"))
    except OSError as error:
        if error.strerror is None:
            raise  # write_atomic's own refusal (a dangling link...) names the path and the fix
        # The same errno, so a caller can still tell a full disk (ENOSPC) from the rest.
        raise type(error)(
            error.errno,
            f"cannot save to {name!r}: {error.strerror}, so the model was not saved. "
            "Check that the folder is writable and the disk is not full, or save somewhere else",
        ) from None


def _read(path: str | os.PathLike[str]) -> dict[str, Any]:
    """The file's document, checked for format and version, or a CheckpointError."""
    name = os.fspath(path)
    try:
        with open(name, "rb") as f:
            raw = f.read()
    except FileNotFoundError:
        raise FileNotFoundError(
            f"no model file at {name!r}: nothing was saved there. Check the path, or save "
            "one first with model.save(path)"
        ) from None
    except IsADirectoryError:
        raise IsADirectoryError(
            f"cannot load {name!r}: it is a folder, and a model file is one JSON file "
            "written by model.save(path). Give the path of the file inside it"
        ) from None
    except OSError as error:
        raise type(error)(
            f"cannot load {name!r}: {error.strerror or error}, so no model was read. "
            "Check the file's permissions, or copy it somewhere readable"
        ) from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise CheckpointError(
            f"{name!r} is not JSON (it is not even text): a chainrule model file is JSON "
            "written by model.save(). Check that the path points to one"
        ) from None
    if not text.strip():
        raise CheckpointError(
            f"{name!r} is empty (truncated): the save that wrote it did not finish. "
            "Save the model again"
        )
    try:
        document = json.loads(text, object_pairs_hook=_object, parse_int=_integer)
    except CheckpointError as error:
        raise CheckpointError(f"{name!r} {error}") from None
    except RecursionError:
        raise CheckpointError(
            f"{name!r} nests its JSON deeper than Python's parser can follow, where a model "
            "file nests 4 levels: it is not a file written by model.save(). Check the path"
        ) from None
    except json.JSONDecodeError as error:
        if _cut_short(text, error):
            raise CheckpointError(
                f"{name!r} is truncated: its JSON stops at byte {len(raw)} before the "
                "document is complete, as when a copy or a save is cut short. "
                "Save the model again, or restore the file"
            ) from None
        raise CheckpointError(
            f"{name!r} is not JSON ({error.msg} at line {error.lineno}, column "
            f"{error.colno}): a chainrule model file is JSON written by model.save(). "
            "Check that the path points to one"
        ) from None
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise CheckpointError(
            f'{name!r} is JSON but not a chainrule model file (no "format": {FORMAT!r}). '
            "Load files written by model.save()"
        )
    version = document.get("version")
    if type(version) is not int or version != FORMAT_VERSION:  # true == 1 in Python
        newer = type(version) is int and version > FORMAT_VERSION
        raise CheckpointError(
            f"{name!r} has format version {version!r}, and this chainrule reads version "
            f"{FORMAT_VERSION}. "
            + (
                "It was written by a newer chainrule; upgrade chainrule to load it"
                if newer
                else "Save the model again with this version of chainrule"
            )
        )
    if not isinstance(document.get("weights"), dict):
        raise CheckpointError(
            f'{name!r} has no "weights" object: the file is damaged. Save the model again'
        )
    return document


def _object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """A JSON object as a dict, refusing a key given twice (json would keep the last)."""
    result = dict(pairs)
    if len(result) != len(pairs):
        seen: set[str] = set()
        twice = next(key for key, _ in pairs if key in seen or seen.add(key))
        raise CheckpointError(
            f"repeats the key {twice!r:.60}: JSON keeps the last value and drops the other "
            "without a word, so the file does not say which one it means. It was edited or "
            "damaged; save the model again"
        )
    return result


def _integer(text: str) -> int:
    """A JSON integer, refused when no float (no weight, no size) could be that large."""
    digits = len(text.lstrip("-"))
    if digits > _MAX_DIGITS:
        raise CheckpointError(
            f"holds an integer of {digits} digits ({text[:12]}...): a weight is a float, and "
            f"floats stop near 1.8e308, so no weight or size has more than {_MAX_DIGITS} "
            "digits. The file is damaged; save the model again"
        )
    return int(text)


def _cut_short(text: str, error: json.JSONDecodeError) -> bool:
    """True when the JSON reads fine up to where the text stops: a truncated file.

    Only text that starts like a JSON object counts: every model file does, so
    "hello" or "True" is some other file, not half of one.
    """
    if not text.lstrip().startswith("{"):
        return False
    if error.msg.startswith("Unterminated string"):
        return True  # the string runs to the end of the text
    if error.msg.startswith("Extra data"):
        return False
    tail = text.rstrip()[error.pos :]
    # The parser stopped at the end, or inside a last token cut in half ('-', 'tr', '1e').
    return len(tail) <= 8 and not any(c in tail for c in ",:[]{}\n")


def _declared_weights(kind: str, config: dict[str, Any]) -> int:
    """How many weights the architecture has, from its sizes alone: nothing is built."""
    if kind == "MLP":
        nouts = config["nouts"]
        if not isinstance(nouts, list):
            raise TypeError(f"nouts is {nouts!r:.40}, not a list of layer sizes")
        sizes = [config["nin"], *nouts]
    elif kind == "Layer":
        sizes = [config["nin"], config["nout"]]
    else:
        sizes = [config["nin"], 1]
    for size in sizes:
        if isinstance(size, bool) or not isinstance(size, int) or size < 1:
            raise ValueError(f"a size is {size!r:.40}, not a positive int")
    return sum(n_out * (n_in + 1) for n_in, n_out in zip(sizes, sizes[1:]))


def _build(name: str, document: dict[str, Any]) -> Module:
    architecture = document.get("architecture")
    kind = architecture.get("type") if isinstance(architecture, dict) else None
    config = architecture.get("config") if isinstance(architecture, dict) else None
    if kind not in _BUILDERS or not isinstance(config, dict):
        raise CheckpointError(
            f"{name!r} holds a {kind or 'model'} that nn.load cannot rebuild (it rebuilds "
            f"{', '.join(_BUILDERS)}). Build the model yourself and call model.load(path)"
        )
    try:
        declared = _declared_weights(kind, config)
    except (KeyError, TypeError, ValueError) as error:
        raise CheckpointError(
            f"{name!r} describes an impossible {kind} ({error}): the architecture is damaged. "
            "Save the model again"
        ) from None
    held = len(document["weights"])
    if declared > 2 * held:
        # Checked before building: a few bytes can declare a billion weights. A model of
        # up to twice the file's weights is cheap to build, and load_state_dict then names
        # the missing and unexpected weights one by one.
        raise CheckpointError(
            f"{name!r} does not fit: shape mismatch: its architecture, a {kind} {config!r:.80}, "
            f"has {declared} weights, and the file holds {held}. The file is damaged; save "
            "the model again"
        )
    try:
        if kind == "MLP":
            return MLP(
                config["nin"],
                config["nouts"],
                activation=config["activation"],
                seed=0,
                dropout=config.get("dropout", 0.0),
            )
        if kind == "Layer":
            return Layer(config["nin"], config["nout"], activation=config["activation"], seed=0)
        return Neuron(config["nin"], activation=config["activation"], seed=0)
    except (KeyError, TypeError, ValueError) as error:
        raise CheckpointError(
            f"{name!r} describes an impossible {kind} ({error}): the architecture is damaged. "
            "Save the model again"
        ) from None


def _fill(model: Module, document: dict[str, Any], name: str) -> None:
    try:
        model.load_state_dict(document["weights"])
    except ShapeError as error:
        raise CheckpointError(f"{name!r} does not fit: shape mismatch: {error}") from None
    except CheckpointError as error:
        raise CheckpointError(f"{name!r}: {error}") from None


def load(path: str | os.PathLike[str]) -> Module:
    """A new model rebuilt from a file written by save(): same architecture, same weights."""
    document = _read(path)
    name = os.fspath(path)
    model = _build(name, document)
    _fill(model, document, name)
    return model


def load_into(model: Module, path: str | os.PathLike[str]) -> None:
    """Set model's weights from a file written by save(); unchanged if anything is wrong."""
    document = _read(path)
    name = os.fspath(path)
    saved = document.get("architecture")
    mine = _architecture(model)
    if isinstance(saved, dict) and mine["config"] is not None and saved != mine:
        raise CheckpointError(
            f"{name!r} does not fit: shape mismatch: it holds a {saved.get('type')} "
            f"{saved.get('config')}, and this model is a {mine['type']} {mine['config']}. "
            "Build the model with the saved architecture, or use nn.load(path)"
        )
    _fill(model, document, name)
