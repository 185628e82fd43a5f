"""Basic subscripts as primitives: `x[key]` for a key of slices, integers and None (a view), its
cotangent (zeros with the values written at the key) and index assignment as a functional update.

A key has one entry per indexed axis: a slice `(start, stop, step)` (None where omitted; numbers or
dimension expressions), an integer (the axis is removed) or None (a new axis)."""
from __future__ import annotations

import ast

import sympy as sp

from .. import pyast as A
from ..calculus import align, unbroadcast
from ..ir import ArrayOp, Value
from .base import full


FULL = (None, None, None)  # `:`


def slice_length(n, start, stop, step):
    """The number of elements `[start:stop:step]` takes from an axis of size `n` (bounds assumed
    within the axis when `n` is a symbol)."""
    step = 1 if step is None else step
    if n.is_Integer and all(v is None or isinstance(v, int) for v in (start, stop)):
        return sp.Integer(len(range(int(n))[slice(start, stop, step)]))

    def bound(v, default):
        if v is None:
            return default
        return n + v if isinstance(v, int) and v < 0 else sp.sympify(v)

    if step > 0:
        return sp.ceiling((bound(stop, n) - bound(start, 0)) / step)
    return sp.ceiling((bound(start, n - 1) - bound(stop, sp.Integer(-1))) / -step)


def key_shape(shape, key) -> tuple:
    """The shape of `x[key]` for a basic key."""
    out, axes = [], iter(shape)
    for entry in key:
        if entry is None:
            out.append(sp.Integer(1))
        elif isinstance(entry, tuple):
            out.append(slice_length(next(axes), *entry))
        else:
            next(axes)
    return tuple(out) + tuple(axes)


def _new_axes(key) -> list[int]:
    """The axes of `x[key]` that None entries create."""
    axes, position = [], 0
    for entry in key:
        if entry is None:
            axes.append(position)
        if entry is None or isinstance(entry, tuple):
            position += 1
    return axes


def batched(key, nb: int) -> tuple:
    """The key applied after `nb` leading batch axes."""
    return (FULL,) * nb + tuple(key) if key else ()


def _key_ast(L, key) -> list[ast.expr]:
    def bound(v):
        return None if v is None else L.static(v)

    return [ast.Slice(*(bound(v) for v in entry)) if isinstance(entry, tuple)
            else A.const(None) if entry is None else L.static(entry) for entry in key]


def show_key(key) -> str:
    def part(entry):
        if entry is None:
            return "None"
        if not isinstance(entry, tuple):
            return str(entry)
        start, stop, step = ("" if v is None else str(v) for v in entry)
        return f"{start}:{stop}" + (f":{step}" if step else "")

    return ", ".join(part(e) for e in key)


def _indexed_ast(x, index: list[ast.expr]) -> ast.expr:
    return A.subscript(x, index) if index else x


class Subscript(ArrayOp):
    """`x[key]` for a basic key (slices, integers, None): a view."""

    params = ("key",)
    view = True

    @staticmethod
    def shape(dims, x, key):
        return key_shape(x, key)

    def vjp(self, g, ans, x, key, *, needs):
        if g.graph.node_symbols(g.expr):  # the new axes squeezed out, so that the key has no None
            g = full(g, ans).squeeze(tuple(_new_axes(key)))
        return (scatter(x, g, tuple(e for e in key if e is not None)),)

    def jvp(self, dots, ans, x, key, *, nb):
        return Subscript.build(dots[0], batched(key, nb))

    def numpy(self, L, x, key):
        return _indexed_ast(x, _key_ast(L, key))

    def _sympystr(self, printer):
        return f"{printer.parenthesize(self.args[0], 999)}[{show_key(self.static[0])}]"


def scatter(like: Value, g: Value, key, shape=None) -> Value:
    """Zeros like `like` (or of `shape`) with `g` at `key`; a constant `g` is written as a number."""
    if not g.graph.node_symbols(g.expr):
        return Scatter.build(like, key, shape, g.expr, stem="g")
    return Scatter.build(like, g, key, shape, None, stem="g")


