"""The Python people write around the math: shapes as values, parameter trees, containers, values
from outside the function read at call time, defaults and keywords, static control flow, harmless
statements. Every gradient is checked against finite differences in float64."""
import dataclasses
from typing import NamedTuple

import numpy as np
import pytest
from helpers import fd_gradient, load_module, rng, torch, torch_grads

import symdiff
from symdiff import ShapeError, UnsupportedSyntaxError
from symdiff.trees import LEAF, flatten, unflatten


def assert_grad(fn, args, wrt=0, **kwargs):
    """symdiff's gradient of `fn` with respect to argument `wrt` (an array) agrees with finite differences."""
    got = symdiff.grad(fn, wrt=wrt)(*args, **kwargs)
    expected = fd_gradient(lambda *a: fn(*a, **kwargs), args, wrt)
    np.testing.assert_allclose(got, expected, rtol=1e-6, atol=1e-8)
    return got


def tree_fd(fn, args, index, eps=1e-6):
    """Finite-difference gradient of fn with respect to the tree args[index], as a tree."""
    leaves, tree = flatten(args[index], lambda v: LEAF)
    grads = []
    for k, leaf in enumerate(leaves):
        def at(x, k=k):
            new = list(leaves)
            new[k] = x
            return fn(*args[:index], unflatten(tree, new), *args[index + 1:])
        grads.append(fd_gradient(at, [np.asarray(leaf, dtype=np.float64)], 0, eps))
    return unflatten(tree, grads)


def assert_tree_close(got, expected):
    got_leaves, got_tree = flatten(got, lambda v: LEAF)
    exp_leaves, exp_tree = flatten(expected, lambda v: LEAF)
    assert got_tree == exp_tree, (got_tree, exp_tree)
    assert type(got) is type(expected)
    for g, e in zip(got_leaves, exp_leaves):
        np.testing.assert_allclose(g, e, rtol=1e-6, atol=1e-8)


X = rng(1).standard_normal((5, 3))
Y = rng(2).standard_normal((5, 2))
W = rng(3).standard_normal((3, 2))


# -- 1. shapes as values -----------------------------------------------------------------------

def mean_by_hand(x):
    N, D = x.shape
    return (x ** 2).sum() / (N * D) + x.sum() / len(x) + x.sum() / x.shape[-1] + (x * x.ndim).sum() / x.size


def test_shapes_as_values():
    assert_grad(mean_by_hand, [X])
    text = str(symdiff.derive(mean_by_hand, shapes={"x": ("N", "D")}))
    assert "N" in text and "D" in text


def test_literal_sizes_are_python_ints():
    def f(x: "N 3"):
        assert x.shape[1] == 3
        return (x * x.shape[1]).sum()

    assert_grad(f, [X])


def test_range_of_a_symbolic_size_is_a_loop():
    def f(x):
        t = 0.0
        for i in range(x.shape[0]):
            t = t + x.sum()
        return t

    np.testing.assert_allclose(symdiff.grad(f)(X), np.full_like(X, len(X)))
    source = symdiff.derive(f, shapes={"x": ("N", "D")}).module_source(("value", "grad"))
    assert "for i in range(N):" in source and "for i in reversed(range(N)):" in source


# -- 2. parameter trees ------------------------------------------------------------------------

def mlp(params, x, y):
    h = x
    for W, b in params[:-1]:
        h = np.tanh(h @ W + b)
    W, b = params[-1]
    out = h @ W + b
    return ((out - y) ** 2).sum() / x.shape[0]


def init_mlp(sizes, seed=0):
    r = rng(seed)
    return [(r.standard_normal((m, n)) / np.sqrt(m), r.standard_normal(n)) for m, n in zip(sizes[:-1], sizes[1:])]


def test_list_of_tuples_round_trips():
    params = init_mlp([3, 4, 4, 2])
    g = symdiff.grad(mlp)(params, X, Y)
    assert_tree_close(g, tree_fd(mlp, [params, X, Y], 0))
    assert isinstance(g, list) and all(isinstance(t, tuple) for t in g)


def test_the_tree_structure_is_part_of_the_cache_key():
    g = symdiff.grad(mlp)
    g(init_mlp([3, 4, 2]), X, Y)
    g(init_mlp([3, 4, 4, 2]), X, Y)
    g(init_mlp([3, 5, 4, 2], seed=1), X, Y)  # same structure and ranks: no new derivation
    assert len(g.derivations) == 2


class Params(NamedTuple):
    W: np.ndarray
    b: np.ndarray


@dataclasses.dataclass
class Layer:
    W: np.ndarray
    b: np.ndarray


def affine_loss(p, x):
    return np.tanh(x @ p.W + p.b).sum()


def dict_loss(p, x):
    h = np.tanh(x @ p["W1"] + p["b1"])
    return (h @ p["W2"]).sum()


