"""The chain rule, spelled out: the backward pass of a graph, step by step.

`explain(y)` replays what `y.backward()` does, in the same order (the
reverse of the depth-first topological order, autograd.topological_order),
and writes down every multiplication:

    for each node, children before parents:
        for each parent:
            parent.grad += d(node)/d(parent) * node.grad

Each step names the node, its value, the gradient that has flowed into it,
and for each parent the local derivative (as a formula in the node's own
terms, from the op table, and as a number, both through the one chain-rule
step of autograd/chain.py), the amount it adds and the parent's running total.
It computes on its own floats, so the graph's .grad values are left as they
are. It follows the op table alone: a hook that replaces a gradient
(Value.register_hook) changes backward() but not this. A node whose backward
is a Python closure set by hand (micrograd's lecture style) is not in the
table: explain runs the closure on scratch gradients to see what it adds, and
says that its rule is a Python function.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from dataclasses import dataclass

from autograd.backward import topological_order
from autograd.chain import describe, local_derivatives
from autograd.errors import DomainError
from autograd.naming import format_number, node_names, substitute
from autograd.value import PYTHON_BACKWARD, Value

__all__ = ["explain", "Explanation", "Step", "Contribution"]

_DIGITS = 6


@dataclass(frozen=True)
class Contribution:
    """What one backward step adds to one parent's gradient."""

    parent: str
    """The parent's name: its label, or an automatic name like n3."""
    parent_index: int
    """The parent's creation_index, to find it in the graph."""
    derivative: str
    """d(node)/d(parent) as a formula in the node's own terms, e.g. 'x' or '1 - o**2'."""
    local: float
    """That derivative as a number."""
    amount: float
    """local * the node's gradient: what is added to parent.grad."""
    total: float
    """parent.grad after the addition (a running total: parents can receive several)."""
    update: str
    """The update written out: 'w.grad += x.data * y.grad = 2.0 * -6.0 = -12.0'."""


@dataclass(frozen=True)
class Step:
    """One node's chain-rule step, in the order backward runs."""

    number: int
    """1 for the first step (the root), counting up."""
    node: str
    """The node's name."""
    node_index: int
    """The node's creation_index, to find it in the graph."""
    op: str
    """The node's op as Value.op shows it: '*', 'tanh', '**2'."""
    expression: str
    """How the node was computed, in names: 'x * w'."""
    value: float
    """The node's data."""
    grad: float
    """The complete gradient d(root)/d(node) that flows in."""
    contributions: tuple[Contribution, ...]
    """One entry per parent, in operand order."""


class Explanation:
    """The steps of a backward pass; prints as a table, shows as HTML in notebooks.

    Iterate over it, index it or take len() of it like the list of Steps it holds.
    """

    def __init__(
        self,
        root: str,
        value: float,
        steps: tuple[Step, ...],
        gradients: dict[str, float],
        leaves: tuple[str, ...],
        constants: tuple[str, ...] = (),
    ) -> None:
        self.root = root
        """The name of the node explained."""
        self.value = value
        """The root's value."""
        self.steps = steps
        """Every Step, in the order backward runs."""
        self.gradients = gradients
        """d(root)/d(node) for every node, by name, in creation order."""
        self.leaves = leaves
        """The names of the leaves (inputs, parameters, constants), in creation order."""
        self.constants = constants
        """Those of the leaves that are plain numbers from the code (the 4 of y - 4)."""

    def __iter__(self) -> Iterator[Step]:
        return iter(self.steps)

    def __len__(self) -> int:
        return len(self.steps)

    def __getitem__(self, i: int) -> Step:
        return self.steps[i]

    def __repr__(self) -> str:
        return f"<Explanation of {self.root}: {len(self.steps)} steps>"

    def _leaf_gradients(self) -> str:
        """The gradients a student wants at the end: of the inputs and parameters."""
        wanted = [n for n in self.leaves if n not in self.constants] or list(self.leaves)
        return ", ".join(f"{_d(self.root, n)} = {_num(self.gradients[n])}" for n in wanted)

    def _rows(self) -> list[list[str]]:
        rows = []
        for step in self.steps:
            first = [
                str(step.number),
                f"{step.node} = {step.expression}",
                _num(step.value),
                _num(step.grad),
            ]
            for i, c in enumerate(step.contributions):
                lead = first if i == 0 else ["", "", "", ""]
                rows.append(
                    lead
                    + [
                        c.parent,
                        f"{_d(step.node, c.parent)} = {c.derivative}",
                        _num(c.local),
                        _num(c.amount),
                        _num(c.total),
                    ]
                )
        return rows

    _HEADER = ["step", "node", "value", "grad", "parent", "local derivative", "=", "adds", "total"]

    def __str__(self) -> str:
        lines = [
            f"backward pass of {self.root} = {_num(self.value)}, in the order backward runs; "
            f"{_d(self.root, self.root)} = 1.0",
            "each step: parent.grad += local derivative * node grad",
        ]
        rows = [self._HEADER] + self._rows()
        if len(rows) > 1:
            widths = [max(len(row[i]) for row in rows) for i in range(len(self._HEADER))]
            numeric = {0, 2, 3, 6, 7, 8}
            for row in rows:
                cells = [
                    cell.rjust(w) if i in numeric else cell.ljust(w)
                    for i, (cell, w) in enumerate(zip(row, widths))
                ]
                lines.append("  ".join(cells).rstrip())
        else:
            lines.append(f"{self.root} is a leaf: there is nothing to propagate")
        lines.append("gradients of the leaves: " + self._leaf_gradients())
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        e = html.escape
        head = "".join(f"<th>{e(h)}</th>" for h in self._HEADER)
        body = []
        for row in self._rows():
            cells = "".join(f"<td>{e(cell)}</td>" for cell in row)
            body.append(f"<tr>{cells}</tr>")
        grads = e(self._leaf_gradients())
        return (
            f"<p>Backward pass of <b>{e(self.root)}</b> = {_num(self.value)}, "
            "in the order backward runs: parent.grad += local derivative &times; node grad</p>"
            f'<table class="chainrule-explain"><thead><tr>{head}</tr></thead>'
            f"<tbody>{''.join(body)}</tbody></table><p>Gradients of the leaves: {grads}</p>"
        )


