"""The tape: record a function's graph once, replay it on whole numpy batches.

The scalar engine builds a new graph for every example. But for a function
without data-dependent choices the graph is the same every time: only the
numbers change. So `trace(f, n)` runs f once on scalar Values and writes the
graph down as a flat list of rows, a tape:

    >>> from autograd import Value, trace
    >>> w = Value(2.0, label="w")
    >>> print(trace(lambda x: (w * x).tanh(), example=[0.5]))
    tape of <lambda>(x): 4 rows
    #0    w         parameter  per call
    #1    x         input      per example
    #2    #0 * #1              per example
    #3    tanh(#2)             per example
    outputs: #3

Replaying the tape on arrays instead of floats runs the same graph on every
example at once: row #2 becomes one numpy multiplication over the whole batch.
That is all a tensor library does for an elementwise network, and why it is
fast: the Python loop runs over the rows of the tape, never over the examples.

Where things live, one idea a file:

    rows.py       what a tape is made of: TapeRow and the Recording
    record.py     running f on Values and writing its graph down as rows
    guard.py      the branch guard: record f again at other examples, refuse a changed graph
    replay.py     the replay row by row, forward and backward, with the op table's rules
    matrices.py   finding the matrices: layers, ops over a layer, sums (Dense, Elementwise, Sum)
    blocks.py     those groups on arrays: x @ W.T + b, one op over a layer, one sum
    vectorised.py the replay with the groups found: blocks, and rows for the rest
    source.py     tape.source(): the replay as numpy code
    failures.py   a failed replay's error, worded as the scalar engine's, with the example
    arguments.py  what the caller passes: inputs, arrays, wrt, grad_output
    tape.py       Tape and trace(), which put these together
"""

from autograd.tape.matrices import Dense, Elementwise, Sum
from autograd.tape.rows import TapeRow
from autograd.tape.tape import Tape, trace

__all__ = ["trace", "Tape", "TapeRow", "Dense", "Elementwise", "Sum"]
