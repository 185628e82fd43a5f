"""The functions and operators symdiff understands, by canonical dotted name.

Each entry is the function's signature (so calls bind exactly as in numpy or torch) and an
implementation written with the IR's numpy-like `Value`s. Adding an operation means adding one
function here; its gradient comes from the rule table (`rules`) or from SymPy's scalar calculus.
"""
from __future__ import annotations

import inspect
from dataclasses import dataclass
from typing import Callable

import sympy as sp

from . import functional
from .errors import UnsupportedSyntaxError
from .ir import Value, elementwise, matmul, normalize_axes
from .scalar import absolute, log1p, maximum, minimum, relu, sigmoid, softplus, stop_gradient


@dataclass(frozen=True)
class Op:
    name: str
    impl: Callable
    signature: inspect.Signature

    def __call__(self, graph, args, kwargs):
        try:
            bound = self.signature.bind(*args, **kwargs)
        except TypeError as exc:
            raise UnsupportedSyntaxError(
                f"bad arguments to `{self.name}`: {exc}",
                location=graph.location,
                hint=f"`{self.name}` takes {self.signature}.",
            ) from None
        bound.apply_defaults()
        return self.impl(graph, **bound.arguments)


OPS: dict[str, Op] = {}


def register(impl: Callable, *names: str, like: Callable | None = None) -> Callable:
    """Register `impl(graph, ...)` under `names`, binding calls with `like`'s signature (or impl's)."""
    signature = inspect.signature(like or impl)
    if like is None:
        signature = signature.replace(parameters=list(signature.parameters.values())[1:])
    for name in names:
        OPS[name] = Op(name, impl, signature)
    return impl


def defop(*names: str, like: Callable | None = None):
    return lambda impl: register(impl, *names, like=like)


def array(graph, value, what: str) -> Value:
    """`value` as an array operand: numbers and dimensions (`x.shape[0]`, a SymPy expression of
    dimension symbols) become constants; anything else is refused."""
    if isinstance(value, Value):
        return value
    if isinstance(value, (int, float, sp.Expr)) and not isinstance(value, bool):
        return graph.const(value)
    raise UnsupportedSyntaxError(
        f"{what} must be an array or a number, not {value!r}", location=graph.location
    )


def constant(graph, value, what: str, allowed=None):
    """`value` as a compile-time constant (an axis, a reduction...)."""
    if isinstance(value, Value) or (allowed is not None and value not in allowed):
        expected = "a constant" if allowed is None else " or ".join(repr(a) for a in allowed)
        raise UnsupportedSyntaxError(f"{what} must be {expected}", location=graph.location)
    return value


# -- arithmetic ------------------------------------------------------------------------------


@defop("operator.add", "numpy.add", "method.add", "method.__add__")
def add(graph, input, other):
    return array(graph, input, "the first operand") + array(graph, other, "the second operand")


@defop("torch.add")
def torch_add(graph, input, other, *, alpha=1, out=None):
    constant(graph, out, "`out`", allowed=(None,))
    other = array(graph, other, "`other`")
    return array(graph, input, "`input`") + (other if alpha == 1 else other * constant(graph, alpha, "`alpha`"))


@defop("torch.sub", "torch.subtract")
def torch_sub(graph, input, other, *, alpha=1, out=None):
    constant(graph, out, "`out`", allowed=(None,))
    other = array(graph, other, "`other`")
    return array(graph, input, "`input`") - (other if alpha == 1 else other * constant(graph, alpha, "`alpha`"))


@defop("operator.sub", "numpy.subtract", "method.sub", "method.__sub__")
def sub(graph, input, other):
    return array(graph, input, "the first operand") - array(graph, other, "the second operand")


@defop("operator.mul", "numpy.multiply", "torch.mul", "torch.multiply", "method.mul", "method.__mul__")
def mul(graph, input, other):
    return array(graph, input, "the first operand") * array(graph, other, "the second operand")


@defop("operator.truediv", "numpy.divide", "numpy.true_divide", "torch.div", "torch.divide", "torch.true_divide",
       "method.div", "method.__truediv__")
def truediv(graph, input, other):
    return array(graph, input, "the first operand") / array(graph, other, "the second operand")


@defop("operator.pow", "numpy.power", "torch.pow", "method.pow", "method.__pow__")
def power(graph, input, exponent):
    if isinstance(exponent, Value):
        raise UnsupportedSyntaxError(
            "the exponent of `**` must be a number",
            location=graph.location,
            hint="Write `np.exp(b * np.log(a))` for a variable exponent.",
        )
    return array(graph, input, "the base") ** exponent


@defop("operator.neg", "numpy.negative", "torch.neg", "torch.negative", "method.neg", "method.__neg__")
def neg(graph, input):
    return -array(graph, input, "the operand")


@defop("numpy.square", "torch.square", "method.square")
def square(graph, input):
    return array(graph, input, "the operand") ** 2