@pytest.mark.parametrize("make", [Params, Layer])
def test_namedtuples_and_dataclasses_round_trip(make):
    p = make(W, rng(4).standard_normal(2))
    g = symdiff.grad(affine_loss)(p, X)
    assert type(g) is make
    assert_tree_close(g, tree_fd(affine_loss, [p, X], 0))


def test_dicts_keep_their_keys():
    r = rng(5)
    p = {"W1": r.standard_normal((3, 4)), "b1": r.standard_normal(4), "W2": r.standard_normal((4, 2))}
    g = symdiff.grad(dict_loss)(p, X)
    assert list(g) == list(p)
    assert_tree_close(g, tree_fd(dict_loss, [p, X], 0))


def test_value_and_grad_vjp_jvp_hvp_hessian_of_trees():
    p = Params(W, rng(6).standard_normal(2))
    value, g = symdiff.value_and_grad(affine_loss)(p, X)
    assert np.isclose(value, affine_loss(p, X)) and type(g) is Params
    (gw, gx) = symdiff.grad(affine_loss, wrt=(0, 1))(p, X)
    assert type(gw) is Params and gx.shape == X.shape
    v = symdiff.vjp(affine_loss)(p, X, np.array(1.0))
    assert_tree_close(v, g)
    tangent = Params(np.ones_like(p.W), np.ones_like(p.b))
    _, dot = symdiff.jvp(affine_loss)(p, X, tangent)
    assert np.isclose(dot, np.sum(g.W) + np.sum(g.b))
    hv = symdiff.hvp(affine_loss)(p, X, tangent)
    hess = symdiff.hessian(affine_loss)(p, X)
    assert type(hv) is Params and type(hess) is Params and type(hess.W) is Params
    np.testing.assert_allclose(hv.b, hess.b.W.reshape(2, -1) @ tangent.W.ravel() + hess.b.b @ tangent.b)


def test_derive_and_export_take_tree_shapes():
    d = symdiff.derive(mlp, shapes={"params": [(("D", "H"), ("H",)), (("H", "K"), ("K",))], "x": ("N", "D"),
                                    "y": ("N", "K")})
    assert set(d.gradients) == {"params_0_0", "params_0_1", "params_1_0", "params_1_1"}
    params = init_mlp([3, 4, 2])
    leaves = [a for layer in params for a in layer]
    for got, expected in zip(d.function(*leaves, X, Y), (a for t in symdiff.grad(mlp)(params, X, Y) for a in t)):
        np.testing.assert_allclose(got, expected, rtol=1e-12)
    source = symdiff.export(mlp, wrt="params", kinds=("grad",),
                            shapes={"params": [(("D", "H"), ("H",)), (("H", "K"), ("K",))], "x": ("N", "D"),
                                    "y": ("N", "K")})
    assert "def grad_mlp(params_0_0, params_0_1, params_1_0, params_1_1, x, y)" in source
    assert "symdiff.export(" in source  # the command line takes no tree shapes: the Python call


def test_derive_and_tree_shapes_nested():
    def f(layers, x):
        (W1, b1), (W2, b2) = layers
        return (np.tanh(x @ W1 + b1) @ W2 + b2).sum()

    d = symdiff.derive(f, shapes={"layers": [(("D", "H"), ("H",)), (("H", "K"), ("K",))], "x": ("N", "D")})
    assert "params" not in d.source and "def grad_f(layers_0_0, layers_0_1, layers_1_0, layers_1_1, x)" in d.source


def test_bound_methods_read_self_at_call_time():
    class Model:
        def __init__(self):
            self.W = rng(7).standard_normal((3, 2))
            self.power = 2

        def forward(self, x):
            return np.tanh(x @ self.W)

        def loss(self, x):
            return (self.forward(x) ** self.power).sum()

    m = Model()
    g = symdiff.grad(m.loss)
    np.testing.assert_allclose(g(X), fd_gradient(m.loss, [X], 0), rtol=1e-6)
    m.W = m.W * 2  # arrays of self are read at each call
    np.testing.assert_allclose(g(X), fd_gradient(m.loss, [X], 0), rtol=1e-6)
    assert len(g.derivations) == 1 and len(g._functions) == 1
    m.power = 4  # a changed Python value derives again
    np.testing.assert_allclose(g(X), fd_gradient(m.loss, [X], 0), rtol=1e-6)
    derived = g.derivations[next(iter(g.derivations))]
    g(X)
    assert g.derivations[next(iter(g.derivations))] is derived  # and only once


def test_decorated_methods_take_self():
    class Model:
        def __init__(self, W):
            self.W = W

        @symdiff.grad
        def loss(self, x):
            return np.tanh(x @ self.W).sum()

    m = Model(W)
    np.testing.assert_allclose(m.loss(X), fd_gradient(lambda x: np.tanh(x @ W).sum(), [X], 0), rtol=1e-6)


