"""Vector-Jacobian products: one table entry per array operation, SymPy calculus for elementwise nodes.

A rule takes the output's cotangent `g`, the output `ans` and the operands (all `Value`s, then the
operation's static parameters) and returns the cotangent of one operand. Cotangents may stay
smaller than the value they belong to when they broadcast to it (the gradient of a sum is the
upstream scalar, not a filled array); rules that need the full shape ask for it with `full`.
"""
from __future__ import annotations

import sympy as sp

from .ir import BroadcastTo, Copy, ExpandDims, FullLike, MatMul, ReduceSum, Squeeze, Transpose, Value

VJPS: dict[type, tuple] = {}


def defvjp(op: type, *rules) -> None:
    """Register one rule per array operand of `op`."""
    VJPS[op] = rules


def full(g: Value, shape) -> Value:
    """`g` broadcast to exactly `shape`."""
    return g if g.shape == tuple(shape) else g.broadcast_to(shape)


def unbroadcast(g: Value, shape) -> Value:
    """Sum `g` over the axes numpy broadcasting added to reach it from an operand of `shape`."""
    lead = tuple(range(g.ndim - len(shape)))
    if lead:
        g = g.sum(axis=lead)
    offset = len(shape) - g.ndim
    ones = tuple(i for i, d in enumerate(g.shape) if shape[offset + i] == 1 and d != 1)
    return g.sum(axis=ones, keepdims=True) if ones else g


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
    return unbroadcast(g * Value(graph, partial, shape), operand.shape)


def _matmul_a(g, ans, a, b):
    g = full(g, ans.shape)
    if b.ndim == 1:
        return g * b if a.ndim == 1 else outer(g, b)
    return b @ g if a.ndim == 1 else g @ b.T


def _matmul_b(g, ans, a, b):
    g = full(g, ans.shape)
    if a.ndim == 1:
        return g * a if b.ndim == 1 else outer(a, g)
    return a.T @ g


defvjp(MatMul, _matmul_a, _matmul_b)
defvjp(Transpose, lambda g, ans, a: full(g, ans.shape).T)
defvjp(ReduceSum, lambda g, ans, a, axes, keepdims: g if keepdims else g.expand_dims(tuple(axes)))
defvjp(ExpandDims, lambda g, ans, a, axes: full(g, ans.shape).squeeze(tuple(axes)))
defvjp(Squeeze, lambda g, ans, a, axes: g.expand_dims(tuple(axes)))
defvjp(BroadcastTo, lambda g, ans, a, shape: unbroadcast(g, a.shape))
defvjp(FullLike, lambda g, ans, like, value: None)
defvjp(Copy, lambda g, ans, a: g)
