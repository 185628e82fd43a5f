"""The user-facing transforms: `derive`, `grad`, `value_and_grad`.

The pipeline, one way: source -> `parse` -> `optimize.stabilize` -> `differentiate.backward` ->
`optimize.schedule` -> `emit`.
"""
from __future__ import annotations

import functools
import inspect
import threading
from dataclasses import dataclass

import numpy as np
import sympy as sp

from . import emit
from .differentiate import backward
from .errors import InputTypeError, NonScalarOutputError, SymdiffError, WrtError
from .ir import Graph
from .optimize import schedule, stabilize
from .parse import parse
from .printing import math
from .shapes import Dims, format_shape
from .source import FunctionSource, annotated_shapes

KINDS = ("value", "grad", "value_and_grad")


@dataclass(frozen=True)
class Wrt:
    """The parameters to differentiate, in order, and whether one was asked for without a tuple."""

    names: tuple[str, ...]
    single: bool


def resolve_wrt(wrt, params: list[str], where: str = "") -> Wrt:
    """`wrt` as parameter names: a name, an index, or a tuple of them; the first parameter by default."""
    if wrt is None:
        if not params:
            raise WrtError(f"{where}has no parameters to differentiate")
        return Wrt((params[0],), True)
    single = not isinstance(wrt, (tuple, list))
    names = []
    for item in [wrt] if single else wrt:
        if isinstance(item, bool) or not isinstance(item, (str, int)):
            raise WrtError(f"wrt={item!r}: give parameter names or indices")
        if isinstance(item, int):
            if not -len(params) <= item < len(params):
                raise WrtError(f"wrt={item}: {where}has {len(params)} parameters ({', '.join(params)})")
            item = params[item]
        elif item not in params:
            raise WrtError(
                f"wrt={item!r}: {where}has no parameter `{item}`",
                hint=f"Its parameters are: {', '.join(params)}.",
            )
        if item in names:
            raise WrtError(f"wrt names `{item}` twice")
        names.append(item)
    if not names:
        raise WrtError("wrt is empty: name at least one parameter")
    return Wrt(tuple(names), single)


def _source(fn) -> FunctionSource:
    return fn if isinstance(fn, FunctionSource) else FunctionSource.from_function(fn)


def _params(source: FunctionSource) -> list[str]:
    args = source.tree.args
    return [a.arg for a in args.posonlyargs + args.args]


