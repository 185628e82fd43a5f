"""The front end: a validated function's AST -> the IR graph of its forward computation."""
from __future__ import annotations

import ast
import dataclasses
import inspect
import operator

from .errors import UnsupportedSyntaxError
from .ir import Graph, Value
from .ops import OPS, array
from .resolve import BINARY_OPERATORS, UNARY_OPERATORS, Resolver
from .source import FunctionSource
from .validate import Constant, validate

_FOLD = {
    "operator.add": operator.add,
    "operator.sub": operator.sub,
    "operator.mul": operator.mul,
    "operator.truediv": operator.truediv,
    "operator.pow": operator.pow,
    "operator.neg": operator.neg,
    "operator.pos": operator.pos,
}


class Builder:
    """Evaluates the function body with IR values in place of arrays; helpers are inlined."""

    def __init__(self, source: FunctionSource, graph: Graph, active: tuple = (), helper: bool = False):
        self.source = source
        self.graph = graph
        self.resolver = Resolver(source)
        self.resolved = validate(source, self.resolver, helper)
        self.active = active + (source.name,)  # the chain of helpers being inlined
        self.env: dict[str, object] = {}

    def run(self) -> Value:
        for stmt in self.source.tree.body:
            location = self.source.location(stmt)
            with self.graph.context(statement=location, location=location):
                if isinstance(stmt, (ast.Assign, ast.AnnAssign)):
                    target = stmt.targets[0] if isinstance(stmt, ast.Assign) else stmt.target
                    self.assign(target.id, self.expr(stmt.value))
                elif isinstance(stmt, ast.AugAssign):
                    name = BINARY_OPERATORS[type(stmt.op)]
                    self.assign(stmt.target.id, self.apply(name, [self.expr(stmt.target), self.expr(stmt.value)]))
                elif isinstance(stmt, ast.Return):
                    return array(self.graph, self.expr(stmt.value), "the returned value")
        raise AssertionError("validated functions end with a return")  # pragma: no cover

    def assign(self, name: str, value) -> None:
        self.env[name] = value.named(name) if isinstance(value, Value) else value

    def apply(self, name: str, args: list, kwargs: dict | None = None):
        if name in _FOLD and not kwargs and not any(isinstance(a, Value) for a in args):
            try:
                return _FOLD[name](*args)
            except (ArithmeticError, TypeError) as exc:
                raise UnsupportedSyntaxError(f"constant arithmetic fails: {exc}", location=self.graph.location)
        return OPS[name](self.graph, args, kwargs or {})

    def expr(self, node: ast.expr):
        with self.graph.context(location=self.source.location(node)):
            if isinstance(node, ast.Constant):
                return node.value
            if isinstance(node, ast.Name):
                return self.env[node.id] if node.id in self.env else self.resolver.constant(node.id)
            if isinstance(node, ast.Tuple):
                return tuple(self.expr(e) for e in node.elts)
            if isinstance(node, ast.BinOp):
                return self.apply(BINARY_OPERATORS[type(node.op)], [self.expr(node.left), self.expr(node.right)])
            if isinstance(node, ast.UnaryOp):
                return self.apply(UNARY_OPERATORS[type(node.op)], [self.expr(node.operand)])
            if isinstance(node, ast.Attribute):
                target = self.resolved[node]
                if isinstance(target, Constant):
                    return target.value
                return self.apply(target, [self.expr(node.value)])
            if isinstance(node, ast.Call):
                target = self.resolved[node]
                args = [self.expr(a) for a in node.args]
                kwargs = {kw.arg: self.expr(kw.value) for kw in node.keywords}
                if isinstance(node.func, ast.Attribute) and isinstance(target, str) and target.startswith("method."):
                    args.insert(0, self.expr(node.func.value))
                if isinstance(target, FunctionSource):
                    call = " ".join((ast.get_source_segment(self.source.text, node) or target.name).split())
                    return self.inline(dataclasses.replace(target, within=call), args, kwargs)
                return self.apply(target, args, kwargs)
        raise AssertionError(f"unvalidated node {ast.dump(node)}")  # pragma: no cover


    def inline(self, callee: FunctionSource, args: list, kwargs: dict):
        """A call to a plain Python function: its body evaluated on the arguments."""
        if callee.name in self.active:
            raise UnsupportedSyntaxError(
                f"`{callee.name}` calls itself (through {' -> '.join(self.active)})",
                location=self.graph.location,
                hint="symdiff inlines helper functions; recursion has no fixed size to unroll.",
            )
        builder = Builder(callee, self.graph, self.active, helper=True)
        try:
            bound = helper_signature(callee).bind(*args, **kwargs)
        except TypeError as exc:
            raise UnsupportedSyntaxError(f"bad arguments to `{callee.name}`: {exc}", location=self.graph.location)
        bound.apply_defaults()
        builder.env.update(bound.arguments)
        return builder.run()


def helper_signature(source: FunctionSource) -> inspect.Signature:
    """The signature of a helper's `def`: positional parameters with constant defaults."""
    args = source.tree.args
    names = [a.arg for a in args.posonlyargs + args.args]
    defaults = [d.value for d in args.defaults]
    first_default = len(names) - len(defaults)
    return inspect.Signature([
        inspect.Parameter(n, inspect.Parameter.POSITIONAL_OR_KEYWORD,
                          default=defaults[i - first_default] if i >= first_default else inspect.Parameter.empty)
        for i, n in enumerate(names)
    ])


def parse(source: FunctionSource, graph: Graph, shapes: dict[str, tuple]) -> Graph:
    """Build the forward graph of `source` with parameters of the given symbolic shapes.

    The returned graph's `output` is the symbol of the returned value.
    """
    builder = Builder(source, graph)
    for arg in source.tree.args.posonlyargs + source.tree.args.args:
        builder.env[arg.arg] = graph.param(arg.arg, shapes[arg.arg])
    output = builder.run()
    name = source.name if source.name not in builder.env else "value"
    graph.output = output.symbol if output.expr in graph else output.named(name).symbol
    graph.resolve_dims()
    return graph
