"""Numerically stable numpy implementations of the functions symdiff differentiates.

They let a function written for symdiff run as ordinary numpy code, with torch's semantics.
"""
from __future__ import annotations

import numpy as np

_REDUCTIONS = ("mean", "sum", "none")


def stop_gradient(x):
    """x itself; symdiff treats it as a constant when differentiating (like `x.detach()`)."""
    return x


def sigmoid(x):
    """1 / (1 + exp(-x)), without overflow for any x."""
    x = np.asarray(x)
    e = np.exp(-np.abs(x))
    return np.maximum(e, x >= 0) / (1 + e)


def softplus(x):
    """log(1 + exp(x)), without overflow for any x."""
    x = np.asarray(x)
    return np.maximum(x, 0) + np.log1p(np.exp(-np.abs(x)))


def relu(x):
    """max(x, 0)."""
    return np.maximum(x, 0)


def gelu(x, approximate="none"):
    """x * Phi(x), Phi the standard normal CDF (torch.nn.functional.gelu); `approximate="tanh"`
    gives torch's tanh approximation. The exact form needs scipy's erf."""
    x = np.asarray(x)
    if approximate == "tanh":
        return 0.5 * x * (1 + np.tanh(np.sqrt(2 / np.pi) * (x + 0.044715 * x**3)))
    from scipy.special import erf

    return 0.5 * x * (1 + erf(x / np.sqrt(2)))


def silu(x):
    """x * sigmoid(x)."""
    return np.asarray(x) * sigmoid(x)


def elu(x, alpha=1.0):
    """x where x > 0, else alpha * (exp(x) - 1)."""
    x = np.asarray(x)
    return np.where(x > 0, x, alpha * np.expm1(np.minimum(x, 0)))


def leaky_relu(x, negative_slope=0.01):
    """x where x > 0, else negative_slope * x."""
    x = np.asarray(x)
    return np.where(x > 0, x, negative_slope * x)


def logsigmoid(x):
    """log(sigmoid(x)) = -softplus(-x), without overflow."""
    return -softplus(-np.asarray(x))


def logsumexp(x, axis=None, keepdims=False):
    """log(sum(exp(x))) over `axis`, with the maximum subtracted first."""
    x = np.asarray(x)
    m = np.max(x, axis=axis, keepdims=True)
    out = m + np.log(np.sum(np.exp(x - m), axis=axis, keepdims=True))
    return out if keepdims else np.squeeze(out, axis=axis)


def log_softmax(x, axis=-1):
    """x - logsumexp(x) over `axis`."""
    x = np.asarray(x)
    return x - logsumexp(x, axis=axis, keepdims=True)


def softmax(x, axis=-1):
    """exp(x) / sum(exp(x)) over `axis`, with the maximum subtracted first."""
    x = np.asarray(x)
    e = np.exp(x - np.max(x, axis=axis, keepdims=True))
    return e / np.sum(e, axis=axis, keepdims=True)


def _reduce(loss, reduction: str):
    if reduction == "mean":
        return loss.mean()
    if reduction == "sum":
        return loss.sum()
    if reduction == "none":
        return loss
    raise ValueError(f"reduction={reduction!r} is not one of {_REDUCTIONS}")


def binary_cross_entropy_with_logits(input, target, weight=None, reduction="mean", pos_weight=None):
    """torch.nn.functional.binary_cross_entropy_with_logits in numpy.

    `max(z, 0) - z*y + log1p(exp(-|z|))`, summed in that order so float32 keeps small losses.
    """
    z = np.asarray(input)
    y = np.asarray(target)
    if z.shape != y.shape:
        raise ValueError(f"target shape {y.shape} must be the same as input shape {z.shape}")
    y = y.astype(np.result_type(z.dtype, np.float32), copy=False) if y.dtype.kind in "biu" else y
    if pos_weight is None:
        loss = (np.maximum(z, 0) - z * y) + np.log1p(np.exp(-np.abs(z)))
    else:
        log_weight = 1 + (np.asarray(pos_weight) - 1) * y
        loss = (1 - y) * z + log_weight * softplus(-z)
    if weight is not None:
        loss = loss * np.asarray(weight)
    return _reduce(loss, reduction)


def mse_loss(input, target, reduction="mean"):
    """torch.nn.functional.mse_loss: the squared error, averaged, summed or elementwise."""
    return _reduce((np.asarray(input) - np.asarray(target)) ** 2, reduction)


def cross_entropy(input, target, weight=None, reduction="mean", label_smoothing=0.0):
    """torch.nn.functional.cross_entropy with class-probability targets over the last axis.

    The per-sample loss is -sum_c weight_c * target_c * log_softmax(input)_c; 'mean' divides the sum
    by the number of samples, as torch does for probability targets.
    """
    x = np.asarray(input)
    y = np.asarray(target)
    if x.shape != y.shape:
        raise ValueError(f"target shape {y.shape} must be the same as input shape {x.shape}")
    if label_smoothing:
        y = y * (1 - label_smoothing) + label_smoothing / x.shape[-1]
    terms = y * log_softmax(x, axis=-1)
    if weight is not None:
        terms = terms * np.asarray(weight)
    loss = -terms.sum(axis=-1)
    if reduction == "mean":
        return loss.sum() / (x.shape[0] if x.ndim > 1 else 1)
    return _reduce(loss, reduction)
