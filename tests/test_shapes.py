"""Dimensions as expressions: unification that stays sound for products and sums, and generated
shape checks that read them."""
import ast

import numpy as np
import pytest
import sympy as sp

from symdiff.emit import function_ast, to_source
from symdiff.optimize import Program
from symdiff.shapes import Dims


def test_a_flexible_size_unifies_with_a_product_of_the_sizes_seen():
    dims = Dims()
    n, d = dims.symbol("N", seen=2, flexible=True), dims.symbol("D", seen=3, flexible=True)
    k = dims.symbol("K", seen=6, flexible=True)
    assert dims.equal(k, n * d) == n * d
    assert dims.find(k) == n * d
    assert dims.seen(k) == 6


def test_sizes_that_disagree_are_not_unified():
    dims = Dims()
    n, d = dims.symbol("N", seen=2, flexible=True), dims.symbol("D", seen=3, flexible=True)
    k = dims.symbol("K", seen=5, flexible=True)
    assert dims.equal(k, n * d) is None


def test_named_sizes_are_not_assumed_equal_to_formulas():
    dims = Dims()
    n, m, k = dims.symbol("N"), dims.symbol("M"), dims.symbol("K")
    assert dims.equal(k, n + m) is None
    assert dims.equal(n * m, n * k) is None


def test_equal_formulas_are_equal_however_written():
    dims = Dims()
    n, m = dims.symbol("N"), dims.symbol("M")
    assert dims.equal(2 * (n + 1), 2 * n + 2) is not None
    assert dims.equal(n + m, m + n) is not None
    assert dims.equal(n - 1, n) is None


def test_bindings_reach_inside_formulas():
    dims = Dims()
    n, d = dims.symbol("N", seen=2, flexible=True), dims.symbol("D", seen=3, flexible=True)
    k = dims.symbol("K", seen=3, flexible=True)
    dims.equal(k, d)
    assert dims.find(n * k + 1) in (n * d + 1, n * k + 1)
    assert dims.find(n * k + 1) == dims.find(n * d + 1)


def _checker(shapes: dict):
    """A generated function that only checks its parameters' shapes and returns the first."""
    params = [sp.Symbol(p, real=True) for p in shapes]
    program = Program("f", params, dict(zip(params, shapes.values())), [], params[0])
    source = to_source(ast.Module([function_ast(program)], type_ignores=[]))
    namespace = {"np": np}
    exec(source, namespace)
    return namespace["f"], source


def test_generated_checks_solve_and_check_formula_dimensions():
    m = sp.Symbol("M", integer=True, positive=True)
    f, source = _checker({"x": (2 * m, sp.Integer(3)), "y": (m,)})
    assert "M = (x.shape[0] - 0) // 2" in source or "M = x.shape[0] // 2" in source
    f(np.zeros((4, 3)), np.zeros(2))
    with pytest.raises(ValueError, match=r"y: expected shape \(M,\) = \(2,\)"):
        f(np.zeros((4, 3)), np.zeros(3))
    with pytest.raises(ValueError, match=r"x: expected shape \(2 \* M, 3\)"):
        f(np.zeros((5, 3)), np.zeros(2))


def test_generated_checks_read_products_and_sums_of_bound_dimensions():
    n, d = (sp.Symbol(s, integer=True, positive=True) for s in "ND")
    f, source = _checker({"x": (n, d), "y": (n * d,), "z": (n + d, sp.Integer(1))})
    f(np.zeros((2, 3)), np.zeros(6), np.zeros((5, 1)))
    with pytest.raises(ValueError, match=r"y: expected shape \((D \* N|N \* D),\) = \(6,\)"):
        f(np.zeros((2, 3)), np.zeros(5), np.zeros((5, 1)))
    with pytest.raises(ValueError, match=r"z: expected shape \(D \+ N, 1\) = \(5, 1\)"):
        f(np.zeros((2, 3)), np.zeros(6), np.zeros((4, 1)))


def test_halves_split_with_floor_division_unify_only_where_the_size_divides():
    dims = Dims()
    d = dims.symbol("D", seen=6, flexible=True)
    half = sp.floor(d / 2)
    assert dims.equal(half, d - half) is not None  # D := 2*D_2, checked by the generated code
    assert dims.find(d) == 2 * dims.find(half)
    odd = Dims()
    e = odd.symbol("E", seen=7, flexible=True)
    assert odd.equal(sp.floor(e / 2), e - sp.floor(e / 2)) is None
    assert odd.find(e) == e  # nothing bound
    f = dims.symbol("F", seen=4, flexible=True)
    assert dims.equal(sp.floor(f / 2), 1) is None and dims.find(f) == f  # a failed equality binds nothing


def test_a_split_in_halves_is_differentiated_and_a_lone_half_keeps_odd_sizes(tmp_path):
    import symdiff
    from helpers import fd_gradient, load_module
    module = load_module(tmp_path, """
import numpy as np

def gated(z, v):
    H = z.shape[1] // 2
    return np.sum((z[:, :H] * np.exp(z[:, H:])) @ v)

def first_half(x):
    return (x[: x.shape[0] // 2] ** 2).sum()
""")
    r = np.random.default_rng(3)
    z, v = r.standard_normal((3, 6)), r.standard_normal(3)
    np.testing.assert_allclose(symdiff.grad(module.gated, wrt="z")(z, v), fd_gradient(module.gated, [z, v], 0),
                               rtol=1e-6, atol=1e-9)
    grad = symdiff.grad(module.first_half)
    for n in (4, 5, 7):  # no size is bound where nothing needs it
        x = r.standard_normal(n)
        np.testing.assert_allclose(grad(x), np.r_[2 * x[: n // 2], np.zeros(n - n // 2)])
    with pytest.raises(symdiff.ShapeError, match="cannot broadcast"):
        symdiff.grad(module.gated, wrt="z")(r.standard_normal((3, 7)), v)


def test_products_of_flexible_sizes_unify_factor_by_factor_where_the_sizes_pair_them():
    dims = Dims()
    t, b = dims.symbol("T", seen=3, flexible=True), dims.symbol("B", seen=2, flexible=True)
    t2, b2 = dims.symbol("T2", seen=3, flexible=True), dims.symbol("B2", seen=2, flexible=True)
    assert dims.equal(t * b, b2 * t2) is not None
    assert dims.find(t2) == dims.find(t) and dims.find(b2) == dims.find(b)
    same = Dims()  # sizes that pair two ways: nothing is guessed
    p, q = same.symbol("P", seen=2, flexible=True), same.symbol("Q", seen=2, flexible=True)
    r, s = same.symbol("R", seen=2, flexible=True), same.symbol("S", seen=2, flexible=True)
    assert same.equal(p * q, r * s) is None and same.find(r) == r
