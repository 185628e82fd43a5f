"""Reductions over axes: sum, mean, max and min (ties share the derivative), prod, var and std,
weighted averages, and the cumulative sum and product."""
from __future__ import annotations

from typing import NamedTuple

import sympy as sp

from . import EXAMPLES, Unavailable, array, constant, defop, example, refuse, register
from ..errors import UnsupportedSyntaxError
from ..ir import Value, elementwise, normalize_axes
from ..primitives import CumProd, CumSum, ReduceMax, ReduceMin, ReduceNorm, ReduceProd
from ..scalar import maximum, minimum


def _axes(graph, axis, dim):
    if axis is not None and dim is not None:
        raise UnsupportedSyntaxError("give `axis` or `dim`, not both", location=graph.location)
    return constant(graph, axis if dim is None else dim, "the axis")


def unsupported(graph, **arguments) -> None:
    """Refuse the arguments of numpy's and torch's reductions that symdiff does not take (`out`,
    `dtype`, `where`, `initial`...), unless left at None."""
    for name, value in arguments.items():
        if value is not None:
            raise UnsupportedSyntaxError(
                f"`{name}=` is not supported here", location=graph.location,
                hint=f"Leave out `{name}=`: the reduction runs over the whole input, in its own dtype.")


def _size(x: Value, axes: tuple) -> sp.Expr:
    return sp.Mul(*(x.shape[i] for i in axes))


# -- sum and mean ------------------------------------------------------------------------------


def reduce_sum(graph, a, axis, keepdims, mean: bool) -> Value:
    x = array(graph, a, "the array")
    axes = normalize_axes(graph, axis, x.ndim)
    total = x.sum(axis=axes, keepdims=bool(constant(graph, keepdims, "keepdims")))
    return total / _size(x, axes) if mean else total


def _numpy_reduction(mean: bool):
    def impl(graph, a, axis=None, dtype=None, out=None, keepdims=False):
        unsupported(graph, dtype=dtype, out=out)
        return reduce_sum(graph, a, axis, keepdims, mean)

    return impl


def _torch_reduction(mean: bool):
    def impl(graph, input, dim=None, keepdim=False, *, dtype=None):
        unsupported(graph, dtype=dtype)
        return reduce_sum(graph, input, dim, keepdim, mean)

    return impl


def _method_reduction(mean: bool):
    def impl(graph, self, axis=None, dtype=None, out=None, keepdims=False, *, dim=None, keepdim=False):
        unsupported(graph, dtype=dtype, out=out)
        return reduce_sum(graph, self, _axes(graph, axis, dim), keepdims or keepdim, mean)

    return impl


for _mean, _word in ((False, "sum"), (True, "mean")):
    register(_numpy_reduction(_mean), f"numpy.{_word}")
    register(_torch_reduction(_mean), f"torch.{_word}")
    register(_method_reduction(_mean), f"method.{_word}")


# -- max, min and prod -------------------------------------------------------------------------


def reduce(graph, op, a, axis, keepdims) -> Value:
    """The primitive reduction `op` (ReduceMax, ReduceMin, ReduceProd) of `a` over `axis`."""
    x = array(graph, a, "the array")
    axes = normalize_axes(graph, axis, x.ndim)
    if not axes:
        return x
    keepdims = bool(constant(graph, keepdims, "keepdims"))
    return op.build(x, axes, keepdims, label=f"{op.method}({x.label})", stem=_STEMS[op])


_STEMS = {ReduceMax: "largest", ReduceMin: "smallest", ReduceProd: "product"}
_EXTREMA = {"max": ReduceMax, "amax": ReduceMax, "min": ReduceMin, "amin": ReduceMin}
_ELEMENTWISE = {ReduceMax: maximum, ReduceMin: minimum}


def _numpy_extremum(op):
    def impl(graph, a, axis=None, out=None, keepdims=False, initial=None, where=None):
        unsupported(graph, out=out, initial=initial, where=where)
        return reduce(graph, op, a, axis, keepdims)

    return impl


def _torch_amax(op):
    def impl(graph, input, dim=(), keepdim=False, *, out=None):
        unsupported(graph, out=out)
        return reduce(graph, op, input, None if dim == () else dim, keepdim)

    return impl


class ValuesIndices(NamedTuple):
    """What torch.max(x, dim) returns: `.values` (or `[0]`, or `values, _ = ...`) and `.indices`."""

    values: Value
    indices: Unavailable


def _values_indices(graph, op, input, dim, keepdim) -> ValuesIndices:
    word = op.method
    return ValuesIndices(reduce(graph, op, input, dim, keepdim), Unavailable(
        f"the indices of `torch.{word}(x, dim)`, which symdiff does not compute (they have no gradient)",
        f"Compute them outside the function (`x.arg{word}(dim)`) and pass them in."))


