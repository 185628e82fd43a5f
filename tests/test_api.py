"""The public API: decorator forms, wrt conventions, derive's inspection, check_grad, the CLI."""
import subprocess
import sys

import numpy as np
import pytest
import sympy as sp
from helpers import fd_gradient, load_module, rng

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


# -- the generated dispatcher ------------------------------------------------------------------

def _check_value_and_grad(f, fn, a, wrt_indices):
    value, grads = f(*a)
    assert value.dtype == a[0].dtype and all(g.dtype == a[i].dtype for g, i in zip(grads, wrt_indices))
    tol = {"float64": (1e-6, 1e-9), "float32": (2e-3, 1e-4)}[a[0].dtype.name]
    wide = [v.astype(np.float64) for v in a]
    np.testing.assert_allclose(value, fn(*wide), rtol=tol[0])
    for g, i in zip(grads, wrt_indices):
        np.testing.assert_allclose(g, fd_gradient(fn, wide, i), rtol=tol[0], atol=tol[1])


def test_fast_path_follows_the_last_dtype_and_rank_without_deriving_again():
    f = symdiff.value_and_grad(logistic, wrt=("w", "b"))
    a64 = args(seed=11)
    a32 = [v.astype(np.float32) for v in a64]
    vector = [a64[0][0], a64[1][0], a64[2], a64[3]]  # one sample: x (D,), y (K,)
    for a in (a64, a64, a32, a64, vector, a32, vector):
        _check_value_and_grad(f, logistic, a, (2, 3))
        entry = f._functions[tuple((v.ndim, v.dtype) for v in a)]
        assert type(f).__dict__["__call__"] is entry.dispatch  # the next such call skips the general path
    assert len(f.derivations) == 3
    assert type(symdiff.value_and_grad(logistic)).__call__ is not type(f).__call__  # each instance its own


def test_a_wrong_size_raises_a_shape_error_at_once_naming_the_parameter_and_the_function():
    f = symdiff.value_and_grad(logistic, wrt=("w", "b"))
    x, y, w, b = args(seed=12)
    f(x, y, w, b)
    for bad in ([x, y, w[:2], b], [x, y[:3], w, b]):
        with pytest.raises(symdiff.ShapeError, match=r"(w|y): expected shape") as info:
            f(*bad)
        assert info.value.filename == __file__ and info.value.lineno == logistic.__code__.co_firstlineno
        assert "`logistic`" in str(info.value) and "may change from call to call" in str(info.value)
    assert len(f.derivations) == 1
    np.testing.assert_allclose(f(x, y, w, b)[1][1], fd_gradient(logistic, [x, y, w, b], 3), rtol=1e-6, atol=1e-9)


def test_size_one_axes_switch_variants_both_ways_from_the_fast_path():
    def f(x, b):
        return (x * b).sum()

    g = symdiff.value_and_grad(f, wrt="b")
    x = rng(13).standard_normal((4, 3))
    for b in (np.ones(3), np.ones(1), np.ones(3), np.ones(1)):
        value, grad = g(x, b)
        assert grad.shape == b.shape
        np.testing.assert_allclose(grad, fd_gradient(f, [x, b], 1), rtol=1e-6, atol=1e-9)
    assert len(g.derivations) == 2
    with pytest.raises(symdiff.ShapeError, match="expected"):
        g(x, np.ones(2))
    assert len(g.derivations) == 2


def test_an_error_while_computing_is_not_a_shape_error():
    def logdet(a):
        return np.log(np.linalg.det(np.linalg.inv(a)))

    g = symdiff.grad(logdet)
    g(np.eye(2) * 2.0)
    with pytest.raises(np.linalg.LinAlgError):
        g(np.zeros((2, 2)))


def scale(t, u):
    return t * u


def test_keywords_lists_subclasses_and_scalars_take_the_general_path_with_the_same_results():
    f = symdiff.value_and_grad(logistic, wrt=("w", "b"))
    x, y, w, b = args(seed=14)
    value, (gw, gb) = f(x, y, w, b)
    tagged = w.view(type("Tagged", (np.ndarray,), {}))  # a subclass of ndarray
    for call in (lambda: f(x, y, w=w, b=b), lambda: f(x.tolist(), y, w, b), lambda: f(y=y, b=b, x=x, w=w),
                 lambda: f(x, y, tagged, b)):
        v, (cw, cb) = call()
        np.testing.assert_allclose(cw, gw, rtol=1e-12)
        np.testing.assert_allclose(cb, gb, rtol=1e-12)
        np.testing.assert_allclose(v, value, rtol=1e-12)
    assert len(f.derivations) == 2  # the subclass takes the Array API path
    s = symdiff.grad(scale)
    assert s(np.array(2.0), np.array(3.0)) == 3.0 == s(np.float64(2.0), 3.0)
    with pytest.raises(TypeError, match=r"logistic\(\): missing a required argument: 'b'"):
        f(x, y, w)


