"""Buffer reuse: the pass that gives an elementwise statement the buffer of a dead temporary to write
its value into (`dz = np.subtract(sig, y, out=sig)`), from liveness, shapes and dtypes.

A buffer is never a parameter's (the caller's array), a view, a value returned (or a view of one),
or one read after the statement; it holds exactly the statement's shape (decided from the shape
expressions) and dtype (known float dtypes only: a float32 buffer never receives float64, masks and
integer arrays are not buffers), and it is an array, not a numpy scalar. `Facts` gives the shapes
and dtypes the emitter needs to evaluate a statement in place.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import sympy as sp

from .ir import ArrayOp, is_boolean
from .loops import Loop, LoopResult
from .optimize import Program, _flatten
from .primitives import Constant, Full, FullLike
from .scalar import equal, half_step, inf_at_zero, mask, maximum, minimum, step



@dataclass(frozen=True)
class DType:
    """An array's dtype, and, where the parameters' dtypes are declared rather than seen (arrays of
    another dtype may come), the parameters it follows from: values surely share a dtype when both
    agree."""

    dtype: np.dtype
    sources: frozenset = frozenset()


_BOOL = DType(np.dtype(bool))
_ARITHMETIC = (sp.Add, sp.Mul, sp.Pow, maximum, minimum)


def is_number(expr) -> bool:
    """Whether an expression is a Python number in the generated code (numbers and dimensions, no array)."""
    return all(s.is_integer for s in expr.free_symbols) and not expr.atoms(ArrayOp)


def _broadcast(shapes) -> tuple | None:
    """numpy's broadcast of shapes whose sizes are equal as expressions or 1, else None (unknown)."""
    out: list = []
    for shape in shapes:
        if shape is None:
            return None
        for i, d in enumerate(reversed(shape)):
            if i == len(out):
                out.append(d)
            elif out[i] == 1:
                out[i] = d
            elif d != 1 and d != out[i]:
                return None
    return tuple(reversed(out))


class Facts:
    """The shape and dtype of a program's expressions, where they follow from what is known: the
    parameters' shapes and dtypes, the statements' shapes, the shapes of folded array operations."""

    def __init__(self, program: Program):
        self.shapes = {**program.shapes, **program.array_shapes}
        self.shapes.update({st.target: st.shape for st in program.statements if st.shape is not None})
        self.dtypes = {p: DType(np.dtype(d), frozenset({p}) if program.dtypes_declared else frozenset())
                       for p, d in program.dtypes.items()}
        self.definitions = {st.target: st.expr for st in program.statements}
        self._shape: dict = {}
        self._dtype: dict = {}

    def shape(self, expr) -> tuple | None:
        if expr not in self._shape:
            self._shape[expr] = self._shape_of(expr)
        return self._shape[expr]

    def _shape_of(self, e):
        if e in self.shapes:
            return tuple(self.shapes[e])
        if isinstance(e, sp.Symbol):
            return () if e.is_integer else (self.shape(self.definitions[e]) if e in self.definitions else None)
        if isinstance(e, ArrayOp):
            return None
        if isinstance(e, sp.Number) or not e.args:
            return ()
        return _broadcast(self.shape(a) for a in e.args)

    def dtype(self, expr) -> DType | None:
        """The numpy dtype of an array expression (None if unknown; weak Python numbers give None too)."""
        if expr not in self._dtype:
            self._dtype[expr] = self._dtype_of(expr)
        return self._dtype[expr]

    def _dtype_of(self, e):
        if isinstance(e, sp.Symbol):
            if e.is_integer or e not in self.dtypes and e not in self.definitions:
                return None
            return self.dtypes[e] if e in self.dtypes else self.dtype(self.definitions[e])
        if is_boolean(e):
            return _BOOL
        if isinstance(e, (FullLike, Full)):
            return self.dtype(e.args[0])
        if isinstance(e, (Constant, mask)):
            return None
        if isinstance(e, ArrayOp):
            operands = e.operands if isinstance(type(e).arity, int) else e.operands[:1]
            return self.promote(operands, weak=False)
        if isinstance(e, (equal, inf_at_zero, step, half_step)):
            return self.dtype(e.args[0])
        if isinstance(e, sp.Piecewise):
            return self.promote([value for value, _ in e.args], weak=False)
        if isinstance(e, _ARITHMETIC):
            return self.promote(e.args)
        if isinstance(e, sp.Function):  # a float function keeps a float dtype (np.exp(bool) would not)
            dtype = self.promote(e.args)
            return dtype if dtype is not None and dtype.dtype.kind == "f" else None
        return None

    def promote(self, args, weak: bool = True):
        """numpy's result dtype of arithmetic on `args`: masks beside arrays and numbers (`weak`)
        leave it as it is; None if any array's dtype is unknown."""
        dtypes, arrays = [], False
        for a in args:
            if is_number(a):
                if not weak:
                    return None
                continue
            arrays = True
            d = self.dtype(a)
            if d is None:
                return None
            dtypes.append(d)
        return combine(dtypes) if arrays else None

    def buffer(self, expr) -> tuple | None:
        """(shape, dtype) when `expr` is a float array of known shape and dtype, else None."""
        shape, dtype = self.shape(expr), self.dtype(expr)
        if not shape or dtype is None or dtype.dtype.kind != "f":
            return None
        return shape, dtype


