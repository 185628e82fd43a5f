"""vjp, jvp, jacobian, hessian, hvp, has_aux and stop-gradient: against finite differences (of the
function, or of the gradient for second order) and torch.func where installed."""
import tracemalloc

import numpy as np
import pytest
from helpers import code_only, load_module, rng, torch

import symdiff
from symdiff.functional import binary_cross_entropy_with_logits as bce
from symdiff.functional import sigmoid


def central(f, x, direction, eps=1e-6):
    """(f(x + h d) - f(x - h d)) / 2h in float64."""
    h = eps * max(1.0, float(np.abs(x).max()))
    return (np.asarray(f(x + h * direction)) - np.asarray(f(x - h * direction))) / (2 * h)


def layer_out(x, w, b):
    return np.tanh(x @ w + b)


def logistic(x, y, w, b):
    return bce(x @ w + b, y)


def softmax_rows(x, w):
    return symdiff.functional.softmax(x @ w, axis=-1)


@pytest.fixture
def data():
    r = rng(0)
    return dict(x=r.standard_normal((6, 4)), w=r.standard_normal((4, 3)), b=r.standard_normal(3),
                y=(r.random(6) > 0.5) * 1.0, wv=r.standard_normal(4))


# -- vjp ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("fn", [layer_out, softmax_rows])
def test_vjp_matches_finite_differences(fn, data):
    x, w = data["x"], data["w"]
    args = [x, w, data["b"]] if fn is layer_out else [x, w]
    v = rng(1).standard_normal((6, 3))
    dw = symdiff.vjp(fn, wrt="w")(*args, v)
    assert dw.shape == w.shape
    for k in range(3):
        d = rng(10 + k).standard_normal(w.shape)
        expected = np.sum(v * central(lambda w_: fn(x, w_, *args[2:]), w, d))
        np.testing.assert_allclose(np.sum(dw * d), expected, rtol=1e-7)


def test_vjp_is_the_tutorials_backward_with_ones(data):
    """out.backward(torch.ones_like(out)) == the gradient of out.sum()."""
    def summed(x, w, b):
        return np.tanh(x @ w + b).sum()

    args = [data["x"], data["w"], data["b"]]
    dw, db = symdiff.vjp(layer_out, wrt=("w", "b"))(*args, np.ones((6, 3)))
    gw, gb = symdiff.grad(summed, wrt=("w", "b"))(*args)
    np.testing.assert_allclose(dw, gw, rtol=1e-14)
    np.testing.assert_allclose(db, gb, rtol=1e-14)


# -- jvp ---------------------------------------------------------------------------------------

def test_jvp_matches_finite_differences(data):
    x, w, b = data["x"], data["w"], data["b"]
    tw, tb = rng(2).standard_normal(w.shape), rng(3).standard_normal(b.shape)
    value, dot = symdiff.jvp(layer_out, wrt=("w", "b"))(x, w, b, tw, tb)
    np.testing.assert_allclose(value, layer_out(x, w, b), rtol=1e-14)
    h = 1e-6
    expected = (layer_out(x, w + h * tw, b + h * tb) - layer_out(x, w - h * tw, b - h * tb)) / (2 * h)
    np.testing.assert_allclose(dot, expected, rtol=1e-7, atol=1e-10)


# -- jacobian ----------------------------------------------------------------------------------

@pytest.mark.parametrize("wrt", ["w", "b", "x"])
def test_jacobian_matches_finite_differences(wrt, data):
    args = dict(x=data["x"], w=data["w"], b=data["b"])
    J = symdiff.jacobian(layer_out, wrt=wrt)(*args.values())
    param = args[wrt]
    assert J.shape == (6, 3) + param.shape
    for index in np.ndindex(param.shape):
        e = np.zeros_like(param)
        e[index] = 1.0
        column = central(lambda p: layer_out(**{**args, wrt: p}), param, e)
        np.testing.assert_allclose(J[(...,) + index], column, rtol=1e-7, atol=1e-10)
    assert " for " not in code_only(_jacobian_source(wrt))


def _jacobian_source(wrt):
    d = symdiff.derive(layer_out, wrt=wrt, shapes={"x": ("N", "D"), "w": ("D", "K"), "b": ("K",)})
    return d.module_source(("jacobian",))


