"""Constant arrays built from sizes, in the dtype of an operand: eye, arange, linspace."""
from __future__ import annotations

import sympy as sp

from .. import pyast as A
from .base import Constant


class Eye(Constant):
    """numpy.eye(n, m, k) in `like`'s dtype."""

    params = ("n", "m", "k")

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
    """numpy.arange(start, stop, step) of `size` elements, in `like`'s dtype."""

    params = ("start", "stop", "step", "size")

    @staticmethod
    def shape(dims, like, start, stop, step, size):
        return (sp.sympify(size),)

    def numpy(self, L, like, start, stop, step, size):
        args = [start, stop, step] if step != 1 else [start, stop] if start != 0 else [stop]
        return A.call(A.np("arange"), *(L.static(a) for a in args), dtype=A.attr(like, "dtype"))

    def _sympystr(self, printer):
        start, stop, step, size = self.static
        return f"arange({start}, {stop}, {step})"


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
