"""Derivative rules: one table entry per array operation, SymPy calculus for elementwise nodes.

Reverse mode (`VJPS`): a rule takes the output's cotangent `g`, the output `ans` and the operands
(`Value`s, then the operation's static parameters) and returns the cotangent of one operand.
Cotangents may stay smaller than the value they belong to when they broadcast to it (the gradient
of a sum is the upstream scalar, not a filled array); rules that need the full shape use `full`.

Forward mode (`JVPS`): a rule takes the operands' tangents (None where zero), the output and the
operands, and returns the output's tangent. Tangents carry `nb` leading batch axes (a whole
Jacobian is one forward sweep whose seed is an identity tensor) and have the full shape.
"""
from __future__ import annotations

import sympy as sp

from .errors import SymdiffError
from .ir import (
    BroadcastTo, Copy, ExpandDims, EyeLike, FullLike, Identity, MatMul, ReduceMax, ReduceSum, Squeeze, Transpose, Value, Full,
    array_op, matmul,
)

VJPS: dict[type, tuple] = {}


def defvjp(op: type, *rules) -> None:
    """Register one rule per array operand of `op`."""
    VJPS[op] = rules


def full(g: Value, like: Value) -> Value:
    """`g` broadcast to exactly the shape of `like` (a constant fills an array of `like`'s dtype)."""
    if g.shape == like.shape and g.graph.node_symbols(g.expr):
        return g
    if not g.graph.node_symbols(g.expr):
        return array_op(g.graph, FullLike(like.symbol, g.expr), like.shape, g.label)
    return g.broadcast_to(like.shape)


def unbroadcast(g: Value, shape, full_shape) -> Value:
    """The cotangent of an operand of `shape` that numpy broadcast to `full_shape`, from the
    cotangent `g` of the result: summed over the broadcast axes.

    `g` itself may be lazily broadcast (smaller than `full_shape`); along an axis where it is
    constant, the sum is a product with the axis length.
    """
    n, m, k = len(full_shape), len(shape), g.ndim
    scale, drop, keep = 1, [], []
    for i, size in enumerate(full_shape):
        missing = i < n - m  # the operand has no such axis
        if not missing and (shape[i - (n - m)] != 1 or size == 1):
            continue
        j = i - (n - k)  # the axis in g, if g has it
        if j < 0 or g.shape[j] == 1:
            scale = scale * size
            if j >= 0 and missing:
                drop.append(j)
        else:
            (drop if missing else keep).append(j)
    if scale != 1:
        g = g * scale
    if drop:
        g = g.sum(axis=tuple(drop))
    if keep:
        g = g.sum(axis=tuple(j - len(drop) for j in keep), keepdims=True)
    return g


def outer(u: Value, v: Value) -> Value:
    return u.expand_dims((1,)) * v


def elementwise_vjp(g: Value, ans: Value, definition: sp.Expr, operand: Value) -> Value | None:
    """The cotangent of one operand of an elementwise node, from SymPy's derivative of its formula.

    Where the derivative contains the node's own formula it reads the forward value instead
    (tanh' = 1 - t*t with t the forward tanh).
    """
    partial = sp.diff(definition, operand.expr)
    if partial == 0:
        return None
    partial = partial.xreplace({definition: ans.expr})
    graph = g.graph
    shape = graph.dims.broadcast_shapes(*(graph[s].shape for s in graph.node_symbols(partial)))
    return unbroadcast(g * Value(graph, partial, shape), operand.shape, ans.shape)


def _matrices(*values):
    if any(v.ndim > 2 for v in values):
        raise SymdiffError("differentiating a Jacobian or Hessian again is not supported",
                           hint="Take Hessians of the function itself; third derivatives need a Jacobian of a Hessian.")


def _matmul_a(g, ans, a, b):
    _matrices(a, b)
    g = full(g, ans)
    if b.ndim == 1:
        return g * b if a.ndim == 1 else outer(g, b)
    return b @ g if a.ndim == 1 else g @ b.T


def _matmul_b(g, ans, a, b):
    g = full(g, ans)
    if a.ndim == 1:
        return g * a if b.ndim == 1 else outer(a, g)
    return a.T @ g


