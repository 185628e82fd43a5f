"""Structural ops: reshaping, adding and removing axes, joining, reordering, repeating and selecting
elements, products that are reshaped elementwise products. Each is composed of a few primitives
(`Reshape`, `ExpandDims`, `Squeeze`, `BroadcastTo`, `Transpose`, `Concatenate`, `Flip`, `Roll`,
`Diagonal`), which carry the derivatives."""
from __future__ import annotations

import sympy as sp

from . import EXAMPLES, array, constant, defop, example, register
from .. import primitives as P
from ..errors import UnsupportedSyntaxError
from ..ir import Value, normalize_axes
from ..primitives import matmul, reshape


def size(graph, value, what: str) -> sp.Expr:
    """A size argument: a non-negative int or a dimension expression (`2*N`)."""
    if isinstance(value, sp.Expr) and value.is_integer:
        return value
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return sp.Integer(value)
    raise UnsupportedSyntaxError(f"{what} must be a non-negative integer, not {value!r}", location=graph.location,
                                 hint="Give sizes as constant integers or dimensions of the inputs.")


def sizes(graph, args: tuple, what: str, inferred: bool = False) -> tuple:
    """A shape given as `(2, 3)`, `[2, 3]`, `2, 3` or `2`, as sizes (-1 kept where `inferred` allows it)."""
    if len(args) == 1 and isinstance(args[0], (tuple, list)):
        args = tuple(args[0])
    if inferred and list(args).count(-1) > 1:
        raise graph.shape_error(f"{what}: only one size can be -1", hint="Give every size but one.")
    return tuple(-1 if inferred and a == -1 and not isinstance(a, sp.Expr) else size(graph, a, what) for a in args)


def _one_axis(graph, axis, ndim: int, what: str = "the axis") -> int:
    axis = constant(graph, axis, what)
    if not isinstance(axis, int) or isinstance(axis, bool):
        raise graph.shape_error(f"{what} must be one integer, not {axis!r}", hint="e.g. 0 or -1.")
    return normalize_axes(graph, axis, ndim)[0]


def _axes(graph, axis, ndim: int) -> tuple:
    return normalize_axes(graph, constant(graph, axis, "the axis"), ndim)


# -- reshaping ---------------------------------------------------------------------------------


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
    start = _one_axis(graph, start_dim, max(x.ndim, 1), "`start_dim`")
    end = _one_axis(graph, end_dim, max(x.ndim, 1), "`end_dim`")
    if start > end:
        raise graph.shape_error(f"`start_dim` {start_dim} comes after `end_dim` {end_dim}",
                                hint="Give the first axis to merge, then the last.")
    return flatten(x, start, end)


# -- adding and removing axes --------------------------------------------------------------------


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
    return expand_dims(graph, x, _one_axis(graph, dim, x.ndim + 1))


def squeeze(graph, x: Value, axis, strict: bool) -> Value:
    """The size-1 axes `axis` (all of them when None) removed; an axis not of size 1 is an error
    (numpy) or kept (torch, not `strict`)."""
    axes = _axes(graph, tuple(axis) if isinstance(axis, list) else axis, x.ndim)
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


# -- joining -------------------------------------------------------------------------------------


def _arrays(graph, arrays, what: str) -> list:
    if not isinstance(arrays, (list, tuple)) or not arrays:
        raise UnsupportedSyntaxError(f"{what} must be a list or tuple of arrays, not {arrays!r}",
                                     location=graph.location, hint="e.g. np.concatenate([a, b], axis=0).")
    return [array(graph, a, f"each of {what}") for a in arrays]


def concatenate(graph, values: list, axis: int) -> Value:
    first = values[0]
    if first.ndim == 0:
        raise graph.shape_error("0-D arrays cannot be concatenated", hint="Use np.stack for scalars.")
    axis = _one_axis(graph, axis, first.ndim)
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
    axis = _one_axis(graph, axis, values[0].ndim + 1)
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


# -- reordering axes -----------------------------------------------------------------------------


