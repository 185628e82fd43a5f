"""Structural primitives: reshaping, joining, slicing and padding along an axis, flipping, rolling,
diagonals (what ops/reshaping.py, joining.py, reordering.py and diagonals.py compose)."""
from __future__ import annotations

import ast

import sympy as sp

from .. import pyast as A
from ..ir import ArrayOp, Value
from ..shapes import format_shape
from .axes import ExpandDims
from .base import Full, full, same_shape, uniform
from .constants import Eye


def base(v: Value) -> Value:
    """The array `v` is a view of (the same dtype: what a constant beside it takes its dtype from)."""
    node = v.graph.nodes.get(v.expr)
    while node is not None and isinstance(node.definition, ArrayOp) and node.definition.view:
        node = v.graph[node.definition.args[0]]
    return v if node is None else v.graph.value(node.symbol)


class Reshape(ArrayOp):
    """numpy.reshape onto `shape` (dimension expressions: `(2*N, 3)`; a view where numpy can)."""

    params = ("shape",)
    view = True

    @staticmethod
    def shape(dims, x, shape):
        return tuple(shape)

    def vjp(self, g, ans, x, shape, *, needs):
        return (g if uniform(g) else reshape(full(g, ans), x.shape),)

    def jvp(self, dots, ans, x, shape, *, nb):
        return reshape(dots[0], dots[0].shape[:nb] + tuple(shape))

    def numpy(self, L, x, shape):
        """`x.reshape(N, 3)`; `-1` for the one size that is a formula of others (`x.reshape(-1)`)."""
        shape = [sp.sympify(d) for d in shape]
        inferred = next((i for i, d in enumerate(shape) if not (d.is_Integer or d.is_Symbol)), None)
        if len(shape) == 1:
            inferred = 0
        sizes = [A.const(-1) if i == inferred else L.static(d) for i, d in enumerate(shape)]
        return A.method(x, "reshape", *sizes) if sizes else A.method(x, "reshape", A.tuple_(()))

    def _sympystr(self, printer):
        return f"reshape({printer.doprint(self.args[0])}, {format_shape(self.args[1])})"


def reshape(x: Value, shape) -> Value:
    """`x` reshaped (itself if the shape is its own; a reshape of a reshape reshapes the original)."""
    shape = tuple(sp.sympify(d) for d in shape)
    if shape == x.shape:
        return x
    node = x.graph.nodes.get(x.expr)
    if node is not None and isinstance(node.definition, Reshape):
        x = x.graph.value(node.definition.args[0])
        if shape == x.shape:
            return x
    return Reshape.build(x, shape, label=x.label)


class Concatenate(ArrayOp):
    """numpy.concatenate of any number of operands along `axis`."""

    arity = None
    params = ("axis",)

    @staticmethod
    def shape(dims, *args):
        *shapes, axis = args
        return shapes[0][:axis] + (sp.Add(*(s[axis] for s in shapes)),) + shapes[0][axis + 1:]

    def vjp(self, g, ans, *args, needs):
        *operands, axis = args
        if uniform(g):
            return tuple(g if need else None for need in needs)
        g, start, out = full(g, ans), sp.Integer(0), []
        for v, need in zip(operands, needs):
            stop = start + v.shape[axis]
            out.append(Slice.build(g, axis, start, stop, label=g.label) if need else None)
            start = stop
        return tuple(out)

    def jvp(self, dots, ans, *args, nb):
        *operands, axis = args
        some = base(next(d for d in dots if d is not None))
        dots = [Full.build(some, some.shape[:nb] + v.shape, 0) if d is None else d for d, v in zip(dots, operands)]
        return Concatenate.build(*dots, nb + axis)

    def numpy(self, L, *args):
        *operands, axis = args
        kwargs = {"axis": A.const(axis)} if axis else {}
        return A.call(A.np("concatenate"), A.tuple_(operands), **kwargs)

    def _sympystr(self, printer):
        *operands, axis = self.args
        return f"concatenate(({', '.join(printer.doprint(a) for a in operands)}), axis={axis})"


class Slice(ArrayOp):
    """`x[..., start:stop]` along `axis` (bounds are dimension expressions)."""

    params = ("axis", "start", "stop")
    view = True

    @staticmethod
    def shape(dims, x, axis, start, stop):
        return x[:axis] + (sp.sympify(stop - start),) + x[axis + 1:]

    def vjp(self, g, ans, x, axis, start, stop, *, needs):
        return (Pad.build(full(g, ans), axis, start, x.shape[axis] - stop, label=g.label),)

    def jvp(self, dots, ans, x, axis, start, stop, *, nb):
        return Slice.build(dots[0], nb + axis, start, stop)

    def numpy(self, L, x, axis, start, stop):
        bounds = ast.Slice(L.static(start) if start != 0 else None, L.static(stop))
        return A.subscript(x, [A.full_slice()] * axis + [bounds])

    def _sympystr(self, printer):
        axis, start, stop = self.static
        return f"{printer.parenthesize(self.args[0], 999)}[{':, ' * axis}{start}:{stop}]"


