"""check_engine: a Value class you wrote yourself, graded case by case against chainrule's engine.

Someone who writes micrograd from scratch (the lecture's first hour, minitorch's
Module 1) wants to know whether it is right and, if not, where and why. The
check needs only `Value(number)`, `.data`, `.grad` and `.backward()`. It uses
whichever of `+ - * / **`, unary minus, the reflected forms with a plain number
on the left (`2 - a`) and `relu tanh exp log sigmoid` the class has, and says
which it skipped.

Every case runs the same code on your class and on chainrule's Value, then
compares the numbers. First each op on its own, at a fixed point inside its
domain; then the places where hand-written engines go wrong: a node used twice,
a diamond, paths of unequal length, an upstream gradient other than 1, a chain
5,000 deep, and a new graph after an old one. A failing row says what was
expected and what came. It names a likely mistake only when your numbers are
exactly what that mistake gives: the check works out what the mistaken engine
would compute and compares.

Each case runs in a worker thread with a time limit (a thread, not
signal.alarm, so that it works in Jupyter and off the main thread too), so a
class that raises or hangs is reported row by row and never stops the check.
A RecursionError in the deep chain is reported as a limit, not a failure: the
gradients are right, only the recursive sort cannot go deeper, and the
lecture's engine has the same limit.

>>> from autograd import Value
>>> report = check_engine(Value)
>>> report.ok
True
>>> report.found[:6]
('a + b', 'a - b', 'a * b', 'a / b', 'a ** 3', '-a')
"""

from __future__ import annotations

import ctypes
import math
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from autograd.recording import enable_grad
from autograd.report import FAIL, KINK, PASS, number, render_html, render_text
from autograd.tolerances import ENGINE_TOLERANCES
from autograd.value import Value

__all__ = ["check_engine", "EngineReport", "EngineRow", "TOLERANCES", "DEEP", "UPSTREAM"]

TOLERANCES = ENGINE_TOLERANCES
"""Two engines computing the same formula agree to rounding, so the check is tight."""

DEEP = 5000
"""Length of the deep chain: five times Python's default recursion limit."""

UPSTREAM = 3.0
"""The upstream gradient of the case that checks each backward multiplies by out.grad."""

_UPSTREAM_NAME = f"upstream gradient {UPSTREAM:g}"
_DEEP_NAME = f"chain {DEEP} deep"

PASSED, FAILED, ERROR, SKIPPED, LIMIT = "pass", "FAIL", "error", "skipped", "limit"

Numbers = dict[str, float]
"""What a case reads off the graph, by name: 'value', 'a.grad', ..."""


# -- the rows and the report ------------------------------------------------------------


@dataclass(frozen=True)
class EngineRow:
    """One case: what chainrule's engine gives, what yours gives, and what to do about it."""

    case: str
    """What the case computes: 'a * b', 'used twice: a * a', 'diamond'."""
    status: str
    """'pass', 'FAIL', 'error' (raised or hung), 'skipped' (an op the class lacks) or 'limit'."""
    expected: str = ""
    got: str = ""
    message: str = ""
    """For a row that did not pass: what differs, in a sentence."""
    hint: str = ""
    """The likely mistake, given only when the numbers are exactly what that mistake gives."""