class Derivation:
    """A function's forward graph and gradients, derived once for symbolic shapes.

    `str()` shows the forward computation and each gradient as math; `.gradients` maps each `wrt`
    name to its gradient as a SymPy expression over the parameters; `.source` is the generated
    module; `.function` the compiled gradient function.
    """

    def __init__(self, source: FunctionSource, graph: Graph, wrt: Wrt, grads: dict, dtypes: dict | None = None):
        self.name = source.name
        self.source_info = source
        self.graph = graph
        self.wrt = wrt
        self.params = _params(source)
        self.output = graph.output
        self._grads = grads  # wrt name -> node symbol
        self.dtypes = dtypes or {}
        self._programs: dict = {}
        self._compiled: dict = {}
        self._lock = threading.Lock()

    # -- what was derived -----------------------------------------------------------------------
    @property
    def shapes(self) -> dict[str, tuple]:
        return {p: self.graph[s].shape for p, s in zip(self.params, self.graph.params)}

    @functools.cached_property
    def gradients(self) -> dict[str, sp.Expr]:
        return {name: self._inline(s, everything=True) for name, s in self._grads.items()}

    def _inline(self, symbol, everything: bool) -> sp.Expr:
        """A node's definition with the nodes it reads substituted (named ones too if `everything`)."""
        memo: dict = {}

        def go(s):
            if s not in memo:
                node = self.graph[s]
                if node.is_param or (not everything and node.name and node.grad_of is None and s != symbol):
                    memo[s] = s
                else:
                    memo[s] = node.definition.xreplace({d: go(d) for d in self.graph.operands(node)})
            return memo[s]

        return go(symbol)

    def __str__(self) -> str:
        names, taken = {}, set()
        for s, n in self.graph.nodes.items():  # h, h1, ... as in the generated code
            base = n.name or n.hint
            names[s] = next(f"{base}{i or ''}" for i in range(len(taken) + 1) if f"{base}{i or ''}" not in taken)
            taken.add(names[s])
        sig = ", ".join(f"{p}: {format_shape(shape)}" for p, shape in self.shapes.items())
        lines = [f"{self.name}({sig})"]
        for symbol, node in self.graph.nodes.items():
            if node.grad_of is None and not node.is_param and (node.name or symbol == self.output):
                lines.append(f"  {names[symbol]} = {math(self._inline(symbol, everything=False), names)}"
                             f"    # {format_shape(node.shape)}")
        lines.append(f"gradients of {self.name} with respect to {', '.join(self.wrt.names)}:")
        for name, symbol in self._grads.items():
            full = math(self.gradients[name], names)
            text = full if len(full) <= 100 else math(self._inline(symbol, everything=False), names)
            lines.append(f"  d{self.name}/d{name} = {text}")
        return "\n".join(lines)

    def __repr__(self) -> str:
        return f"<Derivation of {self.name} with respect to {', '.join(self.wrt.names)}>"

    # -- code ---------------------------------------------------------------------------------
    def returns(self, kind: str):
        grads = tuple(self._grads[n] for n in self.wrt.names)
        grads = grads[0] if self.wrt.single else grads
        return {"value": self.output, "grad": grads, "value_and_grad": (self.output, grads)}[kind]

    def function_name(self, kind: str) -> str:
        return self.name if kind == "value" else f"{kind}_{self.name}"

    def program(self, kind: str):
        with self._lock:
            if kind not in self._programs:
                dtype = _computation_dtype(self.dtypes)
                program = schedule(self.graph, self.function_name(kind), self.returns(kind),
                                   dtype=None if dtype is None else dtype.name)
                program.casts = {
                    s: dtype.name for p, s in zip(self.params, self.graph.params)
                    if p in self.dtypes and dtype is not None and self.dtypes[p].kind in "biu"
                }
                self._programs[kind] = program
            return self._programs[kind]

    def function_ast(self, kind: str):
        return emit.function_ast(self.program(kind), doc=self._docstring(kind))

    def _docstring(self, kind: str) -> str:
        what = {
            "value": f"The value of `{self.name}`.",
            "grad": f"Gradient of `{self.name}` with respect to {', '.join(self.wrt.names)}.",
            "value_and_grad": f"`{self.name}` and its gradient with respect to {', '.join(self.wrt.names)}.",
        }[kind]
        shapes = "\n".join(f"    {p}: {format_shape(s)}" for p, s in self.shapes.items())
        return f"{what}\n\nParameters and their shapes:\n{shapes}\n"

    def module_source(self, kinds=KINDS) -> str:
        return emit.module_source([self.function_ast(k) for k in kinds])

    @functools.cached_property
    def source(self) -> str:
        """The generated module: the value, the gradient, and both at once."""
        return self.module_source()

    def compiled(self, kind: str = "grad"):
        """The generated function of one kind, compiled."""
        if kind not in self._compiled:
            namespace = emit.compile_module(self.module_source((kind,)), self.function_name(kind))
            self._compiled[kind] = namespace[self.function_name(kind)]
        return self._compiled[kind]

    @property
    def function(self):
        return self.compiled("grad")


def _computation_dtype(dtypes: dict):
    floats = [d for d in dtypes.values() if d.kind == "f"]
    return np.result_type(*floats) if floats else (np.dtype(np.float64) if dtypes else None)


