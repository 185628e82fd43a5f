"""The user-facing transforms: `derive`, `grad`, `value_and_grad`, `vjp`, `jvp`, `jacobian`,
`hessian`, `hvp`.

The pipeline, one way: source -> `parse` -> `stable.stabilize` -> `differentiate` (in
`Derivation`) -> `optimize.schedule` -> `emit`.
"""
from __future__ import annotations

import ast
import difflib
import functools
import inspect
import itertools
import threading
from types import SimpleNamespace

import numpy as np
import sympy as sp

from .arguments import Packer, flat_wrt, is_object, structure
from .derivation import Derivation, Wrt
from .differentiate import backward
from .dispatch import fast_path
from .errors import InputTypeError, Location, ShapeError, SymdiffError, WrtError, api_boundary
from .export import DEFAULT_KINDS, export_source, write_atomically
from .ir import Graph
from .names import unnamed_dim
from .stable import stabilize
from .outside import signature_of
from .parse import parse
from .shapes import Dims
from .source import FunctionSource, TransformSpec, annotated_shapes
from .trees import LEAF, TreeDef, is_tree, leaf_names

#: Extra arguments each kind takes after the function's own: a cotangent, or one tangent per `wrt`.
EXTRA_ARGS = {"vjp": lambda wrt: 1, "jvp": len, "hvp": len}


def resolve_wrt(wrt, params: list[str], where: str = "", location: Location | None = None) -> Wrt:
    """`wrt` as parameter names: a name, an index, or a tuple of them; the first parameter by default.
    Errors point at `location`, the function's `def`."""
    if wrt is None:
        if not params:
            raise WrtError(f"{where}has no parameters to differentiate", location=location)
        return Wrt((params[0],), True)
    single = not isinstance(wrt, (tuple, list))
    names = []
    for item in [wrt] if single else wrt:
        if isinstance(item, bool) or not isinstance(item, (str, int)):
            raise WrtError(f"wrt={item!r}: give parameter names or indices", location=location)
        if isinstance(item, int):
            if not -len(params) <= item < len(params):
                raise WrtError(f"wrt={item}: {where}has {len(params)} parameters ({', '.join(params)})",
                               location=location)
            item = params[item]
        elif item not in params:
            near = _near(item, params)
            raise WrtError(
                f"wrt={item!r}: {where}has no parameter `{item}`", location=location,
                hint=(f"Did you mean `{near}`? " if near else "") + f"Its parameters are: {', '.join(params)}.",
            )
        if item in names:
            raise WrtError(f"wrt names `{item}` twice", location=location, hint="Name each parameter once.")
        names.append(item)
    if not names:
        raise WrtError("wrt is empty: name at least one parameter", location=location)
    return Wrt(tuple(names), single)


def _near(name: str, params: list[str]) -> str | None:
    """The parameter a misspelled `wrt` name most likely means: the same but for case, a close
    spelling, or the one parameter the name starts with (`bias` for `b`)."""
    same = [p for p in params if p.lower() == name.lower()]
    close = difflib.get_close_matches(name, params, n=1, cutoff=0.6)
    prefix = [p for p in params if name.lower().startswith(p.lower())]
    return (same or close or (prefix if len(prefix) == 1 else [None]))[0]


def _source(fn) -> FunctionSource:
    return fn if isinstance(fn, FunctionSource) else FunctionSource.from_function(fn)


def _shape_layout(spec: dict, source: FunctionSource, dims: Dims) -> tuple[dict, dict]:
    """The structure of each parameter and the symbolic shape of each leaf, from `shapes=` (a shape
    or a tree of shapes per parameter, e.g. {"params": [("D", "H"), ("H",)]}); parameters with a
    constant default and none given are compiled in with it."""
    params = source.params
    unknown = set(spec) - set(params)
    if unknown:
        raise SymdiffError(f"shapes given for unknown parameters: {', '.join(sorted(unknown))}",
                           hint=f"`{source.name}`'s parameters are: {', '.join(params)}.")
    defaults = source.defaults()
    layout, shapes = {}, {}
    for p in params:
        if p not in spec and p in defaults:
            try:
                layout[p] = TreeDef("static", value=ast.literal_eval(defaults[p]))
                continue
            except (ValueError, TypeError, SyntaxError):
                pass
        if p not in spec:
            raise SymdiffError(
                f"no shape for parameter `{p}` of `{source.name}`",
                location=source.location(source.tree),
                hint=f'Pass shapes={{"{p}": ("N", "D"), ...}} or annotate it: `{p}: "N D"`.',
            )
        leaves, layout[p] = _shape_tree(spec[p])
        for leaf, shape in zip(leaf_names(p, layout[p]), leaves):
            shapes[leaf] = _symbolic_shape(leaf, shape, dims, source)
    return layout, shapes


