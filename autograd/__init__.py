"""chainrule's autograd: a scalar reverse-mode automatic-differentiation engine.

A Value records every arithmetic operation into a graph; backward() applies
the chain rule to it in reverse. Start with:

>>> from autograd import Value
>>> x = Value(2.0, label="x")
>>> y = (x * x).tanh()
>>> y.backward()
>>> round(x.grad, 6)     # d tanh(x**2)/dx = 2x (1 - tanh(x**2)**2)
0.005364

Where things live: value.py (the node and its operators), ops.py (the table
of every primitive and its derivative: the only calculus), chain.py (the
chain-rule step for one node, which every consumer of the table calls), and
backward.py (the traversal).
"""

__chainrule__ = True

from autograd._identity import require_chainrule_package

require_chainrule_package("nn")

from autograd import collector  # noqa: E402
from autograd.anomaly import detect_anomaly  # noqa: E402
from autograd.backward import grad, topological_order  # noqa: E402
from autograd.draw import draw  # noqa: E402
from autograd.engine_check import EngineReport, EngineRow, check_engine  # noqa: E402
from autograd.errors import (  # noqa: E402
    AnomalyError,
    DomainError,
    GradcheckError,
    RenderError,
    TraceError,
)
from autograd.explain import Explanation, Step, explain  # noqa: E402
from autograd.expression import Expression, ExpressionError, compile_expression  # noqa: E402
from autograd.forward_mode import Jacobian, jacobian, jvp  # noqa: E402
from autograd.functions import *  # noqa: E402, F403 - one function per row of the table
from autograd.gradcheck import GradcheckReport, GradcheckRow, gradcheck, gradgradcheck  # noqa: E402
from autograd.hand_check import HandCheckReport, HandRow, check_gradients  # noqa: E402
from autograd.ops import OPS, Op  # noqa: E402
from autograd.primitive import primitive  # noqa: E402
from autograd.recording import enable_grad, is_grad_enabled, no_grad  # noqa: E402
from autograd.steps import BackwardSteps, Frame, backward_steps  # noqa: E402
from autograd.symbolic import to_sympy  # noqa: E402
from autograd.tape import Tape, trace  # noqa: E402
from autograd.value import Value  # noqa: E402

collector.apply_on_import()

from autograd import functions  # noqa: E402

__all__ = [
    "Value",
    "primitive",
    "jvp",
    "jacobian",
    "Jacobian",
    "grad",
    "topological_order",
    "no_grad",
    "enable_grad",
    "is_grad_enabled",
    "detect_anomaly",
    "collector",
    "Op",
    "OPS",
    "DomainError",
    "AnomalyError",
    "GradcheckError",
    "TraceError",
    "RenderError",
    "compile_expression",
    "Expression",
    "ExpressionError",
    "gradcheck",
    "gradgradcheck",
    "check_gradients",
    "GradcheckReport",
    "GradcheckRow",
    "HandCheckReport",
    "HandRow",
    "check_engine",
    "EngineReport",
    "EngineRow",
    "to_sympy",
    "explain",
    "Explanation",
    "Step",
    "draw",
    "backward_steps",
    "BackwardSteps",
    "Frame",
    "trace",
    "Tape",
]
__all__ += functions.__all__
