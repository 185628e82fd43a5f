"""Whole models: MLPs written with a helper `layer`, stabilizing rewrites, forward-value reuse, helper errors."""
import textwrap

import numpy as np
import pytest
from helpers import code_only, load_module, rng, torch

import symdiff

LAYER = {
    "tanh": "def layer(x, w, b):\n    return np.tanh(x @ w + b)\n",
    "relu": "def layer(x, w, b):\n    return np.maximum(x @ w + b, 0)\n",
}
LOSS = {
    "bce": "F.binary_cross_entropy_with_logits(z, y)",
    "ce": "F.cross_entropy(z, y)",
}


def mlp_source(depth: int, activation: str, loss: str) -> str:
    """`def mlp(x, y, w1, b1, ..., wD, bD)`: depth-1 hidden layers through `layer`, then a linear output."""
    params = ", ".join(f"w{i}, b{i}" for i in range(1, depth + 1))
    body = ["    h = x"] + [f"    h = layer(h, w{i}, b{i})" for i in range(1, depth)]
    body += [f"    z = h @ w{depth} + b{depth}", f"    return {LOSS[loss]}"]
    return ("import numpy as np\nimport symdiff.functional as F\n\n" + LAYER[activation] + "\n\n"
            + f"def mlp(x, y, {params}):\n" + "\n".join(body) + "\n")


def mlp_args(depth: int, loss: str, seed=0, n=5, width=4, classes=3):
    r = rng(seed)
    sizes = [3] + [width] * (depth - 1) + [classes]
    x = r.standard_normal((n, sizes[0]))
    y = np.eye(classes)[r.integers(0, classes, n)] if loss == "ce" else (r.random((n, classes)) > 0.5) * 1.0
    params = []
    for i in range(depth):
        params += [r.standard_normal((sizes[i], sizes[i + 1])) / np.sqrt(sizes[i]), r.standard_normal(sizes[i + 1]) * 0.1]
    return [x, y] + params


def torch_mlp_grads(depth, activation, loss, args):
    F = torch.nn.functional
    t = [torch.tensor(a, requires_grad=i >= 2) for i, a in enumerate(args)]
    h = t[0]
    for i in range(depth - 1):
        pre = h @ t[2 + 2 * i] + t[3 + 2 * i]
        h = torch.tanh(pre) if activation == "tanh" else torch.relu(pre)
    z = h @ t[2 * depth] + t[2 * depth + 1]
    value = F.binary_cross_entropy_with_logits(z, t[1]) if loss == "bce" else F.cross_entropy(z, t[1])
    value.backward()
    return value.item(), [a.grad.numpy() for a in t[2:]]


@pytest.mark.parametrize("loss", LOSS)
@pytest.mark.parametrize("activation", LAYER)
@pytest.mark.parametrize("depth", [1, 2, 4, 8])
def test_mlp(tmp_path, depth, activation, loss):
    module = load_module(tmp_path, mlp_source(depth, activation, loss))
    args = mlp_args(depth, loss)
    wrt = tuple(n for i in range(1, depth + 1) for n in (f"w{i}", f"b{i}"))
    value, grads = symdiff.value_and_grad(module.mlp, wrt=wrt)(*args)
    np.testing.assert_allclose(value, module.mlp(*args), rtol=1e-12)
    assert symdiff.check_grad(module.mlp, args, wrt=wrt, eps=1e-4 if activation == "relu" else None) < 1e-5
    if torch is not None:
        expected_value, expected = torch_mlp_grads(depth, activation, loss, args)
        np.testing.assert_allclose(value, expected_value, rtol=1e-10)
        for g, e in zip(grads, expected):
            np.testing.assert_allclose(g, e, rtol=1e-9, atol=1e-12)


