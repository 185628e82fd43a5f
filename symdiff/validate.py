"""One validating pass over a function's AST: everything outside the supported subset is refused
here, before any IR is built, with the construct's line and column and what to write instead.

Supported: a `def` with positional parameters; straight-line assignments to names (`=`, `+=`...);
one final `return`; numbers; arithmetic operators and `@`; calls to the functions in `ops.OPS`.
"""
from __future__ import annotations

import ast
from dataclasses import dataclass

from .errors import UnknownCallError, UnsupportedSyntaxError
from .resolve import BINARY_OPERATORS, NOT_CONSTANT, UNARY_OPERATORS, Resolver, dotted_name
from .ops import OPS
from .source import FunctionSource, TransformSpec

_STRAIGHT_LINE = (
    "symdiff compiles straight-line code; vectorize it with matrix products and broadcasting, "
    "or unroll it by hand."
)
_REFUSED = {
    ast.For: ("a `for` loop", _STRAIGHT_LINE),
    ast.AsyncFor: ("an `async for` loop", _STRAIGHT_LINE),
    ast.While: ("a `while` loop", _STRAIGHT_LINE),
    ast.If: (
        "an `if` statement",
        "Branches on values cannot be differentiated symbolically; use np.maximum or np.minimum, "
        "or write one function per case.",
    ),
    ast.IfExp: ("a conditional expression", "Use np.maximum or np.minimum."),
    ast.Try: ("a `try` statement", _STRAIGHT_LINE),
    ast.With: ("a `with` statement", "Only `with torch.no_grad():` blocks are supported."),
    ast.Raise: ("a `raise` statement", "Check inputs before calling the function."),
    ast.Assert: ("an `assert` statement", "Shapes are checked by the generated code."),
    ast.Delete: ("a `del` statement", "Just stop using the name."),
    ast.Global: ("a `global` statement", "Pass the value as a parameter."),
    ast.Nonlocal: ("a `nonlocal` statement", "Pass the value as a parameter."),
    ast.Import: ("an import inside the function", "Import at the top of the module."),
    ast.ImportFrom: ("an import inside the function", "Import at the top of the module."),
    ast.FunctionDef: ("a nested function", "Define helpers at module level."),
    ast.AsyncFunctionDef: ("a nested function", "Define helpers at module level."),
    ast.ClassDef: ("a class definition", "Define classes outside the function."),
    ast.Lambda: ("a lambda", "Define a helper with `def` at module level."),
    ast.Subscript: (
        "indexing",
        "Use whole-array operations; select with matrix products or pass the pieces as parameters.",
    ),
    ast.Compare: ("a comparison", "Comparisons have no gradient; use np.maximum or np.minimum."),
    ast.BoolOp: ("a boolean operator", "Use np.maximum or np.minimum."),
    ast.ListComp: ("a list comprehension", _STRAIGHT_LINE),
    ast.SetComp: ("a set comprehension", _STRAIGHT_LINE),
    ast.DictComp: ("a dict comprehension", _STRAIGHT_LINE),
    ast.GeneratorExp: ("a generator expression", _STRAIGHT_LINE),
    ast.List: ("a list", "Pass arrays as parameters; build them outside the function."),
    ast.Dict: ("a dict", "Pass arrays as parameters."),
    ast.Set: ("a set", "Pass arrays as parameters."),
    ast.JoinedStr: ("an f-string", "Strings are only allowed as constant arguments."),
    ast.Starred: ("`*` unpacking", "Pass each argument explicitly."),
    ast.NamedExpr: ("an assignment expression (`:=`)", "Assign with a separate statement."),
    ast.Yield: ("`yield`", "Return one value."),
    ast.YieldFrom: ("`yield from`", "Return one value."),
    ast.Await: ("`await`", "Write a plain function."),
    ast.Slice: ("a slice", "Use whole-array operations."),
}
_ASSIGN_TARGETS = {
    ast.Subscript: ("a subscript assignment", "Arrays are values here: build a new array, e.g. `z = z + b`."),
    ast.Attribute: ("an attribute assignment", "Assign to a plain name."),
    ast.Tuple: ("tuple unpacking", "Assign each value with its own statement."),
    ast.List: ("list unpacking", "Assign each value with its own statement."),
    ast.Starred: ("starred assignment", "Assign each value with its own statement."),
}


