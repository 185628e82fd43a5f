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

from . import names, pyast as A
from .calculus import align, unbroadcast
from .ir import ArrayOp, Value, array_op, elementwise
from .scalar import equal, inf_at_zero
from .shapes import format_shape, matmul_shape


def _first_operand_shape(dims, shape, *static):
    return shape


class Constant(ArrayOp):
    """An array whose value does not depend on its operands' values (only on their shape and dtype)."""

    def vjp(self, g, ans, *args, needs):
        return (None,) * len(self.operands)

    def jvp(self, dots, ans, *args, nb):
        return None


def full(g: Value, like: Value) -> Value:
    """`g` broadcast to exactly the shape of `like` (a constant fills an array of `like`'s dtype)."""
    if g.shape == like.shape and g.graph.node_symbols(g.expr):
        return g
    if not g.graph.node_symbols(g.expr):
        return FullLike.build(like, g.expr, label=g.label)
    return g.broadcast_to(like.shape)


def _uniform(g: Value) -> bool:
    """Whether a cotangent is one number everywhere: reordering its elements leaves it as it is."""
    return not g.graph.node_symbols(g.expr)


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
    return array_op(graph, MatMul(a.symbol, b.symbol), shape, label, stem=names.product(a.label, b.label))


# -- axes --------------------------------------------------------------------------------------


class Transpose(ArrayOp):
    """Axes permuted by `perm`: axis i of the result is axis perm[i] of the operand."""

    params = ("perm",)
    view = True

    @staticmethod
    def shape(dims, x, perm):
        return tuple(x[p] for p in perm)

    def vjp(self, g, ans, x, perm, *, needs):
        return (g if _uniform(g) else full(g, ans).transpose(tuple(perm.index(i) for i in range(len(perm)))),)

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
        return (g if _uniform(g) else squeeze(full(g, ans), axes),)

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


def _reversed_cumsum(g: Value, axis: int) -> Value:
    """Sums from each element to the end along `axis`."""
    return Flip.build(CumSum.build(Flip.build(g, (axis,), label=g.label), axis, label=g.label), (axis,),
                      label=f"cumsum({g.label})")  # Flip: in the structure section below


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

    def mask(expr, stem):
        return graph.value(graph.add(equal(*expr), x.shape, stem=stem))

    zero = mask((x.expr, 0), "zero")
    seen = CumSum.build(zero, axis, label=zero.label, stem="zeros")
    before, upto = mask((seen.expr, 0), "before"), mask((seen.expr, zero.expr), "upto")
    return before, upto * zero, x + zero, CumProd.build(x * (1 - upto) + upto, axis, label=x.label, stem="after")


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
        if value in (0, 1):
            return A.call(A.np("ones" if value else "zeros"), L.shape(shape), dtype=dtype)
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


# -- structure: reshaping, joining, reordering and selecting elements (ops/structure.py) ----------


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
        return (g if _uniform(g) else reshape(full(g, ans), x.shape),)

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
        if _uniform(g):
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
    shape = staticmethod(_first_operand_shape)

    def vjp(self, g, ans, x, axes, *, needs):
        return (g if _uniform(g) else Flip.build(full(g, ans), axes, label=g.label),)

    def jvp(self, dots, ans, x, axes, *, nb):
        return Flip.build(dots[0], tuple(nb + a for a in axes))

    def numpy(self, L, x, axes):
        return A.call(A.np("flip"), x, axis=A.axis(axes))


class Roll(ArrayOp):
    """numpy.roll by `shifts` along `axes`."""

    params = ("shifts", "axes")
    shape = staticmethod(_first_operand_shape)

    def vjp(self, g, ans, x, shifts, axes, *, needs):
        return (g if _uniform(g) else Roll.build(full(g, ans), tuple(-s for s in shifts), axes, label=g.label),)

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
        if _uniform(g) and x.ndim == 2:
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


from . import primitives_linalg as PL  # noqa: E402  (structured tangents of Jacobians)
