"""One validating pass over a function's AST: syntax outside the supported subset is refused here,
before any IR is built, with the construct's line and column and what to write instead.

Supported: a `def` with any parameters but `**kwargs`; assignments to names, tuples of names and
items of lists and dicts; `for`, `while`, `if`, `break`, `continue`, `return` anywhere (the builder
unrolls and decides them at compile time, refusing those that depend on array values); `assert`,
`print`, docstrings; numbers and strings; operators (comparisons and `& | ~` of arrays are masks); literals, comprehensions and subscripts of
lists, tuples and dicts; calls to the functions in `ops.OPS`, to Python builtins (`static`) and to
the user's own functions. What a name, an attribute or a method means is recorded for the builder.
"""
from __future__ import annotations

import ast
from dataclasses import dataclass

from .errors import UnknownCallError, UnsupportedSyntaxError
from .resolve import BINARY_OPERATORS, NOT_CONSTANT, STATIC_OPERATORS, UNARY_OPERATORS, Resolver, dotted_name
from .ops import OPS, Bound
from .source import FunctionSource
from .static import MUTATORS

_STRAIGHT_LINE = (
    "symdiff compiles array programs: vectorize it with matrix products and broadcasting, or unroll "
    "it with a `for` loop over a constant range or a list."
)
_REFUSED = {
    ast.AsyncFor: ("an `async for` loop", "Write a plain function."),
    ast.Try: ("a `try` statement", "Check inputs before calling the function; the compiled code has one path."),
    ast.With: ("a `with` statement", "Only `with torch.no_grad():` blocks are supported."),
    ast.Delete: ("a `del` statement", "Just stop using the name."),
    ast.Global: ("a `global` statement", "Pass the value as a parameter, or read the global without assigning it."),
    ast.Nonlocal: ("a `nonlocal` statement", "Pass the value as a parameter."),
    ast.Import: ("an import inside the function", "Import at the top of the module."),
    ast.ImportFrom: ("an import inside the function", "Import at the top of the module."),
    ast.AsyncFunctionDef: ("a nested function", "Define helpers at module level."),
    ast.ClassDef: ("a class definition", "Define classes outside the function."),
    ast.SetComp: ("a set comprehension", "Use a list."),
    ast.Set: ("a set", "Use a list or a tuple."),
    ast.JoinedStr: ("an f-string", "Strings are only allowed as constant arguments (and in `print`)."),
    ast.NamedExpr: ("an assignment expression (`:=`)", "Assign with a separate statement."),
    ast.Yield: ("`yield`", "Return one value; generators cannot be differentiated."),
    ast.YieldFrom: ("`yield from`", "Return one value; generators cannot be differentiated."),
    ast.Await: ("`await`", "Write a plain function."),
}
_IO = {"open", "input", "numpy.load", "numpy.save", "numpy.loadtxt", "numpy.savetxt", "numpy.genfromtxt",
       "torch.load", "torch.save"}
