"""Transposes."""
from __future__ import annotations

from . import EXAMPLES, array, constant, defop, example
from ..errors import UnsupportedSyntaxError

@defop("numpy.transpose")
def np_transpose(graph, a, axes=None):
    x = array(graph, a, "the array")
    if axes is None:
        return x.T
    axes = constant(graph, axes, "`axes`")
    if not isinstance(axes, tuple) or not all(isinstance(p, int) and -x.ndim <= p < x.ndim for p in axes) \
            or sorted(p % x.ndim for p in axes) != list(range(x.ndim)):
        raise UnsupportedSyntaxError(f"axes={axes!r} is not a permutation of the {x.ndim} axes of the array",
                                     location=graph.location, hint="Give each axis once, e.g. axes=(0, 2, 1).")
    return x.transpose(tuple(p % x.ndim for p in axes))


@defop("torch.t", "method.t")
def torch_t(graph, input):
    x = array(graph, input, "`input`")
    if x.ndim > 2:
        raise graph.shape_error(f"`t()` takes arrays of at most 2 dimensions, not {x.ndim}")
    return x.T


@defop("torch.transpose", "method.transpose")
def transpose(graph, input, dim0=None, dim1=None):
    """x.transpose() (numpy, all axes reversed) or torch.transpose(x, 0, 1) on 2-D arrays."""
    x = array(graph, input, "`input`")
    if dim0 is None and dim1 is None:
        return x.T
    dim0, dim1 = constant(graph, dim0, "`dim0`"), constant(graph, dim1, "`dim1`")
    if x.ndim != 2 or not all(isinstance(d, int) for d in (dim0, dim1)) or {dim0 % 2, dim1 % 2} != {0, 1}:
        raise graph.shape_error("transpose supports swapping the two axes of a 2-D array",
                                hint="Use x.T for a matrix.")
    return x.T


@defop("attribute.T")
def attribute_T(graph, input):
    return array(graph, input, "the array").T


EXAMPLES.extend([
    example("a.T + np.transpose(a) + np.transpose(a, (1, 0))", a=(3, 4)),
    example("np.transpose(a, (1, 2, 0)) + np.transpose(a, (-2, -1, 0))", a=(2, 3, 3)),
    example("torch.t(a) + a.t() + torch.transpose(a, 0, 1) + a.transpose(0, 1)", a=(3, 4)),
    example("a.transpose() + a.T", a=(2, 3)),
])
