"""The array primitives of the IR. Each class is everything about one operation: its shape rule
(`shape`), its reverse rule (`vjp`), its forward rule (`jvp`), its numpy lowering (`numpy`: a
template or a method) and its math printing.

Rules are written with the IR's numpy-like `Value`s. `vjp(g, ans, *operands, *static, needs)`
returns one cotangent per array operand (None where zero or not needed); cotangents may stay smaller
than their value when they broadcast to it. `jvp(dots, ans, *operands, *static, nb)` returns the
output's tangent from the operands' tangents (None where zero), each with `nb` leading batch axes and
the full shape.
"""
from __future__ import annotations

import ast

import sympy as sp

from . import pyast as A
from .calculus import align, unbroadcast
from .ir import ArrayOp, Value, array_op, elementwise
from .scalar import equal, inf_at_zero
from .shapes import format_shape, matmul_shape


def _first_operand_shape(dims, shape, *static):
    return shape


class Constant(ArrayOp):
    """An array whose value does not depend on its operands' values (only on their shape and dtype)."""

    def vjp(self, g, ans, *args, needs):
        return (None,) * self.arity

    def jvp(self, dots, ans, *args, nb):
        return None


def full(g: Value, like: Value) -> Value:
    """`g` broadcast to exactly the shape of `like` (a constant fills an array of `like`'s dtype)."""
    if g.shape == like.shape and g.graph.node_symbols(g.expr):
        return g
    if not g.graph.node_symbols(g.expr):
        return FullLike.build(like, g.expr, label=g.label)
    return g.broadcast_to(like.shape)


# -- products ----------------------------------------------------------------------------------


class MatMul(ArrayOp):
    """numpy.matmul: 1-D operands as vectors, stacks of matrices broadcast against each other."""

    arity = 2
    numpy = "{a} @ {b}"

    @staticmethod
    def shape(dims, a, b):
        return matmul_shape(dims, a, b)

    def vjp(self, g, ans, a, b, *, needs):
        g = full(g, ans)
        if a.ndim > 2 or b.ndim > 2:
            return _stacked_matmul_vjp(g, a, b, needs)
        da = db = None
        if needs[0]:
            if b.ndim == 1:
                da = g * b if a.ndim == 1 else g.expand_dims((1,)) * b
            else:
                da = b @ g if a.ndim == 1 else g @ b.T
        if needs[1]:
            if a.ndim == 1:
                db = g * a if b.ndim == 1 else a.expand_dims((1,)) * g
            else:
                db = a.T @ g
        return da, db

    def jvp(self, dots, ans, a, b, *, nb):
        da, db = dots
        if a.ndim > 2 or b.ndim > 2:
            return _stacked_matmul_jvp(da, db, a, b, nb)
        terms = []
        if da is not None:
            terms.append(matmul(da, b))
        if db is not None:
            terms.append(matmul(db, a.T) if b.ndim == 1 else matmul(a, db))
        return terms[0] if len(terms) == 1 else terms[0] + terms[1]

    def _sympystr(self, printer):
        a, b = (printer.parenthesize(arg, 60) for arg in self.args)
        return f"{a} @ {b}"


def swap_last(v: Value) -> Value:
    """The last two axes swapped (the transpose of each matrix in a stack)."""
    n = v.ndim
    return v.transpose(tuple(range(n - 2)) + (n - 1, n - 2))


def _as_matrices(a: Value, b: Value):
    """The operands as stacks of matrices (a vector `a` as a row, a vector `b` as a column)."""
    return (a.expand_dims((0,)) if a.ndim == 1 else a), (b.expand_dims((1,)) if b.ndim == 1 else b)


def _stacked_matmul_vjp(g: Value, a: Value, b: Value, needs):
    """Cotangents of a @ b with stacks: g @ b^T and a^T @ g, summed over the broadcast stack axes."""
    am, bm = _as_matrices(a, b)
    gm = g.expand_dims((g.ndim,)) if b.ndim == 1 else g
    gm = gm.expand_dims((gm.ndim - 1,)) if a.ndim == 1 else gm
    full_shape = gm.shape[:-2]
    da = db = None
    if needs[0]:
        da = unbroadcast(matmul(gm, swap_last(bm)), am.shape, full_shape + am.shape[-2:])
        da = da.squeeze((0,)) if a.ndim == 1 else da
    if needs[1]:
        db = unbroadcast(matmul(swap_last(am), gm), bm.shape, full_shape + bm.shape[-2:])
        db = db.squeeze((1,)) if b.ndim == 1 else db
    return da, db


