"""autograd.dot: DOT text written statement by statement, every string quoted as plain text."""

from __future__ import annotations

import pytest

from autograd.dot import Graph, quote, record_label, shorten


@pytest.mark.parametrize(
    "text, written",
    [
        ("x1", "x1"),
        ("_tmp", "_tmp"),
        ("-3.0", "-3.0"),
        (".5", ".5"),
        ("tanh", "tanh"),
        ("*", '"*"'),
        ("", '""'),
        ("graph", '"graph"'),  # a keyword is not a bare id
        ("Node", '"Node"'),  # keywords are case-insensitive
        ("y pred", '"y pred"'),
        ('say "hi"', '"say \\"hi\\""'),
        ("back\\slash", '"back\\\\slash"'),
        ("ends in \\", '"ends in \\\\"'),
        ("two\nlines", '"two\\nlines"'),
        ("crlf\r\nand\rcr", '"crlf\\nand\\ncr"'),
        ("<b>html</b>", '"<b>html</b>"'),
        ("x₁ ŷ", '"x₁ ŷ"'),
        ("bell\x07", '"bell\ufffd"'),
    ],
)
def test_quote_writes_each_text_as_itself(text, written):
    assert quote(text) == written


def test_record_label_escapes_record_structure_in_each_field():
    assert record_label(['a{b|c}<d>"e', "back\\", "two\nlines"]) == (
        '"{ a\\{b\\|c\\}\\<d\\>\\"e | back\\\\ | two\\nlines }"'
    )


def test_shorten_ends_a_long_text_in_an_ellipsis():
    assert shorten("a" * 1000) == "a" * 1000
    assert shorten("a" * 1001) == "a" * 999 + "…"
    assert len(shorten("a" * 50_000)) == 1000


def test_graph_source_has_header_defaults_statements_and_subgraphs_in_order():
    g = Graph(
        "g",
        comment="made\nby a test",
        graph_attr={"rankdir": "LR"},
        node_attr={"shape": "record", "fontsize": "11"},
    )
    g.record("v0", ["x", "data 2.0"])
    with g.subgraph("cluster_a") as inner:
        inner.attr(label="a box", style="rounded")
        inner.node("k", "key", shape="box")
    g.node("op", "*", shape="ellipse")
    g.edge("v0", "op", label="-3.0", penwidth="2.5")
    g.edge("op", "k")
    assert g.source == (
        "// made by a test\n"
        "digraph g {\n"
        "\tgraph [rankdir=LR]\n"
        "\tnode [fontsize=11 shape=record]\n"
        '\tv0 [label="{ x | data 2.0 }"]\n'
        "\tsubgraph cluster_a {\n"
        '\t\tlabel="a box" style=rounded\n'
        "\t\tk [label=key shape=box]\n"
        "\t}\n"
        '\top [label="*" shape=ellipse]\n'
        "\tv0 -> op [label=-3.0 penwidth=2.5]\n"
        "\top -> k\n"
        "}\n"
    )


def test_a_hostile_graph_name_is_one_quoted_string():
    g = Graph('<a> { evil [URL="javascript:x"] } digraph <b>')
    assert g.source.splitlines()[0] == (
        'digraph "<a> { evil [URL=\\"javascript:x\\"] } digraph <b>" {'
    )


def test_only_chainrules_own_html_is_written_as_html():
    from autograd.dot import Html

    assert quote(Html("<B>legend</B>")) == "<<B>legend</B>>"
    assert quote("<B>legend</B>") == '"<B>legend</B>"'  # the same text from anyone else