@dataclass(frozen=True, repr=False)
class EngineReport:
    """check_engine's rows, printable as a text table and shown as HTML in a notebook."""

    engine: str
    rows: tuple[EngineRow, ...]

    @property
    def ok(self) -> bool:
        """True when no case failed or raised (skipped ops and limits are not failures)."""
        return all(row.status in (PASSED, SKIPPED, LIMIT) for row in self.rows)

    def __bool__(self) -> bool:
        return self.ok

    @property
    def failures(self) -> tuple[EngineRow, ...]:
        """The rows that failed or raised, in the order they ran."""
        return tuple(row for row in self.rows if row.status in (FAILED, ERROR))

    @property
    def hints(self) -> tuple[str, ...]:
        """Every likely mistake the numbers showed, as 'case: hint'."""
        return tuple(f"{row.case}: {row.hint}" for row in self.rows if row.hint)

    @property
    def found(self) -> tuple[str, ...]:
        """The ops and reflected forms the class has, so the check ran them."""
        return tuple(
            row.case for row in self.rows if row.case in _OP_NAMES and row.status != SKIPPED
        )

    @property
    def skipped(self) -> tuple[str, ...]:
        """The cases not run, because the class lacks what they need."""
        return tuple(row.case for row in self.rows if row.status == SKIPPED)

    def _heading(self) -> str:
        counts = {s: sum(row.status == s for row in self.rows) for s in (PASSED, FAILED, ERROR)}
        parts = [f"{counts[PASSED]} passed"]
        parts += [
            f"{n} {s}"
            for s, n in ((FAILED, counts[FAILED]), ("raised or hung", counts[ERROR]))
            if n
        ]
        parts += [f"{len(self.skipped)} skipped"] * bool(self.skipped)
        limits = sum(row.status == LIMIT for row in self.rows)
        parts += [f"{limits} at a limit"] * bool(limits)
        return f"check_engine({self.engine}): {', '.join(parts)}"

    _HEADERS = ("case", "expected", "got", "verdict")

    def _cells(self) -> list[list[str]]:
        return [[row.case, row.expected, row.got, row.status] for row in self.rows]

    def _notes(self) -> list[str]:
        notes = [
            f"{row.case}: {row.message}" + (f": {row.hint}" if row.hint else "")
            for row in self.rows
            if row.status in (FAILED, ERROR, LIMIT)
        ]
        if self.skipped:
            notes.append(f"skipped (see the got column for why): {', '.join(self.skipped)}")
        return notes

    def __str__(self) -> str:
        return render_text(self._heading(), self._HEADERS, self._cells(), self._notes())

    __repr__ = __str__  # typing `report` at a prompt shows the table

    def _repr_html_(self) -> str:
        # gradcheck's row colours: failures red, limits yellow like a kink.
        style = {FAILED: FAIL, ERROR: FAIL, LIMIT: KINK}
        states = [style.get(row.status, PASS) for row in self.rows]
        return render_html(self._heading(), self._HEADERS, self._cells(), states, self._notes())


# -- cases, and the mistakes their numbers can show --------------------------------------


@dataclass(frozen=True)
class _Mistake:
    """A mistake, and the numbers an engine that makes it gives (worked out from the right ones)."""

    hint: str
    numbers: Callable[[Numbers], Numbers]
    name: str = ""
    """A name for other rows to refer to; a row's `after` needs it shown earlier."""
    after: str = ""
    """Only considered when an earlier row showed the mistake of this name."""


@dataclass(frozen=True)
class _Case:
    name: str
    needs: tuple[str, ...]
    """Attributes of the class the case calls ('__mul__', 'tanh')."""
    run: Callable[[Any], Numbers]
    mistakes: tuple[_Mistake, ...] = ()
    uses: tuple[str, ...] = ()
    """Rows this case builds on; when one of them fails too, the row says to fix that first."""


@dataclass(frozen=True)
class _Op:
    """One op on its own: f at each point, its value and every input's gradient."""

    name: str
    needs: str
    f: Callable[..., Any]
    points: tuple[dict[str, float], ...]
    mistakes: tuple[_Mistake, ...] = ()

    def numbers(self, cls: Any, upstream: float | None = None) -> Numbers:
        """The value and gradients; with `upstream`, the gradients of f * upstream."""
        out: Numbers = {}
        for point in self.points:
            at = f" at {_point(point)}" if len(self.points) > 1 else ""
            leaves = {name: cls(x) for name, x in point.items()}
            y = self.f(*leaves.values())
            if upstream is None:
                y.backward()
                out[f"value{at}"] = y.data
            else:
                (y * cls(upstream)).backward()
            out.update({f"{name}.grad{at}": leaf.grad for name, leaf in leaves.items()})
        return out


def _point(point: dict[str, float]) -> str:
    return ", ".join(f"{name}={x:g}" for name, x in point.items())


