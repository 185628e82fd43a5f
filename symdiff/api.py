"""The user-facing transforms: `derive`, `grad`, `value_and_grad`, `vjp`, `jvp`, `jacobian`,
`hessian`, `hvp`.

The pipeline, one way: source -> `parse` -> `optimize.stabilize` -> `differentiate` (in
`Derivation`) -> `optimize.schedule` -> `emit`.
"""
from __future__ import annotations

import difflib
import functools
import inspect
import threading
from types import SimpleNamespace

import numpy as np
import sympy as sp

from .derivation import Derivation, Wrt
from .differentiate import backward
from .errors import InputTypeError, Location, SymdiffError, WrtError, api_boundary
from .export import DEFAULT_KINDS, export_source, write_atomically
from .ir import Graph
from .optimize import stabilize
from .parse import parse
from .shapes import Dims
from .source import FunctionSource, TransformSpec, annotated_shapes

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
        shape = (shape,) if isinstance(shape, (str, int)) else shape
        if not isinstance(shape, (tuple, list)) or not all(_is_dim(d) for d in shape):
            raise SymdiffError(
                f"the shape {shape!r} of `{p}` is not a tuple of dimension names and sizes",
                location=source.location(source.tree),
                hint='Write shapes as tuples of names and non-negative sizes, e.g. {"x": ("N", "D"), "b": (3,)}.',
            )
        shapes[p] = tuple(sp.Integer(d) if isinstance(d, int) else dims.symbol(d) for d in shape)
    unknown = set(spec) - set(params)
    if unknown:
        raise SymdiffError(f"shapes given for unknown parameters: {', '.join(sorted(unknown))}",
                           hint=f"`{source.name}`'s parameters are: {', '.join(params)}.")
    return shapes


def _is_dim(d) -> bool:
    return (isinstance(d, int) and not isinstance(d, bool) and d >= 0) or (isinstance(d, str) and d.isidentifier())


def _derive(source: FunctionSource, wrt: Wrt, dims: Dims, shapes: dict, dtypes: dict | None = None,
            has_aux: bool = False) -> Derivation:
    graph = Graph(dims)
    parse(source, graph, shapes, has_aux=has_aux, backward=backward)
    _name_dims(graph, source.params)
    stabilize(graph)
    return Derivation(source, graph, wrt, dtypes, has_aux)


@api_boundary
def derive(fn, *, wrt=None, shapes=None, has_aux: bool = False, dtype=None) -> Derivation:
    """Derive `fn` for symbolic shapes, e.g. shapes={"x": ("N", "D"), "w": ("D", "K")}.

    Without `shapes`, string annotations on the parameters give them (`x: "N D"`). Gradients are
    computed when first asked for; `.compiled(kind)` gives any kind of generated function. With a
    `dtype` ("float32" or "float64"), the code uses the cheapest stable forms for it; without, forms
    that suit both.
    """
    source = _source(fn)
    params = source.params
    wrt = resolve_wrt(wrt, params, f"`{source.name}` ", source.location(source.tree))
    spec = annotated_shapes(source)
    spec.update(shapes or {})
    dims = Dims()
    dtypes = {p: np.dtype(dtype) for p in params} if dtype is not None else None
    derivation = _derive(source, wrt, dims, _symbolic_shapes(spec, params, dims, source), dtypes, has_aux)
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


def _holds_arrays(value) -> bool:
    """Whether `value` is a dict, or a list or tuple holding arrays or dicts (a parameter tree)."""
    return isinstance(value, dict) or isinstance(value, (list, tuple)) and any(
        isinstance(v, np.ndarray) or _holds_arrays(v) for v in value)


