"""Axes permuted, added, removed and broadcast: transpose, expand_dims, squeeze, broadcast_to (views)."""
from __future__ import annotations

import sympy as sp

from .. import pyast as A
from ..calculus import align, unbroadcast
from ..ir import ArrayOp
from ..shapes import format_shape
from .base import full, uniform


class Transpose(ArrayOp):
    """Axes permuted by `perm`: axis i of the result is axis perm[i] of the operand."""

    params = ("perm",)
    view = True

    @staticmethod
    def shape(dims, x, perm):
        return tuple(x[p] for p in perm)

    def vjp(self, g, ans, x, perm, *, needs):
        return (g if uniform(g) else full(g, ans).transpose(tuple(perm.index(i) for i in range(len(perm)))),)

    def jvp(self, dots, ans, x, perm, *, nb):
        return dots[0].transpose(tuple(range(nb)) + tuple(nb + p for p in perm))

    def numpy(self, L, x, perm):
        n = len(perm)
        if n == 2 and perm == (1, 0):
            return A.attr(x, "T")
        if perm == tuple(range(n - 2)) + (n - 1, n - 2):
            return A.method(x, "swapaxes", A.const(-1), A.const(-2))
        return A.method(x, "transpose", A.const(perm))

    def _sympystr(self, printer):
        arg = printer.parenthesize(self.args[0], 999)
        perm = self.static[0]
        return f"{arg}.T" if perm == tuple(reversed(range(len(perm)))) else f"{arg}.transpose{perm}"


def _indexed(printer, x, axes: tuple, marker: str) -> str:
    """`x[:, None]`-style text: `marker` at the axes, `:` elsewhere."""
    index = ", ".join(marker if i in axes else ":" for i in range(max(axes) + 1))
    return f"{printer.parenthesize(x, 999)}[{index}]"


def _index_ast(x, axes: tuple, marker):
    return A.subscript(x, [A.const(marker) if i in axes else A.full_slice() for i in range(max(axes) + 1)])


class ExpandDims(ArrayOp):
    """New size-1 axes at positions `axes` of the result."""

    params = ("axes",)
    view = True

    @staticmethod
    def shape(dims, x, axes):
        shape = list(x)
        for a in sorted(axes):
            shape.insert(a, sp.Integer(1))
        return tuple(shape)

    def vjp(self, g, ans, x, axes, *, needs):
        return (g if uniform(g) else squeeze(full(g, ans), axes),)

    def jvp(self, dots, ans, x, axes, *, nb):
        return dots[0].expand_dims(tuple(nb + a for a in axes))

    def numpy(self, L, x, axes):
        return _index_ast(x, axes, None)

    def _sympystr(self, printer):
        return _indexed(printer, self.args[0], self.static[0], "None")


class Squeeze(ArrayOp):
    """Size-1 axes `axes` removed."""

    params = ("axes",)
    view = True

    @staticmethod
    def shape(dims, x, axes):
        return tuple(d for i, d in enumerate(x) if i not in axes)

    def vjp(self, g, ans, x, axes, *, needs):
        return (g.expand_dims(axes),)

    def jvp(self, dots, ans, x, axes, *, nb):
        return dots[0].squeeze(tuple(nb + a for a in axes))

    def numpy(self, L, x, axes):
        return _index_ast(x, axes, 0)

    def _sympystr(self, printer):
        return _indexed(printer, self.args[0], self.static[0], "0")


class BroadcastTo(ArrayOp):
    """numpy.broadcast_to onto a shape (a read-only view)."""

    params = ("shape",)
    view = readonly = True

    @staticmethod
    def shape(dims, x, shape):
        return tuple(shape)

    def vjp(self, g, ans, x, shape, *, needs):
        return (unbroadcast(g, x.shape, ans.shape),)

    def jvp(self, dots, ans, x, shape, *, nb):
        return align(dots[0], len(shape), nb).broadcast_to(dots[0].shape[:nb] + tuple(shape))

    def numpy(self, L, x, shape):
        return A.call(A.np("broadcast_to"), x, L.shape(shape))

    def _sympystr(self, printer):
        return f"broadcast_to({printer.doprint(self.args[0])}, {format_shape(self.args[1])})"


from .structure import squeeze  # noqa: E402  (a one-wide slice squeezed is an index)
