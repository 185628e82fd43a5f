"""Every operator: forward value against numpy (and torch), gradient against finite differences (and
torch), float32 kept, extreme inputs finite."""
import numpy as np
import pytest
from helpers import fd_gradient, rng, torch

import symdiff
from symdiff import functional as sf

# -- the functions under test, in numpy / symdiff.functional spelling -------------------------

def arith(a, b):
    return (2.5 - a * 3 + b / 2 - a / b + 1 / b).sum() + (-a).sum() + (+b).sum()


def arith_np(a, b):
    return np.sum(np.subtract(a, b) + np.multiply(a, b) + np.divide(a, b) + np.negative(a) + np.square(b))


def powers(a, b):
    return (a ** 3).sum() + (b ** 0.5).sum() + (b ** -2).sum() + np.power(a, 2).sum()


def exp_log(a, b):
    return (np.exp(a) + np.log(b) + np.log1p(b) + np.sqrt(b)).sum()


def tanh_abs(a, b):
    return (np.tanh(a) * np.abs(a) + np.abs(b)).sum()


def extrema(a, b):
    return (np.maximum(a, b) + np.minimum(a, 0.5) + np.maximum(a, -1.0) + np.minimum(b, a)).sum()


def activations(a, b):
    return (sf.sigmoid(a) + sf.relu(a) + sf.softplus(b) + sf.logsigmoid(a) + np.maximum(b, 0)).sum()


def transposes(x, w):
    return (x.T @ w).sum() + (np.transpose(x) @ w).mean()


def reductions(x, v):
    s0 = np.sum(x, axis=0) * v
    s1 = x.mean(axis=1, keepdims=True) * x
    s2 = x.sum(-1).sum() + np.mean(x) + x.sum(axis=(0, 1))
    return s0.sum() + s1.mean() + s2


def bce_weighted(z, y, w, p):
    return sf.binary_cross_entropy_with_logits(z, y, weight=w, pos_weight=p)


def bce_sum(z, y, w, p):
    return sf.binary_cross_entropy_with_logits(z, y, weight=w, reduction="sum")


def bce_none(z, y, w, p):
    return (sf.binary_cross_entropy_with_logits(z, y, pos_weight=p, reduction="none") * w).sum()


def mse_mean(z, y):
    return sf.mse_loss(z, y)


def mse_sum(z, y):
    return sf.mse_loss(z, y, reduction="sum")


def mse_none(z, y):
    return sf.mse_loss(z, y, reduction="none").sum()


def ce_mean(z, y):
    return sf.cross_entropy(z, y)


def ce_sum_smoothed(z, y):
    return sf.cross_entropy(z, y, reduction="sum", label_smoothing=0.1)


def ce_none_weighted(z, y, w):
    return sf.cross_entropy(z, y, weight=w, reduction="none").sum()


def ce_vector(z, y):
    return sf.cross_entropy(z, y)


def softmax_family(z, v):
    return (sf.softmax(z, axis=-1) * v).sum() + (sf.log_softmax(z, axis=0) * v).sum() + \
        sf.logsumexp(z, axis=1).sum() + sf.logsumexp(z)


# -- the same in torch spelling ---------------------------------------------------------------

