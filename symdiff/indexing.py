"""Array subscripts in the source: basic indexing and slicing, gathers with integer index arrays,
and index assignment as a functional update, checked and built from the primitives of
`primitives.subscripts` and `primitives.gathers`.

Index arrays are the function's parameters (which then stay integers), `np.arange` of integer
bounds, `range(...)`, argsorts, and those reshaped, flipped, rolled or joined.
"""
from __future__ import annotations

import sympy as sp

from .errors import UnsupportedSyntaxError
from . import primitives as P
from .ir import ArrayOp, Value, elementwise
from .primitives.constants import Arange, arange
from .primitives.gathers import Argsort, Fresh, Gather, SafeIndex, ScatterAdd
from .primitives.subscripts import FULL, IndexUpdate, Subscript, key_shape, show_key, slice_length
from .scalar import stop_gradient


#: Operations that only move their operand's elements: integers in, the same integers out.
_INDEX_MOVES = (Subscript, P.Slice, P.Transpose, P.ExpandDims, P.Squeeze, P.BroadcastTo, P.Identity, P.Reshape,
                P.Flip, P.Roll, P.Concatenate)


def is_index(value: Value) -> bool:
    """Whether a value is an integer index array: a parameter (marked to stay an integer), an
    `arange`, an `argsort`, or a view of one. Marks the parameters it reaches."""
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
    if isinstance(definition, stop_gradient):
        return is_index(graph.value(definition.args[0]))
    if type(definition) in _INDEX_MOVES:
        return all(is_index(graph.value(s)) for s in graph.operands(node))
    return isinstance(definition, Arange) and definition.integers or isinstance(definition, (SafeIndex, Argsort))


def index_array(graph, value, what: str) -> Value:
    """`value` as an integer index array (`np.arange(n)`, a constant of the computation's dtype
    elsewhere, becomes integers here, also where moved: `np.concatenate([np.arange(n, 2*n), ...])`),
    or a clear refusal."""
    converted = _as_index(graph, value, what) if isinstance(value, Value) else None
    if converted is not None:
        return converted
    if isinstance(value, Value) and _is_mask(value):
        raise _mask_error(graph)
    raise UnsupportedSyntaxError(
        f"{what} must be an integer index array: a parameter or np.arange(n)",
        location=graph.location,
        hint="Pass integer indices as a parameter (not computed from other values), or use np.arange(n).",
    )


def _as_index(graph, value: Value, what: str) -> Value | None:
    """`value` as integers where it is an index array, an `arange` of integer bounds, or those moved
    (reshaped, joined...); None where it is not."""
    if is_index(value):
        return value
    node = graph.nodes.get(value.expr)
    definition = node.definition if node is not None else None
    if isinstance(definition, Arange):
        start, stop, step, size = definition.static
        if all(sp.sympify(b).is_integer for b in (start, stop, step)):
            return arange(graph, stop, start, step, size)
        raise UnsupportedSyntaxError(f"{what}: an index `arange` must have integer bounds and step, not "
                                     f"arange({start}, {stop}, {step})", location=graph.location,
                                     hint="Index with np.arange(n) of an integer n, or an integer parameter.")
    if type(definition) in _INDEX_MOVES:
        operands = [_as_index(graph, graph.value(s), what) for s in graph.operands(node)]
        if all(o is not None for o in operands):
            return type(definition).build(*operands, *definition.static, label=value.label)
    return None


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


def owns(value: Value) -> bool:
    """Whether index assignment may update the array `value` holds: not a parameter nor a view."""
    node = value.graph.nodes.get(value.expr)
    if node is None:
        return True
    return isinstance(node.definition, Fresh) or not (node.is_param or isinstance(node.definition, ArrayOp)
                                                      and node.definition.view)


