"""`chainrule demo`: the main job.

For now: build the lecture's tanh neuron, run backward and print every
gradient. The nn issue grows this into micrograd's moons demo.
"""

from __future__ import annotations

import argparse

from autograd.backward import topological_order
from autograd.value import Value


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--out", default="demo-output", help="folder for the pictures")


def run(args: argparse.Namespace) -> int:
    x1, x2 = Value(2.0, label="x1"), Value(0.0, label="x2")
    w1, w2 = Value(-3.0, label="w1"), Value(1.0, label="w2")
    b = Value(6.8813735870195432, label="b")
    n = x1 * w1 + x2 * w2 + b
    n.label = "n"
    o = n.tanh()
    o.label = "o"
    o.backward()
    print("o = tanh(x1*w1 + x2*w2 + b)")
    for node in topological_order(o):
        if node.label:
            print(f"  {node.label:>3}  data {node.data: .4f}   grad {node.grad: .4f}")
    return 0