TORCH = {
    "arith": lambda a, b: (2.5 - a * 3 + b / 2 - a / b + 1 / b).sum() + (-a).sum() + (+b).sum(),
    "arith_np": lambda a, b: torch.sum(torch.sub(a, b) + torch.mul(a, b) + torch.div(a, b) + torch.neg(a)
                                       + torch.square(b)),
    "powers": lambda a, b: (a ** 3).sum() + (b ** 0.5).sum() + (b ** -2).sum() + torch.pow(a, 2).sum(),
    "exp_log": lambda a, b: (torch.exp(a) + torch.log(b) + torch.log1p(b) + torch.sqrt(b)).sum(),
    "tanh_abs": lambda a, b: (torch.tanh(a) * torch.abs(a) + torch.abs(b)).sum(),
    "extrema": lambda a, b: (torch.maximum(a, b) + torch.minimum(a, torch.tensor(0.5, dtype=a.dtype))
                             + torch.maximum(a, torch.tensor(-1.0, dtype=a.dtype)) + torch.minimum(b, a)).sum(),
    "activations": lambda a, b: (torch.sigmoid(a) + torch.relu(a) + torch.nn.functional.softplus(b)
                                 + torch.nn.functional.logsigmoid(a) + torch.relu(b)).sum(),
    "transposes": lambda x, w: (x.T @ w).sum() + (torch.t(x) @ w).mean(),
    "reductions": lambda x, v: (torch.sum(x, dim=0) * v).sum() + (x.mean(dim=1, keepdim=True) * x).mean()
    + x.sum(-1).sum() + torch.mean(x) + x.sum(),
    "bce_weighted": lambda z, y, w, p: torch.nn.functional.binary_cross_entropy_with_logits(z, y, weight=w, pos_weight=p),
    "bce_sum": lambda z, y, w, p: torch.nn.functional.binary_cross_entropy_with_logits(z, y, weight=w, reduction="sum"),
    "bce_none": lambda z, y, w, p: (torch.nn.functional.binary_cross_entropy_with_logits(
        z, y, pos_weight=p, reduction="none") * w).sum(),
    "mse_mean": lambda z, y: torch.nn.functional.mse_loss(z, y),
    "mse_sum": lambda z, y: torch.nn.functional.mse_loss(z, y, reduction="sum"),
    "mse_none": lambda z, y: torch.nn.functional.mse_loss(z, y, reduction="none").sum(),
    "ce_mean": lambda z, y: torch.nn.functional.cross_entropy(z, y),
    "ce_sum_smoothed": lambda z, y: torch.nn.functional.cross_entropy(z, y, reduction="sum", label_smoothing=0.1),
    "ce_none_weighted": lambda z, y, w: torch.nn.functional.cross_entropy(z, y, weight=w, reduction="none").sum(),
    "ce_vector": lambda z, y: torch.nn.functional.cross_entropy(z, y),
    "softmax_family": lambda z, v: (torch.softmax(z, dim=-1) * v).sum() + (torch.log_softmax(z, dim=0) * v).sum()
    + torch.logsumexp(z, dim=1).sum() + torch.logsumexp(z, dim=(0, 1)),
}


def _probs(r, shape):
    p = r.random(shape) + 0.1
    return p / p.sum(axis=-1, keepdims=True)