def _torch_max(op):
    """torch.max(x), torch.max(x, dim) (values and indices) and torch.max(x, other) (elementwise)."""

    def impl(graph, input, dim=None, keepdim=False, *, other=None, out=None):
        unsupported(graph, out=out)
        if isinstance(dim, Value) or other is not None:
            a, b = array(graph, input, "`input`"), array(graph, dim if other is None else other, "`other`")
            return _elementwise_extremum(op, a, b)
        if dim is None:
            return reduce(graph, op, input, dim, keepdim)
        return _values_indices(graph, op, input, dim, keepdim)

    return impl


def _elementwise_extremum(op, a: Value, b: Value) -> Value:
    fn = _ELEMENTWISE[op]
    return elementwise(fn, a, b, label=f"{fn.__name__}({a.label}, {b.label})")


def _method_extremum(op):
    def impl(graph, self, axis=None, out=None, keepdims=False, initial=None, where=None, *, dim=None,
             keepdim=False):
        unsupported(graph, out=out, initial=initial, where=where)
        if isinstance(axis, Value):  # torch's x.max(other)
            return _elementwise_extremum(op, array(graph, self, "the array"), axis)
        if dim is not None:  # torch's x.max(dim=1): values and indices
            return _values_indices(graph, op, self, dim, keepdim)
        return reduce(graph, op, self, axis, keepdims or keepdim)

    return impl


for _word, _op in _EXTREMA.items():
    register(_numpy_extremum(_op), f"numpy.{_word}")
    register((_torch_amax if _word.startswith("a") else _torch_max)(_op), f"torch.{_word}")
    register(_torch_amax(_op) if _word.startswith("a") else _method_extremum(_op), f"method.{_word}")


@defop("attribute.values")
def values(graph, input):
    """`x.max(1).values`, where `x.max(1)` reads as numpy's maxima along axis 1 (torch's pair)."""
    node = graph.nodes.get(input.expr) if isinstance(input, Value) else None
    if node is None or not isinstance(node.definition, ReduceMax):
        raise UnsupportedSyntaxError("`.values` is supported on the result of torch.max or torch.min",
                                     location=graph.location, hint="Use the array itself.")
    return input


@defop("numpy.prod")
def np_prod(graph, a, axis=None, dtype=None, out=None, keepdims=False, initial=None, where=None):
    unsupported(graph, dtype=dtype, out=out, initial=initial, where=where)
    return reduce(graph, ReduceProd, a, axis, keepdims)


@defop("torch.prod")
def torch_prod(graph, input, dim=None, keepdim=False, *, dtype=None):
    unsupported(graph, dtype=dtype)
    return reduce(graph, ReduceProd, input, dim, keepdim)


@defop("method.prod")
def method_prod(graph, self, axis=None, dtype=None, out=None, keepdims=False, initial=None, where=None, *,
                dim=None, keepdim=False):
    unsupported(graph, dtype=dtype, out=out, initial=initial, where=where)
    return reduce(graph, ReduceProd, self, _axes(graph, axis, dim), keepdims or keepdim)


# -- var and std ---------------------------------------------------------------------------


def variance(graph, a, axis, ddof, keepdims, std: bool) -> Value:
    """The variance (or its square root) over `axis`, dividing by the count minus `ddof`; the
    gradient of the standard deviation of constant data is 0, as in torch."""
    x = array(graph, a, "the array")
    axes = normalize_axes(graph, axis, x.ndim)
    ddof = constant(graph, ddof, "the correction (`ddof`)")
    if not isinstance(ddof, (int, float)):
        raise UnsupportedSyntaxError(f"the correction must be a number, not {ddof!r}", location=graph.location)
    centered = x - x.sum(axis=axes, keepdims=True) / _size(x, axes)
    keepdims = bool(constant(graph, keepdims, "keepdims"))
    if std:
        return ReduceNorm.build(centered, axes, keepdims, label=f"norm({x.label})", stem="norm") \
            / sp.sqrt(_size(x, axes) - ddof)
    return (centered**2).sum(axis=axes, keepdims=keepdims) / (_size(x, axes) - ddof)


def _correction(graph, unbiased, correction) -> float:
    """torch's correction: `correction`, else 1 for `unbiased` (the default), else 0."""
    if unbiased is not None and correction is not None:
        raise UnsupportedSyntaxError("give `unbiased` or `correction`, not both", location=graph.location)
    if correction is not None:
        return correction
    return 0 if constant(graph, unbiased, "`unbiased`", allowed=(None, True, False)) is False else 1


def _numpy_variance(std: bool):
    def impl(graph, a, axis=None, dtype=None, out=None, ddof=0, keepdims=False, *, where=None, mean=None,
             correction=None):
        unsupported(graph, dtype=dtype, out=out, where=where, mean=mean)
        if correction is not None and ddof != 0:
            raise UnsupportedSyntaxError("give `ddof` or `correction`, not both", location=graph.location)
        return variance(graph, a, axis, ddof if correction is None else correction, keepdims, std)

    return impl


