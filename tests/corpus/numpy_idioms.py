"""Everyday numpy idioms as they appear in answers, notebooks and scripts: gathers with repeated
indices, negative and strided slices, boolean masks, index assignment into fresh arrays and into a
copy, lists of rows stacked, multi-axis reductions with keepdims, size-1 axes, reshape/ravel,
clip/cumsum/sort/prod, einsum/tensordot/outer/trace, `x.size` and `len(x)` as numbers, and one
function that writes into its own argument (as Tangent's tests do)."""
import numpy as np

from . import Case
from ._data import normal, positive

IDX = np.array([0, 2, 2, 1, 0])


def repeated_gather(x):
    return np.sum(x[IDX] ** 2 * np.arange(1, 6))


def negative_and_strided(x):
    return x[-1] * x[0] + np.sum(x[::-2] ** 2) + np.sum(x[1:-1:2])


def column_slices(W, v):
    return np.sum(np.tanh(W[:, :2] @ v)) + np.sum(W[1:, ::2] ** 2)


def row_gather_2d(W, rows):
    return np.sum(W[rows] ** 2) + np.sum(W[rows, 1])


def boolean_mask_sum(x):
    return np.sum(x[x > 0] ** 2)


def leaky_relu_where(x, w):
    z = x @ w
    return np.sum(np.where(z > 0, z, 0.01 * z) ** 2)


def assign_into_zeros(x, w):
    y = np.zeros(5)
    y[1:4] = x[:3] * 2.0
    y[0] = x[3]
    return np.sum(y ** 2 * w)


def augmented_assign_into_copy(x):
    y = x.copy()
    y[0] += x[1] * x[2]
    y[1:] *= 2.0
    return np.sum(y * y)


def writes_into_argument(x):
    a = x[0]
    b = x[1]
    x[0] = a * b
    return np.sum(x * x)


def stacked_rows(W, x):
    rows = []
    for i in range(W.shape[0]):
        rows.append(np.tanh(W[i] * x))
    return np.sum(np.stack(rows) ** 2)


def array_of_scalars(x):
    features = np.array([x[0] * x[1], x[1] ** 2, np.sin(x[2])])
    return np.sum(features ** 2)


def multi_axis_keepdims(x):
    centered = x - x.mean(axis=(0, 2), keepdims=True)
    return np.sum(centered ** 2) / x.size


def size_one_broadcast(W, b, X):
    # b has shape (1, K): a row vector, broadcast over the batch
    return np.sum(np.tanh(X @ W + b))


def reshape_ravel(W, x):
    flat = (W * x[:, None]).reshape(-1)
    return np.dot(flat, flat) + np.sum(W.T.ravel() * np.arange(W.size)) + np.sum(W.flatten() ** 3)


def max_shift_logsumexp(Z):
    m = np.max(Z, axis=1, keepdims=True)
    return np.sum(m[:, 0] + np.log(np.sum(np.exp(Z - m), axis=1)))


def clip_cumsum(x):
    return np.sum(np.clip(x, -0.5, 0.5) ** 2) + np.sum(np.cumsum(x) ** 2)


def top_two(x):
    return np.sum(np.sort(x)[-2:] ** 2)


def product_terms(x):
    return np.prod(x) + np.prod(x[:2] + 1.0)


def einsum_tensordot(A, B, x):
    C = np.einsum('ij,jk->ik', A, B)
    return np.tensordot(C, np.outer(x, x), axes=2) + np.trace(A @ A.T) + np.sum(np.diag(C) ** 2)


def variable_exponent(x, p):
    return np.sum(x ** p) + np.sum(np.power(x, 3)) + np.sum(np.square(x))


def sizes_as_numbers(X):
    N = X.shape[0]
    D = X.shape[1]
    return np.sum(X ** 2) / (N * D) + np.sum(X) / len(X) + X.ndim


CASES = [
    Case(repeated_gather, lambda rng: (normal(rng, 3),)),
    Case(negative_and_strided, lambda rng: (normal(rng, 7),)),
    Case(column_slices, lambda rng: (normal(rng, 4, 3), normal(rng, 2)), wrt=(0, 1)),
    Case(row_gather_2d, lambda rng: (normal(rng, 4, 3), np.array([3, 0, 3]))),
    Case(boolean_mask_sum, lambda rng: (normal(rng, 6),)),
    Case(leaky_relu_where, lambda rng: (normal(rng, 7, 3), normal(rng, 3)), wrt=1),
    Case(assign_into_zeros, lambda rng: (normal(rng, 4), normal(rng, 5)), wrt=(0, 1)),
    Case(augmented_assign_into_copy, lambda rng: (normal(rng, 4),)),
    Case(writes_into_argument, lambda rng: (normal(rng, 3),)),
    Case(stacked_rows, lambda rng: (normal(rng, 3, 4), normal(rng, 4)), wrt=(0, 1)),
    Case(array_of_scalars, lambda rng: (normal(rng, 3),)),
    Case(multi_axis_keepdims, lambda rng: (normal(rng, 2, 3, 4),)),
    Case(size_one_broadcast, lambda rng: (normal(rng, 3, 4), normal(rng, 1, 4), normal(rng, 5, 3)), wrt=(0, 1)),
    Case(reshape_ravel, lambda rng: (normal(rng, 3, 2), normal(rng, 3)), wrt=(0, 1)),
    Case(max_shift_logsumexp, lambda rng: (normal(rng, 4, 3),)),
    Case(clip_cumsum, lambda rng: (normal(rng, 5),)),
    Case(top_two, lambda rng: (normal(rng, 5),)),
    Case(product_terms, lambda rng: (positive(rng, 4),)),
    Case(einsum_tensordot, lambda rng: (normal(rng, 3, 4), normal(rng, 4, 3), normal(rng, 3)), wrt=(0, 1, 2)),
    Case(variable_exponent, lambda rng: (positive(rng, 4), np.asarray(1.7)), wrt=(0, 1)),
    Case(sizes_as_numbers, lambda rng: (normal(rng, 4, 3),)),
]