# name -> (function, argument maker, wrt, extreme-argument maker or None)
CASES = {
    "arith": (arith, lambda r: [r.standard_normal((3, 1)), r.random(4) + 0.5], (0, 1), None),
    "arith_np": (arith_np, lambda r: [r.standard_normal((3, 4)), r.random(4) + 0.5], (0, 1), None),
    "powers": (powers, lambda r: [r.standard_normal((2, 3)), r.random(3) + 0.5], (0, 1), None),
    "exp_log": (exp_log, lambda r: [r.standard_normal(5), r.random(5) + 0.2], (0, 1), None),
    "tanh_abs": (tanh_abs, lambda r: [r.standard_normal(6), r.standard_normal((2, 6))], (0, 1),
                 lambda r: [np.array([-1e4, 1e4, 3.0]), np.array([-1e4, 2.0, 1e4])]),
    "extrema": (extrema, lambda r: [r.standard_normal((3, 4)), r.standard_normal(4)], (0, 1), None),
    "activations": (activations, lambda r: [r.standard_normal((2, 5)), r.standard_normal(5)], (0, 1),
                    lambda r: [np.array([-1e4, 1e4, -50.0, 50.0]), np.array([1e4, -1e4, 30.0, -30.0])]),
    "transposes": (transposes, lambda r: [r.standard_normal((3, 4)), r.standard_normal((3, 2))], (0, 1), None),
    "reductions": (reductions, lambda r: [r.standard_normal((3, 4)), r.standard_normal(4)], (0, 1), None),
    "bce_weighted": (bce_weighted, lambda r: [r.standard_normal((4, 3)) * 3, r.random((4, 3)), r.random(3) + 0.5,
                                              r.random(3) * 3], (0, 2, 3),
                     lambda r: [np.array([[1e4, -1e4, 0.5]]), np.array([[0.0, 1.0, 1.0]]), np.ones(3), np.full(3, 2.0)]),
    "bce_sum": (bce_sum, lambda r: [r.standard_normal((4, 3)) * 3, r.random((4, 3)), r.random((4, 3)),
                                    np.ones(3)], (0, 2), None),
    "bce_none": (bce_none, lambda r: [r.standard_normal((4, 3)) * 3, r.random((4, 3)), r.random((4, 3)),
                                      r.random(3) + 0.5], (0, 3), None),
    "mse_mean": (mse_mean, lambda r: [r.standard_normal((3, 2)), r.standard_normal((3, 2))], (0, 1), None),
    "mse_sum": (mse_sum, lambda r: [r.standard_normal((3, 2)), r.standard_normal((3, 2))], (0, 1), None),
    "mse_none": (mse_none, lambda r: [r.standard_normal(4), r.standard_normal(4)], (0, 1), None),
    "ce_mean": (ce_mean, lambda r: [r.standard_normal((4, 3)) * 3, _probs(r, (4, 3))], (0, 1),
                lambda r: [np.array([[1e4, -1e4, 0.0], [-1e4, 1e4, 1e4]]), np.array([[0.0, 1.0, 0.0], [0.5, 0.5, 0]])]),
    "ce_sum_smoothed": (ce_sum_smoothed, lambda r: [r.standard_normal((4, 3)), _probs(r, (4, 3))], (0, 1), None),
    "ce_none_weighted": (ce_none_weighted, lambda r: [r.standard_normal((4, 3)), _probs(r, (4, 3)), r.random(3)],
                         (0, 2), None),
    "ce_vector": (ce_vector, lambda r: [r.standard_normal(5), _probs(r, 5)], (0,), None),
    "softmax_family": (softmax_family, lambda r: [r.standard_normal((3, 4)), r.standard_normal(4)], (0,),
                       lambda r: [np.array([[1e4, -1e4, 0.0, 1.0], [-1e4, 1e4, 1e4, 0.0], [1.0, 2.0, 3.0, 4.0]]),
                                  np.arange(4.0)]),
}


def _params(fn):
    return fn.__code__.co_varnames[: fn.__code__.co_argcount]


@pytest.mark.parametrize("case", CASES)
def test_forward_and_gradient_against_numpy_and_finite_differences(case):
    fn, make, wrt, _ = CASES[case]
    args = make(rng(1))
    names = tuple(_params(fn)[i] for i in wrt)
    value, grads = symdiff.value_and_grad(fn, wrt=names)(*args)
    np.testing.assert_allclose(value, fn(*args), rtol=1e-12, atol=1e-12)
    for i, g in zip(wrt, grads):
        np.testing.assert_allclose(g, fd_gradient(fn, args, i), rtol=1e-6, atol=1e-8, err_msg=f"{case} d/d{_params(fn)[i]}")
    assert symdiff.check_grad(fn, args, wrt=names) < 1e-5


# torch refuses to differentiate BCE with respect to `weight` and `pos_weight`
TORCH_CONSTANT = {"bce_weighted": {2, 3}, "bce_sum": {2}, "bce_none": {3}}


