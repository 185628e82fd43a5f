"""Whole models in plain numpy, as research code writes them: a time-major RNN, an LSTM with
gates split from one matmul, a GRU with a dict of parameters, Gaussian-process marginal
likelihoods (Cholesky and solve/slogdet), a VAE ELBO with the reparameterization noise passed in,
single- and multi-head attention, layer norm and a transformer block, soft k-means, a mixture
density network, softmax regression with integer labels, quantile and focal losses, InfoNCE,
a 1-D convnet built from a comprehension, and model factories."""
import numpy as np
from scipy.special import logsumexp

from . import Case
from ._data import binary, labels, layer_params, normal, one_hot, positive


def softmax(x, axis=-1):
    e = np.exp(x - np.max(x, axis=axis, keepdims=True))
    return e / np.sum(e, axis=axis, keepdims=True)


def log_softmax(x, axis=-1):
    return x - logsumexp(x, axis=axis, keepdims=True)


def sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


# -- a vanilla RNN, time-major, one-hot targets -------------------------------------------

def rnn_loss(Wxh, Whh, bh, Why, by, X, Y):
    T, B, _ = X.shape
    h = np.zeros((B, Whh.shape[0]))
    loss = 0.0
    for t in range(T):
        h = np.tanh(X[t] @ Wxh + h @ Whh + bh)
        logits = h @ Why + by
        loss -= np.sum(Y[t] * log_softmax(logits))
    return loss / (T * B)


def rnn_args(rng, T=3, B=2, D=3, H=4, K=3):
    return (normal(rng, D, H, scale=0.5), normal(rng, H, H, scale=0.5), normal(rng, H, scale=0.1),
            normal(rng, H, K, scale=0.5), normal(rng, K, scale=0.1), normal(rng, T, B, D),
            np.stack([one_hot(rng, B, K) for _ in range(T)]))


# -- LSTM with gates split from one matmul ---------------------------------------------------

def lstm_step(x, h, c, W, U, b):
    gates = x @ W + h @ U + b
    i, f, o, g = np.split(gates, 4, axis=1)
    c = sigmoid(f) * c + sigmoid(i) * np.tanh(g)
    h = sigmoid(o) * np.tanh(c)
    return h, c


def lstm_loss(W, U, b, V, xs, y):
    B = xs.shape[1]
    H = U.shape[0]
    h = np.zeros((B, H))
    c = np.zeros((B, H))
    for x in xs:
        h, c = lstm_step(x, h, c, W, U, b)
    pred = h @ V
    return np.mean((pred - y) ** 2)


# -- GRU with a dict of parameters ------------------------------------------------------------

def gru_cell(params, x, h):
    z = sigmoid(x @ params["Wz"] + h @ params["Uz"] + params["bz"])
    r = sigmoid(x @ params["Wr"] + h @ params["Ur"] + params["br"])
    h_tilde = np.tanh(x @ params["Wh"] + (r * h) @ params["Uh"] + params["bh"])
    return (1 - z) * h + z * h_tilde


def gru_loss(params, xs, h0, target):
    h = h0
    for t in range(xs.shape[0]):
        h = gru_cell(params, xs[t], h)
    return 0.5 * np.sum((h - target) ** 2)


def gru_params(rng, D=3, H=4):
    p = {}
    for gate in "zrh":
        p["W" + gate] = 0.5 * rng.standard_normal((D, H))
        p["U" + gate] = 0.5 * rng.standard_normal((H, H))
        p["b" + gate] = 0.1 * rng.standard_normal(H)
    return p


# -- Gaussian process marginal likelihood ---------------------------------------------------

def sq_dists(X1, X2):
    return np.sum(X1 ** 2, 1)[:, None] + np.sum(X2 ** 2, 1)[None, :] - 2 * X1 @ X2.T


def rbf_kernel(X1, X2, lengthscale, variance):
    return variance * np.exp(-0.5 * sq_dists(X1, X2) / lengthscale ** 2)


def gp_nll_cholesky(log_params, X, y):
    lengthscale, variance, noise = np.exp(log_params)
    n = X.shape[0]
    K = rbf_kernel(X, X, lengthscale, variance) + (noise + 1e-6) * np.eye(n)
    L = np.linalg.cholesky(K)
    alpha = np.linalg.solve(L.T, np.linalg.solve(L, y))
    return 0.5 * y @ alpha + np.sum(np.log(np.diag(L))) + 0.5 * n * np.log(2 * np.pi)


