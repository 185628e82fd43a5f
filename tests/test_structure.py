"""Structural ops and constants beyond the op test: each refusal names the user's line and what to
write instead; constants take the computation's dtype; shapes that are formulas of dimensions
(`(2*N, D)`, `(N + M, D)`) derive once for every size; no output aliases an input."""
import numpy as np
import pytest
from helpers import load_module

import symdiff
from symdiff import ShapeError, UnsupportedSyntaxError

HEADER = "import numpy as np\nimport torch\n\n\n"

# (the line in `f(x, y)` with x: (N, D), y: (N,), the error, what is wrong, what to do)
REFUSED = {
    "np.empty": ("np.empty((3, 4))", UnsupportedSyntaxError, "uninitialized", "np.zeros"),
    "np.empty_like": ("np.empty_like(x)", UnsupportedSyntaxError, "uninitialized", "np.zeros_like"),
    "torch.empty": ("torch.empty(3, 4)", UnsupportedSyntaxError, "uninitialized", "torch.zeros"),
    "torch.empty_like": ("torch.empty_like(x)", UnsupportedSyntaxError, "uninitialized", "np.zeros_like"),
    "ambiguous repeat": ("x.repeat(2)", UnsupportedSyntaxError, "tiles for torch tensors", "x.tile("),
    "ambiguous repeat of two": ("x.repeat(2, 1)", UnsupportedSyntaxError, "tiles for torch tensors",
                                "x.repeat(r, axis=k)"),
    "diag offset": ("np.diag(y, k=1)", UnsupportedSyntaxError, "main diagonal", "np.eye(n, k=...)"),
    "diagonal offset": ("np.diagonal(x, 1)", UnsupportedSyntaxError, "main diagonal", "np.eye(n, k=...)"),
    "non-square diagonal": ("np.diagonal(x)", ShapeError, "must be distinct and of one size", "square"),
    "diag of 3-D": ("np.diag(np.expand_dims(x, 0))", ShapeError,
                    "1-D or 2-D array", "np.diagonal"),
    "numbers only": ("np.array([1.0, 2.0])", UnsupportedSyntaxError, "numbers only", "outside the function"),
    "number beside a vector": ("np.array([y, 1.0])", ShapeError, "beside arrays of shape", "np.full_like"),
    "two -1": ("x.reshape(-1, -1)", ShapeError, "only one size can be -1", "every size but one"),
    "array as a size": ("x.reshape(y)", UnsupportedSyntaxError, "non-negative integer", "constant integers"),
    "concatenate mismatch": ("np.concatenate([x, y])", ShapeError, "cannot concatenate", "all sizes but"),
    "concatenate scalars": ("np.concatenate([y.sum(), y.sum()])", ShapeError, "0-d arrays cannot be concatenated",
                            "np.stack"),
    "concatenate one array": ("np.concatenate(x)", UnsupportedSyntaxError, "list or tuple of arrays",
                              "np.concatenate([a, b]"),
    "stack mismatch": ("np.stack([x, y])", ShapeError, "cannot stack", "one shape"),
    "squeeze a sized axis": ("np.squeeze(x, 0)", ShapeError, "its size is not 1", "reshape"),
    "not a permutation": ("np.transpose(x, (0, 0))", UnsupportedSyntaxError, "not a permutation", "each axis once"),
    "too few axes": ("x.permute(1)", UnsupportedSyntaxError, "not a permutation", "each axis once"),
    "broadcast to fewer axes": ("np.broadcast_to(x, (3,))", ShapeError, "cannot broadcast", "replace a 1"),
    "inner of 3-D": ("np.inner(np.expand_dims(x, 0), x)", ShapeError, "more than 2 dimensions", "einsum"),
    "roll shifts": ("np.roll(x, (1, 2), axis=0)", ShapeError, "one integer shift per axis", "axis=(0, 1)"),
    "flatten order": ("torch.flatten(x, 1, 0)", ShapeError, "comes after", "then the last"),
    "moveaxis pairs": ("np.moveaxis(x, (0, 1), 0)", ShapeError, "as many axes", "new position"),
    "flipud of a scalar": ("np.flipud(y.sum())", ShapeError, "flipping axis 0", "np.flip(x, axis)"),
    "arange step 0": ("np.arange(0, 3, 0)", ShapeError, "must not be 0", "step"),
    "dtype": ("np.ones(3, dtype='float32')", UnsupportedSyntaxError, "`dtype` must be none", "numbers, strings"),
    "linspace retstep": ("np.linspace(0, 1, 3, retstep=True)", UnsupportedSyntaxError, "`retstep` must be false",
                         "in the source"),
    "fill with a vector": ("np.full((3, 4), y)", ShapeError, "a number or a 0-d array", "np.broadcast_to"),
}


@pytest.mark.parametrize("case", REFUSED)
def test_refused(tmp_path, case):
    line, error, what, do = REFUSED[case]
    source = HEADER + f"def f(x, y):\n    z = {line}\n    return z.sum() + x.sum()\n"
    module = load_module(tmp_path, source)
    with pytest.raises(error) as info:
        symdiff.derive(module.f, wrt="x", shapes={"x": ("N", "D"), "y": ("N",)})
    exc = info.value
    assert exc.lineno == 6, str(exc)  # the user's line
    text = str(exc).lower()
    assert what.lower() in text and do.lower() in text, str(exc)


def test_constants_take_the_dtype_of_the_computation():
    def f(x):
        return (x * np.ones((1, 3)) + np.arange(3) + np.linspace(0, 1, 3) + np.eye(3)).sum()

    x = np.random.default_rng(0).standard_normal((3, 3)).astype(np.float32)
    value, grad = symdiff.value_and_grad(f)(x)
    assert value.dtype == np.float32 and grad.dtype == np.float32
    np.testing.assert_allclose(value, (x + np.arange(3) + np.linspace(0, 1, 3) + np.eye(3)).sum(), rtol=1e-6)
    assert "dtype=x.dtype" in symdiff.derive(f, shapes={"x": (3, 3)}).source


def test_formula_shapes_derive_once_for_every_size():
    def f(a, b):
        joined = np.concatenate([a, b], axis=0)  # (N + M, D)
        return (joined.reshape(-1, 1) * np.repeat(joined, 2, axis=1).reshape(-1, 2)).sum()

    grad = symdiff.grad(f, wrt=("a", "b"))
    rng = np.random.default_rng(1)
    for n, m, d in ((2, 3, 4), (5, 1, 2)):
        a, b = rng.standard_normal((n, d)), rng.standard_normal((m, d))
        ga, gb = grad(a, b)
        joined = np.concatenate([a, b])
        expected = 4 * joined  # d/dj sum(j_k * j_k) over both copies
        np.testing.assert_allclose(np.concatenate([ga, gb]), expected, rtol=1e-12)
    source = symdiff.derive(f, wrt=("a", "b"), shapes={"a": ("N", "D"), "b": ("M", "D")}).source
    assert "[:N]" in source and "[N:M + N]" in source


def test_views_of_inputs_are_not_returned():
    def f(x):
        return np.flip(x, 0).reshape(-1)

    x = np.arange(6.0).reshape(2, 3)
    value, _ = symdiff.jvp(f)(x, np.ones_like(x))
    value[0] = 100.0
    assert x[1, 0] == 3.0
    diagonal, _ = symdiff.jvp(_diagonal)(x.T @ x, np.ones((3, 3)))
    diagonal[0] = 5.0  # a fresh, writeable array, not numpy's read-only view


def _diagonal(x):
    return np.diagonal(x)
