"""The calculus shared by the rules: derivatives of elementwise nodes from SymPy, and the shape
bookkeeping of cotangents (un-broadcasting) and tangents (alignment)."""
from __future__ import annotations

import sympy as sp

from .ir import Value


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


def align(dot: Value, ndim: int, nb: int) -> Value:
    """A tangent with `nb` batch axes, given size-1 axes after them up to `ndim` value axes (so that it
    broadcasts against a result of that rank as its value does)."""
    missing = ndim - (dot.ndim - nb)
    return dot.expand_dims(tuple(range(nb, nb + missing))) if missing > 0 else dot


def elementwise_jvp(tangents: dict, ans: Value, definition: sp.Expr, nb: int) -> Value | None:
    """sum_i d(definition)/d(operand_i) * tangent_i, each partial read from SymPy."""
    from .primitives.einsums import structured, structured_scale  # (built on this module)

    graph = ans.graph
    total = None
    for operand, dot in tangents.items():
        partial = sp.diff(definition, operand).xreplace({definition: ans.expr})
        if partial == 0:
            continue
        shape = graph.dims.broadcast_shapes(*(graph[s].shape for s in graph.node_symbols(partial)))
        term = structured_scale(Value(graph, partial, shape), dot, ans.ndim, nb) if structured(dot) else None
        if term is None:
            term = Value(graph, partial, shape) * align(dot, ans.ndim, nb)
        total = term if total is None else total + term
    return total
