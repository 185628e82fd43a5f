"""Elementwise functions beyond what the op test (test_every_op.py) checks: stability at large
arguments, torch's derivatives at kinks and boundaries, the code they emit, and their refusals."""
import numpy as np
import pytest
from helpers import load_module, torch

import symdiff
from symdiff import UnsupportedSyntaxError

HEADER = """\
import numpy as np
import scipy.special
from symdiff import functional as sf
try:
    import torch
    import torch.nn.functional as F
except ImportError:
    torch = F = None


"""


def module_of(tmp_path, body: str, params: str = "x"):
    return load_module(tmp_path, HEADER + f"def f({params}):\n    return {body}\n")


# (the function, its parameters) that must be finite, value and gradient, at arguments of ±1e4
STABLE = {
    "logaddexp": ("np.logaddexp(x, y).sum()", "x, y"),
    "logaddexp2": ("np.logaddexp2(x, y).sum()", "x, y"),
    "softplus": ("sf.softplus(x).sum()", "x"),
    "logsigmoid": ("sf.logsigmoid(x).sum()", "x"),
    "hypot": ("np.hypot(x, y).sum()", "x, y"),
    "silu": ("sf.silu(x).sum()", "x"),
    "elu": ("sf.elu(x).sum()", "x"),
    "gelu": ("sf.gelu(x).sum() + sf.gelu(x, approximate='tanh').sum()", "x"),
    "kl_div at a zero target": ("F.kl_div(x, y * 0.0, reduction='sum')", "x, y"),
}


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("case", STABLE)
def test_finite_at_large_arguments(tmp_path, case, dtype):
    body, params = STABLE[case]
    if "F." in body and torch is None:
        pytest.skip("torch-spelled")
    module = module_of(tmp_path, body, params)
    args = [np.array([1e4, -1e4, 1e4, 0.5], dtype), np.array([-1e4, 1e4, 1e4, -0.5], dtype)][: params.count(",") + 1]
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        value, grads = symdiff.value_and_grad(module.f, wrt=tuple(range(len(args))))(*args)
    assert np.isfinite(value) and all(np.isfinite(g).all() and g.dtype == dtype for g in grads)


def test_logaddexp_gradient_is_the_softmax_weights(tmp_path):
    module = module_of(tmp_path, "np.logaddexp(x, y).sum()", "x, y")
    x, y = np.array([1e4, -1e4, 0.0, 2.0]), np.array([-1e4, 1e4, 0.0, 1.0])
    gx, gy = symdiff.grad(module.f, wrt=("x", "y"))(x, y)
    weight = 1 / (1 + np.exp(-1.0))
    np.testing.assert_allclose(gx, [1.0, 0.0, 0.5, weight])
    np.testing.assert_allclose(gy, [0.0, 1.0, 0.5, 1 - weight])


# (the function, an argument at its kink or boundary, the gradient torch gives there)
KINKS = {
    "clip passes at its bounds": ("np.clip(x, -1.0, 1.0).sum()", [-1.0, 1.0, 2.0, 0.0], [1.0, 1.0, 0.0, 1.0]),
    "clip below only": ("np.clip(x, 0.0, None).sum()", [0.0, -1.0, 1.0], [1.0, 0.0, 1.0]),
    "clip above only": ("np.clip(x, None, 0.0).sum()", [0.0, -1.0, 1.0], [1.0, 1.0, 0.0]),
    "sign": ("np.sign(x).sum()", [0.0, 1.0], [0.0, 0.0]),
    "rounding": ("(np.floor(x) + np.ceil(x) + np.rint(x) + np.trunc(x)).sum()", [0.5, 1.0], [0.0, 0.0]),
    "leaky_relu": ("F.leaky_relu(x, 0.1).sum()", [0.0, 1.0, -1.0], [0.1, 1.0, 0.1]),
    "elu": ("F.elu(x, alpha=0.5).sum()", [0.0, 1.0], [0.5, 1.0]),
    "hardtanh stops at its bounds": ("F.hardtanh(x).sum()", [-1.0, 1.0, 0.0], [0.0, 0.0, 1.0]),
    "relu6": ("F.relu6(x).sum()", [0.0, 6.0, 3.0], [0.0, 0.0, 1.0]),
    "where gives the branch taken": ("np.where(x > 0, x, 2 * x).sum()", [0.0, 1.0], [2.0, 1.0]),
    "mask times x": ("((x >= 0) * x).sum()", [0.0, -1.0], [1.0, 0.0]),
}