def _num(x: float) -> str:
    return format_number(x, _DIGITS)


def _constant_text(k: float) -> str:
    return f"{k:g}" if k >= 0 else f"({k:g})"


def _formula(formula: str, names: dict[str, str], k: float | None) -> str:
    """A derivative formula of the op table with the node's own names and constant put in.

    Arithmetic on the constant is folded, so x**3 reads 3 * x**2 rather than 3 * x**(3-1).
    """
    if k is not None:
        names = {**names, "k": _constant_text(k)}
    return _fold(substitute(formula, names))


_ARITHMETIC = re.compile(r"\(\(?(-?\d+(?:\.\d+)?)\)?\s*([-+*/])\s*(\d+(?:\.\d+)?)\)")
_POWER_ONE = re.compile(r"\*\*1(?![\d.e])")


def _fold(formula: str) -> str:
    """'3 * x**(3-1)' -> '3 * x**2': numbers combined, a power of 1 dropped."""

    def combine(match: re.Match[str]) -> str:
        left, symbol, right = float(match[1]), match[2], float(match[3])
        if symbol == "/" and right == 0.0:
            return match[0]
        value = {"+": left + right, "-": left - right, "*": left * right}.get(symbol)
        value = left / right if value is None else value
        return _constant_text(value)

    folded = _ARITHMETIC.sub(combine, formula)
    return _POWER_ONE.sub("", folded)


_PLAIN_NAME = re.compile(r"[\w.]+")


def in_formula(name: str) -> str:
    """A name as it reads inside a formula: a label such as 'x1*w1' gets parentheses.

    >>> in_formula("w"), in_formula("layers.0.neurons.1.w.0"), in_formula("x1*w1 + b")
    ('w', 'layers.0.neurons.1.w.0', '(x1*w1 + b)')
    """
    return name if _PLAIN_NAME.fullmatch(name) else f"({name})"


def _unwrap(formula: str) -> str:
    """'-2' for a formula that is only '(-2)': parentheses are for inside a formula."""
    if formula.startswith("(") and formula.endswith(")"):
        inner = formula[1:-1]
        try:
            float(inner)
        except ValueError:
            return formula
        return inner
    return formula


def _letter(node: Value, names: dict[Value, str]) -> str:
    """How a parent reads in a formula: its name, or the number a constant is (y - 4)."""
    if node.is_constant:
        return _constant_text(node.data)
    return in_formula(names[node])


def _data(node: Value, names: dict[Value, str]) -> str:
    """A parent's data in an update: 'x.data', or the number a constant is."""
    letter = _letter(node, names)
    return letter if node.is_constant else f"{letter}.data"


def _d(top: str, bottom: str) -> str:
    """'dL/dw', or 'do/d(x1*w1 + b)' for a name that is not a single word."""
    return f"d{in_formula(top)}/d{in_formula(bottom)}"


def _needs_parentheses(formula: str) -> bool:
    return (
        any(symbol in formula for symbol in " +-/")
        and not formula.lstrip("-").replace(".", "").isdigit()
    )


