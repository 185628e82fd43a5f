"""Reshaping: reshape and view (with -1), ravel and flatten, axes added and removed, broadcast_to."""
from __future__ import annotations

import sympy as sp

from . import EXAMPLES, array, constant, constant_axes, defop, example, one_axis, sizes
from .. import primitives as P
from ..ir import Value, normalize_axes
from ..primitives import reshape


def reshaped(graph, x: Value, shape: tuple) -> Value:
    """`x` reshaped to `shape`, whose one -1 is the size the others leave."""
    if -1 in shape:
        known = sp.Mul(*(d for d in shape if d != -1))
        shape = tuple(sp.Mul(*x.shape) / known if d == -1 else d for d in shape)
    return reshape(x, shape)


@defop("numpy.reshape")
def np_reshape(graph, a, shape=None, order="C", *, newshape=None, copy=None):
    constant(graph, order, "`order`", allowed=("C",))
    constant(graph, copy, "`copy`", allowed=(None,))
    given = shape if newshape is None else newshape
    return reshaped(graph, array(graph, a, "the array"), sizes(graph, (given,), "the shape", inferred=True))


@defop("torch.reshape")
def torch_reshape(graph, input, shape):
    return reshaped(graph, array(graph, input, "`input`"), sizes(graph, (shape,), "the shape", inferred=True))


@defop("method.reshape", "method.view")
def method_reshape(graph, self, *shape, order="C"):
    """`x.reshape(2, 3)`, `x.reshape((2, 3))`, torch's `x.view(2, -1)`."""
    constant(graph, order, "`order`", allowed=("C",))
    return reshaped(graph, array(graph, self, "the array"), sizes(graph, shape, "the shape", inferred=True))


@defop("method.reshape_as", "method.view_as")
def reshape_as(graph, self, other):
    return reshape(array(graph, self, "the array"), array(graph, other, "`other`").shape)


def flatten(x: Value, start: int = 0, end: int = -1) -> Value:
    """Axes `start` to `end` merged into one (every axis by default)."""
    if x.ndim == 0:
        return reshape(x, (1,))
    start, end = start % x.ndim, end % x.ndim
    return reshape(x, x.shape[:start] + (sp.Mul(*x.shape[start:end + 1]),) + x.shape[end + 1:])


@defop("numpy.ravel", "method.ravel", "torch.ravel")
def ravel(graph, a, order="C"):
    constant(graph, order, "`order`", allowed=("C",))
    return flatten(array(graph, a, "the array"))


@defop("torch.flatten", "method.flatten")
def torch_flatten(graph, input, start_dim=0, end_dim=-1):
    """torch's `flatten(start_dim, end_dim)`; numpy's `x.flatten()` (and `x.flatten("C")`)."""
    x = array(graph, input, "the array")
    if start_dim == "C":
        start_dim = 0
    start = one_axis(graph, start_dim, max(x.ndim, 1), "`start_dim`")
    end = one_axis(graph, end_dim, max(x.ndim, 1), "`end_dim`")
    if start > end:
        raise graph.shape_error(f"`start_dim` {start_dim} comes after `end_dim` {end_dim}",
                                hint="Give the first axis to merge, then the last.")
    return flatten(x, start, end)


def expand_dims(graph, x: Value, axis) -> Value:
    """New size-1 axes at `axis` (an int or a tuple) of the result (also of a 0-D array)."""
    axis = constant(graph, tuple(axis) if isinstance(axis, list) else axis, "the axis")
    axes = normalize_axes(graph, axis, x.ndim + (len(axis) if isinstance(axis, tuple) else 1))
    return P.ExpandDims.build(x, axes, label=x.label)


@defop("numpy.expand_dims")
def np_expand_dims(graph, a, axis):
    return expand_dims(graph, array(graph, a, "the array"), axis)


@defop("torch.unsqueeze", "method.unsqueeze")
def unsqueeze(graph, input, dim):
    x = array(graph, input, "`input`")
    return expand_dims(graph, x, one_axis(graph, dim, x.ndim + 1))


def squeeze(graph, x: Value, axis, strict: bool) -> Value:
    """The size-1 axes `axis` (all of them when None) removed; an axis not of size 1 is an error
    (numpy) or kept (torch, not `strict`)."""
    axes = constant_axes(graph, tuple(axis) if isinstance(axis, list) else axis, x.ndim)
    if axis is None:
        axes = tuple(i for i in axes if graph.dims.seen(x.shape[i]) == 1)
    ones = tuple(i for i in axes if graph.dims.equal(x.shape[i], sp.Integer(1)) is not None)
    if strict and axis is not None and len(ones) < len(axes):
        i = next(i for i in axes if i not in ones)
        raise graph.shape_error(f"cannot squeeze axis {i} of `{x.label}` of shape {x.shape_text}: its size is not 1",
                                hint="Squeeze only axes of size 1, or reshape.")
    return P.Squeeze.build(x, ones, label=x.label) if ones else x


