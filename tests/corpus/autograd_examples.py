"""Functions in the style of HIPS autograd's examples: `import autograd.numpy as np` code (here
plain numpy), parameter lists of (W, b), dicts of parameters, globals, closures from factories,
loops over time steps and mixture components, scipy.special/scipy.stats helpers."""
import numpy as np
from scipy.special import gammaln, logsumexp
from scipy.stats import norm

from . import Case
from ._data import binary, layer_params, normal, one_hot, positive, signs

# -- logistic regression (globals for the data, as in the example) --------------------------------

INPUTS = np.array([[0.52, 1.12, 0.77],
                   [0.88, -1.08, 0.15],
                   [0.52, 0.06, -1.30],
                   [0.74, -2.49, 1.39]])
TARGETS = np.array([1.0, 1.0, 0.0, 1.0])


def sigmoid(x):
    return 0.5 * (np.tanh(x / 2.0) + 1)


def logistic_predictions(weights, inputs):
    # Outputs probability of a label being true according to logistic model.
    return sigmoid(np.dot(inputs, weights))


def training_loss(weights):
    # Training loss is the negative log-likelihood of the training labels.
    preds = logistic_predictions(weights, INPUTS)
    label_probabilities = preds * TARGETS + (1 - preds) * (1 - TARGETS)
    return -np.sum(np.log(label_probabilities))


# -- the tanh example ---------------------------------------------------------------------------

def tanh(x):
    y = np.exp(-2.0 * x)
    return (1.0 - y) / (1.0 + y)


def sum_tanh(x):
    return np.sum(tanh(x))


# -- neural net classifier ------------------------------------------------------------------------

def neural_net_predict(params, inputs):
    """params is a list of (weights, bias) tuples; inputs is an (N x D) matrix.
    Returns normalized class log-probabilities."""
    for W, b in params:
        outputs = np.dot(inputs, W) + b
        inputs = np.tanh(outputs)
    return outputs - logsumexp(outputs, axis=1, keepdims=True)


def l2_norm(params):
    """Computes l2 norm of params by flattening them into a vector."""
    flattened = np.concatenate([np.ravel(p) for layer in params for p in layer])
    return np.dot(flattened, flattened)


def log_posterior(params, inputs, targets, L2_reg):
    log_prior = -L2_reg * l2_norm(params)
    log_lik = np.sum(neural_net_predict(params, inputs) * targets)
    return log_prior + log_lik


def objective(params, inputs, targets):
    return -log_posterior(params, inputs, targets, 0.1)


# -- neural net regression with a chosen nonlinearity ----------------------------------------

def relu(x):
    return np.maximum(0, x)


def nn_predict(params, inputs, nonlinearity=np.tanh):
    for W, b in params:
        outputs = np.dot(inputs, W) + b
        inputs = nonlinearity(outputs)
    return outputs


def regression_loss(params, inputs, targets):
    preds = nn_predict(params, inputs, relu)
    return np.mean((preds - targets) ** 2)


# -- RNN over a sequence of one-hot characters ------------------------------------------------

def concat_and_multiply(weights, *args):
    cat_state = np.hstack(args + (np.ones((args[0].shape[0], 1)),))
    return np.dot(cat_state, weights)


def rnn_predict(params, inputs):
    def update_rnn(input, hiddens):
        return np.tanh(concat_and_multiply(params['change'], input, hiddens))

    def hiddens_to_output_probs(hiddens):
        output = concat_and_multiply(params['predict'], hiddens)
        return output - logsumexp(output, axis=1, keepdims=True)  # Normalize log-probs.

    num_sequences = inputs.shape[1]
    hiddens = np.repeat(params['init hiddens'], num_sequences, axis=0)
    output = [hiddens_to_output_probs(hiddens)]

    for input in inputs:  # Iterate over time steps.
        hiddens = update_rnn(input, hiddens)
        output.append(hiddens_to_output_probs(hiddens))
    return output


def rnn_log_likelihood(params, inputs, targets):
    logprobs = rnn_predict(params, inputs)
    loglik = 0.0
    num_time_steps, num_examples, _ = inputs.shape
    for t in range(num_time_steps):
        loglik += np.sum(logprobs[t] * targets[t])
    return loglik / (num_time_steps * num_examples)