def _torch_variance(std: bool):
    def impl(graph, input, dim=None, unbiased=None, keepdim=False, *, correction=None, out=None):
        unsupported(graph, out=out)
        if isinstance(dim, bool):  # torch.var(x, False): the legacy `unbiased` in first place
            dim, unbiased = None, dim
        return variance(graph, input, dim, _correction(graph, unbiased, correction), keepdim, std)

    return impl


def _method_variance(std: bool):
    """x.var() in numpy divides by N, in torch by N - 1: the arguments must say which is meant."""
    word = "std" if std else "var"

    def impl(graph, self, axis=None, dtype=None, out=None, ddof=None, keepdims=None, *, dim=None, unbiased=None,
             keepdim=None, correction=None, where=None, mean=None):
        unsupported(graph, dtype=dtype, out=out, where=where, mean=mean)
        if ddof is not None and correction is not None:
            raise UnsupportedSyntaxError("give `ddof` or `correction`, not both", location=graph.location)
        if ddof is None and correction is None and unbiased is None:
            torch_style, numpy_style = dim is not None or keepdim is not None, keepdims is not None
            if torch_style == numpy_style:
                raise UnsupportedSyntaxError(
                    f"`.{word}()` divides by N in numpy (ddof=0) and by N - 1 in torch (correction=1)",
                    location=graph.location,
                    hint=f"Say which: `x.{word}(ddof=0)` (numpy) or `x.{word}(correction=1)` (torch), or "
                         f"call np.{word} or torch.{word}.")
            ddof = 1 if torch_style else 0
        elif ddof is None:
            ddof = _correction(graph, unbiased, correction)
        return variance(graph, self, _axes(graph, axis, dim), ddof, bool(keepdims or keepdim), std)

    return impl


for _std, _word in ((False, "var"), (True, "std")):
    register(_numpy_variance(_std), f"numpy.{_word}")
    register(_torch_variance(_std), f"torch.{_word}")
    register(_method_variance(_std), f"method.{_word}")


@defop("numpy.average")
def np_average(graph, a, axis=None, weights=None, returned=False, *, keepdims=False):
    """sum(a * weights) / sum(weights) over `axis`; 1-D weights run along a single `axis`."""
    constant(graph, returned, "`returned`", allowed=(False,))
    if weights is None:
        return reduce_sum(graph, a, axis, keepdims, mean=True)
    x, w = array(graph, a, "the array"), array(graph, weights, "`weights`")
    axes = normalize_axes(graph, axis, x.ndim)
    if w.ndim != x.ndim:
        if w.ndim != 1 or len(axes) != 1 or graph.dims.equal(w.shape[0], x.shape[axes[0]]) is None:
            raise graph.shape_error(
                f"np.average: weights of shape {w.shape_text} for an array of shape {x.shape_text}",
                hint="Give weights of the array's shape, or 1-D weights along a single `axis`.")
        w = w.expand_dims(tuple(i for i in range(x.ndim) if i != axes[0]))
    keepdims = bool(constant(graph, keepdims, "keepdims"))
    return (x * w).sum(axis=axes, keepdims=keepdims) / w.sum(axis=axes, keepdims=keepdims)


# -- cumulative sums and products ------------------------------------------------------------------


def cumulative(graph, op, a, axis) -> Value:
    x = array(graph, a, "the array")
    if axis is None and x.ndim != 1:
        raise graph.shape_error(f"`{op.__name__.lower()}` without an axis flattens the array first",
                                hint="Give the axis, e.g. axis=-1 (dim=-1 in torch).")
    (axis,) = normalize_axes(graph, 0 if axis is None else constant(graph, axis, "the axis"), x.ndim)
    return op.build(x, axis, label=f"{op.__name__.lower()}({x.label})", stem=op.__name__.lower())


def _numpy_cumulative(op):
    def impl(graph, a, axis=None, dtype=None, out=None):
        unsupported(graph, dtype=dtype, out=out)
        return cumulative(graph, op, a, axis)

    return impl


def _torch_cumulative(op):
    def impl(graph, input, dim, *, dtype=None, out=None):
        unsupported(graph, dtype=dtype, out=out)
        return cumulative(graph, op, input, dim)

    return impl


def _method_cumulative(op):
    def impl(graph, self, axis=None, dtype=None, out=None, *, dim=None):
        unsupported(graph, dtype=dtype, out=out)
        return cumulative(graph, op, self, _axes(graph, axis, dim))

    return impl


