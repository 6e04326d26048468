"""tape.source(): the replay written out as numpy code, with the matrices it found named.

The code is what the vectorised replay computes, step for step: a layer is
`x @ W.T + b`, an activation over it one call, a sum one `.sum()`, and every
other row one line. Inputs are arrays of one number per example; a matrix
is named from its parameters' dotted names (layers.0.neurons.3.w.1 is in
W_layers_0), and `relu`, `tanh`... are the op table's forward rules.
"""

from __future__ import annotations

import keyword
import re
from typing import Any

from autograd.tape.matrices import Block, Dense, Elementwise, Sum
from autograd.tape.rows import OP, PARAM, Recording

__all__ = ["source"]


def source(
    r: Recording, blocks: list[Block], order: list[Any], names: list[str], title: str
) -> str:
    """The replay of recording r as the text of a Python function of the inputs."""
    writer = _Writer(r, blocks, names)
    for kind, n in order:
        if kind == "row":
            writer.row(n)
        else:
            writer.block(n)
    outputs = ", ".join(writer.operand(i) for i in r.outputs)
    header = [
        f"# {title}({', '.join(names)}) on a batch: each input is an array, one number per "
        "example.",
    ]
    if writer.notes:
        header.append("# The parameters, read afresh on each call:")
        header += writer.notes
    if writer.functions:
        header.append(
            f"# {', '.join(sorted(writer.functions))}: the op table's forward rules, on arrays."
        )
    if writer.numpy:
        header.append(f"# {', '.join(sorted(writer.numpy))}: numpy's.")
    body = writer.lines + [f"return {outputs}"]
    code = [*header, f"def {_identifier(title, 'replay')}({', '.join(names)}):"]
    code += ["    " + line for line in body]
    return "\n".join(code) + "\n"


