"""Loops of any length, as recurrent and iterative code is written in public examples: karpathy's
min-char-rnn (dicts keyed by time step, `for t in range(len(inputs))`), RNN/GRU/LSTM cells over
`for x in X`, `for t in range(X.shape[0])`, `zip`, `enumerate` and `reversed(range(...))`, hidden
states collected with `hs.append(h)` then `np.stack(hs)` or written into a preallocated array,
losses accumulated over time steps, d2l's RNN, GRU and LSTM from scratch (torch-spelled, the
reference runs with torch), and iterations: power iteration, fixed points, Newton's method and
gradient descent unrolled over 50-200 constant steps, and `while` loops that stop at a tolerance.
Each numpy case also runs under torch for the oracle test (tests/test_corpus_loops.py), so the
numpy here keeps to calls with a torch counterpart."""
import numpy as np

try:
    import torch
    import torch.nn.functional as F
except ImportError:
    torch = F = None

from . import Case
from ._data import labels, normal, one_hot, positive, scalar

# -- karpathy's min-char-rnn: column vectors, dicts keyed by time step --------------------------

def min_char_rnn_loss(inputs, targets, hprev, Wxh, Whh, Why, bh, by):
    vocab_size = Wxh.shape[1]
    xs, hs, ys, ps = {}, {}, {}, {}
    hs[-1] = np.copy(hprev)
    loss = 0
    # forward pass
    for t in range(len(inputs)):
        xs[t] = np.zeros((vocab_size, 1))  # encode in 1-of-k representation
        xs[t][inputs[t]] = 1
        hs[t] = np.tanh(np.dot(Wxh, xs[t]) + np.dot(Whh, hs[t - 1]) + bh)  # hidden state
        ys[t] = np.dot(Why, hs[t]) + by  # unnormalized log probabilities for next chars
        ps[t] = np.exp(ys[t]) / np.sum(np.exp(ys[t]))  # probabilities for next chars
        loss += -np.log(ps[t][targets[t], 0])  # softmax (cross-entropy loss)
    return loss


def min_char_rnn_args(rng, T=6, V=4, H=5):
    return (labels(rng, T, V), labels(rng, T, V), normal(rng, H, 1, scale=0.1),
            normal(rng, H, V, scale=0.5), normal(rng, H, H, scale=0.5), normal(rng, V, H, scale=0.5),
            normal(rng, H, 1, scale=0.1), normal(rng, V, 1, scale=0.1))


# -- an Elman RNN over the rows of X, hidden states stacked, a linear readout ---------------------

def rnn_readout_loss(W, U, b, V, X):
    h = np.zeros((X.shape[1], U.shape[0]))
    hs = []
    for x in X:
        h = np.tanh(x @ W + h @ U + b)
        hs.append(h)
    H = np.stack(hs)  # (T, B, hidden)
    return np.mean(H @ V)


# -- a GRU writing its states into a preallocated array ---------------------------------------

def sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def gru_sequence_loss(Wz, Uz, Wr, Ur, Wh, Uh, V, X, Y):
    T, B, _ = X.shape
    h = np.zeros((B, Uz.shape[0]))
    states = np.zeros((T, B, Uz.shape[0]))
    for t in range(X.shape[0]):
        z = sigmoid(X[t] @ Wz + h @ Uz)
        r = sigmoid(X[t] @ Wr + h @ Ur)
        h_tilde = np.tanh(X[t] @ Wh + (r * h) @ Uh)
        h = (1 - z) * h + z * h_tilde
        states[t] = h
    return np.mean((states @ V - Y) ** 2)


# -- an LSTM on [h, x] concatenated, gates sliced, cross-entropy summed over time ----------------

def logsumexp(a):
    m = np.max(a, axis=1, keepdims=True)
    return m + np.log(np.sum(np.exp(a - m), axis=1, keepdims=True))


