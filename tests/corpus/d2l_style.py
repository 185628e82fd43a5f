"""In the style of d2l.ai (Dive into Deep Learning) and the PyTorch tutorials, torch-spelled."""
import numpy as np
import torch
from torch.nn import functional as F

try:
    import d2l  # noqa: F401
except ImportError:
    class d2l:  # the attributes d2l's numpy backend defines
        pass

d2l.reduce_sum = lambda x, *args, **kwargs: x.sum(*args, **kwargs)
d2l.exp = lambda x: torch.exp(x)
matmul = torch.matmul

num_inputs, num_hiddens, num_outputs = 4, 5, 3
_rs = np.random.RandomState(1)
W1 = _rs.randn(num_inputs, num_hiddens) * 0.1
b1 = np.zeros(num_hiddens)
W2 = _rs.randn(num_hiddens, num_outputs) * 0.1
b2 = np.zeros(num_outputs)


def linreg(X, w, b):
    """The linear regression model."""
    return torch.matmul(X, w) + b


def squared_loss(y_hat, y):
    """Squared loss."""
    return (y_hat - y) ** 2 / 2


def linreg_loss(X, y, w, b):
    return squared_loss(linreg(X, w, b), y).sum() / len(y)


def softmax(X):
    X_exp = d2l.exp(X)
    partition = d2l.reduce_sum(X_exp, 1, keepdims=True)
    return X_exp / partition  # The broadcasting mechanism is applied here


def softmax_regression_loss(X, y_onehot, W, b):
    y_hat = softmax(matmul(X, W) + b)
    return -d2l.reduce_sum(y_onehot * torch.log(y_hat)) / X.shape[0]


def relu(X):
    return torch.maximum(X, 0 * X)


def net(X):
    H = relu(X @ W1 + b1)  # Here '@' stands for matrix multiplication
    return H @ W2 + b2


def mlp_loss(X, y_onehot):
    return F.cross_entropy(net(X), y_onehot)


def l2_penalty(w):
    return torch.sum(w.pow(2)) / 2


def polynomial_loss(x, y, a, b, c, d):
    y_pred = a + b * x + c * x ** 2 + d * x ** 3
    loss = (y_pred - y).pow(2).sum()
    return loss


def params_list_loss(params, X, y):
    W1, b1, W2, b2 = params
    H = F.relu(X @ W1 + b1)
    return F.mse_loss(H @ W2 + b2, y)


class LinearRegressionScratch:
    """d2l's `class LinearRegressionScratch(d2l.Module)`, its parameters as attributes."""

    def __init__(self, num_inputs, lr, sigma=0.01):
        rs = np.random.RandomState(2)
        self.w = rs.randn(num_inputs, 1) * sigma
        self.b = np.zeros(1)
        self.lr = lr

    def forward(self, X):
        return torch.matmul(X, self.w) + self.b

    def loss(self, X, y):
        l = (self.forward(X) - y) ** 2 / 2
        return l.mean()
