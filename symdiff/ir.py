"""The IR: a DAG of nodes, each defined by one shallow SymPy expression over earlier nodes.

This is the let-form `sympy.cse` returns. A node's definition is either

* an elementwise expression: any scalar SymPy expression over node symbols, dimension symbols and
  numbers, applied with numpy broadcasting (`softplus(z) - y*z`, `s/(K*N)`), or
* an `ArrayOp` whose array operands are node symbols (`MatMul(x, w)`, `ReduceSum(dz, (0,), False)`).

Shapes are tuples of dimension symbols (see `shapes`). `Value` is the builder handle: numpy-like
operators on it create nodes, with elementwise chains kept as one lazy expression until something
needs them materialized. A definition seen twice is one node.
"""
from __future__ import annotations

import contextlib
from dataclasses import dataclass

import sympy as sp

from sympy.core.symbol import Str

from . import names
from .errors import Location, ShapeError, UnsupportedSyntaxError
from .scalar import real_forms, stop_gradient
from .shapes import Dims, Shape, format_shape


_NONE = Str("None")


def to_static(value):
    """A static parameter as a SymPy argument (tuples, bools, ints, strings, None)."""
    if value is None:
        return _NONE
    if isinstance(value, (tuple, list)):
        return sp.Tuple(*(to_static(v) for v in value))
    if isinstance(value, bool):
        return sp.true if value else sp.false
    if isinstance(value, str):
        return Str(value)
    return sp.sympify(value)


def from_static(arg):
    """A static parameter of an array operation as a plain Python value (dimensions stay SymPy)."""
    if isinstance(arg, sp.logic.boolalg.BooleanAtom):
        return bool(arg)
    if isinstance(arg, sp.Tuple):
        return tuple(from_static(a) for a in arg)
    if isinstance(arg, sp.Integer):
        return int(arg)
    if arg == _NONE:
        return None
    if isinstance(arg, Str):
        return arg.name
    return arg


class ArrayOp(sp.Function):
    """An array operation: the first `arity` arguments are node symbols (every argument before the
    static parameters when `arity` is None: a variadic operation), the rest static parameters
    named by `params`. A subclass defines everything about its operation (see `primitives`):

    * `shape(dims, *operand_shapes, *static)`: the result's shape (a staticmethod);
    * `vjp(g, ans, *operands, *static, needs)`: one cotangent per operand, None where zero;
    * `jvp(dots, ans, *operands, *static, nb)`: the output's tangent;
    * `numpy`: a template such as `"np.cumsum({x}, axis={axis})"` (the operand is `{x}`, or `{a}`,
      `{b}`... when there are several; static parameters by their names), or a method
      `numpy(L, *operand_asts, *static)` returning an `ast` expression (`L` lowers dimensions);
    * `view`: numpy returns a view of the first operand (`readonly`: a read-only one).
    * `rows(batched, *operand_shapes)`: whether row i of the result reads only row i of the operands
      flagged in `batched` (their leading axis is the batch) and all of the others (see `rows`).
    * `numpy_statements(L, target, *operand_asts, *static)`, instead of `numpy`: a list of `ast`
      statements assigning the result to the name `target` (an array filled in place: a scatter).

    `arity = None` takes every argument before the static parameters as an operand (index arrays).
    """

    arity: int | None = 1
    params: tuple[str, ...] = ()
    view = False
    readonly = False
    numpy = None
    numpy_statements = None

    @classmethod
    def _arity(cls, args) -> int:
        """How many of `args` are operands (a subclass may give `arity` as a property of its arguments)."""
        return cls.arity if isinstance(cls.arity, int) else len(args) - len(cls.params)

    @property
    def operands(self) -> tuple:
        return self.args[: self.arity if isinstance(self.arity, int) else self._arity(self.args)]

    @property
    def static(self) -> tuple:
        return tuple(from_static(a) for a in self.args[len(self.operands):])

    def rows(self, batched: tuple, *shapes) -> bool:
        return False

    def vjp(self, g, ans, *args, needs):
        raise NotImplementedError(f"{type(self).__name__} has no reverse rule")

    def jvp(self, dots, ans, *args, nb):
        raise NotImplementedError(f"{type(self).__name__} has no forward rule")

    @classmethod
    def build(cls, *args, label: str | None = None, stem: str = names.ANONYMOUS) -> Value:
        """The node computing this operation on `args` (its operand `Value`s, then its static
        parameters as Python values), with the shape its rule gives."""
        operands, static = args[: cls._arity(args)], args[cls._arity(args):]
        graph = operands[0].graph
        shape = tuple(sp.sympify(d) for d in cls.shape(graph.dims, *(v.shape for v in operands), *static))
        op = cls(*(v.symbol for v in operands), *(to_static(s) for s in static))
        label = label or f"{cls.__name__.lower()}({', '.join(v.label for v in operands)})"
        return array_op(graph, op, shape, label, stem)

    def _sympystr(self, printer):
        args = [printer.doprint(a) for a in self.operands]
        args += [f"{k}={v}" for k, v in zip(self.params, self.static)]
        return f"{type(self).__name__.lower()}({', '.join(args)})"