def lstm_concat_loss(W, b, Wy, by, X, Y):
    n = W.shape[1] // 4
    h = np.zeros((X.shape[1], n))
    c = np.zeros((X.shape[1], n))
    loss = 0.0
    for t in range(len(X)):
        gates = np.concatenate([h, X[t]], axis=1) @ W + b
        i = sigmoid(gates[:, :n])
        f = sigmoid(gates[:, n:2 * n])
        o = sigmoid(gates[:, 2 * n:3 * n])
        g = np.tanh(gates[:, 3 * n:])
        c = f * c + i * g
        h = o * np.tanh(c)
        logits = h @ Wy + by
        loss = loss - np.sum(Y[t] * (logits - logsumexp(logits)))
    return loss / (len(X) * X.shape[1])


def lstm_concat_args(rng, T=4, B=2, D=3, n=2, K=3):
    return (normal(rng, n + D, 4 * n, scale=0.5), normal(rng, 4 * n, scale=0.1), normal(rng, n, K, scale=0.5),
            normal(rng, K, scale=0.1), normal(rng, T, B, D), np.stack([one_hot(rng, B, K) for _ in range(T)]))


# -- per-step targets with zip, a discount with enumerate, a bidirectional RNN --------------------

def zip_rnn_loss(W, U, V, X, Y):
    h = np.zeros((X.shape[1], U.shape[0]))
    loss = 0.0
    for x_t, y_t in zip(X, Y):
        h = np.tanh(x_t @ W + h @ U)
        loss = loss + np.sum((h @ V - y_t) ** 2)
    return loss / X.shape[0]


def discounted_rnn_loss(W, U, X, gamma=0.9):
    h = np.zeros((X.shape[1], U.shape[0]))
    loss = 0.0
    for t, x in enumerate(X):
        h = np.tanh(x @ W + h @ U)
        loss = loss + gamma ** t * np.mean(h ** 2)
    return loss


def bidirectional_rnn_loss(W_f, U_f, W_b, U_b, V, X, y):
    h_f = np.zeros((X.shape[1], U_f.shape[0]))
    h_b = np.zeros((X.shape[1], U_b.shape[0]))
    for t in range(X.shape[0]):
        h_f = np.tanh(X[t] @ W_f + h_f @ U_f)
    for t in reversed(range(X.shape[0])):
        h_b = np.tanh(X[t] @ W_b + h_b @ U_b)
    pred = np.concatenate([h_f, h_b], axis=1) @ V
    return np.mean((pred - y) ** 2)


# -- an exponential moving average over a series (a scalar recurrence) ---------------------------

def ema_tracking_loss(alpha, s0, series, target):
    s = s0
    loss = 0.0
    for t in range(len(series)):
        s = alpha * s + (1 - alpha) * series[t]
        loss += (s - target[t]) ** 2
    return loss / len(series)


# -- iterations over many constant steps -------------------------------------------------------

def power_iteration_eigenvalue(A, v0):
    v = v0
    for _ in range(60):
        v = A @ v
        v = v / np.linalg.norm(v)
    return v @ A @ v


def symmetric(rng, n=4):
    """A symmetric matrix with well separated eigenvalues 4, 2, 1, 0.5."""
    q, _ = np.linalg.qr(rng.standard_normal((n, n)))
    return q @ np.diag([4.0, 2.0, 1.0, 0.5][:n]) @ q.T


def fixed_point_tanh(W, b):
    x = np.zeros_like(b)
    for _ in range(200):
        x = np.tanh(W @ x + b)
    return np.sum(x ** 2)


def euler_ode_loss(W1, b1, W2, y0, target, n_steps=100, dt=0.02):
    y = y0
    for _ in range(n_steps):
        y = y + dt * (np.tanh(y @ W1 + b1) @ W2)
    return np.sum((y - target) ** 2)


def unrolled_gradient_descent(log_lr, w0, X, y, X_val, y_val):
    lr = np.exp(log_lr)
    w = w0
    for _ in range(100):
        w = w - lr * (X.T @ (X @ w - y)) / X.shape[0]
    return np.mean((X_val @ w - y_val) ** 2)


# -- while loops that stop at a tolerance ------------------------------------------------------

