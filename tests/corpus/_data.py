"""Argument makers for the corpus cases (not part of any differentiated function)."""
import numpy as np


def normal(rng, *shape, scale=1.0):
    return scale * rng.standard_normal(shape)


def scalar(rng, low=-1.0, high=1.0):
    """A 0-d float64 array."""
    return np.asarray(rng.uniform(low, high))


def positive(rng, *shape, low=0.5, high=2.0):
    return rng.uniform(low, high, shape)


def one_hot(rng, n, k):
    return np.eye(k)[rng.integers(0, k, n)]


def labels(rng, n, k):
    return rng.integers(0, k, n)


def binary(rng, *shape):
    return rng.integers(0, 2, shape).astype(np.float64)


def signs(rng, *shape):
    return np.where(rng.random(shape) < 0.5, -1.0, 1.0)


def layer_params(rng, sizes, scale=0.5, as_list=False):
    """[(W, b), ...] with W of shape (m, n): the autograd/JAX convention."""
    layers = [(scale * rng.standard_normal((m, n)), scale * rng.standard_normal(n))
              for m, n in zip(sizes[:-1], sizes[1:])]
    return [list(layer) for layer in layers] if as_list else layers
