"""Write DOT text in which every string is shown as itself, whatever it contains.

DOT gives some strings a meaning of their own: `<...>` is an HTML label, an
unquoted word can end a statement, `{ | }` structure a record, and a quote or
a line break can end the statement and start another. A label is user text
(`y.label`, an nn module path), so it is always written as a quoted plain
string here, never as an HTML label:

>>> quote("x1"), quote('<b> "bold" </b>'), quote("tanh")
('x1', '"<b> \\\\"bold\\\\" </b>"', 'tanh')

`Graph` builds a graph statement by statement from plain text and gives its
`.source`; `autograd.render.Drawing` adds the pictures.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager

__all__ = ["LONGEST_TEXT", "Graph", "Html", "Statements", "quote", "record_label", "shorten"]

LONGEST_TEXT = 1000
"""The most characters of one text drawn; a longer one ends in '…'.

dot 2.43 writes an empty picture, and exits 0, for a quoted string longer than
16,384 bytes. A thousand characters stay below that even when every one is
escaped or takes four bytes, and are already wider than any page.
"""

_BARE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*|-?(\.[0-9]+|[0-9]+(\.[0-9]*)?)")
_KEYWORDS = {"node", "edge", "graph", "digraph", "subgraph", "strict"}
# Characters an SVG (XML 1.0) may not contain, and controls other than tab and line breaks.
_UNWRITABLE = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]", re.UNICODE
)
_LINE_BREAK = re.compile(r"\r\n|\r|\n")
_SPECIAL = re.compile(r'(["\\])')
_RECORD_SPECIAL = re.compile(r'([{}|<>"\\])')


def shorten(text: str, longest: int = LONGEST_TEXT) -> str:
    """text cut to `longest` characters, the last of them '…', when it is longer.

    >>> shorten("abcdef", 4)
    'abc…'
    """
    return text if len(text) <= longest else text[: longest - 1] + "…"


def _plain(text: str) -> str:
    """text ready to escape: shortened, with characters no picture can hold as U+FFFD."""
    return _UNWRITABLE.sub("\ufffd", shorten(str(text)))


def _escape(text: str, special: re.Pattern[str] = _SPECIAL) -> str:
    """The inside of a DOT string showing text: each `special` character after a backslash,
    line breaks as DOT's \\n."""
    return _LINE_BREAK.sub(r"\\n", special.sub(r"\\\1", _plain(text)))


class Html(str):
    """An HTML-like label that chainrule wrote from its own words and numbers (a legend).

    quote() writes it as <...>, the one exception to plain text. Never make
    one from a user's text: a label or a module path could carry markup.
    """


def quote(text: str) -> str:
    """text as a DOT id or string that a renderer shows as that text, never as HTML.

    A word or a number stays bare, as graphviz writes them; anything else is
    put in quotes with backslashes, quotes and line breaks escaped. Only an
    `Html` made by chainrule is written as HTML.
    """
    if isinstance(text, Html):
        return f"<{text}>"
    text = str(text)
    if _BARE.fullmatch(text) and text.lower() not in _KEYWORDS:
        return text
    return f'"{_escape(text)}"'


def record_label(fields: Sequence[str]) -> str:
    """The quoted label of a record node showing `fields` one above the other in LR.

    Braces, bars and angle brackets in a field are escaped, so a field is text
    and never structure or a port.

    >>> record_label(["x", "data 2.0"])
    '"{ x | data 2.0 }"'
    """
    return '"{ ' + " | ".join(_escape(f, _RECORD_SPECIAL) for f in fields) + ' }"'


def _one_line(text: str) -> str:
    """text on one line, for a // comment, which ends at the first line break."""
    return _UNWRITABLE.sub("\ufffd", " ".join(shorten(str(text)).splitlines()))


def _attributes(label: str | None, attrs: Mapping[str, str]) -> str:
    """' [label=... a=1 b=2]' with the label first and the rest sorted, or ''."""
    parts = [f"label={label}"] if label is not None else []
    parts += [f"{quote(k)}={quote(v)}" for k, v in sorted(attrs.items()) if v is not None]
    return f" [{' '.join(parts)}]" if parts else ""


class Statements:
    """The statements of a graph or subgraph; every string given is quoted as plain text."""

    def __init__(self, depth: int = 1) -> None:
        self.lines: list[str] = []
        """The DOT lines written so far, indented, each ending in a newline."""
        self._indent = "\t" * depth

    def attr(self, **attrs: str) -> None:
        """Attributes of this (sub)graph itself, such as its label."""
        self.lines.append(f"{self._indent}{_attributes(None, attrs)[2:-1]}\n")

    def node(self, ident: str, label: str | None = None, **attrs: str) -> None:
        """A node `ident` showing the text `label` (None: its id)."""
        text = None if label is None else quote(label)
        self.lines.append(f"{self._indent}{quote(ident)}{_attributes(text, attrs)}\n")

    def record(self, ident: str, fields: Sequence[str], **attrs: str) -> None:
        """A record node `ident` showing the texts `fields` side by side (stacked in LR)."""
        label = record_label(fields)
        self.lines.append(f"{self._indent}{quote(ident)}{_attributes(label, attrs)}\n")

    def edge(self, tail: str, head: str, **attrs: str) -> None:
        """An edge tail -> head; a `label` attribute is shown as plain text like any other."""
        line = f"{self._indent}{quote(tail)} -> {quote(head)}{_attributes(None, attrs)}\n"
        self.lines.append(line)

    @contextmanager
    def subgraph(self, name: str) -> Iterator[Statements]:
        """A subgraph; its statements go here, at the place it was opened."""
        inner = Statements(len(self._indent) + 1)
        yield inner
        self.lines.append(f"{self._indent}subgraph {quote(name)} {{\n")
        self.lines.extend(inner.lines)
        self.lines.append(f"{self._indent}}}\n")


class Graph(Statements):
    """A directed graph as DOT text, built from plain strings; `.source` is the text."""

    def __init__(
        self,
        name: str = "",
        *,
        comment: str = "",
        graph_attr: Mapping[str, str] | None = None,
        node_attr: Mapping[str, str] | None = None,
        edge_attr: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__()
        self.name = name
        """The graph's name: the root's label for a drawing (SVG shows it as a title)."""
        self.comment = comment
        """A // line written above the graph."""
        self.graph_attr = dict(graph_attr or {})
        self.node_attr = dict(node_attr or {})
        self.edge_attr = dict(edge_attr or {})

    @property
    def source(self) -> str:
        """The DOT text of the graph."""
        head = [f"// {_one_line(self.comment)}\n"] if self.comment else []
        head.append(f"digraph {quote(self.name)} {{\n" if self.name else "digraph {\n")
        for keyword, attrs in (
            ("graph", self.graph_attr),
            ("node", self.node_attr),
            ("edge", self.edge_attr),
        ):
            if attrs:
                head.append(f"\t{keyword}{_attributes(None, attrs)}\n")
        return "".join(head + self.lines) + "}\n"
