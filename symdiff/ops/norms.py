"""Vector and matrix norms: np.linalg.norm, torch.linalg.norm and vector_norm, torch.norm, x.norm()."""
from __future__ import annotations

import math

import sympy as sp

from . import EXAMPLES, array, constant, defop, example
from ..errors import UnsupportedSyntaxError
from ..ir import Value, normalize_axes
from ..primitives import ReduceMax, ReduceMin, ReduceNorm
from ..scalar import absolute
from .reductions import unsupported


def _extremum(x: Value, largest: bool, axes: tuple, keepdims: bool) -> Value:
    op = ReduceMax if largest else ReduceMin
    return op.build(x, axes, keepdims, label=f"{op.method}({x.label})", stem="norm")


def vector_norm(graph, x: Value, ord, axes: tuple, keepdims: bool) -> Value:
    """The `ord`-norm of `x` over `axes`: (sum |x|**ord)**(1/ord), the largest |x| for inf, the
    smallest for -inf. The gradient of the 2-norm at 0 is 0, as in torch."""
    if isinstance(ord, bool) or not isinstance(ord, (int, float)) or not (ord > 0 or ord == -math.inf):
        raise UnsupportedSyntaxError(f"the vector norm of order {ord!r} is not supported", location=graph.location,
                                     hint="Give an order p > 0, math.inf or -math.inf.")
    if ord == 2:
        return ReduceNorm.build(x, axes, keepdims, label=f"norm({x.label})", stem="norm")
    magnitude = x.apply(absolute)
    if math.isinf(ord):
        return _extremum(magnitude, ord > 0, axes, keepdims)
    total = (magnitude if ord == 1 else magnitude**ord).sum(axis=axes, keepdims=keepdims)
    return total if ord == 1 else total ** (1 / sp.nsimplify(ord))


def matrix_norm(graph, x: Value, ord, axes: tuple, keepdims: bool) -> Value:
    """The `ord`-norm of the matrices on `axes` (rows, columns): Frobenius, or the largest (smallest)
    absolute column sum for 1 (-1), row sum for inf (-inf)."""
    if ord in (None, "fro"):
        return vector_norm(graph, x, 2, tuple(sorted(axes)), keepdims)
    if ord not in (1, -1, math.inf, -math.inf) or isinstance(ord, bool):
        raise UnsupportedSyntaxError(
            f"the matrix norm of order {ord!r} is not supported: it needs singular values",
            location=graph.location, hint="Use the Frobenius norm ('fro'), or ord 1, -1, inf or -inf.")
    rows, columns = axes
    summed, across = (rows, columns) if abs(ord) == 1 else (columns, rows)
    sums = x.apply(absolute).sum(axis=(summed,), keepdims=True)
    out = _extremum(sums, ord > 0, (across,), True)
    return out if keepdims else out.squeeze(tuple(sorted(axes)))


def linalg_norm(graph, x, ord, axis, keepdims) -> Value:
    """numpy.linalg.norm (and torch.linalg.norm, which follows it)."""
    x = array(graph, x, "the array")
    ord, axis = constant(graph, ord, "`ord`"), constant(graph, axis, "the axis")
    keepdims = bool(constant(graph, keepdims, "keepdims"))
    if axis is None and ord is None:
        return vector_norm(graph, x, 2, normalize_axes(graph, None, x.ndim), keepdims)
    if axis is None:
        if x.ndim not in (1, 2):
            raise graph.shape_error(f"a norm of order {ord!r} needs a 1-D or 2-D array, or the axes",
                                    hint="Give axis= (dim= in torch): one axis for vectors, two for matrices.")
        axis = tuple(range(x.ndim))
    axes = (axis,) if isinstance(axis, int) else tuple(axis)
    if len(axes) == 2:
        normalize_axes(graph, axes, x.ndim)  # checked
        return matrix_norm(graph, x, ord, tuple(a % x.ndim for a in axes), keepdims)
    if isinstance(ord, str):
        raise UnsupportedSyntaxError(f"ord={ord!r} is a matrix norm; give two axes for it", location=graph.location)
    return vector_norm(graph, x, 2 if ord is None else ord, normalize_axes(graph, axes, x.ndim), keepdims)