def explain(y: Value) -> Explanation:
    """The backward pass of y, one step per node, as records and as a table.

    The single neuron of the teaching material: y_pred = x * w, squared error.

    >>> from autograd import Value, explain
    >>> x, w = Value(2.0, label="x"), Value(0.5, label="w")
    >>> y_pred = x * w; y_pred.label = "y_pred"
    >>> L = (y_pred - 4.0) ** 2; L.label = "L"
    >>> e = explain(L)
    >>> L.data, e.gradients["y_pred"], e.gradients["w"]
    (9.0, -6.0, -12.0)
    >>> e[-1].contributions[1].update
    'w.grad += x.data * y_pred.grad = 2.0 * -6.0 = -12.0'
    >>> round(w.data - 0.1 * e.gradients["w"], 12)    # one SGD step, learning rate 0.1
    1.7
    """
    if not isinstance(y, Value):
        raise TypeError(
            f"explain needs the Value whose backward pass to show, got {type(y).__name__} "
            f"{y!r:.60}; pass the output node, e.g. explain(loss)"
        )
    order = topological_order(y)
    names = node_names(order)
    grads: dict[Value, float] = {node: 0.0 for node in order}
    grads[y] = 1.0
    steps: list[Step] = []
    for node in reversed(order):
        op = node.operation
        if op is None:
            continue
        parents = node.parents
        name = names[node]
        k = node.constant
        letters = {"out": in_formula(name), "a": _letter(parents[0], names)}
        data_letters = {"out": f"{letters['out']}.data", "a": _data(parents[0], names)}
        if len(parents) == 2:
            letters["b"] = _letter(parents[1], names)
            data_letters["b"] = _data(parents[1], names)
        g = grads[node]
        if op is PYTHON_BACKWARD:
            local = _closure_derivatives(node, g)
            formulas = ["python function"] * len(parents)
        else:
            try:
                local = local_derivatives(node)
            except (ArithmeticError, ValueError) as error:
                raise DomainError(
                    f"explain cannot compute the local derivative of {name} = "
                    f"{describe(node)}: {error}. backward() fails at the same node; move the "
                    "input away from that point"
                ) from None
            formulas = [_unwrap(_formula(f, letters, k)) for f in op.formulas]
        contributions = []
        for i, (parent, formula, d) in enumerate(zip(parents, formulas, local)):
            d = float(d)
            amount = d * g
            grads[parent] += amount
            if op is PYTHON_BACKWARD:
                in_data = _num(d)
            else:
                in_data = _unwrap(_formula(op.formulas[i], data_letters, k))
            if _needs_parentheses(in_data):
                in_data = f"({in_data})"
            update = (
                f"{in_formula(names[parent])}.grad += {in_data} * {letters['out']}.grad = "
                f"{_num(d)} * {_num(g)} = {_num(amount)}"
            )
            contributions.append(
                Contribution(
                    parent=names[parent],
                    parent_index=parent.creation_index,
                    derivative=formula,
                    local=d,
                    amount=amount,
                    total=grads[parent],
                    update=update,
                )
            )
        steps.append(
            Step(
                number=len(steps) + 1,
                node=name,
                node_index=node.creation_index,
                op=node.op,
                expression=_expression(node, names, letters),
                value=node.data,
                grad=g,
                contributions=tuple(contributions),
            )
        )
    by_creation = sorted(order, key=lambda node: node.creation_index)
    gradients = {names[node]: grads[node] for node in by_creation}
    leaves = tuple(names[node] for node in by_creation if node.is_leaf)
    constants = tuple(names[node] for node in by_creation if node.is_constant)
    return Explanation(names[y], y.data, tuple(steps), gradients, leaves, constants)


def _expression(node: Value, names: dict[Value, str], letters: dict[str, str]) -> str:
    """How the node was computed, in names: 'x * w', 'tanh(x1*w1 + b)'."""
    op = node.operation
    if op is PYTHON_BACKWARD:
        return (
            f" {node.op or '?'} ".join(names[p] for p in node.parents)
            if len(node.parents) == 2
            else f"{node.op or '?'}({names[node.parents[0]]})"
        )
    k = node.constant
    return op.text.format(  # tanh(x1*w1 + b), not tanh((x1*w1 + b))
        a=names[node.parents[0]] if "({a})" in op.text else letters["a"],
        b=letters.get("b", ""),
        k=_constant_text(k) if k is not None else "",
    )


def _closure_derivatives(node: Value, g: float) -> list[float]:
    """What a hand-set _backward closure adds to each parent per unit of gradient.

    The closure is run once on scratch gradients (node.grad = 1, parents at 0),
    and every .grad it touches is put back afterwards.
    """
    parents = node.parents
    saved = [node.grad, *(p.grad for p in parents)]
    try:
        node.grad = 1.0
        for p in parents:
            p.grad = 0.0
        node._backward()
        return [float(getattr(p.grad, "data", p.grad)) for p in parents]
    finally:
        node.grad = saved[0]
        for p, before in zip(parents, saved[1:]):
            p.grad = before