class Transformed:
    """A function transformed by `grad`, `vjp`, `hessian`...: derives and compiles once per signature
    of argument ranks and dtypes, then calls the generated numpy code."""

    def __init__(self, fn, wrt, kind: str, has_aux: bool = False):
        functools.update_wrapper(self, fn)
        self.fn = fn
        self.kind = kind
        self.has_aux = has_aux
        self.source = FunctionSource.from_function(fn)
        self.params = self.source.params
        self.wrt = resolve_wrt(wrt, self.params, f"`{self.source.name}` ", self.source.location(self.source.tree))
        self.spec = TransformSpec(kind, self.source, self.wrt.names, self.wrt.single, has_aux)
        self.derivations: dict = {}
        self._functions: dict = {}
        self._ones: dict = {}  # each compiled function: the size-1 axes of the call it was derived for
        self._lock = threading.Lock()
        self._nparams = len(self.params)
        self._nargs = self._nparams + EXTRA_ARGS.get(kind, lambda wrt: 0)(self.wrt.names)
        self._signature = inspect.signature(fn)

    def __repr__(self) -> str:
        return f"<symdiff.{self.kind} of {self.source.name} with respect to {', '.join(self.wrt.names)}>"

    def __get__(self, obj, objtype=None):
        return self if obj is None else functools.partial(self, obj)

    def _bind(self, args, kwargs) -> tuple:
        """Positional arguments in order, from a call with keywords or a wrong count."""
        extra = self._nargs - self._nparams
        try:
            primal = self._signature.bind(*args[: len(args) - extra], **kwargs).args
        except TypeError as exc:
            raise TypeError(f"{self.source.name}(): {exc}") from None
        if len(args) < extra or len(primal) + extra != self._nargs:
            raise TypeError(f"{self.kind} of {self.source.name}() takes the {self._nparams} arguments of "
                            f"{self.source.name} and {extra} more ({_extra_names(self.kind)})")
        return primal + tuple(args[len(args) - extra:])

    def _asarray(self, i: int, value) -> np.ndarray:
        try:
            array, problem = np.asarray(value), None
        except ValueError as exc:  # a ragged list
            array, problem = None, exc
        if array is not None and not (array.dtype == object and _holds_arrays(value)):
            return array
        name = self.params[i] if i < self._nparams else f"argument {i + 1}"
        where = self.source.location(self.source.tree)
        if _holds_arrays(value):
            raise InputTypeError(
                f"`{self.source.name}`: `{name}` is a {type(value).__name__} of arrays (a parameter tree); "
                "symdiff takes each parameter as one array", location=where,
                hint=f"Pass each array as a parameter of its own, e.g. `def {self.source.name}(x, y, w1, b1, w2, b2)`.",
            ) from None
        raise InputTypeError(f"`{self.source.name}`: `{name}` is not an array: {problem}", location=where,
                             hint="Pass a rectangular array of float64 or float32 numbers.") from None

    def __call__(self, *args, **kwargs):
        try:
            if kwargs or len(args) != self._nargs:
                args = self._bind(args, kwargs)
            if not all(type(a) is np.ndarray for a in args):
                xp = _foreign_namespace(self.source, args)
                if xp is not None:
                    return self._call_array_api(xp, args)
            arrays = [a if type(a) is np.ndarray else self._asarray(i, a) for i, a in enumerate(args)]
            key = tuple([(a.ndim, a.dtype) for a in arrays])
            fn = self._functions.get(key)
            if fn is None:
                fn = self._function(key, arrays)
            try:
                return fn(*arrays)
            except ValueError:
                # A derivation holds for every call with the same size-1 axes (the only sizes it may
                # have specialized on, where numpy broadcasts); other calls get a derivation of their own.
                ones = _size_one_axes(arrays)
                if ones == self._ones[fn]:
                    raise
                special = self._functions.get((key, ones)) or self._function((key, ones), arrays)
                return special(*arrays)
        except SymdiffError as exc:  # raised from the user's call, not from symdiff's internals
            raise exc.with_traceback(None)

    def _call_array_api(self, xp, args):
        """A call with arrays of another library: numpy arguments promoted to it, code written
        against the Array API standard, results in that library."""
        arrays = [xp.asarray(a) if _library(a) is None else a for a in args]
        described = [_described(a) for a in arrays]
        for i, a in enumerate(described):
            if None in a.shape:
                name = self.params[i] if i < self._nparams else f"argument {i + 1}"
                raise InputTypeError(
                    f"`{self.source.name}`: `{name}` has sizes that are not known yet {arrays[i].shape} (dask "
                    "chunks of unknown length); the gradient's formulas read them",
                    location=self.source.location(self.source.tree),
                    hint=f"Call {name}.compute_chunk_sizes() (or pass lengths=) before differentiating.")
        key = ("array_api",) + tuple([(a.ndim, a.dtype) for a in described])
        fn = self._functions.get(key) or self._function(key, described, array_api=True)
        return fn(*arrays)

    def _function(self, key, arrays, array_api: bool = False):
        """Derive and compile for the call's ranks and dtypes (size-1 axes broadcast where they do)."""
        with self._lock:
            if key not in self._functions:
                primal = arrays[: self._nparams]
                _check_inputs(self.source, self.params, primal, self.wrt if self.kind != "value" else Wrt((), True))
                dims = Dims()
                shapes = _call_shapes(self.source, self.params, primal, dims)
                dtypes = {p: a.dtype for p, a in zip(self.params, primal)}
                derivation = _derive(self.source, self.wrt, dims, shapes, dtypes, self.has_aux)
                self.derivations[key] = derivation
                self._functions[key] = fn = derivation.compiled(self.kind, array_api)
                self._ones[fn] = _size_one_axes(arrays)
            return self._functions[key]


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
        command = _export_command(derivation, shapes, path, array_api)
    source = export_source([derivation], kinds, command, array_api)
    if path is not None:
        write_atomically(path, source)
    return source


def _export_command(derivation: Derivation, shapes: dict | None, path, array_api: bool = False) -> str:
    """A `symdiff export` command line that regenerates the module."""
    info = derivation.source_info
    module = (info.globals or {}).get("__name__")
    target = f"{module}:{info.name}" if module and module != "__main__" else f"{info.filename}:{info.name}"
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
