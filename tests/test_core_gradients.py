"""Gradients of matrix products, broadcasting additions and BCE-with-logits, against finite
differences (per element and along random directions) and torch where installed."""
import numpy as np
import pytest
from helpers import fd_gradient, rng, torch, torch_grads

import symdiff
from symdiff.functional import binary_cross_entropy_with_logits as bce


def logistic(x, y, w, b):
    return bce(x @ w + b, y)


def logistic_sum(x, y, w, b):
    return bce(x @ w + b, y, reduction="sum")


def logistic_none(x, y, w, b):
    return bce(x @ w + b, y, reduction="none")


def matvec_scalar_bias(x, y, w, c):
    return bce(x @ w + c, y)


def two_layers(x, y, w1, b1, w2, b2):
    h = x @ w1 + b1
    z = h @ w2 + b2
    return bce(z, y)


def used_twice(x, y, y2, w, b):
    z = x @ w + b
    return bce(z, y) + bce(z + z, y2)


def shared_weight(x, x2, y, w):
    return bce(x @ w + x2 @ w, y)


def column_bias(w, x, y, b):
    return bce(w @ x + b, y)


def row_bias(x, y, w, b):
    return bce(np.matmul(x, w) + b, y)


def vec_vec(x, w, y):
    return bce(x @ w, y)


def mat_vec(x, w, y):
    return bce(np.dot(x, w), y)


def vec_mat(x, w, y):
    return bce(np.matmul(x, w), y)


def check_against_fd(fn, args, wrt):
    """symdiff's gradients equal per-element central differences, and check_grad agrees."""
    params = fn.__code__.co_varnames[: fn.__code__.co_argcount]
    grads = symdiff.grad(fn, wrt=wrt)(*args)
    for name, g in zip(wrt, grads):
        expected = fd_gradient(fn, args, params.index(name))
        np.testing.assert_allclose(g, expected, rtol=1e-6, atol=1e-9, err_msg=f"d{fn.__name__}/d{name}")
    assert symdiff.check_grad(fn, args, wrt=wrt) < 1e-5
    return grads


def targets(shape, seed=1):
    return (rng(seed).random(shape) > 0.5).astype(np.float64)


CASES = {
    "logistic regression (N, D) @ (D, K) + (K,)": (
        logistic, lambda r: [r.standard_normal((7, 4)), targets((7, 3)), r.standard_normal((4, 3)),
                             r.standard_normal(3)], ("w", "b")),
    "reduction='sum'": (
        logistic_sum, lambda r: [r.standard_normal((6, 4)), targets((6, 2)), r.standard_normal((4, 2)),
                                 r.standard_normal(2)], ("w", "b")),
    "matrix @ vector + scalar bias": (
        matvec_scalar_bias, lambda r: [r.standard_normal((6, 4)), targets(6), r.standard_normal(4),
                                       np.float64(0.3)], ("w", "c")),
    "two chained linear layers": (
        two_layers, lambda r: [r.standard_normal((5, 4)), targets((5, 2)), r.standard_normal((4, 3)),
                               r.standard_normal(3), r.standard_normal((3, 2)), r.standard_normal(2)],
        ("w1", "b1", "w2", "b2")),
    "a node used twice": (
        used_twice, lambda r: [r.standard_normal((5, 3)), targets((5, 2)), targets((5, 2), 2),
                               r.standard_normal((3, 2)), r.standard_normal(2)], ("w", "b")),
    "a weight used twice": (
        shared_weight, lambda r: [r.standard_normal((5, 3)), r.standard_normal((5, 3)), targets((5, 2)),
                                  r.standard_normal((3, 2))], ("w",)),
    "the input x": (
        logistic, lambda r: [r.standard_normal((5, 4)), targets((5, 3)), r.standard_normal((4, 3)),
                             r.standard_normal(3)], ("x",)),
    "(K, 1) bias onto (K, N)": (
        column_bias, lambda r: [r.standard_normal((3, 4)), r.standard_normal((4, 5)), targets((3, 5)),
                                r.standard_normal((3, 1))], ("w", "x", "b")),
    "(1, K) bias onto (N, K)": (
        row_bias, lambda r: [r.standard_normal((5, 4)), targets((5, 3)), r.standard_normal((4, 3)),
                             r.standard_normal((1, 3))], ("w", "b")),
    "vector . vector": (vec_vec, lambda r: [r.standard_normal(4), r.standard_normal(4), np.float64(1.0)],
                        ("x", "w")),
    "matrix @ vector": (mat_vec, lambda r: [r.standard_normal((3, 4)), r.standard_normal(4), targets(3)],
                        ("x", "w")),
    "vector @ matrix": (vec_mat, lambda r: [r.standard_normal(4), r.standard_normal((4, 3)), targets(3)],
                        ("x", "w")),
}