def _fixed(numbers: Numbers) -> Callable[[Numbers], Numbers]:
    return lambda right: numbers


# The points: inside every op's domain, and chosen so that each mistake below gives
# numbers different from the right ones (a=3 and b=-2 tell self from other).
A, B, X = 3.0, -2.0, 0.8

_OPS = (
    _Op("a + b", "__add__", lambda a, b: a + b, ({"a": A, "b": B},)),
    _Op("a - b", "__sub__", lambda a, b: a - b, ({"a": A, "b": B},)),
    _Op(
        "a * b",
        "__mul__",
        lambda a, b: a * b,
        ({"a": A, "b": B},),
        (
            _Mistake(
                f"a.grad is a's own value ({A:g}) and b.grad is b's ({B:g}): are self and "
                "other swapped in `__mul__`'s backward? self.grad gets other.data * out.grad",
                _fixed({"a.grad": A, "b.grad": B}),
            ),
        ),
    ),
    _Op("a / b", "__truediv__", lambda a, b: a / b, ({"a": A, "b": B},)),
    _Op(
        "a ** 3",
        "__pow__",
        lambda a: a**3,
        ({"a": 1.5},),
        (
            _Mistake(
                "that is 3 * a**3: the exponent is not lowered, d(a**n)/da = n * a**(n - 1)",
                _fixed({"a.grad": 3 * 1.5**3}),
            ),
            _Mistake(
                "that is a**2 without the factor 3: d(a**n)/da = n * a**(n - 1)",
                _fixed({"a.grad": 1.5**2}),
            ),
        ),
    ),
    _Op("-a", "__neg__", lambda a: -a, ({"a": A},)),
    _Op(
        "relu",
        "relu",
        lambda x: x.relu(),
        ({"x": 1.5}, {"x": -0.5}),
        (
            _Mistake(
                "relu lets the gradient through where x < 0: multiply out.grad by (out.data > 0)",
                _fixed({"x.grad at x=-0.5": 1.0}),
            ),
            _Mistake(
                "relu's backward used out.data as its slope; the slope is 1 where x > 0, "
                "else 0: (out.data > 0) * out.grad",
                _fixed({"x.grad at x=1.5": 1.5}),
            ),
        ),
    ),
    _Op(
        "tanh",
        "tanh",
        lambda x: x.tanh(),
        ({"x": X},),
        (
            _Mistake(
                "d tanh/dx used x, not the output t: 1 - t**2",
                _fixed({"x.grad": 1 - X**2}),
            ),
            _Mistake(
                "that is 1 - t, where t = tanh(x): the square is missing, 1 - t**2",
                _fixed({"x.grad": 1 - math.tanh(X)}),
            ),
        ),
    ),
    _Op(
        "exp",
        "exp",
        lambda x: x.exp(),
        ({"x": 0.7},),
        (
            _Mistake(
                "exp's backward used x; d exp(x)/dx is exp(x), the output: out.data * out.grad",
                _fixed({"x.grad": 0.7}),
            ),
        ),
    ),
    _Op(
        "log",
        "log",
        lambda x: x.log(),
        ({"x": 2.5},),
        (
            _Mistake(
                "that is 1 / log(x): d log(x)/dx is 1 / x, the input: out.grad / self.data",
                _fixed({"x.grad": 1 / math.log(2.5)}),
            ),
        ),
    ),
    _Op(
        "sigmoid",
        "sigmoid",
        lambda x: x.sigmoid(),
        ({"x": 1.2},),
        (
            _Mistake(
                "d sigmoid/dx used x, not the output s: s * (1 - s)",
                _fixed({"x.grad": 1.2 * (1 - 1.2)}),
            ),
        ),
    ),
    _Op("2 + a", "__radd__", lambda a: 2 + a, ({"a": A},)),
    _Op(
        "2 - a",
        "__rsub__",
        lambda a: 2 - a,
        ({"a": A},),
        (
            _Mistake(
                "2 - a gave a - 2: `__rsub__` computes self - other, but the number on the "
                "left is other, so it is other - self",
                _fixed({"value": A - 2, "a.grad": 1.0}),
            ),
        ),
    ),
    _Op("2 * a", "__rmul__", lambda a: 2 * a, ({"a": A},)),
    _Op(
        "2 / a",
        "__rtruediv__",
        lambda a: 2 / a,
        ({"a": A},),
        (
            _Mistake(
                "2 / a gave a / 2: `__rtruediv__` computes self / other, but the number on "
                "the left is other, so it is other / self",
                _fixed({"value": A / 2, "a.grad": 0.5}),
            ),
        ),
    ),
    _Op(
        "2 ** a",
        "__rpow__",
        lambda a: 2**a,
        ({"a": A},),
        (
            _Mistake(
                "2 ** a gave a ** 2: `__rpow__` computes self ** other, but the number on "
                "the left is other, so it is other ** self",
                _fixed({"value": A**2, "a.grad": 2 * A}),
            ),
        ),
    ),
)

