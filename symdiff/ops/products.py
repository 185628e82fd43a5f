"""Products that are reshaped elementwise products: outer, inner, vdot, kron."""
from __future__ import annotations

from . import EXAMPLES, array, defop, example
from .. import primitives as P
from ..primitives import matmul, reshape
from .reshaping import flatten


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


_AB = {"a": (2, 3), "b": (2, 3)}
EXAMPLES.extend([
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