def newton_sqrt(a):
    x = a
    while np.max(np.abs(x * x - a)) > 1e-12:
        x = 0.5 * (x + a / x)
    return np.sum(x)


def deq_fixed_point(W, b, tol=1e-10, max_iter=500):
    z = np.zeros_like(b)
    err, it = 1.0, 0
    while err > tol and it < max_iter:
        z_next = 0.5 * np.tanh(W @ z + b)
        err = np.linalg.norm(z_next - z)
        z = z_next
        it += 1
    return np.sum(z ** 2)


# -- d2l's RNN, GRU and LSTM from scratch (the current edition's classes, as functions) ----------

def d2l_rnn_forward(inputs, W_xh, W_hh, b_h, state=None):
    if state is None:
        # Initial state with shape: (batch_size, num_hiddens)
        state = torch.zeros((inputs.shape[1], W_hh.shape[0]))
    else:
        state, = state
    outputs = []
    for X in inputs:  # Shape of inputs: (num_steps, batch_size, num_inputs)
        state = torch.tanh(torch.matmul(X, W_xh) + torch.matmul(state, W_hh) + b_h)
        outputs.append(state)
    return outputs, state


def d2l_rnn_lm_loss(W_xh, W_hh, b_h, W_hq, b_q, inputs, Y):
    rnn_outputs, _ = d2l_rnn_forward(inputs, W_xh, W_hh, b_h)
    outputs = [torch.matmul(H, W_hq) + b_q for H in rnn_outputs]
    outputs = torch.stack(outputs, 1)  # (batch_size, num_steps, vocab_size)
    return F.cross_entropy(outputs.reshape((-1, outputs.shape[-1])), Y.reshape((-1,)))


def d2l_gru_loss(W_xz, W_hz, b_z, W_xr, W_hr, b_r, W_xh, W_hh, b_h, inputs, target):
    H = torch.zeros((inputs.shape[1], W_hz.shape[0]))
    for t in range(inputs.shape[0]):
        X = inputs[t]
        Z = torch.sigmoid(torch.matmul(X, W_xz) + torch.matmul(H, W_hz) + b_z)
        R = torch.sigmoid(torch.matmul(X, W_xr) + torch.matmul(H, W_hr) + b_r)
        H_tilde = torch.tanh(torch.matmul(X, W_xh) + torch.matmul(R * H, W_hh) + b_h)
        H = Z * H + (1 - Z) * H_tilde
    return F.mse_loss(H, target)


def d2l_lstm_loss(params, inputs, target):
    W_xi, W_hi, b_i, W_xf, W_hf, b_f, W_xo, W_ho, b_o, W_xc, W_hc, b_c = params
    H, C = (torch.zeros((inputs.shape[1], W_hi.shape[0])), torch.zeros((inputs.shape[1], W_hi.shape[0])))
    outputs = []
    for X in inputs:
        I = torch.sigmoid(torch.matmul(X, W_xi) + torch.matmul(H, W_hi) + b_i)
        F_ = torch.sigmoid(torch.matmul(X, W_xf) + torch.matmul(H, W_hf) + b_f)
        O = torch.sigmoid(torch.matmul(X, W_xo) + torch.matmul(H, W_ho) + b_o)
        C_tilde = torch.tanh(torch.matmul(X, W_xc) + torch.matmul(H, W_hc) + b_c)
        C = F_ * C + I * C_tilde
        H = O * torch.tanh(C)
        outputs.append(H)
    return ((torch.stack(outputs) - target) ** 2).mean()


def spectral_norm_estimate(W, u):
    """torch.nn.utils.spectral_norm's power method, 50 iterations, differentiated throughout."""
    for _ in range(50):
        v = torch.mv(W.t(), u)
        v = v / torch.linalg.norm(v)
        u = torch.mv(W, v)
        u = u / torch.linalg.norm(u)
    return torch.dot(u, torch.mv(W, v))


