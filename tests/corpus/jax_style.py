"""In the style of JAX's tutorials (an MLP with `params[:-1]`, dicts and NamedTuples of parameters)."""
from typing import NamedTuple

import numpy as np
from scipy.special import logsumexp


def relu(x):
    return np.maximum(0, x)


def predict(params, image):
    # per-example predictions, batched with matrix products
    activations = image
    for w, b in params[:-1]:
        outputs = activations @ w.T + b
        activations = relu(outputs)

    final_w, final_b = params[-1]
    logits = activations @ final_w.T + final_b
    return logits - logsumexp(logits, axis=1, keepdims=True)


def loss(params, images, targets):
    preds = predict(params, images)
    return -np.mean(preds * targets)


def init_network_params(sizes, seed=0):
    rs = np.random.RandomState(seed)
    return [(0.1 * rs.randn(n, m), 0.1 * rs.randn(n)) for m, n in zip(sizes[:-1], sizes[1:])]


class Params(NamedTuple):
    weight: np.ndarray
    bias: np.ndarray


def loss_fn(params: Params, x, y):
    pred = params.weight * x + params.bias
    return np.mean((pred - y) ** 2)


def mse_dict(params, x, y):
    pred = x @ params["w"] + params["b"]
    return np.mean((pred - y) ** 2)


def nested_dict_mlp(params, x):
    h = np.tanh(x @ params["layer1"]["w"] + params["layer1"]["b"])
    out = h @ params["layer2"]["w"]
    return np.sum(out ** 2) / x.shape[0]


def dict_layers(params, x):
    h = x
    for name in sorted_names(params):
        h = np.tanh(h @ params[name])
    return h.sum()


def sorted_names(params):
    return [k for k in ("a", "b", "c") if k in params]


def tree_l2(params):
    return sum(np.sum(v ** 2) for v in params.values())


def selu_like(x, alpha=1.67, lmbda=1.05):
    return (lmbda * (np.maximum(x, 0) + alpha * (np.exp(np.minimum(x, 0)) - 1))).sum()


def sum_logistic(x):
    return np.sum(1.0 / (1.0 + np.exp(-x)))


def linear_model_loss(params, batch):
    inputs, targets = batch
    preds = inputs @ params["W"] + params["b"]
    return np.sum((preds - targets) ** 2) / inputs.shape[0]
