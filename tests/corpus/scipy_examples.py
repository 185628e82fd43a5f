"""Objectives in the style of scipy.optimize users: a flat parameter vector `x` (unpacked by
indexing or reshaping), test functions (Rosenbrock, Beale, Himmelblau, Styblinski-Tang, Ackley,
Rastrigin), least squares, likelihoods of GLMs, factories that close over data
(`def make_objective(X, y): def f(w): ...; return f`), scipy.special helpers."""
import numpy as np
from scipy.special import expit, logsumexp

from . import Case
from ._data import labels, normal, one_hot, positive, signs


def rosen(x):
    """The Rosenbrock function"""
    return np.sum(100.0*(x[1:]-x[:-1]**2.0)**2.0 + (1-x[:-1])**2.0)


def rosen_builtin_sum(x):
    x = np.asarray(x)
    r = sum(100.0*(x[1:]-x[:-1]**2.0)**2.0 + (1-x[:-1])**2.0, 0.0)
    return r


def rosen_loop(x):
    total = 0.0
    for i in range(len(x) - 1):
        total += 100 * (x[i + 1] - x[i] ** 2) ** 2 + (1 - x[i]) ** 2
    return total


def beale(x):
    x1, x2 = x[0], x[1]
    return ((1.5 - x1 + x1 * x2) ** 2 + (2.25 - x1 + x1 * x2 ** 2) ** 2
            + (2.625 - x1 + x1 * x2 ** 3) ** 2)


def himmelblau(p):
    x, y = p
    return (x ** 2 + y - 11) ** 2 + (x + y ** 2 - 7) ** 2


def styblinski_tang(x):
    return 0.5 * np.sum(x ** 4 - 16 * x ** 2 + 5 * x)


def ackley(x):
    n = x.shape[0]
    return (-20 * np.exp(-0.2 * np.sqrt(np.sum(x ** 2) / n))
            - np.exp(np.sum(np.cos(2 * np.pi * x)) / n) + np.e + 20)


def rastrigin(x, A=10.0):
    return A * len(x) + np.sum(x ** 2 - A * np.cos(2 * np.pi * x))


def least_squares(x, A, b):
    residuals = A @ x - b
    return 0.5 * residuals @ residuals


def least_squares_norm(x, A, b):
    return 0.5 * np.linalg.norm(A.dot(x) - b) ** 2


def make_ridge_objective(X, y, alpha):
    def f(w):
        return np.sum((X @ w - y) ** 2) + alpha * w @ w
    return f


_rng = np.random.default_rng(11)
ridge_objective = make_ridge_objective(_rng.standard_normal((7, 3)), _rng.standard_normal(7), 0.5)


def poisson_nll(beta, X, y):
    eta = X @ beta
    return np.sum(np.exp(eta) - y * eta)


def logistic_nll(w, X, y):
    # labels in {-1, +1}
    return np.sum(np.logaddexp(0, -y * (X @ w))) + 0.5 * np.dot(w, w)


def logistic_expit(w, X, y):
    p = expit(X @ w)
    return -np.mean(y * np.log(p) + (1 - y) * np.log1p(-p))


def softmax_flat_objective(w, X, Y, reg):
    # scipy.optimize.minimize works on a flat vector: unpack it into a (D, K) matrix
    W = w.reshape((X.shape[1], -1))
    scores = X @ W
    log_probs = scores - logsumexp(scores, axis=1, keepdims=True)
    return -np.sum(Y * log_probs) / X.shape[0] + 0.5 * reg * np.sum(W * W)


def normal_nll(theta, data):
    mu, log_sigma = theta
    sigma = np.exp(log_sigma)
    n = len(data)
    return np.sum(0.5 * ((data - mu) / sigma) ** 2 + log_sigma) + 0.5 * n * np.log(2 * np.pi)


def make_nll(data):
    n = data.shape[0]

    def nll(params):
        mu = params[0]
        sigma = np.exp(params[1])
        return n * np.log(sigma) + np.sum((data - mu) ** 2) / (2 * sigma ** 2)
    return nll


normal_nll_closure = make_nll(np.array([0.3, -1.2, 0.8, 2.1, 0.0, 0.5]))


def deconvolution(x, w, target):
    return np.sum((np.convolve(x, w, mode='valid') - target) ** 2)


def exponential_fit(params, t, y):
    # curve_fit-style model y = a * exp(-b t) + c as a sum of squares
    a, b, c = params
    model = a * np.exp(-b * t) + c
    return np.sum((model - y) ** 2)


def trid(x):
    return np.sum((x - 1) ** 2) - np.sum(x[1:] * x[:-1])


CASES = [
    Case(rosen, lambda rng: (normal(rng, 5, scale=0.5),)),
    Case(rosen_builtin_sum, lambda rng: (normal(rng, 5, scale=0.5),)),
    Case(rosen_loop, lambda rng: (normal(rng, 4, scale=0.5),)),
    Case(beale, lambda rng: (normal(rng, 2, scale=0.5),)),
    Case(himmelblau, lambda rng: (normal(rng, 2),)),
    Case(styblinski_tang, lambda rng: (normal(rng, 4),)),
    Case(ackley, lambda rng: (normal(rng, 3),)),
    Case(rastrigin, lambda rng: (normal(rng, 3),)),
    Case(least_squares, lambda rng: (normal(rng, 3), normal(rng, 6, 3), normal(rng, 6)), wrt=(0, 1, 2)),
    Case(least_squares_norm, lambda rng: (normal(rng, 3), normal(rng, 6, 3), normal(rng, 6))),
    Case(ridge_objective, name="ridge_closure", args=lambda rng: (normal(rng, 3),)),
    Case(poisson_nll, lambda rng: (normal(rng, 3, scale=0.3), normal(rng, 8, 3), rng.poisson(2.0, 8))),
    Case(logistic_nll, lambda rng: (normal(rng, 3), normal(rng, 8, 3), signs(rng, 8))),
    Case(logistic_expit, lambda rng: (normal(rng, 3), normal(rng, 8, 3), rng.integers(0, 2, 8).astype(float))),
    Case(softmax_flat_objective, lambda rng: (normal(rng, 12, scale=0.5), normal(rng, 6, 4), one_hot(rng, 6, 3), 0.1)),
    Case(normal_nll, lambda rng: (np.array([0.2, -0.1]), normal(rng, 7))),
    Case(normal_nll_closure, name="normal_nll_closure", args=lambda rng: (np.array([0.2, 0.3]),)),
    Case(deconvolution, lambda rng: (normal(rng, 6), normal(rng, 3), normal(rng, 4)), wrt=(0, 1)),
    Case(exponential_fit, lambda rng: (np.array([1.5, 0.7, 0.2]), np.linspace(0, 2, 6), positive(rng, 6))),
    Case(trid, lambda rng: (normal(rng, 4),)),
]
