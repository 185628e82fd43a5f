"""Vector-Jacobian products: one table entry per array operation, SymPy calculus for elementwise nodes.

A rule takes the output's cotangent `g`, the output `ans` and the operands (all `Value`s, then the
operation's static parameters) and returns the cotangent of one operand. Cotangents may stay
smaller than the value they belong to when they broadcast to it (the gradient of a sum is the
upstream scalar, not a filled array); rules that need the full shape ask for it with `full`.
"""
from __future__ import annotations

import sympy as sp

from .ir import BroadcastTo, Copy, ExpandDims, FullLike, MatMul, ReduceSum, Squeeze, Transpose, Value, array_op

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


def _matmul_a(g, ans, a, b):
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
defvjp(Transpose, lambda g, ans, a: full(g, ans).T)
defvjp(ReduceSum, lambda g, ans, a, axes, keepdims: g if keepdims else g.expand_dims(tuple(axes)))
defvjp(ExpandDims, lambda g, ans, a, axes: full(g, ans).squeeze(tuple(axes)))
defvjp(Squeeze, lambda g, ans, a, axes: g.expand_dims(tuple(axes)))
defvjp(BroadcastTo, lambda g, ans, a, shape: unbroadcast(g, a.shape, ans.shape))
defvjp(FullLike, lambda g, ans, like, value: None)
defvjp(Copy, lambda g, ans, a: g)
