"""Normalization as torch defines it: F.layer_norm over the trailing axes, F.normalize to unit p-norm."""
from __future__ import annotations

import sympy as sp

from . import EXAMPLES, array, constant, defop, example, number, sizes
from .norms import vector_norm
from ..ir import elementwise, normalize_axes
from ..scalar import clip_below


@defop("torch.nn.functional.layer_norm")
def layer_norm(graph, input, normalized_shape, weight=None, bias=None, eps=1e-5):
    """(x - mean) / sqrt(var + eps) over the trailing axes `normalized_shape` (the biased variance),
    times `weight` plus `bias`."""
    x = array(graph, input, "`input`")
    shape = sizes(graph, (normalized_shape,), "`normalized_shape`")
    if len(shape) > x.ndim or any(graph.dims.equal(a, b) is None for a, b in zip(shape, x.shape[x.ndim - len(shape):])):
        raise graph.shape_error(f"layer_norm: `normalized_shape` {tuple(shape)} is not the trailing shape of the input "
                                f"`{x.label}` of shape {x.shape_text}", hint="Give the sizes of its last axes.")
    axes = tuple(range(x.ndim - len(shape), x.ndim))
    count = sp.Mul(*shape)
    centered = x - x.sum(axis=axes, keepdims=True) / count
    variance = (centered**2).sum(axis=axes, keepdims=True) / count
    y = centered / (variance + number(graph, eps, "`eps`")) ** sp.Rational(1, 2)
    if weight is not None:
        y = y * array(graph, weight, "`weight`")
    return y if bias is None else y + array(graph, bias, "`bias`")


@defop("torch.nn.functional.normalize")
def normalize(graph, input, p=2.0, dim=1, eps=1e-12, out=None):
    """x / max(||x||_p, eps) along `dim`."""
    constant(graph, out, "`out`", allowed=(None,))
    x = array(graph, input, "`input`")
    norm = vector_norm(graph, x, number(graph, p, "`p`"), normalize_axes(graph, constant(graph, dim, "`dim`"), x.ndim),
                       True)
    return x / elementwise(lambda n: clip_below(n, number(graph, eps, "`eps`")), norm)


EXAMPLES.extend([
    example("F.layer_norm(a, (4,)) + F.layer_norm(a, [4], w, b, eps=1e-3)", second_order=True, a=(3, 4), w=(4,),
            b=(4,)),
    example("F.layer_norm(a, a.shape[1:], w)", a=(2, 3, 4), w=(3, 4)),
    example("F.normalize(a) + F.normalize(a, dim=0) + F.normalize(a, p=1.0, dim=-1)", second_order=True, a=(3, 4)),
])