for _op in (CumSum, CumProd):
    _word = _op.__name__.lower()
    register(_numpy_cumulative(_op), f"numpy.{_word}")
    register(_torch_cumulative(_op), f"torch.{_word}")
    register(_method_cumulative(_op), f"method.{_word}")


refuse(*(f"numpy.nan{w}" for w in ("sum", "mean", "max", "min", "prod", "var", "std", "cumsum", "cumprod")),
       "torch.nansum", "torch.nanmean",
       message="NaN-skipping reductions are not supported: their gradient depends on where the data holds NaN",
       hint="Remove or replace the missing values before the call, and use np.sum, np.mean, np.max...")


EXAMPLES.extend([
    example("np.sum(a) + np.mean(a) + a.sum() + a.mean()", a=(3, 4)),
    example("np.sum(a, axis=0) + np.mean(a, axis=-2) + a.sum(0) + a.mean(axis=(0,))", a=(3, 4)),
    example("np.sum(a, axis=(0, 2), keepdims=True) * a.mean(1, keepdims=True)", a=(2, 3, 4)),
    example("torch.sum(a, dim=1) + torch.mean(a, 1) + a.sum(dim=1, keepdim=False) + a.mean(dim=-1)", a=(3, 4)),
    # max and min
    example("np.max(a) + np.min(a) + np.amax(a) + np.amin(a) + a.max() + a.min()", a=(3, 4)),
    example("np.max(a, axis=0) + np.min(a, axis=-2) + a.max(0) + a.min(axis=0)", a=(3, 4), second_order=True),
    example("np.amax(a, axis=(0, 2), keepdims=True) * np.amin(a, 1, keepdims=True)", a=(2, 3, 4)),
    example("np.max(a) * np.min(a, axis=0, keepdims=True)", a=(5,)),
    example("torch.amax(a, dim=1) + torch.amin(a, 1) + a.amax(1) + a.amin(dim=-1) + torch.amax(a, (0, 1))",
            a=(3, 4)),
    example("torch.amax(a, 1, keepdim=True) + torch.amin(a) + a.amax() + a.amin(dim=(0, 1), keepdim=True)",
            a=(3, 4)),
    example("torch.max(a) + torch.min(a) + torch.max(a, 1).values + torch.min(a, dim=0).values.sum()"
            " + a.max(dim=1).values + a.min(1, keepdim=True).values.sum() + torch.max(a, 1)[0]"
            " + a.min(dim=1, keepdim=True)[0].sum()", a=(3, 4)),
    example("torch.max(a, b) + torch.min(a, other=b) + a.max(b) + a.min(b)", a=(3, 4), b=(4,)),
    # prod
    example("np.prod(a) + np.prod(a, axis=1).sum() + a.prod(0).sum() + a.prod(axis=(0, 1), keepdims=True)",
            a=(3, 4), second_order=True, domain="positive"),
    example("np.prod(a, axis=(0, 2), keepdims=True) * np.prod(a, axis=-1, keepdims=True)", a=(2, 3, 4)),
    example("torch.prod(a) + torch.prod(a, 1).sum() + a.prod(dim=0, keepdim=True).sum()", a=(3, 4)),
    # var and std
    example("np.var(a) + np.std(a) + np.var(a, axis=0, ddof=1).sum() + np.std(a, 1, keepdims=True)"
            " + np.var(a, correction=1) + a.var(ddof=0) + a.std(axis=(0, 1), ddof=2)", a=(3, 4),
            second_order=True),
    example("np.var(a, axis=(0, 2), keepdims=True) * np.std(a, axis=1, keepdims=True)", a=(2, 3, 4)),
    example("torch.var(a) + torch.std(a) + torch.var(a, 0).sum() + torch.std(a, dim=1, unbiased=False).sum()"
            " + torch.var(a, False) + torch.std(a, 1, keepdim=True, correction=0).sum()"
            " + a.var(dim=0).sum() + a.std(1, keepdim=True, unbiased=False).sum() + a.var(correction=2)",
            a=(3, 4)),
    # average
    example("np.average(a) + np.average(a, axis=1, weights=w).sum() + np.average(a, weights=a)", a=(3, 4),
            w=(4,), domain="positive"),
    example("np.average(a, axis=(0, 1), weights=w, keepdims=True)", a=(3, 4), w=(3, 4), domain="positive"),
    # cumulative
    example("np.cumsum(a, axis=1) + np.cumsum(a, 0) + a.cumsum(axis=-1) + np.cumprod(a, axis=1)"
            " + a.cumprod(0)", a=(3, 4), second_order=True),
    example("np.cumsum(a) + np.cumprod(a) + a.cumsum() + a.cumprod()", a=(5,), domain="positive"),
    example("torch.cumsum(a, 1) + torch.cumprod(a, dim=0) + a.cumsum(dim=1) + a.cumprod(dim=-1)", a=(2, 3, 4)),
])
