"""Array subscripts: basic indexing and slicing, gathers with integer index arrays, and index
assignment as a functional update; the primitives they build, with their rules and numpy lowering.

A basic key is numpy's, one entry per indexed axis: a slice `(start, stop, step)` (None where
omitted; numbers or dimension expressions), an integer (the axis is removed) or None (a new axis).
Index arrays are the function's parameters (which then stay integers), `np.arange(n)`, or views of
them; their cotangents are scatter-adds (`np.add.at`), so repeated indices add up.
"""
from __future__ import annotations

import ast

import sympy as sp

from . import pyast as A
from .errors import UnsupportedSyntaxError
from . import primitives as P
from .ir import ArrayOp, Value, array_op
from .primitives import Constant, Identity, full
from .calculus import align, unbroadcast
from .scalar import stop_gradient

_FULL = (None, None, None)  # `:`


# -- keys ----------------------------------------------------------------------------------------


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
    return (_FULL,) * nb + tuple(key) if key else ()


def _key_ast(L, key) -> list[ast.expr]:
    def bound(v):
        return None if v is None else L.static(v)

    return [ast.Slice(*(bound(v) for v in entry)) if isinstance(entry, tuple)
            else A.const(None) if entry is None else L.static(entry) for entry in key]


def _show_key(key) -> str:
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


# -- basic indexing ------------------------------------------------------------------------------


class Slice(ArrayOp):
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
        return Slice.build(dots[0], batched(key, nb))

    def numpy(self, L, x, key):
        return _indexed_ast(x, _key_ast(L, key))

    def _sympystr(self, printer):
        return f"{printer.parenthesize(self.args[0], 999)}[{_show_key(self.static[0])}]"


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
        return (None,) + tuple(Slice.build(full(g, ans), key) for _ in value)

    def jvp(self, dots, ans, like, *rest, nb):
        value, key, shape = rest[:-3], rest[-3], rest[-2]
        if not value or dots[1] is None:
            return None
        dot = align(dots[1], len(key_shape(ans.shape, key)), nb)
        return Scatter.build(like, dot, batched(key, nb), dot.shape[:nb] + ans.shape if nb else shape, None)

    def numpy_statements(self, L, target, like, *rest):
        value, key, shape, fill = rest[:-3], rest[-3], rest[-2], rest[-1]
        return [_zeros(L, target, like, shape),
                ast.Assign([_store(A.name(target), _key_ast(L, key))], value[0] if value else L(fill))]

    def _sympystr(self, printer):
        g = printer.doprint(self.args[1] if len(self.operands) > 1 else self.args[-1])
        return f"scatter({g}, [{_show_key(self.static[0])}])"


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
        slot = Slice.build(g, key)
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
        return f"update({x}, [{_show_key(self.static[0])}] = {value})"


def _zeros(L, target: str, like, shape) -> ast.stmt:
    """`target = np.zeros_like(like)`, or zeros of `shape` in `like`'s dtype."""
    zeros = A.call(A.np("zeros_like"), like) if shape is None else \
        A.call(A.np("zeros"), L.shape(shape), dtype=A.attr(like, "dtype"))
    return ast.Assign([ast.Name(target, ast.Store())], zeros)


def _store(value: ast.expr, index: list[ast.expr]) -> ast.expr:
    node = _indexed_ast(value, index)
    node.ctx = ast.Store()
    return node


# -- gathers -------------------------------------------------------------------------------------


class Gather(ArrayOp):
    """`x[:, i0, i1]`: index arrays (broadcast together) on consecutive axes from `axis`."""

    arity = None
    params = ("axis",)

    @staticmethod
    def shape(dims, x, *rest):
        *indices, axis = rest
        return tuple(x[:axis]) + dims.broadcast_shapes(*indices) + tuple(x[axis + len(indices):])

    def vjp(self, g, ans, x, *rest, needs):
        *indices, axis = rest
        return (ScatterAdd.build(x, full(g, ans), *indices, axis, None, stem="g"),) + (None,) * len(indices)

    def jvp(self, dots, ans, x, *rest, nb):
        *indices, axis = rest
        return Gather.build(dots[0], *indices, axis + nb)

    def numpy(self, L, x, *rest):
        *indices, axis = rest
        return A.subscript(x, [A.full_slice()] * axis + list(indices))

    def _sympystr(self, printer):
        x, *indices = self.operands
        index = [':'] * self.static[0] + [printer.doprint(i) for i in indices]
        return f"{printer.parenthesize(x, 999)}[{', '.join(index)}]"