def rnn_params(rng, input_size=3, state_size=4, output_size=3):
    return {'init hiddens': 0.5 * rng.standard_normal((1, state_size)),
            'change': 0.5 * rng.standard_normal((input_size + state_size + 1, state_size)),
            'predict': 0.5 * rng.standard_normal((state_size + 1, output_size))}


# -- LSTM ---------------------------------------------------------------------------------------

def lstm_predict(params, inputs):
    def update_lstm(input, hiddens, cells):
        change  = np.tanh(concat_and_multiply(params['change'], input, hiddens))
        forget  = sigmoid(concat_and_multiply(params['forget'], input, hiddens))
        ingate  = sigmoid(concat_and_multiply(params['ingate'], input, hiddens))
        outgate = sigmoid(concat_and_multiply(params['outgate'], input, hiddens))
        cells   = cells * forget + ingate * change
        hiddens = outgate * np.tanh(cells)
        return hiddens, cells

    def hiddens_to_output_probs(hiddens):
        output = concat_and_multiply(params['predict'], hiddens)
        return output - logsumexp(output, axis=1, keepdims=True)

    num_sequences = inputs.shape[1]
    hiddens = np.repeat(params['init hiddens'], num_sequences, axis=0)
    cells = np.repeat(params['init cells'], num_sequences, axis=0)

    output = [hiddens_to_output_probs(hiddens)]
    for input in inputs:
        hiddens, cells = update_lstm(input, hiddens, cells)
        output.append(hiddens_to_output_probs(hiddens))
    return output


def lstm_log_likelihood(params, inputs, targets):
    logprobs = lstm_predict(params, inputs)
    loglik = 0.0
    num_time_steps, num_examples, _ = inputs.shape
    for t in range(num_time_steps):
        loglik += np.sum(logprobs[t] * targets[t])
    return loglik / (num_time_steps * num_examples)


def lstm_params(rng, input_size=3, state_size=3, output_size=3):
    def rp(*shape):
        return 0.5 * rng.standard_normal(shape)
    return {'init cells': rp(1, state_size), 'init hiddens': rp(1, state_size),
            'change': rp(input_size + state_size + 1, state_size),
            'forget': rp(input_size + state_size + 1, state_size),
            'ingate': rp(input_size + state_size + 1, state_size),
            'outgate': rp(input_size + state_size + 1, state_size),
            'predict': rp(state_size + 1, output_size)}


def sequences(rng, T=3, B=2, V=3):
    return np.stack([one_hot(rng, B, V) for _ in range(T)])


# -- Gaussian process regression from a factory ---------------------------------------------

def make_gp_funs(cov_func, num_cov_params):
    """Functions that perform Gaussian process regression.
       cov_func has signature (cov_params, x, x')"""

    def unpack_kernel_params(params):
        mean        = params[0]
        cov_params  = params[2:]
        noise_scale = np.exp(params[1]) + 0.0001
        return mean, cov_params, noise_scale

    def log_marginal_likelihood(params, x, y):
        mean, cov_params, noise_scale = unpack_kernel_params(params)
        cov_y_y = cov_func(cov_params, x, x) + noise_scale * np.eye(len(y))
        prior_mean = mean * np.ones(len(y))
        r = y - prior_mean
        sign, logdet = np.linalg.slogdet(cov_y_y)
        return -0.5 * np.dot(r, np.linalg.solve(cov_y_y, r)) - 0.5 * logdet - 0.5 * len(y) * np.log(2 * np.pi)

    return num_cov_params + 2, log_marginal_likelihood


def rbf_covariance(kernel_params, x, xp):
    output_scale = np.exp(kernel_params[0])
    lengthscales = np.exp(kernel_params[1:])
    diffs = np.expand_dims(x / lengthscales, 1) - np.expand_dims(xp / lengthscales, 0)
    return output_scale * np.exp(-0.5 * np.sum(diffs**2, axis=2))


NUM_GP_PARAMS, gp_log_marginal_likelihood = make_gp_funs(rbf_covariance, num_cov_params=3)


