"""Matrix products: numpy.matmul on any rank, stacks broadcast, with 1-D operands as vectors."""
from __future__ import annotations

from .. import names
from ..calculus import unbroadcast
from ..ir import ArrayOp, Value, array_op
from ..shapes import matmul_shape
from .base import full


class MatMul(ArrayOp):
    """numpy.matmul: 1-D operands as vectors, stacks of matrices broadcast against each other."""

    arity = 2
    numpy = "{a} @ {b}"

    @staticmethod
    def shape(dims, a, b):
        return matmul_shape(dims, a, b)

    def rows(self, batched, a, b):
        return batched == (True, False) and len(a) >= 2 and len(b) <= 2

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
    structured = einsums.structured_matmul(a, b)
    if structured is not None:
        return structured
    return array_op(graph, MatMul(a.symbol, b.symbol), shape, label, stem=names.product(a.label, b.label))


from . import einsums  # noqa: E402  (structured products of Jacobians' tangents)