class _Writer:
    """Names for rows, blocks and matrices, and the lines written so far."""

    def __init__(self, r: Recording, blocks: list[Block], names: list[str]) -> None:
        self.r, self.blocks = r, blocks
        self.lines: list[str] = []
        self.notes: list[str] = []
        self.functions: set[str] = set()  # the op table's rules the code calls
        self.numpy: set[str] = set()  # and numpy's functions
        self.taken = set(names)
        self.name_of: dict[int, str] = {i: n for i, n in zip(r.input_rows, names)}
        self.column: dict[int, str] = {}  # block member -> 'h0[:, 3]'
        self.array: dict[int, str] = {}  # block -> its array's name
        self.fused: set[int] = set()  # elementwise blocks written inside their layer's line
        self.arrays = 0  # how many block arrays are named: h0, h1, ...
        readers: dict[int, list[int]] = {}
        for row in r.rows:
            for p in row.parents:
                readers.setdefault(p, []).append(row.index)
        self.readers = readers
        self.leaf_rows = [i for i, _ in r.leaves]

    # -- names ------------------------------------------------------------------------

    def fresh(self, wanted: str) -> str:
        name, n = wanted, 1
        while name in self.taken:
            n += 1
            name = f"{wanted}_{n}"
        self.taken.add(name)
        return name

    def operand(self, i: int) -> str:
        """How row i is written where it is read."""
        if i in self.name_of:
            return self.name_of[i]
        if i in self.column:
            return self.column[i]
        row = self.r.rows[i]
        if row.kind == PARAM:
            self.name_of[i] = self.fresh(_identifier(row.label, f"p{i}"))
            return self.name_of[i]
        if row.kind != OP or i in self.r.folded:
            return repr(float(self.r.folded[i]))
        return f"v{i}"

    def written(self, op: Any, a: str, b: str | None = None, k: Any = None) -> str:
        name = op.text.split("(")[0]
        if name.isidentifier():
            self.functions.add(name)
        return op.text.format(a=a, b=b, k=None if k is None else repr(float(k)))

    # -- lines ------------------------------------------------------------------------

    def row(self, i: int) -> None:
        row = self.r.rows[i]
        a = self.operand(row.parents[0])
        b = self.operand(row.parents[1]) if len(row.parents) == 2 else None
        self.lines.append(f"v{i} = {self.written(row.op, a, b, row.constant)}")

    def block(self, n: int) -> None:
        block = self.blocks[n]
        if isinstance(block, Dense):
            self.dense(n, block)
        elif isinstance(block, Elementwise):
            if n not in self.fused:
                name = self.name(n)
                source = self.array[block.source]
                self.lines.append(
                    f"{name} = {self.written(block.op, source, None, block.constant)}"
                )
        else:
            self.sum(block)

    def name(self, n: int) -> str:
        name = self.array[n] = self.fresh(f"h{self.arrays}")
        self.arrays += 1
        for j, i in enumerate(self.blocks[n].outputs):  # type: ignore[union-attr]
            self.column[i] = f"{name}[:, {j}]"
        return name

    def dense(self, n: int, block: Dense) -> None:
        x = self.columns(block.inputs)
        w, b = self.matrices(n, block)
        product = f"{x} @ {w}.T" + (f" + {b}" if b else "")
        after = self.only_reader(n, block)
        if after is not None:  # the layer's activation, written in the same line
            self.fused.add(after)
            activation = self.blocks[after]
            name = self.name(after)
            op, k = activation.op, activation.constant  # type: ignore[union-attr]
            line = self.written(op, product, None, k)
            self.array[n] = name
        else:
            name, line = self.name(n), product
        self.lines.append(f"{name} = {line}")

    def columns(self, rows: tuple[int, ...]) -> str:
        """The rows as one (batch, width) array: a block's own, some of its columns, or a stack."""
        for n, block in enumerate(self.blocks):
            if n in self.array and not isinstance(block, Sum) and block.outputs == rows:
                return self.array[n]
        inputs = set(self.r.input_rows)
        name = self.fresh("x" if all(i in inputs for i in rows) else "g")
        parts = ", ".join(self.operand(i) for i in rows)
        self.lines.append(f"{name} = stack([{parts}], axis=1)")
        self.numpy.add("stack")
        return name

    def matrices(self, n: int, block: Dense) -> tuple[str, str]:
        labels = [self.r.rows[w].label for ws in block.weights for w in ws]
        biases = list(block.biases or ())
        labels += [self.r.rows[b].label for b in biases]
        stem = _stem(labels) or str(n)
        w = self.fresh(f"W_{stem}")
        shape = f"({len(block.outputs)}, {len(block.inputs)})"
        self.notes.append(f"# {w} {shape}: {_described(self.r, block.weights)}")
        if not biases:
            return w, ""
        b = self.fresh(f"b_{stem}")
        self.notes.append(f"# {b} ({len(biases)},): {_described(self.r, (tuple(biases),))}")
        return w, b

    def only_reader(self, n: int, block: Dense) -> int | None:
        """The elementwise block that alone reads this layer, if one does."""
        outputs = set(self.r.outputs)
        for m, other in enumerate(self.blocks):
            if isinstance(other, Elementwise) and other.source == n:
                pairs = zip(block.outputs, other.outputs)
                if all(self.readers.get(i) == [u] and i not in outputs for i, u in pairs):
                    return m
        return None

    def sum(self, block: Sum) -> None:
        start = "" if block.start is None else f"{self.operand(block.start)} + "
        if block.source is not None:
            array = self.array[block.source]
            width = len(self.blocks[block.source].outputs)  # type: ignore[union-attr]
            if block.columns != tuple(range(width)):
                array = f"{array}[:, {list(block.columns)}]"
            total = f"{array}.sum(axis=1)"
        else:
            arity = len(block.operands[0])
            vectors = [self.vector([p[j] for p in block.operands]) for j in range(arity)]
            a, b = vectors[0], vectors[1] if len(vectors) == 2 else None
            total = f"({self.written(block.op, a, b, block.constant)}).sum()"
        self.lines.append(f"v{block.output} = {start}{total}")

    def vector(self, rows: list[int]) -> str:
        """A 1-d array of parameters and numbers: `params` itself when it is all of them."""
        if rows == self.leaf_rows:
            if "params" not in self.name_of.values():
                self.notes.append("# params: every parameter, in order, as one array")
                self.name_of[-1] = "params"
            return "params"
        self.numpy.add("array")
        return f"array([{', '.join(self.operand(i) for i in rows)}])"


def _identifier(text: str, fallback: str) -> str:
    """text as a Python name: 'layers.0.w' -> 'layers_0_w'; fallback when nothing is left."""
    name = re.sub(r"\W", "_", text).strip("_")
    if not name.isidentifier() or keyword.iskeyword(name):
        return fallback
    return name


def _stem(labels: list[str]) -> str:
    """The dotted path the labels share, up to its last index: 'layers.0' for a layer's."""
    if not labels or not all(labels):
        return ""
    parts = [label.split(".") for label in labels]
    common = []
    for pieces in zip(*parts):
        if len(set(pieces)) != 1:
            break
        common.append(pieces[0])
    while common and not common[-1].isdigit():
        common.pop()
    return _identifier("_".join(common), "")


def _described(r: Recording, rows: tuple[tuple[int, ...], ...]) -> str:
    """The labels a matrix holds, the first and the last: 'layers.0...w.0 ... layers.0...w.1'."""
    flat = [i for row in rows for i in row]
    labels = [r.rows[i].label or f"#{i}" for i in flat]
    return ", ".join(labels) if len(labels) <= 2 else f"{labels[0]} ... {labels[-1]}"
