"""A derivation: one function's forward graph and what each transform (gradient, vjp, jvp, Jacobian,
Hessian...) computes from it, scheduled and emitted on demand.

Every transform adds its nodes to the same graph, so a Hessian reuses the gradient's nodes and the
gradient reuses the forward values.
"""
from __future__ import annotations

import functools
import threading
from dataclasses import dataclass

import numpy as np
import sympy as sp

from . import emit, names
from .differentiate import backward, forward
from .errors import InputTypeError, NonScalarOutputError
from .ir import Graph, Value, exact
from .primitives.einsums import identity_seed
from .optimize import schedule
from .reuse import reuse
from .rows import RowSum, row_sum
from .printing import math
from .shapes import format_shape
from .source import FunctionSource

#: Every kind of function symdiff generates, in the order a module lists them.
KINDS = ("value", "grad", "value_and_grad", "vjp", "jvp", "jacobian", "hessian", "hvp")


@dataclass(frozen=True)
class Wrt:
    """The parameters to differentiate, in order, and whether one was asked for without a tuple."""

    names: tuple[str, ...]
    single: bool

    def pack(self, values: tuple):
        return values[0] if self.single else tuple(values)


@dataclass(frozen=True)
class Built:
    """What one kind computes: its extra parameters (tangents, cotangent) and what it returns."""

    extra: tuple  # parameter symbols after the function's own
    returns: object  # a symbol or a nested tuple of symbols