@defop("numpy.squeeze")
def np_squeeze(graph, a, axis=None):
    return squeeze(graph, array(graph, a, "the array"), axis, strict=True)


@defop("torch.squeeze")
def torch_squeeze(graph, input, dim=None):
    return squeeze(graph, array(graph, input, "`input`"), dim, strict=False)


@defop("method.squeeze")
def method_squeeze(graph, self, axis=None, *, dim=None):
    """`x.squeeze(1)` keeps an axis not of size 1, as torch does (numpy would raise)."""
    return squeeze(graph, array(graph, self, "the array"), axis if dim is None else dim, strict=False)


def broadcast(graph, x: Value, shape: tuple) -> Value:
    if len(shape) < x.ndim or graph.dims.broadcast_shapes(x.shape, shape) != graph.dims.resolve(shape):
        raise graph.shape_error(f"cannot broadcast `{x.label}` of shape {x.shape_text} to "
                                f"{graph.dims.show(shape)}", hint="Each size must equal the array's or replace a 1.")
    return x.broadcast_to(graph.dims.resolve(shape))


@defop("numpy.broadcast_to", "torch.broadcast_to", "method.broadcast_to")
def broadcast_to(graph, array_, shape):
    return broadcast(graph, array(graph, array_, "the array"), sizes(graph, (shape,), "the shape"))


@defop("method.expand")
def expand(graph, self, *sizes_):
    """torch's `x.expand(3, -1, 4)`: -1 keeps a size."""
    x = array(graph, self, "the tensor")
    shape = sizes(graph, sizes_, "the size", inferred=True)
    if list(shape).count(-1) > 0:
        lead = len(shape) - x.ndim
        shape = tuple(x.shape[i - lead] if d == -1 and i >= lead else d for i, d in enumerate(shape))
    return broadcast(graph, x, shape)


@defop("method.expand_as")
def expand_as(graph, self, other):
    return broadcast(graph, array(graph, self, "the tensor"), array(graph, other, "`other`").shape)


_X = {"a": (3, 4)}
EXAMPLES.extend([
    example("a.reshape(2, 6) + a.reshape((2, 6)) + np.reshape(a, (2, 6))", **_X),
    example("np.reshape(a, (2, -1)) * a.reshape(2, -1)", **_X),
    example("np.reshape(a, 12) * np.reshape(a, shape=(12,))", **_X),
    example("np.reshape(a, -1) * a.reshape(-1) + a.reshape(-1, 6).reshape(-1)", **_X),
    example("torch.reshape(a, (2, 6)) + a.view(2, 6) + a.view(-1, 3).reshape(2, 6)", **_X),
    example("torch.reshape(a, (-1,)) + a.view(-1)", **_X),
    example("a.reshape(4, 3, 1) * b.reshape_as(a).view_as(a).reshape(4, 3, 1)", a=(2, 6), b=(3, 4)),
    example("a.reshape(3) * a.reshape(1, 3, 1)", a=(1, 3), second_order=True),
    example("a.reshape(-1, 3) * a.reshape(-1, 3).sum(0)", a=(6,), second_order=True),
    example("np.ravel(a) + a.ravel() + a.flatten()", a=(2, 3, 2)),
    example("torch.flatten(a) + torch.ravel(a) + a.flatten()", a=(2, 3, 2)),
    example("torch.flatten(a, 1) * a.flatten(start_dim=0, end_dim=1).T", a=(2, 3, 2)),
    example("torch.flatten(a, 1, 2)", a=(2, 3, 2, 2)),
    example("np.expand_dims(a, 0) * np.expand_dims(a, axis=-1) + np.expand_dims(a, (0, 2)).squeeze(0)", a=(3,)),
    example("torch.unsqueeze(a, 0) * a.unsqueeze(-1) * a.unsqueeze(1).unsqueeze(0)", a=(3,)),
    example("np.squeeze(a) + np.squeeze(a, axis=0).sum() + a.squeeze(2).sum() + a.squeeze((0, 2))", a=(1, 3, 1)),
    example("torch.squeeze(a) + torch.squeeze(a, 0).sum() + torch.squeeze(a, 1).sum() + a.squeeze(dim=2).sum()",
            a=(1, 3, 1)),
    example("np.expand_dims(a, 0) + np.squeeze(np.expand_dims(a, (0, 1)))", a=()),
    example("np.broadcast_to(a, (2, 3, 4))", a=(3, 1)),
    example("torch.broadcast_to(a, (2, 3, 4)) + a.broadcast_to((3, 4))", a=(3, 1)),
    example("a.expand(2, 3, 4) + a.expand(2, -1, 4) + a.expand_as(b)", a=(3, 1), b=(2, 3, 4)),
])