def gp_objective(params, x, y):
    return -gp_log_marginal_likelihood(params, x, y)


# -- variational autoencoder lower bound --------------------------------------------------------

def diag_gaussian_log_density(x, mu, log_std):
    return np.sum(norm.logpdf(x, mu, np.exp(log_std)), axis=-1)


def unpack_gaussian_params(params):
    # Params of a diagonal Gaussian.
    D = np.shape(params)[-1] // 2
    mean, log_std = params[:, :D], params[:, D:]
    return mean, log_std


def bernoulli_log_density(targets, unnormalized_logprobs):
    # unnormalized_logprobs are in R
    # Targets must be -1 or 1
    label_probabilities = -np.logaddexp(0, -unnormalized_logprobs * targets)
    return np.sum(label_probabilities, axis=-1)  # Sum across pixels.


def relu_net(params, inputs):
    for W, b in params[:-1]:
        inputs = relu(np.dot(inputs, W) + b)
    W, b = params[-1]
    return np.dot(inputs, W) + b


def vae_lower_bound(gen_params, rec_params, data, noise):
    encoder_output = relu_net(rec_params, data)
    mean, log_std = unpack_gaussian_params(encoder_output)
    latents = mean + np.exp(log_std) * noise
    logits = relu_net(gen_params, latents)
    log_p = bernoulli_log_density(data, logits) + diag_gaussian_log_density(latents, 0, 0)
    log_q = diag_gaussian_log_density(latents, mean, log_std)
    return np.mean(log_p - log_q)


# -- black-box variational inference ------------------------------------------------------------

def black_box_variational_inference(logprob, D):
    """Implements http://arxiv.org/abs/1401.0118, and uses the
    local reparameterization trick from http://arxiv.org/abs/1506.02557"""

    def unpack_params(params):
        # Variational dist is a diagonal Gaussian.
        mean, log_std = params[:D], params[D:]
        return mean, log_std

    def gaussian_entropy(log_std):
        return 0.5 * D * (1.0 + np.log(2 * np.pi)) + np.sum(log_std)

    def variational_objective(params, samples_unit):
        """Provides a stochastic estimate of the variational lower bound."""
        mean, log_std = unpack_params(params)
        samples = samples_unit * np.exp(log_std) + mean
        lower_bound = gaussian_entropy(log_std) + np.mean(logprob(samples))
        return -lower_bound

    return variational_objective


def log_density(x):
    mu, log_sigma = x[:, 0], x[:, 1]
    sigma_density = norm.logpdf(log_sigma, 0, 1.35)
    mu_density = norm.logpdf(mu, 0, np.exp(log_sigma))
    return sigma_density + mu_density


svi_objective = black_box_variational_inference(log_density, D=2)


# -- Gaussian mixture model ---------------------------------------------------------------------

def unpack_gmm_params(params):
    normalized_log_proportions = params['log proportions'] - logsumexp(params['log proportions'])
    return normalized_log_proportions, params['means'], params['log scales']


def gmm_log_likelihood(params, data):
    cluster_lls = []
    for log_proportion, mean, log_scale in zip(*unpack_gmm_params(params)):
        cluster_lls.append(log_proportion + np.sum(norm.logpdf(data, mean, np.exp(log_scale)), axis=1))
    return np.sum(logsumexp(np.vstack(cluster_lls), axis=0))


def gmm_objective(params, data):
    return -gmm_log_likelihood(params, data)


def gmm_params(rng, K=3, D=2):
    return {'log proportions': rng.standard_normal(K),
            'means': rng.standard_normal((K, D)),
            'log scales': 0.3 * rng.standard_normal((K, D))}


# -- Bayesian neural net: many weight samples at once ---------------------------------------

