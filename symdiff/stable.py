"""Stable forms: the declarative rewrites to stable primitives (`stabilize`, on the forward graph
before differentiation) and the numpy operations each primitive is computed with (`expand`)."""
from __future__ import annotations

import sympy as sp

from .ir import Graph
from .scalar import absolute, log1p, logit, maximum, nonnegative, relu, sigmoid, softplus, stop_gradient

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
    for body in graph.subgraphs:
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