def cell_params(rng, D, n, gates, bias=True):
    """(W_x, W_h[, b]) for each gate, d2l's order."""
    out = []
    for _ in range(gates):
        out += [normal(rng, D, n, scale=0.5), normal(rng, n, n, scale=0.5)] + ([normal(rng, n, scale=0.1)] if bias else [])
    return out


CASES = [
    Case(min_char_rnn_loss, min_char_rnn_args, wrt=(2, 3, 4, 5, 6, 7)),
    Case(rnn_readout_loss, lambda rng: (*cell_params(rng, 3, 4, 1), normal(rng, 4, 2), normal(rng, 5, 2, 3)),
         wrt=(0, 1, 2, 3)),
    Case(gru_sequence_loss, lambda rng: (*cell_params(rng, 3, 3, 3, bias=False), normal(rng, 3, 2),
                                         normal(rng, 4, 2, 3), normal(rng, 4, 2, 2)), wrt=(0, 1, 2, 3, 4, 5, 6)),
    Case(lstm_concat_loss, lstm_concat_args, wrt=(0, 1, 2, 3)),
    Case(zip_rnn_loss, lambda rng: (*cell_params(rng, 3, 4, 1, bias=False), normal(rng, 4, 2), normal(rng, 5, 2, 3),
                                    normal(rng, 5, 2, 2)), wrt=(0, 1, 2)),
    Case(discounted_rnn_loss, lambda rng: (*cell_params(rng, 3, 4, 1, bias=False), normal(rng, 6, 2, 3)), wrt=(0, 1)),
    Case(bidirectional_rnn_loss, lambda rng: (*cell_params(rng, 3, 3, 2, bias=False), normal(rng, 6, 2),
                                              normal(rng, 5, 2, 3), normal(rng, 2, 2)), wrt=(0, 1, 2, 3, 4)),
    Case(ema_tracking_loss, lambda rng: (np.asarray(rng.uniform(0.2, 0.8)), scalar(rng), normal(rng, 12),
                                         normal(rng, 12)), wrt=(0, 1)),
    Case(power_iteration_eigenvalue, lambda rng: (symmetric(rng), normal(rng, 4))),
    Case(fixed_point_tanh, lambda rng: (normal(rng, 4, 4, scale=0.2), normal(rng, 4)), wrt=(0, 1)),
    Case(euler_ode_loss, lambda rng: (normal(rng, 3, 3, scale=0.5), normal(rng, 3, scale=0.1),
                                      normal(rng, 3, 3, scale=0.5), normal(rng, 2, 3), normal(rng, 2, 3)),
         wrt=(0, 1, 2, 3)),
    Case(unrolled_gradient_descent, lambda rng: (np.asarray(np.log(0.1)), normal(rng, 3), normal(rng, 8, 3),
                                                 normal(rng, 8), normal(rng, 5, 3), normal(rng, 5)), wrt=(0, 1)),
    Case(newton_sqrt, lambda rng: (positive(rng, 5),)),
    Case(deq_fixed_point, lambda rng: (normal(rng, 4, 4, scale=0.3), normal(rng, 4)), wrt=(0, 1)),
    Case(d2l_rnn_lm_loss, lambda rng: (*cell_params(rng, 4, 5, 1), normal(rng, 5, 4, scale=0.5),
                                       normal(rng, 4, scale=0.1), np.eye(4)[rng.integers(0, 4, (6, 2))],
                                       rng.integers(0, 4, (2, 6))), wrt=(0, 1, 2, 3, 4),
         framework="torch"),
    Case(d2l_gru_loss, lambda rng: (*cell_params(rng, 3, 3, 3), normal(rng, 5, 2, 3), normal(rng, 2, 3)),
         wrt=tuple(range(9)), framework="torch"),
    Case(d2l_lstm_loss, lambda rng: (cell_params(rng, 3, 2, 4), normal(rng, 4, 2, 3), normal(rng, 4, 2, 2)),
         framework="torch"),
    Case(spectral_norm_estimate, lambda rng: (normal(rng, 4, 3), normal(rng, 4)), framework="torch"),
]