@pytest.mark.parametrize("case", KINKS)
def test_derivatives_at_kinks_follow_torch(tmp_path, case):
    body, x, expected = KINKS[case]
    if "F." in body and torch is None:
        pytest.skip("torch-spelled")
    module = module_of(tmp_path, body)
    np.testing.assert_array_equal(symdiff.grad(module.f)(np.array(x)), expected)


@pytest.mark.skipif(torch is None, reason="torch is an optional oracle")
def test_clamp_with_array_bounds_matches_torch_at_the_bounds(tmp_path):
    module = module_of(tmp_path, "torch.clamp(x, lo, hi).sum()", "x, lo, hi")
    x, lo, hi = np.array([-1.0, 1.0, 0.0, -3.0, 3.0]), -np.ones(5), np.ones(5)
    ours = symdiff.grad(module.f, wrt=(0, 1, 2))(x, lo, hi)
    tensors = [torch.tensor(a, requires_grad=True) for a in (x, lo, hi)]
    torch.clamp(*tensors).sum().backward()
    for got, t in zip(ours, tensors):
        np.testing.assert_array_equal(got, t.grad.numpy())


def test_emitted_spellings(tmp_path):
    module = module_of(tmp_path, "(np.clip(x, -1.0, 1.0) * np.arcsin(x / 2) + scipy.special.erf(x)).sum()")
    source = symdiff.derive(module.f, shapes={"x": ("N",)}).source
    assert "np.clip(x, -1.0, 1.0)" in source and "np.arcsin(" in source
    assert "(x >= -1.0) & (x <= 1.0)" in source  # clip's gradient mask, multiplied as a boolean
    assert "import scipy.special" in source and "scipy.special.erf(" in source  # numpy has no erf


def test_a_module_without_erf_imports_numpy_alone(tmp_path):
    module = module_of(tmp_path, "np.sin(x).sum()")
    assert "scipy" not in symdiff.derive(module.f, shapes={"x": ("N",)}).source


@pytest.mark.skipif(torch is None, reason="torch is an optional oracle")
@pytest.mark.parametrize("body", ["F.leaky_relu(x, 0.1)", "F.elu(x, 0.5)", "F.hardtanh(x, -0.5, 0.5)", "F.selu(x)",
                                  "torch.where(x > 0, x * x, -x)", "F.huber_loss(x, 0 * x, reduction='none', delta=0.5)",
                                  "F.smooth_l1_loss(x, 0 * x, reduction='none', beta=0.5)"])
def test_gradients_at_kinks_match_torch(tmp_path, body):
    module = module_of(tmp_path, f"({body}).sum()")
    x = np.array([-1.0, -0.5, 0.0, 0.5, 1.0, 2.0])
    t = torch.tensor(x, requires_grad=True)
    module.f(t).backward()
    np.testing.assert_allclose(symdiff.grad(module.f)(x), t.grad.numpy(), rtol=1e-12, atol=1e-12)


# (the function, what the message says is wrong, what it says to do)
REFUSED = {
    "clip without bounds": ("np.clip(x, None, None).sum()", "both are None", "Give `min` or `max`"),
    "gelu approximation": ("sf.gelu(x, approximate='erf').sum()", "`approximate` must be 'none' or 'tanh'", ""),
    "array slope": ("sf.leaky_relu(x, x).sum()", "`negative_slope` must be a constant", ""),
    "kl_div reduction": ("F.kl_div(x, x, reduction='avg')", "'mean' or 'batchmean' or 'sum' or 'none'", ""),
}


@pytest.mark.parametrize("case", REFUSED)
def test_refused(tmp_path, case):
    body, what, do = REFUSED[case]
    module = module_of(tmp_path, body)
    with pytest.raises(UnsupportedSyntaxError) as info:
        symdiff.derive(module.f, shapes={"x": ("N",)})
    assert info.value.lineno == 12 and what in str(info.value) and do in str(info.value)