def permuted(graph, x: Value, perm) -> Value:
    """Axis i of the result is axis perm[i] of `x`."""
    perm = constant(graph, perm, "the axes")
    perm = tuple(perm) if isinstance(perm, (tuple, list)) else (perm,)
    if not all(isinstance(p, int) and not isinstance(p, bool) and -x.ndim <= p < x.ndim for p in perm) \
            or sorted(p % x.ndim for p in perm) != list(range(x.ndim)):
        raise UnsupportedSyntaxError(f"{perm} is not a permutation of the {x.ndim} axes of `{x.label}`",
                                     location=graph.location, hint="Give each axis once, e.g. (1, 0, 2).")
    return x.transpose(tuple(p % x.ndim for p in perm))


def swapped(graph, x: Value, a, b) -> Value:
    a, b = _one_axis(graph, a, x.ndim), _one_axis(graph, b, x.ndim)
    perm = list(range(x.ndim))
    perm[a], perm[b] = b, a
    return x.transpose(tuple(perm))


@defop("numpy.swapaxes", "method.swapaxes", "torch.swapaxes", "torch.swapdims", "method.swapdims")
def swapaxes(graph, a, axis1, axis2):
    return swapped(graph, array(graph, a, "the array"), axis1, axis2)


@defop("numpy.moveaxis", "torch.moveaxis", "torch.movedim", "method.moveaxis", "method.movedim")
def moveaxis(graph, a, source, destination):
    x = array(graph, a, "the array")
    src = _axes_list(graph, source, x.ndim)
    dst = _axes_list(graph, destination, x.ndim)
    if len(src) != len(dst):
        raise graph.shape_error("`source` and `destination` must name as many axes",
                                hint="Pair each moved axis with its new position.")
    rest = iter(i for i in range(x.ndim) if i not in src)
    where = dict(zip(dst, src))
    return x.transpose(tuple(where[i] if i in where else next(rest) for i in range(x.ndim)))


def _axes_list(graph, axis, ndim: int) -> list:
    """Axes in the order given (not sorted: moveaxis pairs them)."""
    axes = constant(graph, axis, "the axes")
    axes = list(axes) if isinstance(axes, (tuple, list)) else [axes]
    normalize_axes(graph, tuple(axes), ndim)  # checks range and repeats
    return [a % ndim for a in axes]


@defop("torch.permute")
def torch_permute(graph, input, dims):
    return permuted(graph, array(graph, input, "`input`"), dims)


@defop("method.permute")
def method_permute(graph, self, *dims):
    """`x.permute(2, 0, 1)` or `x.permute((2, 0, 1))`."""
    return permuted(graph, array(graph, self, "the array"), dims[0] if len(dims) == 1 else dims)


# -- flipping and rolling --------------------------------------------------------------------------


def flipped(graph, x: Value, axis) -> Value:
    axes = _axes(graph, axis, x.ndim)
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
    axes = _axes_list(graph, axis, x.ndim)
    shift = tuple(shift) if isinstance(shift, (tuple, list)) else (shift,) * len(axes)
    if len(shift) != len(axes) or not all(isinstance(s, int) and not isinstance(s, bool) for s in shift):
        raise graph.shape_error(f"give one integer shift per axis, not {shift!r}",
                                hint="e.g. np.roll(x, (1, 2), axis=(0, 1)).")
    return P.Roll.build(x, shift, tuple(axes), label=x.label)


# -- repeating -----------------------------------------------------------------------------------


def repeated(graph, x: Value, repeats, axis) -> Value:
    """np.repeat with one repeat count: each element `repeats` times along `axis` (the flattened array
    when None), as a broadcast of a new axis after it, reshaped."""
    r = size(graph, constant(graph, repeats, "the repeat count"), "the repeat count")
    if axis is None:
        x, axis = flatten(x), 0
    axis = _one_axis(graph, axis, x.ndim)
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


# -- broadcasting --------------------------------------------------------------------------------


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


# -- diagonals ---------------------------------------------------------------------