defvjp(MatMul, _matmul_a, _matmul_b)
defvjp(Transpose, lambda g, ans, a, perm: full(g, ans).transpose(tuple(perm.index(i) for i in range(len(perm)))))
defvjp(ReduceSum, lambda g, ans, a, axes, keepdims: g if keepdims else g.expand_dims(tuple(axes)))
defvjp(ExpandDims, lambda g, ans, a, axes: full(g, ans).squeeze(tuple(axes)))
defvjp(Squeeze, lambda g, ans, a, axes: g.expand_dims(tuple(axes)))
defvjp(BroadcastTo, lambda g, ans, a, shape: unbroadcast(g, a.shape, ans.shape))
defvjp(FullLike, lambda g, ans, like, value: None)
defvjp(EyeLike, lambda g, ans, like: None)
defvjp(Full, lambda g, ans, like, shape, value: None)
defvjp(Copy, lambda g, ans, a, tag: g)
defvjp(Identity, lambda g, ans, a, tag: g)


# -- forward mode ----------------------------------------------------------------------------

JVPS: dict[type, object] = {}


def defjvp(op: type, rule) -> None:
    """Register `rule(tangents, ans, *operands, *params, nb=...)` for `op`."""
    JVPS[op] = rule


def align(dot: Value, ndim: int, nb: int) -> Value:
    """A tangent with `nb` batch axes, given size-1 axes after them up to `ndim` value axes (so that it
    broadcasts against a result of that rank as its value does)."""
    missing = ndim - (dot.ndim - nb)
    return dot.expand_dims(tuple(range(nb, nb + missing))) if missing > 0 else dot


def elementwise_jvp(tangents: dict, ans: Value, definition: sp.Expr, nb: int) -> Value | None:
    """sum_i d(definition)/d(operand_i) * tangent_i, each partial read from SymPy."""
    graph = ans.graph
    total = None
    for operand, dot in tangents.items():
        partial = sp.diff(definition, operand).xreplace({definition: ans.expr})
        if partial == 0:
            continue
        shape = graph.dims.broadcast_shapes(*(graph[s].shape for s in graph.node_symbols(partial)))
        term = Value(graph, partial, shape) * align(dot, ans.ndim, nb)
        total = term if total is None else total + term
    return total


def _sum_terms(*terms):
    terms = [t for t in terms if t is not None]
    return None if not terms else terms[0] if len(terms) == 1 else terms[0] + terms[1]


def _matmul_jvp(dots, ans, a, b, *, nb):
    da, db = dots
    return _sum_terms(
        None if da is None else matmul(da, b, stacked=True),
        None if db is None else matmul(db, a.T, stacked=True) if b.ndim == 1 else matmul(a, db, stacked=True),
    )


def _batched(axes, nb):
    return tuple(nb + a for a in axes)


def _no_jvp(dots, ans, *args, nb):
    raise SymdiffError("the maximum that stabilizes softmax has no derivative rule; it is always a constant")


defjvp(MatMul, _matmul_jvp)
defjvp(Transpose, lambda dots, ans, a, perm, *, nb: dots[0].transpose(tuple(range(nb)) + _batched(perm, nb)))
defjvp(ReduceSum, lambda dots, ans, a, axes, keepdims, *, nb: dots[0].sum(axis=_batched(axes, nb), keepdims=keepdims))
defjvp(ExpandDims, lambda dots, ans, a, axes, *, nb: dots[0].expand_dims(_batched(axes, nb)))
defjvp(Squeeze, lambda dots, ans, a, axes, *, nb: dots[0].squeeze(_batched(axes, nb)))
defjvp(BroadcastTo, lambda dots, ans, a, shape, *, nb: align(dots[0], len(shape), nb).broadcast_to(
    dots[0].shape[:nb] + tuple(shape)))
defjvp(Copy, lambda dots, ans, a, tag, *, nb: dots[0])
defjvp(Identity, lambda dots, ans, a, tag, *, nb: dots[0])
defjvp(ReduceMax, _no_jvp)
