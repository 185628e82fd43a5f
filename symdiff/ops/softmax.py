"""softmax, log_softmax and logsumexp, stable: the maximum is subtracted first."""
from __future__ import annotations

import sympy as sp

from . import EXAMPLES, array, constant, defop, example, register
from ..errors import UnsupportedSyntaxError
from ..ir import Value, normalize_axes

def _one_axis(graph, x: Value, axis) -> int:
    if axis is None:
        raise UnsupportedSyntaxError("give the axis (`dim=` in torch)", location=graph.location,
                                     hint="e.g. softmax(x, dim=-1) for the last axis.")
    (a,) = normalize_axes(graph, constant(graph, axis, "the axis"), x.ndim)
    return a


def logsumexp(x: Value, axes: tuple, keepdims: bool) -> Value:
    shift = x.max_shift(axes)
    out = shift + (x - shift).apply(sp.exp).sum(axis=axes, keepdims=True).apply(sp.log)
    return out if keepdims else out.squeeze(axes)


def log_softmax(x: Value, axis: int) -> Value:
    shift = x.max_shift((axis,))
    shifted = x - shift
    return shifted - shifted.apply(sp.exp).sum(axis=axis, keepdims=True).apply(sp.log)


def softmax(x: Value, axis: int) -> Value:
    e = (x - x.max_shift((axis,))).apply(sp.exp)
    return e / e.sum(axis=axis, keepdims=True)


@defop("symdiff.functional.logsumexp")
def sd_logsumexp(graph, x, axis=None, keepdims=False):
    x = array(graph, x, "`x`")
    return logsumexp(x, normalize_axes(graph, constant(graph, axis, "`axis`"), x.ndim), bool(keepdims))


@defop("scipy.special.logsumexp")
def scipy_logsumexp(graph, a, axis=None, b=None, keepdims=False, return_sign=False):
    constant(graph, b, "`b`", allowed=(None,))
    constant(graph, return_sign, "`return_sign`", allowed=(False,))
    return sd_logsumexp(graph, a, axis, keepdims)


@defop("torch.logsumexp", "method.logsumexp")
def torch_logsumexp(graph, input, dim, keepdim=False):
    x = array(graph, input, "`input`")
    return logsumexp(x, normalize_axes(graph, constant(graph, dim, "`dim`"), x.ndim), bool(keepdim))


def _softmax_op(fn, numpy_default):
    def numpy_style(graph, x, axis=numpy_default):
        x = array(graph, x, "`x`")
        if axis is None:  # scipy: over every element
            return _all_axes(fn, x)
        return fn(x, _one_axis(graph, x, axis))

    def torch_style(graph, input, dim=None, _stacklevel=3, dtype=None):
        constant(graph, dtype, "`dtype`", allowed=(None,))
        x = array(graph, input, "`input`")
        return fn(x, _one_axis(graph, x, dim))

    return numpy_style, torch_style


def _all_axes(fn, x: Value) -> Value:
    if x.ndim != 1:
        raise x.graph.shape_error("softmax over every element needs a 1-D array here",
                                  hint="Give the axis, e.g. axis=-1.")
    return fn(x, 0)


_np_log_softmax, _torch_log_softmax = _softmax_op(log_softmax, -1)
_np_softmax, _torch_softmax = _softmax_op(softmax, -1)
register(_np_log_softmax, "symdiff.functional.log_softmax")
register(_np_softmax, "symdiff.functional.softmax")
register(_torch_log_softmax, "torch.nn.functional.log_softmax", "torch.log_softmax", "method.log_softmax")
register(_torch_softmax, "torch.nn.functional.softmax", "torch.softmax", "method.softmax")
_scipy_log_softmax, _ = _softmax_op(log_softmax, None)
_scipy_softmax, _ = _softmax_op(softmax, None)
register(_scipy_log_softmax, "scipy.special.log_softmax")
register(_scipy_softmax, "scipy.special.softmax")


EXAMPLES.extend([
    example("sf.softmax(a) + sf.log_softmax(a, axis=0) + sf.logsumexp(a, axis=1, keepdims=True)", a=(3, 4)),
    example("sf.logsumexp(a)", a=(3, 4)),
    example("scipy.special.softmax(a, axis=1) + scipy.special.log_softmax(a, axis=0)"
            " + scipy.special.logsumexp(a, axis=-1, keepdims=True)", a=(3, 4)),
    example("scipy.special.softmax(a) + scipy.special.log_softmax(a) + scipy.special.logsumexp(a)", a=(4,)),
    example("F.softmax(a, dim=1) + F.log_softmax(a, dim=0) + torch.softmax(a, 1) + torch.log_softmax(a, -1)"
            " + torch.logsumexp(a, 1, keepdim=True)", a=(3, 4)),
    example("a.softmax(1) + a.log_softmax(dim=0) + a.logsumexp(dim=1, keepdim=True)", a=(3, 4)),
])
