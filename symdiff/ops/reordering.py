"""Elements reordered and repeated: flip, roll, repeat and tile."""
from __future__ import annotations

import sympy as sp

from . import EXAMPLES, array, axis_list, constant, constant_axes, defop, example, one_axis, register, size, sizes
from .. import primitives as P
from ..errors import UnsupportedSyntaxError
from ..ir import Value
from ..primitives import reshape
from .reshaping import flatten


def flipped(graph, x: Value, axis) -> Value:
    axes = constant_axes(graph, axis, x.ndim)
    return P.Flip.build(x, axes, label=x.label) if axes else x


@defop("numpy.flip")
def np_flip(graph, m, axis=None):
    return flipped(graph, array(graph, m, "the array"), axis)


@defop("torch.flip", "method.flip")
def torch_flip(graph, input, *dims):
    """`torch.flip(x, (0,))`, `x.flip(0)`, `x.flip(0, 1)`."""
    axes = dims[0] if len(dims) == 1 else dims
    return flipped(graph, array(graph, input, "`input`"), tuple(axes) if isinstance(axes, list) else axes)


def _flip_one(axis: int):
    def impl(graph, m):
        x = array(graph, m, "the array")
        if x.ndim <= axis:
            raise graph.shape_error(f"`{x.label}` has {x.ndim} dimensions; flipping axis {axis} needs {axis + 1}",
                                    hint="Use np.flip(x, axis) with an axis it has.")
        return P.Flip.build(x, (axis,), label=x.label)

    return impl


register(_flip_one(0), "numpy.flipud", "torch.flipud", "method.flipud")
register(_flip_one(1), "numpy.fliplr", "torch.fliplr", "method.fliplr")


@defop("numpy.roll", "torch.roll", "method.roll")
def roll(graph, a, shift=None, axis=None, *, shifts=None, dims=None):
    """np.roll(x, shift, axis) and torch's roll(x, shifts, dims); no axis: over the flattened array."""
    x = array(graph, a, "the array")
    shift = constant(graph, shift if shifts is None else shifts, "the shift")
    axis = constant(graph, axis if dims is None else dims, "the axis")
    if axis is None:
        return reshape(roll(graph, flatten(x), shift, 0), x.shape)
    axes = axis_list(graph, axis, x.ndim)
    shift = tuple(shift) if isinstance(shift, (tuple, list)) else (shift,) * len(axes)
    if len(shift) != len(axes) or not all(isinstance(s, int) and not isinstance(s, bool) for s in shift):
        raise graph.shape_error(f"give one integer shift per axis, not {shift!r}",
                                hint="e.g. np.roll(x, (1, 2), axis=(0, 1)).")
    return P.Roll.build(x, shift, tuple(axes), label=x.label)


def repeated(graph, x: Value, repeats, axis) -> Value:
    """np.repeat with one repeat count: each element `repeats` times along `axis` (the flattened array
    when None), as a broadcast of a new axis after it, reshaped."""
    r = size(graph, constant(graph, repeats, "the repeat count"), "the repeat count")
    if axis is None:
        x, axis = flatten(x), 0
    axis = one_axis(graph, axis, x.ndim)
    spread = P.ExpandDims.build(x, (axis + 1,), label=x.label)
    spread = spread.broadcast_to(x.shape[:axis + 1] + (r,) + x.shape[axis + 1:])
    return reshape(spread, x.shape[:axis] + (x.shape[axis] * r,) + x.shape[axis + 1:])


@defop("numpy.repeat")
def np_repeat(graph, a, repeats, axis=None):
    return repeated(graph, array(graph, a, "the array"), repeats, axis)


@defop("torch.repeat_interleave", "method.repeat_interleave")
def repeat_interleave(graph, input, repeats, dim=None, *, output_size=None):
    return repeated(graph, array(graph, input, "`input`"), repeats, dim)


