"""Cumulative sums and products along an axis, and the one-place shifts their derivatives use."""
from __future__ import annotations

import ast

from .. import pyast as A
from ..ir import ArrayOp, Value
from ..scalar import equal
from .base import full, same_shape
from .structure import Flip


def _axis_index(x, axis: int, index: ast.expr):
    """`x[:, index]`: `index` at `axis`, full slices before it."""
    return A.subscript(x, [A.full_slice()] * axis + [index])


class Shift(ArrayOp):
    """The elements moved one place on along `axis`: `fill` (0 or 1) enters first and the last one
    drops."""

    params = ("axis", "fill")
    shape = staticmethod(same_shape)

    def vjp(self, g, ans, x, axis, fill, *, needs):
        return (Unshift.build(full(g, ans), axis, label=g.label),)

    def jvp(self, dots, ans, x, axis, fill, *, nb):
        return Shift.build(dots[0], nb + axis, 0, label=dots[0].label)

    def numpy(self, L, x, axis, fill):
        first = A.call(A.np("ones_like" if fill == 1 else "zeros_like"), _axis_index(x, axis, ast.Slice(None, A.const(1))))
        rest = _axis_index(x, axis, ast.Slice(None, A.const(-1)))
        return A.call(A.np("concatenate"), A.tuple_([first, rest]), axis=A.const(axis))


class Unshift(ArrayOp):
    """The elements moved one place back along `axis`: the first drops and a zero enters last
    (the transpose of `Shift`)."""

    params = ("axis",)
    shape = staticmethod(same_shape)

    def vjp(self, g, ans, x, axis, *, needs):
        return (Shift.build(full(g, ans), axis, 0, label=g.label),)

    def jvp(self, dots, ans, x, axis, *, nb):
        return Unshift.build(dots[0], nb + axis, label=dots[0].label)

    def numpy(self, L, x, axis):
        rest = _axis_index(x, axis, ast.Slice(A.const(1), None))
        last = A.call(A.np("zeros_like"), _axis_index(x, axis, ast.Slice(None, A.const(1))))
        return A.call(A.np("concatenate"), A.tuple_([rest, last]), axis=A.const(axis))


def _reversed_cumsum(g: Value, axis: int) -> Value:
    """Sums from each element to the end along `axis`."""
    return Flip.build(CumSum.build(Flip.build(g, (axis,), label=g.label), axis, label=g.label), (axis,),
                      label=f"cumsum({g.label})")


class CumSum(ArrayOp):
    """numpy.cumsum along `axis`."""

    params = ("axis",)
    numpy = "np.cumsum({x}, axis={axis})"
    shape = staticmethod(same_shape)

    def vjp(self, g, ans, x, axis, *, needs):
        return (_reversed_cumsum(full(g, ans), axis),)

    def jvp(self, dots, ans, x, axis, *, nb):
        return CumSum.build(dots[0], nb + axis, label=dots[0].label)


class CumProd(ArrayOp):
    """numpy.cumprod along `axis`, with torch's derivative, exact where elements are zero: before the
    first zero of a line it divides by the elements, at the first zero it is the product of the
    others, after it zero."""

    params = ("axis",)
    numpy = "np.cumprod({x}, axis={axis})"
    shape = staticmethod(same_shape)

    def vjp(self, g, ans, x, axis, *, needs):
        before, at, safe, after = _first_zero(x, axis)
        g = full(g, ans)
        exclusive = Shift.build(ans, axis, 1, label=ans.label)
        return (_reversed_cumsum(g * ans, axis) / safe * before + exclusive * at * _reversed_cumsum(g * after, axis),)

    def jvp(self, dots, ans, x, axis, *, nb):
        before, at, safe, after = _first_zero(x, axis)
        exclusive = Shift.build(ans, axis, 1, label=ans.label)
        dot = dots[0]
        return ans * CumSum.build(dot * before / safe, nb + axis, label=dot.label) \
            + after * CumSum.build(dot * (exclusive * at), nb + axis, label=dot.label)


def _first_zero(x: Value, axis: int):
    """Along `axis`, with z the first zero of x: masks of the elements before z and of z itself, x
    with its zeros replaced by 1 (a safe divisor), and the cumulative products of the elements after
    z (1 up to it)."""
    graph = x.graph

    def mask(expr, stem):
        return graph.value(graph.add(equal(*expr), x.shape, stem=stem))

    zero = mask((x.expr, 0), "zero")
    seen = CumSum.build(zero, axis, label=zero.label, stem="zeros")
    before, upto = mask((seen.expr, 0), "before"), mask((seen.expr, zero.expr), "upto")
    return before, upto * zero, x + zero, CumProd.build(x * (1 - upto) + upto, axis, label=x.label, stem="after")
