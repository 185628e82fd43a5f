"""The picture the autograd tutorial draws: a derivation's forward and backward DAG as Graphviz DOT."""
from __future__ import annotations

from .derivation import Derivation
from .printing import math
from .shapes import format_shape


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def to_dot(derivation: Derivation, max_label: int = 60) -> str:
    """DOT source: parameters (the `wrt` ones filled), forward operations, backward operations (shaded)
    and gradients (double outline), each labelled with what it computes and its shape."""
    graph = derivation.graph
    names = derivation.display_names()
    grads = {s: name for name, s in derivation.grads.items()} if not graph[derivation.output].shape else {}
    wrt = set(derivation.wrt.names)
    live: set = set()
    stack = [derivation.output, *grads]
    while stack:
        s = stack.pop()
        if s not in live:
            live.add(s)
            stack.extend(graph.operands(graph[s]))
    lines = [f"digraph {_quote(derivation.name)} {{", "  rankdir=TB;", '  node [fontname="monospace", fontsize=10];']
    for symbol in (s for s in graph.nodes if s in live):
        node = graph[symbol]
        shape = format_shape(node.shape)
        if node.is_param:
            label = f"{names[symbol]}\n{shape}"
            style = 'shape=ellipse, style=filled, fillcolor="#cfe2ff"' if node.name in wrt else "shape=ellipse"
        else:
            formula = math(node.definition, names)
            formula = formula if len(formula) <= max_label else formula[: max_label - 3] + "..."
            label = f"{names[symbol]} = {formula}\n{shape}"
            style = "shape=box"
            if node.grad_of is not None or symbol in grads:
                style += ', style=filled, fillcolor="#fde2e2"'
            if symbol in grads:
                style += ", peripheries=2"
        lines.append(f"  {_quote(names[symbol])} [label={_quote(label)}, {style}];")
        for operand in graph.operands(node):
            lines.append(f"  {_quote(names[operand])} -> {_quote(names[symbol])};")
    lines.append("}")
    return "\n".join(lines) + "\n"