def subscript(graph, x: Value, parts: tuple) -> Value:
    """`x[parts]`, the parts evaluated: ints, dimension expressions, slices, None, Ellipsis, Values."""
    key, arrays = _parse_key(graph, x, parts)
    basic = tuple(FULL if i in arrays else e for i, e in enumerate(key))
    while basic and basic[-1] == FULL:
        basic = basic[:-1]
    label = f"{x.label}[{show_key(key)}]"
    if all(e is None or e == FULL for e in basic):  # x[:, None]
        y = x.expand_dims(tuple(i for i, e in enumerate(basic) if e is None))
    else:
        y = Subscript.build(x, basic, label=label) if basic else x
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
            key += [FULL] * (x.ndim - consumed)
            axis += x.ndim - consumed
        elif p is None:
            key.append(None)
        elif isinstance(p, slice):
            key.append(_slice_entry(graph, x, axis, p))
            axis += 1
        elif isinstance(p, Value):
            arrays[len(key)] = index_array(graph, p, f"the index `{p.label}`")
            key.append(FULL)
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
    if n is not None and not x.shape[axis].is_Integer:  # the formula gives the length seen at this call
        def seen(v):  # a bound, or the length, at the sizes seen (the axis's size `n`)
            h = graph.dims.seen(v)
            return sp.Integer(h) if h is not None else v.subs(x.shape[axis], n)

        exact = slice_length(sp.Integer(n), *(seen(v) if isinstance(v, sp.Expr) else v for v in (start, stop)), step)
        if seen(length) != exact:
            raise graph.shape_error(
                f"the slice `{show_key([(start, stop, step)])}` runs past the end of axis {axis} of "
                f"`{x.label}`, of size {n}",
                hint="symdiff derives one formula for every size: keep slice bounds within the axis.")
    return (start, stop, step)


def assign(graph, x: Value, parts: tuple, value) -> Value:
    """`x[parts] = value` as a new array (x itself unchanged)."""
    key, arrays = _parse_key(graph, x, parts)
    if arrays:
        return _assign_number_at(graph, x, key, arrays, value)
    slot = key_shape(x.shape, key)
    if isinstance(value, Value):
        if graph.dims.broadcast_shapes(slot, value.shape) != graph.dims.resolve(slot):
            raise graph.shape_error(f"cannot assign `{value.label}` of shape {value.shape_text} to "
                                    f"`{x.label}[{show_key(key)}]` of shape {graph.dims.show(slot)}")
        return IndexUpdate.build(x, value, key, None, label=x.label)
    return IndexUpdate.build(x, key, _number(graph, value), label=x.label)


def _assign_number_at(graph, x: Value, key, arrays: dict, value) -> Value:
    """`x[i, j] = c` for a number `c` and index arrays alone: `c` wherever the indices point (a
    repeated index writes the same number again), `x` elsewhere."""
    if isinstance(value, Value) or any(e != FULL for e in key):
        raise UnsupportedSyntaxError(
            "assignment through index arrays of anything but a number, or beside slices or integers, is not "
            "supported (repeated indices would overwrite)", location=graph.location,
            hint="Assign a number through the index arrays alone (`x[np.arange(n), y] = 0`), or through slices "
                 "and integers.")
    number = _number(graph, value)
    axis, indices = min(arrays), [arrays[i] for i in sorted(arrays)]
    pointed = graph.dims.broadcast_shapes(*(v.shape for v in indices))
    if pointed is None:
        raise graph.shape_error("the index arrays " + " and ".join(
            f"`{v.label}` of shape {v.shape_text}" for v in indices) + " do not broadcast together")
    ones = P.Full.build(x, x.shape[:axis] + pointed + x.shape[axis + len(indices):], 1)
    hits = ScatterAdd.build(x, ones, *indices, axis, None)
    return elementwise(lambda u, h: sp.Piecewise((number, h > 0), (u, True)), x, hits, label=x.label)


def _number(graph, value):
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise UnsupportedSyntaxError(f"cannot assign {value!r} into an array", location=graph.location,
                                     hint="Assign an array or a number.")
    return value
