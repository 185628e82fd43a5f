"""The frameworks symdiff is set against, each spelling the models as its users do. Each `prepare_*`
imports its framework and returns a call computing the value and the gradients; nothing here is
imported until a run asks for that peer."""
from __future__ import annotations

import importlib.util


def installed(module: str) -> bool:
    return importlib.util.find_spec(module) is not None


class Unsupported(Exception):
    """The peer has no spelling of this model here: reported as refused, not as a failure."""


def _torch_models(compile_step=lambda step: step) -> dict:
    """The models in torch; the RNN's time loop calls `compile_step(rnn_step)`."""
    import torch
    import torch.nn.functional as F

    def linear(x, y, w, b):
        return F.binary_cross_entropy_with_logits(x @ w + b, y)

    def mlp(x, y, w1, b1, w2, b2, w3, b3):
        h1 = torch.tanh(x @ w1 + b1)
        h2 = torch.tanh(h1 @ w2 + b2)
        return F.binary_cross_entropy_with_logits(h2 @ w3 + b3, y)

    def rnn_step(h, x_t, y_t, w_xh, w_hh, b_h, w_hy, b_y):
        h = torch.tanh(x_t @ w_xh + h @ w_hh + b_h)
        return h, F.binary_cross_entropy_with_logits(h @ w_hy + b_y, y_t)

    step = compile_step(rnn_step)

    def rnn(x, y, w_xh, w_hh, b_h, w_hy, b_y):
        h = torch.zeros(x.shape[1], w_hh.shape[0], dtype=x.dtype)
        loss = 0.0
        for t in range(x.shape[0]):
            h, step_loss = step(h, x[t], y[t], w_xh, w_hh, b_h, w_hy, b_y)
            loss = loss + step_loss
        return loss / x.shape[0]

    return {"linear": linear, "mlp": mlp, "rnn": rnn}


def _numpy_like_models(xp, mean) -> dict:
    """The models written with a numpy-like module `xp` (jax.numpy, autograd.numpy, pytensor.tensor)
    and its `mean` (autograd's spelling divides the sum by the size); the RNN as a Python loop."""

    def bce(z, y):
        return mean(xp.maximum(z, 0) - z * y + xp.log1p(xp.exp(-xp.abs(z))))

    def linear(x, y, w, b):
        return bce(x @ w + b, y)

    def mlp(x, y, w1, b1, w2, b2, w3, b3):
        h1 = xp.tanh(x @ w1 + b1)
        h2 = xp.tanh(h1 @ w2 + b2)
        return bce(h2 @ w3 + b3, y)

    def rnn(x, y, w_xh, w_hh, b_h, w_hy, b_y):
        h = xp.zeros((x.shape[1], w_hh.shape[0]), dtype=x.dtype)
        loss = 0.0
        for t in range(x.shape[0]):
            h = xp.tanh(x[t] @ w_xh + h @ w_hh + b_h)
            loss = loss + bce(h @ w_hy + b_y, y[t])
        return loss / x.shape[0]

    return {"linear": linear, "mlp": mlp, "rnn": rnn, "bce": bce}


def _torch_call(model, inputs):
    """Forward, then `torch.autograd.grad` (no `.grad` accumulation to reset)."""
    import torch

    tensors = [torch.from_numpy(a.copy()) for a in inputs]
    params = [t.requires_grad_() for t in tensors[2:]]

    def call():
        loss = model(*tensors)
        return loss.detach(), torch.autograd.grad(loss, params)

    return call


def prepare_torch(workload, inputs):
    """Eager autograd."""
    return _torch_call(_torch_models()[workload.model], inputs)


def _jax_scan_rnn(jax, jnp, bce):
    """The RNN as JAX users write it: the time loop as `lax.scan` over (x, y), the state carried."""

    def rnn(x, y, w_xh, w_hh, b_h, w_hy, b_y):
        def step(h, xy):
            x_t, y_t = xy
            h = jnp.tanh(x_t @ w_xh + h @ w_hh + b_h)
            return h, bce(h @ w_hy + b_y, y_t)

        h0 = jnp.zeros((x.shape[1], w_hh.shape[0]), dtype=x.dtype)
        _, losses = jax.lax.scan(step, h0, (x, y))
        return jnp.mean(losses)

    return rnn


def prepare_jax(workload, inputs):
    """`jax.jit(jax.value_and_grad(f))` with float64 enabled, blocking until the result is ready."""
    import jax

    jax.config.update("jax_enable_x64", True)
    import jax.numpy as jnp

    models = _numpy_like_models(jnp, jnp.mean)
    model = _jax_scan_rnn(jax, jnp, models["bce"]) if workload.model == "rnn" else models[workload.model]
    fn = jax.jit(jax.value_and_grad(model, argnums=tuple(range(2, len(inputs)))))
    arrays = [jnp.asarray(a) for a in inputs]
    return lambda: jax.block_until_ready(fn(*arrays))


def prepare_autograd(workload, inputs):
    """HIPS autograd's `value_and_grad` over `autograd.numpy`."""
    import autograd
    import autograd.numpy as anp

    model = _numpy_like_models(anp, lambda a: anp.sum(a) / a.size)[workload.model]
    fn = autograd.value_and_grad(model, argnum=tuple(range(2, len(inputs))))
    return lambda: fn(*inputs)


def prepare_torch_compile(workload, inputs):
    """`torch.compile` (Inductor, CPU) of the model; forward and backward graphs compiled on the
    first call, which is why it is left out of `--quick` runs. For the RNN, of its step: the whole
    loop, unrolled over 100 steps, compiled for more than 8 minutes on this machine."""
    import torch

    if workload.model == "rnn":
        return _torch_call(_torch_models(torch.compile)["rnn"], inputs)
    return _torch_call(torch.compile(_torch_models()[workload.model]), inputs)


def prepare_pytensor(workload, inputs):
    """PyTensor (Theano's successor): the symbolic graph, `pytensor.grad`, one compiled function
    returning the value and the gradients (its default C backend)."""
    if workload.model == "rnn":
        raise Unsupported("no PyTensor spelling of the RNN here (it needs pytensor.scan)")
    import pytensor
    import pytensor.tensor as pt

    dtype = str(inputs[0].dtype)
    symbols = [pt.tensor(f"a{i}", dtype=dtype, shape=(None,) * a.ndim) for i, a in enumerate(inputs)]

    loss = _numpy_like_models(pt, pt.mean)[workload.model](*symbols)
    fn = pytensor.function(symbols, [loss, *pytensor.grad(loss, symbols[2:])])

    def call():
        value, *grads = fn(*inputs)
        return value, grads

    return call
