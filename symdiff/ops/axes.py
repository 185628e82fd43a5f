"""Transposes: axes reversed, permuted or swapped."""
from __future__ import annotations

from . import EXAMPLES, array, defop, example
from .structure import permuted, swapped


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


EXAMPLES.extend([
    example("a.T + np.transpose(a) + np.transpose(a, (1, 0))", a=(3, 4)),
    example("np.transpose(a, (1, 2, 0)) + np.transpose(a, (-2, -1, 0))", a=(2, 3, 3)),
    example("torch.t(a) + a.t() + torch.transpose(a, 0, 1) + a.transpose(0, 1)", a=(3, 4)),
    example("a.transpose() + a.T", a=(2, 3)),
])
