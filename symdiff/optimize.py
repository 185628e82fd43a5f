"""Optimization: stabilizing rewrites, stable numpy forms, common subexpressions and the schedule.

`stabilize` runs on the forward graph before differentiation, so that calculus happens on stable
primitives. `schedule` turns the differentiated graph into a `Program`: the live statements in
order, elementwise code expanded into the cheapest stable numpy form for the dtype, repeated
subexpressions computed once, and single-use intermediates folded into the statement that reads
them.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

import sympy as sp

from . import names
from .errors import Location
from .ir import ArrayOp, Graph
from .loops import Loop, LoopResult
from .primitives import Copy, Full, Reduction
from .scalar import (
    absolute, equal, inf_at_zero, log1p, logit, maximum, nonnegative, relu, sigmoid, softplus, stop_gradient,
)

# -- stabilization ---------------------------------------------------------------------------

_a = sp.Wild("a")
_c = sp.Wild("c", properties=[lambda e: not e.has(sp.exp)])  # a factor that is not itself the pattern

#: Declarative rewrites to stable primitives, applied in order.
REWRITES = (
    (_c * sp.exp(_a) / (1 + sp.exp(_a)), _c * sigmoid(_a)),
    (1 / (1 + sp.exp(_a)), sigmoid(-_a)),
    (sp.log(1 + sp.exp(_a)), softplus(_a)),
    (log1p(sp.exp(_a)), softplus(_a)),
    (sp.log(sigmoid(_a)), -softplus(-_a)),
    (sp.log(1 - sigmoid(_a)), -softplus(_a)),
    (sp.log(_c * sp.exp(_a)), _a + sp.log(_c)),  # log(softmax(x)) -> log_softmax(x)
)

_MAX_INLINED_OPS = 200


def rewrite(expr: sp.Expr) -> sp.Expr:
    """`expr` with every rewrite applied (each pattern is tried only on subexpressions of its kind)."""
    if not expr.has(sp.exp, sigmoid):  # every pattern involves one of them
        return expr
    for pattern, replacement in REWRITES:
        kind = type(pattern)
        expr = expr.replace(
            lambda e: isinstance(e, kind) and e.match(pattern) is not None,
            lambda e: replacement.xreplace(e.match(pattern)),
        )
    return expr


def stabilize(graph: Graph) -> None:
    """Rewrite elementwise nodes to stable primitives (`log(1 + exp(x))` -> `softplus(x)`).

    A pattern may span statements (`e = np.exp(z)` then `np.log(1 + e)`): where inlining the
    elementwise nodes a definition reads lets a rewrite fire, the inlined form is kept. Loop bodies
    are rewritten too.
    """
    for body in graph.subgraphs:  # loop bodies
        stabilize(body)
    inlined: dict = {}  # each elementwise node's formula over non-elementwise nodes, while short
    for symbol, node in list(graph.nodes.items()):
        if not node.is_elementwise:
            continue
        new = rewrite(node.definition)
        if new == node.definition:
            full = _inline_elementwise(graph, node.definition, inlined)
            inlined[symbol] = full
            if full != node.definition:
                candidate = rewrite(full)
                if candidate != full:
                    new = candidate
        if new != node.definition:
            graph.redefine(symbol, new)
            inlined[symbol] = new


def _inline_elementwise(graph: Graph, expr: sp.Expr, inlined: dict) -> sp.Expr:
    """`expr` with the elementwise nodes it reads replaced by their (already inlined) formulas, each
    only while the result stays under `_MAX_INLINED_OPS` operations (linear in the graph's size)."""
    subs = {}
    for s in graph.node_symbols(expr):  # selections (Piecewise) are slow to rebuild, and no pattern needs them
        if graph[s].is_elementwise and s in inlined and not inlined[s].has(sp.Piecewise):
            subs[s] = inlined[s]
    if not subs:
        return expr
    full = expr.xreplace(subs)
    return full if sp.count_ops(full) <= _MAX_INLINED_OPS else expr


# -- stable numpy forms ------------------------------------------------------------------------


def expand(expr: sp.Expr, dtype: str | None) -> sp.Expr:
    """Primitives rewritten into the numpy operations that compute them stably and cheaply.

    With e = exp(-|x|) shared: sigmoid(x) = max(e, x >= 0)/(1 + e) (1/(1 + e) for x >= 0, e/(1 + e)
    below: one comparison instead of np.where, which is slower on every size); softplus(x) =
    max(x, 0) + log1p(e), or log(1 + e) in float32, where it reuses the sigmoid's 1 + e and costs a
    third of log1p for an absolute error near float32's epsilon.
    """

    def _softplus(x):
        e = sp.exp(-absolute(x))
        return maximum(x, 0) + (sp.log(1 + e) if dtype == "float32" else log1p(e))

    replacements = {
        sigmoid: lambda x: maximum(sp.exp(-absolute(x)), nonnegative(x)) / (1 + sp.exp(-absolute(x))),
        softplus: _softplus,
        relu: lambda x: maximum(x, 0),
        logit: lambda p: sp.log(p / (1 - p)),
        stop_gradient: lambda x: x,
    }
    return expr.replace(lambda e: type(e) in replacements, lambda e: replacements[type(e)](*e.args))


# -- the program -----------------------------------------------------------------------------


@dataclass
class Statement:
    target: sp.Symbol
    expr: sp.Expr  # an elementwise expression, possibly with array operations folded in
    name: str  # what the value holds, for naming it
    grad_of: Location | None = None
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


def _flatten(returns) -> list:
    if isinstance(returns, tuple):
        return [s for r in returns for s in _flatten(r)]
    return [returns]


def _fresh_outputs(graph: Graph, returns):
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


def _live(graph: Graph, outputs) -> list:
    """The nodes the outputs need, in graph order."""
    live: set = set()
    stack = list(outputs)
    while stack:
        s = stack.pop()
        if s not in live:
            live.add(s)
            stack.extend(graph.operands(graph[s]))
    return [s for s in graph.nodes if s in live and not graph[s].is_param]


def _common_subexpressions(graph: Graph, elementwise: list, dtype) -> tuple[dict, dict, set, set]:
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
        # not where a formula reads both (`s - t` would cancel to a number and lose its dtype)
        if expr in temps and expr not in aliases and not any(e.has(s) and e.has(expr) for e in everything):
            aliases[expr] = s
            exprs[s] = temps.pop(expr)
    if aliases:
        exprs = {s: e.xreplace(aliases) for s, e in exprs.items()}
        temps = {t: e.xreplace(aliases) for t, e in temps.items()}
    return exprs, temps, set(aliases.values()), set(hoisted.values()) - set(aliases)


def schedule(graph: Graph, name: str, returns, *, params: list, dtype: str | None = None,
             fresh: bool = True) -> Program:
    """The program computing `returns` (symbols, possibly nested in tuples) from `params` (with
    `fresh`, copies where a result would alias an input or another result)."""
    returns = _fresh_outputs(graph, returns) if fresh else returns
    outputs = set(_flatten(returns))
    order = _live(graph, outputs)
    exprs, temps, early, sigmoids = _common_subexpressions(graph, [s for s in order if graph[s].is_elementwise], dtype)
    exprs.update({s: _array_op(graph, graph[s].definition) for s in order if not graph[s].is_elementwise})
    exprs.update(temps)

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
        # one reader, which does not also read what s reads (`s - t` with s = t would cancel to a number),
        # and is not a view read in several places (the formula would be computed in each)
        reader = readers[s][0] if uses[s] == 1 else None
        return reader is not None and (isinstance(exprs[reader], Loop) or not exprs[reader].free_symbols & exprs[s].free_symbols) \
            and not (inlined_view(reader) and copies(reader) > 1)

    folded = {s: exprs[s] for s in order if inlined(s)}

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
        if s in graph.nodes and all(x.is_integer for x in expr.free_symbols) and graph.node_symbols(graph[s].definition):
            expr = _filled(graph, s, expr)
        for dep in sorted(expr.free_symbols, key=sp.default_sort_key):
            if (dep in temps or dep in early) and dep not in done:
                emit(dep, grad_of)
        statements.append(Statement(s, expr, name_of(s), grad_of))

    for s in order:
        if s not in folded and s not in done:
            emit(s, graph[s].grad_of)
    for stmt in statements:
        if isinstance(stmt.expr, Loop):
            stmt.body = _loop_body(stmt, statements, dtype)
            scan = stmt.expr.scan
            if scan.condition is not None:
                stmt.test = schedule(scan.body, f"{stmt.name}_test", (scan.condition,), params=scan.body.params,
                                     dtype=dtype, fresh=False)
    return Program(name, list(params), {p: graph[p].shape for p in params}, statements, returns)


def _loop_body(loop: Statement, statements: list, dtype) -> Program:
    """A loop's body program: the outputs its live results need, each step."""
    scan = loop.expr.scan
    live = {int(s.expr.static[0]) for s in statements if isinstance(s.expr, LoopResult) and s.expr.args[0] == loop.target}
    carried, collected, _ = scan.needed(live)
    outputs = tuple(scan.carries[i][1] for i in carried) + tuple(scan.collected[j] for j in collected)
    return schedule(scan.body, f"{loop.name}_body", outputs, params=scan.body.params, dtype=dtype, fresh=False)


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
    return Full(like, sp.Tuple(*graph[s].shape), value)


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