_OP_NAMES = frozenset(op.name for op in _OPS)


def _op_case(op: _Op) -> _Case:
    return _Case(op.name, (op.needs,), op.numbers, op.mistakes)


_ASSIGNED = "assigned"
_ACCUMULATE = (
    "right for a single use, wrong when a node is used twice: accumulate with +=, do not assign"
)


def _used_twice(name: str, op: str, needs: str, f: Callable[[Any], Any], share: float) -> _Case:
    def run(cls: Any) -> Numbers:
        a = cls(A)
        y = f(a)
        y.backward()
        return {"value": y.data, "a.grad": a.grad}

    assigned = _Mistake(_ACCUMULATE, _fixed({"a.grad": share}), name=_ASSIGNED)
    return _Case(f"used twice: {name}", (needs,), run, (assigned,), (op,))


# The diamond: x -> a -> (b, c) -> d, where a is made by an op, so the order in which
# a's backward runs matters (a leaf's does nothing).
_DX = 1.5
_DA = _DX + 1
_DB, _DC = 2 * _DA, _DA + 3


def _from_x(x0: float, build: Callable[[Any], Any]) -> Callable[[Any], Numbers]:
    """A case on the graph build(x) of one leaf x = x0: the output's value and x.grad."""

    def run(cls: Any) -> Numbers:
        x = cls(x0)
        y = build(x)
        y.backward()
        return {"value": y.data, "x.grad": x.grad}

    return run


def _diamond(x: Any) -> Any:
    a = x + 1
    b = a * 2
    c = a + 3
    return b * c


# Paths of unequal length: d = b * a with b = a * 2 + 1, so a is reached directly and
# two steps down; an order by distance from d (breadth first) runs a's backward too early.
_UB = _DA * 2 + 1


def _unequal(x: Any) -> Any:
    a = x + 1
    m = a * 2
    b = m + 1
    return b * a


def _order_mistakes(total: float, shares: dict[str, float]) -> tuple[_Mistake, ...]:
    """What an engine gives when a's backward runs too early, twice, or a share is assigned."""
    partial = [
        _Mistake(
            f"x.grad holds only the share through {path}: a share was assigned, not added "
            "(as in the used-twice rows): accumulate with +=",
            _fixed({"x.grad": share}),
            after=_ASSIGNED,
        )
        for path, share in shares.items()
    ] + [
        _Mistake(
            f"x.grad holds only the share through {path}: a's backward ran before every "
            "node that uses a had added to a.grad. Call _backward in reverse topological "
            "order (a node only after every node that uses it)",
            _fixed({"x.grad": share}),
        )
        for path, share in shares.items()
    ]
    twice = [
        _Mistake(
            "x.grad counts a path twice: a's backward ran more than once. Visit each node "
            "once (a visited set when building the topological order)",
            _fixed({"x.grad": total + share}),
        )
        for share in (*shares.values(), total)
    ]
    return tuple(partial + twice)


def _deep(x: Any) -> Any:
    for _ in range(DEEP):
        x = x + 1
    return x


_OLD = 3.0