class Derivation:
    """A function's forward graph and its derivatives, derived once for symbolic shapes.

    `str()` shows the forward computation and each gradient as math; `.gradients` maps each `wrt`
    name to its gradient as a SymPy expression over the parameters; `.source` is the generated
    module; `.function` the compiled gradient function; `.compiled(kind)` any other kind.
    """

    def __init__(self, source: FunctionSource, graph: Graph, wrt: Wrt, dtypes: dict | None = None,
                 has_aux: bool = False, inputs=None):
        self.source_info = source
        self.name = source.name
        self.graph = graph
        self.wrt = wrt
        self.has_aux = has_aux
        self.param_symbols = list(graph.params)
        self.params = [str(s) for s in self.param_symbols]  # leaves of the arguments, then arrays read from outside
        self.inputs = inputs  # what the function reads from outside its parameters (`parse.Inputs`)
        self.output = graph.output
        self.dtypes = dtypes or {}
        self.dtypes_declared = False  # True when `dtypes` were declared (`derive(dtype=...)`), not seen in a call
        self._built: dict = {}
        self._programs: dict = {}
        self._compiled: dict = {}
        self._lock = threading.RLock()

    @property
    def shapes(self) -> dict[str, tuple]:
        return {p: self.graph[s].shape for p, s in zip(self.params, self.param_symbols)}

    def _wrt_symbols(self) -> list:
        return [self.param_symbols[self.params.index(n)] for n in self.wrt.names]

    def _require_scalar(self, what: str) -> None:
        shape = self.graph[self.output].shape
        if shape:
            raise NonScalarOutputError(
                f"`{self.name}` returns an array of shape {format_shape(shape)}; {what} needs a scalar",
                location=self.source_info.location(self.source_info.tree.body[-1]),
                hint="Reduce it (e.g. `.sum()` or reduction='mean'), or use symdiff.vjp or symdiff.jacobian "
                     "for non-scalar outputs.",
            )

    # -- the derivatives ------------------------------------------------------------------------
    @functools.cached_property
    def grads(self) -> dict[str, sp.Symbol]:
        """The gradient node of each `wrt` parameter (reverse mode)."""
        self._require_scalar("a gradient")
        return self._pullback(self.graph.const(1))

    def _pullback(self, seed: Value, of: sp.Symbol | None = None) -> dict[str, sp.Symbol]:
        graph = self.graph
        with graph.context(location=self.source_info.location(self.source_info.tree)):
            cotangents = backward(graph, of or self.output, self._wrt_symbols(), seed)
        return {n: cotangents[s].symbol for n, s in zip(self.wrt.names, self._wrt_symbols())}

    def _param(self, name: str, shape: tuple) -> sp.Symbol:
        """A new parameter (a tangent or cotangent input) with a name no other parameter has."""
        unique = names.Namer({str(s) for s in self.graph.params}, reserved=())(name)
        return self.graph.param(unique, shape).symbol

    def _exact(self, dot: Value | None, shape: tuple, like: sp.Symbol) -> sp.Symbol:
        """A tangent as an array of exactly `shape` (zeros where it does not depend on the inputs)."""
        return exact(self.graph.const(0) if dot is None else dot, shape, self.graph.value(like)).symbol

    def _jacobian_block(self, of: sp.Symbol, w: sp.Symbol, name: str) -> sp.Symbol:
        """d(of)/d(w) with shape of.shape + w.shape, by one forward sweep seeded with an identity (kept
        as a product of identity factors, which the forward rules contract away: see primitives.einsums)."""
        graph = self.graph
        shape_w = graph[w].shape
        seed = identity_seed(graph.value(w)) if shape_w else graph.const(1)
        nb = len(shape_w)
        dot = forward(graph, {w: seed}, [of], nb=nb)[of]
        batched = graph.value(self._exact(dot, shape_w + graph[of].shape, w))
        n_of = len(graph[of].shape)
        return batched.transpose(tuple(range(nb, nb + n_of)) + tuple(range(nb))).named(name).symbol

    def build(self, kind: str) -> Built:
        """The extra parameters and results of one kind (cached)."""
        with self._lock:
            if kind not in self._built:
                with self.graph.context(statement=None, grad_of=None):
                    self._built[kind] = getattr(self, f"_build_{kind}")()
            return self._built[kind]

    def _with_aux(self, value):
        return (value, self.graph.aux) if self.has_aux else value

    def _grad_tuple(self):
        return self.wrt.pack(tuple(self.grads[n] for n in self.wrt.names))

    def _build_value(self):
        return Built((), self._with_aux(self.output))

    def _build_grad(self):
        return Built((), (self._grad_tuple(), self.graph.aux) if self.has_aux else self._grad_tuple())

    def _build_value_and_grad(self):
        return Built((), (self._with_aux(self.output), self._grad_tuple()))

    @functools.cached_property
    def row_sum(self) -> RowSum | None:
        """How the value is a sum over the rows of a batch (see `rows`): its gradient then streams."""
        if self.has_aux or self.graph[self.output].shape:
            return None
        return row_sum(self.graph, self.output, self.param_symbols)

    def _build_rows_grad(self):
        grads = self._pullback(self.graph.const(1), of=self.row_sum.total)
        return Built((), self.wrt.pack(tuple(grads[n] for n in self.wrt.names)))

    def _build_rows_value_and_grad(self):
        return Built((), (self.row_sum.total, self.build("rows_grad").returns))

    def _build_vjp(self):
        v = self._param("v", self.graph[self.output].shape)
        cotangents = self._pullback(self.graph.value(v))
        return Built((v,), self.wrt.pack(tuple(cotangents[n] for n in self.wrt.names)))

    @functools.cached_property
    def _tangent_params(self) -> dict:
        """One tangent input per `wrt` parameter (`w_dot`), shared by jvp and hvp."""
        return {w: self._param(names.tangent(n), self.graph[w].shape) for n, w in zip(self.wrt.names, self._wrt_symbols())}

    def _build_jvp(self):
        tangents = self._tangent_params
        dot = forward(self.graph, {w: self.graph.value(t) for w, t in tangents.items()}, [self.output])[self.output]
        out = self._exact(dot, self.graph[self.output].shape, self._wrt_symbols()[0])
        return Built(tuple(tangents.values()), (self.output, self.graph.value(out).named(names.tangent(self.name)).symbol))

    def _build_jacobian(self):
        if not self.graph[self.output].shape:
            return Built((), self._grad_tuple())
        blocks = (self._jacobian_block(self.output, w, names.jacobian(n)) for n, w in zip(self.wrt.names, self._wrt_symbols()))
        return Built((), self.wrt.pack(tuple(blocks)))

    def _build_hessian(self):
        wrt, symbols = self.wrt.names, self._wrt_symbols()
        blocks = tuple(tuple(self._jacobian_block(self.grads[a], w, names.hessian(a, b))
                             for b, w in zip(wrt, symbols)) for a in wrt)
        return Built((), blocks[0][0] if self.wrt.single else blocks)

    def _build_hvp(self):
        tangents = self._tangent_params
        grads = [self.grads[n] for n in self.wrt.names]
        dots = forward(self.graph, {w: self.graph.value(t) for w, t in tangents.items()}, grads)
        results = tuple(self.graph.value(self._exact(dots[g], self.graph[w].shape, w)).named(names.hvp(n)).symbol
                        for n, g, w in zip(self.wrt.names, grads, self._wrt_symbols()))
        return Built(tuple(tangents.values()), self.wrt.pack(results))

    # -- math for people ----------------------------------------------------------------------
    @functools.cached_property
    def gradients(self) -> dict[str, sp.Expr]:
        return {name: self._inline(s, everything=True) for name, s in self.grads.items()}

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
        names = self.display_names()
        sig = ", ".join(f"{p}: {format_shape(shape)}" for p, shape in self.shapes.items())
        lines = [f"{self.name}({sig})"]
        for symbol, node in self.graph.nodes.items():
            if node.grad_of is None and not node.is_param and (node.name or symbol == self.output):
                lines.append(f"  {names[symbol]} = {math(self._inline(symbol, everything=False), names)}"
                             f"    # {format_shape(node.shape)}")
        if self.graph[self.output].shape:
            lines.append("(the value is not a scalar: see vjp, jvp and jacobian)")
            return "\n".join(lines)
        lines.append(f"gradients of {self.name} with respect to {', '.join(self.wrt.names)}:")
        lines += [f"  d{self.name}/d{name} = {text}" for name, text in self.gradient_formulas(names).items()]
        return "\n".join(lines)

    def display_names(self) -> dict:
        """A readable, unique name per node (h, h1, ... as in the generated code)."""
        fresh = names.Namer(reserved=())
        return {s: fresh(n.name or n.stem) for s, n in self.graph.nodes.items()}

    def gradient_formulas(self, names: dict | None = None) -> dict[str, str]:
        """Each gradient as math: in terms of the parameters when short, else of the named values."""
        names = names or self.display_names()
        formulas = {}
        for name, symbol in self.grads.items():
            full = math(self.gradients[name], names)
            formulas[name] = full if len(full) <= 100 else math(self._inline(symbol, everything=False), names)
        return formulas

    def __repr__(self) -> str:
        return f"<Derivation of {self.name} with respect to {', '.join(self.wrt.names)}>"

    # -- code ---------------------------------------------------------------------------------
    def function_name(self, kind: str) -> str:
        if kind.startswith("rows_"):  # the row block a streaming kind calls
            return f"_row_block_{kind[len('rows_'):]}_{self.name}"
        return self.name if kind == "value" else f"{kind}_{self.name}"

    def program(self, kind: str):
        with self._lock:
            if kind not in self._programs:
                built = self.build(kind)
                dtype = _computation_dtype(self.dtypes)
                program = schedule(self.graph, self.function_name(kind), built.returns,
                                   params=self.param_symbols + list(built.extra),
                                   dtype=None if dtype is None else dtype.name)
                indices = self.graph.index_params
                for p, s in zip(self.params, self.param_symbols):
                    if s in indices and p in self.dtypes and self.dtypes[p].kind not in "iu":
                        raise InputTypeError(
                            f"`{self.name}`: `{p}` is used as an index but is an array of {self.dtypes[p]}",
                            hint=f"Pass integer indices, e.g. {p}.astype(np.int64); for a boolean mask, select "
                                 "with np.where(mask, x, 0) instead.")
                program.casts = {  # integer inputs compute as floats, except indices
                    s: dtype.name for p, s in zip(self.params, self.param_symbols)
                    if p in self.dtypes and dtype is not None and self.dtypes[p].kind in "biu" and s not in indices
                }
                program.dtypes = {s: program.casts.get(s, self.dtypes[p].name)
                                  for p, s in zip(self.params, self.param_symbols) if p in self.dtypes}
                program.dtypes_declared = self.dtypes_declared
                self._programs[kind] = reuse(program)
            return self._programs[kind]

    def function_asts(self, kinds, in_place: bool = True) -> list:
        """The `def` of each kind, after the row block a streaming one calls (with `in_place`: the
        Array API modules do not stream)."""
        functions = []
        for kind in kinds:
            rows = None
            if in_place and kind in ("grad", "value_and_grad") and self.row_sum is not None:
                block = f"rows_{kind}"
                functions.append(emit.function_ast(self.program(block), doc=self._docstring(block)))
                rows = emit.emit_rows.Rows(self.function_name(block), self.row_sum,
                                           self.wrt.pack(tuple(self._wrt_symbols())), value=kind == "value_and_grad")
            functions.append(emit.function_ast(self.program(kind), doc=self._docstring(kind), in_place=in_place,
                                               rows=rows))
        return functions

    def _docstring(self, kind: str) -> str:
        wrt = ", ".join(self.wrt.names)
        dots = ", ".join(names.tangent(n) for n in self.wrt.names)
        what = {
            "value": f"The value of `{self.name}`.",
            "grad": f"Gradient of `{self.name}` with respect to {wrt}.",
            "value_and_grad": f"`{self.name}` and its gradient with respect to {wrt}.",
            "vjp": f"Vector-Jacobian product of `{self.name}`: the cotangent `v` of its value pulled back to {wrt}.",
            "jvp": f"`{self.name}` and its derivative along the tangents {dots} of {wrt}.",
            "jacobian": f"Jacobian of `{self.name}` with respect to {wrt}: output.shape + parameter.shape.",
            "hessian": f"Hessian of `{self.name}` with respect to {wrt}.",
            "hvp": f"Hessian of `{self.name}` with respect to {wrt}, times the vectors {dots}.",
            "rows_grad": f"The gradient with respect to {wrt} of the sum over a block of rows that `{self.name}` scales.",
            "rows_value_and_grad": f"The sum over a block of rows that `{self.name}` scales, and its gradient with "
                                   f"respect to {wrt}.",
        }[kind]
        program = self.program(kind)
        shapes = "\n".join(f"    {p}: {format_shape(program.shapes[p])}" for p in program.params)
        return f"{what}\n\nParameters and their shapes:\n{shapes}\n"

    def module_source(self, kinds=("value", "grad", "value_and_grad"), array_api: bool = False) -> str:
        return emit.module_source(self.function_asts(kinds, in_place=not array_api), array_api=array_api)

    @functools.cached_property
    def source(self) -> str:
        """The generated module: the value, the gradient, and both at once."""
        return self.module_source()

    def compiled(self, kind: str = "grad", array_api: bool = False):
        """The generated function of one kind, compiled (for numpy arrays, or with `array_api` for
        any library of the Array API standard)."""
        with self._lock:
            if (kind, array_api) not in self._compiled:
                name = self.function_name(kind)
                namespace = emit.compile_module(self.module_source((kind,), array_api), name)
                self._compiled[kind, array_api] = namespace[name]
            return self._compiled[kind, array_api]

    @property
    def function(self):
        return self.compiled("grad")


def _computation_dtype(dtypes: dict):
    floats = [d for d in dtypes.values() if d.kind == "f"]
    return np.result_type(*floats) if floats else (np.dtype(np.float64) if dtypes else None)