def _symbolic_shapes(spec: dict, params: list[str], dims: Dims, source: FunctionSource) -> dict:
    shapes = {}
    for p in params:
        if p not in spec:
            raise SymdiffError(
                f"no shape for parameter `{p}` of `{source.name}`",
                location=source.location(source.tree),
                hint=f'Pass shapes={{"{p}": ("N", "D"), ...}} or annotate it: `{p}: "N D"`.',
            )
        shape = spec[p]
        shape = (shape,) if isinstance(shape, (str, int)) else tuple(shape)
        shapes[p] = tuple(sp.Integer(d) if isinstance(d, int) else dims.symbol(str(d)) for d in shape)
    unknown = set(spec) - set(params)
    if unknown:
        raise SymdiffError(f"shapes given for unknown parameters: {', '.join(sorted(unknown))}")
    return shapes


def _derive(source: FunctionSource, wrt: Wrt, dims: Dims, shapes: dict, dtypes: dict | None,
            require_scalar: bool) -> Derivation:
    graph = Graph(dims)
    parse(source, graph, shapes)
    _name_dims(graph, _params(source))
    output = graph[graph.output]
    if require_scalar and output.shape:
        ret = source.tree.body[-1]
        raise NonScalarOutputError(
            f"`{source.name}` returns an array of shape {format_shape(output.shape)}; a gradient needs a scalar",
            location=source.location(ret),
            hint="Reduce it (e.g. `.sum()` or reduction='mean'), or use symdiff.vjp for non-scalar outputs.",
        )
    stabilize(graph)
    params = dict(zip(_params(source), graph.params))
    wrt_symbols = [params[n] for n in wrt.names]
    with graph.context(location=source.location(source.tree)):
        cotangents = backward(graph, graph.output, wrt_symbols, graph.const(1))
        grads = {n: cotangents[params[n]].symbol for n in wrt.names}
    return Derivation(source, graph, wrt, grads, dtypes)


def derive(fn, *, wrt=None, shapes=None) -> Derivation:
    """Derive `fn`'s gradient for symbolic shapes, e.g. shapes={"x": ("N", "D"), "w": ("D", "K")}.

    Without `shapes`, string annotations on the parameters give them (`x: "N D"`).
    """
    source = _source(fn)
    params = _params(source)
    wrt = resolve_wrt(wrt, params, f"`{source.name}` ")
    spec = annotated_shapes(source)
    spec.update(shapes or {})
    dims = Dims()
    return _derive(source, wrt, dims, _symbolic_shapes(spec, params, dims, source), None, True)


# -- transforms on live functions ------------------------------------------------------------

_DIM_NAMES = ("N", "D", "K", "M", "H", "P", "Q", "R", "S", "T", "U", "V")


def _call_shapes(source: FunctionSource, params: list[str], arrays: list[np.ndarray], dims: Dims) -> dict:
    """Flexible dimensions read off one call, named by annotations where given (unnamed ones get
    placeholders that `_name_dims` replaces once broadcasting and products have unified them)."""
    annotated = annotated_shapes(source)
    shapes = {}
    for p, a in zip(params, arrays):
        names = annotated.get(p)
        if names is None or len(names) != a.ndim:
            names = [None] * a.ndim
        shapes[p] = tuple(
            sp.Integer(name) if isinstance(name, int)
            else dims.symbol(name or f"_{p}_{axis}", hint=size, flexible=True)
            for axis, (size, name) in enumerate(zip(a.shape, names))
        )
    return shapes


def _name_dims(graph: Graph, params: list[str]) -> None:
    """Name the placeholder dimensions N, D, K, M... in order of first appearance."""
    taken = set(params) | {str(d) for s in graph.params for d in graph[s].shape if not str(d).startswith("_")}
    letters = iter([n for n in _DIM_NAMES if n not in taken] + [f"n{i}" for i in range(100)])
    for symbol in graph.params:
        for d in graph[symbol].shape:
            d = graph.dims.find(d)
            if d.is_Symbol and d.name.startswith("_"):
                graph.dims.rename(d, next(letters))
    graph.resolve_dims()


