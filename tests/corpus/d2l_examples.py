"""Functions in the style of Dive into Deep Learning's from-scratch chapters (PyTorch edition):
`linreg`/`squared_loss`, softmax and cross-entropy by hand with `y_hat[range(len(y_hat)), y]`,
`net(X)` with `X.reshape((-1, W.shape[0]))`, MLPs with `params` lists, weight decay with a global
`lambd`, RNN/GRU/LSTM from scratch with `for X in inputs:` and `outputs.append`, batch norm with a
shape branch, `corr2d` with index assignment, module-level `nn` loss objects. Torch-spelled: the
reference runs with torch."""
import math

try:
    import torch
    import torch.nn.functional as F
    from torch import nn
except ImportError:
    torch = F = nn = None

from . import Case
from ._data import labels, normal, one_hot, positive, scalar

# -- linear regression from scratch -------------------------------------------------------

def linreg(X, w, b):
    """The linear regression model."""
    return torch.matmul(X, w) + b


def squared_loss(y_hat, y):
    """Squared loss."""
    return (y_hat - y.reshape(y_hat.shape)) ** 2 / 2


def linreg_objective(w, b, X, y):
    l = squared_loss(linreg(X, w, b), y)
    return l.sum() / X.shape[0]


# -- softmax regression from scratch ---------------------------------------------------------

def softmax(X):
    X_exp = torch.exp(X)
    partition = X_exp.sum(1, keepdim=True)
    return X_exp / partition  # The broadcasting mechanism is applied here


def net(X, W, b):
    return softmax(torch.matmul(X.reshape((-1, W.shape[0])), W) + b)


def cross_entropy(y_hat, y):
    return -torch.log(y_hat[range(len(y_hat)), y])


def softmax_regression_objective(W, b, X, y):
    return cross_entropy(net(X, W, b), y).mean()


# -- MLP from scratch ------------------------------------------------------------------------

num_inputs, num_hiddens, num_outputs = 4, 5, 3


def relu(X):
    a = torch.zeros_like(X)
    return torch.max(X, a)


def mlp_net(X, params):
    W1, b1, W2, b2 = params
    X = X.reshape((-1, num_inputs))
    H = relu(X @ W1 + b1)  # Here '@' stands for matrix multiplication
    return (H @ W2 + b2)


loss = None if nn is None else nn.CrossEntropyLoss(reduction='none')


def mlp_objective(params, X, y):
    l = loss(mlp_net(X, params), y)
    return l.mean()


def mlp_params(rng):
    return [0.5 * rng.standard_normal((num_inputs, num_hiddens)), 0.1 * rng.standard_normal(num_hiddens),
            0.5 * rng.standard_normal((num_hiddens, num_outputs)), 0.1 * rng.standard_normal(num_outputs)]


# -- weight decay -------------------------------------------------------------------------------

lambd = 3


def l2_penalty(w):
    return torch.sum(w.pow(2)) / 2


def weight_decay_objective(w, b, X, y):
    l = squared_loss(linreg(X, w, b), y) + lambd * l2_penalty(w)
    return l.sum()


# -- house prices: log RMSE with clamp ---------------------------------------------------

mse = None if nn is None else nn.MSELoss()


def log_rmse(w, b, features, labels):
    # To further stabilize the value when the logarithm is taken, set the value less than 1 as 1
    clipped_preds = torch.clamp(linreg(features, w, b), 1, float('inf'))
    rmse = torch.sqrt(mse(torch.log(clipped_preds), torch.log(labels)))
    return rmse


# -- RNN from scratch ---------------------------------------------------------------------

def rnn(inputs, state, params):
    # Here `inputs` shape: (`num_steps`, `batch_size`, `vocab_size`)
    W_xh, W_hh, b_h, W_hq, b_q = params
    H, = state
    outputs = []
    # Shape of `X`: (`batch_size`, `vocab_size`)
    for X in inputs:
        H = torch.tanh(torch.mm(X, W_xh) + torch.mm(H, W_hh) + b_h)
        Y = torch.mm(H, W_hq) + b_q
        outputs.append(Y)
    return torch.cat(outputs, dim=0), (H,)


