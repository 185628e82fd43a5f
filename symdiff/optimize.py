"""Optimization as named passes, each a function over a `Graph` (or its `Program`), testable alone.

`stable.stabilize` runs on the forward graph before differentiation, so that calculus happens on
stable primitives. `schedule` turns the differentiated graph into a `Program` by the passes
`fresh_outputs` (copies where an output would alias), `live` (the nodes needed), `cse` (each
elementwise formula in its stable numpy form for the dtype, repeated subexpressions computed once),
`fold` (single-use intermediates written inside their reader) and `order` (the statements, each
temp just before its first reader). `reuse.reuse` then lets dead temporaries' buffers be written
in place.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

import sympy as sp

from . import names
from .errors import Location
from .ir import ArrayOp, Graph, exact
from .loops import Loop, LoopResult
from .primitives import Copy, Reduction
from .scalar import equal, inf_at_zero, sigmoid
from .stable import expand

@dataclass
class Statement:
    target: sp.Symbol
    expr: sp.Expr  # an elementwise expression, possibly with array operations folded in
    name: str  # what the value holds, for naming it
    grad_of: Location | None = None
    shape: tuple | None = None  # None for a common subexpression (its operands' broadcast shape)
    out: sp.Symbol | None = None  # a dead temporary whose buffer receives the value (see `reuse`)
    body: Program | None = None  # a loop's body, scheduled for the results the program reads
    test: Program | None = None  # a `while` loop's test


@dataclass
class Program:
    """Straight-line code for one function: the emitter's input."""

    name: str
    params: list[sp.Symbol]
    shapes: dict[sp.Symbol, tuple]
    statements: list[Statement]
    returns: object  # a symbol, or a (nested) tuple of symbols
    casts: dict[sp.Symbol, str] = field(default_factory=dict)  # parameters to convert on entry
    dtypes: dict[sp.Symbol, str] = field(default_factory=dict)  # parameters' dtypes, where known
    dtypes_declared: bool = False  # `dtypes` were declared (`derive(dtype=...)`), not seen in a call
    array_shapes: dict = field(default_factory=dict)  # the shape of each array operation folded in


def _flatten(returns) -> list:
    if isinstance(returns, tuple):
        return [s for r in returns for s in _flatten(r)]
    return [returns]


def fresh_outputs(graph: Graph, returns):
    """Copies where an output would alias an input, a view or another output."""
    seen = set()

    def fresh(symbol):
        if isinstance(symbol, tuple):
            return tuple(fresh(s) for s in symbol)
        node = graph[symbol]
        if symbol in seen or graph.needs_copy(symbol):
            with graph.context(statement=None, grad_of=node.grad_of):
                symbol = graph.add(Copy(symbol, sp.Integer(len(seen))), node.shape, name=node.name, stem="out")
        seen.add(symbol)
        return symbol

    return fresh(returns)


def live(graph: Graph, outputs) -> list:
    """The nodes the outputs need, in graph order."""
    live: set = set()
    stack = list(outputs)
    while stack:
        s = stack.pop()
        if s not in live:
            live.add(s)
            stack.extend(graph.operands(graph[s]))
    return [s for s in graph.nodes if s in live and not graph[s].is_param]