def gp_nll_solve(log_lengthscale, log_variance, log_noise, X, y):
    K = rbf_kernel(X, X, np.exp(log_lengthscale), np.exp(log_variance))
    K = K + np.exp(log_noise) * np.eye(len(y))
    sign, logdet = np.linalg.slogdet(K)
    return 0.5 * y @ np.linalg.solve(K, y) + 0.5 * logdet


def gp_nll_inv(log_noise, K0, y):
    K = K0 + np.exp(log_noise) * np.eye(K0.shape[0])
    return 0.5 * y @ np.linalg.inv(K) @ y + 0.5 * np.log(np.linalg.det(K))


# -- VAE ELBO, Gaussian encoder and decoder ---------------------------------------------------

def mlp(params, x):
    for W, b in params[:-1]:
        x = np.tanh(x @ W + b)
    W, b = params[-1]
    return x @ W + b


def elbo(enc_params, dec_params, x, eps):
    h = mlp(enc_params, x)
    latent_dim = eps.shape[1]
    mu, log_var = h[:, :latent_dim], h[:, latent_dim:]
    z = mu + np.exp(0.5 * log_var) * eps
    x_mean = mlp(dec_params, z)
    log_lik = -0.5 * np.sum((x - x_mean) ** 2, axis=1)
    kl = -0.5 * np.sum(1 + log_var - mu ** 2 - np.exp(log_var), axis=1)
    return -np.mean(log_lik - kl)


# -- attention -----------------------------------------------------------------------------

def self_attention(x, Wq, Wk, Wv):
    q, k, v = x @ Wq, x @ Wk, x @ Wv
    d = q.shape[-1]
    return softmax(q @ k.T / np.sqrt(d)) @ v


def attention_regression(Wq, Wk, Wv, x, y):
    return np.mean((self_attention(x, Wq, Wk, Wv) - y) ** 2)


def multi_head_attention(x, Wq, Wk, Wv, Wo, n_heads=2):
    T, D = x.shape
    dh = D // n_heads
    q = (x @ Wq).reshape(T, n_heads, dh).transpose(1, 0, 2)
    k = (x @ Wk).reshape(T, n_heads, dh).transpose(1, 0, 2)
    v = (x @ Wv).reshape(T, n_heads, dh).transpose(1, 0, 2)
    scores = q @ k.transpose(0, 2, 1) / np.sqrt(dh)
    heads = softmax(scores) @ v                      # (n_heads, T, dh)
    return heads.transpose(1, 0, 2).reshape(T, D) @ Wo


def mha_loss(Wq, Wk, Wv, Wo, x):
    return np.sum(multi_head_attention(x, Wq, Wk, Wv, Wo) ** 2)


def causal_attention_loss(Wq, Wk, x):
    T = x.shape[0]
    scores = (x @ Wq) @ (x @ Wk).T
    mask = np.triu(np.ones((T, T)), k=1).astype(bool)
    scores = np.where(mask, -1e9, scores)
    return np.sum(softmax(scores) @ x)


# -- layer norm and a transformer block ---------------------------------------------------

def layer_norm(x, gamma, beta, eps=1e-5):
    mean = x.mean(-1, keepdims=True)
    var = x.var(-1, keepdims=True)
    return gamma * (x - mean) / np.sqrt(var + eps) + beta


def layer_norm_loss(gamma, beta, x, target):
    return np.mean((layer_norm(x, gamma, beta) - target) ** 2)


def gelu(x):
    return 0.5 * x * (1 + np.tanh(np.sqrt(2 / np.pi) * (x + 0.044715 * x ** 3)))


def transformer_block(params, x):
    h = x + self_attention(layer_norm(x, params["ln1_g"], params["ln1_b"]), params["Wq"], params["Wk"], params["Wv"])
    ff = gelu(layer_norm(h, params["ln2_g"], params["ln2_b"]) @ params["W1"]) @ params["W2"]
    return h + ff


def transformer_loss(params, x, target):
    return np.mean((transformer_block(params, x) - target) ** 2)


def transformer_params(rng, D=4, F=6):
    return {"ln1_g": np.ones(D), "ln1_b": np.zeros(D), "ln2_g": np.ones(D), "ln2_b": np.zeros(D),
            "Wq": 0.5 * rng.standard_normal((D, D)), "Wk": 0.5 * rng.standard_normal((D, D)),
            "Wv": 0.5 * rng.standard_normal((D, D)),
            "W1": 0.5 * rng.standard_normal((D, F)), "W2": 0.5 * rng.standard_normal((F, D))}


# -- soft k-means --------------------------------------------------------------------------