class Scatter(ArrayOp):
    """Zeros of `shape` (None: `like`'s shape; in `like`'s dtype) with `g` (or the number `fill`)
    written at a basic key: the cotangent of a slice."""

    arity = None
    params = ("key", "shape", "fill")

    @staticmethod
    def shape(dims, like, *rest):
        shape = rest[-2]
        return tuple(like if shape is None else shape)

    def vjp(self, g, ans, like, *rest, needs):
        value, key = rest[:-3], rest[-3]
        return (None,) + tuple(Subscript.build(full(g, ans), key) for _ in value)

    def jvp(self, dots, ans, like, *rest, nb):
        value, key, shape = rest[:-3], rest[-3], rest[-2]
        if not value or dots[1] is None:
            return None
        dot = align(dots[1], len(key_shape(ans.shape, key)), nb)
        return Scatter.build(like, dot, batched(key, nb), dot.shape[:nb] + ans.shape if nb else shape, None)

    def numpy_statements(self, L, target, like, *rest):
        value, key, shape, fill = rest[:-3], rest[-3], rest[-2], rest[-1]
        return [zeros_statement(L, target, like, shape),
                ast.Assign([_store(A.name(target), _key_ast(L, key))], value[0] if value else L(fill))]

    def _sympystr(self, printer):
        g = printer.doprint(self.args[1] if len(self.operands) > 1 else self.args[-1])
        return f"scatter({g}, [{show_key(self.static[0])}])"


class IndexUpdate(ArrayOp):
    """A copy of `x` with `x[key] = value`, or the constant `fill` without a `value` operand: index
    assignment as a functional update."""

    arity = None
    params = ("key", "fill")

    @staticmethod
    def shape(dims, x, *rest):
        return tuple(x)

    def vjp(self, g, ans, x, *rest, needs):
        key, value = rest[-2], rest[:-2]
        g = full(g, ans)
        dx = IndexUpdate.build(g, key, 0) if needs[0] else None
        if not value or not needs[1]:
            return (dx, None)[: 1 + len(value)]
        slot = Subscript.build(g, key)
        return dx, unbroadcast(slot, value[0].shape, slot.shape)

    def jvp(self, dots, ans, x, *rest, nb):
        key, value = rest[-2], rest[:-2]
        dot_v = dots[1] if value else None
        if dot_v is not None:
            dot_v = align(dot_v, len(key_shape(x.shape, key)), nb)
        key = batched(key, nb)
        if dots[0] is None:
            return None if dot_v is None else scatter(x, dot_v, key, dot_v.shape[:nb] + x.shape)
        if dot_v is None:
            return IndexUpdate.build(dots[0], key, 0)
        return IndexUpdate.build(dots[0], dot_v, key, None)

    def numpy_statements(self, L, target, x, *rest):
        key, fill, value = rest[-2], rest[-1], rest[:-2]
        return [ast.Assign([ast.Name(target, ast.Store())], A.method(x, "copy")),
                ast.Assign([_store(A.name(target), _key_ast(L, key))], value[0] if value else L(fill))]

    def _sympystr(self, printer):
        x = printer.doprint(self.args[0])
        value = printer.doprint(self.args[1]) if len(self.args) > 3 else printer.doprint(self.args[-1])
        return f"update({x}, [{show_key(self.static[0])}] = {value})"


def zeros_statement(L, target: str, like, shape) -> ast.stmt:
    """`target = np.zeros_like(like)`, or zeros of `shape` in `like`'s dtype."""
    zeros = A.call(A.np("zeros_like"), like) if shape is None else \
        A.call(A.np("zeros"), L.shape(shape), dtype=A.attr(like, "dtype"))
    return ast.Assign([ast.Name(target, ast.Store())], zeros)


def _store(value: ast.expr, index: list[ast.expr]) -> ast.expr:
    node = _indexed_ast(value, index)
    node.ctx = ast.Store()
    return node