def main_diagonal(graph, x: Value, offset, axis1, axis2) -> Value:
    if constant(graph, offset, "the offset") != 0:
        raise UnsupportedSyntaxError("only the main diagonal (offset 0) is supported", location=graph.location,
                                     hint="Multiply by np.eye(n, k=...) and sum for another diagonal.")
    if x.ndim < 2:
        raise graph.shape_error(f"the diagonal needs an array of 2 or more dimensions; `{x.label}` has {x.ndim}",
                                hint="Use np.diag(v) to make a diagonal matrix of a vector.")
    a, b = sorted((_one_axis(graph, axis1, x.ndim), _one_axis(graph, axis2, x.ndim)))
    if a == b or graph.dims.equal(x.shape[a], x.shape[b]) is None:
        raise graph.shape_error(f"the diagonal of `{x.label}` of shape {x.shape_text}: axes {a} and {b} must be "
                                f"distinct and of one size", hint="Only square diagonals are supported.")
    return P.Diagonal.build(x, a, b, label=x.label)


@defop("numpy.diagonal", "method.diagonal")
def np_diagonal(graph, a, offset=0, axis1=0, axis2=1, *, dim1=None, dim2=None):
    return main_diagonal(graph, array(graph, a, "the array"), offset, axis1 if dim1 is None else dim1,
                    axis2 if dim2 is None else dim2)


@defop("torch.diagonal")
def torch_diagonal(graph, input, offset=0, dim1=0, dim2=1):
    return main_diagonal(graph, array(graph, input, "`input`"), offset, dim1, dim2)


@defop("numpy.diag", "torch.diag", "method.diag")
def diag(graph, v, k=0, *, diagonal=None):
    """A vector as a diagonal matrix (the identity times it), or a matrix's diagonal."""
    x = array(graph, v, "the array")
    k = k if diagonal is None else diagonal
    if x.ndim == 2:
        return main_diagonal(graph, x, k, 0, 1)
    if x.ndim != 1:
        raise graph.shape_error(f"`diag` takes a 1-D or 2-D array; `{x.label}` has {x.ndim} dimensions",
                                hint="Use np.diagonal(x, axis1=..., axis2=...) for more dimensions.")
    if constant(graph, k, "the diagonal") != 0:
        raise UnsupportedSyntaxError("only the main diagonal (k=0) is supported", location=graph.location,
                                     hint="Multiply by np.eye(n, k=...) for another diagonal.")
    n = x.shape[0]
    return P.Eye.build(P.base(x), n, n, 0) * x


@defop("numpy.trace", "method.trace")
def trace(graph, a, offset=0, axis1=0, axis2=1, dtype=None, out=None):
    constant(graph, dtype, "`dtype`", allowed=(None,))
    constant(graph, out, "`out`", allowed=(None,))
    return main_diagonal(graph, array(graph, a, "the array"), offset, axis1, axis2).sum(axis=-1)


@defop("torch.trace")
def torch_trace(graph, input):
    x = array(graph, input, "`input`")
    if x.ndim != 2:
        raise graph.shape_error(f"`torch.trace` takes a 2-D tensor; `{x.label}` has {x.ndim} dimensions",
                                hint="Use np.trace(x, axis1=..., axis2=...) for more dimensions.")
    return main_diagonal(graph, x, 0, 0, 1).sum(axis=-1)


# -- products ------------------------------------------------------------------------------------


@defop("numpy.outer", "torch.outer", "method.outer", "torch.ger", "method.ger")
def outer(graph, a, b):
    """a.ravel()[:, None] * b.ravel()."""
    x, y = flatten(array(graph, a, "the first array")), flatten(array(graph, b, "the second array"))
    return P.ExpandDims.build(x, (1,), label=x.label) * y


@defop("numpy.inner", "torch.inner", "method.inner")
def inner(graph, a, b):
    """The sum over the last axes: a @ b.T for 1-D and 2-D arrays."""
    x, y = array(graph, a, "the first array"), array(graph, b, "the second array")
    if x.ndim == 0 or y.ndim == 0:
        return x * y
    if x.ndim > 2 or y.ndim > 2:
        raise graph.shape_error("`inner` of arrays of more than 2 dimensions is not supported",
                                hint="Use np.einsum or reshape to 2-D.")
    return matmul(x, y.T)