class ScatterAdd(ArrayOp):
    """Zeros of `shape` (None: `like`'s shape; `like`'s dtype) with `g` added at index arrays on the
    axes from `axis` (`np.add.at`: repeated indices add): the cotangent of a gather."""

    arity = None
    params = ("axis", "shape")

    @staticmethod
    def shape(dims, like, g, *rest):
        return tuple(like if rest[-1] is None else rest[-1])

    def vjp(self, g, ans, like, value, *rest, needs):
        *indices, axis, shape = rest
        return (None, Gather.build(full(g, ans), *indices, axis)) + (None,) * len(indices)

    def jvp(self, dots, ans, like, value, *rest, nb):
        *indices, axis, shape = rest
        if dots[1] is None:
            return None
        return ScatterAdd.build(like, dots[1], *indices, axis + nb, dots[1].shape[:nb] + ans.shape if nb else shape)

    def numpy_statements(self, L, target, like, g, *rest):
        *indices, axis, shape = rest
        index = [A.call(A.name("slice"), A.const(None))] * axis + indices
        index = index[0] if len(index) == 1 else A.tuple_(index)
        add_at = A.call(A.attr(A.np("add"), "at"), A.name(target), index, g)
        return [_zeros(L, target, like, shape), ast.Expr(add_at)]

    def _sympystr(self, printer):
        like, g, *indices = (printer.doprint(a) for a in self.operands)
        return f"scatter_add({g}, [{', '.join([':'] * self.static[0] + indices)}])"


class TakeAlong(ArrayOp):
    """`np.take_along_axis(x, index, axis)` (torch.gather): the index array has `x`'s rank."""

    arity = 2
    params = ("axis",)
    numpy = "np.take_along_axis({a}, {b}, axis={axis})"

    @staticmethod
    def shape(dims, x, index, axis):
        return tuple(index[i] if i == axis else dims.broadcast(a, index[i]) for i, a in enumerate(x))

    def vjp(self, g, ans, x, index, axis, *, needs):
        graph = x.graph
        grids = [arange(graph, n).expand_dims(tuple(j for j in range(x.ndim) if j != i))
                 for i, n in enumerate(ans.shape) if i != axis]
        indices = grids[:axis] + [index] + grids[axis:]
        return ScatterAdd.build(x, full(g, ans), *indices, 0, None, stem="g"), None

    def jvp(self, dots, ans, x, index, axis, *, nb):
        return TakeAlong.build(dots[0], index.expand_dims(tuple(range(nb))), axis + nb)

    def _sympystr(self, printer):
        x, index = (printer.doprint(a) for a in self.args[:2])
        return f"take_along_axis({x}, {index}, axis={self.static[0]})"


class Arange(Constant):
    """`np.arange(stop)`: integers, an index array."""

    arity = 0
    params = ("stop",)
    is_number = False  # no operands, but an array

    @staticmethod
    def shape(dims, stop):
        return (sp.sympify(stop),)

    def numpy(self, L, stop):
        return A.call(A.np("arange"), L.static(stop))

    def _sympystr(self, printer):
        return f"arange({printer.doprint(self.args[0])})"


def arange(graph, stop) -> Value:
    return array_op(graph, Arange(sp.sympify(stop)), (sp.sympify(stop),), f"arange({stop})", stem="rows")


_INDEX_VIEWS = ("Slice", "Transpose", "ExpandDims", "Squeeze", "BroadcastTo", "Identity")


def is_index(value: Value) -> bool:
    """Whether a value is an integer index array: a parameter (marked to stay an integer), an
    `arange`, or a view of one. Marks the parameters it reaches."""
    graph = value.graph
    expr = value.expr
    if isinstance(expr, stop_gradient):
        expr = expr.args[0]
    node = graph.nodes.get(expr)
    if node is None:
        return False
    if node.is_param:
        graph.index_params.add(node.symbol)
        return True
    definition = node.definition
    if isinstance(definition, stop_gradient) or type(definition).__name__ in _INDEX_VIEWS:
        return is_index(graph.value(definition.args[0]))
    return isinstance(definition, (Arange, SafeIndex))


