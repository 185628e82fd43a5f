"""Losses with torch semantics: BCE (of logits or probabilities), MSE, cross-entropy, L1, Huber, smooth L1,
KL divergence."""
from __future__ import annotations

import sympy as sp

from . import EXAMPLES, array, constant, defop, example, number, register
from .. import functional
from ..errors import UnsupportedSyntaxError
from ..indexing import index_array
from ..primitives.constants import arange
from ..primitives.gathers import Gather, Kept, SafeIndex
from ..ir import Value, elementwise
from ..scalar import absolute, clip_below, softplus, xlogy
from .softmax import log_softmax

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
    """Cross-entropy over the last axis, as torch computes it: with class indices (a target of one
    dimension fewer than the input) or class probabilities (the input's shape)."""
    _no_legacy(graph, size_average, reduce)
    x = array(graph, input, "`input`")
    y = array(graph, target, "`target`")
    if x.ndim not in (1, 2):
        raise graph.shape_error(f"cross_entropy takes (C,) or (N, C) logits, not shape {x.shape_text}")
    smoothing = constant(graph, label_smoothing, "`label_smoothing`")
    if y.ndim == x.ndim - 1:
        return class_index_loss(graph, log_softmax(x, x.ndim - 1), target, weight, ignore_index, reduction,
                                number(graph, smoothing, "`label_smoothing`"))
    if y.ndim != x.ndim:
        raise graph.shape_error(
            f"cross_entropy: the target `{y.label}` has shape {y.shape_text}; it must hold class indices "
            f"of shape {graph.dims.show(x.shape[:-1])} or class probabilities of the input's shape {x.shape_text}",
        )
    same_shape(graph, "cross_entropy", x, y)
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


def class_index_loss(graph, logp: Value, target, weight, ignore_index, reduction, smoothing=0) -> Value:
    """torch's nll_loss: -weight[t] * logp[t] per sample, for log-probabilities of shape (C,) or
    (N, C) and class indices `t` of shape () or (N,); targets equal to `ignore_index` count for
    nothing, and 'mean' divides by the total weight of the others. With cross_entropy's
    `label_smoothing` s, (1 - s) of that plus s times the weighted mean of -logp over the classes."""
    t = index_array(graph, target, "the class-index `target`")
    if logp.ndim not in (1, 2) or t.ndim != logp.ndim - 1 or (
            t.ndim and graph.dims.equal(t.shape[0], logp.shape[0]) is None):
        raise graph.shape_error(
            f"class-index targets: `{t.label}` has shape {t.shape_text} for the input `{logp.label}` of shape "
            f"{logp.shape_text}; give (N,) targets for (N, C) inputs, () for (C,)")
    ignore = constant(graph, ignore_index, "`ignore_index`")
    if not isinstance(ignore, int) or isinstance(ignore, bool):
        raise UnsupportedSyntaxError(f"`ignore_index` must be an integer, not {ignore!r}", location=graph.location)
    safe = SafeIndex.build(t, ignore, label=t.label, stem="classes")
    kept = Kept.build(t, logp, ignore, label=f"{t.label} != {ignore}", stem="kept")
    rows = [arange(graph, logp.shape[0])] if logp.ndim == 2 else []
    picked = Gather.build(logp, *rows, safe, 0, label=f"{logp.label}[{t.label}]", stem="picked")
    weights = kept
    if weight is not None:
        weight = array(graph, weight, "`weight`")
        weights = Gather.build(weight, safe, 0, stem="weights") * kept
    loss = -picked * weights
    if smoothing:
        spread = (logp if weight is None else logp * weight).sum(axis=logp.ndim - 1)
        loss = (1 - smoothing) * loss - smoothing / logp.shape[-1] * spread * kept
    constant(graph, reduction, "`reduction`", allowed=("mean", "sum", "none"))
    return loss.sum() / weights.sum() if reduction == "mean" else reduce_loss(graph, loss, reduction)


def _torch_nll_signature(input, target, weight=None, size_average=None, ignore_index=-100, reduce=None,
                         reduction="mean"):
    """torch.nn.functional.nll_loss."""


@defop("torch.nn.functional.nll_loss", like=_torch_nll_signature)
def nll_loss(graph, input, target, weight=None, size_average=None, ignore_index=-100, reduce=None,
             reduction="mean"):
    _no_legacy(graph, size_average, reduce)
    return class_index_loss(graph, array(graph, input, "`input`"), target, weight, ignore_index, reduction)


register(nll_loss, "symdiff.functional.nll_loss", like=functional.nll_loss)


def _torch_bce_probabilities_signature(input, target, weight=None, size_average=None, reduce=None,
                                       reduction="mean"):
    """torch.nn.functional.binary_cross_entropy."""


