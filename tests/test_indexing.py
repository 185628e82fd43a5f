"""Subscripts of arrays: slicing, gathers, index assignment and class-index losses, beyond the op test
(tests/test_every_op.py): repeated indices add up, index parameters stay integers, updates never touch
the caller's arrays, second derivatives, the generated code, and every refusal."""
import numpy as np
import pytest
from helpers import fd_gradient, load_module, torch

import symdiff
from symdiff import InputTypeError, ShapeError, UnsupportedSyntaxError

HEADER = "import numpy as np\ntry:\n    import torch.nn.functional as F\nexcept ImportError:\n    F = None\n\n\n"


def compile_f(tmp_path, body: str):
    return load_module(tmp_path, HEADER + body).f


def test_repeated_indices_add_up(tmp_path):
    f = compile_f(tmp_path, "def f(w, i):\n    return (w[i] * w[i]).sum() + np.take(w, i, axis=1).sum()\n")
    w = np.arange(6.0).reshape(3, 2) / 7
    i = np.array([0, 1, 0, 0])
    expected = np.zeros_like(w)
    for k in i:
        expected[k] += 2 * w[k]
        expected[:, k] += 1
    np.testing.assert_allclose(symdiff.grad(f)(w, i), expected, rtol=1e-12)
    np.testing.assert_allclose(expected, fd_gradient(f, [w, i], 0), rtol=1e-6, atol=1e-9)


def test_gather_by_row_and_label_matches_torch(tmp_path):
    f = compile_f(tmp_path, "def f(logp, labels):\n    return -logp[np.arange(4), labels].sum()\n")
    logp = np.random.default_rng(0).standard_normal((4, 3))
    labels = np.array([2, 2, 0, 1])
    got = symdiff.grad(f)(logp, labels)
    expected = np.zeros_like(logp)
    expected[np.arange(4), labels] = -1
    np.testing.assert_array_equal(got, expected)


def test_index_parameters_stay_integers(tmp_path):
    f = compile_f(tmp_path, "def f(x, i, n):\n    return (x[i] * n).sum()\n")
    derivation = symdiff.grad(f)
    x, i, n = np.ones((3, 2), np.float32), np.array([1, 1]), np.arange(2)
    assert derivation(x, i, n).dtype == np.float32
    source = next(iter(derivation.derivations.values())).module_source(("grad",))
    assert "i = i.astype" not in source and "n = n.astype(np.float32)" in source
    assert "np.add.at(" in source


def test_a_float_index_is_refused_at_call(tmp_path):
    f = compile_f(tmp_path, "def f(x, i):\n    return x[i].sum()\n")
    with pytest.raises(InputTypeError, match="used as an index") as info:
        symdiff.grad(f)(np.ones(3), np.array([0.0, 1.0]))
    assert "astype(np.int64)" in str(info.value)
    with pytest.raises(InputTypeError, match="np.where"):
        symdiff.grad(f)(np.ones(3), np.array([True, False, True]))


def test_slice_gradients_are_scatters(tmp_path):
    f = compile_f(tmp_path, "def f(x):\n    return (x[1:] * x[:-1]).sum() + x[::-1, 0].sum() + x[..., None][0, 1, 0]\n")
    x = np.random.default_rng(1).standard_normal((5, 3))
    np.testing.assert_allclose(symdiff.grad(f)(x), fd_gradient(f, [x], 0), rtol=1e-6, atol=1e-9)
    source = symdiff.derive(f, shapes={"x": ("N", "D")}).source
    assert "[1:] = x[:-1]" in source and "= np.zeros_like(x)" in source


def test_slice_bounds_with_dimensions(tmp_path):
    f = compile_f(tmp_path, "def f(x, y):\n    return (x[:, 2:] * y).sum()\n")
    x, y = np.ones((2, 5)), np.arange(3.0)
    np.testing.assert_allclose(symdiff.grad(f)(x, y), fd_gradient(f, [x, y], 0), atol=1e-9)
    np.testing.assert_allclose(symdiff.vjp(compile_f(tmp_path, "def f(x):\n    return x[::2] * 2\n"))(
        np.ones(5), np.arange(3.0)), [0, 0, 2, 0, 4])