def test_mlp_float32_and_torch_spelling(tmp_path):
    source = """
        import torch
        import torch.nn.functional as F

        def layer(x, w, b):
            return torch.tanh(torch.matmul(x, w) + b)

        def mlp(x, y, w1, b1, w2, b2):
            h = layer(x, w1, b1)
            return F.cross_entropy(h @ w2 + b2, y)
    """
    path = tmp_path / "torch_mlp.py"
    path.write_text(textwrap.dedent(source))
    from symdiff.source import FunctionSource

    d = symdiff.derive(FunctionSource.from_file(path, "mlp"), wrt=("w1", "b1", "w2", "b2"),
                       shapes={"x": ("N", "D"), "y": ("N", "K"), "w1": ("D", "H"), "b1": ("H",), "w2": ("H", "K"),
                               "b2": ("K",)})
    args = mlp_args(2, "ce", seed=1)
    grads = d.function(*[a.astype(np.float32) for a in args])
    assert all(g.dtype == np.float32 for g in grads)
    assert symdiff.check_grad(d.compiled("value"), args, wrt=("w1", "b1", "w2", "b2"), grad=d.function) < 1e-5
    code = [line for line in d.source.splitlines() if not line.strip().startswith("#")]
    assert not [line for line in code if "layer(" in line]  # inlined, not called


# -- stabilizing rewrites --------------------------------------------------------------------

def naive_softplus(x):
    return np.log(1 + np.exp(x)).sum()


def naive_sigmoid(x):
    return (1 / (1 + np.exp(-x))).sum()


def log_of_sigmoid(x):
    s = symdiff.functional.sigmoid(x)
    return np.log(s).sum()


def log_of_softmax(x, y):
    p = symdiff.functional.softmax(x, axis=-1)
    return -(y * np.log(p)).sum()


def split_statements(x):
    e = np.exp(x)
    return np.log(1 + e).sum()


def _sigmoid(x):
    """A float64 reference without cancellation: exp(-softplus(-x))."""
    return np.exp(-np.logaddexp(0, -x))


STABLE = {  # function -> (value, gradient), computed stably by hand in float64
    naive_softplus: lambda x: (np.logaddexp(0, x).sum(), _sigmoid(x)),
    naive_sigmoid: lambda x: (_sigmoid(x).sum(), _sigmoid(x) * _sigmoid(-x)),
    log_of_sigmoid: lambda x: (-np.logaddexp(0, -x).sum(), _sigmoid(-x)),
    split_statements: lambda x: (np.logaddexp(0, x).sum(), _sigmoid(x)),
}


@pytest.mark.parametrize("fn", STABLE, ids=lambda f: f.__name__)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_stabilizing_rewrites_at_extremes(fn, dtype):
    x = np.array([-1e4, -30.0, -1.0, 0.0, 2.0, 30.0, 1e4], dtype)
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        value, grad = symdiff.value_and_grad(fn)(x)
    expected_value, expected_grad = STABLE[fn](x.astype(np.float64))
    np.testing.assert_allclose(value, expected_value, rtol=1e-6)
    # sigmoid' is s*(1 - s) from the forward s, as in torch: absolute error up to the dtype's epsilon
    np.testing.assert_allclose(grad, expected_grad, rtol=1e-6, atol=np.finfo(dtype).eps)
    assert value.dtype == dtype and grad.dtype == dtype


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_log_of_softmax_becomes_log_softmax(dtype):
    x = np.array([[1e4, -1e4, 0.0], [3.0, 1.0, -2.0]], dtype)
    y = np.array([[0.2, 0.5, 0.3], [1.0, 0.0, 0.0]], dtype)
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        value, grad = symdiff.value_and_grad(log_of_softmax)(x, y)
    x64, y64 = x.astype(np.float64), y.astype(np.float64)
    lsm = x64 - x64.max(1, keepdims=True)
    lsm -= np.log(np.exp(lsm).sum(1, keepdims=True))
    np.testing.assert_allclose(value, -(y64 * lsm).sum(), rtol=1e-6)
    np.testing.assert_allclose(grad, np.exp(lsm) * y64.sum(1, keepdims=True) - y64, rtol=1e-5, atol=1e-7)