@defop("torch.nn.functional.binary_cross_entropy", like=_torch_bce_probabilities_signature)
def binary_cross_entropy(graph, input, target, weight=None, size_average=None, reduce=None, reduction="mean"):
    """-(y log p + (1 - y) log(1 - p)) of probabilities p, each log clamped at -100 as torch does."""
    _no_legacy(graph, size_average, reduce)
    p, y = array(graph, input, "`input`"), array(graph, target, "`target`")
    same_shape(graph, "binary_cross_entropy", p, y)
    loss = elementwise(lambda u, t: -(t * clip_below(sp.log(u), -100) + (1 - t) * clip_below(sp.log(1 - u), -100)),
                       p, y, label=f"binary_cross_entropy({p.label}, {y.label})")
    if weight is not None:
        loss = loss * array(graph, weight, "`weight`")
    return reduce_loss(graph, loss, reduction)


def _difference(graph, what: str, input, target) -> Value:
    x, y = array(graph, input, "`input`"), array(graph, target, "`target`")
    same_shape(graph, what, x, y)
    return x - y


def _torch_l1_signature(input, target, size_average=None, reduce=None, reduction="mean"):
    """torch.nn.functional.l1_loss."""


@defop("torch.nn.functional.l1_loss", like=_torch_l1_signature)
def l1_loss(graph, input, target, size_average=None, reduce=None, reduction="mean"):
    _no_legacy(graph, size_average, reduce)
    return reduce_loss(graph, _difference(graph, "l1_loss", input, target).apply(absolute), reduction)


def _torch_huber_signature(input, target, reduction="mean", delta=1.0):
    """torch.nn.functional.huber_loss."""


@defop("torch.nn.functional.huber_loss", like=_torch_huber_signature)
def huber_loss(graph, input, target, reduction="mean", delta=1.0):
    """Quadratic within `delta` of the target, linear beyond."""
    delta = number(graph, delta, "`delta`")
    d = _difference(graph, "huber_loss", input, target)
    loss = d.apply(lambda u: sp.Piecewise((u**2 / 2, absolute(u) < delta), (delta * (absolute(u) - delta / 2), True)))
    return reduce_loss(graph, loss, reduction)


def _torch_smooth_l1_signature(input, target, size_average=None, reduce=None, reduction="mean", beta=1.0):
    """torch.nn.functional.smooth_l1_loss."""


@defop("torch.nn.functional.smooth_l1_loss", like=_torch_smooth_l1_signature)
def smooth_l1_loss(graph, input, target, size_average=None, reduce=None, reduction="mean", beta=1.0):
    """huber_loss / beta: quadratic within `beta`, |d| - beta/2 beyond (|d| for beta = 0)."""
    _no_legacy(graph, size_average, reduce)
    beta = number(graph, beta, "`beta`")
    d = _difference(graph, "smooth_l1_loss", input, target)
    if beta == 0:
        return reduce_loss(graph, d.apply(absolute), reduction)
    loss = d.apply(lambda u: sp.Piecewise((u**2 / (2 * beta), absolute(u) < beta), (absolute(u) - beta / 2, True)))
    return reduce_loss(graph, loss, reduction)


def _torch_kl_div_signature(input, target, size_average=None, reduce=None, reduction="mean", log_target=False):
    """torch.nn.functional.kl_div."""


@defop("torch.nn.functional.kl_div", like=_torch_kl_div_signature)
def kl_div(graph, input, target, size_average=None, reduce=None, reduction="mean", log_target=False):
    """sum of target * (log(target) - input), `input` holding log-probabilities (and `target` too with
    `log_target`); 'batchmean' divides the sum by the batch size."""
    _no_legacy(graph, size_average, reduce)
    x, y = array(graph, input, "`input`"), array(graph, target, "`target`")
    same_shape(graph, "kl_div", x, y)
    if constant(graph, log_target, "`log_target`", allowed=(False, True)):
        loss = elementwise(lambda u, t: sp.exp(t) * (t - u), x, y)
    else:
        loss = elementwise(lambda u, t: xlogy(t, t) - t * u, x, y)
    constant(graph, reduction, "`reduction`", allowed=("mean", "batchmean", "sum", "none"))
    if reduction == "batchmean":
        return loss.sum() / (x.shape[0] if x.ndim else 1)
    return reduce_loss(graph, loss, reduction)


def _no_legacy(graph, size_average, reduce):
    if size_average is not None or reduce is not None:
        raise UnsupportedSyntaxError(
            "`size_average` and `reduce` are deprecated in torch and not supported",
            location=graph.location,
            hint="Use reduction='mean', 'sum' or 'none'.",
        )


