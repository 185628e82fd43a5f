"""The front end: a validated function's AST -> the IR graph of its forward computation.

The builder evaluates the body as Python would, with IR `Value`s in place of arrays and plain
Python values (see `static`) for everything known when it compiles: loops over those unroll,
branches on them are decided, helpers and functions defined in the body are inlined. What the
function reads from outside its parameters is read at each call (see `outside`).
"""
from __future__ import annotations

import ast
import dataclasses
import inspect
import operator
from dataclasses import dataclass

import sympy as sp

from . import indexing, loop_source
from .errors import ShapeError, SymdiffError, UnknownCallError, UnsupportedSyntaxError
from .ir import Graph, Value, array_op
from .loops import Body
from .names import Namer
from .ops import OPS, Bound, array
from .primitives import Identity
from .primitives.constants import arange
from .outside import Inputs
from .resolve import (
    BINARY_OPERATORS, COMPARE_OPERATORS, NOT_CONSTANT, STATIC_OPERATORS, UNARY_OPERATORS, Resolver, foreign_function,
)
from .scalar import stop_gradient
from .source import FunctionSource, TransformSpec, lambda_def
from .static import (
    BUILTINS, LOOPS_HINT, MAX_UNROLL, Collected, Function, Local, Outside, Record, Steps, compare, container_method,
    dimension, refuse, sequence, subscript, truth, unrolled,
)
from .trees import TreeDef, leaf_names, unflatten
from .validate import Constant, Method, validate

_FOLD = {
    "operator.add": operator.add,
    "operator.sub": operator.sub,
    "operator.mul": operator.mul,
    "operator.truediv": operator.truediv,
    "operator.pow": operator.pow,
    "operator.neg": operator.neg,
    "operator.pos": operator.pos,
    "operator.floordiv": operator.floordiv,
    "operator.mod": operator.mod,
    "operator.and_": operator.and_,
    "operator.or_": operator.or_,
    "operator.invert": operator.invert,
}
_ARRAY_ATTRIBUTES = ("shape", "ndim", "size")


class _Signal:
    def __init__(self, name):
        self.name = name


BREAK, CONTINUE = _Signal("break"), _Signal("continue")


@dataclass
class Return:
    value: object


def _parts(index) -> tuple:
    """An evaluated index as the tuple of its parts."""
    return index if isinstance(index, tuple) else (index,)