@pytest.mark.parametrize("case", CASES)
def test_gradients_match_finite_differences(case):
    fn, make_args, wrt = CASES[case]
    check_against_fd(fn, make_args(rng(3)), wrt)


TORCH_SPELLINGS = {
    "logistic regression (N, D) @ (D, K) + (K,)": lambda x, y, w, b: _F().binary_cross_entropy_with_logits(x @ w + b, y),
    "reduction='sum'": lambda x, y, w, b: _F().binary_cross_entropy_with_logits(x @ w + b, y, reduction="sum"),
    "matrix @ vector + scalar bias": lambda x, y, w, c: _F().binary_cross_entropy_with_logits(torch.mv(x, w) + c, y),
    "two chained linear layers": lambda x, y, w1, b1, w2, b2: _F().binary_cross_entropy_with_logits(
        torch.mm(x @ w1 + b1, w2) + b2, y),
    "(K, 1) bias onto (K, N)": lambda w, x, y, b: _F().binary_cross_entropy_with_logits(w @ x + b, y),
    "vector . vector": lambda x, w, y: _F().binary_cross_entropy_with_logits(torch.dot(x, w), y),
}


def _F():
    return torch.nn.functional


@pytest.mark.skipif(torch is None, reason="torch is an optional oracle")
@pytest.mark.parametrize("case", TORCH_SPELLINGS)
def test_gradients_match_torch(case):
    fn, make_args, wrt = CASES[case]
    args = make_args(rng(4))
    params = fn.__code__.co_varnames[: fn.__code__.co_argcount]
    expected = torch_grads(TORCH_SPELLINGS[case], args, [params.index(n) for n in wrt])
    for g, e in zip(symdiff.grad(fn, wrt=wrt)(*args), expected):
        np.testing.assert_allclose(g, e, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("reduction", ["mean", "sum"])
def test_forward_value_matches_functional(reduction):
    r = rng(5)
    z, y = r.standard_normal((4, 3)) * 5, r.random((4, 3))

    def f(z, y):
        return bce(z, y, reduction=reduction)

    value, grad = symdiff.value_and_grad(f)(z, y)
    np.testing.assert_allclose(value, bce(z, y, reduction=reduction), rtol=1e-14)
    np.testing.assert_allclose(grad, fd_gradient(f, [z, y], 0), rtol=1e-6, atol=1e-9)


def test_reduction_none_is_not_a_scalar():
    def f(z, y):
        return bce(z, y, reduction="none")

    z = np.zeros((4, 3))
    with pytest.raises(symdiff.NonScalarOutputError) as info:
        symdiff.grad(f)(z, z)
    assert info.value.lineno == f.__code__.co_firstlineno + 1
    assert "(N, D)" in str(info.value) and "vjp" in str(info.value)


@pytest.mark.skipif(torch is None, reason="torch is an optional oracle")
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_functional_matches_torch(reduction):
    r = rng(6)
    z, y = r.standard_normal((4, 3)) * 30, r.random((4, 3))
    expected = torch.nn.functional.binary_cross_entropy_with_logits(
        torch.tensor(z), torch.tensor(y), reduction=reduction).numpy()
    np.testing.assert_allclose(bce(z, y, reduction=reduction), expected, rtol=1e-13)


def test_random_directions_on_large_parameters():
    r = rng(7)
    args = [r.standard_normal((64, 40)), targets((64, 12)), r.standard_normal((40, 12)), r.standard_normal(12)]
    assert symdiff.check_grad(logistic, args, wrt=("w", "b")) < 1e-5


def test_non_wrt_parameters_compute_nothing():
    d = symdiff.derive(logistic, wrt="b", shapes={"x": ("N", "D"), "y": ("N", "K"), "w": ("D", "K"), "b": ("K",)})
    code = d.module_source(("grad",))
    assert "x.T" not in code and "dw" not in code and "dx" not in code
    assert "db = " in code