def _fresh(cls: Any) -> Numbers:
    w = cls(2.0)
    old = w * cls(_OLD)
    old.backward()
    w.grad = 0.0  # zero_grad, as the lecture's training loop does
    p = cls(-1.5)
    before = p.grad
    new = w * p
    new.backward()
    return {"p.grad before backward": before, "w.grad": w.grad, "p.grad": p.grad}


_STALE = (
    "w.grad got its share from the old graph again: the old graph's backward ran a second "
    "time, so the topological order or visited set outlives a call (a global, a class "
    "attribute, or a mutable default such as visited=set()). Make them inside backward()"
)

_PITFALLS = (
    _used_twice("a * a", "a * b", "__mul__", lambda a: a * a, A),
    _used_twice("a + a", "a + b", "__add__", lambda a: a + a, 1.0),
    _Case(
        "diamond: b = a*2, c = a+3, d = b*c",
        ("__add__", "__mul__"),
        _from_x(_DX, _diamond),
        _order_mistakes(2 * _DC + _DB, {"b": 2 * _DC, "c": _DB}),
        ("a + b", "a * b", _UPSTREAM_NAME),
    ),
    _Case(
        "unequal paths: d = (a*2 + 1) * a",
        ("__add__", "__mul__"),
        _from_x(_DX, _unequal),
        _order_mistakes(_UB + 2 * _DA, {"the edge from a to d": _UB, "a*2": 2 * _DA}),
        ("a + b", "a * b", _UPSTREAM_NAME),
    ),
)


def _upstream_case(ops: Sequence[_Op]) -> _Case:
    """Each op times a Value UPSTREAM: every gradient must come out UPSTREAM times larger.

    Only ops whose own row passed take part: for the others there is nothing to scale.
    """

    def run(cls: Any) -> Numbers:
        out: Numbers = {}
        for op in ops:
            out.update({f"{op.name}: {k}": g for k, g in op.numbers(cls, UPSTREAM).items()})
        return out

    def forgot(op: _Op) -> _Mistake:
        def numbers(right: Numbers) -> Numbers:
            return {k: g / UPSTREAM for k, g in right.items() if k.startswith(f"{op.name}: ")}

        return _Mistake(
            f"{op.name} gives its gradient for an upstream gradient of 1: is `* out.grad` "
            "missing in its backward?",
            numbers,
        )

    mistakes = tuple(forgot(op) for op in ops)
    return _Case(_UPSTREAM_NAME, ("__mul__",), run, mistakes, ("a * b",))


_LATE = (
    _Case(_DEEP_NAME, ("__add__",), _from_x(0.5, _deep), (), ("a + b",)),
    _Case(
        "fresh graph after an old one",
        ("__mul__",),
        _fresh,
        (_Mistake(_STALE, _fixed({"w.grad": -1.5 + _OLD})),),
        ("a * b",),
    ),
)


def _generic(right: Numbers) -> list[_Mistake]:
    """Mistakes any case can show: no gradient at all, or one with its sign flipped."""
    grads = [k for k in right if ".grad" in k]
    zero = _Mistake(
        "every gradient is 0: does backward() set the output's grad to 1 before the loop, "
        "and call each node's _backward?",
        _fixed(dict.fromkeys(grads, 0.0)),
    )
    signs = [
        _Mistake(
            f"{k} has the wrong sign: a minus sign too many or too few in the backward",
            _fixed({k: -right[k]}),
        )
        for k in grads
        if right[k] != 0.0
    ]
    return [zero, *signs]


# -- running a case, with a time limit ------------------------------------------------------


class _Stopped(BaseException):
    """Raised inside a worker that ran out of time (a BaseException, so `except Exception`
    in the learner's code does not swallow it)."""


class _TimedOut(Exception):
    pass


def _in_worker(task: Callable[[], Any], timeout: float) -> Any:
    """task() in a daemon thread; its result, its exception, or _TimedOut after `timeout` s."""
    box: dict[str, Any] = {}

    def work() -> None:
        try:
            box["result"] = task()
        except BaseException as error:  # noqa: BLE001 - the learner's code may raise anything
            box["error"] = error

    worker = threading.Thread(target=work, name="check_engine case", daemon=True)
    worker.start()
    worker.join(timeout)
    if worker.is_alive():
        _stop(worker)
        raise _TimedOut
    if "error" in box:
        raise box["error"]
    return box["result"]


