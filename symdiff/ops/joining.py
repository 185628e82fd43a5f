"""Joining arrays: concatenate, stack, hstack, vstack, column_stack and np.array of arrays."""
from __future__ import annotations

from . import EXAMPLES, array, constant, defop, example, one_axis, register
from .. import primitives as P
from ..errors import UnsupportedSyntaxError
from ..ir import Value
from .reshaping import flatten


def _arrays(graph, arrays, what: str) -> list:
    if not isinstance(arrays, (list, tuple)) or not arrays:
        raise UnsupportedSyntaxError(f"{what} must be a list or tuple of arrays, not {arrays!r}",
                                     location=graph.location, hint="e.g. np.concatenate([a, b], axis=0).")
    return [array(graph, a, f"each of {what}") for a in arrays]


def concatenate(graph, values: list, axis: int) -> Value:
    first = values[0]
    if first.ndim == 0:
        raise graph.shape_error("0-D arrays cannot be concatenated", hint="Use np.stack for scalars.")
    axis = one_axis(graph, axis, first.ndim)
    for v in values[1:]:
        same = v.ndim == first.ndim and all(
            i == axis or graph.dims.equal(a, b) is not None for i, (a, b) in enumerate(zip(first.shape, v.shape)))
        if not same:
            raise graph.shape_error(
                f"cannot concatenate `{first.label}` of shape {first.shape_text} and `{v.label}` of shape "
                f"{v.shape_text} along axis {axis}", hint="All sizes but the one along the axis must be equal.")
    if len(values) == 1:
        return first
    return P.Concatenate.build(*values, axis, label="concatenate(...)", stem="joined")


@defop("numpy.concatenate", "numpy.concat")
def np_concatenate(graph, arrays, axis=0, out=None, *, dtype=None, casting="same_kind"):
    constant(graph, out, "`out`", allowed=(None,))
    constant(graph, dtype, "`dtype`", allowed=(None,))
    values = _arrays(graph, arrays, "the arrays")
    if axis is None:
        return concatenate(graph, [flatten(v) for v in values], 0)
    return concatenate(graph, values, axis)


@defop("torch.cat", "torch.concatenate", "torch.concat")
def torch_cat(graph, tensors, dim=0, *, axis=None):
    return concatenate(graph, _arrays(graph, tensors, "the tensors"), dim if axis is None else axis)


def stack(graph, values: list, axis: int) -> Value:
    axis = one_axis(graph, axis, values[0].ndim + 1)
    for v in values[1:]:
        if v.ndim != values[0].ndim or any(graph.dims.equal(a, b) is None for a, b in zip(values[0].shape, v.shape)):
            raise graph.shape_error(f"cannot stack `{values[0].label}` of shape {values[0].shape_text} and "
                                    f"`{v.label}` of shape {v.shape_text}", hint="Stacked arrays have one shape.")
    return concatenate(graph, [P.ExpandDims.build(v, (axis,), label=v.label) for v in values], axis)


@defop("numpy.stack")
def np_stack(graph, arrays, axis=0, out=None, *, dtype=None, casting="same_kind"):
    constant(graph, out, "`out`", allowed=(None,))
    constant(graph, dtype, "`dtype`", allowed=(None,))
    return stack(graph, _arrays(graph, arrays, "the arrays"), axis)


@defop("torch.stack")
def torch_stack(graph, tensors, dim=0):
    return stack(graph, _arrays(graph, tensors, "the tensors"), dim)


def _at_least_2d(v: Value, column: bool) -> Value:
    """1-D as a row `(1, N)` (or a column `(N, 1)`), 0-D as `(1, 1)`."""
    if v.ndim == 0:
        return P.ExpandDims.build(v, (0, 1), label=v.label)
    if v.ndim == 1:
        return P.ExpandDims.build(v, (1 if column else 0,), label=v.label)
    return v


def _stacker(kind: str):
    def impl(graph, tup):
        values = _arrays(graph, tup, "the arrays")
        if kind == "vstack":
            return concatenate(graph, [_at_least_2d(v, False) for v in values], 0)
        if kind == "column_stack":
            return concatenate(graph, [_at_least_2d(v, True) for v in values], 1)
        values = [P.ExpandDims.build(v, (0,), label=v.label) if v.ndim == 0 else v for v in values]
        return concatenate(graph, values, 0 if values[0].ndim == 1 else 1)

    return impl