class Builder:
    """Evaluates the function body with IR values in place of arrays; helpers are inlined."""

    def __init__(self, source: FunctionSource, graph: Graph, active: tuple = (), helper: bool = False,
                 inputs: Inputs | None = None, call: dict | None = None, backward=None):
        self.source = source
        self.graph = graph
        self.backward = backward  # reverse mode, for calls of symdiff.grad functions (given by the API)
        self.inputs = inputs if inputs is not None else Inputs()
        self.call = call
        self.resolver = Resolver(source)
        key = id(source.tree)
        if key not in self.inputs.validated:
            self.inputs.validated[key] = (source.tree, validate(source, self.resolver, helper))
        self.resolved = self.inputs.validated[key][1]
        self.active = active + (source.name,)  # the chain of helpers being inlined
        self.env: dict[str, object] = {}

    def run(self):
        """The returned value (a tuple of values for `return value, aux`)."""
        signal = self.block(self.source.tree.body, constant=False)
        if not isinstance(signal, Return):
            raise UnsupportedSyntaxError(
                f"`{self.source.name}` ends without a `return` for these arguments",
                location=self.source.location(self.source.tree), hint="Return a value on every path.")
        return signal.value

    # -- statements ---------------------------------------------------------------------------
    def block(self, body: list, constant: bool):
        """Run statements, returning how the block ended: None, BREAK, CONTINUE or a `Return`. In a
        `torch.no_grad()` block (`constant`) every value assigned is a constant."""
        for stmt in body:
            location = self.source.location(stmt)
            with self.graph.context(statement=location, location=location):
                signal = self.statement(stmt, constant)
            if signal is not None:
                return signal
        return None

    def statement(self, stmt: ast.stmt, constant: bool):
        if isinstance(stmt, (ast.Assign, ast.AnnAssign)):
            target = stmt.targets[0] if isinstance(stmt, ast.Assign) else stmt.target
            self.assign(target, self.expr(stmt.value), constant)
        elif isinstance(stmt, ast.AugAssign):
            op = BINARY_OPERATORS.get(type(stmt.op)) or STATIC_OPERATORS[type(stmt.op)]
            self.assign(stmt.target, self.binary(op, stmt.op, self.expr(stmt.target), self.expr(stmt.value)), constant)
        elif isinstance(stmt, ast.With):
            return self.block(stmt.body, constant=True)
        elif isinstance(stmt, ast.Return):
            return Return(self.expr(stmt.value))
        elif isinstance(stmt, ast.Expr):
            if not isinstance(stmt.value, ast.Constant):  # docstrings and `...` are skipped
                self.expr(stmt.value)
        elif isinstance(stmt, ast.Break):
            return BREAK
        elif isinstance(stmt, ast.Continue):
            return CONTINUE
        elif isinstance(stmt, ast.If):
            test = self.expr(stmt.test)
            if isinstance(test, Value):
                return self.select(stmt, test, constant)
            return self.block(stmt.body if truth(test, self.graph) else stmt.orelse, constant)
        elif isinstance(stmt, ast.For):
            items = self.expr(stmt.iter)
            if loop_source.steps(self, items) is not None:  # a loop in the generated code
                return loop_source.run(self, stmt, items, constant)
            return self.loop(stmt, unrolled(sequence(items, self.graph, "this `for` loop"), self.graph), constant)
        elif isinstance(stmt, ast.While):
            return self.loop(stmt, None, constant)
        elif isinstance(stmt, ast.Assert):
            self.check(stmt)
        elif isinstance(stmt, loop_source.Item):
            self.env[stmt.name].append(self.expr(stmt.value))
        elif isinstance(stmt, ast.FunctionDef):
            self.env[stmt.name] = Local(stmt, self)
        elif isinstance(stmt, ast.Raise):
            refuse(self.graph, "this `raise` is reached for these arguments",
                   "symdiff decides the function's branches when it compiles: check the arguments' shapes.")
        return None

    def select(self, stmt: ast.If, test: Value, constant: bool):
        """An `if` on array values: both branches run, and each name they assign (or the value they
        both return) is selected elementwise, `np.where(test, then, else)`; the gradient flows
        through the branch taken."""
        condition = self.mask(test)
        before = dict(self.env)
        sizes = {name: len(v) for name, v in before.items() if isinstance(v, (list, dict))}
        outcomes = []
        for body in (stmt.body, stmt.orelse):
            self.env = dict(before)
            signal = self.block(body, constant)
            if any(len(before[name]) != n for name, n in sizes.items()):
                refuse(self.graph, "a list or dict changed in a branch on array values",
                       "Build the container outside the branch, or select values with np.where.")
            if signal is not None and not isinstance(signal, Return):
                refuse(self.graph, "`break` or `continue` in a branch on array values",
                       "Loop a fixed number of times and select values with np.where.")
            outcomes.append((signal, self.env))
        (then_signal, then_env), (else_signal, else_env) = outcomes
        if (then_signal is None) != (else_signal is None):
            refuse(self.graph, "a `return` in only one branch of an `if` on array values",
                   "Return after the `if`, or return in both branches: symdiff selects between them elementwise.")
        self.env = {}
        for name in dict.fromkeys([*then_env, *else_env]):
            if name not in then_env or name not in else_env:
                continue  # assigned on one path only: unusable after the `if` (refused where read)
            a, b = then_env[name], else_env[name]
            self.env[name] = a if a is b else self._bind(name, self.choose(condition, a, b), constant)
        if then_signal is not None:
            return Return(self.choose(condition, then_signal.value, else_signal.value))
        return None

    def mask(self, test: Value) -> Value:
        """An array condition as a boolean mask (a number array: where it is nonzero)."""
        return test if test.is_mask else self.apply("operator.ne", [test, 0])

    def choose(self, condition: Value, a, b):
        """`np.where(condition, a, b)` for arrays and numbers; other values must not differ."""
        if isinstance(a, (tuple, list)) and isinstance(b, (tuple, list)) and len(a) == len(b):
            return type(a)(self.choose(condition, x, y) for x, y in zip(a, b))
        if not all(isinstance(v, (Value, int, float, sp.Expr)) and not isinstance(v, bool) for v in (a, b)):
            refuse(self.graph, f"a value that depends on array values: {a!r} or {b!r}",
                   "Only arrays and numbers can be selected elementwise (np.where).")
        return self.apply("numpy.where", [condition, a, b])

    def loop(self, stmt, items: list | None, constant: bool):
        """A `for` over `items` or a `while` (`items` None), unrolled (a `while` until its test
        depends on array values)."""
        count = 0
        while True:
            if items is not None:
                if count == len(items):
                    break
                self.assign(stmt.target, items[count], constant)
            else:
                with self.graph.context(location=self.source.location(stmt.test)):
                    test = loop_source.condition(self, stmt.test)
                    if isinstance(test, Value):  # decided at run time: the rest of the loop is a loop node
                        return loop_source.run_while(self, stmt, constant)
                    if not truth(test, self.graph):
                        break
                if count == MAX_UNROLL:
                    refuse(self.graph, f"a `while` loop that runs more than {MAX_UNROLL} times", LOOPS_HINT)
            count += 1
            signal = self.block(stmt.body, constant)
            if signal is BREAK:
                return None
            if isinstance(signal, Return):
                return signal
        return self.block(stmt.orelse, constant)

    def check(self, stmt: ast.Assert) -> None:
        """An `assert`: checked when it is decidable at compile time (shapes, ranks), else dropped."""
        try:
            holds = truth(self.expr(stmt.test), self.graph)
        except SymdiffError:
            return
        if not holds:
            raise ShapeError("this assertion fails for arguments of these shapes", location=self.graph.location,
                             hint="Check the shapes of the arguments.")

    def assign(self, target: ast.expr, value, constant: bool) -> None:
        if isinstance(target, ast.Name):
            self.env[target.id] = self._bind(target.id, value, constant)
        elif isinstance(target, (ast.Tuple, ast.List)):
            self.unpack(target.elts, value, constant)
        elif isinstance(target, ast.Subscript):
            container = self.expr(target.value)
            index = self.index(target.slice)
            if isinstance(container, Value) and isinstance(target.value, ast.Name):  # see `indexing`
                name = target.value.id
                if isinstance(self.graph, Body) and self.graph.step_row(container, _parts(index)):
                    self.env[name] = loop_source.written(self, name, container, _parts(index), value)
                    return
                updated = indexing.assign(self.graph, self._owned(name), _parts(index), value)
                self.env[name] = self._bind(name, updated, constant)
                return
            if not isinstance(container, (list, dict)):
                refuse(self.graph, "unsupported syntax: a subscript assignment",
                       "Arrays are values here: build a new array, e.g. `z = z + b`.")
            try:
                container[index] = value
            except (IndexError, TypeError) as exc:
                refuse(self.graph, f"cannot assign the item {index!r}: {exc}")

    def unpack(self, targets: list, value, constant: bool) -> None:
        """`a, (b, *c) = value` for any compile-time sequence, and an array's rows (`a, b = x`)."""
        starred = [i for i, t in enumerate(targets) if isinstance(t, ast.Starred)]
        fixed = len(targets) - len(starred)
        items = self.rows(value, fixed, bool(starred)) if isinstance(value, Value) else \
            sequence(value, self.graph, "this unpacking")
        if len(items) < fixed or (not starred and len(items) != fixed):
            raise UnsupportedSyntaxError(f"{len(targets)} names for {len(items)} values", location=self.graph.location)
        if starred:
            s = starred[0]
            rest = len(items) - (len(targets) - s - 1)
            items = items[:s] + [list(items[s:rest])] + items[rest:]
        for t, v in zip(targets, items):
            self.assign(t.value if isinstance(t, ast.Starred) else t, v, constant)

    def rows(self, x: Value, count: int, starred: bool) -> list:
        """The rows `x[0], x[1], ...` of an array unpacked into `count` names (and a starred one): its
        first axis has that length, which the derivation then requires of every call."""
        if not x.shape:
            refuse(self.graph, f"unpacking `{x.label}`, which is 0-dimensional", "Unpack arrays of one or more axes.")
        length = self.graph.dims.find(x.shape[0])
        if starred and not length.is_Integer:  # `a, *rest = x`: as many rows as the call gives
            length = self.graph.dims.seen(length)
            if length is None or self.graph.dims.equal(x.shape[0], length) is None:
                refuse(self.graph, f"unpacking `{x.label}` with `*`: the length of its first axis varies between "
                       "calls", "Unpack a fixed number of names, or slice it: `a, rest = x[0], x[1:]`.")
        elif not starred and self.graph.dims.equal(x.shape[0], count) is None:
            rows = self.graph.dims.show(x.shape[:1]).strip("(,)")
            raise ShapeError(f"{count} names for the {rows} rows of `{x.label}` of shape {x.shape_text}",
                             location=self.graph.location,
                             hint=f"Unpack as many names as `{x.label}` has rows along its first axis.")
        return [indexing.subscript(self.graph, x, (i,)) for i in range(int(self.graph.dims.find(length)))]

    def _bind(self, name: str, value, constant: bool):
        if isinstance(value, tuple) and not hasattr(value, "_fields"):
            return tuple(self._bind(name, v, constant) for v in value)
        if not isinstance(value, Value):
            return value
        return (value.apply(stop_gradient) if constant and not value.is_mask else value).named(name)

    # -- expressions --------------------------------------------------------------------------
    def apply(self, name: str, args: list, kwargs: dict | None = None):
        if args and isinstance(args[0], Collected):
            return loop_source.collected_call(self, name, args, kwargs or {})
        if name in _FOLD and not kwargs and not any(isinstance(a, Value) for a in args):
            try:
                return _FOLD[name](*args)
            except (ArithmeticError, TypeError, ValueError) as exc:
                raise UnsupportedSyntaxError(f"constant arithmetic fails: {exc}", location=self.graph.location)
        return OPS[name](self.graph, args, kwargs or {})

    def binary(self, name: str, op: ast.operator, left, right):
        if type(op) in STATIC_OPERATORS and (isinstance(left, Value) or isinstance(right, Value)):
            refuse(self.graph, f"unsupported syntax: the operator `{type(op).__name__}` on arrays",
                   "Supported operators: + - * / ** @.")
        return self.apply(name, [left, right])

    def expr(self, node: ast.expr):
        with self.graph.context(location=self.source.location(node)):
            method = getattr(self, f"_{type(node).__name__}", None)
            if method is None:
                refuse(self.graph, f"unsupported syntax: `{type(node).__name__}` here")
            return method(node)

    def _Constant(self, node):
        return node.value

    def _Name(self, node):
        if node.id in self.env:
            return self.env[node.id]
        found, live = self.resolver.lookup(node.id)
        if not found:
            value = self.resolver.constant(node.id)
            if value is NOT_CONSTANT:
                refuse(self.graph, f"`{node.id}` has no value here: it is not assigned on this path, or is a "
                       "builtin used as a value", "Assign it on every path before using it.")
            return value
        return self.outside(self.resolver.fetcher(node.id), node.id, live)

    def _elements(self, nodes) -> list:
        items = []
        for e in nodes:
            if isinstance(e, ast.Starred):
                items += sequence(self.expr(e.value), self.graph, "this `*` unpacking")
            else:
                items.append(self.expr(e))
        return items

    def _Tuple(self, node):
        return tuple(self._elements(node.elts))

    def _List(self, node):
        return self._elements(node.elts)

    def _Dict(self, node):
        out = {}
        for k, v in zip(node.keys, node.values):
            key = self.expr(k)
            if isinstance(key, Value):
                refuse(self.graph, "an array as a dict key", "Use strings or numbers as keys.")
            out[key] = self.expr(v)
        return out

    def _BinOp(self, node):
        name = BINARY_OPERATORS.get(type(node.op)) or STATIC_OPERATORS[type(node.op)]
        return self.binary(name, node.op, self.expr(node.left), self.expr(node.right))

    def _UnaryOp(self, node):
        operand = self.expr(node.operand)
        if isinstance(node.op, ast.Not):
            if isinstance(operand, Value):
                refuse(self.graph, "unsupported syntax: the operator `Not` on an array",
                       "Invert a mask with `~`; supported unary operators on arrays: - + ~.")
            return not truth(operand, self.graph)
        return self.apply(UNARY_OPERATORS[type(node.op)], [operand])

    def _Compare(self, node):
        left = self.expr(node.left)
        result = True
        for op, comparator in zip(node.ops, node.comparators):
            right = self.expr(comparator)
            if (isinstance(left, Value) or isinstance(right, Value)) and not isinstance(op, (ast.Is, ast.IsNot)):
                if len(node.ops) > 1:  # numpy cannot take the truth value of the first mask
                    refuse(self.graph, "unsupported syntax: a chained comparison of arrays",
                           "Combine the comparisons with `&`: `(a < b) & (b < c)`.")
                return self.compare_arrays(op, left, right)
            result = compare(type(op).__name__, left, right, self.graph)
            if not result:
                return result
            left = right
        return result

    def compare_arrays(self, op: ast.cmpop, left, right):
        """`a < b` where an operand is an array: a boolean mask (for `np.where`, `&`, arithmetic)."""
        if type(op) not in COMPARE_OPERATORS:
            refuse(self.graph, f"unsupported syntax: the comparison `{type(op).__name__}` of arrays",
                   "Compare arrays with < <= > >= == !=.")
        return self.apply(COMPARE_OPERATORS[type(op)], [left, right])

    def _BoolOp(self, node):
        value = None
        for part in node.values:
            value = self.expr(part)
            if isinstance(value, Value):
                refuse(self.graph, "unsupported syntax: a boolean operator (`and`, `or`) on arrays",
                       "Combine masks with `&` and `|`.")
            if truth(value, self.graph) != isinstance(node.op, ast.And):
                return value
        return value

    def _IfExp(self, node):
        test = self.expr(node.test)
        if isinstance(test, Value):  # on array values: both sides, selected elementwise
            return self.choose(self.mask(test), self.expr(node.body), self.expr(node.orelse))
        return self.expr(node.body) if truth(test, self.graph) else self.expr(node.orelse)

    def comprehension(self, node, produce):
        """Run a comprehension's loops in a scope of their own, calling `produce` for each item; a list
        comprehension whose first `for` runs as a loop node is that loop's collected list, returned."""
        saved = dict(self.env)

        def loop(generators):
            if not generators:
                produce()
                return
            gen = generators[0]
            items = self.expr(gen.iter)
            if loop_source.steps(self, items) is not None:  # a loop in the generated code
                if generators is not node.generators or not isinstance(node, (ast.ListComp, ast.GeneratorExp)):
                    refuse(self.graph, "a dict comprehension, or an inner `for` of a comprehension, over an array "
                           "or a size that varies between calls", "Write the loop as a `for` statement appending "
                           "to a list, then stack the list (np.stack).")
                return loop_source.comprehension(self, node, generators, items, Namer(self.env)("items"))
            for item in unrolled(sequence(items, self.graph, "this comprehension"), self.graph):
                self.assign(gen.target, item, constant=False)
                if all(truth(self.expr(c), self.graph) for c in gen.ifs):
                    loop(generators[1:])

        try:
            return loop(node.generators)
        finally:
            self.env = saved

    def _ListComp(self, node):
        out = []
        collected = self.comprehension(node, lambda: out.append(self.expr(node.elt)))
        return out if collected is None else collected

    _GeneratorExp = _ListComp

    def _DictComp(self, node):
        out = {}
        self.comprehension(node, lambda: out.__setitem__(self.expr(node.key), self.expr(node.value)))
        return out

    def _Lambda(self, node):
        key = ("lambda", id(node))
        if key not in self.inputs.memo:
            self.inputs.memo[key] = lambda_def(node)
        return Local(self.inputs.memo[key], self)

    def _Attribute(self, node):
        target = self.resolved[node]
        if isinstance(target, Constant):
            return target.value
        return self.attribute(self.expr(node.value), node.attr)

    def attribute(self, base, attr: str):
        """`base.attr`: an array's shape or `.T`, a record's field, an outside object's attribute."""
        if isinstance(base, Value):
            if attr == "shape":
                return tuple(dimension(d, self.graph) for d in base.shape)
            if attr == "ndim":
                return base.ndim
            if attr == "size":
                size = sp.Mul(*(self.graph.dims.find(d) for d in base.shape))
                return int(size) if size.is_Integer else size
            if f"attribute.{attr}" in OPS:
                return self.apply(f"attribute.{attr}", [base])
            refuse(self.graph, f"unsupported syntax: the attribute `.{attr}`",
                   "Array attributes supported: .T, .shape, .ndim, .size.")
        if isinstance(base, Record):
            return base.get(attr, self.graph)
        if isinstance(base, tuple) and hasattr(base, "_fields") and attr in base._fields:
            return getattr(base, attr)
        if isinstance(base, Outside):
            if not hasattr(base.live, attr):
                refuse(self.graph, f"`{base.label}` has no attribute `{attr}`")
            fetch = base.fetch
            return self.outside(lambda call: getattr(fetch(call), attr), f"{base.label}_{attr}",
                                getattr(base.live, attr), bound=base)
        if isinstance(base, Function):  # `multivariate_normal.rvs` of an imported object
            name = getattr(base.obj, "__name__", type(base.obj).__name__)
            raise UnknownCallError(f"unsupported syntax: `{name}.{attr}`, which symdiff has no rule for",
                                   location=self.graph.location, hint="See the README for the supported calls.")
        refuse(self.graph, f"unsupported syntax: the attribute `.{attr}` of {type(base).__name__} {base!r}")

    def outside(self, fetch, label: str, live, bound: Outside | None = None):
        """A value read from outside the function (see `outside.Inputs.read`)."""
        return self.inputs.read(self.graph, fetch, label, live, bound)

    def index(self, node: ast.expr):
        if isinstance(node, ast.Slice):
            return slice(*(None if part is None else self.expr(part) for part in (node.lower, node.upper, node.step)))
        if isinstance(node, ast.Tuple):
            return tuple(self.index(e) for e in node.elts)
        return self.expr(node)

    def _Subscript(self, node):
        value = self.expr(node.value)
        index = self.index(node.slice)
        if isinstance(value, Collected):
            value = value.array(self)
        if isinstance(value, Value):
            return self.subscript_array(value, index)
        if isinstance(value, slice) or isinstance(index, slice) and not isinstance(value, (list, tuple, str)):
            refuse(self.graph, f"cannot slice {value!r}")
        return subscript(value, index, self.graph)

    def subscript_array(self, value: Value, index):
        """`x[index]` of an array (index: ints, slices, None, Ellipsis, arrays, or a tuple of them): the
        place array indexing plugs in; in a loop body, `X[t]` is the step's row of X."""
        parts = tuple(self._range_index(p) for p in _parts(index))
        if isinstance(self.graph, Body):
            value, parts = self.graph.row_of(value, parts) or (value, parts)
        return indexing.subscript(self.graph, value, parts)

    def _range_index(self, part):
        """A `range` in an index as the integers it holds (`y_hat[range(len(y_hat)), y]`)."""
        if isinstance(part, range):
            return arange(self.graph, part.stop, part.start, part.step, len(part))
        if isinstance(part, Steps) and part.streams == ("index",) and not part.reverse:
            return arange(self.graph, part.start + part.length, part.start, 1, part.length)
        return part

    def _owned(self, name: str) -> Value:
        """The array `name` holds, which an index assignment may update: one no other name, caller
        or array shares (numpy would change those too)."""
        value = self.env[name]
        problem = None
        if name in self.source.params:
            problem = f"`{name}` is a parameter: assigning into it would change the caller's array"
        elif not indexing.owns(value):
            problem = f"`{name}` is a view of another array here: assigning into it would change that array too"
        else:
            shared = [n for n, v in self.env.items() if n != name and isinstance(v, Value) and v.expr == value.expr]
            if shared:
                problem = f"`{name}` is the same array as `{shared[0]}` here: assigning into it would change both"
        if problem:
            raise UnsupportedSyntaxError(problem, location=self.graph.location,
                                         hint=f"Copy it first: `{name} = {name}.copy()` (or np.copy, .clone()).")
        return value

    def _Call(self, node):
        target = self.resolved[node]
        if target == "print":
            return None
        args = self._elements(node.args)
        kwargs = {}
        for kw in node.keywords:
            if kw.arg is not None:
                kwargs[kw.arg] = self.expr(kw.value)
                continue
            extra = self.expr(kw.value)
            if not isinstance(extra, dict) or not all(isinstance(k, str) for k in extra):
                refuse(self.graph, "`**` unpacking of something other than a dict of keywords")
            kwargs.update(extra)
        call = " ".join(self.source.segment(node).split())
        if isinstance(target, Method):
            if target.attr is None:
                return self.call_value(self.expr(node.func), args, kwargs, call)
            return self.method(self.expr(node.func.value), target.attr, args, kwargs, call)
        if isinstance(target, str) and target.startswith("method."):
            receiver = self.expr(node.func.value)
            if not isinstance(receiver, Value):
                return self.method(receiver, target[len("method."):], args, kwargs, call)
            args.insert(0, receiver)
        return self.call_target(target, args, kwargs, call)

    def call_target(self, target, args: list, kwargs: dict, call: str):
        if isinstance(target, FunctionSource):
            return self.inline(dataclasses.replace(target, within=call), args, kwargs)
        if isinstance(target, TransformSpec):
            return self.transformed(target, call, args, kwargs)
        if isinstance(target, Bound):  # a loss module object
            return self.call_value(target, args, kwargs, call)
        if target in BUILTINS:
            try:
                return BUILTINS[target](self, *args, **kwargs)
            except TypeError as exc:
                refuse(self.graph, f"bad arguments to `{target}`: {exc}")
        return self.apply(target, args, kwargs)

    def method(self, receiver, attr: str, args: list, kwargs: dict, call: str):
        """`receiver.attr(...)` decided by the receiver: a container's method, an outside object's."""
        if isinstance(receiver, Value):
            raise UnknownCallError(f"unsupported syntax: the method `.{attr}()`, which symdiff has no rule for",
                                   location=self.graph.location, hint="See the README for the supported calls.")
        if isinstance(receiver, (list, dict, tuple)) and not hasattr(receiver, "_fields"):
            return container_method(receiver, attr, args, kwargs, self.graph)
        return self.call_value(self.attribute(receiver, attr), args, kwargs, call)

    def call_value(self, func, args: list, kwargs: dict, call: str):
        """A call of a function held by a value (a parameter's default, an outside object's method, a
        function defined in the body)."""
        if isinstance(func, Bound):  # `act=np.tanh`, a loss module
            return self.call_target(func.op, args, {**func.keywords, **kwargs}, call)
        if isinstance(func, Local):
            callee = dataclasses.replace(func.builder.source, name=func.tree.name, tree=func.tree, within=call)
            self.inputs.validated.setdefault(id(func.tree), (func.tree, func.builder.resolved))
            return self.inline(callee, args, kwargs, scope=func.builder.env)
        if not isinstance(func, Function):
            if not callable(func) or isinstance(func, (Value, Outside, Record)):
                refuse(self.graph, f"this calls {type(func).__name__} {func!r}, which is not a function")
            func = Function(func)
        obj, bound = func.obj, func.bound
        if inspect.ismethod(obj) and bound is not None:
            obj, args = obj.__func__, [bound, *args]
        target = self.resolver.function(obj)
        if target is None:
            name = getattr(obj, "__qualname__", repr(obj))
            what, hint = foreign_function(func.obj) or ("which symdiff has no rule for", "See the README for the supported calls.")
            raise UnknownCallError(f"a call to `{name}`, {what}", location=self.graph.location, hint=hint)
        return self.call_target(target, args, kwargs, call)

    def inline(self, callee: FunctionSource, args: list, kwargs: dict, scope: dict | None = None):
        """A call to a plain Python function: its body evaluated on the arguments (in `scope`, the
        names of the body that defined it, for a function defined in a body)."""
        if callee.name in self.active:
            raise UnsupportedSyntaxError(
                f"`{callee.name}` calls itself (through {' -> '.join(self.active)})",
                location=self.graph.location,
                hint="symdiff inlines helper functions; recursion has no fixed size to unroll.",
            )
        builder = Builder(callee, self.graph, self.active, helper=True, inputs=self.inputs, call=self.call,
                          backward=self.backward)
        builder.env.update(scope or {})
        builder.env.update(builder.arguments(args, kwargs))
        return builder.run()

    def arguments(self, args: list, kwargs: dict) -> dict:
        """This function's parameters bound to a call's arguments, its defaults evaluated here."""
        tree = self.source.tree.args
        defaults = {name: self.expr(node) for name, node in self.source.defaults().items()}
        kind = inspect.Parameter
        params = [kind(a.arg, kind.POSITIONAL_ONLY, default=defaults.get(a.arg, kind.empty)) for a in tree.posonlyargs]
        params += [kind(a.arg, kind.POSITIONAL_OR_KEYWORD, default=defaults.get(a.arg, kind.empty)) for a in tree.args]
        params += [kind(tree.vararg.arg, kind.VAR_POSITIONAL)] if tree.vararg else []
        params += [kind(a.arg, kind.KEYWORD_ONLY, default=defaults.get(a.arg, kind.empty)) for a in tree.kwonlyargs]
        params += [kind(tree.kwarg.arg, kind.VAR_KEYWORD)] if tree.kwarg else []
        try:
            bound = inspect.Signature(params).bind(*args, **kwargs)
        except TypeError as exc:
            raise UnsupportedSyntaxError(f"bad arguments to `{self.source.name}`: {exc}", location=self.graph.location)
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
        binder = Builder(callee, self.graph, self.active, helper=True, inputs=self.inputs, call=self.call,
                          backward=self.backward)
        for name, value in binder.arguments(args, kwargs).items():
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