def soft_kmeans_energy(mu, X, beta=2.0):
    d2 = np.sum((X[:, None, :] - mu[None, :, :]) ** 2, axis=-1)   # (N, K)
    r = softmax(-beta * d2, axis=1)
    return np.sum(r * d2)


def soft_kmeans_free_energy(mu, X, beta=2.0):
    d2 = ((X[:, np.newaxis] - mu) ** 2).sum(axis=2)
    return -np.sum(logsumexp(-beta * d2, axis=1)) / beta


# -- mixture density network ---------------------------------------------------------------

def mdn_nll(params, x, y, n_components=3):
    (W1, b1), (W2, b2) = params
    h = np.tanh(x @ W1 + b1)
    out = h @ W2 + b2
    pi_logits, mu, log_sigma = np.split(out, 3, axis=1)
    log_pi = log_softmax(pi_logits, axis=1)
    z = (y - mu) / np.exp(log_sigma)
    log_component = -0.5 * z ** 2 - log_sigma - 0.5 * np.log(2 * np.pi)
    return -np.mean(logsumexp(log_pi + log_component, axis=1))


# -- softmax regression with integer labels ------------------------------------------------

def softmax_regression(W, b, X, y):
    N = X.shape[0]
    log_probs = log_softmax(X @ W + b, axis=1)
    return -np.mean(log_probs[np.arange(N), y])


def softmax_regression_onehot_by_eye(W, X, y):
    K = W.shape[1]
    Y = np.eye(K)[y]
    return -np.sum(Y * log_softmax(X @ W)) / len(y)


# -- robust and quantile regression ------------------------------------------------------

def pinball_loss(w, X, y, tau=0.7):
    r = y - X @ w
    return np.mean(np.maximum(tau * r, (tau - 1) * r))


def focal_loss(w, X, y, alpha=0.25, gamma=2.0):
    p = sigmoid(X @ w)
    pt = np.where(y == 1, p, 1 - p)
    return -np.mean(alpha * (1 - pt) ** gamma * np.log(pt))


def huber_loss(w, X, y, delta=1.0):
    r = X @ w - y
    quadratic = np.minimum(np.abs(r), delta)
    linear = np.abs(r) - quadratic
    return np.mean(0.5 * quadratic ** 2 + delta * linear)


# -- contrastive (InfoNCE) with normalized embeddings ----------------------------------

def info_nce(W, x1, x2, tau=0.5):
    z1 = x1 @ W
    z2 = x2 @ W
    z1 = z1 / np.linalg.norm(z1, axis=1, keepdims=True)
    z2 = z2 / np.linalg.norm(z2, axis=1, keepdims=True)
    logits = z1 @ z2.T / tau
    n = logits.shape[0]
    return -np.mean(log_softmax(logits, axis=1)[np.arange(n), np.arange(n)])


# -- a 1-D convnet from a comprehension of windows -----------------------------------------

def conv1d(x, w):
    k = w.shape[0]
    windows = np.stack([x[:, i:i + k] for i in range(x.shape[1] - k + 1)], axis=1)  # (N, L-k+1, k)
    return windows @ w


def convnet_loss(w, v, x, y):
    h = np.maximum(conv1d(x, w), 0.0)
    pred = h.mean(axis=1) * v
    return np.mean((pred - y) ** 2)


# -- model factories ------------------------------------------------------------------------

def make_loss(X, y):
    def loss(w):
        logits = X @ w
        return np.mean(np.logaddexp(0.0, logits) - y * logits)
    return loss


_rng = np.random.default_rng(3)
factory_logistic_loss = make_loss(_rng.standard_normal((8, 3)), (_rng.random(8) < 0.5).astype(float))


def make_mlp_loss(X, Y, sizes):
    N = X.shape[0]

    def loss(params):
        h = X
        for W, b in params[:-1]:
            h = np.tanh(h @ W + b)
        W, b = params[-1]
        return -np.sum(Y * log_softmax(h @ W + b)) / N
    return loss


factory_mlp_loss = make_mlp_loss(_rng.standard_normal((5, 3)), np.eye(2)[_rng.integers(0, 2, 5)], [3, 4, 2])


def polynomial_regression(coeffs, x, y):
    degree = len(coeffs)
    features = np.stack([x ** k for k in range(degree)], axis=1)
    return np.mean((features @ coeffs - y) ** 2)


def poisson_regression(w, b, X, counts):
    rate = np.exp(X @ w + b)
    return np.mean(rate - counts * np.log(rate))


