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
from .ir import Value, matmul
from .scalar import softplus
from .shapes import format_shape


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
    """`value` as an array operand: numbers become constants; anything else is refused."""
    if isinstance(value, Value):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
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


@defop("operator.add", "numpy.add")
def add(graph, input, other):
    return array(graph, input, "the first operand") + array(graph, other, "the second operand")


@defop("torch.add")
def torch_add(graph, input, other, *, alpha=1, out=None):
    constant(graph, out, "`out`", allowed=(None,))
    other = array(graph, other, "`other`")
    return array(graph, input, "`input`") + (other if alpha == 1 else other * constant(graph, alpha, "`alpha`"))


@defop("operator.sub", "numpy.subtract")
def sub(graph, input, other):
    return array(graph, input, "the first operand") - array(graph, other, "the second operand")


@defop("operator.mul", "numpy.multiply")
def mul(graph, input, other):
    return array(graph, input, "the first operand") * array(graph, other, "the second operand")


@defop("operator.truediv", "numpy.divide")
def truediv(graph, input, other):
    return array(graph, input, "the first operand") / array(graph, other, "the second operand")


@defop("operator.pow")
def power(graph, input, exponent):
    if isinstance(exponent, Value):
        raise UnsupportedSyntaxError(
            "the exponent of `**` must be a number",
            location=graph.location,
            hint="Write `np.exp(b * np.log(a))` for a variable exponent.",
        )
    return array(graph, input, "the base") ** exponent


@defop("operator.neg")
def neg(graph, input):
    return -array(graph, input, "the operand")


@defop("operator.pos")
def pos(graph, input):
    return array(graph, input, "the operand")


# -- matrix products -------------------------------------------------------------------------


@defop("operator.matmul", "numpy.matmul", "numpy.dot", "torch.matmul")
def matrix_product(graph, input, other):
    return matmul(array(graph, input, "the first operand"), array(graph, other, "the second operand"))


def _ranked_product(name: str, ranks: tuple[int, int]):
    def impl(graph, input, other):
        a, b = array(graph, input, "`input`"), array(graph, other, "`other`")
        if (a.ndim, b.ndim) != ranks:
            raise graph.shape_error(
                f"`{name}` takes a {ranks[0]}-D and a {ranks[1]}-D array; got `{a.label}` of shape "
                f"{format_shape(a.shape)} and `{b.label}` of shape {format_shape(b.shape)}",
                hint="`torch.matmul` (or `@`) accepts every combination of 1-D and 2-D arrays.",
            )
        return matmul(a, b)

    return impl


register(_ranked_product("torch.mm", (2, 2)), "torch.mm")
register(_ranked_product("torch.mv", (2, 1)), "torch.mv")
register(_ranked_product("torch.dot", (1, 1)), "torch.dot")


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
        f"{what}: the target `{target.label}` has shape {format_shape(target.shape)} but the input "
        f"`{input.label}` has shape {format_shape(input.shape)}; they must be the same",
        hint="torch requires target.size() == input.size() here.",
    )


def _torch_bce_signature(input, target, weight=None, size_average=None, reduce=None, reduction="mean",
                         pos_weight=None):
    """torch.nn.functional.binary_cross_entropy_with_logits."""


@defop("torch.nn.functional.binary_cross_entropy_with_logits", like=_torch_bce_signature)
def binary_cross_entropy_with_logits(graph, input, target, weight=None, size_average=None, reduce=None,
                                     reduction="mean", pos_weight=None):
    for legacy in (size_average, reduce):
        if legacy is not None:
            raise UnsupportedSyntaxError(
                "`size_average` and `reduce` are deprecated in torch and not supported",
                location=graph.location,
                hint="Use reduction='mean', 'sum' or 'none'.",
            )
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