def test_jacobian_of_a_scalar_is_the_gradient(data):
    args = [data["x"], data["y"], data["wv"], np.float64(0.2)]
    np.testing.assert_allclose(symdiff.jacobian(logistic, wrt="w")(*args), symdiff.grad(logistic, wrt="w")(*args))


# -- hessian and hvp ---------------------------------------------------------------------------

def test_hessian_matches_finite_differences_of_the_gradient(data):
    args = [data["x"], data["y"], data["wv"], np.float64(0.2)]
    g = symdiff.grad(logistic, wrt=("w", "b"))
    (hww, hwb), (hbw, hbb) = symdiff.hessian(logistic, wrt=("w", "b"))(*args)
    for i in range(4):
        e = np.eye(4)[i]
        column = central(lambda w_: g(args[0], args[1], w_, args[3])[0], args[2], e)
        np.testing.assert_allclose(hww[:, i], column, rtol=1e-6, atol=1e-10)
        np.testing.assert_allclose(hbw[i], central(lambda w_: g(args[0], args[1], w_, args[3])[1], args[2], e),
                                   rtol=1e-6, atol=1e-10)
    np.testing.assert_allclose(hwb, central(lambda b_: g(*args[:3], b_)[0], args[3], 1.0), rtol=1e-6, atol=1e-10)
    np.testing.assert_allclose(hbb, central(lambda b_: g(*args[:3], b_)[1], args[3], 1.0), rtol=1e-6, atol=1e-10)
    np.testing.assert_allclose(hww, hww.T, rtol=1e-12)


def test_logistic_regression_hessian_is_closed_form_matrix_code():
    d = symdiff.derive(logistic, wrt="w", shapes={"x": ("N", "D"), "y": ("N",), "w": ("D",), "b": ()})
    code = code_only(d.module_source(("hessian",)))
    assert " for " not in code and "while " not in code
    assert "sig * (1.0 - sig)" in code and "@ x" in code and "np.eye" not in code and "einsum" not in code


@pytest.mark.skipif(torch is None, reason="torch is an optional oracle")
def test_logistic_regression_hessian_at_scale_matches_torch():
    r = rng(4)
    n, d = 2048, 64
    x, y, w = r.standard_normal((n, d)), (r.random(n) > 0.5) * 1.0, r.standard_normal(d) * 0.1
    H = symdiff.hessian(logistic, wrt="w")(x, y, w, np.float64(0.1))
    tx, ty = torch.tensor(x), torch.tensor(y)
    expected = torch.func.hessian(
        lambda w_: torch.nn.functional.binary_cross_entropy_with_logits(tx @ w_ + 0.1, ty))(torch.tensor(w))
    assert H.shape == (d, d)
    np.testing.assert_allclose(H, expected.numpy(), rtol=1e-10, atol=1e-15)


def test_hessian_with_respect_to_a_matrix_builds_no_identity():
    """The (D*K)^2 identity seed stays a product of identity factors: the Hessian of multi-output
    logistic regression is one einsum, and its peak memory stays near the result plus the inputs."""
    r = rng(6)
    n, d, k = 256, 60, 8
    x, y = r.standard_normal((n, d)), (r.random((n, k)) > 0.5) * 1.0
    w, b = r.standard_normal((d, k)) * 0.1, r.standard_normal(k) * 0.1
    hessian = symdiff.hessian(logistic, wrt="w")
    hessian(x, y, w, b)
    tracemalloc.start()
    H = hessian(x, y, w, b)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert peak <= 3 * (H.nbytes + x.nbytes + y.nbytes + w.nbytes + b.nbytes)
    assert H.shape == (d, k, d, k)
    g = symdiff.grad(logistic, wrt="w")
    e = np.zeros((d, k))
    e[3, 5] = 1.0
    np.testing.assert_allclose(H[:, :, 3, 5], central(lambda w_: g(x, y, w_, b), w, e), rtol=1e-6, atol=1e-10)
    code = code_only(symdiff.derive(logistic, wrt="w", shapes={"x": ("N", "D"), "y": ("N", "K"), "w": ("D", "K"),
                                                              "b": ("K",)}).module_source(("hessian",)))
    assert "np.einsum(" in code and ".reshape" not in code
    if torch is not None:
        expected = torch.func.hessian(lambda w_: torch.nn.functional.binary_cross_entropy_with_logits(
            torch.tensor(x) @ w_ + torch.tensor(b), torch.tensor(y)))(torch.tensor(w))
        np.testing.assert_allclose(H, expected.numpy(), rtol=1e-10, atol=1e-15)