@dataclass(eq=False)
class Node:
    symbol: sp.Symbol
    definition: sp.Expr | None  # None for a parameter
    shape: Shape
    name: str | None = None  # the user's name for the value, if it has one
    statement: Location | None = None  # the source statement the node comes from
    grad_of: Location | None = None  # for backward nodes: the statement they differentiate
    stem: str = names.ANONYMOUS  # what an anonymous node holds, for naming it (see `names`)

    @property
    def is_param(self) -> bool:
        return self.definition is None

    @property
    def is_elementwise(self) -> bool:
        return self.definition is not None and not isinstance(self.definition, ArrayOp)


class Graph:
    """Nodes in creation order (a topological order), hash-consed by definition."""

    def __init__(self, dims: Dims | None = None):
        self.dims = dims or Dims()
        self.nodes: dict[sp.Symbol, Node] = {}
        self.params: list[sp.Symbol] = []
        self._by_definition: dict[sp.Expr, sp.Symbol] = {}
        self._names = names.Namer(reserved=())  # of node symbols (parameters keep theirs)
        self.statement: Location | None = None  # provenance of new nodes
        self.location: Location | None = None  # construct being built, for error messages
        self.grad_of: Location | None = None
        self.output: sp.Symbol | None = None
        self.aux = None  # with has_aux: the symbol (or tuple of symbols) returned next to the value
        self.index_params: set[sp.Symbol] = set()  # parameters read as index arrays: they stay integers
        self.subgraphs: list[Graph] = []  # the bodies of loops built in this graph (see `loops`)

    def __getitem__(self, symbol) -> Node:
        return self.nodes[symbol]

    def __contains__(self, symbol) -> bool:
        return symbol in self.nodes

    @contextlib.contextmanager
    def context(self, **fields):
        """Set `statement`, `location` or `grad_of` for the nodes built inside."""
        saved = {k: getattr(self, k) for k in fields}
        for k, v in fields.items():
            setattr(self, k, v)
        try:
            yield
        finally:
            for k, v in saved.items():
                setattr(self, k, v)

    def _new_symbol(self, stem: str) -> sp.Symbol:
        """A symbol no node has yet (SymPy takes equal names for the same symbol)."""
        return sp.Symbol(self._names(stem), real=True)

    def param(self, name: str, shape: Shape) -> Value:
        symbol = self._new_symbol(name)
        self.nodes[symbol] = Node(symbol, None, tuple(shape), name=name)
        self.params.append(symbol)
        return Value(self, symbol, tuple(shape), name)

    def add(self, definition: sp.Expr, shape: Shape, name: str | None = None,
            stem: str = names.ANONYMOUS) -> sp.Symbol:
        """The node defined by `definition`, created unless it exists (an anonymous one takes `name`)."""
        existing = definition if definition in self.nodes else self._by_definition.get(definition)
        if existing is not None:
            node = self.nodes[existing]
            if node.name is None and name is not None:
                node.name = name
            if node.stem == names.ANONYMOUS:
                node.stem = stem
            return existing
        symbol = self._new_symbol(name or stem)
        self.nodes[symbol] = Node(symbol, definition, tuple(shape), name, self.statement, self.grad_of, stem)
        self._by_definition[definition] = symbol
        return symbol

    def redefine(self, symbol: sp.Symbol, definition: sp.Expr) -> None:
        """Give a node an equivalent definition (a rewrite that keeps its value)."""
        node = self.nodes[symbol]
        if self._by_definition.get(node.definition) == symbol:
            del self._by_definition[node.definition]
        node.definition = definition
        self._by_definition.setdefault(definition, symbol)

    def value(self, symbol: sp.Symbol) -> Value:
        node = self.nodes[symbol]
        return Value(self, symbol, node.shape, node.name or str(symbol))

    def const(self, number) -> Value:
        return Value(self, sp.sympify(number), (), repr(number))

    def node_symbols(self, expr: sp.Expr) -> list[sp.Symbol]:
        """The node symbols an expression reads, in a deterministic order."""
        return sorted((s for s in expr.free_symbols if s in self.nodes), key=sp.default_sort_key)

    def operands(self, node: Node) -> list[sp.Symbol]:
        if node.is_param:
            return []
        if node.is_elementwise:
            return self.node_symbols(node.definition)
        return list(node.definition.operands)

    def needs_copy(self, symbol: sp.Symbol) -> bool:
        """Whether returning the value would hand out an input (or a view of one) or a read-only
        broadcast view."""
        node = self.nodes[symbol]
        while isinstance(node.definition, ArrayOp) and node.definition.view:
            if node.definition.readonly:
                return True
            node = self.nodes[node.definition.args[0]]
        return node.is_param

    def resolve_dims(self) -> None:
        """Replace every unified dimension symbol by its representative."""
        subs = self.dims.substitution()
        if not subs:
            return
        for body in self.subgraphs:
            body.resolve_dims()
        for node in self.nodes.values():
            node.shape = self.dims.resolve(node.shape)
            if node.definition is not None:
                node.definition = node.definition.xreplace(subs)
        self._by_definition = {n.definition: s for s, n in self.nodes.items() if n.definition is not None}

    def shape_error(self, message: str, hint: str | None = None) -> ShapeError:
        return ShapeError(message, location=self.location, hint=hint)