def _shape_tree(spec) -> tuple[list, TreeDef]:
    """The leaf shapes of a tree of shapes and its structure: a tuple of names and sizes is a leaf."""
    if isinstance(spec, dict) or isinstance(spec, (tuple, list)) and any(not isinstance(d, (str, int)) for d in spec):
        keys = tuple(spec) if isinstance(spec, dict) else tuple(range(len(spec)))
        parts = [_shape_tree(spec[k]) for k in keys]
        tree = TreeDef(type(spec).__name__, type(spec), keys, tuple(t for _, t in parts))
        return [leaf for leaves, _ in parts for leaf in leaves], tree
    return [spec], LEAF


def _symbolic_shape(p: str, shape, dims: Dims, source: FunctionSource) -> tuple:
    shape = (shape,) if isinstance(shape, (str, int)) else shape
    if not isinstance(shape, (tuple, list)) or not all(_is_dim(d) for d in shape):
        raise SymdiffError(
            f"the shape {shape!r} of `{p}` is not a tuple of dimension names and sizes",
            location=source.location(source.tree),
            hint='Write shapes as tuples of names and non-negative sizes, e.g. {"x": ("N", "D"), "b": (3,)}.',
        )
    return tuple(sp.Integer(d) if isinstance(d, int) else dims.symbol(d) for d in shape)


def _is_dim(d) -> bool:
    return (isinstance(d, int) and not isinstance(d, bool) and d >= 0) or (isinstance(d, str) and d.isidentifier())


def _derive(source: FunctionSource, wrt: Wrt, dims: Dims, layout: dict, shapes: dict, dtypes: dict | None = None,
            has_aux: bool = False, call: dict | None = None) -> Derivation:
    graph = Graph(dims)
    inputs = parse(source, graph, layout, shapes, call, has_aux=has_aux, backward=backward)
    if dtypes is not None:
        for fetch, symbol in inputs.externals:
            dtypes[str(symbol)] = np.asarray(fetch(call)).dtype
    _name_dims(graph, [str(s) for s in graph.params])
    stabilize(graph)
    return Derivation(source, graph, wrt, dtypes, has_aux, inputs)


@api_boundary
def derive(fn, *, wrt=None, shapes=None, has_aux: bool = False, dtype=None) -> Derivation:
    """Derive `fn` for symbolic shapes, e.g. shapes={"x": ("N", "D"), "w": ("D", "K")}; a tree
    parameter takes a tree of shapes ({"params": [("D", "H"), ("H",)]}) and has one gradient per
    leaf (`params_0`, `params_1`). Parameters with a constant default may be left out.

    Without `shapes`, string annotations on the parameters give them (`x: "N D"`). Gradients are
    computed when first asked for; `.compiled(kind)` gives any kind of generated function. With a
    `dtype` ("float32" or "float64"), the code uses the cheapest stable forms for it; without, forms
    that suit both. Arrays the function reads from outside (module-level or closure names) are
    extra parameters of the generated functions, after the function's own.
    """
    source = _source(fn)
    params = source.params
    wrt = resolve_wrt(wrt, params, f"`{source.name}` ", source.location(source.tree))
    spec = annotated_shapes(source)
    spec.update(shapes or {})
    dims = Dims()
    layout, leaf_shapes = _shape_layout(spec, source, dims)
    flat = flat_wrt(wrt, layout)
    dtypes = {p: np.dtype(dtype) for p in leaf_shapes} if dtype is not None else None
    derivation = _derive(source, flat, dims, layout, leaf_shapes, dtypes, has_aux)
    derivation.dtypes_declared = dtype is not None
    if not derivation.graph[derivation.output].shape:
        derivation.grads  # derive the gradient now, so that its errors surface here
    return derivation


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
            else dims.symbol(name or unnamed_dim(p, axis), seen=size, flexible=True)
            for axis, (size, name) in enumerate(zip(a.shape, names))
        )
    return shapes


