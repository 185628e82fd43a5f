"""Constant arrays built from sizes, in the dtype of an operand: eye, arange, linspace."""
from __future__ import annotations

import sympy as sp

from .. import pyast as A
from ..ir import Value, array_op
from .base import Constant


class Eye(Constant):
    """numpy.eye(n, m, k) in `like`'s dtype; the square one with k = 0 is the identity factor of
    structured einsums (see `einsums`)."""

    params = ("n", "m", "k")

    @property
    def identity(self) -> bool:
        n, m, k = self.static
        return n == m and k == 0

    @staticmethod
    def shape(dims, like, n, m, k):
        return (sp.sympify(n), sp.sympify(m))

    def numpy(self, L, like, n, m, k):
        args = [L.static(n)] + ([L.static(m)] if m != n else [])
        kwargs = {"k": A.const(k)} if k else {}
        return A.call(A.np("eye"), *args, **kwargs, dtype=A.attr(like, "dtype"))

    def _sympystr(self, printer):
        n, m, k = self.static
        return f"eye({n}, {m}, k={k})" if k else f"eye({n}, {m})"


class Arange(Constant):
    """numpy.arange(start, stop, step) of `size` elements, in `like`'s dtype; without `like`,
    integers (an index array)."""

    arity = None
    params = ("start", "stop", "step", "size")
    is_number = False  # without `like`, no operands, but an array

    @staticmethod
    def shape(dims, *args):
        return (sp.sympify(args[-1]),)

    @property
    def integers(self) -> bool:
        return not self.operands

    def numpy(self, L, *args):
        *like, start, stop, step, size = args
        bounds = [start, stop, step] if step != 1 else [start, stop] if start != 0 else [stop]
        dtype = {"dtype": A.attr(like[0], "dtype")} if like else {}
        return A.call(A.np("arange"), *(L.static(a) for a in bounds), **dtype)

    def _sympystr(self, printer):
        start, stop, step, size = self.static
        return f"arange({stop})" if (start, step) == (0, 1) else f"arange({start}, {stop}, {step})"


def arange(graph, stop, start=0, step=1, size=None) -> Value:
    """`np.arange(start, stop, step)` of `size` elements (`stop` for the default start and step) as
    integers: an index array."""
    start, stop, step = (sp.sympify(a) for a in (start, stop, step))
    size = stop if size is None else sp.sympify(size)
    op = Arange(start, stop, step, size)
    return array_op(graph, op, (size,), str(op), stem="rows")


class Linspace(Constant):
    """numpy.linspace(start, stop, num, endpoint) in `like`'s dtype."""

    params = ("start", "stop", "num", "endpoint")

    @staticmethod
    def shape(dims, like, start, stop, num, endpoint):
        return (sp.sympify(num),)

    def numpy(self, L, like, start, stop, num, endpoint):
        kwargs = {} if endpoint else {"endpoint": A.const(False)}
        return A.call(A.np("linspace"), L.static(start), L.static(stop), L.static(num), **kwargs,
                      dtype=A.attr(like, "dtype"))

    def _sympystr(self, printer):
        return "linspace({}, {}, {})".format(*self.static[:3])
