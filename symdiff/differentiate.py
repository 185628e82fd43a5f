"""Reverse mode over the IR: one backward sweep appends the cotangent nodes to the graph."""
from __future__ import annotations

import sympy as sp

from .ir import Copy, Graph, Value, array_op
from .rules import VJPS, elementwise_vjp, full


def _static(arg):
    """A static parameter of an array operation as a plain Python value."""
    if isinstance(arg, sp.logic.boolalg.BooleanAtom):
        return bool(arg)
    if isinstance(arg, sp.Tuple):
        return tuple(_static(a) for a in arg)
    if isinstance(arg, sp.Integer):
        return int(arg)
    return arg


def depends_on(graph: Graph, sources) -> set:
    """The nodes whose value depends on any of `sources`."""
    active = set(sources)
    for symbol, node in graph.nodes.items():
        if symbol not in active and any(s in active for s in graph.operands(node)):
            active.add(symbol)
    return active


def backward(graph: Graph, output: sp.Symbol, wrt: list[sp.Symbol], seed: Value) -> dict[sp.Symbol, Value]:
    """Cotangents of `wrt` for the cotangent `seed` of `output`.

    Only nodes that depend on `wrt` get cotangents: the other parameters are constants and nothing
    is computed for them. Each returned value is a node `d<param>` of its parameter's exact shape.
    """
    active = depends_on(graph, wrt)
    cotangents: dict[sp.Symbol, Value] = {output: seed}
    producer: dict[sp.Symbol, object] = {}  # the statement whose rule completed each cotangent
    for symbol in reversed(list(graph.nodes)):
        node = graph[symbol]
        g = cotangents.get(symbol)
        if g is None or node.is_param or symbol not in active:
            continue
        if graph.node_symbols(g.expr) and g.expr not in graph:
            where = producer.get(symbol, node.statement)
            with graph.context(statement=where, location=where, grad_of=where):
                g = g.named(f"d{node.name}") if node.name else graph.value(graph.add(g.expr, g.shape, hint=f"d{node.hint}"))
        with graph.context(statement=node.statement, location=node.statement, grad_of=node.statement):
            ans = graph.value(symbol)
            for operand, contribution in _vjps(graph, node, g, ans, active):
                if contribution is None:
                    continue
                previous = cotangents.get(operand)
                cotangents[operand] = contribution if previous is None else previous + contribution
                producer[operand] = node.statement
    result = {}
    for w in wrt:
        where = producer.get(w)
        with graph.context(statement=where, grad_of=where):
            g = full(cotangents.get(w, graph.const(0)), graph.value(w))
            if graph.views_param(g.symbol) or any(r.expr == g.symbol for r in result.values()):
                g = array_op(graph, Copy(g.symbol), g.shape, g.label)  # never alias an input or another output
            result[w] = g.named(f"d{graph[w].name}")
    return result



def _vjps(graph: Graph, node, g: Value, ans: Value, active: set):
    """(operand, cotangent contribution) for each active operand of `node`."""
    if node.is_elementwise:
        for operand in graph.node_symbols(node.definition):
            if operand in active:
                yield operand, elementwise_vjp(g, ans, node.definition, graph.value(operand))
        return
    op = node.definition
    rules = VJPS[type(op)]
    operands = [graph.value(s) for s in op.operands]
    params = [_static(p) for p in op.args[op.arity:]]
    for rule, operand in zip(rules, op.operands):
        if operand in active:
            yield operand, rule(g, ans, *operands, *params)
