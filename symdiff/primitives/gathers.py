"""Gathers by integer index arrays, whose cotangents are scatter-adds (`np.add.at`: repeated
indices add up), and the class-index helpers of losses."""
from __future__ import annotations

import ast

from .. import pyast as A
from ..ir import ArrayOp
from .base import Constant, Identity, full, same_shape
from .constants import arange
from .subscripts import zeros_statement


class Gather(ArrayOp):
    """`x[:, i0, i1]`: index arrays (broadcast together) on consecutive axes from `axis`."""

    arity = None
    params = ("axis",)

    @staticmethod
    def shape(dims, x, *rest):
        *indices, axis = rest
        return tuple(x[:axis]) + dims.broadcast_shapes(*indices) + tuple(x[axis + len(indices):])

    def vjp(self, g, ans, x, *rest, needs):
        *indices, axis = rest
        return (ScatterAdd.build(x, full(g, ans), *indices, axis, None, stem="g"),) + (None,) * len(indices)

    def jvp(self, dots, ans, x, *rest, nb):
        *indices, axis = rest
        return Gather.build(dots[0], *indices, axis + nb)

    def numpy(self, L, x, *rest):
        *indices, axis = rest
        return A.subscript(x, [A.full_slice()] * axis + list(indices))

    def _sympystr(self, printer):
        x, *indices = self.operands
        index = [':'] * self.static[0] + [printer.doprint(i) for i in indices]
        return f"{printer.parenthesize(x, 999)}[{', '.join(index)}]"


class ScatterAdd(ArrayOp):
    """Zeros of `shape` (None: `like`'s shape; `like`'s dtype) with `g` added at index arrays on the
    axes from `axis` (`np.add.at`: repeated indices add): the cotangent of a gather."""

    arity = None
    params = ("axis", "shape")

    @staticmethod
    def shape(dims, like, g, *rest):
        return tuple(like if rest[-1] is None else rest[-1])

    def vjp(self, g, ans, like, value, *rest, needs):
        *indices, axis, shape = rest
        return (None, Gather.build(full(g, ans), *indices, axis)) + (None,) * len(indices)

    def jvp(self, dots, ans, like, value, *rest, nb):
        *indices, axis, shape = rest
        if dots[1] is None:
            return None
        return ScatterAdd.build(like, dots[1], *indices, axis + nb, dots[1].shape[:nb] + ans.shape if nb else shape)

    def numpy_statements(self, L, target, like, g, *rest):
        *indices, axis, shape = rest
        index = [A.call(A.name("slice"), A.const(None))] * axis + indices
        index = index[0] if len(index) == 1 else A.tuple_(index)
        add_at = A.call(A.attr(A.np("add"), "at"), A.name(target), index, g)
        return [zeros_statement(L, target, like, shape), ast.Expr(add_at)]

    def _sympystr(self, printer):
        like, g, *indices = (printer.doprint(a) for a in self.operands)
        return f"scatter_add({g}, [{', '.join([':'] * self.static[0] + indices)}])"


class TakeAlong(ArrayOp):
    """`np.take_along_axis(x, index, axis)` (torch.gather): the index array has `x`'s rank."""

    arity = 2
    params = ("axis",)
    numpy = "np.take_along_axis({a}, {b}, axis={axis})"

    @staticmethod
    def shape(dims, x, index, axis):
        return tuple(index[i] if i == axis else dims.broadcast(a, index[i]) for i, a in enumerate(x))

    def vjp(self, g, ans, x, index, axis, *, needs):
        graph = x.graph
        grids = [arange(graph, n).expand_dims(tuple(j for j in range(x.ndim) if j != i))
                 for i, n in enumerate(ans.shape) if i != axis]
        indices = grids[:axis] + [index] + grids[axis:]
        return ScatterAdd.build(x, full(g, ans), *indices, 0, None, stem="g"), None

    def jvp(self, dots, ans, x, index, axis, *, nb):
        return TakeAlong.build(dots[0], index.expand_dims(tuple(range(nb))), axis + nb)

    def _sympystr(self, printer):
        x, index = (printer.doprint(a) for a in self.args[:2])
        return f"take_along_axis({x}, {index}, axis={self.static[0]})"


class SafeIndex(Constant):
    """Class indices with `ignore` replaced by 0 (`np.where(t == -100, 0, t)`): every index valid."""

    params = ("ignore",)
    numpy = "np.where({x} == {ignore}, 0, {x})"
    shape = staticmethod(same_shape)


class Argsort(Constant):
    """`np.argsort(x, axis)`, stable: the order that sorts `x`, an index array (no derivative)."""

    params = ("axis",)
    numpy = "np.argsort({x}, axis={axis}, kind='stable')"
    shape = staticmethod(same_shape)


class Kept(Constant):
    """1.0 where a class index is not `ignore`, else 0.0, in `like`'s dtype."""

    arity = 2
    params = ("ignore",)
    numpy = "({a} != {ignore}).astype({b}.dtype)"

    @staticmethod
    def shape(dims, target, like, ignore):
        return tuple(target)

    def _sympystr(self, printer):
        return f"({printer.doprint(self.args[0])} != {self.static[0]})"


class Fresh(Identity):
    """`x.copy()`: the value as a node of its own, which index assignment may update (the update
    copies, so this node costs nothing)."""