def combine(dtypes: list) -> DType:
    """The dtype of arithmetic on arrays of `dtypes` (masks beside float arrays leave it as it is)."""
    floats = [d for d in dtypes if d.dtype != _BOOL.dtype] or dtypes
    return DType(np.result_type(*(d.dtype for d in floats)), frozenset().union(*(d.sources for d in dtypes)))


def _aliases(expr) -> sp.Symbol | None:
    """The value whose buffer `expr` shares: a bare name, or a view's operand (None if fresh)."""
    if isinstance(expr, sp.Symbol):
        return expr
    if isinstance(expr, LoopResult):
        return sp.Dummy()  # a loop's variable, its initial value when it takes no step: never free
    if isinstance(expr, ArrayOp) and expr.view:
        operand = expr.args[0]
        return operand if isinstance(operand, sp.Symbol) else sp.Dummy()  # a view of a temporary: never free
    return None


def _in_place(expr) -> bool:
    """Whether the statement's top operation is a numpy ufunc that can write into `out=`."""
    if isinstance(expr, ArrayOp) or is_boolean(expr) or isinstance(expr, (mask, equal, inf_at_zero)):
        return False
    return isinstance(expr, (*_ARITHMETIC, sp.Function)) and not isinstance(expr, sp.Piecewise)


def liveness(program: Program) -> dict:
    """The index of the last statement that reads each value (returned values: past the end)."""
    last = {}
    for i, st in enumerate(program.statements):
        for s in st.expr.free_symbols:
            last[s] = i
    for s in _flatten(program.returns):
        last[s] = len(program.statements)
    return last


def storage(program: Program) -> tuple[dict, dict]:
    """The buffer each value lives in (its own, a view's or an alias's operand's; parameters' are
    the caller's), and for each buffer the last statement reading a value that lives in it."""
    last = liveness(program)
    root: dict = {p: p for p in program.params}
    for st in program.statements:
        alias = _aliases(st.expr)
        root[st.target] = st.target if alias is None else root.get(alias, alias)
    ends: dict = {p: len(program.statements) for p in program.params}
    for s, i in last.items():
        if s in root:
            ends[root[s]] = max(ends.get(root[s], -1), i)
    results: dict = {}  # loop -> the last statement reading one of its results
    for st in program.statements:
        if isinstance(st.expr, LoopResult):
            loop = st.expr.args[0]
            results[loop] = max(results.get(loop, -1), last.get(st.target, -1))
    for st in program.statements:  # a result may be an operand itself (a loop of no steps, swapped carries)
        if isinstance(st.expr, Loop) and st.target in results:
            for o in st.expr.free_symbols:
                ends[root.get(o, o)] = max(ends.get(root.get(o, o), -1), results[st.target])
    return root, ends


def reuse(program: Program) -> Program:
    """Each in-place-able statement given the buffer of a temporary dead after it, of its shape and
    dtype (preferring one it reads), in `Statement.out`: the value that buffer holds until then."""
    facts = Facts(program)
    root, ends = storage(program)
    end = len(program.statements)
    looped = {s for st in program.statements if isinstance(st.expr, Loop) for s in st.expr.free_symbols}
    free: dict = {}  # buffer of a fresh temporary -> its (shape, dtype)
    holder: dict = {}  # buffer -> the value it holds
    held: dict = {}  # buffer -> every value it has held
    for i, st in enumerate(program.statements):
        kind = facts.buffer(st.target)
        if kind is None or root[st.target] != st.target:
            continue
        reads = st.expr.free_symbols
        writable = _in_place(st.expr) and facts.buffer(st.expr) == kind  # what the emitter sees
        dead = [b for b, k in free.items() if k == kind and ends.get(b, -1) <= i  # and no view of it read here
                and not any(root.get(s) in held[b] and s != holder[b] for s in reads)] if writable else []
        if dead:
            buffer = ([b for b in dead if holder[b] in reads] or dead)[0]
            st.out, holder[buffer] = holder[buffer], st.target
            held[buffer].add(st.target)
            ends[buffer] = ends.get(st.target, -1)
        elif ends.get(st.target, -1) < end and st.target not in looped:  # (a loop's carries may alias it)
            free[st.target], holder[st.target], held[st.target] = kind, st.target, {st.target}
    return program
