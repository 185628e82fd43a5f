"""The namer: the rules for derivative names, stems, and unique identifiers."""
import numpy as np
import sympy as sp

import symdiff
from symdiff import names
from symdiff.scalar import sigmoid


def test_derivatives_are_named_after_what_they_differentiate():
    assert names.adjoint("x") == "dx"
    assert names.tangent("x") == "x_dot"
    assert names.jacobian("w") == "jac_w"
    assert names.hessian("w", "w") == "hess_w"
    assert names.hessian("w", "b") == "hess_w_b"
    assert names.hvp("w") == "hvp_w"


def test_stems_say_what_a_value_holds():
    z, y = sp.symbols("z y", real=True)
    assert names.product("x", "w") == "xw"
    assert names.product("x.T", "w") == "prod"
    assert names.node_stem(sigmoid(z)) == "sig"
    assert names.node_stem(z * y) == names.ANONYMOUS
    subject = lambda expr: "z"  # noqa: E731
    assert names.temporary(sp.exp(-sp.Abs(z)), subject) == "exp_z"
    assert names.temporary(sp.Integer(2) * sp.Symbol("N", integer=True), subject) == "scale"
    assert names.temporary(z * y, subject) == names.ANONYMOUS
    assert names.unnamed_dim("x", 0) == "_x_0"


def test_a_namer_makes_unique_identifiers_clear_of_python_and_numpy():
    fresh = names.Namer(taken={"x"})
    assert [fresh("x"), fresh("x"), fresh("h"), fresh("h")] == ["x1", "x2", "h", "h1"]
    assert [fresh(n) for n in ("np", "lambda", "sum", "slice", "math")] == ["np1", "lambda1", "sum1", "slice1", "math1"]
    assert [fresh("x.T"), fresh("0th"), fresh("")] == ["x_T", "_0th", "t"]
    assert names.Namer(reserved=())("sum") == "sum"


def test_generated_code_names_adjoints_tangents_and_blocks_by_the_rules():
    def f(x, w):
        h = np.tanh(x @ w)
        return (h * h).sum()

    shapes = {"x": ("N", "D"), "w": ("D", "K")}
    d = symdiff.derive(f, wrt="w", shapes=shapes)
    grad = d.module_source(("grad",))
    assert "dh = " in grad and "return dw" in grad
    assert "def jvp_f(x, w, w_dot):" in d.module_source(("jvp",))
    assert "return hess_w" in d.module_source(("hessian",))


def test_a_local_named_like_a_builtin_the_code_calls_is_renamed():
    def f(x, idx):
        slice = x * x  # the gradient's scatter-add calls slice(None)
        return slice[:, idx].sum()

    x, idx = np.arange(6.0).reshape(2, 3), np.array([0, 2, 2])
    d = symdiff.derive(f, shapes={"x": ("N", "D"), "idx": ("K",)})
    assert "slice1 = x ** 2" in d.module_source(("grad",))
    np.testing.assert_allclose(symdiff.grad(f)(x, idx), 2 * x * np.array([1.0, 0.0, 2.0]))
