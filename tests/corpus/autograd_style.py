"""In the style of HIPS autograd's README and examples/ (logistic regression on globals, neural_net.py)."""
import numpy as np
from scipy.special import logsumexp

rs = np.random.RandomState(0)
inputs = rs.randn(6, 3)
targets = (rs.rand(6) > 0.5).astype(float)


def sigmoid(x):
    return 0.5 * (np.tanh(x / 2.) + 1)


def logistic_predictions(weights, inputs):
    # Outputs probability of a label being true according to logistic model.
    return sigmoid(np.dot(inputs, weights))


def training_loss(weights):
    # Training loss is the negative log-likelihood of the training labels.
    preds = logistic_predictions(weights, inputs)
    label_probabilities = preds * targets + (1 - preds) * (1 - targets)
    return -np.sum(np.log(label_probabilities))


def tanh(x):
    y = np.exp(-2.0 * x)
    return ((1.0 - y) / (1.0 + y)).sum()


def init_random_params(scale, layer_sizes, rs=np.random.RandomState(0)):
    """Build a list of (weights, biases) tuples, one for each layer in the net."""
    return [(scale * rs.randn(m, n), scale * rs.randn(n)) for m, n in zip(layer_sizes[:-1], layer_sizes[1:])]


def neural_net_predict(params, inputs):
    """Implements a deep neural network for classification.
       params is a list of (weights, bias) tuples.
       inputs is an (N x D) matrix.
       returns normalized class log-probabilities."""
    for W, b in params:
        outputs = np.dot(inputs, W) + b
        inputs = np.tanh(outputs)
    return outputs - logsumexp(outputs, axis=1, keepdims=True)


def l2_norm(params):
    """Computes l2 norm of params by flattening them into a vector."""
    return sum(np.sum(W ** 2) + np.sum(b ** 2) for W, b in params)


def log_posterior(params, inputs, targets, L2_reg=1.0):
    log_prior = -L2_reg * l2_norm(params)
    log_lik = np.sum(neural_net_predict(params, inputs) * targets)
    return log_prior + log_lik


def objective(params, inputs, targets):
    return -log_posterior(params, inputs, targets, L2_reg=0.1)


def accuracy_free_loss(params, inputs, targets):
    """An objective with the batch size read off the inputs."""
    num_datapoints = inputs.shape[0]
    return -np.sum(neural_net_predict(params, inputs) * targets) / num_datapoints


def make_nn_funs(layer_sizes, L2_reg):
    """A factory returning the loss as a closure, as autograd's bayesian_neural_net.py does."""
    shapes = list(zip(layer_sizes[:-1], layer_sizes[1:]))

    def predictions(params, inputs):
        for W, b in params:
            outputs = np.dot(inputs, W) + b
            inputs = np.tanh(outputs)
        return outputs

    def loss(params, inputs, targets):
        assert len(params) == len(shapes)
        log_prior = -L2_reg * sum(np.sum(W ** 2) for W, _ in params)
        return -log_prior + np.mean((predictions(params, inputs) - targets) ** 2)

    return loss