def rnn_objective(params, inputs, state, y):
    y_hat, state = rnn(inputs, state, params)
    return F.cross_entropy(y_hat, y.reshape(-1)).mean()


def rnn_params(rng, vocab_size=3, num_hiddens=4):
    def normal(shape):
        return rng.standard_normal(shape) * 0.5
    return [normal((vocab_size, num_hiddens)), normal((num_hiddens, num_hiddens)), normal(num_hiddens),
            normal((num_hiddens, vocab_size)), normal(vocab_size)]


def sequence_args(rng, params, T=3, B=2, V=3, H=4, cell=False):
    inputs = torch_free_one_hots(rng, T, B, V)
    state = (0.1 * rng.standard_normal((B, H)),) if not cell else \
        (0.1 * rng.standard_normal((B, H)), 0.1 * rng.standard_normal((B, H)))
    return params, inputs, state, rng.integers(0, V, (T, B))


def torch_free_one_hots(rng, T, B, V):
    import numpy as np
    return np.eye(V)[rng.integers(0, V, (T, B))]


# -- GRU from scratch -----------------------------------------------------------------------

def gru(inputs, state, params):
    W_xz, W_hz, b_z, W_xr, W_hr, b_r, W_xh, W_hh, b_h, W_hq, b_q = params
    H, = state
    outputs = []
    for X in inputs:
        Z = torch.sigmoid((X @ W_xz) + (H @ W_hz) + b_z)
        R = torch.sigmoid((X @ W_xr) + (H @ W_hr) + b_r)
        H_tilda = torch.tanh((X @ W_xh) + ((R * H) @ W_hh) + b_h)
        H = Z * H + (1 - Z) * H_tilda
        Y = H @ W_hq + b_q
        outputs.append(Y)
    return torch.cat(outputs, dim=0), (H,)


def gru_objective(params, inputs, state, y):
    y_hat, state = gru(inputs, state, params)
    return F.cross_entropy(y_hat, y.reshape(-1)).mean()


def gru_params(rng, vocab_size=3, num_hiddens=4):
    def normal(shape):
        return rng.standard_normal(shape) * 0.5

    def three():
        return (normal((vocab_size, num_hiddens)), normal((num_hiddens, num_hiddens)), normal(num_hiddens))

    W_xz, W_hz, b_z = three()  # Update gate parameters
    W_xr, W_hr, b_r = three()  # Reset gate parameters
    W_xh, W_hh, b_h = three()  # Candidate hidden state parameters
    W_hq, b_q = normal((num_hiddens, vocab_size)), normal(vocab_size)
    return [W_xz, W_hz, b_z, W_xr, W_hr, b_r, W_xh, W_hh, b_h, W_hq, b_q]


# -- LSTM from scratch ---------------------------------------------------------------------

def lstm(inputs, state, params):
    [W_xi, W_hi, b_i, W_xf, W_hf, b_f, W_xo, W_ho, b_o, W_xc, W_hc, b_c,
     W_hq, b_q] = params
    (H, C) = state
    outputs = []
    for X in inputs:
        I = torch.sigmoid((X @ W_xi) + (H @ W_hi) + b_i)
        F_ = torch.sigmoid((X @ W_xf) + (H @ W_hf) + b_f)
        O = torch.sigmoid((X @ W_xo) + (H @ W_ho) + b_o)
        C_tilda = torch.tanh((X @ W_xc) + (H @ W_hc) + b_c)
        C = F_ * C + I * C_tilda
        H = O * torch.tanh(C)
        Y = (H @ W_hq) + b_q
        outputs.append(Y)
    return torch.cat(outputs, dim=0), (H, C)


def lstm_objective(params, inputs, state, y):
    y_hat, state = lstm(inputs, state, params)
    return F.cross_entropy(y_hat, y.reshape(-1)).mean()


def lstm_params(rng, vocab_size=3, num_hiddens=4):
    def normal(shape):
        return rng.standard_normal(shape) * 0.5
    gates = []
    for _ in range(4):
        gates += [normal((vocab_size, num_hiddens)), normal((num_hiddens, num_hiddens)), normal(num_hiddens)]
    return gates + [normal((num_hiddens, vocab_size)), normal(vocab_size)]