class Value:
    """A handle on an array being built: a node symbol, or a lazy elementwise expression over nodes."""

    __slots__ = ("graph", "expr", "shape", "label")
    __array_ufunc__ = None  # numpy must not swallow `ndarray + Value`

    def __init__(self, graph: Graph, expr: sp.Expr, shape: Shape, label: str | None = None):
        self.graph = graph
        self.expr = expr
        self.shape = tuple(shape)
        self.label = label or str(expr)

    def __repr__(self) -> str:
        return f"Value({self.expr}, shape={format_shape(self.shape)})"

    @property
    def ndim(self) -> int:
        return len(self.shape)

    @property
    def shape_text(self) -> str:
        """The shape as error messages show it."""
        return self.graph.dims.show(self.shape)

    @property
    def symbol(self) -> sp.Symbol:
        """The node holding this value (created if the value is a lazy expression)."""
        return self.graph.add(self.expr, self.shape, stem=names.node_stem(self.expr))

    @property
    def is_mask(self) -> bool:
        """Whether this is a boolean mask (a comparison, or `&`, `|`, `~` of them)."""
        return is_boolean(self.expr)

    def named(self, name: str) -> Value:
        """This value materialized as a node called `name` (an assignment in the source). A mask
        stays a lazy expression: it becomes a number (`mask`) where arithmetic reads it."""
        if self.is_mask:
            return Value(self.graph, self.expr, self.shape, name)
        symbol = self.graph.add(self.expr, self.shape, name=name)
        return Value(self.graph, symbol, self.shape, name)

    # -- elementwise --------------------------------------------------------------------------
    def _lift(self, other) -> Value:
        return other if isinstance(other, Value) else self.graph.const(other)

    def _binary(self, other, combine, symbol: str, reverse: bool = False) -> Value:
        other = self._lift(other)
        a, b = (other, self) if reverse else (self, other)
        return elementwise(lambda x, y: combine(x, y), a, b, label=f"{a.label} {symbol} {b.label}")

    def __add__(self, other):
        return self._binary(other, lambda a, b: a + b, "+")

    def __radd__(self, other):
        return self._binary(other, lambda a, b: a + b, "+", reverse=True)

    def __sub__(self, other):
        return self._binary(other, lambda a, b: a - b, "-")

    def __rsub__(self, other):
        return self._binary(other, lambda a, b: a - b, "-", reverse=True)

    def __mul__(self, other):
        return self._binary(other, lambda a, b: a * b, "*")

    def __rmul__(self, other):
        return self._binary(other, lambda a, b: a * b, "*", reverse=True)

    def __truediv__(self, other):
        return self._binary(other, lambda a, b: a / b, "/")

    def __rtruediv__(self, other):
        return self._binary(other, lambda a, b: a / b, "/", reverse=True)

    def __pow__(self, other):
        return self._binary(other, lambda a, b: a**b, "**")

    def __neg__(self):
        return Value(self.graph, -self.expr, self.shape, f"-{self.label}")

    def apply(self, fn, label: str | None = None) -> Value:
        """A scalar SymPy function applied elementwise."""
        return Value(self.graph, _finite(self.graph, fn(self.expr)), self.shape, label or f"{fn}({self.label})")

    # -- array operations (the primitives' constructors) ----------------------------------------
    def __matmul__(self, other):
        return P.matmul(self, other)

    @property
    def T(self) -> Value:
        return self.transpose(tuple(reversed(range(self.ndim))))

    def transpose(self, perm: tuple[int, ...]) -> Value:
        """Axes permuted: axis i of the result is axis perm[i] of this value."""
        perm = tuple(perm)
        if perm == tuple(range(self.ndim)):
            return self
        if P.structured(self):
            return P.structured_transpose(self, perm)
        node = self.graph.nodes.get(self.expr)
        if node is not None and isinstance(node.definition, P.Transpose):  # compose permutations
            inner = node.definition.static[0]
            return self.graph.value(node.definition.args[0]).transpose(tuple(inner[p] for p in perm))
        label = f"{self.label}.T" if perm == tuple(reversed(range(self.ndim))) else self.label
        return P.Transpose.build(self, perm, label=label)

    def sum(self, axis=None, keepdims: bool = False) -> Value:
        axes = normalize_axes(self.graph, axis, self.ndim)
        if not axes:
            return self
        if not keepdims and P.structured(self):
            return P.structured_sum(self, axes)
        return P.ReduceSum.build(self, axes, bool(keepdims), label=f"sum({self.label})", stem="total")

    def max_shift(self, axes: tuple[int, ...]) -> Value:
        """max over `axes` (kept as size 1), treated as a constant: the stabilizing shift of softmax."""
        m = P.ReduceMax.build(self, tuple(axes), True, label=f"max({self.label})", stem="shift")
        return m.apply(stop_gradient, label=m.label)

    def expand_dims(self, axes: tuple[int, ...]) -> Value:
        """New size-1 axes at `axes` of the result: the broadcastable form of a reduced value."""
        if not axes:
            return self
        if self.ndim == 0 or not self.graph.node_symbols(self.expr):
            return self  # scalars broadcast as they are
        return P.ExpandDims.build(self, tuple(axes), label=self.label)

    def squeeze(self, axes: tuple[int, ...]) -> Value:
        """The size-1 axes `axes` removed."""
        if not axes or not self.graph.node_symbols(self.expr):
            return self
        return P.Squeeze.build(self, tuple(axes), label=self.label)

    def broadcast_to(self, shape: Shape) -> Value:
        if tuple(shape) == self.shape:
            return self
        return P.BroadcastTo.build(self, tuple(shape), label=self.label)


