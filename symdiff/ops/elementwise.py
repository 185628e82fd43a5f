"""Elementwise functions, one row each: numpy's name, the SymPy function, the domain the op test
draws inputs from, and spellings beyond `numpy.<name>`, `torch.<name>` and the `.<name>()` method.
SymPy gives their derivatives; `NUMPY_FUNCTIONS` is how the emitter spells them.
"""
from __future__ import annotations

from dataclasses import dataclass

import sympy as sp

from . import EXAMPLES, array, constant, defop, example, register
from ..scalar import absolute, log1p, relu, sigmoid, softplus, stop_gradient


@dataclass(frozen=True)
class Unary:
    numpy: str | None  # numpy's function (None: composed of others)
    fn: object  # the SymPy function
    domain: str = "real"
    torch: str | None = ""  # torch's name: "" for numpy's, None for none
    spellings: tuple = ()

    @property
    def names(self) -> tuple:
        names = [f"numpy.{self.numpy}"] if self.numpy else []
        torch = self.numpy if self.torch == "" else self.torch
        if torch:
            names += [f"torch.{torch}", f"method.{torch}"]
        return tuple(names) + self.spellings


UNARY = (
    Unary("exp", sp.exp),
    Unary("log", sp.log, "positive"),
    Unary("log1p", log1p, "positive"),
    Unary("sqrt", sp.sqrt, "positive"),
    Unary("tanh", sp.tanh, spellings=("torch.nn.functional.tanh",)),
    Unary("abs", absolute, spellings=("numpy.absolute", "torch.absolute", "builtins.abs", "method.__abs__")),
    Unary(None, sigmoid, torch="sigmoid", spellings=("symdiff.functional.sigmoid", "torch.nn.functional.sigmoid",
                                                      "scipy.special.expit")),
    Unary(None, relu, torch="relu", spellings=("symdiff.functional.relu",)),
    Unary(None, softplus, torch=None, spellings=("symdiff.functional.softplus",)),
    Unary(None, lambda u: -softplus(-u), torch=None,
          spellings=("symdiff.functional.logsigmoid", "torch.nn.functional.logsigmoid")),
)

#: How the emitter spells each SymPy function that numpy has under its own name.
NUMPY_FUNCTIONS = {row.fn: row.numpy for row in UNARY if row.numpy}


def _unary(fn):
    def impl(graph, input):
        return array(graph, input, "the argument").apply(fn)

    return impl


def _examples(row: Unary):
    """The op test's calls of a row: its first numpy, torch and method spellings."""
    spelled = {"numpy": "np.{}(a)", "torch": "torch.{}(a)", "method": "a.{}()", "symdiff": "{}(a)",
               "scipy": "{}(a)"}
    out = []
    for name in row.names:
        root, _, fn = name.partition(".")
        if root in spelled and not fn.startswith("__") and root != "builtins":
            expr = spelled[root].format(fn if root in ("numpy", "torch", "method") else name)
            out.append(example(expr, row.domain, second_order=True, a=(3, 4)))
    return out


for _row in UNARY:
    register(_unary(_row.fn), *_row.names)
    EXAMPLES.extend(_examples(_row))


@defop("symdiff.stop_gradient", "symdiff.functional.stop_gradient", "method.detach", "torch.detach")
def stop_gradient_op(graph, x):
    return array(graph, x, "the argument").apply(stop_gradient)


@defop("torch.nn.functional.relu")
def torch_relu(graph, input, inplace=False):
    return array(graph, input, "`input`").apply(relu)


@defop("torch.nn.functional.softplus")
def torch_softplus(graph, input, beta=1, threshold=20):
    """log(1 + exp(beta*x))/beta; torch's linear branch above `threshold` differs by under 1e-8."""
    x = array(graph, input, "`input`")
    beta = constant(graph, beta, "`beta`")
    return x.apply(softplus) if beta == 1 else (x * beta).apply(softplus) / beta


EXAMPLES.extend([
    example("abs(a) + symdiff.stop_gradient(b) * a + sf.stop_gradient(b) * a", wrt=("a",), a=(3, 4), b=(3, 4)),
    example("torch.detach(b) * a + b.detach() * a", wrt=("a",), a=(3, 4), b=(3, 4)),
    example("F.relu(a) + F.softplus(a) + F.softplus(a, beta=2)", a=(3, 4)),
])
