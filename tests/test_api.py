"""The public API: decorator forms, wrt conventions, derive's inspection, check_grad, the CLI."""
import subprocess
import sys

import numpy as np
import pytest
import sympy as sp
from helpers import fd_gradient, rng

import symdiff
from symdiff.cli import main
from symdiff.functional import binary_cross_entropy_with_logits as bce

SHAPES = {"x": ("N", "D"), "y": ("N", "K"), "w": ("D", "K"), "b": ("K",)}


def logistic(x, y, w, b):
    z = x @ w + b
    return bce(z, y)


def args(n=4, d=3, k=2, seed=0):
    r = rng(seed)
    return [r.standard_normal((n, d)), r.random((n, k)), r.standard_normal((d, k)), r.standard_normal(k)]


def test_grad_without_arguments_differentiates_the_first_parameter():
    a = args()
    gx = symdiff.grad(logistic)(*a)
    np.testing.assert_allclose(gx, fd_gradient(logistic, a, 0), rtol=1e-6, atol=1e-9)


@pytest.mark.parametrize("wrt, expected", [("w", 2), (2, 2), (-1, 3), (("w",), (2,)), (("b", 0), (3, 0))])
def test_wrt_by_name_index_and_tuple(wrt, expected):
    a = args(seed=1)
    got = symdiff.grad(logistic, wrt=wrt)(*a)
    if isinstance(expected, tuple):
        assert isinstance(got, tuple) and len(got) == len(expected)
        for g, i in zip(got, expected):
            np.testing.assert_allclose(g, fd_gradient(logistic, a, i), rtol=1e-6, atol=1e-9)
    else:
        np.testing.assert_allclose(got, fd_gradient(logistic, a, expected), rtol=1e-6, atol=1e-9)


def test_value_and_grad_structure():
    a = args(seed=2)
    value, (gw, gb) = symdiff.value_and_grad(wrt=("w", "b"))(logistic)(*a)
    np.testing.assert_allclose(value, logistic(*a), rtol=1e-14)
    value1, gw1 = symdiff.value_and_grad(logistic, wrt="w")(*a)
    np.testing.assert_allclose(gw1, gw, rtol=1e-14)
    assert value1 == value


def test_keyword_arguments_lists_and_floats():
    def affine(x, w, c):
        return bce(x @ w + c, x @ w)

    g = symdiff.grad(affine, wrt=("w", "c"))
    gw, gc = g([[1.0, 2.0], [0.5, -1.0]], w=[0.3, -0.2], c=0.1)
    a = [np.array([[1.0, 2.0], [0.5, -1.0]]), np.array([0.3, -0.2]), np.float64(0.1)]
    np.testing.assert_allclose(gw, fd_gradient(affine, a, 1), rtol=1e-6, atol=1e-9)
    np.testing.assert_allclose(gc, fd_gradient(affine, a, 2), rtol=1e-6, atol=1e-9)
    assert np.shape(gc) == ()
    with pytest.raises(TypeError, match="affine"):
        g([1.0], [1.0])


def test_decorated_function_keeps_its_identity():
    g = symdiff.grad(logistic, wrt="w")
    assert g.__name__ == "logistic" and g.__wrapped__ is logistic and "logistic" in repr(g)


def test_derive_shows_math_and_gradients():
    d = symdiff.derive(logistic, wrt=("w", "b"), shapes=SHAPES)
    text = str(d)
    assert "z = x @ w + b" in text
    assert "dlogistic/dw = x.T @ ((sigmoid(x @ w + b) - y)/(K*N))" in text
    assert "exp" not in text
    assert set(d.gradients) == {"w", "b"}
    assert all(isinstance(g, sp.Expr) for g in d.gradients.values())
    assert d.gradients["w"].has(sp.Symbol("x", real=True))
    assert "def grad_logistic(x, y, w, b):" in d.source
    gw, gb = d.function(*args(seed=3))
    a = args(seed=3)
    np.testing.assert_allclose(gw, fd_gradient(logistic, a, 2), rtol=1e-6, atol=1e-9)


def test_derive_with_literal_sizes_and_broadcast_dims():
    def column_bias(w, x, b, y):
        return bce(w @ x + b, y)

    d = symdiff.derive(column_bias, wrt=("w", "b"), shapes={"w": ("K", "D"), "x": ("D", "N"), "b": ("K", 1), "y": ("K", "N")})
    assert "keepdims=True" in d.source
    r = rng(4)
    a = [r.standard_normal((3, 4)), r.standard_normal((4, 5)), r.standard_normal((3, 1)), r.random((3, 5))]
    gw, gb = d.function(*a)
    assert gb.shape == (3, 1)
    np.testing.assert_allclose(gb, fd_gradient(column_bias, a, 2), rtol=1e-6, atol=1e-9)


