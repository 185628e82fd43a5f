"""Linear algebra beyond the op test: the code it generates, results unpacked from slogdet and eigh,
third derivatives through stacked products, and every refusal (naming the line, saying what to write)."""
import numpy as np
import pytest
from helpers import code_only, load_module, rng

import symdiff
from symdiff import ShapeError, UnsupportedSyntaxError

HEADER = "import numpy as np\nimport torch\n\n"


def _derive(tmp_path, body, shapes, wrt=None):
    module = load_module(tmp_path, HEADER + body)
    return symdiff.derive(module.f, wrt=wrt or next(iter(shapes)), shapes=shapes), module


def test_einsum_and_inverse_read_like_numpy(tmp_path):
    d, _ = _derive(tmp_path, "def f(a, b):\n    return np.einsum('ij,jk->ik', np.linalg.inv(a), b).sum()\n",
                   {"a": ("N", "N"), "b": ("N", "K")})
    code = code_only(d.module_source(("grad",)))
    assert "np.einsum('ij,jk->ik', inv, b)" in code
    assert code.count("np.linalg.inv(") == 1  # the VJP reuses the forward inverse


def test_slogdet_and_eigh_results_unpack(tmp_path):
    body = ("def f(a):\n    sign, logdet = np.linalg.slogdet(a)\n    w, v = np.linalg.eigh(a)\n"
            "    return sign * logdet + np.linalg.slogdet(a)[-1] + w.sum()\n")
    _, module = _derive(tmp_path, body, {"a": (3, 3)})
    m = rng(0).standard_normal((3, 3))
    a = m @ m.T + 3 * np.eye(3)
    g = symdiff.grad(module.f)(a)
    np.testing.assert_allclose(g, 2 * np.linalg.inv(a).T + np.eye(3), rtol=1e-10)


def test_a_user_identity_contracts_away_and_a_shifted_eye_does_not(tmp_path):
    """np.eye(n) is the identity factor einsums contract; np.eye(n, k=1) is an array like any other."""
    body = ("def f(a):\n    return (np.einsum('ij,jk->ik', np.eye(3), a) * np.einsum('ij,jk->ik', np.eye(3, k=1), a)"
            " + np.eye(3) @ a).sum()\n")
    d, module = _derive(tmp_path, body, {"a": (3, 2)})
    code = code_only(d.module_source(("value",)))
    assert code.count("np.einsum(") == 1 and "k=1" in code
    a, shift = rng(4).standard_normal((3, 2)), np.eye(3, k=1)
    np.testing.assert_allclose(d.compiled("value")(a), (a * (shift @ a) + a).sum(), rtol=1e-12)
    np.testing.assert_allclose(symdiff.grad(module.f)(a), shift @ a + shift.T @ a + 1, rtol=1e-12)


def test_third_derivatives_through_stacked_products(tmp_path):
    """The Hessian's forward sweep makes stacks of matrices; their reverse rule now exists."""
    _, module = _derive(tmp_path, "def f(x, w):\n    return np.tanh(x @ w).sum()\n", {"x": (4, 3), "w": (3,)})
    hvp = symdiff.hvp(module.f, wrt="w")
    x, w, v = rng(1).standard_normal((4, 3)), rng(2).standard_normal(3), rng(3).standard_normal(3)
    H = symdiff.hessian(module.f, wrt="w")(x, w)
    np.testing.assert_allclose(hvp(x, w, v), H @ v, rtol=1e-10)


# (body of f(a, b), shapes, error, phrase of the message, phrase of the hint)
REFUSED = {
    "N-D np.dot": ("np.dot(a, b)", {"a": (2, 3, 4), "b": (4, 5)}, ShapeError, "np.dot of N-D arrays", "a @ b"),
    "bmm of matrices": ("torch.bmm(a, b)", {"a": (3, 4), "b": (4, 5)}, ShapeError, "two 3-D arrays", "torch.matmul"),
    "bmm batch sizes": ("torch.bmm(a, b)", {"a": (2, 3, 4), "b": (3, 4, 5)}, ShapeError, "batch sizes differ",
                        "does not broadcast"),
    "einsum letters": ("np.einsum('ij,j->', a, b)", {"a": (2, 3), "b": (3, 4)}, UnsupportedSyntaxError,
                       "does not fit", "one letter per axis"),
    "einsum operands": ("np.einsum('ij->', a, b)", {"a": (2, 3), "b": (3,)}, UnsupportedSyntaxError,
                        "1 operand subscripts for 2 operands", "one letter per axis"),
    "einsum output": ("np.einsum('ij,jk->iq', a, b)", {"a": (2, 3), "b": (3, 4)}, UnsupportedSyntaxError,
                      "each output letter must appear once", None),
    "einsum ellipsis": ("np.einsum('...i,...i->i', a, b)", {"a": (2, 3), "b": (2, 3)}, UnsupportedSyntaxError,
                        "must keep the axes", "..."),
    "einsum sizes": ("np.einsum('ij,ij->', a, b)", {"a": (2, 3), "b": (3, 3)}, ShapeError, "disagree on an axis",
                     "same size"),
    "einsum subscripts": ("np.einsum(a, b)", {"a": (2, 3), "b": (3,)}, UnsupportedSyntaxError, "subscripts", None),
    "inverse of a rectangle": ("np.linalg.inv(a) + b", {"a": (2, 3), "b": (3,)}, ShapeError, "square matrix",
                               "last two axes"),
    "solve sizes": ("np.linalg.solve(a, b)", {"a": (3, 3), "b": (4,)}, ShapeError, "do not fit", "right-hand side"),
    "transpose axes": ("np.transpose(a, (0, 0)) + b", {"a": (2, 3), "b": ()}, UnsupportedSyntaxError,
                       "not a permutation", "each axis once"),
    "indexing a value": ("np.sum(a)[0] + b", {"a": (3,), "b": ()}, ShapeError, "too many indices", "0 dimensions"),
    "a result out of range": ("np.linalg.slogdet(a)[2] + b", {"a": (3, 3), "b": ()}, UnsupportedSyntaxError,
                              "cannot index a tuple of 2 items with 2", None),
}


@pytest.mark.parametrize("case", REFUSED)
def test_refusals_name_the_line_and_what_to_write(tmp_path, case):
    expr, shapes, error, message, hint = REFUSED[case]
    with pytest.raises(error) as info:
        _derive(tmp_path, f"def f(a, b):\n    return {expr}\n", shapes)
    assert info.value.lineno == 5
    assert message in str(info.value)
    if hint:
        assert hint in str(info.value)


def test_eigenvector_gradient_is_refused_nowhere_but_documented(tmp_path):
    """Eigenvectors differentiate (torch's rule, infinite where eigenvalues repeat)."""
    _, module = _derive(tmp_path, "def f(a):\n    w, v = np.linalg.eigh(a + a.T)\n    return (v * v).sum() + v.sum()\n",
                        {"a": (3, 3)})
    a = rng(4).standard_normal((3, 3))
    g = symdiff.grad(module.f)(a)
    h = 1e-6
    e = np.zeros((3, 3))
    e[0, 1] = h

    def f(m):
        return module.f(m)
    np.testing.assert_allclose(g[0, 1], (f(a + e) - f(a - e)) / (2 * h), rtol=1e-5)