@defop("numpy.vdot", "torch.vdot", "method.vdot")
def vdot(graph, a, b):
    """The dot product of the flattened arrays (real: no conjugate). Arrays of one rank whose sizes
    can be equal axis by axis are taken to be of one shape."""
    x, y = array(graph, a, "the first array"), array(graph, b, "the second array")
    if x.ndim == y.ndim and all(graph.dims.seen(p) == graph.dims.seen(q) for p, q in zip(x.shape, y.shape)):
        for p, q in zip(x.shape, y.shape):
            graph.dims.equal(p, q)
        x, y = graph.value(x.symbol), graph.value(y.symbol)
    return matmul(flatten(x), flatten(y))


@defop("numpy.kron", "torch.kron", "method.kron")
def kron(graph, a, b):
    """a[:, None, :, None] * b[None, :, None, :] (for 2-D), with the pairs of axes merged."""
    x, y = array(graph, a, "the first array"), array(graph, b, "the second array")
    n = max(x.ndim, y.ndim)
    if n == 0:
        return x * y
    x, y = (P.ExpandDims.build(v, tuple(range(n - v.ndim)), label=v.label) if v.ndim < n else v for v in (x, y))
    product = P.ExpandDims.build(x, tuple(range(1, 2 * n, 2)), label=x.label) \
        * P.ExpandDims.build(y, tuple(range(0, 2 * n, 2)), label=y.label)
    return reshape(product, tuple(p * q for p, q in zip(x.shape, y.shape)))