EXAMPLES.extend([
    example("sf.binary_cross_entropy_with_logits(a, b) + sf.binary_cross_entropy_with_logits(a, b, weight=w,"
            " pos_weight=p, reduction='sum')", a=(3, 4), b=(3, 4), w=(4,), p=(4,), domain="positive"),
    example("F.binary_cross_entropy_with_logits(a, b, reduction='none', pos_weight=p) * w", a=(3, 4), b=(3, 4),
            w=(4,), p=(4,), domain="positive"),
    example("sf.mse_loss(a, b) + F.mse_loss(a, b, reduction='sum') + sf.mse_loss(a, b, reduction='none').sum()",
            a=(3, 4), b=(3, 4)),
    example("sf.cross_entropy(a, b) + sf.cross_entropy(a, b, weight=w, reduction='sum', label_smoothing=0.1)",
            a=(3, 4), b=(3, 4), w=(4,), domain="positive"),
    example("F.cross_entropy(a, b, reduction='none') + F.cross_entropy(a, b, label_smoothing=0.2)",
            a=(3, 4), b=(3, 4), domain="positive"),
    example("F.l1_loss(a, b) + F.l1_loss(a, b, reduction='sum') + F.l1_loss(a, b, reduction='none')", a=(3, 4),
            b=(3, 4)),
    example("F.huber_loss(a, b) + F.huber_loss(a, b, reduction='sum', delta=0.5) + F.huber_loss(a, b, 'none', 2.0)",
            second_order=True, a=(3, 4), b=(3, 4)),
    example("F.smooth_l1_loss(a, b) + F.smooth_l1_loss(a, b, reduction='sum', beta=0.5)"
            " + F.smooth_l1_loss(a, b, reduction='none', beta=0.0)", second_order=True, a=(2, 3, 4), b=(2, 3, 4)),
    example("F.kl_div(a, b) + F.kl_div(a, b, reduction='batchmean') + F.kl_div(a, b, reduction='sum')"
            " + F.kl_div(a, b, reduction='none')", second_order=True, a=(3, 4), b=(3, 4), domain="positive"),
    example("F.kl_div(a, b, log_target=True) + F.kl_div(a, b, reduction='batchmean', log_target=True)",
            a=(3, 4), b=(3, 4)),
    example("F.kl_div(a, b, reduction='batchmean')", a=(5,), b=(5,), domain="positive"),
    # class indices (t: 0 to C - 1; ignore_index picks some)
    example("F.nll_loss(a, t) + F.nll_loss(a, t, weight=w, reduction='sum') + F.nll_loss(a, t, ignore_index=1)",
            a=(5, 3), t=(5,), w=(3,), array_api=False, integers={"t": 3}, domain="positive"),
    example("F.nll_loss(a, t, weight=w, ignore_index=0) + F.nll_loss(a, t, reduction='none').sum()",
            a=(6, 3), t=(6,), w=(3,), array_api=False, integers={"t": 3}, domain="positive"),
    example("F.cross_entropy(a, t) + F.cross_entropy(a, t, weight=w, reduction='sum', ignore_index=2)",
            a=(5, 4), t=(5,), w=(4,), array_api=False, integers={"t": 4}, domain="positive", second_order=True),
    example("F.cross_entropy(a, t, reduction='none') * F.cross_entropy(a, t, weight=w)",
            a=(5, 4), t=(5,), w=(4,), array_api=False, integers={"t": 4}, domain="positive"),
    example("F.cross_entropy(a, t) + F.nll_loss(a, t)", a=(4,), t=(), array_api=False, integers={"t": 4}),
    example("F.cross_entropy(a, t, label_smoothing=0.1) + F.cross_entropy(a, t, weight=w, label_smoothing=0.2,"
            " ignore_index=1) + F.cross_entropy(a, t, reduction='none', label_smoothing=0.3).sum()"
            " + F.cross_entropy(a, t, weight=w, reduction='sum', label_smoothing=0.1)",
            a=(6, 4), t=(6,), w=(4,), array_api=False, integers={"t": 4}, domain="positive", second_order=True),
    example("F.cross_entropy(a, t, label_smoothing=0.25)", a=(4,), t=(), array_api=False, integers={"t": 4}),
    example("F.binary_cross_entropy(a, b) + F.binary_cross_entropy(a, b, weight=w, reduction='sum')"
            " + F.binary_cross_entropy(a, b, reduction='none')", a=(3, 4), b=(3, 4), w=(4,), domain="probability",
            second_order=True),
    example("sf.cross_entropy(a, t, weight=w) + sf.nll_loss(a, t, ignore_index=1, reduction='sum')",
            a=(5, 3), t=(5,), w=(3,), array_api=False, integers={"t": 3}, domain="positive"),
])