_SINGULAR = (sp.zoo, sp.oo, -sp.oo, sp.nan, sp.I)


def is_boolean(expr) -> bool:
    """Whether a SymPy expression is a truth value (a relational, And, Or, Not, true, false)."""
    return isinstance(expr, sp.logic.boolalg.Boolean) and not isinstance(expr, sp.Expr)


def _finite(graph: Graph, expr: sp.Expr) -> sp.Expr:
    """`expr` in real-valued functions, unless constants in it folded to infinity or a complex number
    (`np.log(0)`, `x / 0`)."""
    expr = real_forms(expr)
    if expr.has(*_SINGULAR):
        raise UnsupportedSyntaxError(
            f"this expression has no finite real value: constants fold to {expr}",
            location=graph.location,
            hint="Check for a division by zero or the log or square root of a non-positive constant.",
        )
    return expr


def array_op(graph: Graph, op: ArrayOp, shape: Shape, label: str, stem: str = names.ANONYMOUS) -> Value:
    """The node computing `op`, as a value."""
    return Value(graph, graph.add(op, shape, stem=stem), shape, label)


def elementwise(fn, *values: Value, label: str | None = None) -> Value:
    """`fn` of the values' expressions, broadcast like numpy."""
    graph = values[0].graph
    shape = graph.dims.broadcast_shapes(*(v.shape for v in values))
    if shape is None:
        described = " and ".join(f"`{v.label}` of shape {v.shape_text}" for v in values)
        raise graph.shape_error(
            f"cannot broadcast {described}",
            hint="numpy broadcasting needs each pair of trailing dimensions equal or 1.",
        )
    shape = graph.dims.resolve(shape)
    expr = _finite(graph, fn(*(v.expr for v in values)))
    symbols = graph.node_symbols(expr)
    arrays = [v for v in values if graph.node_symbols(v.expr)]
    if not symbols and arrays:  # SymPy cancelled every array operand (x - x)
        like = max(arrays, key=lambda v: (v.ndim, v.expr in graph))
        return exact(Value(graph, expr, (), label), shape, like)
    return exact(Value(graph, expr, graph.dims.broadcast_shapes(*(graph[s].shape for s in symbols)), label), shape, None)


