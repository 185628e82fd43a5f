"""Differentiation over the IR: reverse mode (`backward`) and forward mode (`forward`) append the
cotangent or tangent nodes to the graph."""
from __future__ import annotations

import sympy as sp

from . import loop_rules, names
from .calculus import elementwise_jvp, elementwise_vjp
from .ir import Graph, Value, array_op
from .loops import Loop, LoopResult
from .primitives import Copy, Identity, full


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
    cotangents, producer = sweep(graph, {output: seed}, wrt)
    result, returned = {}, set()
    for w in wrt:
        where = producer.get(w)
        with graph.context(statement=where, grad_of=where):
            g = full(cotangents.get(w, graph.const(0)), graph.value(w))
            name = names.adjoint(graph[w].name)
            if graph.needs_copy(g.symbol) or g.symbol in returned:
                # never alias an input or another output
                g = array_op(graph, Copy(g.symbol, sp.Integer(len(result))), g.shape, g.label)
            elif graph[g.symbol].name not in (None, name):  # `db = dz`: the gradient under its own name
                g = array_op(graph, Identity(g.symbol, sp.Integer(0)), g.shape, g.label)
            result[w] = g.named(name)
            returned.add(result[w].expr)
    return result


def sweep(graph: Graph, seeds: dict, wrt) -> tuple[dict, dict]:
    """The cotangents of every node that depends on `wrt`, for the cotangents `seeds` of some nodes,
    and the statement whose rule completed each."""
    active = depends_on(graph, wrt)
    cotangents: dict[sp.Symbol, Value] = dict(seeds)
    producer: dict[sp.Symbol, object] = {}
    for symbol in reversed(list(graph.nodes)):
        node = graph[symbol]
        g = cotangents.get(symbol)
        if isinstance(node.definition, Loop) and symbol in active:
            g = cotangents
        elif g is None or node.is_param or symbol not in active:
            continue
        elif graph.node_symbols(g.expr) and g.expr not in graph:
            where = producer.get(symbol, node.statement)
            with graph.context(statement=where, location=where, grad_of=where):
                g = g.named(names.adjoint(node.name)) if node.name else graph.value(graph.add(g.expr, g.shape, stem=names.adjoint(node.stem)))
            cotangents[symbol] = g
        with graph.context(statement=node.statement, location=node.statement, grad_of=node.statement):
            ans = graph.value(symbol)
            for operand, contribution in _vjps(graph, node, g, ans, active):
                if contribution is None:
                    continue
                previous = cotangents.get(operand)
                cotangents[operand] = contribution if previous is None else previous + contribution
                producer[operand] = node.statement
    return cotangents, producer


def _vjps(graph: Graph, node, g, ans: Value, active: set):
    """(operand, cotangent contribution) for each active operand of `node`."""
    if node.is_elementwise:
        for operand in graph.node_symbols(node.definition):
            if operand in active:
                yield operand, elementwise_vjp(g, ans, node.definition, graph.value(operand))
        return
    op = node.definition
    if isinstance(op, Loop):  # `g` holds the cotangents of its results
        yield from loop_rules.vjp(graph, node, g, active, sweep, depends_on)
        return
    operands = [graph.value(s) for s in op.operands]
    needs = tuple(s in active for s in op.operands)
    for operand, cotangent in zip(op.operands, op.vjp(g, ans, *operands, *op.static, needs=needs)):
        if operand in active:
            yield operand, cotangent


def forward(graph: Graph, seeds: dict[sp.Symbol, Value], targets: list[sp.Symbol], nb: int = 0) -> dict:
    """Tangents of `targets` given the tangents `seeds` of some nodes (forward mode).

    Tangents carry `nb` leading batch axes. Only what the targets need is computed: an elementwise
    node asks for an operand's tangent only where its partial derivative is not zero (a
    `stop_gradient` cuts the path).
    """
    active = depends_on(graph, seeds)
    partials: dict = {}
    needed: set = set()
    stack = [t for t in targets if t in active]
    while stack:
        symbol = stack.pop()
        if symbol in needed or symbol in seeds:
            continue
        needed.add(symbol)
        node = graph[symbol]
        if node.is_elementwise:
            partials[symbol] = [s for s in graph.node_symbols(node.definition)
                                if s in active and sp.diff(node.definition, s) != 0]
            stack.extend(partials[symbol])
        elif not node.is_param:
            stack.extend(s for s in node.definition.operands if s in active)
    tangents = dict(seeds)
    for symbol in list(graph.nodes):
        if symbol not in needed:
            continue
        node = graph[symbol]
        with graph.context(statement=node.statement, location=node.statement, grad_of=node.statement):
            dot = _tangent(graph, node, tangents, partials, nb)
        if isinstance(dot, dict):  # a loop's: its results' tangents
            tangents[symbol] = dot
        elif dot is not None:
            if graph.node_symbols(dot.expr) and dot.expr not in graph and node.name:
                dot = dot.named(names.tangent(node.name))
            tangents[symbol] = dot
    return {t: tangents.get(t) for t in targets}


def _tangent(graph: Graph, node, tangents: dict, partials: dict, nb: int) -> Value | None:
    ans = graph.value(node.symbol)
    if node.is_elementwise:
        dots = {s: tangents[s] for s in partials[node.symbol] if s in tangents}
        return elementwise_jvp(dots, ans, node.definition, nb) if dots else None
    op = node.definition
    if isinstance(op, LoopResult):
        return tangents.get(op.args[0], {}).get(op.static[0])
    operands = [graph.value(s) for s in op.operands]
    dots = [tangents.get(s) for s in op.operands]
    if all(d is None for d in dots):
        return None
    if isinstance(op, Loop):
        return loop_rules.jvp(graph, node, dots, nb, forward, depends_on)
    dots = [None if d is None else d.broadcast_to(d.shape[:nb] + v.shape) for d, v in zip(dots, operands)]
    return op.jvp(dots, ans, *operands, *op.static, nb=nb)