class Validator(ast.NodeVisitor):
    """Refuses unsupported constructs; records what each call resolves to."""

    def __init__(self, source: FunctionSource, resolver: Resolver, helper: bool = False):
        self.source = source
        self.resolver = resolver
        self.helper = helper
        self.resolved: dict[ast.AST, object] = {}
        self.local_names: set[str] = set()

    def refuse(self, node: ast.AST, what: str, hint: str, cls=UnsupportedSyntaxError):
        raise cls(f"unsupported syntax: {what}", location=self.source.location(node), hint=hint)

    def run(self) -> dict[ast.AST, object]:
        fn = self.source.tree
        self.signature(fn)
        body = fn.body
        if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant) \
                and isinstance(body[0].value.value, str):
            body = body[1:]  # docstring
        returns = [i for i, stmt in enumerate(body) if isinstance(stmt, ast.Return)]
        if not returns:
            raise UnsupportedSyntaxError(
                f"`{fn.name}` has no `return` statement",
                location=self.source.location(fn),
                hint="End the function with `return <value>`.",
            )
        if returns[0] != len(body) - 1:
            self.refuse(body[returns[0] + 1], "statements after `return`", "Remove them.")
        for stmt in body:
            self.visit(stmt)
        return self.resolved

    def signature(self, fn: ast.FunctionDef) -> None:
        args = fn.args
        if args.vararg:
            self.refuse(args.vararg, "`*args`", "List every parameter by name.")
        if args.kwarg:
            self.refuse(args.kwarg, "`**kwargs`", "List every parameter by name.")
        if args.kwonlyargs:
            self.refuse(args.kwonlyargs[0], "keyword-only parameters", "Make them positional parameters.")
        if args.defaults and not self.helper:
            self.refuse(args.defaults[0], "a default parameter value", "Pass every argument at each call.")
        for default in args.defaults:
            if not isinstance(default, ast.Constant):
                self.refuse(default, "a default that is not a constant", "Use a number or a string.")
        for arg in args.posonlyargs + args.args:
            if arg.arg in self.local_names:
                self.refuse(arg, f"a duplicate parameter `{arg.arg}`", "Give each parameter its own name.")
            if arg.arg == "np":
                self.refuse(arg, "a parameter named `np`", "The generated code uses `np` for numpy; rename it.")
            self.local_names.add(arg.arg)

    # -- statements ---------------------------------------------------------------------------
    def visit_Expr(self, node):
        self.refuse(node, "an expression statement", "Assign the value to a name or return it.")

    def visit_Pass(self, node):
        pass

    def _target(self, target: ast.expr) -> None:
        if not isinstance(target, ast.Name):
            what, hint = _ASSIGN_TARGETS.get(type(target), ("this assignment target", "Assign to a plain name."))
            self.refuse(target, what, hint)

    def visit_Assign(self, node):
        self.visit(node.value)
        if len(node.targets) != 1:
            self.refuse(node, "chained assignment", "Assign each name with its own statement.")
        target = node.targets[0]
        if isinstance(target, ast.Tuple) and isinstance(self.resolved.get(node.value), TransformSpec) \
                and all(isinstance(t, ast.Name) for t in target.elts):
            self.local_names.update(t.id for t in target.elts)  # gradients unpacked from a transform
            return
        self._target(target)
        self.local_names.add(target.id)

    def visit_With(self, node):
        item = node.items[0]
        path = dotted_name(item.context_expr.func) if isinstance(item.context_expr, ast.Call) else None
        if len(node.items) != 1 or item.optional_vars is not None or path is None \
                or self.resolver.context(path) is None or item.context_expr.args or item.context_expr.keywords:
            self.refuse(node, "a `with` statement", "Only `with torch.no_grad():` blocks are supported.")
        self.resolved[node] = self.resolver.context(path)
        for stmt in node.body:
            if isinstance(stmt, ast.Return):
                self.refuse(stmt, "`return` inside `with torch.no_grad()`",
                            "Return after the block; values computed inside are constants.")
            self.visit(stmt)

    def visit_AnnAssign(self, node):
        if node.value is None:
            self.refuse(node, "an annotation without a value", "Assign a value.")
        self.visit(node.value)
        self._target(node.target)
        self.local_names.add(node.target.id)

    def visit_AugAssign(self, node):
        self._target(node.target)
        self._operator(node, node.op)
        self.visit(node.target)
        self.visit(node.value)

    def visit_Return(self, node):
        if node.value is None:
            self.refuse(node, "`return` without a value", "Return the value to differentiate.")
        if isinstance(node.value, ast.Tuple):  # (value, aux) with has_aux=True
            for elt in node.value.elts:
                self._visit_returned(elt)
        else:
            self.visit(node.value)

    def _visit_returned(self, node):
        """An element of a returned tuple: an expression, or a tuple of them (several aux values)."""
        for elt in node.elts if isinstance(node, ast.Tuple) else [node]:
            self.visit(elt)

    # -- expressions --------------------------------------------------------------------------
    def visit_Constant(self, node):
        if not isinstance(node.value, (int, float, str, type(None))):  # bools are ints
            self.refuse(node, f"the constant {node.value!r}", "Use int or float numbers.")

    def visit_Name(self, node):
        if node.id in self.local_names or self.resolver.constant(node.id) is not NOT_CONSTANT:
            return
        self.refuse(
            node,
            f"the name `{node.id}`, which is neither a parameter, an earlier assignment nor a number or string constant",
            "Pass the value as a parameter.",
        )

    def _operator(self, node, op):
        if type(op) not in BINARY_OPERATORS:
            self.refuse(node, f"the operator `{type(op).__name__}`", "Supported operators: + - * / ** @.")

    def visit_BinOp(self, node):
        self._operator(node, node.op)
        self.visit(node.left)
        self.visit(node.right)

    def visit_UnaryOp(self, node):
        if type(node.op) not in UNARY_OPERATORS:
            self.refuse(node, f"the operator `{type(node.op).__name__}`", "Supported unary operators: - +.")
        self.visit(node.operand)

    def visit_Tuple(self, node):
        for elt in node.elts:
            if not isinstance(elt, (ast.Constant, ast.UnaryOp)):
                self.refuse(elt, "a tuple of non-constants", "Tuples may only hold constants, e.g. axis=(0, 1).")
            self.visit(elt)

    def _on_value(self, node: ast.Attribute) -> bool:
        """Whether `a.b` is an attribute of an array (`x.T`, `x.sum`) rather than of a module."""
        path = dotted_name(node)
        return path is None or path.split(".")[0] in self.local_names

    def visit_Attribute(self, node):
        if self._on_value(node):
            name = f"attribute.{node.attr}"
            if name not in OPS:
                self.refuse(node, f"the attribute `.{node.attr}`", "Array attributes supported: .T.")
            self.resolved[node] = name
            self.visit(node.value)
            return
        path = dotted_name(node)
        value = self.resolver.constant(path)
        foreign = self.resolver.foreign(path) if value is NOT_CONSTANT else None
        if foreign:
            self.refuse(node, f"`{path}`, {foreign[0]}", foreign[1])
        if value is NOT_CONSTANT:
            self.refuse(node, f"`{self.resolver.describe(path)}`, which is not a number symdiff knows",
                        "Pass the value as a parameter.")
        self.resolved[node] = Constant(value)

    def visit_Call(self, node):
        func = node.func
        if isinstance(func, ast.Attribute) and self._on_value(func):
            name = f"method.{func.attr}"
            if name not in OPS:
                self.refuse(func, f"the method `.{func.attr}()`, which symdiff has no rule for",
                            "See the README for the supported calls.", cls=UnknownCallError)
            self.resolved[node] = name
            self.visit(func.value)
        else:
            path = dotted_name(func)
            if path is None:
                self.refuse(func, "a call of a computed function", "Call a function by its name.")
            target = self.resolver.call(path) or self.resolver.helper(path)
            foreign = self.resolver.foreign(path) if target is None else None
            if foreign:
                self.refuse(func, f"a call to `{path}`, {foreign[0]}", foreign[1], cls=UnknownCallError)
            if target is None:
                suggestion = self.resolver.suggest(path)
                hint = f"Did you mean `{suggestion}`?" if suggestion else "See the README for the supported calls."
                self.refuse(func, f"a call to `{self.resolver.describe(path)}`, which symdiff has no rule for",
                            hint, cls=UnknownCallError)
            self.resolved[node] = target
        for arg in node.args:
            self.visit(arg)
        for kw in node.keywords:
            if kw.arg is None:
                self.refuse(kw.value, "`**` unpacking", "Pass each keyword argument explicitly.")
            self.visit(kw.value)

    def generic_visit(self, node):
        what, hint = _REFUSED.get(type(node), (f"`{type(node).__name__}`", _STRAIGHT_LINE))
        self.refuse(node, what, hint)


@dataclass(frozen=True)
class Constant:
    """A module attribute that is a number (`np.pi`)."""

    value: object


def validate(source: FunctionSource, resolver: Resolver, helper: bool = False) -> dict[ast.AST, object]:
    """Check the whole function. Return what each call and attribute resolves to: an OPS name, the
    `FunctionSource` of a helper to inline, or a `Constant`."""
    return Validator(source, resolver, helper).run()