def exact(value: Value, shape: Shape, like: Value | None) -> Value:
    """`value` as an array of exactly `shape`, broadcast where it is smaller; a number (what SymPy
    leaves of `x - x`) fills an array in the dtype of `like`. The one guard that keeps a result whose
    operands cancelled in numpy's shape and dtype."""
    shape = tuple(shape)
    if value.graph.node_symbols(value.expr) or like is None:
        return value if value.shape == shape else value.broadcast_to(shape)
    if like.shape == shape:
        return P.FullLike.build(like, value.expr, label=value.label)
    return P.Full.build(like, shape, value.expr, label=value.label)


def normalize_axes(graph: Graph, axis, ndim: int) -> tuple[int, ...]:
    """`axis` (None, an int or a tuple) as sorted non-negative ints."""
    if axis is None:
        return tuple(range(ndim))
    if not isinstance(axis, (int, tuple)) or isinstance(axis, bool):
        raise graph.shape_error(f"axis={axis!r} is not an integer or a tuple of integers",
                                hint="Give axes as constant integers, e.g. axis=-1 or axis=(0, 1).")
    axes = (axis,) if isinstance(axis, int) else axis
    out = []
    for a in axes:
        if not isinstance(a, int) or not -ndim <= a < ndim:
            raise graph.shape_error(f"axis {a!r} is out of range for an array of {ndim} dimensions")
        out.append(a % ndim)
    if len(set(out)) != len(out):
        raise graph.shape_error(f"repeated axis in {axis!r}")
    return tuple(sorted(out))


from . import primitives as P  # noqa: E402  (the primitives are written with Value)