def _check_inputs(name: str, params: list[str], arrays: list[np.ndarray], wrt: Wrt) -> None:
    for p, a in zip(params, arrays):
        if a.dtype.kind not in "biuf":
            raise InputTypeError(
                f"`{name}`: argument `{p}` is an array of {a.dtype}; symdiff computes with real numbers",
                hint=f"Pass a float64 or float32 array, e.g. np.asarray({p}, dtype=np.float64).",
            )
        if p in wrt.names and a.dtype.kind != "f":
            raise InputTypeError(
                f"`{name}`: `{p}` is differentiated but is an {a.dtype} array",
                hint=f"Gradients need floating point: pass {p}.astype(np.float64) (or float32).",
            )


class Transformed:
    """A function transformed by `grad` or `value_and_grad`: derives and compiles once per signature
    of argument ranks and dtypes, then calls the generated numpy code."""

    def __init__(self, fn, wrt, kind: str):
        functools.update_wrapper(self, fn)
        self.fn = fn
        self.kind = kind
        self.source = FunctionSource.from_function(fn)
        self.params = _params(self.source)
        self.wrt = resolve_wrt(wrt, self.params, f"`{self.source.name}` ")
        self.derivations: dict = {}
        self._functions: dict = {}
        self._lock = threading.Lock()
        self._nparams = len(self.params)
        self._signature = inspect.signature(fn)

    def __repr__(self) -> str:
        return f"<symdiff.{self.kind} of {self.source.name} with respect to {', '.join(self.wrt.names)}>"

    def __get__(self, obj, objtype=None):
        return self if obj is None else functools.partial(self, obj)

    def _arrays(self, args, kwargs) -> list:
        if kwargs or len(args) != self._nparams:
            try:
                args = self._signature.bind(*args, **kwargs).args
            except TypeError as exc:
                raise TypeError(f"{self.source.name}(): {exc}") from None
        return [a if type(a) is np.ndarray else np.asarray(a) for a in args]

    def __call__(self, *args, **kwargs):
        arrays = self._arrays(args, kwargs)
        key = tuple((a.ndim, a.dtype.char) for a in arrays)
        fn = self._functions.get(key)
        if fn is None:
            fn = self._function(key, arrays)
        try:
            return fn(*arrays)
        except ValueError:
            # The shapes may broadcast a size-1 axis the first derivation took as a full dimension.
            ones = tuple(tuple(i for i, n in enumerate(a.shape) if n == 1) for a in arrays)
            special = self._functions.get((key, ones)) or self._function((key, ones), arrays)
            if special is fn:
                raise
            return special(*arrays)

    def _function(self, key, arrays):
        """Derive and compile for the call's ranks and dtypes (size-1 axes broadcast where they do)."""
        with self._lock:
            if key not in self._functions:
                _check_inputs(self.source.name, self.params, arrays, self.wrt)
                dims = Dims()
                shapes = _call_shapes(self.source, self.params, arrays, dims)
                dtypes = {p: a.dtype for p, a in zip(self.params, arrays)}
                derivation = _derive(self.source, self.wrt, dims, shapes, dtypes, self.kind != "value")
                self.derivations[key] = derivation
                self._functions[key] = derivation.compiled(self.kind)
            return self._functions[key]


def grad(fn=None, *, wrt=None):
    """The gradient of a scalar-valued function: `grad(f)(*args)` returns d f / d wrt.

    `wrt` is a parameter name, an index, or a tuple of them (the first parameter by default); a
    tuple gives a tuple of gradients. Use as `@grad` or `@grad(wrt=("w", "b"))`.
    """
    if fn is None:
        return functools.partial(grad, wrt=wrt)
    return Transformed(fn, wrt, "grad")


def value_and_grad(fn=None, *, wrt=None):
    """Like `grad`, returning `(value, gradients)`."""
    if fn is None:
        return functools.partial(value_and_grad, wrt=wrt)
    return Transformed(fn, wrt, "value_and_grad")