@defop("operator.pos")
def pos(graph, input):
    return array(graph, input, "the operand")


# -- matrix products -------------------------------------------------------------------------


@defop("operator.matmul", "numpy.matmul", "numpy.dot", "torch.matmul", "method.matmul", "method.dot",
       "method.__matmul__")
def matrix_product(graph, input, other):
    return matmul(array(graph, input, "the first operand"), array(graph, other, "the second operand"))


def _ranked_product(name: str, ranks: tuple[int, int]):
    def impl(graph, input, other):
        a, b = array(graph, input, "`input`"), array(graph, other, "`other`")
        if (a.ndim, b.ndim) != ranks:
            raise graph.shape_error(
                f"`{name}` takes a {ranks[0]}-D and a {ranks[1]}-D array; got `{a.label}` of shape "
                f"{a.shape_text} and `{b.label}` of shape {b.shape_text}",
                hint="`torch.matmul` (or `@`) accepts every combination of 1-D and 2-D arrays.",
            )
        return matmul(a, b)

    return impl


register(_ranked_product("torch.mm", (2, 2)), "torch.mm", "method.mm")
register(_ranked_product("torch.mv", (2, 1)), "torch.mv", "method.mv")
register(_ranked_product("torch.dot", (1, 1)), "torch.dot")


# -- elementwise functions ------------------------------------------------------------------


def _unary(fn):
    def impl(graph, input):
        return array(graph, input, "the argument").apply(fn)

    return impl


for _fn, _names in (
    (sp.exp, ("numpy.exp", "torch.exp", "method.exp")),
    (sp.log, ("numpy.log", "torch.log", "method.log")),
    (log1p, ("numpy.log1p", "torch.log1p", "method.log1p")),
    (sp.sqrt, ("numpy.sqrt", "torch.sqrt", "method.sqrt")),
    (sp.tanh, ("numpy.tanh", "torch.tanh", "torch.nn.functional.tanh", "method.tanh")),
    (absolute, ("numpy.abs", "numpy.absolute", "torch.abs", "torch.absolute", "method.abs", "builtins.abs",
              "method.__abs__")),
    (sigmoid, ("symdiff.functional.sigmoid", "torch.sigmoid", "torch.nn.functional.sigmoid", "scipy.special.expit",
               "method.sigmoid")),
    (relu, ("symdiff.functional.relu", "torch.relu", "method.relu")),
    (softplus, ("symdiff.functional.softplus",)),
    (lambda u: -softplus(-u), ("symdiff.functional.logsigmoid", "torch.nn.functional.logsigmoid")),
):
    register(_unary(_fn), *_names)


@defop("symdiff.stop_gradient", "symdiff.functional.stop_gradient", "method.detach", "torch.detach")
def stop_gradient_op(graph, x):
    return array(graph, x, "the argument").apply(stop_gradient)


@defop("torch.nn.functional.relu")
def torch_relu(graph, input, inplace=False):
    return array(graph, input, "`input`").apply(relu)


@defop("torch.nn.functional.softplus")
def torch_softplus(graph, input, beta=1, threshold=20):
    """log(1 + exp(beta*x))/beta; torch's linear branch above `threshold` differs by under 1e-8."""
    x = array(graph, input, "`input`")
    beta = constant(graph, beta, "`beta`")
    return x.apply(softplus) if beta == 1 else (x * beta).apply(softplus) / beta


def _is_zero(v) -> bool:
    return not isinstance(v, Value) and v == 0 or isinstance(v, Value) and v.expr == 0


def _extremum(fn, zero_case):
    def impl(graph, input, other):
        if _is_zero(other) and zero_case is not None:
            return zero_case(array(graph, input, "the first argument"))
        a, b = array(graph, input, "the first argument"), array(graph, other, "the second argument")
        return elementwise(fn, a, b, label=f"{fn.__name__}({a.label}, {b.label})")

    return impl


# np.maximum(x, 0) is relu (derivative 0 at 0, as torch.relu); between arrays, ties split the
# gradient in half, as torch.maximum does.
register(_extremum(maximum, lambda x: x.apply(relu)), "numpy.maximum", "torch.maximum", "method.maximum")
register(_extremum(minimum, None), "numpy.minimum", "torch.minimum", "method.minimum")


# -- array operations ----------------------------------------------------------------------


@defop("numpy.transpose")
def np_transpose(graph, a, axes=None):
    x = array(graph, a, "the array")
    if axes is not None and tuple(axes) != tuple(range(x.ndim))[::-1]:
        raise UnsupportedSyntaxError("only the full reversal of axes is supported", location=graph.location,
                                     hint="Use np.transpose(x) or x.T on 2-D arrays.")
    return x.T


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


# -- softmax and friends, stable: the maximum is subtracted first ---------------------------


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


# -- losses ----------------------------------------------------------------------------------


