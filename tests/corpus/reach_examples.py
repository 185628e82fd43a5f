"""Functions in the styles of public examples symdiff had not been tried on: cs231n's vectorized
losses, scikit-learn's linear-model losses, scipy.optimize test problems written with unpacking and
reshapes, Bayesian optimization acquisitions, mixtures and conjugate likelihoods with
scipy.special, PyTorch's "learning PyTorch with examples" and d2l's from-scratch code, contrastive
and metric-learning losses with torch.nn.functional and loss modules."""
import numpy as np
from scipy.special import betaln, digamma, gammaln, logsumexp
from scipy.stats import multivariate_normal, norm

try:
    import torch
    import torch.nn.functional as F
    from torch import nn
except ImportError:  # symdiff resolves the names from the source; only the reference needs torch
    torch = F = nn = None

from . import Case
from ._data import binary, labels, normal, positive, signs

# -- cs231n: the vectorized SVM and softmax losses ----------------------------------------------


def svm_loss_vectorized(W, X, y, reg):
    num_train = X.shape[0]
    scores = X.dot(W)
    correct_class_score = scores[np.arange(num_train), y]
    margins = np.maximum(0, scores - correct_class_score[:, np.newaxis] + 1.0)
    margins[np.arange(num_train), y] = 0
    loss = np.sum(margins) / num_train
    loss += reg * np.sum(W * W)
    return loss


def softmax_loss_vectorized(W, X, y, reg):
    num_train = X.shape[0]
    scores = X.dot(W)
    scores -= np.max(scores, axis=1, keepdims=True)
    probs = np.exp(scores) / np.sum(np.exp(scores), axis=1, keepdims=True)
    loss = -np.sum(np.log(probs[np.arange(num_train), y])) / num_train
    loss += 0.5 * reg * np.sum(W * W)
    return loss


# -- scikit-learn: linear-model losses with the intercept at the end of w ------------------------


def _intercept_dot(w, X, y):
    c = 0.0
    if w.size == X.shape[1] + 1:
        c = w[-1]
        w = w[:-1]
    z = X @ w + c
    return w, c, y * z


def logistic_loss(w, X, y, alpha):
    w, c, yz = _intercept_dot(w, X, y)
    return np.sum(np.logaddexp(0, -yz)) + 0.5 * alpha * np.dot(w, w)


def hinge_loss(coef, X, y, alpha=1e-2):
    w, b = coef[:-1], coef[-1]
    margin = y * (X @ w + b)
    return np.mean(np.maximum(0.0, 1.0 - margin)) + alpha * 0.5 * w @ w


def log_loss_clipped(w, X, y, eps=1e-15):
    p = 1.0 / (1.0 + np.exp(-(X @ w)))
    p = np.clip(p, eps, 1 - eps)
    return -np.mean(y * np.log(p) + (1 - y) * np.log(1 - p))


# -- scipy.optimize test problems -----------------------------------------------------------------


def powell_singular(x):
    x1, x2, x3, x4 = x
    return (x1 + 10 * x2) ** 2 + 5 * (x3 - x4) ** 2 + (x2 - 2 * x3) ** 4 + 10 * (x1 - x4) ** 4


def extended_rosenbrock(x):
    odd, even = x.reshape(-1, 2).T
    return np.sum(100.0 * (even - odd ** 2) ** 2 + (1.0 - odd) ** 2)


def wood(x):
    x1, x2, x3, x4 = x
    return (100 * (x1 ** 2 - x2) ** 2 + (x1 - 1) ** 2 + (x3 - 1) ** 2 + 90 * (x3 ** 2 - x4) ** 2
            + 10.1 * ((x2 - 1) ** 2 + (x4 - 1) ** 2) + 19.8 * (x2 - 1) * (x4 - 1))


def polynomial_fit(p, x, y):
    return np.sum((np.polyval(p, x) - y) ** 2)


# -- Bayesian optimization and Gaussian processes --------------------------------------------


def neg_expected_improvement(mu, sigma, best):
    improvement = best - mu
    z = improvement / sigma
    return -np.sum(improvement * norm.cdf(z) + sigma * norm.pdf(z))


def lower_confidence_bound(x, X_train, alpha, log_lengthscale, kappa=2.0):
    ell = np.exp(log_lengthscale)
    sqdist = np.sum((x[:, None, :] - X_train[None, :, :]) ** 2, axis=-1)
    k = np.exp(-0.5 * sqdist / ell ** 2)
    mean = k @ alpha
    var = np.clip(1.0 - np.sum(k ** 2, axis=1) / X_train.shape[0], 1e-9, None)
    return np.sum(mean - kappa * np.sqrt(var))