def cse(graph: Graph, elementwise: list, dtype) -> tuple[dict, dict, set, set]:
    """Each elementwise node's stable numpy form with repeated subexpressions taken out as temps.

    Each distinct sigmoid is computed once, as a temp of its own (so that its derivative reads
    `sig * (1 - sig)`). A node whose whole formula became a temp takes the temp's place (so no
    statement is a bare alias); such nodes are returned too: like temps, they are computed where
    first needed. Returns the nodes' expressions, the temps, those nodes and the sigmoid temps.
    """
    definitions = [graph[s].definition for s in elementwise]
    applications = sorted({a for d in definitions for a in d.atoms(sigmoid)}, key=lambda a: (sp.count_ops(a), sp.default_sort_key(a)))
    hoisted = {a: sp.Symbol(f"_sig{i}", real=True) for i, a in enumerate(applications)}
    sigmoid_forms = [expand(sigmoid(a.args[0].xreplace(hoisted)), dtype) for a in applications]
    expanded = [expand(d.xreplace(hoisted), dtype) for d in definitions]
    temps, reduced = sp.cse(sigmoid_forms + expanded, symbols=_cse_symbols(), order="none")
    # Formulas of dimensions alone stay inline: as Python numbers, 1 / (K * N) would raise for an
    # empty batch where numpy gives inf and nan.
    sizes: dict = {}
    for t, e in temps:
        e = e.xreplace(sizes)  # a formula of earlier sizes is one too
        if all(s.is_integer for s in e.free_symbols):
            sizes[t] = e
    temps = {t: e.xreplace(sizes) for t, e in temps if t not in sizes}
    reduced = [e.xreplace(sizes) for e in reduced]
    temps.update(zip(hoisted.values(), reduced[: len(applications)]))
    exprs = dict(zip(elementwise, reduced[len(applications):]))
    aliases = {}
    everything = list(exprs.values()) + list(temps.values())
    for s, expr in exprs.items():
        if expr in temps and expr not in aliases and not any(_could_cancel(e, expr, s) for e in everything):
            aliases[expr] = s
            exprs[s] = temps.pop(expr)
    if aliases:
        exprs = {s: e.xreplace(aliases) for s, e in exprs.items()}
        temps = {t: e.xreplace(aliases) for t, e in temps.items()}
    return exprs, temps, set(aliases.values()), set(hoisted.values()) - set(aliases)


def schedule(graph: Graph, name: str, returns, *, params: list, dtype: str | None = None,
             fresh: bool = True) -> Program:
    """The program computing `returns` (symbols, possibly nested in tuples) from `params`: the passes
    `fresh_outputs` (unless not `fresh`: a loop body's results may alias), `live`, `cse` (of the
    stable forms), `fold` and `order`, in that order; each loop's body scheduled the same way."""
    returns = fresh_outputs(graph, returns) if fresh else returns
    outputs = set(_flatten(returns))
    nodes = live(graph, outputs)
    exprs, temps, early, sigmoids = cse(graph, [s for s in nodes if graph[s].is_elementwise], dtype)
    exprs.update({s: _array_op(graph, graph[s].definition) for s in nodes if not graph[s].is_elementwise})
    exprs.update(temps)
    folded = fold(graph, nodes, exprs, outputs)
    statements = order(graph, nodes, exprs, folded, temps, early, sigmoids)
    for stmt in statements:
        if isinstance(stmt.expr, Loop):
            stmt.body, stmt.test = _loop_body(stmt, statements, dtype)
    array_shapes = {_fold(e, folded): graph[s].shape for s, e in folded.items() if isinstance(e, ArrayOp)}
    return Program(name, list(params), {p: graph[p].shape for p in params}, statements, returns,
                   array_shapes=array_shapes)


def fold(graph: Graph, nodes: list, exprs: dict, outputs: set) -> dict:
    """The nodes written inside the expression that reads them (single-use intermediates, unnamed
    views), with their expressions."""
    uses = Counter(outputs)
    readers: dict = {}
    for target, expr in exprs.items():
        for s in expr.free_symbols & exprs.keys():
            uses[s] += 1
            readers.setdefault(s, []).append(target)
        for twice in expr.atoms(inf_at_zero, equal):  # their lowerings read an argument twice
            for s in twice.free_symbols & exprs.keys():
                uses[s] += 1

    def inlined_view(s) -> bool:
        node = graph.nodes.get(s)
        return node is not None and s not in outputs and node.name is None \
            and isinstance(node.definition, ArrayOp) and node.definition.view

    def copies(s) -> int:
        """How many times the text of `s` is written where it is inlined (views are, at every read)."""
        return sum(copies(r) if inlined_view(r) else 1 for r in readers.get(s, ()))

    def inlined(s) -> bool:
        node = graph.nodes.get(s)
        if node is None or s in outputs or node.name is not None or _is_statements(node.definition):
            return False
        if inlined_view(s):
            return True
        # one reader, which is not a view read in several places (the formula would be computed in each)
        reader = readers[s][0] if uses[s] == 1 else None
        return reader is not None and (isinstance(exprs[reader], Loop) or not _could_cancel(exprs[reader], s, exprs[s])) \
            and not (inlined_view(reader) and copies(reader) > 1)

    return {s: exprs[s] for s in nodes if inlined(s)}