# -- 3. containers in the body -----------------------------------------------------------------

def containers(params, x):
    hs = []
    first, *rest = params
    for i, (W, b) in enumerate(params):
        hs.append(np.tanh(x @ W + b).sum() * (i + 1))
    squares = [np.sum(W ** 2) for W, _ in params]
    pairs = {k: v for k, v in zip(("a", "b", "c"), squares)}
    total = sum(hs) + sum(squares) / len(squares) + pairs["a"]
    for W, b in reversed(rest):
        total = total + np.sum(b)
    (a, (b, c)) = (1.0, (2.0, 3.0))
    return total * a + b * c + np.sum(first[0])


def test_lists_tuples_comprehensions_and_unpacking():
    params = [(rng(i).standard_normal((3, 3)), rng(i + 10).standard_normal(3)) for i in range(3)]
    g = symdiff.grad(containers)(params, X)
    assert_tree_close(g, tree_fd(containers, [params, X], 0))


# -- 4. values from outside, at call time --------------------------------------------------------

OUTSIDE = """
import numpy as np
W_GLOBAL = np.ones((3, 2))
SCALE = 2.0
matmul = np.matmul
sigmoid = lambda z: 1 / (1 + np.exp(-z))

class D2L:
    pass
d2l = D2L()
d2l.reduce_sum = lambda x, *args, **kwargs: x.sum(*args, **kwargs)

def uses_global(x):
    return (sigmoid(matmul(x, W_GLOBAL)) * SCALE).sum()

def uses_d2l(x):
    return d2l.reduce_sum(x ** 2, axis=0).sum()

def make_loss(X, y):
    act = np.tanh
    def loss(w):
        return ((act(X @ w) - y) ** 2).mean()
    return loss
"""


def test_a_global_array_changed_between_calls_changes_the_result(tmp_path):
    module = load_module(tmp_path, OUTSIDE)
    g = symdiff.grad(module.uses_global)
    first = g(X)
    np.testing.assert_allclose(first, fd_gradient(module.uses_global, [X], 0), rtol=1e-6)
    module.W_GLOBAL = rng(8).standard_normal((3, 4))  # another size too
    np.testing.assert_allclose(g(X), fd_gradient(module.uses_global, [X], 0), rtol=1e-6)
    module.SCALE = 3.0  # a Python number read from outside derives again
    np.testing.assert_allclose(g(X), fd_gradient(module.uses_global, [X], 0), rtol=1e-6)
    assert len(g.derivations) == 1


def test_outside_arrays_are_extra_parameters_of_derive(tmp_path):
    module = load_module(tmp_path, OUTSIDE)
    d = symdiff.derive(module.uses_global, shapes={"x": ("N", "D")})
    assert "def grad_uses_global(x, W_GLOBAL)" in d.source


def test_factory_closures_and_lambda_helpers(tmp_path):
    module = load_module(tmp_path, OUTSIDE)
    y = rng(9).standard_normal(5)
    loss = module.make_loss(X, y)
    w = rng(10).standard_normal(3)
    assert symdiff.check_grad(loss, [w]) < 1e-5
    assert_grad(module.uses_d2l, [X])


def local_functions(params, x):
    act = lambda z: 1 / (1 + np.exp(-z))  # noqa: E731

    def layer(h, W, b, scale=1.0):
        return act(h @ W + b) * scale

    h = x
    for W, b in params:
        h = layer(h, W, b)
    return np.sum(h) + np.sum(layer(x, *params[0], scale=2.0))


def test_functions_defined_in_the_body():
    params = [(rng(i).standard_normal((3, 3)), rng(i + 5).standard_normal(3)) for i in range(2)]
    assert_tree_close(symdiff.grad(local_functions)(params, X), tree_fd(local_functions, [params, X], 0))


# -- 5. defaults and calls ---------------------------------------------------------------------

def with_defaults(x, w, s=0.1, *, training=True, reduction="sum"):
    z = x @ w * s
    if not training:
        z = z * 0.5
    return z.sum() if reduction == "sum" else z.mean()


def test_defaults_keywords_and_vjp():
    assert_grad(with_defaults, [X, W], wrt=1)
    assert_grad(with_defaults, [X, W], wrt=1, s=2.0, training=False, reduction="mean")
    g = symdiff.grad(with_defaults, wrt="w")
    g(X, W)
    g(X, w=W)
    assert len(g.derivations) == 1
    np.testing.assert_allclose(symdiff.vjp(with_defaults, wrt="w")(X, W, np.array(1.0)), g(X, W))
    assert_grad(with_defaults, [X, W, 0.5], wrt=2)


def star_args(x, *ws):
    return sum((x @ w).sum() for w in ws)