def gp_log_marginal(params, X, y):
    mean, log_noise, log_scale = params
    K = np.exp(log_scale) * np.exp(-0.5 * np.sum((X[:, None] - X[None]) ** 2, axis=-1))
    K = K + (np.exp(log_noise) + 1e-6) * np.eye(len(y))
    return multivariate_normal.logpdf(y, mean * np.ones(len(y)), K)


# -- mixtures and likelihoods with scipy.special -------------------------------------------------


def gmm_nll(log_weights, means, log_sigmas, X):
    diffs = X[:, None, :] - means[None, :, :]
    sigmas = np.exp(log_sigmas)
    log_comp = -0.5 * np.sum((diffs / sigmas[None]) ** 2, axis=2) - np.sum(log_sigmas, axis=1) \
        - 0.5 * X.shape[1] * np.log(2 * np.pi)
    log_w = log_weights - logsumexp(log_weights)
    return -np.sum(logsumexp(log_comp + log_w, axis=1))


def student_t_nll(params, x):
    mu, log_sigma, log_nu = params
    sigma, nu = np.exp(log_sigma), np.exp(log_nu)
    z = (x - mu) / sigma
    logp = (gammaln((nu + 1) / 2) - gammaln(nu / 2) - 0.5 * np.log(nu * np.pi) - log_sigma
            - (nu + 1) / 2 * np.log1p(z ** 2 / nu))
    return -np.sum(logp)


def beta_binomial_nll(log_ab, k, n):
    a, b = np.exp(log_ab)
    return -np.sum(betaln(k + a, n - k + b) - betaln(a, b))


def dirichlet_nll(log_alpha, P):
    alpha = np.exp(log_alpha)
    return -np.sum(gammaln(alpha.sum()) - gammaln(alpha).sum() + (alpha - 1) @ np.log(P).T)


def dirichlet_mean_log(log_alpha):
    alpha = np.exp(log_alpha)
    return np.sum((digamma(alpha) - digamma(np.sum(alpha))) ** 2)


def matrix_factorization(U, V, R, mask, lam=0.1):
    err = (R - U @ V.T) * mask
    return np.sum(err ** 2) + lam * (np.sum(U ** 2) + np.sum(V ** 2))


# -- PyTorch tutorials and d2l, torch-spelled ------------------------------------------------------


def polynomial_tensors(params, x, y):
    a, b, c, d = params
    y_pred = a + b * x + c * x ** 2 + d * x ** 3
    return (y_pred - y).pow(2).sum()


def two_layer_mm(w1, w2, x, y):
    h = x.mm(w1)
    h_relu = h.clamp(min=0)
    y_pred = h_relu.mm(w2)
    return (y_pred - y).pow(2).sum()


def d2l_softmax(X):
    X_exp = torch.exp(X)
    partition = X_exp.sum(1, keepdim=True)
    return X_exp / partition


def d2l_cross_entropy(y_hat, y):
    return -torch.log(y_hat[range(len(y_hat)), y])


def d2l_softmax_objective(W, b, X, y):
    y_hat = d2l_softmax(torch.matmul(X.reshape((-1, W.shape[0])), W) + b)
    return d2l_cross_entropy(y_hat, y).mean()


def d2l_batch_norm(X, gamma, beta, eps=1e-5):
    mean = X.mean(dim=0)
    var = ((X - mean) ** 2).mean(dim=0)
    X_hat = (X - mean) / torch.sqrt(var + eps)
    return (gamma * X_hat + beta).pow(2).sum()


def simclr_loss(z1, z2, tau=0.5):
    z = F.normalize(torch.cat([z1, z2], dim=0), dim=1)
    sim = z @ z.T / tau
    n = z1.shape[0]
    sim = sim - 1e9 * torch.eye(2 * n)
    targets = torch.cat([torch.arange(n, 2 * n), torch.arange(0, n)])
    return F.cross_entropy(sim, targets)


def triplet_loss(anchor, positive, negative, margin=1.0):
    d_ap = torch.norm(anchor - positive, dim=1)
    d_an = torch.norm(anchor - negative, dim=1)
    return F.relu(d_ap - d_an + margin).mean()


def margin_of_max(logits, target):
    best, _ = torch.max(logits, dim=1)
    picked = logits.gather(1, target.unsqueeze(1)).squeeze(1)
    return (best - picked).mean()


bce_criterion = None if nn is None else nn.BCEWithLogitsLoss(reduction="sum")