def test_rewrites_are_visible_in_the_derivation():
    assert "softplus" in str(symdiff.derive(naive_softplus, shapes={"x": ("N",)}))
    assert "sigmoid" in str(symdiff.derive(naive_sigmoid, shapes={"x": ("N",)}))


# -- forward values reused ------------------------------------------------------------------

def tanh_model(x, w):
    t = np.tanh(x @ w)
    return t.sum()


def sigmoid_model(x, w):
    s = symdiff.functional.sigmoid(x @ w)
    return s.sum()


def test_backward_reuses_forward_values():
    """In each function: the gradient and the row block it streams (see test_rows)."""
    tanh = symdiff.derive(tanh_model, wrt="w", shapes={"x": ("N", "D"), "w": ("D", "K")})
    functions = code_only(tanh.module_source(("grad",))).split("\ndef ")[1:]
    assert len(functions) == 2
    assert all(code.count("np.tanh") == 1 and "1.0 - t ** 2" in code for code in functions)
    sig = symdiff.derive(sigmoid_model, wrt="w", shapes={"x": ("N", "D"), "w": ("D", "K")})
    functions = code_only(sig.module_source(("grad",))).split("\ndef ")[1:]
    assert len(functions) == 2
    assert all(code.count("np.exp") == 1 and "s * (1.0 - s)" in code.replace("(1.0 - s) * s", "s * (1.0 - s)")
               for code in functions)


# -- helper functions --------------------------------------------------------------------------

def test_errors_inside_helpers_name_the_callee(tmp_path):
    helpers_path = tmp_path / "mylayers.py"
    helpers_path.write_text("import numpy as np\n\n\ndef layer(x, w):\n    y = x @ w\n    x[0] = 0.0\n    return y\n")
    module = load_module(tmp_path, f"""
        import sys
        sys.path.insert(0, {str(tmp_path)!r})
        import numpy as np
        from mylayers import layer

        def model(x, w):
            return layer(x, w).sum()
    """)
    with pytest.raises(symdiff.UnsupportedSyntaxError) as info:
        symdiff.grad(module.model, wrt="w")(np.ones((2, 3)), np.ones((3, 2)))
    assert info.value.filename == str(helpers_path) and info.value.lineno == 6


def test_recursive_helper_is_refused(tmp_path):
    module = load_module(tmp_path, """
        import numpy as np

        def f(x):
            return g(x)

        def g(x):
            return f(x)
    """)
    with pytest.raises(symdiff.UnsupportedSyntaxError, match="calls itself"):
        symdiff.grad(module.f)(np.ones(2))


def test_helper_with_defaults_and_keywords(tmp_path):
    module = load_module(tmp_path, """
        import numpy as np

        def scaled(x, w, scale=2.0, shift=0.0):
            return np.tanh(x @ w * scale + shift)

        def model(x, w):
            return scaled(x, w, shift=1.0).sum() + scaled(x, w).sum()
    """)
    args = [rng(3).standard_normal((3, 2)), rng(4).standard_normal(2)]
    assert symdiff.check_grad(module.model, args, wrt="w") < 1e-6


def test_the_mlp_example_live_and_read_from_its_file():
    from symdiff.examples import mlp

    r = rng(8)
    args = [r.standard_normal((5, 3)), np.eye(4)[r.integers(0, 4, 5)], r.standard_normal((3, 6)), r.standard_normal(6),
            r.standard_normal((6, 6)), r.standard_normal(6), r.standard_normal((6, 4)), r.standard_normal(4)]
    wrt = ("w1", "b1", "w2", "b2", "w3", "b3")
    assert symdiff.check_grad(mlp.mlp, args, wrt=wrt) < 1e-5
    live = symdiff.grad(mlp.mlp, wrt=wrt)(*args)
    read = symdiff.derive(symdiff.source.FunctionSource.from_module("symdiff.examples.mlp", "mlp"), wrt=wrt).function(*args)
    for a, b in zip(live, read):
        np.testing.assert_allclose(a, b, rtol=1e-13)
