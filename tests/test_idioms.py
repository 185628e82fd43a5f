"""Idioms of real code: an array's rows unpacked, sizes solved from sums, split into equal parts or
compared equal, library functions passed as values, torch.nn loss modules, torch.max's (values,
indices) pair. Each gradient is checked against finite differences in float64 (and torch autograd
where the function is torch-spelled); float32 stays float32; each refusal names the line."""
import numpy as np
import pytest
from helpers import fd_gradient, load_module, rng, torch

import symdiff

SOURCE = '''
import numpy as np

from symdiff import functional as sf

try:
    import torch
    from torch import nn
except ImportError:  # the torch-spelled functions still compile; their objects need torch
    torch = nn = None

def himmelblau(p):
    x, y = p
    return (x ** 2 + y - 11) ** 2 + (x + y ** 2 - 7) ** 2


def first_and_rest(W):
    a, *rest = W
    return np.sum(a * rest[0]) + np.sum(rest[-1] ** 2)


def halves(params, noise):
    D = 2
    mean, log_std = params[:D], params[D:]
    return np.sum((mean + np.exp(log_std) * noise) ** 2)


def encoder(h, eps):
    d = eps.shape[1]
    mu, log_var = h[:, :d], h[:, d:]
    return np.sum((mu + np.exp(0.5 * log_var) * eps) ** 2)


def thirds(x):
    a, b, c = np.split(x, 3, axis=1)
    return np.sum(a * b + np.tanh(c))


def zero_the_picked(W, x, idx):
    scores = x @ W
    scores[np.arange(x.shape[0]), idx] = 0.0
    scores[:, idx[:2]] = -1.0
    return np.sum(scores ** 2)


def predict(W, x, act=np.tanh):
    return act(x @ W)


def activations(W, x):
    return np.sum(predict(W, x)) + np.sum(predict(W, x, np.sin)) + np.sum(predict(W, x, act=sf.softplus))


def with_intercept(w, X, y):
    c = 0.0
    if w.size == X.shape[1] + 1:
        c = w[-1]
        w = w[:-1]
    return np.sum(np.logaddexp(0, -y * (X @ w + c))) + 0.5 * w @ w


criterion = nn and nn.CrossEntropyLoss(label_smoothing=0.1)


def module_losses(W, x, t, y):
    logits = x @ W
    mse = nn.MSELoss(reduction="sum")
    return criterion(logits, t) + mse(torch.sigmoid(logits), y) + nn.L1Loss()(logits, y)


def max_pair(x):
    values, _ = torch.max(x, 1)
    return values.sum() + torch.max(x, dim=0).values.sum() + x.min(dim=1)[0].sum()


model = nn and nn.Linear(3, 2)


def calls_a_module(x):
    return model(x).sum()


weighted = nn and nn.CrossEntropyLoss(weight=torch.ones(3))


def weighted_module(x, t):
    return weighted(x, t)
'''


@pytest.fixture(scope="module")
def m(tmp_path_factory):
    return load_module(tmp_path_factory.mktemp("idioms"), SOURCE)


needs_torch = pytest.mark.skipif(torch is None, reason="torch is the oracle, and the modules are its objects")


CASES = {  # name: the arguments, as float64 arrays (integers for class indices)
    "himmelblau": lambda r: (r.standard_normal(2),),
    "first_and_rest": lambda r: (r.standard_normal((3, 2)),),
    "halves": lambda r: (r.standard_normal(4), r.standard_normal((5, 2))),
    "encoder": lambda r: (r.standard_normal((3, 4)), r.standard_normal((3, 2))),
    "thirds": lambda r: (r.standard_normal((2, 6)),),
    "zero_the_picked": lambda r: (r.standard_normal((3, 4)), r.standard_normal((5, 3)), np.array([1, 3, 1, 0, 1])),
    "activations": lambda r: (r.standard_normal((2, 3)), r.standard_normal((4, 2))),
    "with_intercept": lambda r: (r.standard_normal(4), r.standard_normal((6, 3)), np.sign(r.standard_normal(6))),
}


@pytest.mark.parametrize("name", CASES)
def test_gradients_match_finite_differences(m, name):
    fn, args = getattr(m, name), CASES[name](rng(1))
    got = symdiff.grad(fn)(*args)
    np.testing.assert_allclose(got, fd_gradient(fn, args, 0), rtol=1e-6, atol=1e-8)
    got32 = symdiff.grad(fn)(*(a.astype(np.float32) if a.dtype.kind == "f" else a for a in args))
    assert got32.dtype == np.float32
    np.testing.assert_allclose(got32, got, rtol=2e-3, atol=2e-4)