def test_star_args_of_arrays():
    gs = symdiff.grad(star_args, wrt="ws")(X, W, 2 * W)
    assert isinstance(gs, tuple) and len(gs) == 2
    np.testing.assert_allclose(gs[1], fd_gradient(lambda w: star_args(X, W, w), [2 * W], 0), rtol=1e-6)


def test_float32_in_float32_out():
    params = [(p.astype(np.float32), b.astype(np.float32)) for p, b in init_mlp([3, 4, 2])]
    g = symdiff.grad(mlp)(params, X.astype(np.float32), Y.astype(np.float32))
    assert all(a.dtype == np.float32 for t in g for a in t)


# -- 6. static control flow --------------------------------------------------------------------

def unrolled(x, w, n_layers=3, mode="tanh"):
    h = x @ w
    for i in range(10):
        if i >= n_layers:
            break
        if i % 2 == 1:
            continue
        h = np.tanh(h) if mode == "tanh" else np.exp(-h)
    k = 0
    while k < 2:
        h = h * 1.5
        k += 1
    else:
        h = h + 1.0
    return h.sum()


@pytest.mark.parametrize("n_layers, mode", [(3, "tanh"), (1, "exp"), (0, "tanh")])
def test_loops_and_branches_on_static_values(n_layers, mode):
    assert_grad(unrolled, [X, W], wrt=1, n_layers=n_layers, mode=mode)


def test_torch_twin_of_an_unrolled_mlp():
    if torch is None:
        pytest.skip("torch is not installed")

    def net(x, w1, w2):
        h = x
        for w in (w1, w2):
            h = torch.tanh(h @ w)
        return h.sum()

    w1, w2 = rng(11).standard_normal((3, 3)), rng(12).standard_normal((3, 2))
    got = symdiff.grad(net, wrt=(1, 2))(X, w1, w2)
    for g, e in zip(got, torch_grads(net, [X, w1, w2], [1, 2])):
        np.testing.assert_allclose(g, e, rtol=1e-10)


# -- 7. harmless statements --------------------------------------------------------------------

def harmless(x):
    """A docstring."""
    assert x.ndim == 2, "a matrix"
    print("shape", x.shape, f"{x}")
    "another string"
    ...
    pass
    return (x ** 2).sum()


def optional_mask(x, mask=None):
    if mask is not None:
        x = x * mask
    return (x ** 2).sum()


def test_is_none_on_arrays_and_defaults():
    assert_grad(optional_mask, [X])
    assert_grad(optional_mask, [X, np.abs(X)])


def test_docstrings_asserts_prints_pass():
    assert_grad(harmless, [X])


def test_a_failing_static_assert_is_a_shape_error():
    with pytest.raises(ShapeError, match="assertion fails"):
        symdiff.grad(harmless)(X[0])


def test_check_grad_checks_every_leaf_of_a_tree():
    params = init_mlp([3, 4, 2])
    assert symdiff.check_grad(mlp, [params, X, Y]) < 1e-5
    wrong = lambda p, x, y: [(2 * gw, gb) for gw, gb in symdiff.grad(mlp)(p, x, y)]
    with pytest.raises(symdiff.GradientCheckError, match=r"params\[0\]\[0\]"):
        symdiff.check_grad(mlp, [params, X, Y], wrt="params", grad=wrong)


JAX_SPELLED = """
import jax
import jax.numpy as jnp
from jax.scipy.special import logsumexp


def predict(params, x):
    for w, b in params[:-1]:
        x = jax.nn.relu(x @ w + b)
    w, b = params[-1]
    logits = x @ w + b
    return jnp.sum(logits - logsumexp(logits, axis=1, keepdims=True))
"""


def test_jax_spelling_resolves_without_jax(tmp_path):
    path = tmp_path / "jaxish.py"
    path.write_text(JAX_SPELLED)
    source = symdiff.source.FunctionSource.from_file(path, "predict")
    d = symdiff.derive(source, shapes={"params": [(("D", "H"), ("H",)), (("H", "K"), ("K",))], "x": ("N", "D")})
    assert "numpy.maximum" not in str(d) and len(d.gradients) == 4


def test_autograd_spelling(tmp_path):
    pytest.importorskip("autograd")
    module = load_module(tmp_path, """
import autograd.numpy as np
from autograd.scipy.special import logsumexp

def log_lik(params, inputs, targets):
    for W, b in params:
        outputs = np.dot(inputs, W) + b
        inputs = np.tanh(outputs)
    return np.sum((outputs - logsumexp(outputs, axis=1, keepdims=True)) * targets)
""")
    params = init_mlp([3, 4, 2])
    g = symdiff.grad(module.log_lik)(params, X, Y)
    assert_tree_close(g, tree_fd(module.log_lik, [params, X, Y], 0))
