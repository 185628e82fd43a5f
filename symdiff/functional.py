"""Numerically stable numpy implementations of the functions symdiff differentiates.

They let a function written for symdiff run as ordinary numpy code, with torch's semantics.
"""
from __future__ import annotations

import numpy as np

_REDUCTIONS = ("mean", "sum", "none")


def sigmoid(x):
    """1 / (1 + exp(-x)), without overflow for any x."""
    x = np.asarray(x)
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1, e) / (1 + e)


def softplus(x):
    """log(1 + exp(x)), without overflow for any x."""
    x = np.asarray(x)
    return np.maximum(x, 0) + np.log1p(np.exp(-np.abs(x)))


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
