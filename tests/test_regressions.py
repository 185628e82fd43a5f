"""Bugs found by the differential tests (test_differential.py), the bad-input catalogue and the
Python-version runs, each as a plain test of the smallest program that shows it.

Each was a bug when it was found; now each guards its fix.
"""
import subprocess
import sys
import textwrap

import numpy as np
import pytest
from helpers import load_module, rng

import symdiff

HEADER = "import numpy as np\nfrom symdiff import functional as F\n\n\n"


def module_of(tmp_path, body: str, params: str = "x"):
    """A module with `f(params)` returning `body` (one expression, or statements ending in a return)."""
    lines = body if "return" in body else f"return {body}"
    return load_module(tmp_path, HEADER + f"def f({params}):\n" + textwrap.indent(lines, "    ") + "\n")


# -- terms that cancel -------------------------------------------------------------------------

CANCELLING = {
    # name: (body, parameters, wrt, arguments)
    "x - x, summed": ("(x - x).sum()", "x", "x", lambda r: [r.standard_normal(4)]),
    "x - x, in a product": ("((x - x) @ x).sum()", "x", "x", lambda r: [r.standard_normal(4)]),
    "x - x + 1, summed": ("(x - x + 1).sum()", "x", "x", lambda r: [r.standard_normal(4)]),
    "a scalar broadcast by terms that cancel": ("(x @ y + y - y).sum()", "x, y", ("x", "y"),
                                                 lambda r: [r.standard_normal(4), r.standard_normal(4)]),
    "log_softmax(x) - x": ("((F.log_softmax(x, axis=0) - x) ** 2).sum()", "x", "x", lambda r: [r.standard_normal(4)]),
}


@pytest.mark.parametrize("case", CANCELLING)
def test_cancelling_terms_keep_the_broadcast_shape(tmp_path, case):
    body, params, wrt, make_args = CANCELLING[case]
    module = module_of(tmp_path, body, params)
    args = make_args(rng(0))
    value, _ = symdiff.value_and_grad(module.f, wrt=wrt)(*args)
    np.testing.assert_allclose(value, module.f(*args), rtol=1e-12, atol=1e-12)
    assert symdiff.check_grad(module.f, args, wrt=wrt) < 1e-6


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_a_value_that_folds_to_zero_has_the_inputs_dtype(tmp_path, dtype):
    module = module_of(tmp_path, "-(x - x)")
    value, grad = symdiff.value_and_grad(module.f)(np.asarray(1.5, dtype))
    assert np.asarray(value).dtype == dtype and grad.dtype == dtype


def test_a_zero_scalar_is_not_taken_for_an_earlier_zero_array(tmp_path):
    module = module_of(tmp_path, "z = x - x\nreturn y.sum() - y.sum()", "x, y")
    assert symdiff.grad(module.f, wrt="y")(np.ones((2, 3)), np.ones(2)).shape == (2,)


def test_gradient_of_cancelled_terms_with_size_one_axes_keeps_float32(tmp_path):
    module = module_of(tmp_path, "np.mean((y.mean(axis=0, keepdims=True) - x - y) * z)", "x, y, z")
    args = [np.ones((2, 1), np.float32), np.ones((1, 1), np.float32), np.ones(1, np.float32)]
    grads = symdiff.grad(module.f, wrt=("x", "y", "z"))(*args)
    assert [g.dtype for g in grads] == [np.float32] * 3


# -- functions built on comparisons ----------------------------------------------------------

SIGNED = {
    "sigmoid of a square": ("F.sigmoid(x ** 2).sum()", "x"),
    "softplus of a square": ("F.softplus(x * x).sum()", "x"),
    "sigmoid of x - x": ("F.sigmoid(x - x + x * x).sum()", "x"),
    "BCE of exp": ("F.binary_cross_entropy_with_logits(np.exp(x), y)", "x, y"),
    "log1p(exp(square)), rewritten to softplus": ("np.log1p(np.exp(x ** 2)).sum()", "x"),
}


@pytest.mark.parametrize("case", SIGNED)
def test_stable_functions_of_an_argument_of_known_sign(tmp_path, case):
    body, params = SIGNED[case]
    module = module_of(tmp_path, body, params)
    args = [rng(1).standard_normal(3) for _ in params.split(", ")]
    assert symdiff.check_grad(module.f, args, wrt="x") < 1e-6


NOT_COMPARABLE = {
    "relu of logsumexp": ("F.relu(F.logsumexp(x, axis=0))", ("N",)),
    "sigmoid of logsumexp": ("F.sigmoid(F.logsumexp(x, axis=0))", ("N",)),
    "relu of softmax - 0.5": ("F.relu(F.softmax(x, axis=0) - 0.5).sum()", ("N",)),
    "maximum of log_softmax sums": ("np.maximum(np.sum(F.log_softmax(x, axis=1), axis=1), 0.5).sum()", ("N", "D")),
    "relu of a 2-D mean plus a constant": ("F.relu(x.mean() + 1)", ("N", "D")),
}


