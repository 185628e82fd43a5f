"""Row blocks: a scalar function that is a sum over the rows of a batch, times a factor of the
sizes, has a value and gradient that are sums over blocks of rows. `row_sum` finds such a sum, so
that the generated code can stream the batch through blocks sized to the cache (`emit`'s `rows`):
the `N x K` temporaries then never exist whole.

A node is *batched* when its leading axis is the batch and row i of it reads only row i of the
batched nodes it reads (elementwise operations, and each `ArrayOp.rows`); a node is *free* when it
reads no batched node. Anything else (a reduction over the batch, a transpose, a loop) streams nothing.
"""
from __future__ import annotations

from dataclasses import dataclass

import sympy as sp

from .ir import ArrayOp, Graph
from .primitives.reductions import ReduceSum


@dataclass(frozen=True)
class RowSum:
    """The function's value is `scale * total`, `total` the sum of a batched node over every axis."""

    total: sp.Symbol
    scale: sp.Expr  # reads only sizes
    batch: sp.Symbol  # the size of the leading axis of every batched node
    batched: frozenset  # the parameters whose leading axis is the batch
    width: tuple  # the row sizes (elements) of the batched nodes other than 1


def row_sum(graph: Graph, output: sp.Symbol, params: list) -> RowSum | None:
    """How `output`, a function of `params`, is a sum over the rows of a batch, or None."""
    node = graph[output]
    if node.shape or node.is_param:
        return None
    total, scale = output, sp.Integer(1)
    if node.is_elementwise:
        reads = graph.node_symbols(node.definition)
        if len(reads) != 1:
            return None
        total, scale = reads[0], sp.simplify(node.definition / reads[0])
        if scale.free_symbols & set(graph.nodes):
            return None
    summed = graph[total].definition
    if not isinstance(summed, ReduceSum):
        return None
    rows = summed.args[0]
    shape = graph[rows].shape
    if not shape or not shape[0].is_Symbol or set(summed.static[0]) != set(range(len(shape))):
        return None
    kinds = _kinds(graph, rows, shape[0])
    if kinds is None or kinds[rows] != "batched":
        return None
    params = {p: _kind(graph, graph[p], [], [], shape[0]) for p in params}  # the driver slices every batched one
    if None in params.values():
        return None
    batched = frozenset(p for p, k in params.items() if k == "batched")
    widths = {sp.Mul(*graph[s].shape[1:]) for s, k in kinds.items() if k == "batched"} - {sp.Integer(1)}
    return RowSum(total, scale, shape[0], batched, tuple(sorted(widths, key=sp.default_sort_key)))


def _kinds(graph: Graph, root: sp.Symbol, batch: sp.Symbol) -> dict | None:
    """`"batched"` or `"free"` for each node `root` reads, or None if one is neither."""
    kinds: dict = {}
    stack = [root]
    while stack:
        s = stack[-1]
        if s in kinds:
            stack.pop()
            continue
        node = graph[s]
        reads = [] if node.is_param else graph.operands(node)
        pending = [r for r in reads if r not in kinds]
        if pending:
            stack += pending
            continue
        stack.pop()
        kind = _kind(graph, node, [kinds[r] for r in reads], reads, batch)
        if kind is None:
            return None
        kinds[s] = kind
    return kinds


def _kind(graph: Graph, node, read_kinds: list, reads: list, batch: sp.Symbol) -> str | None:
    leading = bool(node.shape) and node.shape[0] == batch
    if any(batch in sp.sympify(d).free_symbols for d in node.shape[1 if leading else 0:]):
        return None
    if node.is_param:
        return "batched" if leading else "free"
    flags = tuple(k == "batched" for k in read_kinds)
    definition = node.definition
    if isinstance(definition, ArrayOp):
        static = {s for a in definition.args[len(definition.operands):] for s in sp.sympify(a).free_symbols}
        if not any(flags) and batch not in static:
            return None if leading else "free"
        row_wise = leading and definition.rows(flags, *(graph[r].shape for r in reads))
        return "batched" if row_wise else None
    if batch in definition.free_symbols:  # the batch size as a number: a mean over the rows
        return None
    if not any(flags):
        return "free"
    aligned = all(len(graph[r].shape) == len(node.shape) for r, f in zip(reads, flags) if f)
    return "batched" if leading and aligned else None