def _stop(worker: threading.Thread) -> None:
    # A thread cannot be killed, but CPython can raise an exception in it at its next
    # bytecode, which ends a pure-Python endless loop. One blocked in C stays, as a
    # daemon that does not keep the process alive.
    set_async_exc = getattr(getattr(ctypes, "pythonapi", None), "PyThreadState_SetAsyncExc", None)
    if set_async_exc is not None and worker.ident is not None:
        set_async_exc(ctypes.c_ulong(worker.ident), ctypes.py_object(_Stopped))
        worker.join(1.0)


def _floats(numbers: Numbers) -> Numbers:
    out = {}
    for name, x in numbers.items():
        try:
            out[name] = float(x)
        except (TypeError, ValueError):
            raise TypeError(f"{name} is {x!r:.40}, not a number") from None
    return out


def _error_hint(error: BaseException) -> str:
    text = str(error)
    if isinstance(error, RecursionError):
        return "build the topological order with a loop (an explicit stack), not recursion"
    if isinstance(error, AttributeError) and any(
        f"'{t}' object has no attribute" in text for t in ("int", "float")
    ):
        return (
            "a plain number reached an operator that expects a Value: wrap it first, "
            "other = other if isinstance(other, Value) else Value(other)"
        )
    return ""


# -- judging ------------------------------------------------------------------------------


def _agree(got: float, right: float) -> bool:
    return TOLERANCES.agree(got, right) or (got == right)


def _shown(mistake: Numbers, got: Numbers, right: Numbers) -> bool:
    """The numbers `got` are the mistake's, and those differ from the right ones."""
    return all(k in got and _agree(got[k], x) for k, x in mistake.items()) and any(
        not _agree(x, right[k]) for k, x in mistake.items()
    )


def _listing(numbers: Numbers, names: Sequence[str]) -> str:
    if len(names) > 3:
        return f"{len(names)} numbers"
    return ", ".join(f"{k} = {number(numbers[k])}" for k in names)


def _judge(
    case: _Case, got: Numbers, right: Numbers, seen: set[str], failed: set[str]
) -> EngineRow:
    wrong = [k for k in right if not _agree(got[k], right[k])]
    if not wrong:
        return EngineRow(case.name, PASSED, _listing(right, list(right)), "the same")
    message = "; ".join(
        f"{k} is {number(got[k])} where {number(right[k])} was expected" for k in wrong[:3]
    ) + (f"; and {len(wrong) - 3} more" if len(wrong) > 3 else "")
    expected, shown = _listing(right, wrong), _listing(got, wrong)
    broken = [name for name in case.uses if name in failed]
    if broken:  # the numbers cannot single out a mistake when a building block is wrong
        rows = "whose row fails" if len(broken) == 1 else "whose rows fail"
        hint = f"this case builds on {' and '.join(broken)}, {rows} too: fix that first"
        return EngineRow(case.name, FAILED, expected, shown, message, hint)
    hints: list[str] = []
    taken: set[str] = set()
    for mistake in (*case.mistakes, *_generic(right)):
        if mistake.after and mistake.after not in seen:
            continue
        numbers = mistake.numbers(right)
        if taken & numbers.keys() or not _shown(numbers, got, right):
            continue
        hints.append(mistake.hint)
        taken |= numbers.keys()
        if mistake.name:
            seen.add(mistake.name)
    return EngineRow(case.name, FAILED, expected, shown, message, "; ".join(hints))


def _errored(case: _Case, error: BaseException, timeout: float) -> EngineRow:
    if isinstance(error, _TimedOut):
        return EngineRow(
            case.name,
            ERROR,
            got="no answer",
            message=f"did not finish within {timeout:g} s, and was stopped (an endless loop?)",
        )
    kind = type(error).__name__
    got = f"{kind}: {error}"[:60]
    hint = _error_hint(error)
    if isinstance(error, RecursionError) and case.name == _DEEP_NAME:
        return EngineRow(
            case.name,
            LIMIT,
            got=kind,
            message=f"RecursionError at depth {DEEP}",
            hint=hint,
        )
    return EngineRow(case.name, ERROR, got=got, message=f"raised {kind}: {error}", hint=hint)