class Index(ArrayOp):
    """`x[..., index]` along `axis`, the axis removed (a view)."""

    params = ("axis", "index")
    view = True

    @staticmethod
    def shape(dims, x, axis, index):
        return x[:axis] + x[axis + 1:]

    def vjp(self, g, ans, x, axis, index, *, needs):
        g = ExpandDims.build(full(g, ans), (axis,), label=g.label)
        return (Pad.build(g, axis, index, x.shape[axis] - index - 1, label=g.label),)

    def jvp(self, dots, ans, x, axis, index, *, nb):
        return Index.build(dots[0], nb + axis, index)

    def numpy(self, L, x, axis, index):
        return A.subscript(x, [A.full_slice()] * axis + [L.static(index)])

    def _sympystr(self, printer):
        axis, index = self.static
        return f"{printer.parenthesize(self.args[0], 999)}[{':, ' * axis}{index}]"


def squeeze(x: Value, axes: tuple) -> Value:
    """`x` without the size-1 axes `axes`; a one-wide slice squeezed is an index (`g[:, 1]`)."""
    node = x.graph.nodes.get(x.expr)
    if len(axes) == 1 and node is not None and isinstance(node.definition, Slice) \
            and node.definition.static[0] == axes[0]:
        return Index.build(x.graph.value(node.definition.args[0]), *node.definition.static[:2], label=x.label)
    return x.squeeze(axes)


class Pad(ArrayOp):
    """Zeros added before and after along `axis` (numpy.pad; the cotangent of a slice)."""

    params = ("axis", "before", "after")

    @staticmethod
    def shape(dims, x, axis, before, after):
        return x[:axis] + (sp.sympify(before + x[axis] + after),) + x[axis + 1:]

    def vjp(self, g, ans, x, axis, before, after, *, needs):
        return (Slice.build(full(g, ans), axis, before, before + x.shape[axis], label=g.label),)

    def jvp(self, dots, ans, x, axis, before, after, *, nb):
        return Pad.build(dots[0], nb + axis, before, after)

    def numpy(self, L, x, axis, before, after):
        widths = [A.const((0, 0))] * axis + [A.tuple_((L.static(before), L.static(after)))]
        return A.call(A.np("pad"), x, A.tuple_(widths))

    def _sympystr(self, printer):
        axis, before, after = self.static
        return f"pad({printer.doprint(self.args[0])}, axis={axis}, width=({before}, {after}))"


class Flip(ArrayOp):
    """numpy.flip over `axes` (a view)."""

    params = ("axes",)
    view = True
    shape = staticmethod(same_shape)

    def vjp(self, g, ans, x, axes, *, needs):
        return (g if uniform(g) else Flip.build(full(g, ans), axes, label=g.label),)

    def jvp(self, dots, ans, x, axes, *, nb):
        return Flip.build(dots[0], tuple(nb + a for a in axes))

    def numpy(self, L, x, axes):
        return A.call(A.np("flip"), x, axis=A.axis(axes))


class Roll(ArrayOp):
    """numpy.roll by `shifts` along `axes`."""

    params = ("shifts", "axes")
    shape = staticmethod(same_shape)

    def vjp(self, g, ans, x, shifts, axes, *, needs):
        return (g if uniform(g) else Roll.build(full(g, ans), tuple(-s for s in shifts), axes, label=g.label),)

    def jvp(self, dots, ans, x, shifts, axes, *, nb):
        return Roll.build(dots[0], shifts, tuple(nb + a for a in axes))

    def numpy(self, L, x, shifts, axes):
        one = len(axes) == 1
        return A.call(A.np("roll"), x, A.const(shifts[0] if one else shifts), axis=A.axis(axes))


class Diagonal(ArrayOp):
    """numpy.diagonal of the square pair of axes `axis1` < `axis2`, as the last axis (a read-only view)."""

    params = ("axis1", "axis2")
    view = readonly = True

    @staticmethod
    def shape(dims, x, axis1, axis2):
        return tuple(d for i, d in enumerate(x) if i not in (axis1, axis2)) + (x[axis1],)

    def vjp(self, g, ans, x, axis1, axis2, *, needs):
        if uniform(g) and x.ndim == 2:
            return (Eye.build(base(ans), ans.shape[0], ans.shape[0], 0) * g,)
        g = full(g, ans)
        n = g.shape[-1]
        square = g.expand_dims((g.ndim,)) * Eye.build(base(g), n, n, 0)  # (..., n, n), g on the diagonal
        rest = iter(range(g.ndim - 1))
        perm = tuple(g.ndim - 1 if i == axis1 else g.ndim if i == axis2 else next(rest) for i in range(x.ndim))
        return (square.transpose(perm),)

    def jvp(self, dots, ans, x, axis1, axis2, *, nb):
        return Diagonal.build(dots[0], nb + axis1, nb + axis2)

    def numpy(self, L, x, axis1, axis2):
        kwargs = {} if (axis1, axis2) == (0, 1) else {"axis1": A.const(axis1), "axis2": A.const(axis2)}
        return A.call(A.np("diagonal"), x, **kwargs)