def test_hvp_equals_hessian_times_vector(data):
    args = [data["x"], data["y"], data["wv"], np.float64(0.2)]
    v = rng(5).standard_normal(4)
    hv = symdiff.hvp(logistic, wrt="w")(*args, v)
    np.testing.assert_allclose(hv, symdiff.hessian(logistic, wrt="w")(*args) @ v, rtol=1e-12)
    g = symdiff.grad(logistic, wrt="w")
    np.testing.assert_allclose(hv, central(lambda w_: g(args[0], args[1], w_, args[3]), args[2], v), rtol=1e-6)


MLP2 = """
import numpy as np
from symdiff.functional import binary_cross_entropy_with_logits


def mlp(x, y, w1, b1, w2, b2):
    h = np.tanh(x @ w1 + b1)
    return binary_cross_entropy_with_logits(h @ w2 + b2, y)
"""


def test_hessian_of_a_depth_2_mlp(tmp_path):
    module = load_module(tmp_path, MLP2)
    r = rng(6)
    args = [r.standard_normal((5, 3)), (r.random((5, 2)) > 0.5) * 1.0, r.standard_normal((3, 4)),
            r.standard_normal(4), r.standard_normal((4, 2)), r.standard_normal(2)]
    (h11, h12), (h21, h22) = symdiff.hessian(module.mlp, wrt=("w1", "w2"))(*args)
    assert h11.shape == (3, 4, 3, 4) and h12.shape == (3, 4, 4, 2) and h21.shape == (4, 2, 3, 4)
    g = symdiff.grad(module.mlp, wrt=("w1", "w2"))
    for index in [(0, 0), (1, 2), (2, 3)]:
        e = np.zeros((3, 4))
        e[index] = 1.0
        column = central(lambda w1: g(args[0], args[1], w1, *args[3:])[0], args[2], e)
        np.testing.assert_allclose(h11[(..., *index)], column, rtol=1e-6, atol=1e-9)
        column = central(lambda w1: g(args[0], args[1], w1, *args[3:])[1], args[2], e)
        np.testing.assert_allclose(h21[(..., *index)], column, rtol=1e-6, atol=1e-9)
    np.testing.assert_allclose(h12, h21.transpose(2, 3, 0, 1), rtol=1e-10, atol=1e-14)
    if torch is not None:
        t = [torch.tensor(a) for a in args]

        def f(w1, w2):
            h = torch.tanh(t[0] @ w1 + t[3])
            return torch.nn.functional.binary_cross_entropy_with_logits(h @ w2 + t[5], t[1])

        expected = torch.func.hessian(f, argnums=(0, 1))(t[2], t[4])
        np.testing.assert_allclose(h11, expected[0][0].numpy(), rtol=1e-9, atol=1e-13)
        np.testing.assert_allclose(h12, expected[0][1].numpy(), rtol=1e-9, atol=1e-13)


