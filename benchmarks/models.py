"""The models in plain numpy, as symdiff reads them, and the hand-written value and gradients that
an expert writes for them: the bar every contender is checked and timed against."""
import numpy as np

from symdiff.functional import binary_cross_entropy_with_logits


def linear(x, y, w, b):
    z = x @ w + b
    return binary_cross_entropy_with_logits(z, y)


def mlp(x, y, w1, b1, w2, b2, w3, b3):
    h1 = np.tanh(x @ w1 + b1)
    h2 = np.tanh(h1 @ w2 + b2)
    z = h2 @ w3 + b3
    return binary_cross_entropy_with_logits(z, y)


def rnn(x, y, w_xh, w_hh, b_h, w_hy, b_y):
    """A tanh RNN over the time steps of x (T, N, D), the BCE of a readout of every hidden state.
    `np.zeros` without a dtype, as users write it: symdiff gives constants the arguments' dtype."""
    h = np.zeros((x.shape[1], w_hh.shape[0]))
    loss = 0.0
    for t in range(x.shape[0]):
        h = np.tanh(x[t] @ w_xh + h @ w_hh + b_h)
        loss = loss + binary_cross_entropy_with_logits(h @ w_hy + b_y, y[t])
    return loss / x.shape[0]


def bce_value_and_grad(z, y):
    """mean((max(z, 0) - z*y) + log1p(exp(-|z|))) and its gradient (sigmoid(z) - y)/n, stable."""
    n = z.size
    e = np.exp(-np.abs(z))
    loss = ((np.maximum(z, 0) - z * y) + np.log1p(e)).sum() / n
    dz = (np.where(z >= 0, 1, e) / (1 + e) - y) / n
    return loss, dz


def hand_linear(x, y, w, b):
    z = x @ w + b
    loss, dz = bce_value_and_grad(z, y)
    if x.ndim == 1:
        return loss, (np.multiply.outer(x, dz), dz)
    return loss, (x.T @ dz, dz.sum(axis=0))


def hand_mlp(x, y, w1, b1, w2, b2, w3, b3):
    h1 = np.tanh(x @ w1 + b1)
    h2 = np.tanh(h1 @ w2 + b2)
    z = h2 @ w3 + b3
    loss, dz = bce_value_and_grad(z, y)
    d2 = (dz @ w3.T) * (1 - h2 * h2)
    d1 = (d2 @ w2.T) * (1 - h1 * h1)
    return loss, (x.T @ d1, d1.sum(axis=0), h1.T @ d2, d2.sum(axis=0), h2.T @ dz, dz.sum(axis=0))


def hand_rnn(x, y, w_xh, w_hh, b_h, w_hy, b_y):
    """Backpropagation through time: the input projections and the readout as one matmul each, the
    hidden states in a preallocated (T + 1, N, H) array, the backward loop over it in reverse."""
    T, N, D = x.shape
    H = w_hh.shape[0]
    hs = np.empty((T + 1, N, H), dtype=x.dtype)
    hs[0] = 0
    xw = (x.reshape(T * N, D) @ w_xh + b_h).reshape(T, N, H)
    for t in range(T):
        hs[t + 1] = np.tanh(xw[t] + hs[t] @ w_hh)
    h = hs[1:].reshape(T * N, H)
    loss, dz = bce_value_and_grad(h @ w_hy + b_y, y.reshape(T * N, -1))  # the mean over t, n, k
    dh_out = (dz @ w_hy.T).reshape(T, N, H)
    da = np.empty((T, N, H), dtype=x.dtype)
    dh = np.zeros((N, H), dtype=x.dtype)
    for t in reversed(range(T)):
        da[t] = (dh_out[t] + dh) * (1 - hs[t + 1] * hs[t + 1])
        dh = da[t] @ w_hh.T
    da = da.reshape(T * N, H)
    return loss, (x.reshape(T * N, D).T @ da, hs[:-1].reshape(T * N, H).T @ da, da.sum(axis=0),
                  h.T @ dz, dz.sum(axis=0))


SYMDIFF = {"linear": linear, "mlp": mlp, "rnn": rnn}
HAND = {"linear": hand_linear, "mlp": hand_mlp, "rnn": hand_rnn}
