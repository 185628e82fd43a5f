"""Sizes as Python values, and the `math` module's functions of numbers and sizes.

`np.shape(x)`, `np.ndim`, `np.size`, and `math.sqrt(d)` for `d = x.shape[-1]`: known when the
function compiles."""
from __future__ import annotations

import math

import sympy as sp

from . import EXAMPLES, array, defop, example, register
from ..errors import UnsupportedSyntaxError
from ..ir import Value


def _dimension(graph, d):
    d = graph.dims.find(d)
    return int(d) if d.is_Integer else d


@defop("numpy.shape")
def np_shape(graph, a):
    return tuple(_dimension(graph, d) for d in array(graph, a, "the array").shape)


@defop("numpy.ndim")
def np_ndim(graph, a):
    return array(graph, a, "the array").ndim


@defop("numpy.size")
def np_size(graph, a, axis=None):
    shape = np_shape(graph, a)
    return shape[axis] if axis is not None else _dimension(graph, sp.Mul(*shape))


#: math's functions of one number, with the SymPy function for a dimension (`math.sqrt(N)`).
MATH = {"sqrt": sp.sqrt, "exp": sp.exp, "log": sp.log, "log2": lambda d: sp.log(d, 2), "log10": lambda d: sp.log(d, 10),
        "sin": sp.sin, "cos": sp.cos, "tanh": sp.tanh, "floor": sp.floor, "ceil": sp.ceiling}


def _math(name: str, fn):
    def impl(graph, x):
        if isinstance(x, Value):
            raise UnsupportedSyntaxError(f"`math.{name}` of an array", location=graph.location,
                                         hint=f"Use `np.{name}`: math's functions take Python numbers.")
        if isinstance(x, sp.Expr) and x.free_symbols:
            return fn(x)
        if isinstance(x, bool) or not isinstance(x, (int, float, sp.Expr)):
            raise UnsupportedSyntaxError(f"`math.{name}` of {x!r}", location=graph.location,
                                         hint="math's functions take numbers.")
        return getattr(math, name)(float(x))

    return impl


for _name, _fn in MATH.items():
    register(_math(_name, _fn), f"math.{_name}")

EXAMPLES.extend([
    example("a * np.shape(a)[0] + np.ndim(a) - np.size(a) + np.size(a, 1)", a=(3, 4)),
    example("a / math.sqrt(a.shape[-1]) + math.exp(a.shape[0]) * math.log(a.shape[1]) + math.log2(4)"
            " - math.log10(a.shape[0]) + math.sin(a.shape[0]) * math.cos(2) + math.tanh(a.shape[0])"
            " + math.floor(a.shape[1] / 3) * math.ceil(a.shape[0] / 2)", a=(3, 4)),
])