def _name_dims(graph: Graph, params: list[str]) -> None:
    """Name the placeholder dimensions N, D, K, M... in order of first appearance."""
    taken = set(params) | {str(d) for s in graph.params for d in graph[s].shape if not str(d).startswith("_")}
    letters = itertools.chain((n for n in _DIM_NAMES if n not in taken),
                              (f"n{i}" for i in itertools.count() if f"n{i}" not in taken))
    for symbol in graph.params:
        for d in graph[symbol].shape:
            for s in sorted(graph.dims.find(d).free_symbols, key=str):  # `3*M` after np.split too
                if s.name.startswith("_"):
                    graph.dims.rename(s, next(letters))
    graph.resolve_dims()


def _check_inputs(source: FunctionSource, params: list[str], arrays: list[np.ndarray], wrt: Wrt) -> None:
    name, location = source.name, source.location(source.tree)
    for p, a in zip(params, arrays):
        if a.dtype.kind not in "biuf":
            raise InputTypeError(
                f"`{name}`: argument `{p}` is an array of {a.dtype}; symdiff computes with real numbers",
                location=location, hint=f"Pass a float64 or float32 array, e.g. np.asarray({p}, dtype=np.float64).",
            )
        if p in wrt.names and a.dtype.kind != "f":
            raise InputTypeError(
                f"`{name}`: `{p}` is differentiated but is an {a.dtype} array",
                location=location, hint=f"Gradients need floating point: pass {p}.astype(np.float64) (or float32).",
            )


class _Compiled:
    """One derivation's generated function and what a call must pass it besides its arguments'
    leaves: the tangents flattened, the outside arrays fetched (`guards` say when to derive again)."""

    def __init__(self, fn, derivation: Derivation, packer: Packer | None, ones: tuple):
        self.fn = fn
        self.packer = packer
        self.ones = ones  # the size-1 axes of the call it was derived for
        self.guards = derivation.inputs.guards
        self.externals = [fetch for fetch, _ in derivation.inputs.externals]
        self.dispatch = None  # the generated fast path, once a plain call has run this variant

    def valid(self, call: dict) -> bool:
        try:
            return all(signature_of(fetch(call)) == sig for fetch, sig in self.guards)
        except Exception:  # a name read from outside no longer exists: derive again, and say so
            return False

    def inputs(self, arrays: list, call: dict) -> list:
        """The generated code's inputs: the call's arrays, then the arrays read from outside."""
        return arrays + [np.asarray(fetch(call)) for fetch in self.externals] if self.externals else arrays


