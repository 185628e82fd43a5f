"""Reductions over axes: sum, max and min (ties share the gradient), norms and products."""
from __future__ import annotations

import ast

import sympy as sp

from .. import pyast as A
from ..ir import ArrayOp, Value, elementwise
from ..scalar import equal, inf_at_zero
from .base import full
from .cumulative import CumProd, Shift
from .structure import Flip


class Reduction(ArrayOp):
    """A reduction over `axes`, keeping them as size 1 when `keepdims`, lowered as the method
    `x.<method>(axis=...)`. In a scheduled program, empty `axes` means every axis (`x.sum()`)."""

    params = ("axes", "keepdims")
    method = ""

    @staticmethod
    def shape(dims, x, axes, keepdims):
        return tuple(sp.Integer(1) if i in axes else d for i, d in enumerate(x) if keepdims or i not in axes)

    def numpy(self, L, x, axes, keepdims):
        kwargs = {"axis": A.axis(axes)} if axes else {}
        if keepdims:
            kwargs["keepdims"] = A.const(True)
        return A.method(x, self.method, **kwargs)

    def rows(self, batched, x):
        axes = self.static[0]
        return bool(axes) and 0 not in axes

    def _sympystr(self, printer):
        axes, keepdims = self.static
        keep = ", keepdims=True" if keepdims else ""
        return f"{self.method}({printer.doprint(self.args[0])}, axis={axes}{keep})"


def kept(v: Value, ans: Value, axes: tuple, keepdims: bool) -> Value:
    """`v`, of a reduction's result shape (or broadcasting to it), with the reduced `axes` back as
    size 1, so that it broadcasts against the reduction's operand."""
    if keepdims or v.ndim == 0:
        return v
    return (full(v, ans) if v.ndim < ans.ndim else v).expand_dims(axes)


class ReduceSum(Reduction):
    """Sum over `axes`."""

    method = "sum"

    def vjp(self, g, ans, x, axes, keepdims, *, needs):
        return (g if keepdims else g.expand_dims(axes),)

    def jvp(self, dots, ans, x, axes, keepdims, *, nb):
        return dots[0].sum(axis=tuple(nb + a for a in axes), keepdims=keepdims)


class ReduceMax(Reduction):
    """Maximum over `axes`. Tied elements share the derivative evenly, as in torch's amax."""

    method = "max"

    def vjp(self, g, ans, x, axes, keepdims, *, needs):
        return (kept(g, ans, axes, keepdims) * self.shares(ans, x, axes, keepdims),)

    def jvp(self, dots, ans, x, axes, keepdims, *, nb):
        return (dots[0] * self.shares(ans, x, axes, keepdims)).sum(axis=tuple(nb + a for a in axes),
                                                                   keepdims=keepdims)

    @staticmethod
    def shares(ans, x, axes, keepdims) -> Value:
        """Each element's share of the derivative: 1/(number of ties) where it attains the result."""
        graph = x.graph
        mask = elementwise(equal, x, kept(ans, ans, axes, keepdims))
        mask = graph.value(graph.add(mask.expr, mask.shape, stem="ties"))
        return mask / ReduceSum.build(mask, axes, True, label=f"count({mask.label})", stem="count")


class ReduceMin(ReduceMax):
    """Minimum over `axes`, ties sharing the derivative evenly."""

    method = "min"


class ReduceNorm(Reduction):
    """The 2-norm over `axes`. Its gradient x/norm is 0 where the norm is 0, as in torch."""

    method = "norm"

    def vjp(self, g, ans, x, axes, keepdims, *, needs):
        return (x * kept(g, ans, axes, keepdims) / kept(ans.apply(inf_at_zero), ans, axes, keepdims),)

    def jvp(self, dots, ans, x, axes, keepdims, *, nb):
        return (dots[0] * x).sum(axis=tuple(nb + a for a in axes), keepdims=keepdims) / ans.apply(inf_at_zero)

    def numpy(self, L, x, axes, keepdims):
        """np.linalg.norm over every axis or up to two of them, else the root of a sum of squares."""
        kwargs = {"keepdims": A.const(True)} if keepdims else {}
        if len(axes) <= 2:
            if axes:
                kwargs = {"axis": A.axis(axes), **kwargs}
            return A.call(A.attr(A.np("linalg"), "norm"), x, **kwargs)
        return A.call(A.np("sqrt"), A.method(ast.BinOp(x, ast.Mult(), x), "sum", axis=A.axis(axes), **kwargs))


class ReduceProd(Reduction):
    """Product over `axes`. The derivative is the product of the other elements, from exclusive
    cumulative products (exact where elements are zero, unlike `ans / x`)."""

    method = "prod"

    def vjp(self, g, ans, x, axes, keepdims, *, needs):
        return (kept(g, ans, axes, keepdims) * _others(x, axes),)

    def jvp(self, dots, ans, x, axes, keepdims, *, nb):
        return (dots[0] * _others(x, axes)).sum(axis=tuple(nb + a for a in axes), keepdims=keepdims)


def _others(x: Value, axes: tuple) -> Value:
    """Each element's product of the other elements over `axes`: along the first axis, the
    exclusive products from both ends; over the rest, the same for the products along it."""
    a = axes[0]
    before = CumProd.build(Shift.build(x, a, 1, label=x.label), a, label=f"cumprod({x.label})", stem="before")
    flipped = Flip.build(x, (a,), label=x.label)
    after = Flip.build(CumProd.build(Shift.build(flipped, a, 1, label=x.label), a, label=x.label), (a,),
                       label=f"cumprod({x.label})", stem="after")
    along = before * after
    if len(axes) == 1:
        return along
    return along * _others(ReduceProd.build(x, (a,), True, label=f"prod({x.label})", stem="prod"), axes[1:])