def index_array(graph, value, what: str) -> Value:
    """`value` as an integer index array (`np.arange(n)`, a constant of the computation's dtype
    elsewhere, becomes integers here), or a clear refusal."""
    if isinstance(value, Value) and is_index(value):
        return value
    node = graph.nodes.get(value.expr) if isinstance(value, Value) else None
    if node is not None and isinstance(node.definition, P.Arange):
        start, stop, step, size = node.definition.static
        if start == 0 and step == 1:
            return arange(graph, stop)
        raise UnsupportedSyntaxError(f"{what}: an index `arange` must start at 0 with step 1",
                                     location=graph.location, hint="Index with np.arange(n) plus an offset, or an integer parameter.")
    if isinstance(value, Value) and _is_mask(value):
        raise _mask_error(graph)
    raise UnsupportedSyntaxError(
        f"{what} must be an integer index array: a parameter or np.arange(n)",
        location=graph.location,
        hint="Pass integer indices as a parameter (not computed from other values), or use np.arange(n).",
    )


def _is_mask(value: Value) -> bool:
    """Whether a value is a comparison (a boolean array)."""
    node = value.graph.nodes.get(value.expr)
    expr = node.definition if node is not None and node.definition is not None else value.expr
    return isinstance(expr, (sp.core.relational.Relational, sp.logic.boolalg.BooleanFunction))


def _mask_error(graph) -> UnsupportedSyntaxError:
    return UnsupportedSyntaxError(
        "boolean mask indexing gives an array whose size depends on the data",
        location=graph.location,
        hint="Keep the shape: select with np.where(x > 0, x, 0) instead of x[x > 0].",
    )


class SafeIndex(Constant):
    """Class indices with `ignore` replaced by 0 (`np.where(t == -100, 0, t)`): every index valid."""

    params = ("ignore",)
    numpy = "np.where({x} == {ignore}, 0, {x})"

    @staticmethod
    def shape(dims, x, ignore):
        return tuple(x)


class Kept(Constant):
    """1.0 where a class index is not `ignore`, else 0.0, in `like`'s dtype."""

    arity = 2
    params = ("ignore",)
    numpy = "({a} != {ignore}).astype({b}.dtype)"

    @staticmethod
    def shape(dims, target, like, ignore):
        return tuple(target)

    def _sympystr(self, printer):
        return f"({printer.doprint(self.args[0])} != {self.static[0]})"


class Fresh(Identity):
    """`x.copy()`: the value as a node of its own, which index assignment may update (the update
    copies, so this node costs nothing)."""


def owns(value: Value) -> bool:
    """Whether index assignment may update the array `value` holds: not a parameter nor a view."""
    node = value.graph.nodes.get(value.expr)
    if node is None:
        return True
    return isinstance(node.definition, Fresh) or not (node.is_param or isinstance(node.definition, ArrayOp)
                                                      and node.definition.view)


# -- the subscript of an array in the source -----------------------------------------------------


def subscript(graph, x: Value, parts: tuple) -> Value:
    """`x[parts]`, the parts evaluated: ints, dimension expressions, slices, None, Ellipsis, Values."""
    key, arrays = _parse_key(graph, x, parts)
    basic = tuple(_FULL if i in arrays else e for i, e in enumerate(key))
    while basic and basic[-1] == _FULL:
        basic = basic[:-1]
    label = f"{x.label}[{_show_key(key)}]"
    if all(e is None or e == _FULL for e in basic):  # x[:, None]
        y = x.expand_dims(tuple(i for i, e in enumerate(basic) if e is None))
    else:
        y = Slice.build(x, basic, label=label) if basic else x
    if not arrays:
        return y
    first = min(arrays)
    axis = sum(1 for e in key[:first] if isinstance(e, tuple))
    indices = [arrays[i] for i in sorted(arrays)]
    if graph.dims.broadcast_shapes(*(v.shape for v in indices)) is None:
        raise graph.shape_error("the index arrays " + " and ".join(
            f"`{v.label}` of shape {v.shape_text}" for v in indices) + " do not broadcast together")
    return Gather.build(y, *indices, axis, label=label, stem="picked")


