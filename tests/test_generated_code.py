"""Properties of the generated code: shape-generic, dtype-preserving, stable, deterministic, real files."""
import ast
import inspect
import os
import re
import subprocess
import sys
import traceback

import numpy as np
import pytest
from helpers import fd_gradient, rng, torch

import symdiff
from symdiff.functional import binary_cross_entropy_with_logits as bce

SHAPES = {"x": ("N", "D"), "y": ("N", "K"), "w": ("D", "K"), "b": ("K",)}


def logistic(x, y, w, b):
    z = x @ w + b
    return bce(z, y)


def batch(n, d=6, k=3, seed=0, dtype=np.float64):
    r = rng(seed)
    return [a.astype(dtype) for a in (r.standard_normal((n, d)), (r.random((n, k)) > 0.5) * 1.0,
                                      r.standard_normal((d, k)), r.standard_normal(k))]


def test_one_derivation_serves_every_size():
    g = symdiff.grad(logistic, wrt=("w", "b"))
    for n in (1, 7, 2048):
        args = batch(n)
        gw, gb = g(*args)
        if n <= 7:
            np.testing.assert_allclose(gw, fd_gradient(logistic, args, 2), rtol=1e-6, atol=1e-9)
            np.testing.assert_allclose(gb, fd_gradient(logistic, args, 3), rtol=1e-6, atol=1e-9)
        else:
            assert symdiff.check_grad(logistic, args, wrt=("w", "b")) < 1e-5
    assert len(g.derivations) == 1
    (derivation,) = g.derivations.values()
    source = derivation.source
    for size in ("2048", "7", "6"):
        assert not re.search(rf"\b{size}\b", source)


def test_source_does_not_depend_on_sizes():
    small = symdiff.grad(logistic, wrt=("w", "b"))
    large = symdiff.grad(logistic, wrt=("w", "b"))
    small(*batch(3, 2, 2))
    large(*batch(300, 50, 9))
    (a,), (b,) = small.derivations.values(), large.derivations.values()
    assert a.source == b.source


def test_float32_stays_float32():
    args = batch(9, dtype=np.float32)
    value, (gw, gb) = symdiff.value_and_grad(logistic, wrt=("w", "b"))(*args)
    assert value.dtype == np.float32 and gw.dtype == np.float32 and gb.dtype == np.float32
    assert symdiff.check_grad(logistic, args, wrt=("w", "b")) < 2e-3


def test_integer_targets_are_used_in_the_floating_dtype():
    x, y, w, b = batch(5, dtype=np.float32)
    value, (gw, gb) = symdiff.value_and_grad(logistic, wrt=("w", "b"))(x, y.astype(np.int64), w, b)
    assert value.dtype == np.float32 and gw.dtype == np.float32
    expected = symdiff.grad(logistic, wrt=("w", "b"))(x, y, w, b)
    np.testing.assert_allclose(gw, expected[0], rtol=1e-5, atol=1e-7)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_extreme_logits_are_finite_and_exact(dtype):
    """z = x @ w + b = ±1e4: the loss is 1e4 per wrong element and the gradient is sigmoid(z) - y."""
    x = np.ones((4, 1), dtype)
    w = np.ones((1, 2), dtype)
    b = np.array([1e4 - 1, -1e4 - 1], dtype)  # z = [1e4, -1e4] in every row
    y = np.array([[0, 1], [1, 0], [0, 0], [1, 1]], dtype)
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        value, (gw, gb) = symdiff.value_and_grad(logistic, wrt=("w", "b"))(x, y, w, b)
    z_positive = np.array([1.0, 0.0])  # sigmoid(1e4) = 1, sigmoid(-1e4) = 0 exactly in both dtypes
    expected_dz = (z_positive - y) / y.size
    np.testing.assert_allclose(gb, expected_dz.sum(0), rtol=1e-6)
    np.testing.assert_allclose(gw, x.T @ expected_dz, rtol=1e-6)
    wrong = np.abs(z_positive - y).sum()  # each wrong element costs |z| = 1e4
    np.testing.assert_allclose(value, wrong * 1e4 / y.size, rtol=1e-6)
    assert value.dtype == dtype and gw.dtype == dtype


def test_generated_function_is_a_real_file():
    g = symdiff.grad(logistic, wrt=("w", "b"))
    g(*batch(3))
    fn = next(iter(g._functions.values())).fn
    path = inspect.getsourcefile(fn)
    assert os.path.exists(path)
    assert "dz = " in inspect.getsource(fn)
    with pytest.raises(ValueError) as info:
        fn(*batch(3)[:2], np.ones((5, 3)), np.ones(3))
    frames = traceback.extract_tb(info.tb)
    assert frames[-1].filename == path and "raise ValueError" in frames[-1].line
    assert "w: expected shape (D, K)" in str(info.value)


def test_no_python_loops_in_generated_code():
    source = symdiff.derive(logistic, wrt=("w", "b"), shapes=SHAPES).source
    tree = ast.parse(source)
    for function in tree.body:  # but the driver's over blocks of rows (see test_rows)
        if isinstance(function, ast.FunctionDef):
            function.body = [s for s in function.body if not (isinstance(s, ast.If) and "rows" in ast.unparse(s.test))]
    assert not [n for n in ast.walk(tree) if isinstance(n, (ast.For, ast.While, ast.comprehension))]


DETERMINISM = """
import symdiff
from symdiff.examples.tutorial import loss
d = symdiff.derive(loss, wrt=("w", "b"))
print(d.source)
print(d)
"""


def test_deterministic_across_hash_seeds():
    outputs = set()
    for seed in ("0", "1", "12345"):
        env = dict(os.environ, PYTHONHASHSEED=seed)
        result = subprocess.run([sys.executable, "-c", DETERMINISM], capture_output=True, env=env, timeout=120)
        assert result.returncode == 0, result.stderr
        outputs.add(result.stdout)
    assert len(outputs) == 1


def test_gradient_does_not_alias_inputs():
    def f(x, w):
        return bce(x + w, x)

    x, w = np.ones(3), np.zeros(3)
    x.flags.writeable = False
    w.flags.writeable = False
    g = symdiff.grad(f, wrt=("x", "w"))(x, w)
    assert all(a.flags.writeable for a in g)
    assert g[0] is not g[1]


@pytest.mark.skipif(torch is None, reason="torch is an optional oracle")
def test_float32_matches_torch_float32():
    args = batch(16, dtype=np.float32)
    t = [torch.tensor(a, requires_grad=i >= 2) for i, a in enumerate(args)]
    torch.nn.functional.binary_cross_entropy_with_logits(t[0] @ t[2] + t[3], t[1]).backward()
    gw, gb = symdiff.grad(logistic, wrt=("w", "b"))(*args)
    np.testing.assert_allclose(gw, t[2].grad.numpy(), rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(gb, t[3].grad.numpy(), rtol=1e-5, atol=1e-7)
