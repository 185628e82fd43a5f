"""Functions in the style of JAX's examples and docs: `jnp` code (here `import numpy as jnp`, so the
reference runs without jax), pytrees of parameters (lists of (W, b), lists of dicts, star-unpacked
layers), `jax.nn`-style helpers written out, `predict(params, inputs)`, batches passed as tuples,
closures over data, `jnp.where`."""
import numpy as jnp
import numpy as onp
from scipy.special import logsumexp

from . import Case
from ._data import layer_params, normal, one_hot, positive, scalar

# -- the MNIST-from-scratch MLP, single example -----------------------------------------------------

def relu(x):
    return jnp.maximum(0, x)


def predict(params, image):
    # per-example predictions
    activations = image
    for w, b in params[:-1]:
        outputs = jnp.dot(w, activations) + b
        activations = relu(outputs)

    final_w, final_b = params[-1]
    logits = jnp.dot(final_w, activations) + final_b
    return logits - logsumexp(logits)


def example_loss(params, image, target):
    preds = predict(params, image)
    return -jnp.sum(preds * target)


def transposed_params(rng, sizes, scale=0.5):
    """[(W, b)] with W of shape (n, m): the JAX tutorial's convention."""
    return [(scale * rng.standard_normal((n, m)), scale * rng.standard_normal(n))
            for m, n in zip(sizes[:-1], sizes[1:])]


# -- the batched classifier: batch as a tuple ------------------------------------------------

def batched_predict(params, inputs):
    for W, b in params[:-1]:
        outputs = jnp.dot(inputs, W) + b
        inputs = jnp.tanh(outputs)
    W, b = params[-1]
    logits = jnp.dot(inputs, W) + b
    return logits - logsumexp(logits, axis=1, keepdims=True)


def loss(params, batch):
    inputs, targets = batch
    preds = batched_predict(params, inputs)
    return -jnp.mean(jnp.sum(preds * targets, axis=1))


def l2_loss(params, batch, reg=1e-3):
    return loss(params, batch) + reg * sum(jnp.sum(w ** 2) for w, _ in params)


# -- the README's tanh-network regression --------------------------------------------------------

def net_predict(params, inputs):
    for W, b in params:
        outputs = jnp.dot(inputs, W) + b
        inputs = jnp.tanh(outputs)  # inputs to the next layer
    return outputs                # no activation on last layer


def logprob_fun(params, inputs, targets):
    preds = net_predict(params, inputs)
    return jnp.sum((preds - targets)**2)


# -- layers as dicts, the last one star-unpacked ---------------------------------------------

def forward(params, x):
    *hidden, last = params
    for layer in hidden:
        x = relu(jnp.dot(x, layer['weights']) + layer['biases'])
    return jnp.dot(x, last['weights']) + last['biases']


def dict_layers_loss(params, x, y):
    return jnp.mean((forward(params, x) - y) ** 2)


def dict_layer_params(rng, widths):
    return [dict(weights=rng.standard_normal((n_in, n_out)) * jnp.sqrt(2 / n_in),
                 biases=jnp.ones(shape=(n_out,)))
            for n_in, n_out in zip(widths[:-1], widths[1:])]


# -- logistic regression with data in globals (the autodiff cookbook) ----------------------------

def sigmoid(x):
    return 0.5 * (jnp.tanh(x / 2) + 1)


def logistic_predict(W, b, inputs):
    return sigmoid(jnp.dot(inputs, W) + b)


inputs = jnp.array([[0.52, 1.12, 0.77],
                    [0.88, -1.08, 0.15],
                    [0.52, 0.06, -1.30],
                    [0.74, -2.49, 1.39]])
targets = jnp.array([True, True, False, True])


def cookbook_loss(W, b):
    preds = logistic_predict(W, b, inputs)
    label_probs = preds * targets + (1 - preds) * (1 - targets)
    return -jnp.sum(jnp.log(label_probs))


# -- quickstart one-liners ---------------------------------------------------------------------

def sum_logistic(x):
    return jnp.sum(1.0 / (1.0 + jnp.exp(-x)))


def selu(x, alpha=1.67, lmbda=1.05):
    return lmbda * jnp.where(x > 0, x, alpha * jnp.exp(x) - alpha)


def sum_selu(x):
    return jnp.sum(selu(x))


# -- jax.nn helpers written out -----------------------------------------------------------------

def gelu(x):
    return 0.5 * x * (1 + jnp.tanh(jnp.sqrt(2 / jnp.pi) * (x + 0.044715 * x ** 3)))


def silu(x):
    return x / (1 + jnp.exp(-x))


def softplus(x):
    return jnp.logaddexp(x, 0.)


def log_softmax(x, axis=-1):
    shifted = x - x.max(axis, keepdims=True)
    return shifted - jnp.log(jnp.sum(jnp.exp(shifted), axis, keepdims=True))