def test_annotations_give_shapes():
    from symdiff.examples.tutorial import loss

    d = symdiff.derive(loss, wrt=("w", "b"))
    assert {k: tuple(map(str, v)) for k, v in d.shapes.items()} == {"x": ("D",), "y": ("K",), "w": ("D", "K"), "b": ("K",)}


def test_size_one_axes_broadcast_in_the_decorator():
    """(1, K) onto (N, K) with N = 1 first, then N = 5: the size-1 axis is re-derived as a broadcast."""

    def row_bias(x, y, w, b):
        return bce(x @ w + b, y)

    g = symdiff.grad(row_bias, wrt=("w", "b"))
    r = rng(5)
    for n in (1, 5):
        a = [r.standard_normal((n, 3)), r.random((n, 2)), r.standard_normal((3, 2)), r.standard_normal((1, 2))]
        gw, gb = g(*a)
        assert gb.shape == (1, 2)
        np.testing.assert_allclose(gb, fd_gradient(row_bias, a, 3), rtol=1e-6, atol=1e-9)
        np.testing.assert_allclose(gw, fd_gradient(row_bias, a, 2), rtol=1e-6, atol=1e-9)


def test_check_grad_catches_a_wrong_gradient():
    a = args(seed=6)

    def wrong(x, y, w, b):
        gw, gb = symdiff.grad(logistic, wrt=("w", "b"))(x, y, w, b)
        gw = gw.copy()
        gw[1, 0] += 1e-3
        return gw, gb

    with pytest.raises(symdiff.GradientCheckError) as info:
        symdiff.check_grad(logistic, a, wrt=("w", "b"), grad=wrong)
    text = str(info.value)
    assert "`w`" in text and "(1, 0)" in text and "logistic" in text


def test_check_grad_catches_a_wrong_gradient_along_directions():
    a = args(n=40, d=30, k=5, seed=7)

    def wrong(x, y, w, b):
        return symdiff.grad(logistic, wrt="w")(x, y, w, b) * 1.001

    with pytest.raises(symdiff.GradientCheckError, match="direction"):
        symdiff.check_grad(logistic, a, wrt="w", grad=wrong)


def test_check_grad_float32_tolerance_and_return_value():
    a = [v.astype(np.float32) for v in args(seed=8)]
    error = symdiff.check_grad(logistic, a, wrt=("w", "b"))
    assert 0 <= error < 2e-3
    with pytest.raises(symdiff.GradientCheckError):
        symdiff.check_grad(logistic, a, wrt="w", grad=lambda *v: symdiff.grad(logistic, wrt="w")(*v) * 1.01)


def test_check_grad_reports_nan():
    a = args(seed=9)
    with pytest.raises(symdiff.GradientCheckError):
        symdiff.check_grad(logistic, a, wrt="w", grad=lambda *v: np.full((3, 2), np.nan))


def test_cli_show_builtin_example(capsys):
    assert main(["show"]) == 0
    out = capsys.readouterr().out
    assert "dloss/dw = " in out and "sigmoid" in out
    assert "def grad_loss(x, y, w, b):" in out
    assert "# checks at D=5, K=3, in float64:" in out and "grad_loss: passed" in out


def test_cli_show_file_with_shapes(tmp_path, capsys):
    path = tmp_path / "model.py"
    path.write_text("import numpy as np\nimport torch.nn.functional as F\n\n"
                    "def model(x, y, w):\n    return F.binary_cross_entropy_with_logits(x @ w, y, reduction='sum')\n")
    assert main(["show", f"{path}:model", "--wrt", "w", "--shape", "x=N,D", "--shape", "y=N", "--shape", "w=D"]) == 0
    out = capsys.readouterr().out
    assert "def grad_model(x, y, w):" in out and "grad_model: passed" in out


def test_cli_errors_exit_2(tmp_path, capsys):
    path = tmp_path / "model.py"
    path.write_text("def model(x):\n    for i in x:\n        break\n    return x.sum()\n")
    assert main(["show", f"{path}:model", "--shape", "x=N"]) == 2
    err = capsys.readouterr().err
    assert f"{path}:2:5" in err and "`break` in a loop" in err
    assert main(["show", f"{path}:missing"]) == 2
    assert main(["show", "no_such_module_xyz:f"]) == 2


def test_console_script_runs():
    result = subprocess.run([sys.executable, "-m", "symdiff", "show"], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert "grad_loss: passed" in result.stdout