def test_index_assignment_is_a_functional_update(tmp_path):
    f = compile_f(tmp_path, """def f(x, v):
    y = x.copy()
    y[0] = v * 2
    y[1:, 0] += v[1:].sum()
    y[-1] = 0
    z = y * y
    z[:, 1] *= 3.0
    return z.sum()
""")
    rng = np.random.default_rng(2)
    x, v = rng.standard_normal((4, 3)), rng.standard_normal(3)
    before = x.copy()
    gx, gv = symdiff.grad(f, wrt=("x", "v"))(x, v)
    np.testing.assert_array_equal(x, before)
    np.testing.assert_allclose(gx, fd_gradient(f, [x, v], 0), rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(gv, fd_gradient(f, [x, v], 1), rtol=1e-6, atol=1e-8)
    d = rng.standard_normal(3)
    grad_v = symdiff.grad(f, wrt="v")
    fd = (grad_v(x, v + 1e-6 * d) - grad_v(x, v - 1e-6 * d)) / 2e-6
    np.testing.assert_allclose(symdiff.hvp(f, wrt="v")(x, v, d), fd, rtol=1e-5, atol=1e-6)
    hessian = symdiff.hessian(f, wrt="v")(x, v)
    np.testing.assert_allclose(hessian @ d, fd, rtol=1e-5, atol=1e-6)
    value, dot = symdiff.jvp(f, wrt="x")(x, v, before)
    fd = (f(x + 1e-6 * before, v) - f(x - 1e-6 * before, v)) / 2e-6
    np.testing.assert_allclose(dot, fd, rtol=1e-6)


def test_assignment_in_a_local_array_from_a_gather(tmp_path):
    f = compile_f(tmp_path, "def f(w, i):\n    h = w[i]\n    h[0] = 0.0\n    return (h * h).sum()\n")
    w, i = np.arange(6.0).reshape(3, 2), np.array([1, 2])
    np.testing.assert_allclose(symdiff.grad(f)(w, i), [[0, 0], [0, 0], [8, 10]])


@pytest.mark.skipif(torch is None, reason="torch is an optional oracle")
def test_class_index_cross_entropy_matches_torch(tmp_path):
    f = compile_f(tmp_path, "def f(x, w, t, c):\n    return F.cross_entropy(x @ w, t, weight=c, ignore_index=1)\n")
    rng = np.random.default_rng(3)
    x, w, c = rng.standard_normal((6, 3)), rng.standard_normal((3, 4)), rng.uniform(0.5, 2, 4)
    t = np.array([0, 1, 3, 1, 2, 3])
    tensors = [torch.tensor(a, requires_grad=k == 1) for k, a in enumerate((x, w, t, c))]
    loss = f(*tensors)
    loss.backward()
    value, grad = symdiff.value_and_grad(f, wrt="w")(x, w, t, c)
    np.testing.assert_allclose(value, loss.item(), rtol=1e-12)
    np.testing.assert_allclose(grad, tensors[1].grad.numpy(), rtol=1e-10)


# -- refusals ------------------------------------------------------------------------------------

REFUSED = {
    "mask": ("def f(x):\n    return x[x > 0].sum()\n", UnsupportedSyntaxError, "boolean mask", "np.where(x > 0, x, 0)"),
    "mask parameter": ("def f(x, m):\n    return x[m].sum()\n", None, None, None),
    "computed index": ("def f(x, i):\n    return x[i * 2].sum()\n", UnsupportedSyntaxError,
                       "integer index array", "np.arange"),
    "assign into a parameter": ("def f(x):\n    x[0] = 1.0\n    return x.sum()\n", UnsupportedSyntaxError,
                                "`x` is a parameter", "x = x.copy()"),
    "assign into a view": ("def f(x):\n    y = x.copy()\n    z = y[1:]\n    z[0] = 1.0\n    return y.sum()\n",
                           UnsupportedSyntaxError, "view of another array", "z = z.copy()"),
    "assign into a shared array": ("def f(x):\n    y = x.copy()\n    z = y\n    z[0] = 1.0\n    return y.sum()\n",
                                   UnsupportedSyntaxError, "same array as `y`", "Copy it first"),
    "assign an array through an index array": ("def f(x, i):\n    y = x.copy()\n    y[i] = 2 * x[i]\n"
                                               "    return y.sum()\n",
                                      UnsupportedSyntaxError, "index arrays", "slices"),
    "assign a wrong shape": ("def f(x, v):\n    y = x.copy()\n    y[0] = v\n    return y.sum()\n",
                             ShapeError, "cannot assign", ""),
    "separated index arrays": ("def f(x, i):\n    return x[i, :, i].sum()\n", UnsupportedSyntaxError,
                               "next to each other", "two steps"),
    "too many indices": ("def f(x):\n    return x[0, 0, 0].sum()\n", ShapeError, "too many indices", "2 dimensions"),
    "index out of range": ("def f(x):\n    return x[7].sum()\n", ShapeError, "out of range", ""),
    "variable slice bound": ("def f(x, i):\n    return x[:i].sum()\n", UnsupportedSyntaxError, "slice bound",
                             "integer array parameter"),
    "zero step": ("def f(x):\n    return x[::0].sum()\n", UnsupportedSyntaxError, "nonzero integer", ""),
    "two ellipses": ("def f(x):\n    return x[..., ...].sum()\n", UnsupportedSyntaxError, "single ellipsis", ""),
    "take without axis": ("def f(x, i):\n    return np.take(x, i).sum()\n", UnsupportedSyntaxError,
                          "axis`=None", "axis=0"),
    "arange of a fractional step": ("def f(x):\n    return x[np.arange(0, 2, 0.5)].sum()\n", UnsupportedSyntaxError,
                                    "integer bounds and step", "integer parameter"),
    "gather of another rank": ("def f(x, i):\n    return np.take_along_axis(x, i, axis=1).sum()\n", ShapeError,
                               "same rank", ""),
    "class targets of a wrong shape": ("def f(x, t):\n    return F.nll_loss(x, t)\n", ShapeError,
                                       "class-index targets", "(N,) targets"),
}
SHAPES = {"x": ("N", "D"), "v": ("K",), "i": (2,), "m": ("N", "D"), "t": (3,)}


@pytest.mark.parametrize("case", [c for c in REFUSED if REFUSED[c][1] is not None])
def test_refused(tmp_path, case):
    text, error, what, do = REFUSED[case]
    f = compile_f(tmp_path, text)
    params = f.__code__.co_varnames[: f.__code__.co_argcount]
    shapes = {p: SHAPES[p] for p in params}
    if case == "take without axis" or case == "gather of another rank":
        shapes["i"] = (2,)
    if case == "separated index arrays":
        shapes["x"] = ("N", "D", "K")
    if case == "index out of range":
        shapes["x"] = (3, 2)
    with pytest.raises(error) as info:
        symdiff.derive(f, wrt="x", shapes=shapes)
    text = str(info.value)
    assert what in text and do in text, text
    assert info.value.lineno is not None


def test_a_slice_past_the_end_is_refused_for_the_call(tmp_path):
    """One derivation serves every size, so a slice must stay within the axis of the call it is derived
    for (numpy would shorten it); with fixed sizes, numpy's rule applies."""
    f = compile_f(tmp_path, "def f(x):\n    return x[:3].sum()\n")
    with pytest.raises(ShapeError, match="runs past the end") as info:
        symdiff.grad(f)(np.ones(2))
    assert "within the axis" in str(info.value)
    np.testing.assert_array_equal(symdiff.derive(f, shapes={"x": (2,)}).compiled()(np.ones(2)), [1, 1])


def test_a_boolean_mask_parameter_is_refused_at_call(tmp_path):
    f = compile_f(tmp_path, REFUSED["mask parameter"][0])
    with pytest.raises(InputTypeError, match="np.where"):
        symdiff.grad(f)(np.ones((2, 2)), np.ones((2, 2), bool))


def test_a_comparison_as_index_is_refused_with_where():
    """Comparisons are compiled elsewhere; once they are, `x[x > 0]` reaches this refusal."""
    from symdiff.indexing import subscript
    from symdiff.ir import Graph, Value

    graph = Graph()
    x = graph.param("x", (graph.dims.symbol("N"),))
    with pytest.raises(UnsupportedSyntaxError, match="depends on the data") as info:
        subscript(graph, x, (Value(graph, x.expr > 0, x.shape),))
    assert "np.where(x > 0, x, 0)" in str(info.value)


def test_slice_shapes_are_formulas_of_dimensions():
    """Bounds may be dimension expressions (`x[:N - 1]`, from `x.shape`); lengths are SymPy formulas."""
    import sympy as sp

    from symdiff.indexing import subscript
    from symdiff.ir import Graph

    graph = Graph()
    n, k = graph.dims.symbol("N"), graph.dims.symbol("K")
    x = graph.param("x", (n, k))
    assert subscript(graph, x, (slice(None, n - 1), slice(None, None, 2))).shape == (n - 1, sp.ceiling(k / 2))
    assert subscript(graph, x, (slice(1, None), -1)).shape == (n - 1,)
    assert subscript(graph, x, (slice(None, None, -1), None, Ellipsis)).shape == (n, 1, k)
    assert subscript(graph, x, (n - 1, slice(2, -1, 3))).shape == (sp.ceiling((k - 3) / 3),)


def test_slicing_and_index_assignment_run_on_array_api_strict(tmp_path):
    xp = pytest.importorskip("array_api_strict")
    pytest.importorskip("array_api_compat")
    f = compile_f(tmp_path, """def f(x, v):
    y = x.copy()
    y[0] = v * 2
    y[1:, :2] += v[None, :2]
    return (y[1:, ::-1] * y[:-1, None, 0]).sum()
""")
    x, v = np.random.default_rng(4).standard_normal((3, 4)), np.arange(4.0)
    expected = symdiff.grad(f, wrt=("x", "v"))(x, v)
    got = symdiff.grad(f, wrt=("x", "v"))(xp.asarray(x), xp.asarray(v))
    for a, b in zip(got, expected):
        assert type(a).__module__.startswith("array_api_strict")
        np.testing.assert_allclose(np.asarray(a), b, rtol=1e-12)
    np.testing.assert_allclose(expected[0], fd_gradient(f, [x, v], 0), rtol=1e-6, atol=1e-8)


def test_numpy_newaxis_is_none(tmp_path):
    module = load_module(tmp_path, "import numpy as np\n\ndef f(x, w):\n"
                                   "    return (x[:, np.newaxis] * w[np.newaxis, :] ** 2).sum()\n")
    args = [np.linspace(-1, 1, 3), np.linspace(0.5, 2, 4)]
    assert symdiff.check_grad(module.f, args, wrt=("x", "w")) < 1e-6


INDEX_IDIOMS = """
import numpy as np

def picked_by_range(y_hat, y):
    return -np.log(y_hat[range(len(y_hat)), y]).mean()

def picked_by_constant_range(y_hat, y):
    return -np.log(y_hat[range(4), y]).mean()

def shifted_rows(y_hat, y):
    return -np.log(y_hat[np.arange(1, 4), y[:3]]).mean()
"""

TORCH_INDEX_IDIOMS = """
import numpy as np
import torch.nn.functional as F

def shifted_targets(z):
    n = z.shape[0] // 2
    target = np.concatenate([np.arange(n, 2 * n), np.arange(0, n)])
    return F.cross_entropy(z @ z.T, target)

def flattened_targets(z, y):
    return F.cross_entropy(z, y.T.reshape(-1))
"""


def test_ranges_and_aranges_with_a_start_index_as_integers(tmp_path):
    m = load_module(tmp_path, INDEX_IDIOMS)
    r = np.random.default_rng(8)
    y_hat, y = r.uniform(0.1, 1.0, (4, 3)), r.integers(0, 3, 4)
    for fn in (m.picked_by_range, m.picked_by_constant_range, m.shifted_rows):
        np.testing.assert_allclose(symdiff.grad(fn)(y_hat, y), fd_gradient(fn, [y_hat, y], 0), rtol=1e-6, atol=1e-9)


def test_joined_aranges_and_reshaped_targets_are_class_indices(tmp_path):
    pytest.importorskip("torch")
    m = load_module(tmp_path, TORCH_INDEX_IDIOMS)
    r = np.random.default_rng(9)
    z, zz, targets = r.standard_normal((4, 3)), r.standard_normal((6, 3)), r.integers(0, 3, (3, 2))
    t = torch.tensor(z, requires_grad=True)
    torch.nn.functional.cross_entropy(t @ t.T, torch.tensor([2, 3, 0, 1])).backward()
    np.testing.assert_allclose(symdiff.grad(m.shifted_targets)(z), t.grad.numpy(), rtol=1e-12)
    t = torch.tensor(zz, requires_grad=True)
    torch.nn.functional.cross_entropy(t, torch.tensor(targets.T.reshape(-1))).backward()
    np.testing.assert_allclose(symdiff.grad(m.flattened_targets, wrt="z")(zz, targets), t.grad.numpy(), rtol=1e-12)