@pytest.mark.skipif(torch is None, reason="torch is an optional oracle")
def test_against_torch_func(data):
    x, w, b = data["x"], data["w"], data["b"]
    tx, tw, tb = map(torch.tensor, (x, w, b))
    f = lambda w_, b_: torch.tanh(tx @ w_ + b_)  # noqa: E731
    v = rng(7).standard_normal((6, 3))
    _, pullback = torch.func.vjp(f, tw, tb)
    for got, e in zip(symdiff.vjp(layer_out, wrt=("w", "b"))(x, w, b, v), pullback(torch.tensor(v))):
        np.testing.assert_allclose(got, e.numpy(), rtol=1e-12)
    tangents = (torch.tensor(rng(8).standard_normal(w.shape)), torch.tensor(rng(9).standard_normal(b.shape)))
    _, expected = torch.func.jvp(f, (tw, tb), tangents)
    _, got = symdiff.jvp(layer_out, wrt=("w", "b"))(x, w, b, *(t.numpy() for t in tangents))
    np.testing.assert_allclose(got, expected.numpy(), rtol=1e-12)
    jw, jb = symdiff.jacobian(layer_out, wrt=("w", "b"))(x, w, b)
    expected = torch.func.jacrev(f, argnums=(0, 1))(tw, tb)
    np.testing.assert_allclose(jw, expected[0].numpy(), rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(jb, expected[1].numpy(), rtol=1e-12, atol=1e-15)


# -- has_aux, stop_gradient, grad of grad ------------------------------------------------------

def with_aux(x, y, w, b):
    z = x @ w + b
    return bce(z, y), (sigmoid(z), z)


def test_has_aux_passes_aux_through(data):
    args = [data["x"], data["y"], data["wv"], np.float64(0.2)]
    gw, (probabilities, z) = symdiff.grad(with_aux, wrt="w", has_aux=True)(*args)
    np.testing.assert_allclose(gw, symdiff.grad(logistic, wrt="w")(*args), rtol=1e-14)
    np.testing.assert_allclose(z, args[0] @ args[2] + 0.2, rtol=1e-14)
    np.testing.assert_allclose(probabilities, sigmoid(z), rtol=1e-14)
    (value, (p2, _)), gw2 = symdiff.value_and_grad(with_aux, wrt="w", has_aux=True)(*args)
    np.testing.assert_allclose(value, logistic(*args), rtol=1e-14)
    np.testing.assert_allclose(gw2, gw, rtol=1e-14)


def test_has_aux_errors(data):
    with pytest.raises(symdiff.UnsupportedSyntaxError, match="has_aux=True"):
        symdiff.grad(with_aux, wrt="w")(data["x"], data["y"], data["wv"], np.float64(0.2))
    with pytest.raises(symdiff.UnsupportedSyntaxError, match=r"\(value, aux\)"):
        symdiff.grad(logistic, wrt="w", has_aux=True)(data["x"], data["y"], data["wv"], np.float64(0.2))


STOPPED = """
import numpy as np
import torch
import symdiff


def stopped(x, w):
    h = x @ w
    c = symdiff.stop_gradient(h)
    return (h * c).sum()


def detached(x, w):
    h = x @ w
    c = h.detach()
    return (h * c).sum()


def no_grad(x, w):
    h = x @ w
    with torch.no_grad():
        c = h * 1.0
        d = c + h
    return (h * d).sum()
"""


@pytest.mark.parametrize("name, factor", [("stopped", 1.0), ("detached", 1.0), ("no_grad", 2.0)])
def test_stop_gradient_spellings(tmp_path, name, factor):
    from symdiff.source import FunctionSource

    path = tmp_path / "stopped.py"
    path.write_text(STOPPED)
    d = symdiff.derive(FunctionSource.from_file(path, name), wrt="w", shapes={"x": ("N", "D"), "w": ("D",)})
    x, w = rng(10).standard_normal((5, 3)), rng(11).standard_normal(3)
    # d/dw sum(h * stop(k*h)) = x.T @ (k*h): the stopped factor is a constant
    np.testing.assert_allclose(d.function(x, w), x.T @ (factor * (x @ w)), rtol=1e-13)
    np.testing.assert_allclose(d.compiled("value")(x, w), factor * ((x @ w) ** 2).sum(), rtol=1e-13)


gradient_of_logistic = symdiff.grad(logistic, wrt="w")


def gradient_norm(x, y, w, b):
    g = gradient_of_logistic(x, y, w, b)
    return (g * g).sum()


def test_grad_of_a_function_using_a_symdiff_gradient(data):
    args = [data["x"], data["y"], data["wv"], np.float64(0.2)]
    assert symdiff.check_grad(gradient_norm, args, wrt=("w", "b")) < 1e-5
    g = symdiff.grad(gradient_norm, wrt="w")(*args)
    H = symdiff.hessian(logistic, wrt="w")(*args)
    np.testing.assert_allclose(g, 2 * H @ gradient_of_logistic(*args), rtol=1e-10)