# -- batch normalization from scratch (training mode) ------------------------------------------

def batch_norm(X, gamma, beta, eps):
    assert len(X.shape) in (2, 4)
    if len(X.shape) == 2:
        # When using a fully connected layer, calculate the mean and
        # variance on the feature dimension
        mean = X.mean(dim=0)
        var = ((X - mean) ** 2).mean(dim=0)
    else:
        # When using a two-dimensional convolutional layer, calculate the
        # mean and variance on the channel dimension (axis=1). Here we
        # need to maintain the shape of `X`, so that the broadcasting
        # operation can be carried out later
        mean = X.mean(dim=(0, 2, 3), keepdim=True)
        var = ((X - mean) ** 2).mean(dim=(0, 2, 3), keepdim=True)
    X_hat = (X - mean) / torch.sqrt(var + eps)
    Y = gamma * X_hat + beta  # Scale and shift
    return Y


def batch_norm_objective(gamma, beta, X, W):
    Y = batch_norm(X @ W, gamma, beta, eps=1e-5)
    return torch.tanh(Y).sum()


# -- 2-D cross-correlation with index assignment ------------------------------------------

def corr2d(X, K):
    """Compute 2D cross-correlation."""
    h, w = K.shape
    Y = torch.zeros((X.shape[0] - h + 1, X.shape[1] - w + 1))
    for i in range(Y.shape[0]):
        for j in range(Y.shape[1]):
            Y[i, j] = (X[i:i + h, j:j + w] * K).sum()
    return Y


def corr2d_objective(K, X, Y):
    Y_hat = corr2d(X, K)
    return ((Y_hat - Y) ** 2).sum()


# -- dot-product attention on batches (bmm) ------------------------------------------------------

def dot_product_attention(queries, keys, values):
    d = queries.shape[-1]
    # Swap the last two dimensions of `keys` with `keys.transpose(1, 2)`
    scores = torch.bmm(queries, keys.transpose(1, 2)) / math.sqrt(d)
    attention_weights = F.softmax(scores, dim=-1)
    return torch.bmm(attention_weights, values)


def attention_objective(queries, keys, values):
    return dot_product_attention(queries, keys, values).pow(2).sum()


CASES = [
    Case(linreg_objective, lambda rng: (normal(rng, 3, 1), normal(rng, 1), normal(rng, 8, 3), normal(rng, 8)), wrt=(0, 1)),
    Case(softmax_regression_objective, lambda rng: (normal(rng, 4, 3, scale=0.5), normal(rng, 3), normal(rng, 5, 1, 2, 2),
                                                    labels(rng, 5, 3)), wrt=(0, 1)),
    Case(mlp_objective, lambda rng: (mlp_params(rng), normal(rng, 6, 4), labels(rng, 6, 3))),
    Case(weight_decay_objective, lambda rng: (normal(rng, 3, 1), normal(rng, 1), normal(rng, 8, 3), normal(rng, 8)), wrt=(0, 1)),
    Case(log_rmse, lambda rng: (positive(rng, 3, 1), positive(rng, 1), positive(rng, 6, 3), positive(rng, 6, 1, low=1.0, high=5.0)),
         wrt=(0, 1)),
    Case(rnn_objective, lambda rng: sequence_args(rng, rnn_params(rng))),
    Case(gru_objective, lambda rng: sequence_args(rng, gru_params(rng))),
    Case(lstm_objective, lambda rng: sequence_args(rng, lstm_params(rng), cell=True)),
    Case(batch_norm_objective, lambda rng: (positive(rng, 3), normal(rng, 3), normal(rng, 6, 4), normal(rng, 4, 3)),
         wrt=(0, 1, 3)),
    Case(corr2d_objective, lambda rng: (normal(rng, 2, 2), normal(rng, 4, 4), normal(rng, 3, 3))),
    Case(attention_objective, lambda rng: (normal(rng, 2, 3, 4), normal(rng, 2, 5, 4), normal(rng, 2, 5, 2)),
         wrt=(0, 1, 2)),
]
for _case in CASES:
    _case.framework = "torch"
