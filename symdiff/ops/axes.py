"""Transposes: axes reversed, permuted, swapped or moved."""
from __future__ import annotations

from . import EXAMPLES, array, axis_list, constant, defop, example, one_axis
from ..errors import UnsupportedSyntaxError
from ..ir import Value


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
    a, b = one_axis(graph, a, x.ndim), one_axis(graph, b, x.ndim)
    perm = list(range(x.ndim))
    perm[a], perm[b] = b, a
    return x.transpose(tuple(perm))


@defop("numpy.transpose")
def np_transpose(graph, a, axes=None):
    x = array(graph, a, "the array")
    return x.T if axes is None else permuted(graph, x, axes)


@defop("torch.t", "method.t")
def torch_t(graph, input):
    x = array(graph, input, "`input`")
    if x.ndim > 2:
        raise graph.shape_error(f"`t()` takes arrays of at most 2 dimensions, not {x.ndim}")
    return x.T


@defop("torch.transpose")
def torch_transpose(graph, input, dim0, dim1):
    return swapped(graph, array(graph, input, "`input`"), dim0, dim1)


@defop("method.transpose")
def method_transpose(graph, self, *axes):
    """numpy's `x.transpose()` (axes reversed), `x.transpose(1, 2, 0)` or `x.transpose((1, 2, 0))`;
    torch's `x.transpose(0, 2)` (two axes swapped: for a 2-D array both readings agree)."""
    x = array(graph, self, "the array")
    if not axes:
        return x.T
    if len(axes) == 2:
        return swapped(graph, x, *axes)
    return permuted(graph, x, axes[0] if len(axes) == 1 else axes)


@defop("attribute.T")
def attribute_T(graph, input):
    return array(graph, input, "the array").T


@defop("numpy.swapaxes", "method.swapaxes", "torch.swapaxes", "torch.swapdims", "method.swapdims")
def swapaxes(graph, a, axis1, axis2):
    return swapped(graph, array(graph, a, "the array"), axis1, axis2)


@defop("numpy.moveaxis", "torch.moveaxis", "torch.movedim", "method.moveaxis", "method.movedim")
def moveaxis(graph, a, source, destination):
    x = array(graph, a, "the array")
    src = axis_list(graph, source, x.ndim)
    dst = axis_list(graph, destination, x.ndim)
    if len(src) != len(dst):
        raise graph.shape_error("`source` and `destination` must name as many axes",
                                hint="Pair each moved axis with its new position.")
    rest = iter(i for i in range(x.ndim) if i not in src)
    where = dict(zip(dst, src))
    return x.transpose(tuple(where[i] if i in where else next(rest) for i in range(x.ndim)))


@defop("torch.permute")
def torch_permute(graph, input, dims):
    return permuted(graph, array(graph, input, "`input`"), dims)


@defop("method.permute")
def method_permute(graph, self, *dims):
    """`x.permute(2, 0, 1)` or `x.permute((2, 0, 1))`."""
    return permuted(graph, array(graph, self, "the array"), dims[0] if len(dims) == 1 else dims)


EXAMPLES.extend([
    example("a.T + np.transpose(a) + np.transpose(a, (1, 0))", a=(3, 4)),
    example("np.transpose(a, (1, 2, 0)) + np.transpose(a, (-2, -1, 0))", a=(2, 3, 3)),
    example("torch.t(a) + a.t() + torch.transpose(a, 0, 1) + a.transpose(0, 1)", a=(3, 4)),
    example("a.transpose() + a.T", a=(2, 3)),
    example("np.transpose(a, (1, 2, 0)) + np.transpose(a, [1, 2, 0]) + a.transpose(1, 2, 0)"
            " + a.transpose((1, 2, 0)) + np.transpose(a).transpose(1, 0, 2)", a=(2, 3, 4)),
    example("np.swapaxes(a, 0, 2) + a.swapaxes(2, 0) + np.moveaxis(a, 0, -1).transpose(1, 0, 2)", a=(2, 3, 4)),
    example("np.moveaxis(a, [0, 1], [2, 0]) + np.moveaxis(a, 1, 0).transpose(2, 0, 1)", a=(2, 3, 3)),
    example("torch.permute(a, (1, 2, 0)) + a.permute(1, 2, 0) + a.permute((1, 2, 0))"
            " + torch.movedim(a, 0, 2) + a.movedim(0, -1) + torch.moveaxis(a, 0, 2) + a.moveaxis(0, 2)", a=(2, 3, 4)),
    example("torch.transpose(a, 0, 2) + a.transpose(-1, 0) + torch.swapaxes(a, 0, 2) + a.swapaxes(0, 2)"
            " + torch.swapdims(a, 2, 0) + a.swapdims(0, 2)", a=(2, 3, 4)),
])