def _stacked_matmul_jvp(da, db, a: Value, b: Value, nb: int):
    """da @ b + a @ db with stacks: each tangent's stack axes padded to the result's, after its `nb`
    batch axes, so that batch axes do not broadcast against stack axes."""
    am, bm = _as_matrices(a, b)
    stack = max(am.ndim, bm.ndim) - 2
    terms = []
    for dot, value, matrix, row in ((da, a, am, True), (db, b, bm, False)):
        if dot is None:
            continue
        if value.ndim == 1:
            dot = dot.expand_dims((dot.ndim - 1,) if row else (dot.ndim,))
        dot = dot.expand_dims(tuple(range(nb, nb + stack - (matrix.ndim - 2))))
        terms.append(matmul(dot, bm) if row else matmul(am, dot))
    out = terms[0] if len(terms) == 1 else terms[0] + terms[1]
    cut = ((out.ndim - 2,) if a.ndim == 1 else ()) + ((out.ndim - 1,) if b.ndim == 1 else ())
    return out.squeeze(cut)


def matmul(a: Value, b: Value) -> Value:
    """a @ b with numpy's rules: 1-D operands as vectors, stacks of matrices broadcast."""
    graph = a.graph
    label = f"{a.label} @ {b.label}"
    for v in (a, b):
        if v.ndim == 0:
            raise graph.shape_error(
                f"`{label}`: `{v.label}` has shape {v.shape_text}; matrix products take arrays of at least 1 dimension",
                hint="Use `*` for products with scalars.",
            )
    shape = matmul_shape(graph.dims, a.shape, b.shape)
    if shape is None:
        raise graph.shape_error(
            f"`{label}`: `{a.label}` has shape {a.shape_text} and `{b.label}` has shape "
            f"{b.shape_text}; the inner dimensions must be equal and the stacks must broadcast",
            hint="Check the operand order, or transpose one of them with `.T`.",
        )
    structured = PL.structured_matmul(a, b)
    if structured is not None:
        return structured
    hint = f"{a.label}{b.label}" if a.label.isidentifier() and b.label.isidentifier() else "prod"
    return array_op(graph, MatMul(a.symbol, b.symbol), shape, label, hint=hint)


# -- axes --------------------------------------------------------------------------------------


class Transpose(ArrayOp):
    """Axes permuted by `perm`: axis i of the result is axis perm[i] of the operand."""

    params = ("perm",)
    view = True

    @staticmethod
    def shape(dims, x, perm):
        return tuple(x[p] for p in perm)

    def vjp(self, g, ans, x, perm, *, needs):
        return (full(g, ans).transpose(tuple(perm.index(i) for i in range(len(perm)))),)

    def jvp(self, dots, ans, x, perm, *, nb):
        return dots[0].transpose(tuple(range(nb)) + tuple(nb + p for p in perm))

    def numpy(self, L, x, perm):
        n = len(perm)
        if perm == tuple(reversed(range(n))):
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
        return (full(g, ans).squeeze(axes),)

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
    view = True

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


# -- reductions --------------------------------------------------------------------------------


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
        mask = graph.value(graph.add(mask.expr, mask.shape, hint="ties"))
        return mask / ReduceSum.build(mask, axes, True, label=f"count({mask.label})", hint="count")


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
    before = CumProd.build(Shift.build(x, a, 1, label=x.label), a, label=f"cumprod({x.label})", hint="before")
    flipped = Flip.build(x, a, label=x.label)
    after = Flip.build(CumProd.build(Shift.build(flipped, a, 1, label=x.label), a, label=x.label), a,
                       label=f"cumprod({x.label})", hint="after")
    along = before * after
    if len(axes) == 1:
        return along
    return along * _others(ReduceProd.build(x, (a,), True, label=f"prod({x.label})", hint="prod"), axes[1:])


def _axis_index(x, axis: int, index: ast.expr):
    """`x[:, index]`: `index` at `axis`, full slices before it."""
    return A.subscript(x, [A.full_slice()] * axis + [index])