for _kind in ("hstack", "vstack", "column_stack"):
    register(_stacker(_kind), f"numpy.{_kind}", f"torch.{_kind}")


def _leaves(obj):
    if isinstance(obj, (list, tuple)):
        for o in obj:
            yield from _leaves(o)
    else:
        yield obj


def _nested(graph, obj, like: Value) -> Value:
    """A (nested) list of arrays and numbers as one array, numbers filled in `like`'s shape and dtype."""
    if isinstance(obj, (list, tuple)):
        if not obj:
            raise graph.shape_error("an empty list has no shape to differentiate", hint="List the arrays to stack.")
        return stack(graph, [_nested(graph, o, like) for o in obj], 0)
    value = array(graph, obj, "each element")
    if graph.node_symbols(value.expr):
        return value
    if like.ndim:
        raise graph.shape_error(f"numpy cannot put the number {obj!r} beside arrays of shape {like.shape_text}",
                                hint="Numbers mix with 0-D arrays only; fill an array with np.full_like.")
    return P.full(value, like)


@defop("numpy.array", "numpy.asarray")
def np_array(graph, object, dtype=None, *, copy=True, order="K", subok=False, ndmin=0, like=None):
    """`np.array([a, b])`: the arrays (and numbers, in their shape) stacked."""
    constant(graph, dtype, "`dtype`", allowed=(None,))
    constant(graph, ndmin, "`ndmin`", allowed=(0,))
    if isinstance(object, Value):
        return object
    like = next((v for v in _leaves(object) if isinstance(v, Value) and graph.node_symbols(v.expr)), None)
    if like is None:
        raise UnsupportedSyntaxError("`np.array` of numbers only makes a constant", location=graph.location,
                                     hint="Build constant arrays outside the function and pass them in.")
    return _nested(graph, object, like)


_AB = {"a": (2, 3), "b": (2, 3)}
EXAMPLES.extend([
    example("np.concatenate([a, b]) + np.concatenate((b, a), axis=0)", second_order=True, **_AB),
    example("np.concatenate([a, b, a], axis=1) * 2", a=(2, 3), b=(2, 1)),
    example("np.concatenate([a, b, a], axis=-1)", a=(2,), b=(3,)),
    example("np.concatenate((a, b), axis=None) + np.concat([b, a], axis=None)", a=(2, 2), b=(2, 2)),
    example("torch.cat([a, b]) + torch.concatenate((a, b), 0) + torch.concat([a, b], dim=0)", a=(2, 3), b=(1, 3)),
    example("torch.cat((a, b), dim=1)", a=(2, 3), b=(2, 2)),
    example("np.stack([a, b]) + np.stack((a, b), axis=0) + np.stack([a, b], -3)", second_order=True, **_AB),
    example("np.stack([a, b, a], axis=1) + np.stack([a, b, b], axis=2)", **_AB),
    example("torch.stack([a, b]) + torch.stack((a, b), dim=1).transpose(0, 1)", a=(3, 3), b=(3, 3)),
    example("np.stack([a, b])", a=(), b=()),
    example("np.hstack([a, b]) * np.hstack((b, a))", a=(2,), b=(2,)),
    example("np.hstack([a, b]) * 2", a=(2, 3), b=(2, 1)),
    example("torch.hstack([a, b]) - torch.hstack((b, a)) * 2", a=(2, 3), b=(2, 3)),
    example("np.vstack([a, b]) + np.vstack((b, a))", a=(3,), b=(3,)),
    example("np.vstack([a, b]) * 2", a=(2, 3), b=(1, 3)),
    example("torch.vstack((a, b))", a=(2, 3), b=(1, 3)),
    example("np.column_stack([a, b]) * 2", a=(3,), b=(3, 2)),
    example("torch.column_stack((a, b))", a=(3,), b=(3, 2)),
    example("np.array([a, b]) + np.array((b, a)) + np.asarray([a, b])", **_AB),
    example("np.array([a, 1.0, b])", a=(), b=()),
    example("np.array([[a, b], [b, 0.5], [2, 2]]) + np.array(a)", a=(), b=()),
])