@pytest.mark.skipif(torch is None, reason="torch is an optional oracle")
@pytest.mark.parametrize("case", CASES)
def test_against_torch(case):
    fn, make, wrt, _ = CASES[case]
    wrt = tuple(i for i in wrt if i not in TORCH_CONSTANT.get(case, ()))
    args = make(rng(2))
    tensors = [torch.tensor(a, requires_grad=i in wrt) for i, a in enumerate(args)]
    expected = TORCH[case](*tensors)
    expected.backward()
    value, grads = symdiff.value_and_grad(fn, wrt=tuple(_params(fn)[i] for i in wrt))(*args)
    np.testing.assert_allclose(value, expected.item(), rtol=1e-10)
    for i, g in zip(wrt, grads):
        np.testing.assert_allclose(g, tensors[i].grad.numpy(), rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("case", CASES)
def test_float32_is_kept(case):
    fn, make, wrt, _ = CASES[case]
    args = [a.astype(np.float32) for a in make(rng(3))]
    value, grads = symdiff.value_and_grad(fn, wrt=tuple(_params(fn)[i] for i in wrt))(*args)
    assert np.asarray(value).dtype == np.float32, case
    assert all(g.dtype == np.float32 for g in grads), case
    np.testing.assert_allclose(value, fn(*[a.astype(np.float64) for a in args]), rtol=2e-5, atol=1e-5)


@pytest.mark.parametrize("case", [c for c in CASES if CASES[c][3] is not None])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_extreme_inputs_are_finite(case, dtype):
    fn, _, wrt, make_extreme = CASES[case]
    args = [a.astype(dtype) for a in make_extreme(rng(4))]
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        value, grads = symdiff.value_and_grad(fn, wrt=tuple(_params(fn)[i] for i in wrt))(*args)
    assert np.isfinite(value) and all(np.isfinite(g).all() for g in grads)
    with np.errstate(all="ignore"):
        reference = fn(*[a.astype(np.float64) for a in args])
    np.testing.assert_allclose(value, reference, rtol=1e-5)
    if torch is not None:
        torch_wrt = [i for i in wrt if i not in TORCH_CONSTANT.get(case, ())]
        tensors = [torch.tensor(a.astype(np.float64), requires_grad=i in torch_wrt) for i, a in enumerate(args)]
        TORCH[case](*tensors).backward()
        for i, g in zip(wrt, grads):
            if i in torch_wrt:
                np.testing.assert_allclose(g, tensors[i].grad.numpy(), rtol=1e-4, atol=1e-6)


# -- kinks follow torch ------------------------------------------------------------------------

def relu_sum(x):
    return np.maximum(x, 0).sum()


def max_arrays(a, b):
    return np.maximum(a, b).sum()


def abs_sum(x):
    return np.abs(x).sum()


def test_kink_conventions_match_torch():
    x = np.array([-1.0, 0.0, 2.0])
    np.testing.assert_array_equal(symdiff.grad(relu_sum)(x), [0.0, 0.0, 1.0])  # relu'(0) = 0
    np.testing.assert_array_equal(symdiff.grad(abs_sum)(x), [-1.0, 0.0, 1.0])  # abs'(0) = 0
    ga, gb = symdiff.grad(max_arrays, wrt=("a", "b"))(x, np.zeros(3))  # ties split in half
    np.testing.assert_array_equal(ga, [0.0, 0.5, 1.0])
    np.testing.assert_array_equal(gb, [1.0, 0.5, 0.0])


def row_max(x):
    return np.max(x, axis=1).sum()


def largest(x):
    return x.max()


def product(x):
    return np.prod(x)


def row_products(x):
    return np.prod(x, axis=1).sum()


def row_norms(x):
    return np.linalg.norm(x, axis=1).sum()


def row_stds(x):
    return np.std(x, axis=1).sum()


def running_products(x):
    return np.cumprod(x, axis=1)


def test_reduction_kinks_match_torch():
    """Ties of a maximum share the gradient evenly (torch's amax); the gradients of products and
    running products are exact with zeros; norms and standard deviations have gradient 0 at 0."""
    x = np.array([[2.0, 0.0, 3.0, 0.0], [0.0, 5.0, 2.0, 1.0], [1.0, 2.0, 4.0, 0.5]])
    v = np.arange(1.0, 13.0).reshape(3, 4)
    (a, b, c, d), (e, f, g, h), (i, j, k, m) = v
    expected = [[a, 2 * b + 6 * c, 0, 0], [e + 5 * f + 10 * g + 10 * h, 0, 0, 0],
                [i + 2 * j + 8 * k + 4 * m, j + 4 * k + 2 * m, 2 * k + m, 8 * m]]
    np.testing.assert_allclose(symdiff.vjp(running_products)(x, v), expected)
    np.testing.assert_allclose(symdiff.jvp(running_products)(x, np.ones_like(x))[1],
                               [[1, 2, 6, 0], [1, 5, 10, 10], [1, 3, 14, 15]])
    ties = np.array([[1.0, 3.0, 3.0], [2.0, 2.0, 2.0]])
    np.testing.assert_allclose(symdiff.grad(row_max)(ties), [[0, 0.5, 0.5], [1 / 3, 1 / 3, 1 / 3]])
    np.testing.assert_allclose(symdiff.grad(largest)(ties), [[0, 0.5, 0.5], [0, 0, 0]])
    x = np.array([[0.0, 3.0, 2.0], [1.0, 5.0, 2.0]])
    np.testing.assert_array_equal(symdiff.grad(product)(x), [[60, 0, 0], [0, 0, 0]])
    np.testing.assert_array_equal(symdiff.grad(row_products)(x), [[6, 0, 0], [10, 2, 5]])
    np.testing.assert_array_equal(symdiff.grad(product)(np.array([0.0, 2.0, 0.0])), [0, 0, 0])
    flat = np.array([[0.0, 0.0, 0.0], [3.0, 0.0, 4.0]])
    np.testing.assert_allclose(symdiff.grad(row_norms)(flat), [[0, 0, 0], [0.6, 0, 0.8]])
    np.testing.assert_array_equal(symdiff.grad(row_stds)(np.ones((2, 3)))[0], [0, 0, 0])


# -- spellings -------------------------------------------------------------------------------

SPELLINGS = {
    "torch": """
        import torch
        import torch.nn.functional as F
        def f(x, w, y):
            h = torch.tanh(x @ w)
            s = torch.sigmoid(h) + F.relu(h) + F.softplus(h) + F.logsigmoid(h) + torch.exp(-torch.abs(h))
            p = F.softmax(s, dim=-1) + F.log_softmax(s, dim=1)
            return F.mse_loss(p, y) + torch.logsumexp(s, dim=1).mean() + s.sum(dim=0).mean() + torch.t(s).sum()
    """,
    "numpy": """
        import numpy as np
        import symdiff.functional as F
        def f(x, w, y):
            h = np.tanh(np.matmul(x, w))
            s = F.sigmoid(h) + F.relu(h) + F.softplus(h) + F.logsigmoid(h) + np.exp(-np.abs(h))
            p = F.softmax(s, axis=-1) + F.log_softmax(s, axis=1)
            return F.mse_loss(p, y) + F.logsumexp(s, axis=1).mean() + s.sum(axis=0).mean() + np.transpose(s).sum()
    """,
    "scipy and methods": """
        import numpy as np
        from scipy.special import expit, logsumexp, softmax, log_softmax
        import symdiff.functional as F
        def f(x, w, y):
            h = np.tanh(x.dot(w))
            s = expit(h) + F.relu(h) + F.softplus(h) + F.logsigmoid(h) + np.exp(-abs(h))
            p = softmax(s, axis=-1) + log_softmax(s, axis=1)
            return F.mse_loss(p, y) + logsumexp(s, axis=1).mean() + s.sum(0).mean() + s.T.sum()
    """,
}


@pytest.mark.parametrize("spelling", SPELLINGS)
def test_spellings_agree(tmp_path, spelling):
    import textwrap

    from symdiff.source import FunctionSource

    path = tmp_path / "m.py"
    path.write_text(textwrap.dedent(SPELLINGS[spelling]))
    d = symdiff.derive(FunctionSource.from_file(path, "f"), wrt="w", shapes={"x": ("N", "D"), "w": ("D", "K"), "y": ("N", "K")})
    r = rng(5)
    args = [r.standard_normal((4, 3)), r.standard_normal((3, 5)), r.standard_normal((4, 5))]
    reference = symdiff.derive(FunctionSource.from_file(_numpy_file(tmp_path), "f"), wrt="w",
                               shapes={"x": ("N", "D"), "w": ("D", "K"), "y": ("N", "K")})
    np.testing.assert_allclose(d.function(*args), reference.function(*args), rtol=1e-12)
    np.testing.assert_allclose(d.compiled("value")(*args), reference.compiled("value")(*args), rtol=1e-12)
    assert symdiff.check_grad(d.compiled("value"), args, wrt="w", grad=d.function) < 1e-5


def _numpy_file(tmp_path):
    import textwrap

    path = tmp_path / "reference.py"
    path.write_text(textwrap.dedent(SPELLINGS["numpy"]))
    return path