class Transformed:
    """A function transformed by `grad`, `vjp`, `hessian`...: derives and compiles once per signature
    of argument ranks, dtypes and structures (see `arguments`), then calls the generated numpy code.

    Each instance is of a class of its own, whose `__call__` becomes the generated fast path of the
    variant last run (see `dispatch`): a call of the same ranks and dtypes costs no more frames."""

    def __new__(cls, *args, **kwargs):
        return super().__new__(type(cls.__name__, (cls,), {"__module__": cls.__module__}))

    def __init__(self, fn, wrt, kind: str, has_aux: bool = False):
        functools.update_wrapper(self, fn)
        self.fn = fn
        self.kind = kind
        self.has_aux = has_aux
        bound = inspect.ismethod(fn)
        self.source = FunctionSource.from_function(fn.__func__ if bound else fn)
        self._bound = {self.source.params[0]: fn.__self__} if bound else {}
        self.params = [p for p in self.source.params if p not in self._bound]
        if wrt is None and self.params[:1] == ["self"] and len(self.params) > 1:
            wrt = 1  # a method decorated in its class: the first parameter after `self`
        self.wrt = resolve_wrt(wrt, self.params, f"`{self.source.name}` ", self.source.location(self.source.tree))
        self.spec = TransformSpec(kind, self.source, self.wrt.names, self.wrt.single, has_aux)
        self.derivations: dict = {}
        self._functions: dict = {}
        self._lock = threading.Lock()
        self._nparams = len(self.params)
        self._extra = EXTRA_ARGS.get(kind, lambda wrt: 0)(self.wrt.names)
        self._nargs = self._nparams + self._extra
        self._signature = inspect.signature(fn)
        self._plain = not bound and all(
            p.kind == p.POSITIONAL_OR_KEYWORD and p.default is p.empty for p in self._signature.parameters.values())
        self._defaults = {p.name for p in self._signature.parameters.values() if p.default is not p.empty}

    def __repr__(self) -> str:
        return f"<symdiff.{self.kind} of {self.source.name} with respect to {', '.join(self.wrt.names)}>"

    def __get__(self, obj, objtype=None):
        return self if obj is None else functools.partial(self, obj)

    def _bind(self, args, kwargs) -> tuple[dict, tuple]:
        """The arguments by parameter name (defaults applied, `self` of a bound method included),
        and the extra arguments of the kind (cotangent, tangents)."""
        extra = self._extra
        if len(args) < extra:
            raise TypeError(self._count_message())
        try:
            bound = self._signature.bind(*args[: len(args) - extra], **kwargs)
        except TypeError as exc:
            raise TypeError(f"{self.source.name}(): {exc}" + (f"; {self._count_message()}" if extra else "")) from None
        bound.apply_defaults()
        return {**self._bound, **bound.arguments}, tuple(args[len(args) - extra:])

    def _count_message(self) -> str:
        return (f"{self.kind} of {self.source.name}() takes the {self._nparams} arguments of "
                f"{self.source.name} and {self._extra} more ({_extra_names(self.kind)})")

    def _asarray(self, name: str, value) -> np.ndarray:
        try:
            return np.asarray(value)
        except ValueError as exc:  # a ragged list
            raise InputTypeError(f"`{self.source.name}`: `{name}` is not an array: {exc}",
                                 location=self.source.location(self.source.tree),
                                 hint="Pass a rectangular array of float64 or float32 numbers.") from None

    def __call__(self, *args, **kwargs):  # until a call has run a variant
        return self._general(args, kwargs)

    def _general(self, args, kwargs):
        try:
            return self._call(args, kwargs)
        except SymdiffError as exc:  # raised from the user's call, not from symdiff's internals
            raise exc.with_traceback(None)

    def _call(self, args, kwargs):
        if self._plain and kwargs:  # keywords bound to positions: the same variants as positional calls
            call, extra = self._bind(args, kwargs)
            args, kwargs = tuple(call[p] for p in self.params) + extra, {}
        if self._plain and not kwargs and len(args) == self._nargs:
            plain = all(type(a) is np.ndarray for a in args)
            if not plain:
                xp = _foreign_namespace(self.source, args)
                if xp is not None:
                    return self._call_array_api(xp, args)
            if plain or not any(is_tree(a) or is_object(a) for a in args):
                arrays = [a if type(a) is np.ndarray else self._asarray(self._name(i), a) for i, a in enumerate(args)]
                key = tuple([(a.ndim, a.dtype) for a in arrays])
                entry = self._functions.get(key)
                if entry is None or (entry.guards and not entry.valid({})):
                    entry = self._function(key, None, arrays[: self._nparams])
                entry, result = self._run(entry, key, None, arrays, {})
                self._install(entry, key)
                return result
        call, extra = self._bind(args, kwargs)
        layout, leaves = {}, []
        for name in self.source.params:
            tree, found = structure(call[name], has_default=name in self._defaults, differentiated=name in self.wrt.names,
                                    vararg=name == self.source.vararg)
            layout[name] = tree
            leaves += [self._asarray(leaf, v) for leaf, v in zip(leaf_names(name, tree), found)]
        key = (tuple(layout.items()), tuple([(a.ndim, a.dtype) for a in leaves]))
        entry = self._functions.get(key)
        if entry is None or (entry.guards and not entry.valid(call)):
            entry = self._function(key, layout, leaves, call)
        if entry.packer is not None and self.kind in ("jvp", "hvp"):
            extra = entry.packer.tangents(extra)
        arrays = leaves + [a if type(a) is np.ndarray else self._asarray("a tangent", a) for a in extra]
        entry, result = self._run(entry, key, layout, arrays, call)
        return result if entry.packer is None else entry.packer(result)

    def _name(self, i: int) -> str:
        return self.params[i] if i < self._nparams else f"argument {i + 1}"

    def _run(self, entry: _Compiled, key, layout, arrays: list, call: dict):
        """The variant that ran and its raw result."""
        try:
            return entry, entry.fn(*entry.inputs(arrays, call))
        except ValueError as exc:
            return self._recover(exc, entry, key, layout, arrays, call)

    def _recover(self, exc: ValueError, entry: _Compiled, key, layout, arrays: list, call: dict):
        """After `entry`'s code refused the call: a derivation holds for every call with the same
        size-1 axes (the only sizes it may specialize on, where numpy broadcasts), so a call with
        other size-1 axes runs a variant of its own; with the same ones, the sizes do not fit."""
        ones = _size_one_axes(arrays)
        base = self._functions[key]
        variant = base if ones == base.ones else self._functions.get((key, ones))
        if variant is entry:
            raise _refused(exc, entry, self.source) from None
        if variant is None or not variant.valid(call):
            variant = self._function((key, ones), layout, arrays[: len(arrays) - self._extra], call)
        try:
            return variant, variant.fn(*variant.inputs(arrays, call))
        except ValueError as again:
            return self._recover(again, variant, key, layout, arrays, call)

    def _install(self, entry: _Compiled, key) -> None:
        """Make the fast path of `entry` this instance's `__call__` (a method of its own class)."""
        if entry.dispatch is None:
            entry.dispatch = staticmethod(self._fast_path(entry, key))
        if type(self).__dict__.get("__call__") is not entry.dispatch:
            type(self).__call__ = entry.dispatch

    def _fast_path(self, entry: _Compiled, key):
        """The generated dispatcher of a variant, for plain calls of the ranks and dtypes `key`."""
        def failed(exc, args):
            try:
                used, result = self._recover(exc, entry, key, None, list(args), {})
            except SymdiffError as error:
                raise error.with_traceback(None)
            self._install(used, key)
            return result

        return fast_path(self.source.name, self.params + [f"arg{i}" for i in range(self._extra)], key, entry.fn,
                         self._general, failed, entry.guards, entry.externals)

    def _call_array_api(self, xp, args):
        """A call with arrays of another library: numpy arguments promoted to it, code written
        against the Array API standard, results in that library."""
        arrays = [xp.asarray(a) if _library(a) is None else a for a in args]
        described = [_described(a) for a in arrays]
        for i, a in enumerate(described):
            if None in a.shape:
                raise InputTypeError(
                    f"`{self.source.name}`: `{self._name(i)}` has sizes that are not known yet {arrays[i].shape} "
                    "(dask chunks of unknown length); the gradient's formulas read them",
                    location=self.source.location(self.source.tree),
                    hint=f"Call {self._name(i)}.compute_chunk_sizes() (or pass lengths=) before differentiating.")
        key = ("array_api",) + tuple([(a.ndim, a.dtype) for a in described])
        entry = self._functions.get(key)
        if entry is None or (entry.guards and not entry.valid({})):
            entry = self._function(key, None, described[: self._nparams], array_api=True)
        return entry.fn(*arrays, *[xp.asarray(a) for a in entry.inputs([], {})])

    def _function(self, key, layout: dict | None, leaves: list, call: dict | None = None,
                  array_api: bool = False) -> _Compiled:
        """Derive and compile for the call's ranks, dtypes and structure (size-1 axes broadcast where
        they do)."""
        with self._lock:
            entry = self._functions.get(key)
            if entry is not None and entry.valid(call or {}):
                return entry
            if layout is None:
                layout = dict.fromkeys(self.params, LEAF)
            names = [n for p in self.source.params for n in leaf_names(p, layout[p])]
            wrt = flat_wrt(self.wrt, layout)
            _check_inputs(self.source, names, leaves, wrt if self.kind != "value" else Wrt((), True))
            dims = Dims()
            shapes = _call_shapes(self.source, names, leaves, dims)
            dtypes = {p: a.dtype for p, a in zip(names, leaves)}
            derivation = _derive(self.source, wrt, dims, layout, shapes, dtypes, self.has_aux, call or {})
            trees = any(not layout[w].is_leaf for w in self.wrt.names)
            packer = Packer(self.kind, self.wrt, layout, self.has_aux) if trees else None
            self.derivations[key] = derivation
            self._functions[key] = entry = _Compiled(derivation.compiled(self.kind, array_api), derivation, packer,
                                                     _size_one_axes(leaves))
            return entry