def _run_case(case: _Case, cls: Any, timeout: float, seen: set[str], failed: set[str]) -> EngineRow:
    with enable_grad():  # the reference must record, even inside the caller's no_grad
        right = _floats(case.run(Value))
    try:
        got = _in_worker(lambda: _floats(case.run(cls)), timeout)
    except BaseException as error:  # noqa: BLE001 - reported as the row's verdict
        return _errored(case, error, timeout)
    return _judge(case, got, right, seen, failed)


def _has(probe: Any, attribute: str) -> bool:
    # Python looks operators up on the type, so a dunder must be there.
    if attribute.startswith("__"):
        return callable(getattr(type(probe), attribute, None))
    return callable(getattr(probe, attribute, None))


def _basics(cls: Any) -> Numbers:
    v = cls(2.0)
    if not callable(getattr(v, "backward", None)):
        raise AttributeError("Value(2.0) has no backward() method")
    return {"Value(2.0).data": v.data, "Value(2.0).grad": v.grad}


def check_engine(cls: Any, *, timeout: float = 5.0) -> EngineReport:
    """Grade a Value class written from scratch, case by case, against chainrule's engine.

    `cls` needs `cls(number)`, `.data`, `.grad` and `.backward()`; ops it lacks
    are skipped. `timeout` is the time limit of each case, in seconds. Print the
    report (or show it in a notebook) for the table; `.ok` is the verdict.

    >>> from autograd import Value
    >>> check_engine(Value).hints      # chainrule's own engine: nothing to fix
    ()
    """
    if not callable(cls):
        raise TypeError(
            f"check_engine needs your Value class, got {type(cls).__name__} {cls!r:.40}: it "
            "builds small graphs with it. Pass the class itself, check_engine(Value)"
        )
    if isinstance(timeout, bool) or not isinstance(timeout, (int, float)) or not timeout > 0:
        raise ValueError(
            f"timeout must be a positive number of seconds, got {timeout!r:.40}: it bounds "
            "each case, so that a hanging one cannot stop the check. Pass e.g. timeout=5"
        )
    name = getattr(cls, "__name__", type(cls).__name__)
    needs = "Value(number), .data, .grad and .backward()"
    basics = _run_case(_Case("Value(2.0)", (), _basics), cls, timeout, set(), set())
    if basics.status == ERROR:
        skipped = [EngineRow(c, SKIPPED, got=f"needs {needs}") for c in _all_case_names()]
        return EngineReport(name, (basics, *skipped))
    try:
        probe = _in_worker(lambda: cls(2.0), timeout)
    except BaseException as error:  # noqa: BLE001 - it worked a moment ago; report, not crash
        return EngineReport(name, (_errored(_Case("Value(2.0)", (), _basics), error, timeout),))
    rows = [basics]
    seen: set[str] = set()
    failed: set[str] = set()

    def run(case: _Case, why_not: str = "") -> EngineRow:
        missing = [a for a in case.needs if not _has(probe, a)]
        if missing or why_not:
            return EngineRow(case.name, SKIPPED, got=why_not or "no " + ", ".join(missing))
        row = _run_case(case, cls, timeout, seen, failed)
        if row.status in (FAILED, ERROR):
            failed.add(case.name)
        return row

    rows += [run(_op_case(op)) for op in _OPS]
    passed = [op for op, row in zip(_OPS, rows[1:]) if row.status == PASSED]
    rows.append(run(_upstream_case(passed), "" if passed else "no op passes its own row"))
    rows += [run(case) for case in (*_PITFALLS, *_LATE)]
    return EngineReport(name, tuple(rows))


def _all_case_names() -> list[str]:
    return [op.name for op in _OPS] + [_UPSTREAM_NAME] + [c.name for c in (*_PITFALLS, *_LATE)]