def _parse_key(graph, x: Value, parts: tuple):
    """The basic key (arrays' entries as their positions) and the index arrays by position."""
    if sum(p is Ellipsis for p in parts) > 1:
        raise UnsupportedSyntaxError("an index can only have a single ellipsis (`...`)", location=graph.location)
    consumed = sum(1 for p in parts if p is not None and p is not Ellipsis)
    if consumed > x.ndim:
        raise graph.shape_error(f"too many indices for `{x.label}` of shape {x.shape_text}: {consumed}",
                                hint=f"`{x.label}` has {x.ndim} dimensions.")
    key, arrays, axis = [], {}, 0
    for p in parts:
        if p is Ellipsis:
            key += [_FULL] * (x.ndim - consumed)
            axis += x.ndim - consumed
        elif p is None:
            key.append(None)
        elif isinstance(p, slice):
            key.append(_slice_entry(graph, x, axis, p))
            axis += 1
        elif isinstance(p, Value):
            arrays[len(key)] = index_array(graph, p, f"the index `{p.label}`")
            key.append(_FULL)
            axis += 1
        else:
            key.append(_position(graph, x, axis, p))
            axis += 1
    if arrays:
        advanced = [i for i, e in enumerate(key) if i in arrays or not isinstance(e, tuple) and e is not None]
        if None in key or advanced != list(range(advanced[0], advanced[-1] + 1)):
            raise UnsupportedSyntaxError(
                "index arrays must be next to each other, without None, so that their axes stay in place",
                location=graph.location,
                hint="Index in two steps, e.g. x[i][:, j] or np.take(x, i, axis=1).",
            )
    return tuple(key), arrays


def _integer(graph, value, what: str):
    if isinstance(value, bool) or not (isinstance(value, int) or isinstance(value, sp.Expr) and value.is_integer):
        if isinstance(value, Value):
            raise _mask_error(graph) if _is_mask(value) else \
                UnsupportedSyntaxError(f"{what} must be a constant integer or a dimension, not an array",
                                       location=graph.location,
                                       hint="Slice bounds are fixed; index with an integer array parameter instead.")
        raise UnsupportedSyntaxError(f"{what} must be an integer, not {value!r}", location=graph.location)
    return value


def _position(graph, x: Value, axis: int, i):
    i = _integer(graph, i, "an index")
    n = graph.dims.seen(x.shape[axis])
    if isinstance(i, int) and n is not None and not -n <= i < n:
        raise graph.shape_error(f"index {i} is out of range for axis {axis} of `{x.label}`, of size {n}")
    return i


def _slice_entry(graph, x: Value, axis: int, s: slice) -> tuple:
    start, stop, step = (None if v is None else _integer(graph, v, "a slice bound") for v in (s.start, s.stop, s.step))
    if step is not None and (not isinstance(step, int) or step == 0):
        raise UnsupportedSyntaxError(f"the slice step must be a nonzero integer constant, not {step}",
                                     location=graph.location)
    n = graph.dims.seen(x.shape[axis])
    length = slice_length(x.shape[axis], start, stop, step)
    if n is not None and not x.shape[axis].is_Integer:
        exact = slice_length(sp.Integer(n), *(v if not isinstance(v, sp.Expr) else v.subs(x.shape[axis], n)
                                              for v in (start, stop)), step)
        if length.subs(x.shape[axis], n) != exact:
            raise graph.shape_error(
                f"the slice `{_show_key([(start, stop, step)])}` runs past the end of axis {axis} of "
                f"`{x.label}`, of size {n}",
                hint="symdiff derives one formula for every size: keep slice bounds within the axis.")
    return (start, stop, step)


def assign(graph, x: Value, parts: tuple, value) -> Value:
    """`x[parts] = value` as a new array (x itself unchanged)."""
    key, arrays = _parse_key(graph, x, parts)
    if arrays:
        raise UnsupportedSyntaxError(
            "assignment through index arrays is not supported (repeated indices would overwrite)",
            location=graph.location,
            hint="Assign through slices and integers; to accumulate, build the sum with a gather's gradient.",
        )
    slot = key_shape(x.shape, key)
    if isinstance(value, Value):
        if graph.dims.broadcast_shapes(slot, value.shape) != graph.dims.resolve(slot):
            raise graph.shape_error(f"cannot assign `{value.label}` of shape {value.shape_text} to "
                                    f"`{x.label}[{_show_key(key)}]` of shape {graph.dims.show(slot)}")
        return IndexUpdate.build(x, value, key, None, label=x.label)
    return IndexUpdate.build(x, key, _number(graph, value), label=x.label)


def _number(graph, value):
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise UnsupportedSyntaxError(f"cannot assign {value!r} into an array", location=graph.location,
                                     hint="Assign an array or a number.")
    return value