@defop("numpy.linalg.norm")
def np_norm(graph, x, ord=None, axis=None, keepdims=False):
    return linalg_norm(graph, x, ord, axis, keepdims)


@defop("torch.linalg.norm")
def torch_linalg_norm(graph, A, ord=None, dim=None, keepdim=False, *, out=None, dtype=None):
    unsupported(graph, out=out, dtype=dtype)
    return linalg_norm(graph, A, ord, dim, keepdim)


@defop("torch.linalg.vector_norm")
def torch_vector_norm(graph, x, ord=2, dim=None, keepdim=False, *, dtype=None, out=None):
    unsupported(graph, out=out, dtype=dtype)
    x = array(graph, x, "`x`")
    axes = normalize_axes(graph, constant(graph, dim, "`dim`"), x.ndim)
    return vector_norm(graph, x, constant(graph, ord, "`ord`"), axes, bool(constant(graph, keepdim, "`keepdim`")))


@defop("torch.norm", "method.norm")
def torch_norm(graph, input, p="fro", dim=None, keepdim=False, out=None, dtype=None):
    """torch.norm: a vector norm over `dim` (every axis by default); 'fro' is the 2-norm."""
    unsupported(graph, out=out, dtype=dtype)
    p = constant(graph, p, "`p`")
    if p == "nuc":
        raise UnsupportedSyntaxError("the nuclear norm is not supported: it needs singular values",
                                     location=graph.location, hint="Use p='fro' or a number.")
    return torch_vector_norm(graph, input, 2 if p == "fro" else p, dim, keepdim)


EXAMPLES.extend([
    example("np.linalg.norm(a) + np.linalg.norm(a, axis=1).sum() + np.linalg.norm(a, 1, axis=0).sum()"
            " + np.linalg.norm(a, np.inf, axis=1, keepdims=True).sum() + np.linalg.norm(a, -np.inf, axis=-1).sum()"
            " + np.linalg.norm(a, 3, axis=1).sum() + np.linalg.norm(a, 0.5, axis=(1,)).sum()", a=(3, 4),
            second_order=True),
    example("np.linalg.norm(a) + np.linalg.norm(a, 1) + np.linalg.norm(a, ord=np.inf) + np.linalg.norm(a, 2.5)",
            a=(5,)),
    example("np.linalg.norm(a, 'fro') + np.linalg.norm(a, 1) + np.linalg.norm(a, -1) + np.linalg.norm(a, np.inf)"
            " + np.linalg.norm(a, -np.inf)", a=(3, 4)),
    example("np.linalg.norm(a, axis=(2, 0), keepdims=True) * np.linalg.norm(a, 1, axis=(0, 2), keepdims=True)"
            " * np.linalg.norm(a, ord=np.inf, axis=(-1, 1))", a=(2, 3, 4)),
    example("torch.linalg.norm(a) + torch.linalg.norm(a, dim=1).sum() + torch.linalg.norm(a, 'fro')"
            " + torch.linalg.norm(a, 1) + torch.linalg.norm(a, math.inf, dim=(0, 1), keepdim=True)"
            " + torch.linalg.norm(a, ord=3, dim=0).sum()", a=(3, 4)),
    example("torch.linalg.vector_norm(a) + torch.linalg.vector_norm(a, 1, dim=1).sum()"
            " + torch.linalg.vector_norm(a, ord=math.inf, dim=(0, 1), keepdim=True)"
            " + torch.linalg.vector_norm(a, 3, -1, True).sum()", a=(3, 4)),
    example("torch.norm(a) + torch.norm(a, 1) + torch.norm(a, p=2, dim=1).sum() + torch.norm(a, 'fro', dim=(0, 1))"
            " + a.norm() + a.norm(3, dim=0, keepdim=True).sum() + a.norm(p=-math.inf)", a=(3, 4)),
])