_ASSIGN_TARGETS = {
    ast.Attribute: ("an attribute assignment", "Assign to a plain name."),
}
#: Subscripts, `for`, `while`, `if`, comparisons... are syntax the builder decides on by value: see `parse`.
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
        if not any(isinstance(n, ast.Return) for n in ast.walk(fn)):
            raise UnsupportedSyntaxError(
                f"`{fn.name}` has no `return` statement",
                location=self.source.location(fn),
                hint="End the function with `return <value>`.",
            )
        self.statements(fn.body)
        return self.resolved

    def statements(self, body: list) -> None:
        for i, stmt in enumerate(body):
            if isinstance(stmt, (ast.Return, ast.Raise, ast.Break, ast.Continue)) and i + 1 < len(body):
                self.refuse(body[i + 1], f"statements after `{type(stmt).__name__.lower()}`", "Remove them.")
            self.visit(stmt)

    def signature(self, fn: ast.FunctionDef) -> None:
        args = fn.args
        if args.kwarg and not self.helper:
            self.refuse(args.kwarg, "`**kwargs`", "List every parameter by name (keyword-only ones too).")
        for default in args.defaults + [d for d in args.kw_defaults if d is not None]:
            self.visit(default)
        for arg in args.posonlyargs + args.args + [a for a in (args.vararg, args.kwarg) if a] + args.kwonlyargs:
            if arg.arg in self.local_names:
                self.refuse(arg, f"a duplicate parameter `{arg.arg}`", "Give each parameter its own name.")
            if arg.arg == "np":
                self.refuse(arg, "a parameter named `np`", "The generated code uses `np` for numpy; rename it.")
            self.local_names.add(arg.arg)

    # -- statements ---------------------------------------------------------------------------
    def visit_Expr(self, node):
        value = node.value
        if isinstance(value, ast.Constant):
            return  # a docstring or `...`
        if isinstance(value, ast.Call) and (
                (isinstance(value.func, ast.Name) and self.resolver.builtin(value.func.id) == "print")
                or (isinstance(value.func, ast.Attribute) and value.func.attr in MUTATORS)):
            self.visit(value)
            return
        self.refuse(node, "an expression statement", "Assign the value to a name or return it.")

    def visit_Pass(self, node):
        pass

    visit_Break = visit_Continue = visit_Pass

    def _target(self, target: ast.expr) -> None:
        """An assignment target: names, tuples and lists of them (starred too), items of containers."""
        if isinstance(target, ast.Name):
            self.local_names.add(target.id)
        elif isinstance(target, (ast.Tuple, ast.List)):
            for elt in target.elts:
                self._target(elt)
        elif isinstance(target, ast.Starred):
            self._target(target.value)
        elif isinstance(target, ast.Subscript):
            self.visit(target.value)
            self.visit(target.slice)
        else:
            what, hint = _ASSIGN_TARGETS.get(type(target), ("this assignment target", "Assign to a plain name."))
            self.refuse(target, what, hint)

    def visit_Assign(self, node):
        self.visit(node.value)
        if len(node.targets) != 1:
            self.refuse(node, "chained assignment", "Assign each name with its own statement.")
        self._target(node.targets[0])

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
        self.statements(node.body)

    def visit_AnnAssign(self, node):
        if node.value is None:
            self.refuse(node, "an annotation without a value", "Assign a value.")
        self.visit(node.value)
        self._target(node.target)

    def visit_AugAssign(self, node):
        self._operator(node, node.op)
        self.visit(node.value)
        self.visit(node.target)
        self._target(node.target)

    def visit_Return(self, node):
        if node.value is None:
            self.refuse(node, "`return` without a value", "Return the value to differentiate.")
        self.visit(node.value)

    def visit_Raise(self, node):
        pass  # refused by the builder if reached: its condition decides at compile time

    def visit_Assert(self, node):
        self.visit(node.test)

    def visit_For(self, node):
        self.visit(node.iter)
        self._target(node.target)
        self.statements(node.body)
        self.statements(node.orelse)

    def visit_While(self, node):
        self.visit(node.test)
        self.statements(node.body)
        self.statements(node.orelse)

    def visit_If(self, node):
        self.visit(node.test)
        self.statements(node.body)
        self.statements(node.orelse)

    def visit_FunctionDef(self, node):
        """A function defined in the body: checked in the body's scope, inlined where it is called."""
        if node.decorator_list:
            self.refuse(node.decorator_list[0], "a decorated nested function", "Define it at module level.")
        self.local_names.add(node.name)
        self._local_function(node.args)
        self.statements(node.body)

    def visit_Lambda(self, node):
        self._local_function(node.args)
        self.visit(node.body)

    def _local_function(self, args: ast.arguments) -> None:
        for default in args.defaults + [d for d in args.kw_defaults if d is not None]:
            self.visit(default)
        for arg in args.posonlyargs + args.args + [a for a in (args.vararg, args.kwarg) if a] + args.kwonlyargs:
            self.local_names.add(arg.arg)

    # -- expressions --------------------------------------------------------------------------
    def visit_Constant(self, node):
        if not isinstance(node.value, (int, float, str, type(None), type(...))):  # bools are ints
            self.refuse(node, f"the constant {node.value!r}", "Use int or float numbers.")

    def visit_Name(self, node):
        if node.id in self.local_names or self.resolver.constant(node.id) is not NOT_CONSTANT \
                or self.resolver.lookup(node.id)[0] or self.resolver.builtin(node.id):
            return
        self.refuse(
            node,
            f"the name `{node.id}`, which is neither a parameter, an earlier assignment nor a value defined "
            "outside the function",
            "Pass the value as a parameter.",
        )

    def _operator(self, node, op):
        if type(op) not in BINARY_OPERATORS and type(op) not in STATIC_OPERATORS:
            self.refuse(node, f"the operator `{type(op).__name__}`", "Supported operators: + - * / ** @ & |.")

    def visit_BinOp(self, node):
        self._operator(node, node.op)
        self.visit(node.left)
        self.visit(node.right)

    def visit_UnaryOp(self, node):
        if type(node.op) not in UNARY_OPERATORS and not isinstance(node.op, ast.Not):
            self.refuse(node, f"the operator `{type(node.op).__name__}`", "Supported unary operators: - + ~ not.")
        self.visit(node.operand)

    def visit_Dict(self, node):
        for key in node.keys:
            if key is None:
                self.refuse(node, "`**` unpacking in a dict", "Write each item.")
        self.generic_children(node)

    def _comprehension(self, node, parts):
        for gen in node.generators:
            if gen.is_async:
                self.refuse(node, "an async comprehension", "Write a plain comprehension.")
            self.visit(gen.iter)
            self._target(gen.target)
            for cond in gen.ifs:
                self.visit(cond)
        for part in parts:
            self.visit(part)

    def visit_ListComp(self, node):
        self._comprehension(node, [node.elt])

    visit_GeneratorExp = visit_ListComp

    def visit_DictComp(self, node):
        self._comprehension(node, [node.key, node.value])

    def _on_value(self, node: ast.Attribute) -> bool:
        """Whether `a.b` is an attribute of a value (`x.T`, `params.W`, `self.w`) rather than of a module."""
        path = dotted_name(node)
        if path is None:
            return True
        root = path.split(".")[0]
        if root in self.local_names:
            return True
        if self.resolver.call(path) is not None:  # `norm.logpdf` after `from scipy.stats import norm`
            return False
        return not self.resolver.is_module(root) and self.resolver.lookup(root)[0]

    def visit_Attribute(self, node):
        if self._on_value(node):
            name = f"attribute.{node.attr}"
            self.resolved[node] = name if name in OPS else ValueAttribute(node.attr)
            self.visit(node.value)
            return
        path = dotted_name(node)
        value = self.resolver.constant(path)
        foreign = self.resolver.foreign(path) if value is NOT_CONSTANT else None
        if foreign:
            self.refuse(node, f"`{path}`, {foreign[0]}", foreign[1])
        op = self.resolver.call(path) if value is NOT_CONSTANT else None
        if op is not None:  # a function passed as a value: `nonlinearity=np.tanh`
            value = Bound(op)
        if value is NOT_CONSTANT:
            self.refuse(node, f"`{self.resolver.describe(path)}`, which is neither a number nor a function "
                        "symdiff knows", "Pass the value as a parameter.")
        self.resolved[node] = Constant(value)

    def visit_Call(self, node):
        func = node.func
        if isinstance(func, ast.Attribute) and self._on_value(func):
            self.resolved[node] = f"method.{func.attr}" if f"method.{func.attr}" in OPS else Method(func.attr)
            self.visit(func.value)
        elif isinstance(func, ast.Name) and func.id in self.local_names or isinstance(func, (ast.Call, ast.Subscript)):
            self.resolved[node] = Method(None)  # a function held by a parameter, a local name or a value
            self.visit(func)                    # (`nn.MSELoss()(y, t)`, `activations[i](x)`)
        else:
            path = dotted_name(func)
            if path is None:
                self.refuse(func, "a call of a computed function", "Call a function by its name.")
            target = self.resolver.call(path) or self.resolver.helper(path) or self.resolver.builtin(path)
            foreign = self.resolver.foreign(path) if target is None else None
            if foreign:
                self.refuse(func, f"a call to `{path}`, {foreign[0]}", foreign[1], cls=UnknownCallError)
            if target is None and self.resolver.describe(path) in _IO:
                self.refuse(func, f"a call to `{self.resolver.describe(path)}`: input or output",
                            "The compiled code has no side effects: read or write data outside the function "
                            "and pass it in as an argument.")
            if target is None:
                suggestion = self.resolver.suggest(path)
                hint = f"Did you mean `{suggestion}`?" if suggestion else "See the README for the supported calls."
                self.refuse(func, f"a call to `{self.resolver.describe(path)}`, which symdiff has no rule for",
                            hint, cls=UnknownCallError)
            self.resolved[node] = target
            if target == "print":
                return  # dropped unevaluated: its arguments may be f-strings
        for arg in node.args:
            self.visit(arg)
        for kw in node.keywords:
            if kw.arg is None and not (isinstance(kw.value, ast.Name) and kw.value.id in self.local_names):
                self.refuse(kw.value, "`**` unpacking", "Pass each keyword argument explicitly (or a dict by name).")
            self.visit(kw.value)

    def generic_children(self, node):
        super().generic_visit(node)

    visit_Tuple = visit_List = visit_Starred = visit_Subscript = visit_Slice = generic_children
    visit_Compare = visit_BoolOp = visit_IfExp = generic_children

    def visit_Load(self, node):
        pass

    visit_Store = visit_Del = visit_Load

    def generic_visit(self, node):
        if isinstance(node, (ast.operator, ast.cmpop, ast.boolop, ast.unaryop, ast.expr_context)):
            return
        what, hint = _REFUSED.get(type(node), (f"`{type(node).__name__}`", _STRAIGHT_LINE))
        self.refuse(node, what, hint)


@dataclass(frozen=True)
class ValueAttribute:
    """`a.b` on a value, decided by what `a` is: a shape (`x.shape`), a field (`p.W`), an attribute read
    at call time (`self.W`)."""

    attr: str


@dataclass(frozen=True)
class Method:
    """`a.b(...)` of a value, decided by what `a` is (`hs.append(h)`, `self.forward(x)`); `attr` None
    for a call of a function value (`act(x)` where `act` is a parameter, `acts[0](x)`)."""

    attr: str | None


@dataclass(frozen=True)
class Constant:
    """A module attribute that is a number (`np.pi`), a dtype or a library function (`np.tanh`, `Bound`)."""

    value: object


def validate(source: FunctionSource, resolver: Resolver, helper: bool = False) -> dict[ast.AST, object]:
    """Check the whole function. Return what each call and attribute resolves to: an OPS name, the
    `FunctionSource` of a helper to inline, or a `Constant`."""
    return Validator(source, resolver, helper).run()
