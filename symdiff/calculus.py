"""The calculus shared by the rules: derivatives of elementwise nodes from SymPy, and the shape
bookkeeping of cotangents (un-broadcasting) and tangents (alignment)."""
from __future__ import annotations

import sympy as sp
from sympy.core.cache import cacheit

from .ir import Graph, Value

#: Stand-ins for the node symbols of a formula, in order: formulas of the same structure (every layer
#: of a deep network) share one derivative.
_CANONICAL: list = []


def partial(graph: Graph, definition: sp.Expr, operand: sp.Symbol) -> sp.Expr:
    """d(definition)/d(operand), from SymPy, computed once per structure of formula."""
    symbols = graph.node_symbols(definition)
    while len(_CANONICAL) < len(symbols):
        _CANONICAL.append(sp.Dummy(f"a{len(_CANONICAL)}", real=True))
    canonical = dict(zip(symbols, _CANONICAL))
    derivative = _diff(definition.xreplace(canonical), canonical[operand])
    return derivative.xreplace(dict(zip(_CANONICAL, symbols)))


@cacheit
def _diff(expr: sp.Expr, symbol: sp.Symbol) -> sp.Expr:
    return sp.diff(expr, symbol)


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
    graph = g.graph
    derivative = partial(graph, definition, operand.expr)
    if derivative == 0:
        return None
    derivative = derivative.xreplace({definition: ans.expr})
    shape = graph.dims.broadcast_shapes(*(graph[s].shape for s in graph.node_symbols(derivative)))
    return unbroadcast(g * Value(graph, derivative, shape), operand.shape, ans.shape)


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
        derivative = partial(graph, definition, operand).xreplace({definition: ans.expr})
        if derivative == 0:
            continue
        shape = graph.dims.broadcast_shapes(*(graph[s].shape for s in graph.node_symbols(derivative)))
        term = structured_scale(Value(graph, derivative, shape), dot, ans.ndim, nb) if structured(dot) else None
        if term is None:
            term = Value(graph, derivative, shape) * align(dot, ans.ndim, nb)
        total = term if total is None else total + term
    return total