def reduce_loss(graph, loss: Value, reduction) -> Value:
    """torch's `reduction`: the mean or sum over every element, or the elementwise loss."""
    constant(graph, reduction, "`reduction`", allowed=("mean", "sum", "none"))
    if reduction == "none":
        return loss
    total = loss.sum()
    return total / sp.Mul(*loss.shape) if reduction == "mean" else total


def same_shape(graph, what: str, input: Value, target: Value) -> None:
    """torch's losses require the target to have the input's shape exactly."""
    if input.ndim == target.ndim and all(
        graph.dims.equal(a, b) is not None for a, b in zip(input.shape, target.shape)
    ):
        return
    raise graph.shape_error(
        f"{what}: the target `{target.label}` has shape {target.shape_text} but the input "
        f"`{input.label}` has shape {input.shape_text}; they must be the same",
        hint="torch requires target.size() == input.size() here.",
    )


def _torch_bce_signature(input, target, weight=None, size_average=None, reduce=None, reduction="mean",
                         pos_weight=None):
    """torch.nn.functional.binary_cross_entropy_with_logits."""


@defop("torch.nn.functional.binary_cross_entropy_with_logits", like=_torch_bce_signature)
def binary_cross_entropy_with_logits(graph, input, target, weight=None, size_average=None, reduce=None,
                                     reduction="mean", pos_weight=None):
    _no_legacy(graph, size_average, reduce)
    z = array(graph, input, "`input`")
    y = array(graph, target, "`target`")
    same_shape(graph, "binary_cross_entropy_with_logits", z, y)
    if pos_weight is None:
        loss = z.apply(softplus) - z * y
    else:
        log_weight = 1 + (array(graph, pos_weight, "`pos_weight`") - 1) * y
        loss = (1 - y) * z + log_weight * (-z).apply(softplus)
    if weight is not None:
        loss = loss * array(graph, weight, "`weight`")
    return reduce_loss(graph, loss, reduction)


register(
    binary_cross_entropy_with_logits,
    "symdiff.functional.binary_cross_entropy_with_logits",
    like=functional.binary_cross_entropy_with_logits,
)


def _torch_mse_signature(input, target, size_average=None, reduce=None, reduction="mean"):
    """torch.nn.functional.mse_loss."""


@defop("torch.nn.functional.mse_loss", like=_torch_mse_signature)
def mse_loss(graph, input, target, size_average=None, reduce=None, reduction="mean"):
    _no_legacy(graph, size_average, reduce)
    return reduce_loss(graph, (array(graph, input, "`input`") - array(graph, target, "`target`")) ** 2, reduction)


register(mse_loss, "symdiff.functional.mse_loss", like=functional.mse_loss)


def _torch_cross_entropy_signature(input, target, weight=None, size_average=None, ignore_index=-100, reduce=None,
                                   reduction="mean", label_smoothing=0.0):
    """torch.nn.functional.cross_entropy."""


@defop("torch.nn.functional.cross_entropy", like=_torch_cross_entropy_signature)
def cross_entropy(graph, input, target, weight=None, size_average=None, ignore_index=-100, reduce=None,
                  reduction="mean", label_smoothing=0.0):
    """Cross-entropy with class-probability targets over the last axis, as torch computes it."""
    _no_legacy(graph, size_average, reduce)
    x = array(graph, input, "`input`")
    y = array(graph, target, "`target`")
    if x.ndim not in (1, 2):
        raise graph.shape_error(f"cross_entropy takes (C,) or (N, C) logits, not shape {x.shape_text}")
    if y.ndim != x.ndim:
        raise graph.shape_error(
            f"cross_entropy: the target `{y.label}` has shape {y.shape_text}; symdiff supports class "
            f"probabilities of the input's shape {x.shape_text}",
            hint="Pass one-hot (or soft) targets, e.g. np.eye(C)[labels].",
        )
    same_shape(graph, "cross_entropy", x, y)
    smoothing = constant(graph, label_smoothing, "`label_smoothing`")
    if smoothing:
        y = y * (1 - smoothing) + smoothing / x.shape[-1]
    terms = y * log_softmax(x, x.ndim - 1)
    if weight is not None:
        terms = terms * array(graph, weight, "`weight`")
    loss = -terms.sum(axis=x.ndim - 1)
    constant(graph, reduction, "`reduction`", allowed=("mean", "sum", "none"))
    if reduction == "mean":  # torch divides by the number of samples for probability targets
        return loss.sum() / (x.shape[0] if x.ndim == 2 else 1)
    return reduce_loss(graph, loss, reduction)


register(cross_entropy, "symdiff.functional.cross_entropy", like=functional.cross_entropy)


def _no_legacy(graph, size_average, reduce):
    if size_average is not None or reduce is not None:
        raise UnsupportedSyntaxError(
            "`size_average` and `reduce` are deprecated in torch and not supported",
            location=graph.location,
            hint="Use reduction='mean', 'sum' or 'none'.",
        )