def order(graph: Graph, nodes: list, exprs: dict, folded: dict, temps: dict, early: set, sigmoids: set) -> list:
    """The statements in graph order, folded nodes substituted, each common subexpression (and each
    node standing for one: `early`) computed just before its first reader, and each named."""

    def subject(expr) -> str:
        """The name of the value an expression is mostly about: a common subexpression it reads,
        else a computed value, else a parameter."""
        symbols = sorted((s for s in expr.free_symbols if not s.is_integer), key=sp.default_sort_key)
        ranked = sorted(symbols, key=lambda s: (s not in temps, s in graph.nodes and graph[s].is_param))
        return name_of(ranked[0]) if ranked else names.ANONYMOUS

    statements: list[Statement] = []
    done: set = set()

    def name_of(s) -> str:
        if s in sigmoids:
            return "sig"
        return names.temporary(temps[s], subject) if s in temps else graph[s].name or graph[s].stem

    def emit(s, grad_of):
        done.add(s)
        expr = _fold(exprs[s], folded)
        if s in graph.nodes and all(x.is_integer for x in expr.free_symbols) and not expr.atoms(ArrayOp) \
                and graph.node_symbols(graph[s].definition):  # cancelled to a number, not an array of constants
            expr = _filled(graph, s, expr)
        for dep in sorted(expr.free_symbols, key=sp.default_sort_key):
            if (dep in temps or dep in early) and dep not in done:
                emit(dep, grad_of)
        shape = graph[s].shape if s in graph.nodes else None
        statements.append(Statement(s, expr, name_of(s), grad_of, shape))

    for s in nodes:
        if s not in folded and s not in done:
            emit(s, graph[s].grad_of)
    return statements


def _loop_body(loop: Statement, statements: list, dtype) -> tuple:
    """A loop's body program (the outputs its live results need, each step) and its test's."""
    scan = loop.expr.scan
    live = {int(s.expr.static[0]) for s in statements if isinstance(s.expr, LoopResult) and s.expr.args[0] == loop.target}
    carried, collected, _ = scan.needed(live)
    outputs = tuple(scan.carries[i][1] for i in carried) + tuple(scan.collected[j] for j in collected)
    body = schedule(scan.body, f"{loop.name}_body", outputs, params=scan.body.params, dtype=dtype, fresh=False)
    test = None if scan.condition is None else \
        schedule(scan.body, f"{loop.name}_test", (scan.condition,), params=scan.body.params, dtype=dtype, fresh=False)
    return body, test


def _could_cancel(formula: sp.Expr, old, new) -> bool:
    """Whether writing `new` for `old` in `formula` could let SymPy cancel operands to a number
    (`s - t` with t = s is 0, shapeless): the formula reads `old` and something `new` reads. Passes
    avoid such substitutions; where one happens anyway, `_filled` restores the shape (`ir.exact`)."""
    return formula.has(old) and bool(formula.free_symbols & new.free_symbols)


def _filled(graph: Graph, s, value: sp.Expr) -> sp.Expr:
    """A node whose formula cancelled to a number while being folded (`u - u`): that number as an
    array of the node's shape, in the dtype of the widest parameter it depends on."""
    ancestors, stack = set(), [s]
    while stack:
        node = graph[stack.pop()]
        for operand in graph.operands(node):
            if operand not in ancestors:
                ancestors.add(operand)
                stack.append(operand)
    like = max((a for a in ancestors if graph[a].is_param), key=lambda a: len(graph[a].shape))
    return graph[exact(graph.const(value), graph[s].shape, graph.value(like)).symbol].definition


def _is_statements(definition) -> bool:
    """Whether a node lowers to statements of its own (it is never folded into another expression)."""
    return isinstance(definition, ArrayOp) and definition.numpy_statements is not None


def _array_op(graph: Graph, op: ArrayOp) -> ArrayOp:
    """A reduction over every axis is written with no axes (`x.sum()`)."""
    if isinstance(op, Reduction) and not op.static[1] and len(op.static[0]) == len(graph[op.args[0]].shape):
        return type(op)(op.args[0], sp.Tuple(), sp.false)
    return op


def _fold(expr: sp.Expr, folded: dict) -> sp.Expr:
    """Substitute the definitions of folded nodes, recursively."""
    subs = {s: _fold(folded[s], folded) for s in expr.free_symbols if s in folded}
    return expr.xreplace(subs) if subs else expr


def _cse_symbols():
    i = 0
    while True:
        yield sp.Symbol(f"_cse{i}", real=True)
        i += 1