def tiled(graph, x: Value, reps) -> Value:
    """np.tile: a new axis before each axis, broadcast to the repeat count, reshaped."""
    reps = sizes(graph, reps if isinstance(reps, (tuple, list)) else (reps,), "the repetitions")
    n = max(len(reps), x.ndim)
    reps = (sp.Integer(1),) * (n - len(reps)) + reps
    if x.ndim < n:
        x = P.ExpandDims.build(x, tuple(range(n - x.ndim)), label=x.label)
    spread = P.ExpandDims.build(x, tuple(range(0, 2 * n, 2)), label=x.label)
    spread = spread.broadcast_to(tuple(d for r, s in zip(reps, x.shape) for d in (r, s)))
    return reshape(spread, tuple(r * s for r, s in zip(reps, x.shape)))


@defop("numpy.tile")
def np_tile(graph, A, reps):
    return tiled(graph, array(graph, A, "the array"), reps)


@defop("torch.tile")
def torch_tile(graph, input, dims):
    return tiled(graph, array(graph, input, "`input`"), dims)


@defop("method.tile")
def method_tile(graph, self, *dims):
    return tiled(graph, array(graph, self, "the array"), dims[0] if len(dims) == 1 else dims)


@defop("method.repeat")
def method_repeat(graph, self, *args, axis=None, repeats=None):
    """numpy's `x.repeat(2, axis=1)` (with `axis=`) or torch's `x.repeat(2, 1, 1)` (np.tile; one size
    per axis, three or more); the shorter forms mean different things for numpy arrays and torch
    tensors and are refused."""
    x = array(graph, self, "the array")
    if axis is not None or repeats is not None:
        return repeated(graph, x, args[0] if repeats is None else repeats, axis)
    if len(args) >= 3:
        return tiled(graph, x, args)
    raise UnsupportedSyntaxError(
        f"`x.repeat{tuple(args)}` repeats elements for numpy arrays but tiles for torch tensors",
        location=graph.location,
        hint="Write `np.repeat(x, r, axis=k)` or `x.repeat(r, axis=k)` for numpy's, "
             "`x.tile(...)` or `torch.tile(x, ...)` for torch's.")


_X = {"a": (3, 4)}
EXAMPLES.extend([
    example("np.flip(a) + np.flip(a, 0) + np.flip(a, axis=(0, 1)) + np.flipud(a) + np.fliplr(a)", **_X),
    example("torch.flip(a, (0,)) + torch.flip(a, [0, 1]) + a.flip(1) + a.flip(0, 1) + torch.flipud(a)"
            " + torch.fliplr(a) + a.flipud() + a.fliplr()", **_X),
    example("np.roll(a, 1) + np.roll(a, -2, axis=1) + np.roll(a, (1, 2), axis=(0, 1)) + np.roll(a, 5, 0)", **_X),
    example("torch.roll(a, 1) + torch.roll(a, -2, 1) + a.roll(1, dims=0) + a.roll((1, 2), (0, 1))", **_X),
    example("np.repeat(a, 2) * np.repeat(a, 3, axis=0).sum()", a=(2, 2)),
    example("np.repeat(a, 2, axis=1) + a.repeat(2, axis=-1) + np.repeat(a, 1, 0).repeat(2, axis=1)", **_X),
    example("torch.repeat_interleave(a, 2, dim=0) + a.repeat_interleave(2, 0)", **_X),
    example("np.tile(a, 2) + np.tile(a, (1, 2))", a=(2, 2)),
    example("torch.tile(a, (1, 2)) + a.tile(1, 2) + a.tile((1, 2))", a=(2, 2)),
    example("np.tile(a, (2, 1, 3))", a=(2, 2), second_order=True),
    example("torch.tile(a, (2, 2)) + a.repeat(1, 2, 2).sum(0)", a=(2,)),
    example("a.repeat(2, 1, 3) + torch.tile(a, (2, 1, 3))", a=(2, 2)),
])