def activations_loss(W, x, labels):
    h = gelu(x @ W)
    h = silu(h) + softplus(h)
    return -jnp.mean(jnp.sum(log_softmax(h) * labels, axis=-1))


# -- linear regression with a dict of parameters ---------------------------------------------

def loss_fn(params, x, y):
    pred = x @ params['w'] + params['b']
    return jnp.mean((pred - y) ** 2)


# -- ridge regression as a closure -----------------------------------------------------------

def make_ridge_loss(X, y, lam):
    def ridge(w):
        return jnp.linalg.norm(X @ w - y) ** 2 + lam * jnp.dot(w, w)
    return ridge


_rng = onp.random.default_rng(7)
ridge_loss = make_ridge_loss(_rng.standard_normal((6, 3)), _rng.standard_normal(6), 0.1)


# -- Huber loss with jnp.where -----------------------------------------------------------------

def huber(r, delta=1.0):
    return jnp.where(jnp.abs(r) < delta, 0.5 * r ** 2, delta * (jnp.abs(r) - 0.5 * delta))


def huber_regression(w, X, y):
    return jnp.mean(huber(X @ w - y))


# -- scaled dot-product attention ----------------------------------------------------------------

def softmax(x, axis=-1):
    unnormalized = jnp.exp(x - x.max(axis, keepdims=True))
    return unnormalized / unnormalized.sum(axis, keepdims=True)


def attention(q, k, v):
    d = q.shape[-1]
    scores = q @ k.T / jnp.sqrt(d)
    weights = softmax(scores, axis=-1)
    return weights @ v


def attention_loss(q, k, v):
    return jnp.sum(attention(q, k, v) ** 2)


# -- an Euler-integrated neural ODE ----------------------------------------------------------

def dynamics(y, params):
    W, b = params
    return jnp.tanh(y @ W + b)


def odeint_euler(y0, params, dt=0.1, n_steps=5):
    y = y0
    for _ in range(n_steps):
        y = y + dt * dynamics(y, params)
    return y


def ode_loss(params, y0, y_target):
    return jnp.sum((odeint_euler(y0, params) - y_target) ** 2)


# -- a training step's loss through value_and_grad-ready `params` tuple ----------------

def mlp_tuple_loss(params, x, y):
    w0, b0, w1, b1 = params
    logits = jnp.maximum(x @ w0 + b0, 0.0) @ w1 + b1
    return -jnp.mean(jnp.sum(log_softmax(logits) * y, axis=-1))


CASES = [
    Case(example_loss, lambda rng: (transposed_params(rng, [4, 5, 3]), normal(rng, 4), one_hot(rng, 1, 3)[0])),
    Case(loss, lambda rng: (layer_params(rng, [3, 4, 3]), (normal(rng, 5, 3), one_hot(rng, 5, 3)))),
    Case(l2_loss, lambda rng: (layer_params(rng, [3, 4, 3]), (normal(rng, 5, 3), one_hot(rng, 5, 3)))),
    Case(logprob_fun, lambda rng: (layer_params(rng, [2, 4, 1]), normal(rng, 5, 2), normal(rng, 5, 1))),
    Case(dict_layers_loss, lambda rng: (dict_layer_params(rng, [3, 4, 2]), normal(rng, 5, 3), normal(rng, 5, 2))),
    Case(cookbook_loss, lambda rng: (normal(rng, 3), scalar(rng)), wrt=(0, 1)),
    Case(sum_logistic, lambda rng: (normal(rng, 4),)),
    Case(sum_selu, lambda rng: (normal(rng, 6),)),
    Case(activations_loss, lambda rng: (normal(rng, 3, 4), normal(rng, 5, 3), one_hot(rng, 5, 4))),
    Case(loss_fn, lambda rng: ({'w': normal(rng, 3), 'b': scalar(rng)}, normal(rng, 6, 3), normal(rng, 6))),
    Case(ridge_loss, name="ridge_closure", args=lambda rng: (normal(rng, 3),)),
    Case(huber_regression, lambda rng: (normal(rng, 3), normal(rng, 8, 3), normal(rng, 8, scale=2.0))),
    Case(attention_loss, lambda rng: (normal(rng, 3, 4), normal(rng, 5, 4), normal(rng, 5, 2)), wrt=(0, 1, 2)),
    Case(ode_loss, lambda rng: (layer_params(rng, [3, 3])[0], normal(rng, 2, 3), normal(rng, 2, 3))),
    Case(mlp_tuple_loss, lambda rng: (tuple(p for layer in layer_params(rng, [3, 4, 2]) for p in layer),
                                      normal(rng, 5, 3), one_hot(rng, 5, 2))),
]