#: Libraries whose arrays take the Array API path (array_api_compat knows their namespaces).
_LIBRARIES = ("torch", "dask", "cupy", "jax", "jaxlib", "array_api_strict", "sparse", "ndonnx")


def _library(a) -> str | None:
    """The library of a non-numpy array argument, or None for numpy arrays, numbers and lists."""
    root = type(a).__module__.partition(".")[0]
    if root in _LIBRARIES or (root != "numpy" and hasattr(a, "__array_namespace__")):
        return root
    return None


def _foreign_namespace(source: FunctionSource, args):
    """The Array API namespace of the call's non-numpy arrays (None if there are none)."""
    foreign = [a for a in args if _library(a) is not None]
    if not foreign:
        return None
    where = source.location(source.tree)
    try:
        import array_api_compat
    except ImportError:
        raise InputTypeError(
            f"`{source.name}`: {_library(foreign[0])} arrays need the package array-api-compat", location=where,
            hint="pip install 'symdiff[array-api]', or pass numpy arrays.") from None
    try:
        return array_api_compat.array_namespace(*foreign)
    except TypeError as exc:
        libraries = sorted({_library(a) for a in foreign})
        raise InputTypeError(
            f"`{source.name}`: the arguments are arrays of several libraries ({', '.join(libraries)}): {exc}",
            location=where, hint="Pass arrays of one library (numpy arrays beside them are converted).") from None


