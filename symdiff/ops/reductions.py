"""Sums and means over axes."""
from __future__ import annotations

import sympy as sp

from . import EXAMPLES, array, constant, example, register
from ..errors import UnsupportedSyntaxError
from ..ir import Value, normalize_axes

def _axes(graph, axis, dim):
    if axis is not None and dim is not None:
        raise UnsupportedSyntaxError("give `axis` or `dim`, not both", location=graph.location)
    return constant(graph, axis if dim is None else dim, "the axis")


def reduce_sum(graph, a, axis, keepdims, mean: bool) -> Value:
    x = array(graph, a, "the array")
    axes = normalize_axes(graph, axis, x.ndim)
    total = x.sum(axis=axes, keepdims=bool(constant(graph, keepdims, "keepdims")))
    return total / sp.Mul(*(x.shape[i] for i in axes)) if mean else total


def _numpy_reduction(mean: bool):
    def impl(graph, a, axis=None, dtype=None, out=None, keepdims=False):
        constant(graph, dtype, "`dtype`", allowed=(None,))
        constant(graph, out, "`out`", allowed=(None,))
        return reduce_sum(graph, a, axis, keepdims, mean)

    return impl


def _torch_reduction(mean: bool):
    def impl(graph, input, dim=None, keepdim=False, *, dtype=None):
        constant(graph, dtype, "`dtype`", allowed=(None,))
        return reduce_sum(graph, input, dim, keepdim, mean)

    return impl


def _method_reduction(mean: bool):
    def impl(graph, self, axis=None, dtype=None, out=None, keepdims=False, *, dim=None, keepdim=False):
        constant(graph, dtype, "`dtype`", allowed=(None,))
        constant(graph, out, "`out`", allowed=(None,))
        return reduce_sum(graph, self, _axes(graph, axis, dim), keepdims or keepdim, mean)

    return impl


for _mean, _word in ((False, "sum"), (True, "mean")):
    register(_numpy_reduction(_mean), f"numpy.{_word}")
    register(_torch_reduction(_mean), f"torch.{_word}")
    register(_method_reduction(_mean), f"method.{_word}")


EXAMPLES.extend([
    example("np.sum(a) + np.mean(a) + a.sum() + a.mean()", a=(3, 4)),
    example("np.sum(a, axis=0) + np.mean(a, axis=-2) + a.sum(0) + a.mean(axis=(0,))", a=(3, 4)),
    example("np.sum(a, axis=(0, 2), keepdims=True) * a.mean(1, keepdims=True)", a=(2, 3, 4)),
    example("torch.sum(a, dim=1) + torch.mean(a, 1) + a.sum(dim=1, keepdim=False) + a.mean(dim=-1)", a=(3, 4)),
])