@pytest.mark.parametrize("case", NOT_COMPARABLE)
def test_comparison_functions_of_inline_reductions(tmp_path, case):
    body, shape = NOT_COMPARABLE[case]
    module = module_of(tmp_path, body)
    derivation = symdiff.derive(module.f, shapes={"x": shape})
    x = rng(2).standard_normal((3, 4)[: len(shape)])
    assert symdiff.check_grad(derivation.compiled("value"), [x], grad=derivation.function) < 1e-6


def test_abs_of_a_square_root(tmp_path):
    module = module_of(tmp_path, "np.abs(np.sqrt(x + 1)).sum()")
    assert symdiff.check_grad(module.f, [rng(3).random(3)]) < 1e-6


# -- found by the front-end fuzzer (test_fuzz_frontend.py) -------------------------------------

def test_transpose_with_an_array_for_an_axis_is_refused(tmp_path):
    module = module_of(tmp_path, "x.transpose(x).sum()")
    with pytest.raises(symdiff.SymdiffError):
        symdiff.derive(module.f, shapes={"x": ("N", "N")}).function


def test_returning_a_tuple_is_refused(tmp_path):
    module = module_of(tmp_path, "(x.sum(), x, x)")
    with pytest.raises(symdiff.SymdiffError):
        symdiff.derive(module.f, shapes={"x": ("N",)}).function


@pytest.mark.parametrize("body", ["F.softmax(x, axis=1.5).sum()", "np.sum(x, axis=0.5)"])
def test_a_float_axis_is_refused(tmp_path, body):
    module = module_of(tmp_path, body)
    with pytest.raises(symdiff.SymdiffError, match="axis"):
        symdiff.derive(module.f, shapes={"x": ("N", "D")}).function


CONSTANT_SINGULARITIES = ["np.log(0) + x.sum()", "(x / 0).sum()", "x.sum() + np.log(-1)"]


@pytest.mark.parametrize("body", CONSTANT_SINGULARITIES)
def test_singular_constants_are_refused_or_computed_as_numpy(tmp_path, body):
    """Either a SymdiffError, as for `1 / 0`, or numpy's inf/nan."""
    module = module_of(tmp_path, body)
    try:
        value = symdiff.derive(module.f, shapes={"x": ("N",)}).compiled("value")
    except symdiff.SymdiffError:
        return
    x = np.ones(3)
    with np.errstate(all="ignore"):
        np.testing.assert_array_equal(value(x), module.f(x))


def test_square_root_of_a_square(tmp_path):
    """Found by the thorough profile: SymPy turns sqrt(u**2) into its own Abs, which emit.py could
    not lower (nor differentiate for real arguments)."""
    module = module_of(tmp_path, "np.sqrt((x - 2 * x) ** 2).sum() + np.sqrt(F.mse_loss(x / F.sigmoid(x), x, "
                                 "reduction='none')).mean()")
    assert symdiff.check_grad(module.f, [np.array([0.3, -1.2, 2.0])]) < 1e-6


def test_contributions_that_cancel_only_when_folded(tmp_path):
    """Found by the thorough profile: v1 = p0/sigmoid(p0) + v0 with v0 = -p0/sigmoid(p0) cancels only
    when the generated statements are folded together; the gradient was a scalar 0."""
    module = module_of(tmp_path, "v0 = (-x) / F.sigmoid(x)\nv1 = x / F.sigmoid(x) + v0\nreturn v1.mean()")
    for dtype in (np.float32, np.float64):
        grad = symdiff.grad(module.f)(np.ones((2, 3), dtype))
        assert grad.shape == (2, 3) and grad.dtype == dtype and not grad.any()


def test_functions_of_constants_alone(tmp_path):
    """Found by the thorough profile: relu(pi) is a number SymPy cannot evaluate."""
    module = module_of(tmp_path, "F.relu(np.pi) + F.sigmoid(2.0) + np.maximum(1.5, 0.5) + x.sum()")
    value, grad = symdiff.value_and_grad(module.f)(np.ones(3, np.float32))
    np.testing.assert_allclose(value, module.f(np.ones(3)), rtol=1e-6)
    assert np.asarray(value).dtype == np.float32 and grad.dtype == np.float32


# -- dtypes, sizes and the returned arrays -----------------------------------------------------

@pytest.mark.parametrize("body", ["np.sqrt(3 * x).sum()", "np.log(2 * np.exp(x)).sum()", "np.sqrt(np.mean(x))"])
def test_float32_inputs_with_folded_constants_give_float32(tmp_path, body):
    module = module_of(tmp_path, body)
    value, grad = symdiff.value_and_grad(module.f)(np.array([1.0, 2.0], np.float32))
    assert np.asarray(value).dtype == np.float32 and grad.dtype == np.float32