def _described(a) -> SimpleNamespace:
    """An array's rank, sizes (None where unknown, as for dask's unknown chunks) and numpy dtype."""
    shape = tuple(int(s) if s is not None and s == s else None for s in a.shape)
    return SimpleNamespace(shape=shape, ndim=len(shape), dtype=np.dtype(str(a.dtype).rpartition(".")[2]))


def _refused(exc: ValueError, entry: _Compiled, source: FunctionSource) -> Exception:
    """The error for sizes the generated code's shape check refused: a ShapeError pointing at the
    function (any other ValueError, raised while computing, is itself)."""
    tb = exc.__traceback__
    while tb is not None and tb.tb_next is not None:
        tb = tb.tb_next
    code = entry.fn.__code__
    checked = code.co_varnames[: code.co_argcount]
    if type(exc) is not ValueError or tb is None or tb.tb_frame.f_code is not code or \
            not str(exc).startswith(tuple(f"{p}: expected " for p in checked)):
        return exc
    return ShapeError(f"`{source.name}` was called with arrays whose sizes do not fit together: {exc}",
                      location=source.location(source.tree),
                      hint="Sizes may change from call to call, but each call's arrays must agree as the "
                           "function's shapes require.")


def _size_one_axes(arrays) -> tuple:
    return tuple(tuple(i for i, n in enumerate(a.shape) if n == 1) for a in arrays)


def _extra_names(kind: str) -> str:
    return {"vjp": "the cotangent v", "jvp": "a tangent per wrt parameter", "hvp": "a vector per wrt parameter"}[kind]


def _transform(kind: str, doc: str):
    @api_boundary
    def transform(fn=None, *, wrt=None, **options):
        if fn is None:
            return functools.partial(transform, wrt=wrt, **options)
        return Transformed(fn, wrt, kind, **options)

    transform.__name__ = transform.__qualname__ = kind
    transform.__doc__ = doc
    return transform