_X = {"a": (3, 4)}
_AB = {"a": (2, 3), "b": (2, 3)}
EXAMPLES.extend([
    # reshaping
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
    # axes
    example("np.expand_dims(a, 0) * np.expand_dims(a, axis=-1) + np.expand_dims(a, (0, 2)).squeeze(0)", a=(3,)),
    example("torch.unsqueeze(a, 0) * a.unsqueeze(-1) * a.unsqueeze(1).unsqueeze(0)", a=(3,)),
    example("np.squeeze(a) + np.squeeze(a, axis=0).sum() + a.squeeze(2).sum() + a.squeeze((0, 2))", a=(1, 3, 1)),
    example("torch.squeeze(a) + torch.squeeze(a, 0).sum() + torch.squeeze(a, 1).sum() + a.squeeze(dim=2).sum()",
            a=(1, 3, 1)),
    example("np.expand_dims(a, 0) + np.squeeze(np.expand_dims(a, (0, 1)))", a=()),
    # joining
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
    # reordering
    example("np.transpose(a, (1, 2, 0)) + np.transpose(a, [1, 2, 0]) + a.transpose(1, 2, 0)"
            " + a.transpose((1, 2, 0)) + np.transpose(a).transpose(1, 0, 2)", a=(2, 3, 4)),
    example("np.swapaxes(a, 0, 2) + a.swapaxes(2, 0) + np.moveaxis(a, 0, -1).transpose(1, 0, 2)", a=(2, 3, 4)),
    example("np.moveaxis(a, [0, 1], [2, 0]) + np.moveaxis(a, 1, 0).transpose(2, 0, 1)", a=(2, 3, 3)),
    example("torch.permute(a, (1, 2, 0)) + a.permute(1, 2, 0) + a.permute((1, 2, 0))"
            " + torch.movedim(a, 0, 2) + a.movedim(0, -1) + torch.moveaxis(a, 0, 2) + a.moveaxis(0, 2)", a=(2, 3, 4)),
    example("torch.transpose(a, 0, 2) + a.transpose(-1, 0) + torch.swapaxes(a, 0, 2) + a.swapaxes(0, 2)"
            " + torch.swapdims(a, 2, 0) + a.swapdims(0, 2)", a=(2, 3, 4)),
    # flipping and rolling
    example("np.flip(a) + np.flip(a, 0) + np.flip(a, axis=(0, 1)) + np.flipud(a) + np.fliplr(a)", **_X),
    example("torch.flip(a, (0,)) + torch.flip(a, [0, 1]) + a.flip(1) + a.flip(0, 1) + torch.flipud(a)"
            " + torch.fliplr(a) + a.flipud() + a.fliplr()", **_X),
    example("np.roll(a, 1) + np.roll(a, -2, axis=1) + np.roll(a, (1, 2), axis=(0, 1)) + np.roll(a, 5, 0)", **_X),
    example("torch.roll(a, 1) + torch.roll(a, -2, 1) + a.roll(1, dims=0) + a.roll((1, 2), (0, 1))", **_X),
    # repeating and broadcasting
    example("np.repeat(a, 2) * np.repeat(a, 3, axis=0).sum()", a=(2, 2)),
    example("np.repeat(a, 2, axis=1) + a.repeat(2, axis=-1) + np.repeat(a, 1, 0).repeat(2, axis=1)", **_X),
    example("torch.repeat_interleave(a, 2, dim=0) + a.repeat_interleave(2, 0)", **_X),
    example("np.tile(a, 2) + np.tile(a, (1, 2))", a=(2, 2)),
    example("torch.tile(a, (1, 2)) + a.tile(1, 2) + a.tile((1, 2))", a=(2, 2)),
    example("np.tile(a, (2, 1, 3))", a=(2, 2), second_order=True),
    example("torch.tile(a, (2, 2)) + a.repeat(1, 2, 2).sum(0)", a=(2,)),
    example("a.repeat(2, 1, 3) + torch.tile(a, (2, 1, 3))", a=(2, 2)),
    example("np.broadcast_to(a, (2, 3, 4))", a=(3, 1)),
    example("torch.broadcast_to(a, (2, 3, 4)) + a.broadcast_to((3, 4))", a=(3, 1)),
    example("a.expand(2, 3, 4) + a.expand(2, -1, 4) + a.expand_as(b)", a=(3, 1), b=(2, 3, 4)),
    # diagonals
    example("np.diag(a) * 2 + np.diag(b)", a=(3,), b=(3, 3), second_order=True),
    example("torch.diag(a) + a.diag() + torch.diag(b).diag()", a=(3, 3), b=(3, 3)),
    example("np.diagonal(a) + a.diagonal() + np.diagonal(a, 0, 1, 0)", a=(3, 3)),
    example("np.diagonal(a, axis1=0, axis2=2) + a.diagonal(0, 2, 0)", a=(3, 2, 3)),
    example("torch.diagonal(a, 0, 0, 2) + a.diagonal(dim1=2, dim2=0)", a=(3, 2, 3)),
    example("np.trace(a) + a.trace()", a=(3, 3), second_order=True),
    example("torch.trace(a) + a.trace()", a=(3, 3)),
    example("np.trace(a, axis1=1, axis2=2)", a=(2, 3, 3)),
    # products
    example("np.outer(a, b)", a=(3,), b=(4,), second_order=True),
    example("torch.outer(a, b) + a.outer(b) + torch.ger(a, b) + a.ger(b)", a=(3,), b=(4,)),
    example("np.outer(a, b)", a=(2, 2), b=(3,)),
    example("np.inner(a, b)", a=(2, 3), b=(4, 3)),
    example("torch.inner(a, b) + a.inner(b)", a=(2, 3), b=(4, 3)),
    example("np.inner(a, b) + np.inner(a, a) * np.inner(2.0, a).sum()", a=(3,), b=(3,)),
    example("np.vdot(a, b)", **_AB),
    example("torch.vdot(a, b) + a.vdot(b)", a=(3,), b=(3,)),
    example("np.kron(a, b)", a=(2, 3), b=(3, 2), second_order=True),
    example("torch.kron(a, b) + a.kron(b)", a=(2, 3), b=(3, 2)),
    example("np.kron(a, b)", a=(2,), b=(3, 2)),
])
