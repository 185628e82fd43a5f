"""Diagonals: diagonal, diag and trace (main, square diagonals)."""
from __future__ import annotations

from . import EXAMPLES, array, constant, defop, example, one_axis
from .. import primitives as P
from ..errors import UnsupportedSyntaxError
from ..ir import Value


def main_diagonal(graph, x: Value, offset, axis1, axis2) -> Value:
    if constant(graph, offset, "the offset") != 0:
        raise UnsupportedSyntaxError("only the main diagonal (offset 0) is supported", location=graph.location,
                                     hint="Multiply by np.eye(n, k=...) and sum for another diagonal.")
    if x.ndim < 2:
        raise graph.shape_error(f"the diagonal needs an array of 2 or more dimensions; `{x.label}` has {x.ndim}",
                                hint="Use np.diag(v) to make a diagonal matrix of a vector.")
    a, b = sorted((one_axis(graph, axis1, x.ndim), one_axis(graph, axis2, x.ndim)))
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


EXAMPLES.extend([
    example("np.diag(a) * 2 + np.diag(b)", a=(3,), b=(3, 3), second_order=True),
    example("torch.diag(a) + a.diag() + torch.diag(b).diag()", a=(3, 3), b=(3, 3)),
    example("np.diagonal(a) + a.diagonal() + np.diagonal(a, 0, 1, 0)", a=(3, 3)),
    example("np.diagonal(a, axis1=0, axis2=2) + a.diagonal(0, 2, 0)", a=(3, 2, 3)),
    example("torch.diagonal(a, 0, 0, 2) + a.diagonal(dim1=2, dim2=0)", a=(3, 2, 3)),
    example("np.trace(a) + a.trace()", a=(3, 3), second_order=True),
    example("torch.trace(a) + a.trace()", a=(3, 3)),
    example("np.trace(a, axis1=1, axis2=2)", a=(2, 3, 3)),
])