def _returned(graph: Graph, value):
    """The differentiated function's result as arrays (a tuple of them for `return value, aux`)."""
    if isinstance(value, (tuple, list)):
        return tuple(_returned(graph, v) for v in value)
    return array(graph, value, "the returned value")


def parse(source: FunctionSource, graph: Graph, layout: dict[str, TreeDef], shapes: dict[str, tuple],
          call: dict | None = None, has_aux: bool = False, backward=None) -> Inputs:
    """Build the forward graph of `source`, each parameter of the structure `layout` gives it (an
    array, a tree of arrays, a static value or an outside object) with leaf parameters of the
    symbolic `shapes` (by leaf name, see `trees.leaf_names`), in order. `call` holds the live
    arguments by name (outside objects read attributes from them), when there is a call. `backward`
    (reverse mode, `differentiate.backward`) differentiates calls of symdiff.grad functions in place.

    The graph's `output` is the symbol of the returned value; with `has_aux`, the function returns
    `(value, aux)` and `graph.aux` holds the symbol(s) of the auxiliary values. Returns what the
    function reads from outside its parameters.
    """
    builder = Builder(source, graph, call=call, backward=backward)
    for name in source.params:
        tree = layout[name]
        leaves = [graph.param(leaf, shapes[leaf]) for leaf in leaf_names(name, tree)] if tree.num_leaves else []
        if tree.kind == "object":
            live = call[name]
            builder.env[name] = Outside(lambda call, name=name: call[name], name, live)
        else:
            builder.env[name] = unflatten(tree, leaves, make_dataclass=Record)
    returned = source.location(source.tree.body[-1])
    with graph.context(location=returned):
        output = _returned(graph, builder.run())
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
    return builder.inputs