def test_gradients_are_writeable_arrays(tmp_path):
    module = module_of(tmp_path, "x.sum() ** 2")
    grad = symdiff.grad(module.f)(np.ones(3))
    grad *= 0.5  # e.g. scaling by a learning rate in place
    np.testing.assert_array_equal(grad, [3.0, 3.0, 3.0])


def test_an_empty_batch_gives_nan_loss_and_zero_gradients_as_numpy_and_torch(tmp_path):
    module = module_of(tmp_path, "F.binary_cross_entropy_with_logits(x @ w + b, y)", "x, y, w, b")
    args = [np.ones((0, 3)), np.ones((0, 2)), np.ones((3, 2)), np.ones(2)]
    with np.errstate(invalid="ignore", divide="ignore"):
        value, (gw, gb) = symdiff.value_and_grad(module.f, wrt=("w", "b"))(*args)
    assert np.isnan(value)  # numpy's mean of nothing, and torch's
    np.testing.assert_array_equal(gw, np.zeros((3, 2)))
    np.testing.assert_array_equal(gb, np.zeros(2))


def test_the_value_function_binds_every_dimension_it_checks(tmp_path):
    """Found in a work-in-progress emit.py: the value code checked y's shape against (K, N) without
    binding N, which only the gradient needs."""
    module = module_of(tmp_path, "np.sum(y)", "x, y")
    derivation = symdiff.derive(module.f, wrt="y", shapes={"x": ("K",), "y": ("K", "N")})
    assert derivation.compiled("value")(np.ones(2), np.ones((2, 3))) == 6.0


# -- emission on Python 3.12+ ------------------------------------------------------------------

def test_generated_source_does_not_depend_on_what_was_emitted_before():
    script = textwrap.dedent("""
        import ast
        from symdiff import emit
        tree = ast.parse("def f(x):\\n    return (1.5 + x, 'a')\\n")
        print(emit.to_source(tree) == emit.to_source(tree))
    """)
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "True"


def test_three_equal_gradients_are_three_arrays(tmp_path):
    """d/dx = d/dw = d/dv of bce(x + w + v, y): one value, returned as three separate arrays."""
    module = module_of(tmp_path, "F.binary_cross_entropy_with_logits(x + w + v, y)", "x, w, v, y")
    args = [np.ones(3), np.zeros(3), np.ones(3), np.zeros(3)]
    gx, gw, gv = symdiff.grad(module.f, wrt=("x", "w", "v"))(*args)
    assert gx is not gw and gw is not gv and gx is not gv
    gx *= 0  # updating one gradient in place leaves the others alone
    assert gw.any() and gv.any()


def test_a_variable_named_like_a_renamed_one(tmp_path):
    """`z` assigned twice becomes nodes z and z_1: a user's own `z_1` must not be taken for the second."""
    module = module_of(tmp_path, "z = x * 2\nz = z + 1\nz_1 = x * 3\nreturn (z * z_1).sum()")
    x = np.array([0.5, -1.0, 2.0])
    value, grad = symdiff.value_and_grad(module.f)(x)
    np.testing.assert_allclose(value, module.f(x), rtol=1e-14)
    assert symdiff.check_grad(module.f, [x]) < 1e-6


def test_forward_mode_through_a_cancelled_difference(tmp_path):
    """`x - x` is a constant array (FullLike): forward mode once raised a bare KeyError on it."""
    module = module_of(tmp_path, "z = x - x\nreturn (z * 3 + x * x).sum()")
    x = np.array([0.5, -1.0, 2.0])
    t = np.array([1.0, 2.0, -1.0])
    value, dot = symdiff.jvp(module.f)(x, t)
    np.testing.assert_allclose(value, np.sum(x * x), rtol=1e-14)
    np.testing.assert_allclose(dot, np.sum(2 * x * t), rtol=1e-14)


def test_a_wrong_shape_raises_at_once_without_deriving_again(tmp_path):
    module = module_of(tmp_path, "(x + b).sum()", "x, b")
    grad = symdiff.grad(module.f, wrt="b")
    grad(np.ones((4, 3)), np.ones(3))
    with pytest.raises(ValueError, match="b: expected shape"):
        grad(np.ones((4, 3)), np.ones(5))
    assert len(grad.derivations) == 1
    np.testing.assert_allclose(grad(np.ones((4, 3)), np.ones(1)), [12.0])  # numpy broadcasts a size-1 axis:
    assert len(grad.derivations) == 2  # a derivation of its own


def test_suggestions_are_misspellings_not_lookalikes(tmp_path):
    misspelt = module_of(tmp_path, "np.meen(x)")
    with pytest.raises(symdiff.UnknownCallError, match="Did you mean `numpy.mean`"):
        symdiff.grad(misspelt.f)(np.ones(3))
    unrelated = module_of(tmp_path, "np.nanmedian(x)")
    with pytest.raises(symdiff.UnknownCallError) as info:
        symdiff.grad(unrelated.f)(np.ones(3))
    assert "Did you mean" not in str(info.value)