def test_unpacked_length_is_required_of_every_call(m):
    g = symdiff.grad(m.himmelblau)
    g(np.ones(2))
    with pytest.raises(ValueError, match="p: expected shape"):
        g(np.ones(3))


def test_equal_parts_are_checked_at_each_call(m):
    g = symdiff.grad(m.thirds)
    assert g(np.ones((2, 9))).shape == (2, 9)  # 3 parts of 3: the same derivation
    with pytest.raises(ValueError, match="x: expected shape"):
        g(np.ones((2, 7)))


def test_sizes_compared_equal_are_unified(m):
    g = symdiff.grad(m.with_intercept)
    X, y = rng(2).standard_normal((5, 3)), np.ones(5)
    assert g(np.ones(4), X, y).shape == (4,)
    with pytest.raises(ValueError, match="expected shape"):
        g(np.ones(5), X, y)


@pytest.mark.parametrize("name, args", [
    ("module_losses", lambda r: (r.standard_normal((4, 3)), r.standard_normal((5, 4)), r.integers(0, 3, 5),
                                 r.uniform(size=(5, 3)))),
    ("max_pair", lambda r: (r.standard_normal((3, 4)),)),
])
@needs_torch
def test_torch_spelled_against_autograd(m, name, args):
    fn, values = getattr(m, name), args(rng(3))
    got = symdiff.grad(fn)(*values)
    tensors = [torch.tensor(v, requires_grad=i == 0) for i, v in enumerate(values)]
    fn(*tensors).backward()
    np.testing.assert_allclose(got, tensors[0].grad.numpy(), rtol=1e-7, atol=1e-10)
    value = lambda *arrays: fn(*(torch.tensor(a) for a in arrays)).item()  # noqa: E731
    np.testing.assert_allclose(got, fd_gradient(value, values, 0), rtol=1e-5, atol=1e-7)


@pytest.mark.parametrize("name, args, what, do", [
    ("calls_a_module", lambda: (np.ones((2, 3)),), "torch.nn.Module (Linear)", "F.linear"),
    ("weighted_module", lambda: (np.ones((2, 3)), np.zeros(2, dtype=np.int64)), "`weight` tensor held by",
     "as a parameter"),
])
@needs_torch
def test_module_objects_refused_clearly(m, name, args, what, do):
    with pytest.raises(symdiff.SymdiffError) as info:
        symdiff.grad(getattr(m, name))(*args())
    assert what in str(info.value) and do in str(info.value)
    assert info.value.lineno is not None


HEADER = """\
import math
import numpy as np
from scipy.stats import multivariate_normal
try:
    import torch.nn.functional as F
except ImportError:  # symdiff reads `F.layer_norm` from the import statement
    pass
"""
REFUSED = {  # the body of f(x), x of shape (N, D) with named sizes: what is wrong, what to do
    "split into unequal parts": ("a, b, c = np.split(x, 3, axis=1)\n    return (a * b * c).sum()",
                                 "does not split into 3 equal parts", "divide the axis"),
    "math of an array": ("return math.sqrt(x).sum()", "`math.sqrt` of an array", "np.sqrt"),
    "tensordot with bad axes": ("return np.tensordot(x, x, axes=(0, 1, 2)).sum()", "tensordot", "axes=2"),
    "layer_norm over other sizes": ("return F.layer_norm(x, (5,)).sum()", "not the trailing shape", "last axes"),
    "multivariate normal without a mean": ("return multivariate_normal.logpdf(x).sum()", "dimension 1",
                                           "Give the mean"),
    "array assigned through index arrays": ("y = x.copy()\n    y[np.arange(2), np.arange(2)] = x[0, :2]\n"
                                            "    return y.sum()", "of anything but a number", "Assign a number"),
    "polyval of a matrix": ("return np.polyval(x, 2.0).sum()", "1-D array", "as a list"),
    "unknown method of an imported object": ("return multivariate_normal.rvs(x).sum()",
                                             "`multivariate_normal_gen.rvs`", "README"),
}


@pytest.mark.parametrize("case", REFUSED)
def test_refused(tmp_path, case):
    body, what, do = REFUSED[case]
    module = load_module(tmp_path, HEADER + "\n\ndef f(x):\n    " + body + "\n")
    with pytest.raises(symdiff.SymdiffError) as info:
        symdiff.derive(module.f, shapes={"x": ("N", "D")})
    assert what in str(info.value) and do in str(info.value), str(info.value)
    assert info.value.lineno is not None