def test_trees_and_foreign_arrays_after_the_fast_path():
    torch = pytest.importorskip("torch")
    pytest.importorskip("array_api_compat")

    def tree_loss(params, x):
        return (np.tanh(x @ params["w"]) * params["v"]).sum()

    f = symdiff.grad(tree_loss)
    r = rng(15)
    params, x = {"w": r.standard_normal((3, 2)), "v": r.standard_normal(2)}, r.standard_normal((4, 3))
    g = f(params, x)
    assert set(g) == {"w", "v"}
    np.testing.assert_allclose(g["v"], np.tanh(x @ params["w"]).sum(axis=0), rtol=1e-12)
    h = symdiff.grad(logistic, wrt="w")
    a = args(seed=16)
    expected = h(*a)
    got = h(torch.from_numpy(a[0]), *a[1:])
    assert isinstance(got, torch.Tensor)
    np.testing.assert_allclose(got.numpy(), expected, rtol=1e-12)
    np.testing.assert_array_equal(h(*a), expected)  # back on the numpy fast path


def test_parameters_named_like_the_dispatchers_own_names():
    def clash(fn, args, float64, exc):
        return (fn * args + float64 * exc).sum()

    g = symdiff.grad(clash, wrt=(0, 1, 2, 3))
    a = [rng(17).standard_normal(3) for _ in range(4)]
    for _ in range(2):
        np.testing.assert_allclose(g(*a), [a[1], a[0], a[3], a[2]], rtol=1e-12)


OUTSIDE = np.ones(3)
SCALE = 2.0


def outside_loss(x):
    return (x * OUTSIDE).sum() * SCALE


def test_values_read_from_outside_are_read_at_each_call_of_the_fast_path():
    global OUTSIDE, SCALE
    g = symdiff.grad(outside_loss)
    x = np.ones(3)
    try:
        for value in (np.ones(3), np.full(3, 2.0), np.full(3, 5.0)):
            OUTSIDE = value
            np.testing.assert_array_equal(g(x), 2 * value)
        OUTSIDE = np.full((2, 3), 3.0)  # another rank: derived again
        np.testing.assert_array_equal(g(x), [12.0, 12.0, 12.0])
        OUTSIDE, SCALE = np.full(3, 4.0), 0.5  # a number is compiled in: derived again
        np.testing.assert_array_equal(g(x), [2.0, 2.0, 2.0])
    finally:
        OUTSIDE, SCALE = np.ones(3), 2.0


def test_a_call_with_more_dimensions_than_letters_names_them_all(tmp_path):
    """120 unrelated axes (a deep network's layer widths): N, D, K... then n0, n1..."""
    params = [f"a{i}" for i in range(60)]
    module = load_module(tmp_path, f"def f({', '.join(params)}):\n    return "
                         + " + ".join(f"({p} * {p}).sum()" for p in params) + "\n")
    a = [np.full((2, 3), float(i)) for i in range(60)]
    np.testing.assert_array_equal(symdiff.grad(module.f, wrt=59)(*a), 2 * a[59])


def _leaves(result) -> list:
    return [x for r in result for x in _leaves(r)] if isinstance(result, tuple) else [result]


@pytest.mark.parametrize("kind", ["vjp", "jvp", "hvp", "hessian"])
def test_transforms_with_extra_arguments_take_the_fast_path(kind):
    f = getattr(symdiff, kind)(logistic, wrt="w")
    a = args(seed=18)
    extra = {"vjp": [np.ones(())], "jvp": [a[2]], "hvp": [a[2]], "hessian": []}[kind]
    first = f(*a, *extra)
    assert type(f).__dict__["__call__"] is next(iter(f._functions.values())).dispatch
    second = f(*a, *extra)
    for got, expected in zip(_leaves(second), _leaves(first), strict=True):
        np.testing.assert_array_equal(got, expected)
    if kind == "hvp":  # H @ v against the Hessian
        np.testing.assert_allclose(second, np.tensordot(symdiff.hessian(logistic, wrt="w")(*a), a[2], 2), rtol=1e-10)


def test_closure_arrays_on_the_fast_path():
    weights = np.ones(3)

    def closure_loss(x):
        return (x * weights).sum()

    g = symdiff.grad(closure_loss)
    for value in (1.0, 3.0):
        weights = np.full(3, value)  # noqa: F841 (read by closure_loss)
        np.testing.assert_array_equal(g(np.ones(3)), np.full(3, value))
