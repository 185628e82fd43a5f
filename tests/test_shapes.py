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
