"""Streaming over the batch (symdiff.rows, symdiff.emit_rows): which functions are sums over the rows
of a batch, and that their streamed value and gradients match finite differences, torch and the
unblocked code, in every dtype, with the inputs left as they were."""
import ast

import numpy as np
import pytest

import symdiff
from symdiff.emit_rows import BLOCK_BYTES, MIN_ROWS
from symdiff.functional import binary_cross_entropy_with_logits
from symdiff.rows import row_sum
from helpers import rng, torch

BCE_SHAPES = {"x": ("N", "D"), "y": ("N", "K"), "w": ("D", "K"), "b": ("K",)}
WIDE = 8192  # with a float64 row of WIDE elements, a block is BLOCK_BYTES // (8 * WIDE) = 128 rows
ROWS = max(MIN_ROWS, BLOCK_BYTES // (8 * WIDE))
N = 2 * ROWS + 37  # two whole blocks and a part


def bce_mean(x, y, w, b):
    z = x @ w + b
    return binary_cross_entropy_with_logits(z, y)


def softmax_rows(x, w, c):
    z = np.tanh(x @ w) * c
    return np.sum(np.log(np.sum(np.exp(z), axis=1))) / x.shape[0]


def scalar_weight(x, a):
    return np.sum(np.sin(a * x) ** 2)


def centred(x, w):
    return np.sum((x - x.mean(axis=0)) @ w)


def with_penalty(x, w):
    return np.mean(np.tanh(x @ w)) + np.sum(w * w)


def positions(x, w):
    return np.mean(np.tanh(x @ w) * np.arange(x.shape[0]))


def gram(x, w):
    return np.sum(x.T @ x @ w)


def mean_of_rows(x):
    return np.sum(x * x.shape[0])


def _derive(fn, shapes):
    return symdiff.derive(fn, shapes=shapes)


@pytest.mark.parametrize("fn, shapes, scale", [
    (bce_mean, BCE_SHAPES, "1/(K*N)"),
    (softmax_rows, {"x": ("N", "D"), "w": ("D", "K"), "c": ()}, "1/N"),
    (scalar_weight, {"x": ("N", "D"), "a": ()}, "1"),
])
def test_a_mean_or_sum_over_rows_streams(fn, shapes, scale):
    d = _derive(fn, shapes)
    found = row_sum(d.graph, d.output, d.param_symbols)
    assert found is not None and str(found.batch) == "N" and str(found.scale) == scale
    assert {str(p) for p in found.batched} == {p for p, s in shapes.items() if s[:1] == ("N",)}


@pytest.mark.parametrize("fn", [centred, with_penalty, positions, gram, mean_of_rows])
def test_what_reads_across_rows_does_not_stream(fn):
    """A mean over the batch inside, a term outside the sum, a row's position, a product over the
    rows and the batch size as a number all make the blocks' sum differ from the function."""
    d = _derive(fn, {"x": ("N", "D"), "w": ("D",)} if fn is not mean_of_rows else {"x": ("N", "D")})
    assert row_sum(d.graph, d.output, d.param_symbols) is None
    assert "_row_block_" not in d.module_source()


def _bce_args(dtype, n=N, seed=0):
    r = rng(seed)
    return [r.standard_normal((n, 3)).astype(dtype), (r.random((n, WIDE)) > 0.5).astype(dtype),
            r.standard_normal((3, WIDE)).astype(dtype), r.standard_normal(WIDE).astype(dtype)]


def _directional(f, args, grads, index, seed):
    """f's central difference along a random direction of args[index], against <grad, direction>."""
    r = rng(seed)
    v = r.standard_normal(args[index].shape)
    h = 1e-6
    plus = [a + h * v if i == index else a for i, a in enumerate(args)]
    minus = [a - h * v if i == index else a for i, a in enumerate(args)]
    return (f(*plus) - f(*minus)) / (2 * h), float(np.sum(grads * v))


def test_streamed_bce_gradients_match_finite_differences():
    args = _bce_args(np.float64)
    before = [a.copy() for a in args]
    value, grads = symdiff.value_and_grad(bce_mean, wrt=("x", "w", "b"))(*args)
    assert "_row_block_value_and_grad_bce_mean" in symdiff.derive(bce_mean, wrt=("x", "w", "b"), shapes=BCE_SHAPES).source
    assert all(np.array_equal(a, b) for a, b in zip(args, before))
    assert value == pytest.approx(bce_mean(*args), rel=1e-12)
    for k, (index, g) in enumerate(zip((0, 2, 3), grads)):
        assert g.shape == args[index].shape and g.dtype == np.float64
        fd, exact = _directional(bce_mean, args, g, index, seed=k)
        assert exact == pytest.approx(fd, rel=1e-6, abs=1e-10)
    r = rng(7)  # per element, at elements of each block of rows and of the weights
    for index, g in zip((0, 2, 3), grads):
        picks = [tuple(r.integers(0, s) for s in args[index].shape) for _ in range(4)]
        for i in picks + [(N - 1, 0)] if index == 0 else picks:  # and x's last row: the partial block
            e = np.zeros_like(args[index])
            e[i] = 1e-4  # a wide step: a mean of 2.4 million terms cancels the digits of a narrow one
            plus = [a + e if j == index else a for j, a in enumerate(args)]
            minus = [a - e if j == index else a for j, a in enumerate(args)]
            assert g[i] == pytest.approx((bce_mean(*plus) - bce_mean(*minus)) / 2e-4, rel=1e-6, abs=1e-13)


@pytest.mark.parametrize("dtype, rtol", [(np.float32, 2e-5), (np.float64, 1e-12)])
def test_streamed_results_match_the_unblocked_code(dtype, rtol):
    """Within float rounding of the code for one block (the sums run in another order), dtype kept."""
    args = _bce_args(dtype)
    d = symdiff.derive(bce_mean, wrt=("w", "b", "x"), shapes=BCE_SHAPES)
    streamed = symdiff.value_and_grad(bce_mean, wrt=("w", "b", "x"))(*args)
    namespace = {}
    body = ast.parse(d.module_source(("value_and_grad",)))
    for f in body.body:  # the unblocked code: the function without its driver
        if isinstance(f, ast.FunctionDef) and not f.name.startswith("_"):
            f.body = [s for s in f.body if not (isinstance(s, ast.If) and "rows" in ast.unparse(s.test))]
    exec(compile(body, "<unblocked>", "exec"), namespace)
    whole = namespace["value_and_grad_bce_mean"](*args)
    assert np.asarray(streamed[0]).dtype == dtype
    assert streamed[0] == pytest.approx(whole[0], rel=rtol)
    for s, w in zip(streamed[1], whole[1]):
        assert s.dtype == dtype and s.shape == w.shape
        np.testing.assert_allclose(s, w, rtol=rtol * 10, atol=rtol * np.abs(w).max())


def test_one_block_runs_the_unblocked_code():
    small = _bce_args(np.float64, n=ROWS)
    source = symdiff.derive(bce_mean, wrt=("w", "b"), shapes=BCE_SHAPES).source
    assert "if N > rows" in source
    value, (gw, gb) = symdiff.value_and_grad(bce_mean, wrt=("w", "b"))(*small)
    fd, exact = _directional(bce_mean, small, gw, 2, seed=3)
    assert exact == pytest.approx(fd, rel=1e-6)


def test_streamed_grad_of_one_parameter_and_of_a_scalar():
    args = _bce_args(np.float64)
    gw = symdiff.grad(bce_mean, wrt="w")(*args)
    fd, exact = _directional(bce_mean, args, gw, 2, seed=4)
    assert exact == pytest.approx(fd, rel=1e-6)
    x = rng(5).standard_normal((N, WIDE))
    ga = symdiff.grad(scalar_weight, wrt="a")(x, np.float64(0.3))
    h = 1e-6
    fd = (scalar_weight(x, 0.3 + h) - scalar_weight(x, 0.3 - h)) / (2 * h)
    assert ga == pytest.approx(fd, rel=1e-6)


def test_streamed_softmax_rows_against_finite_differences():
    r = rng(6)
    args = [r.standard_normal((N, 2)), r.standard_normal((2, WIDE)) * 0.5, np.float64(1.5)]
    value, grads = symdiff.value_and_grad(softmax_rows, wrt=("x", "w", "c"))(*args)
    assert value == pytest.approx(softmax_rows(*args), rel=1e-12)
    for k, index in enumerate((0, 1, 2)):
        fd, exact = _directional(softmax_rows, args, grads[k], index, seed=10 + k)
        assert exact == pytest.approx(fd, rel=1e-6, abs=1e-10)


def test_streamed_is_stable_at_large_logits():
    for dtype in (np.float32, np.float64):
        x, y, w, b = _bce_args(dtype)
        value, (gw, gb) = symdiff.value_and_grad(bce_mean, wrt=("w", "b"))(x, y, w * dtype(1e4), b)
        assert np.isfinite(value) and np.isfinite(gw).all() and np.isfinite(gb).all()
        assert gw.dtype == dtype


@pytest.mark.skipif(torch is None, reason="torch is an optional oracle")
def test_streamed_bce_against_torch():
    args = _bce_args(np.float64, seed=8)
    value, grads = symdiff.value_and_grad(bce_mean, wrt=("x", "w", "b"))(*args)
    x, y, w, b = (torch.tensor(a, requires_grad=i != 1) for i, a in enumerate(args))
    loss = torch.nn.functional.binary_cross_entropy_with_logits(x @ w + b, y)
    loss.backward()
    assert value == pytest.approx(loss.item(), rel=1e-12)
    for g, t in zip(grads, (x, w, b)):
        np.testing.assert_allclose(g, t.grad.numpy(), rtol=1e-10, atol=1e-14)


def test_exported_module_keeps_the_row_block_private_and_numpy_only(tmp_path):
    source = symdiff.export(bce_mean, wrt=("w", "b"), shapes=BCE_SHAPES)
    tree = ast.parse(source)
    imports = {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
    assert imports == {"numpy"}
    exported = next(n for n in tree.body if isinstance(n, ast.Assign) and n.targets[0].id == "__all__")
    assert not any(n.startswith("_row_block") for n in ast.literal_eval(exported.value))
    assert "def _row_block_grad_bce_mean(" in source and "def _row_block_value_and_grad_bce_mean(" in source
    namespace = {}
    exec(compile(source, "exported", "exec"), namespace)
    args = _bce_args(np.float64, seed=9)
    gw, gb = namespace["grad_bce_mean"](*args)
    fd, exact = _directional(bce_mean, args, gb, 3, seed=11)
    assert exact == pytest.approx(fd, rel=1e-6)


def unread(x: "N K", u: "N K"):
    return np.sum(x ** 2)


def size_only(x: "N K", v: "N"):
    return np.sum(x ** 2) / v.shape[0]


def row_weighted(x: "N D", w: "D"):
    return np.sum(x * w)


@pytest.mark.parametrize("fn, other", [(unread, (N, WIDE)), (size_only, (N,))])
def test_an_input_with_the_batch_the_sum_does_not_read_is_sliced_too(fn, other):
    x, o = rng(12).standard_normal((N, WIDE)), rng(13).standard_normal(other)
    assert "_row_block_" in symdiff.derive(fn, wrt="x").source
    gx = symdiff.grad(fn, wrt="x")(x, o)
    fd, exact = _directional(fn, [x, o], gx, 0, seed=14)
    assert exact == pytest.approx(fd, rel=1e-6)


def test_rows_of_no_elements_stream_nothing():
    value, (gx, gw) = symdiff.value_and_grad(row_weighted, wrt=("x", "w"))(np.zeros((N, 0)), np.zeros(0))
    assert value == 0.0 and gx.shape == (N, 0) and gw.shape == (0,)
