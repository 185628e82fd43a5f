"""Constant arrays: ones, zeros, full, eye, arange, linspace and their `_like` forms. They have no
gradient. Their dtype follows the computation: an array operand's (`np.ones_like(x)`), else the
first parameter's (`np.ones((N, 1), dtype=x.dtype)`), so that float32 data stays float32; `arange`
counts in that dtype too, since integers beside float32 arrays would make numpy compute in float64."""
from __future__ import annotations

import math

import sympy as sp

from . import EXAMPLES, REFUSED, array, constant, defop, example, register, size, sizes
from .. import primitives as P
from ..errors import UnsupportedSyntaxError
from ..ir import Value


def dtype_source(graph) -> Value:
    """The value whose dtype a constant with no array operand takes: the first parameter."""
    if not graph.params:
        raise UnsupportedSyntaxError("a constant array needs a parameter to take its dtype from",
                                     location=graph.location, hint="Give the function an array parameter.")
    return graph.value(graph.params[0])


def _no_dtype(graph, dtype, **options):
    constant(graph, dtype, "`dtype`", allowed=(None,))
    for name, value in options.items():
        constant(graph, value, f"`{name}`", allowed=(None,))


def _fill(graph, value, what: str):
    """A fill value: a number, or a 0-D array (then the result is it broadcast, with its gradient)."""
    if isinstance(value, Value) and value.ndim:
        raise graph.shape_error(f"{what} must be a number or a 0-D array, not of shape {value.shape_text}",
                                hint="Use np.broadcast_to(value, shape) for an array.")
    return array(graph, value, what)


def full(graph, shape: tuple, value) -> Value:
    value = _fill(graph, value, "the fill value")
    if graph.node_symbols(value.expr):
        return value.broadcast_to(shape)
    return P.Full.build(dtype_source(graph), shape, value.expr, label=f"full({value.label})")


def full_like(graph, a, value) -> Value:
    x = array(graph, a, "the array")
    value = _fill(graph, value, "the fill value")
    if graph.node_symbols(value.expr):
        return value.broadcast_to(x.shape)
    return P.FullLike.build(x, value.expr, label=f"full_like({x.label}, {value.label})")


def _numpy_filled(fill):
    def impl(graph, shape, dtype=None, order="C", *, device=None, like=None):
        _no_dtype(graph, dtype, device=device, like=like)
        return full(graph, sizes(graph, (shape,), "the shape"), fill)

    return impl


def _torch_filled(fill):
    def impl(graph, *size, out=None, dtype=None, layout=None, device=None, requires_grad=False):
        _no_dtype(graph, dtype, out=out, layout=layout, device=device)
        return full(graph, sizes(graph, size, "the size"), fill)

    return impl


def _filled_like(fill):
    def impl(graph, a, dtype=None, order="K", subok=True, shape=None, *, device=None, layout=None,
             requires_grad=False, memory_format=None):
        _no_dtype(graph, dtype, shape=shape, device=device, layout=layout, memory_format=memory_format)
        return full_like(graph, a, fill)

    return impl


for _fill_value, _word in ((1, "ones"), (0, "zeros")):
    register(_numpy_filled(_fill_value), f"numpy.{_word}")
    register(_torch_filled(_fill_value), f"torch.{_word}")
    register(_filled_like(_fill_value), f"numpy.{_word}_like", f"torch.{_word}_like")


@defop("numpy.full")
def np_full(graph, shape, fill_value, dtype=None, order="C", *, device=None, like=None):
    _no_dtype(graph, dtype, device=device, like=like)
    return full(graph, sizes(graph, (shape,), "the shape"), fill_value)


@defop("torch.full")
def torch_full(graph, size, fill_value, *, out=None, dtype=None, layout=None, device=None, requires_grad=False):
    _no_dtype(graph, dtype, out=out, layout=layout, device=device)
    return full(graph, sizes(graph, (size,), "the size"), fill_value)


@defop("numpy.full_like", "torch.full_like")
def np_full_like(graph, a, fill_value, dtype=None, order="K", subok=True, shape=None, *, device=None,
                 layout=None, requires_grad=False, memory_format=None):
    _no_dtype(graph, dtype, shape=shape, device=device, layout=layout, memory_format=memory_format)
    return full_like(graph, a, fill_value)


_EMPTY = ("numpy.empty", "numpy.empty_like", "torch.empty", "torch.empty_like")
REFUSED.update(_EMPTY)


@defop(*_EMPTY)
def empty(graph, *args, **kwargs):
    raise UnsupportedSyntaxError("an uninitialized array has no value to compute with", location=graph.location,
                                 hint="Use np.zeros / np.zeros_like (or torch.zeros) instead.")


def eye(graph, n, m, k) -> Value:
    n = size(graph, constant(graph, n, "the number of rows"), "the number of rows")
    m = n if m is None else size(graph, constant(graph, m, "the number of columns"), "the number of columns")
    k = constant(graph, k, "the diagonal")
    if not isinstance(k, int) or isinstance(k, bool):
        raise graph.shape_error(f"the diagonal must be an integer, not {k!r}", hint="e.g. k=1 above, k=-1 below.")
    return P.Eye.build(dtype_source(graph), n, m, k, label="eye", stem="eye")