CASES = [
    Case(rnn_loss, rnn_args, wrt=(0, 1, 2, 3, 4)),
    Case(lstm_loss, lambda rng: (normal(rng, 3, 12, scale=0.5), normal(rng, 3, 12, scale=0.5), normal(rng, 12, scale=0.1),
                                 normal(rng, 3, 1), normal(rng, 4, 2, 3), normal(rng, 2, 1)), wrt=(0, 1, 2, 3)),
    Case(gru_loss, lambda rng: (gru_params(rng), normal(rng, 3, 2, 3), normal(rng, 2, 4, scale=0.1), normal(rng, 2, 4))),
    Case(gp_nll_cholesky, lambda rng: (normal(rng, 3, scale=0.3), normal(rng, 5, 2), normal(rng, 5))),
    Case(gp_nll_solve, lambda rng: (np.asarray(0.1), np.asarray(-0.2), np.asarray(-1.0), normal(rng, 5, 2), normal(rng, 5)),
         wrt=(0, 1, 2)),
    Case(gp_nll_inv, lambda rng: (np.asarray(-0.5), (lambda A: A @ A.T)(normal(rng, 4, 4)), normal(rng, 4))),
    Case(elbo, lambda rng: (layer_params(rng, [4, 5, 4]), layer_params(rng, [2, 5, 4]), normal(rng, 3, 4), normal(rng, 3, 2)),
         wrt=(0, 1)),
    Case(attention_regression, lambda rng: (normal(rng, 4, 3, scale=0.5), normal(rng, 4, 3, scale=0.5), normal(rng, 4, 2),
                                            normal(rng, 5, 4), normal(rng, 5, 2)), wrt=(0, 1, 2)),
    Case(mha_loss, lambda rng: (normal(rng, 4, 4, scale=0.5), normal(rng, 4, 4, scale=0.5), normal(rng, 4, 4, scale=0.5),
                                normal(rng, 4, 4, scale=0.5), normal(rng, 3, 4)), wrt=(0, 1, 2, 3)),
    Case(causal_attention_loss, lambda rng: (normal(rng, 3, 3, scale=0.5), normal(rng, 3, 3, scale=0.5), normal(rng, 4, 3)),
         wrt=(0, 1)),
    Case(layer_norm_loss, lambda rng: (positive(rng, 4), normal(rng, 4), normal(rng, 3, 4), normal(rng, 3, 4)), wrt=(0, 1, 2)),
    Case(transformer_loss, lambda rng: (transformer_params(rng), normal(rng, 3, 4), normal(rng, 3, 4))),
    Case(soft_kmeans_energy, lambda rng: (normal(rng, 3, 2), normal(rng, 6, 2))),
    Case(soft_kmeans_free_energy, lambda rng: (normal(rng, 3, 2), normal(rng, 6, 2))),
    Case(mdn_nll, lambda rng: (layer_params(rng, [1, 5, 9]), normal(rng, 6, 1), normal(rng, 6, 1))),
    Case(softmax_regression, lambda rng: (normal(rng, 4, 3), normal(rng, 3), normal(rng, 6, 4), labels(rng, 6, 3)), wrt=(0, 1)),
    Case(softmax_regression_onehot_by_eye, lambda rng: (normal(rng, 4, 3), normal(rng, 6, 4), labels(rng, 6, 3))),
    Case(pinball_loss, lambda rng: (normal(rng, 3), normal(rng, 8, 3), normal(rng, 8))),
    Case(focal_loss, lambda rng: (normal(rng, 3), normal(rng, 8, 3), rng.integers(0, 2, 8))),
    Case(huber_loss, lambda rng: (normal(rng, 3), normal(rng, 8, 3), normal(rng, 8, scale=2.0))),
    Case(info_nce, lambda rng: (normal(rng, 4, 3), normal(rng, 5, 4), normal(rng, 5, 4))),
    Case(convnet_loss, lambda rng: (normal(rng, 3), np.asarray(0.8), normal(rng, 4, 6), normal(rng, 4)), wrt=(0, 1)),
    Case(factory_logistic_loss, name="factory_logistic_loss", args=lambda rng: (normal(rng, 3),)),
    Case(factory_mlp_loss, name="factory_mlp_loss", args=lambda rng: (layer_params(rng, [3, 4, 2]),)),
    Case(polynomial_regression, lambda rng: (normal(rng, 4), np.linspace(-1, 1, 7), normal(rng, 7))),
    Case(poisson_regression, lambda rng: (normal(rng, 3, scale=0.3), np.asarray(0.1), normal(rng, 8, 3),
                                          rng.poisson(2.0, 8)), wrt=(0, 1)),
]