class Shift(ArrayOp):
    """The elements moved one place on along `axis`: `fill` (0 or 1) enters first and the last one
    drops."""

    params = ("axis", "fill")
    shape = staticmethod(_first_operand_shape)

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
    shape = staticmethod(_first_operand_shape)

    def vjp(self, g, ans, x, axis, *, needs):
        return (Shift.build(full(g, ans), axis, 0, label=g.label),)

    def jvp(self, dots, ans, x, axis, *, nb):
        return Unshift.build(dots[0], nb + axis, label=dots[0].label)

    def numpy(self, L, x, axis):
        rest = _axis_index(x, axis, ast.Slice(A.const(1), None))
        last = A.call(A.np("zeros_like"), _axis_index(x, axis, ast.Slice(None, A.const(1))))
        return A.call(A.np("concatenate"), A.tuple_([rest, last]), axis=A.const(axis))


class Flip(ArrayOp):
    """numpy.flip along `axis` (a view)."""

    params = ("axis",)
    view = True
    numpy = "np.flip({x}, axis={axis})"
    shape = staticmethod(_first_operand_shape)

    def vjp(self, g, ans, x, axis, *, needs):
        return (Flip.build(full(g, ans), axis, label=g.label),)

    def jvp(self, dots, ans, x, axis, *, nb):
        return Flip.build(dots[0], nb + axis, label=dots[0].label)


def _reversed_cumsum(g: Value, axis: int) -> Value:
    """Sums from each element to the end along `axis`."""
    return Flip.build(CumSum.build(Flip.build(g, axis, label=g.label), axis, label=g.label), axis,
                      label=f"cumsum({g.label})")


class CumSum(ArrayOp):
    """numpy.cumsum along `axis`."""

    params = ("axis",)
    numpy = "np.cumsum({x}, axis={axis})"
    shape = staticmethod(_first_operand_shape)

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
    shape = staticmethod(_first_operand_shape)

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

    def mask(expr, hint):
        return graph.value(graph.add(equal(*expr), x.shape, hint=hint))

    zero = mask((x.expr, 0), "zero")
    seen = CumSum.build(zero, axis, label=zero.label, hint="zeros")
    before, upto = mask((seen.expr, 0), "before"), mask((seen.expr, zero.expr), "upto")
    return before, upto * zero, x + zero, CumProd.build(x * (1 - upto) + upto, axis, label=x.label, hint="after")


# -- constants ---------------------------------------------------------------------------------


class FullLike(Constant):
    """An array of `like`'s shape and dtype filled with a constant (`np.full_like`)."""

    params = ("value",)

    def numpy(self, L, like, value):
        if value == 0:
            return A.call(A.np("zeros_like"), like)
        return A.call(A.np("full_like"), like, L(value))

    shape = staticmethod(_first_operand_shape)


class Full(Constant):
    """An array of a given shape filled with a constant, in `like`'s dtype."""

    params = ("shape", "value")

    @staticmethod
    def shape(dims, like, shape, value):
        return tuple(shape)

    def numpy(self, L, like, shape, value):
        dtype = A.attr(like, "dtype")
        if value == 0:
            return A.call(A.np("zeros"), L.shape(shape), dtype=dtype)
        return A.call(A.np("full"), L.shape(shape), L(value), dtype=dtype)

    def _sympystr(self, printer):
        return f"full({format_shape(self.args[1])}, {printer.doprint(self.args[2])})"


# -- identities --------------------------------------------------------------------------------


class Identity(ArrayOp):
    """The value itself, as a node of its own (a unique `tag` keeps it from being shared): the
    parameter of an inlined transformed function, or a gradient under its own name."""

    params = ("tag",)
    view = True
    numpy = "{x}"
    shape = staticmethod(_first_operand_shape)

    def vjp(self, g, ans, x, tag, *, needs):
        return (g,)

    def jvp(self, dots, ans, x, tag, *, nb):
        return dots[0]

    def _sympystr(self, printer):
        return printer.doprint(self.args[0])


class Copy(Identity):
    """A fresh copy, so that no output aliases an input or another output (the tag, a number, keeps
    two copies of one value apart)."""

    view = False
    numpy = "{x}.copy()"


from . import primitives_linalg as PL  # noqa: E402  (structured tangents of Jacobians)