@defop("numpy.eye")
def np_eye(graph, N, M=None, k=0, dtype=None, order="C", *, device=None, like=None):
    _no_dtype(graph, dtype, device=device, like=like)
    return eye(graph, N, M, k)


@defop("numpy.identity")
def np_identity(graph, n, dtype=None, *, like=None):
    _no_dtype(graph, dtype, like=like)
    return eye(graph, n, None, 0)


@defop("torch.eye")
def torch_eye(graph, n, m=None, *, out=None, dtype=None, layout=None, device=None, requires_grad=False):
    _no_dtype(graph, dtype, out=out, layout=layout, device=device)
    return eye(graph, n, m, 0)


def _number(graph, value, what: str):
    value = constant(graph, value, what)
    if isinstance(value, sp.Expr) and value.is_integer or isinstance(value, (int, float)) and not isinstance(value, bool):
        return value
    raise UnsupportedSyntaxError(f"{what} must be a number or a dimension, not {value!r}", location=graph.location,
                                 hint="Write the bounds as numbers in the source.")


def arange(graph, start, stop, step) -> Value:
    if stop is None:
        start, stop = 0, start
    start, stop, step = (_number(graph, v, w) for v, w in ((start, "the start"), (stop, "the stop"), (step, "the step")))
    if step == 0:
        raise graph.shape_error("the step of `arange` must not be 0", hint="Give a positive or negative step.")
    if all(isinstance(v, (int, float)) for v in (start, stop, step)):
        length = sp.Integer(max(0, math.ceil((stop - start) / step)))
    elif step == 1:
        length = sp.sympify(stop - start)
    else:
        raise UnsupportedSyntaxError("`arange` with a dimension takes step 1", location=graph.location,
                                     hint="Scale an `arange` of step 1 instead.")
    return P.Arange.build(dtype_source(graph), start, stop, step, length, label="arange")


@defop("numpy.arange")
def np_arange(graph, start, stop=None, step=1, dtype=None, *, device=None, like=None):
    _no_dtype(graph, dtype, device=device, like=like)
    return arange(graph, start, stop, step)


@defop("torch.arange")
def torch_arange(graph, start, end=None, step=1, *, out=None, dtype=None, layout=None, device=None,
                 requires_grad=False):
    _no_dtype(graph, dtype, out=out, layout=layout, device=device)
    return arange(graph, start, end, step)


def linspace(graph, start, stop, num, endpoint=True) -> Value:
    start, stop = _number(graph, start, "the start"), _number(graph, stop, "the stop")
    num = size(graph, constant(graph, num, "the number of samples"), "the number of samples")
    return P.Linspace.build(dtype_source(graph), start, stop, num, bool(constant(graph, endpoint, "`endpoint`")),
                            label="linspace")


@defop("numpy.linspace")
def np_linspace(graph, start, stop, num=50, endpoint=True, retstep=False, dtype=None, axis=0, *, device=None):
    _no_dtype(graph, dtype, device=device)
    constant(graph, retstep, "`retstep`", allowed=(False,))
    constant(graph, axis, "`axis`", allowed=(0,))
    return linspace(graph, start, stop, num, endpoint)


@defop("torch.linspace")
def torch_linspace(graph, start, end, steps, *, out=None, dtype=None, layout=None, device=None,
                   requires_grad=False):
    _no_dtype(graph, dtype, out=out, layout=layout, device=device)
    return linspace(graph, start, end, steps)


EXAMPLES.extend([
    example("a * np.ones((3, 4)) + np.zeros(4) + np.full((3, 1), 2.5) + np.ones_like(a) + np.zeros_like(a)"
            " + np.full_like(a, 0.5) + np.ones([1, 4])", a=(3, 4)),
    example("a * torch.ones(3, 4) + torch.zeros((4,)) + torch.full((3, 1), 2.5) + torch.ones_like(a)"
            " + torch.zeros_like(a) + torch.full_like(a, 0.5) + torch.ones([4])", a=(3, 4)),
    example("np.full((2, 3), a) + np.full_like(b, a) * b", a=(), b=(2, 3)),
    example("a @ np.eye(3) + np.eye(2, 3) + np.eye(2, 3, k=1) * a + np.identity(3).sum(0)",
            a=(2, 3)),
    example("a * torch.eye(2, 3) + torch.eye(3).sum(0)", a=(2, 3)),
    example("a * np.arange(4) + np.arange(1, 5) + np.arange(0, 2, 0.5) * a + np.arange(4.0)", a=(3, 4)),
    example("a * torch.arange(4) + torch.arange(1, 5) + torch.arange(0, 2, 0.5) * a", a=(3, 4)),
    example("a * np.linspace(0, 1, 5) + np.linspace(-1, 1, num=5, endpoint=False)", a=(5,)),
    example("a * torch.linspace(0, 1, 5) + torch.linspace(-1, 1, steps=5)", a=(5,)),
])
