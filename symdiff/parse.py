"""The front end: a validated function's AST -> the IR graph of its forward computation."""
from __future__ import annotations

import ast
import dataclasses
import inspect
import operator

import sympy as sp

from .errors import UnsupportedSyntaxError
from .ir import Graph, Value, array_op
from .primitives import Identity
from .ops import OPS, array
from .resolve import BINARY_OPERATORS, UNARY_OPERATORS, Resolver
from .scalar import stop_gradient
from .source import FunctionSource, TransformSpec
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

    def __init__(self, source: FunctionSource, graph: Graph, active: tuple = (), helper: bool = False,
                 backward=None):
        self.source = source
        self.graph = graph
        self.backward = backward  # reverse mode, for calls of symdiff.grad functions (given by the API)
        self.resolver = Resolver(source)
        self.resolved = validate(source, self.resolver, helper)
        self.active = active + (source.name,)  # the chain of helpers being inlined
        self.env: dict[str, object] = {}

    def run(self):
        """The returned value (a tuple of values for `return value, aux`)."""
        returned = self.block(self.source.tree.body, constant=False)
        assert returned is not None, "validated functions end with a return"
        return returned

    def block(self, body: list, constant: bool):
        """Run statements; in a `torch.no_grad()` block (`constant`) every value assigned is a constant."""
        for stmt in body:
            location = self.source.location(stmt)
            with self.graph.context(statement=location, location=location):
                if isinstance(stmt, (ast.Assign, ast.AnnAssign)):
                    target = stmt.targets[0] if isinstance(stmt, ast.Assign) else stmt.target
                    self.assign(target, self.expr(stmt.value), constant)
                elif isinstance(stmt, ast.AugAssign):
                    name = BINARY_OPERATORS[type(stmt.op)]
                    self.assign(stmt.target, self.apply(name, [self.expr(stmt.target), self.expr(stmt.value)]), constant)
                elif isinstance(stmt, ast.With):
                    self.block(stmt.body, constant=True)
                elif isinstance(stmt, ast.Return):
                    value = self.expr(stmt.value)
                    if isinstance(value, tuple):
                        return tuple(self._returned(v) for v in value)
                    return self._returned(value)
        return None

    def _returned(self, value):
        if isinstance(value, tuple):
            return tuple(self._returned(v) for v in value)
        return array(self.graph, value, "the returned value")

    def assign(self, target: ast.expr, value, constant: bool) -> None:
        if isinstance(target, ast.Tuple):
            names = [t.id for t in target.elts]
            if not isinstance(value, tuple) or len(value) != len(names):
                count = len(value) if isinstance(value, tuple) else 1
                raise UnsupportedSyntaxError(f"{len(names)} names for {count} values", location=self.graph.location)
            for name, v in zip(names, value):
                self.env[name] = self._bind(name, v, constant)
            return
        self.env[target.id] = self._bind(target.id, value, constant)

    def _bind(self, name: str, value, constant: bool):
        if isinstance(value, tuple):
            return tuple(self._bind(name, v, constant) for v in value)
        if not isinstance(value, Value):
            return value
        return (value.apply(stop_gradient) if constant else value).named(name)

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
                call = " ".join(self.source.segment(node).split())
                if isinstance(target, FunctionSource):
                    return self.inline(dataclasses.replace(target, within=call), args, kwargs)
                if isinstance(target, TransformSpec):
                    return self.transformed(target, call, args, kwargs)
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
        builder = Builder(callee, self.graph, self.active, helper=True, backward=self.backward)
        builder.env.update(self._arguments(callee, args, kwargs))
        return builder.run()

    def _arguments(self, callee: FunctionSource, args: list, kwargs: dict) -> dict:
        """The callee's parameters bound to a call's arguments, defaults included."""
        try:
            bound = helper_signature(callee).bind(*args, **kwargs)
        except TypeError as exc:
            raise UnsupportedSyntaxError(f"bad arguments to `{callee.name}`: {exc}", location=self.graph.location)
        bound.apply_defaults()
        return bound.arguments

    def transformed(self, spec: TransformSpec, call: str, args: list, kwargs: dict):
        """A call to a symdiff-transformed function inside the function being compiled: its body is
        inlined on parameters of its own (so each is differentiated separately) and differentiated
        in place; differentiating the result again goes through those gradient nodes."""
        if spec.kind not in ("value", "grad", "value_and_grad") or spec.has_aux:
            raise UnsupportedSyntaxError(
                f"calling a symdiff.{spec.kind} function inside a compiled function is not supported",
                location=self.graph.location, hint="Call symdiff.grad or symdiff.value_and_grad functions.",
            )
        callee = dataclasses.replace(spec.source, within=call)
        params = {}
        for name, value in self._arguments(callee, args, kwargs).items():
            value = array(self.graph, value, f"`{name}`")
            params[name] = array_op(self.graph, Identity(value.symbol, sp.Integer(len(self.graph.nodes))),
                                    value.shape, name)
        value = self.inline(callee, list(params.values()), {})
        if spec.kind == "value":
            return value
        wrt = [params[n].symbol for n in spec.wrt]
        value = array(self.graph, value, "the returned value")
        if value.shape:
            raise self.graph.shape_error(f"`{callee.name}` returns an array; its gradient needs a scalar")
        cotangents = self.backward(self.graph, value.symbol, wrt, self.graph.const(1))
        grads = tuple(self.graph.value(cotangents[w].symbol) for w in wrt)
        grads = grads[0] if spec.single else grads
        return (value, grads) if spec.kind == "value_and_grad" else grads


def helper_signature(source: FunctionSource) -> inspect.Signature:
    """The signature of a helper's `def`: positional parameters with constant defaults."""
    names = source.params
    defaults = [d.value for d in source.tree.args.defaults]
    first_default = len(names) - len(defaults)
    return inspect.Signature([
        inspect.Parameter(n, inspect.Parameter.POSITIONAL_OR_KEYWORD,
                          default=defaults[i - first_default] if i >= first_default else inspect.Parameter.empty)
        for i, n in enumerate(names)
    ])


def parse(source: FunctionSource, graph: Graph, shapes: dict[str, tuple], has_aux: bool = False,
          backward=None) -> Graph:
    """Build the forward graph of `source` with parameters of the given symbolic shapes. `backward`
    (reverse mode, `differentiate.backward`) differentiates calls of symdiff.grad functions in place.

    The returned graph's `output` is the symbol of the returned value; with `has_aux`, the function
    returns `(value, aux)` and `aux` holds the symbol(s) of the auxiliary values.
    """
    builder = Builder(source, graph, backward=backward)
    for name in source.params:
        builder.env[name] = graph.param(name, shapes[name])
    output = builder.run()
    returned = source.location(source.tree.body[-1])
    if isinstance(output, tuple) != has_aux or (has_aux and len(output) != 2):
        raise UnsupportedSyntaxError(
            f"`{source.name}` must return `(value, aux)` with has_aux=True" if has_aux
            else f"`{source.name}` returns a tuple; symdiff differentiates a single value",
            location=returned,
            hint="Pass has_aux=True to return (value, aux), with aux passed through untouched." if not has_aux
            else "Return a pair: the value to differentiate and the auxiliary data.",
        )
    if has_aux:
        output, aux = output
        graph.aux = tuple(v.symbol for v in aux) if isinstance(aux, tuple) else aux.symbol
    name = source.name if source.name not in builder.env else "value"
    graph.output = output.symbol if output.expr in graph else output.named(name).symbol
    graph.resolve_dims()
    return graph