def module_criteria(w, X, y):
    logits = F.linear(X, w)
    mse = nn.MSELoss()
    return bce_criterion(logits, y) + mse(torch.sigmoid(logits), y)


def gaussian_nll_split(W, x, y):
    out = x @ W
    mu, log_var = torch.chunk(out, 2, dim=1)
    return (0.5 * (log_var + (y - mu) ** 2 / log_var.exp())).mean()


CASES = [
    Case(svm_loss_vectorized, lambda rng: (normal(rng, 4, 3, scale=0.3), normal(rng, 6, 4), labels(rng, 6, 3), 0.1)),
    Case(softmax_loss_vectorized, lambda rng: (normal(rng, 4, 3, scale=0.3), normal(rng, 6, 4), labels(rng, 6, 3), 0.1)),
    Case(logistic_loss, lambda rng: (normal(rng, 4), normal(rng, 8, 3), signs(rng, 8), 0.5)),
    Case(hinge_loss, lambda rng: (normal(rng, 4), normal(rng, 8, 3), signs(rng, 8))),
    Case(log_loss_clipped, lambda rng: (normal(rng, 3), normal(rng, 8, 3), binary(rng, 8))),
    Case(powell_singular, lambda rng: (normal(rng, 4),)),
    Case(extended_rosenbrock, lambda rng: (normal(rng, 6, scale=0.5),)),
    Case(wood, lambda rng: (normal(rng, 4, scale=0.5),)),
    Case(polynomial_fit, lambda rng: (normal(rng, 3), normal(rng, 7), normal(rng, 7))),
    Case(neg_expected_improvement, lambda rng: (normal(rng, 5), positive(rng, 5), 0.3), wrt=(0, 1)),
    Case(lower_confidence_bound, lambda rng: (normal(rng, 3, 2), normal(rng, 5, 2), normal(rng, 5), 0.2)),
    Case(gp_log_marginal, lambda rng: (np.array([0.1, -1.0, 0.2]), normal(rng, 5, 2), normal(rng, 5))),
    Case(gmm_nll, lambda rng: (normal(rng, 3), normal(rng, 3, 2), normal(rng, 3, 2, scale=0.3), normal(rng, 7, 2)),
         wrt=(0, 1, 2)),
    Case(student_t_nll, lambda rng: (np.array([0.1, -0.2, 1.0]), normal(rng, 8))),
    Case(beta_binomial_nll, lambda rng: (np.array([0.3, 0.5]), np.array([1.0, 4.0, 2.0, 6.0]),
                                         np.array([5.0, 8.0, 6.0, 9.0]))),
    Case(dirichlet_nll, lambda rng: (normal(rng, 3, scale=0.3), rng.dirichlet(np.ones(3), 5))),
    Case(dirichlet_mean_log, lambda rng: (normal(rng, 4, scale=0.3),)),
    Case(matrix_factorization, lambda rng: (normal(rng, 5, 2), normal(rng, 4, 2), normal(rng, 5, 4), binary(rng, 5, 4)),
         wrt=(0, 1)),
    Case(polynomial_tensors, lambda rng: (normal(rng, 4), normal(rng, 9), normal(rng, 9)), framework="torch"),
    Case(two_layer_mm, lambda rng: (normal(rng, 3, 5), normal(rng, 5, 2), normal(rng, 6, 3), normal(rng, 6, 2)),
         wrt=(0, 1), framework="torch"),
    Case(d2l_softmax_objective, lambda rng: (normal(rng, 4, 3, scale=0.5), normal(rng, 3), normal(rng, 5, 2, 2),
                                             labels(rng, 5, 3)), wrt=(0, 1), framework="torch"),
    Case(d2l_batch_norm, lambda rng: (normal(rng, 6, 3), positive(rng, 3), normal(rng, 3)), wrt=(0, 1, 2),
         framework="torch"),
    Case(simclr_loss, lambda rng: (normal(rng, 3, 4), normal(rng, 3, 4)), wrt=(0, 1), framework="torch"),
    Case(triplet_loss, lambda rng: (normal(rng, 5, 3), normal(rng, 5, 3), normal(rng, 5, 3)), wrt=(0, 1, 2),
         framework="torch"),
    Case(margin_of_max, lambda rng: (normal(rng, 5, 4), labels(rng, 5, 4)), framework="torch"),
    Case(module_criteria, lambda rng: (normal(rng, 2, 3), normal(rng, 6, 3), binary(rng, 6, 2)), framework="torch"),
    Case(gaussian_nll_split, lambda rng: (normal(rng, 3, 4, scale=0.3), normal(rng, 6, 3), normal(rng, 6, 2)),
         framework="torch"),
]