grad = _transform("grad", """The gradient of a scalar-valued function: `grad(f)(*args)` returns d f / d wrt.

    `wrt` is a parameter name, an index, or a tuple of them (the first parameter by default); a
    tuple gives a tuple of gradients. Use as `@grad` or `@grad(wrt=("w", "b"))`. With
    `has_aux=True` the function returns `(value, aux)` and the gradient comes with `aux`:
    `(grads, aux)`.
    """)
value_and_grad = _transform("value_and_grad", """Like `grad`, returning `(value, grads)`; with `has_aux=True`,
    `((value, aux), grads)`.
    """)
vjp = _transform("vjp", """Vector-Jacobian product for any output shape: `vjp(f)(*args, v)` pulls the cotangent
    `v` (shaped like f's value) back to the `wrt` parameters, as torch's `out.backward(v)`.
    """)
jvp = _transform("jvp", """Forward mode: `jvp(f)(*args, *tangents)` returns `(value, derivative along the
    tangents)`, one tangent per `wrt` parameter, each shaped like it.
    """)
jacobian = _transform("jacobian", """The full Jacobian: `jacobian(f)(*args)` has shape `out.shape + param.shape`
    (a tuple of them for a tuple `wrt`), computed as closed-form array code.
    """)
hessian = _transform("hessian", """The Hessian of a scalar-valued function, derived symbolically from its gradient:
    shape `param.shape + param.shape`; for a tuple `wrt`, a tuple of tuples of blocks.
    """)
hvp = _transform("hvp", """Hessian-vector product: `hvp(f)(*args, *vectors)` returns H @ v for each `wrt`
    parameter, without forming H.
    """)


@api_boundary
def export(fn, path=None, *, wrt=None, shapes=None, name=None, kinds=DEFAULT_KINDS, dtype=None,
           command=None, array_api: bool = False) -> str:
    """The standalone numpy module for `fn`: `f`, `grad_f`, `value_and_grad_f` (or the `kinds` asked
    for, e.g. ("value_and_grad", "hvp", "hessian")), written atomically to `path` when given.

    Shapes come from `shapes` or the parameters' string annotations (`x: "N D"`); `name` renames
    the exported functions; `dtype` tunes the code for float32 or float64 inputs (it runs on both);
    `command` is the regenerating command quoted in the header; `array_api` writes the module
    against the Array API standard (its only imports are `array_api_compat` and the standard library).
    """
    derivation = derive(fn, wrt=wrt, shapes=shapes, dtype=dtype)
    if name:
        derivation.name = name
    if command is None:
        command = _export_command(derivation, shapes, path, wrt, array_api)
    source = export_source([derivation], kinds, command, array_api)
    if path is not None:
        write_atomically(path, source)
    return source


def _export_command(derivation: Derivation, shapes: dict | None, path, wrt=None, array_api: bool = False) -> str:
    """A `symdiff export` command line that regenerates the module (for tree shapes, which the
    command line does not take, the Python call)."""
    info = derivation.source_info
    module = (info.globals or {}).get("__name__")
    target = f"{module}:{info.name}" if module and module != "__main__" else f"{info.filename}:{info.name}"
    if any(_shape_tree(s)[1].kind != "leaf" for s in (shapes or {}).values()):
        return f"symdiff.export({target!r}, shapes={shapes!r}, wrt={wrt!r})"
    parts = ["symdiff", "export", target, "--wrt", ",".join(derivation.wrt.names)]
    for param, shape in (shapes or {}).items():
        shape = (shape,) if isinstance(shape, (str, int)) else shape
        parts += ["--shape", f"{param}={','.join(str(d) for d in shape)}"]
    if derivation.name != info.name:
        parts += ["--name", derivation.name]
    if derivation.dtypes:
        parts += ["--dtype", next(iter(derivation.dtypes.values())).name]
    if array_api:
        parts.append("--array-api")
    return " ".join(parts + (["-o", str(path)] if path is not None else []))