def make_nn_funs(layer_sizes, L2_reg, noise_variance, nonlinearity=np.tanh):
    """These functions implement a standard multi-layer perceptron,
    vectorized over both training examples and weight samples."""
    shapes = list(zip(layer_sizes[:-1], layer_sizes[1:]))
    num_weights = sum((m + 1) * n for m, n in shapes)

    def unpack_layers(weights):
        num_weight_sets = len(weights)
        for m, n in shapes:
            yield weights[:, :m*n]     .reshape((num_weight_sets, m, n)),\
                  weights[:, m*n:m*n+n].reshape((num_weight_sets, 1, n))
            weights = weights[:, (m+1)*n:]

    def predictions(weights, inputs):
        """weights is shape (num_weight_samples x num_weights)
           inputs  is shape (num_datapoints x D)"""
        inputs = np.expand_dims(inputs, 0)
        for W, b in unpack_layers(weights):
            outputs = np.einsum('mnd,mdo->mno', inputs, W) + b
            inputs = nonlinearity(outputs)
        return outputs

    def logprob(weights, inputs, targets):
        log_prior = -L2_reg * np.sum(weights**2, axis=1)
        preds = predictions(weights, inputs)
        log_lik = -np.sum((preds - targets)**2, axis=1)[:, 0] / noise_variance
        return log_prior + log_lik

    return num_weights, predictions, logprob


BNN_NUM_WEIGHTS, bnn_predictions, bnn_logprob = make_nn_funs([1, 4, 1], L2_reg=0.1, noise_variance=0.01)


def bnn_objective(weights, inputs, targets):
    return -np.mean(bnn_logprob(weights, inputs, targets))


# -- negative binomial maximum likelihood -----------------------------------------------------

COUNTS = np.array([3.0, 0.0, 7.0, 2.0, 5.0, 1.0])


def negbin_loglike(r, p, x):
    # the negative binomial log-likelihood we want to maximize
    return gammaln(r + x) - gammaln(r) - gammaln(x + 1) + x * np.log(p) + r * np.log(1 - p)


def negbin_nll(params):
    r = np.exp(params[0])
    p = 1.0 / (1.0 + np.exp(-params[1]))
    return -np.sum(negbin_loglike(r, p, COUNTS))


# -- softmax regression, the log-probabilities by hand -----------------------------------

def softmax_log_likelihood(weights, inputs, targets):
    logits = np.dot(inputs, weights)
    log_probs = logits - np.log(np.sum(np.exp(logits), axis=1, keepdims=True))
    return -np.sum(log_probs * targets) / inputs.shape[0]


CASES = [
    Case(training_loss, lambda rng: (normal(rng, 3),)),
    Case(sum_tanh, lambda rng: (normal(rng, 5),)),
    Case(objective, lambda rng: (layer_params(rng, [3, 4, 3]), normal(rng, 5, 3), one_hot(rng, 5, 3))),
    Case(log_posterior, lambda rng: (layer_params(rng, [3, 4, 3]), normal(rng, 5, 3), one_hot(rng, 5, 3), 0.5),
         name="log_posterior_wrt_params"),
    Case(regression_loss, lambda rng: (layer_params(rng, [2, 5, 1]), normal(rng, 6, 2), normal(rng, 6, 1))),
    Case(rnn_log_likelihood, lambda rng: (rnn_params(rng), sequences(rng), sequences(rng, T=4))),
    Case(lstm_log_likelihood, lambda rng: (lstm_params(rng), sequences(rng), sequences(rng, T=4))),
    Case(gp_objective, lambda rng: (normal(rng, NUM_GP_PARAMS, scale=0.3), normal(rng, 5, 2), normal(rng, 5))),
    Case(vae_lower_bound, lambda rng: (layer_params(rng, [2, 4, 3]), layer_params(rng, [3, 4, 4]),
                                       signs(rng, 5, 3), normal(rng, 5, 2)), wrt=(0, 1)),
    Case(svi_objective, name="svi_objective", args=lambda rng: (normal(rng, 4, scale=0.5), normal(rng, 6, 2))),
    Case(gmm_objective, lambda rng: (gmm_params(rng), normal(rng, 6, 2))),
    Case(bnn_objective, lambda rng: (normal(rng, 3, BNN_NUM_WEIGHTS, scale=0.5), normal(rng, 4, 1), normal(rng, 4, 1))),
    Case(negbin_nll, lambda rng: (np.array([0.5, -0.3]),)),
    Case(softmax_log_likelihood, lambda rng: (normal(rng, 3, 4), normal(rng, 5, 3), one_hot(rng, 5, 4))),
]
