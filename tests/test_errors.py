"""Every refused input raises a SymdiffError subclass naming the file, line and column and what to do."""
import traceback
from pathlib import Path

import numpy as np
import pytest
from helpers import load_module

import symdiff
from symdiff import (
    InputTypeError,
    NonScalarOutputError,
    ShapeError,
    SourceError,
    UnknownCallError,
    UnsupportedSyntaxError,
    WrtError,
)

HEADER = """\
import numpy as np
from symdiff.functional import binary_cross_entropy_with_logits as bce

"""

# (source of `f`, expected error, the offending line's text, a phrase of the message, a phrase of the hint)
REFUSED = {
    "for loop over a size": ("""
def f(x, w):
    z = x @ w
    for i in range(x.shape[0]):
        z = z + x @ w
        return bce(z, z)
""", UnsupportedSyntaxError, "for i in range(x.shape[0]):", "`return` in a loop", "return after it"),
    "while on an array": ("""
def f(x, w):
    while x:
        w = w + 1
    return bce(x @ w, x @ w)
""", UnsupportedSyntaxError, "while x:", "truth value is ambiguous", "np.any"),
    "try statement": ("""
def f(x, w):
    try:
        z = x @ w
    except ValueError:
        z = x
    return bce(z, z)
""", UnsupportedSyntaxError, "try:", "`try` statement", "one path"),
    "recursion": ("""
def f(x, w):
    return g(x, w)

def g(x, w):
    return f(x, w)
""", UnsupportedSyntaxError, "return f(x, w)", "calls itself", "recursion"),
    "generator": ("""
def f(x, w):
    z = yield x
    return bce(x @ w, x @ w)
""", UnsupportedSyntaxError, "z = yield x", "`yield`", "generators"),
    "global statement": ("""
def f(x, w):
    global w0
    return bce(x @ w, x @ w)
""", UnsupportedSyntaxError, "global w0", "`global` statement", "parameter"),
    "unknown call": ("""
def f(x, w):
    z = np.fft.fft(x @ w)
    return bce(z, z)
""", UnknownCallError, "z = np.fft.fft(x @ w)", "numpy.fft.fft", "README"),
    "misspelled call": ("""
def f(x, w):
    z = np.matmull(x, w)
    return bce(z, z)
""", UnknownCallError, "z = np.matmull(x, w)", "numpy.matmull", "numpy.matmul"),
    "assignment into a view": ("""
def f(x, w):
    z = x[0]
    z[0] = 1.0
    return bce(z @ w, z @ w)
""", UnsupportedSyntaxError, "z[0] = 1.0", "view of another array", "z = z.copy()"),
    "**kwargs": ("""
def f(x, w, **options):
    return bce(x @ w, x @ w)
""", UnsupportedSyntaxError, "def f(x, w, **options):", "**kwargs", "every parameter"),
    "indexing a parameter in place": ("""
def f(x, w):
    x[0] = 1.0
    return bce(x @ w, x @ w)
""", UnsupportedSyntaxError, "x[0] = 1.0", "parameter", "x = x.copy()"),
    "while loop": ("""
def f(x, w):
    while True:
        x = x + 1
    return bce(x @ w, x @ w)
""", UnsupportedSyntaxError, "while True:", "`while` loop", "become loops"),
    "undefined name": ("""
def f(x, w):
    return bce(x @ w, target)
""", UnsupportedSyntaxError, "return bce(x @ w, target)", "`target`", "parameter"),
    "statements after return": ("""
def f(x, w):
    return bce(x @ w, x @ w)
    z = x
""", UnsupportedSyntaxError, "z = x", "after `return`", "Remove"),
    "no return": ("""
def f(x, w):
    z = x @ w
""", UnsupportedSyntaxError, "def f(x, w):", "no `return`", "return"),
    "bad reduction": ("""
def f(x, w):
    return bce(x @ w, x @ w, reduction="avg")
""", UnsupportedSyntaxError, 'return bce(x @ w, x @ w, reduction="avg")', "'mean' or 'sum' or 'none'", None),
    "bad keyword": ("""
def f(x, w):
    return bce(x @ w, x @ w, reductions="sum")
""", UnsupportedSyntaxError, 'return bce(x @ w, x @ w, reductions="sum")', "reductions", "reduction="),
    "chained comparison": ("""
def f(x, w):
    return bce(x @ w, 0 < x @ w < 1)
""", UnsupportedSyntaxError, "return bce(x @ w, 0 < x @ w < 1)", "chained comparison", "&"),
}


@pytest.mark.parametrize("case", REFUSED)
def test_refused_constructs(tmp_path, case):
    body, error, line_text, message, hint = REFUSED[case]
    module = load_module(tmp_path, HEADER + body.lstrip("\n"))
    lines = (HEADER + body.lstrip("\n")).splitlines()
    with pytest.raises(error) as info:
        symdiff.derive(module.f, wrt="w", shapes={"x": ("N", "D"), "w": ("D",)})
    exc = info.value
    assert isinstance(exc, symdiff.SymdiffError)
    assert exc.filename == module.__file__
    assert lines[exc.lineno - 1].strip().startswith(line_text.strip()[:20]), (exc.lineno, str(exc))
    assert 0 <= exc.col_offset < len(lines[exc.lineno - 1])
    text = str(exc)
    assert f"{module.__file__}:{exc.lineno}:{exc.col_offset + 1}:" in text
    assert message in text
    if hint:
        assert hint in text


def test_the_error_points_at_the_construct_column(tmp_path):
    module = load_module(tmp_path, HEADER + "def f(x, w):\n    return bce(np.matmull(x, w), x)\n")
    with pytest.raises(UnknownCallError) as info:
        symdiff.derive(module.f, shapes={"x": ("N",), "w": ("N",)})
    assert info.value.col_offset == len("    return bce(")


def matmul_mismatch(x, w):
    z = x @ w
    return symdiff.functional.binary_cross_entropy_with_logits(z, z)


def broadcast_mismatch(x, w, b):
    z = x @ w + b
    return symdiff.functional.binary_cross_entropy_with_logits(z, z)


def test_matmul_shape_mismatch_names_both_operands():
    with pytest.raises(ShapeError) as info:
        symdiff.derive(matmul_mismatch, shapes={"x": ("N", "D"), "w": ("K", "M")})
    text = str(info.value)
    assert info.value.lineno == matmul_mismatch.__code__.co_firstlineno + 1
    assert "`x` has shape (N, D)" in text and "`w` has shape (K, M)" in text


def test_broadcast_mismatch_names_both_operands():
    with pytest.raises(ShapeError) as info:
        symdiff.derive(broadcast_mismatch, shapes={"x": ("N", "D"), "w": ("D", "K"), "b": ("M",)})
    text = str(info.value)
    assert info.value.lineno == broadcast_mismatch.__code__.co_firstlineno + 1
    assert "(N, K)" in text and "`b` of shape (M,)" in text


def test_shape_mismatch_at_call_time_is_a_shape_error_with_the_line():
    g = symdiff.grad(matmul_mismatch, wrt="w")
    with pytest.raises(ShapeError) as info:
        g(np.ones((3, 4)), np.ones((5, 2)))
    assert info.value.lineno == matmul_mismatch.__code__.co_firstlineno + 1


def test_call_with_other_shapes_raises_value_error_naming_the_parameter():
    g = symdiff.grad(matmul_mismatch, wrt="w")
    g(np.ones((3, 4)), np.ones((4, 3)))
    with pytest.raises(ValueError, match="w: expected"):
        g.derivations[next(iter(g.derivations))].compiled("grad")(np.ones((3, 4)), np.ones((5, 3)))


def tutorial(x, y, w, b):
    return symdiff.functional.binary_cross_entropy_with_logits(x @ w + b, y)


@pytest.mark.parametrize("wrt", ["v", ("w", "v"), 7, ("w", "w"), (), 1.5])
def test_bad_wrt(wrt):
    with pytest.raises(WrtError) as info:
        symdiff.grad(tutorial, wrt=wrt)
    if wrt == "v":
        assert "no parameter `v`" in str(info.value) and "x, y, w, b" in str(info.value)


def test_unknown_wrt_name_in_derive():
    with pytest.raises(WrtError, match="no parameter `v`"):
        symdiff.derive(tutorial, wrt="v", shapes={"x": ("D",), "y": ("K",), "w": ("D", "K"), "b": ("K",)})


def test_non_scalar_output_for_grad():
    def f(x, w):
        return x @ w

    with pytest.raises(NonScalarOutputError) as info:
        symdiff.grad(f, wrt="w")(np.ones((3, 4)), np.ones((4, 2)))
    assert info.value.lineno == f.__code__.co_firstlineno + 1
    assert "(N, K)" in str(info.value) or "shape" in str(info.value)


@pytest.mark.parametrize("dtype", [np.int64, np.int32, np.bool_])
def test_integer_wrt_input(dtype):
    g = symdiff.grad(tutorial, wrt="w")
    with pytest.raises(InputTypeError, match=r"w\.astype\(np\.float64\)"):
        g(np.ones(5), np.zeros(3), np.ones((5, 3), dtype), np.zeros(3))


def test_object_array_input():
    g = symdiff.grad(tutorial, wrt="w")
    with pytest.raises(InputTypeError, match="object"):
        g(np.array([1, "a", None, 2.0, 3], dtype=object), np.zeros(3), np.ones((5, 3)), np.zeros(3))


def test_missing_shape_names_the_parameter():
    with pytest.raises(symdiff.SymdiffError, match="no shape for parameter `b`"):
        symdiff.derive(tutorial, wrt="w", shapes={"x": ("D",), "y": ("K",), "w": ("D", "K")})


def test_source_unavailable():
    namespace = {}
    exec("def f(x):\n    return x\n", namespace)
    with pytest.raises(SourceError, match="not available"):
        symdiff.grad(namespace["f"])


def test_lambda_is_refused():
    with pytest.raises(UnsupportedSyntaxError, match="lambda"):
        symdiff.grad(lambda x: x)


def test_errors_are_not_sympy_tracebacks(tmp_path):
    """A refused construct stops in the validating pass: no SymPy frame in the traceback."""
    module = load_module(tmp_path, HEADER + REFUSED["try statement"][0].lstrip("\n"))
    with pytest.raises(UnsupportedSyntaxError) as info:
        symdiff.derive(module.f, shapes={"x": ("N", "D"), "w": ("D",)})
    assert not any("sympy" in str(entry.path) for entry in info.traceback)


# -- where wrt and call-time errors point, and what they suggest ---------------------------------

DEF_LINE = tutorial.__code__.co_firstlineno


@pytest.mark.parametrize("wrt, near", [("W", "w"), ("bias", "b"), ("weight", "w"), (("w", "B"), "b"), ("x_", "x")])
def test_a_wrt_typo_names_the_def_and_suggests_the_parameter(wrt, near):
    for attempt in (lambda: symdiff.grad(tutorial, wrt=wrt), lambda: symdiff.check_grad(tutorial, [], wrt=wrt),
                    lambda: symdiff.derive(tutorial, wrt=wrt, shapes={"x": ("D",), "y": ("K",), "w": ("D", "K"),
                                                                      "b": ("K",)})):
        with pytest.raises(WrtError) as info:
            attempt()
        assert (info.value.filename, info.value.lineno) == (__file__, DEF_LINE)
        assert f"Did you mean `{near}`? Its parameters are: x, y, w, b." in str(info.value)


def test_a_wrt_far_from_every_parameter_suggests_nothing():
    with pytest.raises(WrtError) as info:
        symdiff.grad(tutorial, wrt="theta")
    assert "Did you mean" not in str(info.value) and info.value.lineno == DEF_LINE


def test_wrong_argument_types_name_the_def():
    g = symdiff.grad(tutorial, wrt="w")
    with pytest.raises(InputTypeError) as info:
        g(np.ones(5), np.zeros(3), np.ones((5, 3), int), np.zeros(3))
    assert (info.value.filename, info.value.lineno) == (__file__, DEF_LINE)
    with pytest.raises(InputTypeError) as info:
        g([[1.0, 2.0], [1.0]], np.zeros(3), np.ones((5, 3)), np.zeros(3))
    assert (info.value.filename, info.value.lineno) == (__file__, DEF_LINE)


def mlp_loss(params, x, y):
    return symdiff.functional.binary_cross_entropy_with_logits(x @ params, y)


@pytest.mark.parametrize("tree, kind", [([(np.ones((3, 2)), np.ones(2)), (np.ones((2, 1)), np.ones(1))], "list"),
                                        ((np.ones((3, 2)), np.ones(2)), "tuple"),
                                        ({"w": np.ones((3, 2)), "b": np.ones(2)}, "dict")])
def test_a_parameter_tree_used_as_an_array_is_named_as_a_container(tree, kind):
    """Trees compile (tests/test_language.py); one used where an array belongs is named for what it is."""
    with pytest.raises(UnsupportedSyntaxError) as info:
        symdiff.grad(mlp_loss)(tree, np.ones((4, 3)), np.ones((4, 2)))
    text = str(info.value)
    assert f"must be an array or a number, not a {kind} of 2 items" in text and "Value(" not in text
    assert "inhomogeneous" not in text and "array of object" not in text
    assert "Index or unpack it" in text and info.value.lineno == mlp_loss.__code__.co_firstlineno + 1


FOREIGN = {
    "torch.autograd.Function.apply": ("Square.apply(x @ w)", "a custom torch.autograd.Function"),
    "torch.autograd.Function class": ("Square(x @ w)", "a custom torch.autograd.Function"),
    "torch.autograd.Function, assigned": ("square = Square.apply\n    z = square(x @ w)",
                                          "a custom torch.autograd.Function"),
    "autograd primitive": ("logsumexp(x @ w)", "a HIPS autograd primitive"),
}
FOREIGN_HEADER = """\
import numpy as np
import torch
from autograd.extend import primitive


class Square(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        return x * x

    @staticmethod
    def backward(ctx, g):
        return 2 * g


@primitive
def logsumexp(x):
    return np.log(np.sum(np.exp(x)))

"""


@pytest.mark.parametrize("case", FOREIGN)
def test_another_autodiffs_function_is_named_for_what_it_is(tmp_path, case):
    call, what = FOREIGN[case]
    pytest.importorskip("torch")
    pytest.importorskip("autograd")
    body = f"def f(x, w):\n    z = {call}\n    return z.sum()\n" if "\n" not in call else \
        f"def f(x, w):\n    {call}\n    return z.sum()\n"
    module = load_module(tmp_path, FOREIGN_HEADER + body)
    with pytest.raises(UnsupportedSyntaxError) as info:
        symdiff.grad(module.f, wrt="w")(np.ones((2, 3)), np.ones(3))
    text = str(info.value)
    assert info.value.filename == module.__file__ and info.value.lineno > FOREIGN_HEADER.count("\n")
    assert what in text and "symdiff derives gradients from source" in text and "not a number" not in text
    assert "plain `def` helper" in text


# -- short tracebacks ------------------------------------------------------------------------------

SYMDIFF_DIR = str(Path(symdiff.__file__).parent)


def _symdiff_frames(exc: BaseException) -> list:
    return [f for f in traceback.extract_tb(exc.__traceback__) if f.filename.startswith(SYMDIFF_DIR)]


TYPICAL = {
    "grad, a bad wrt": lambda m: symdiff.grad(m.f, wrt="W"),
    "decorator, a bad wrt": lambda m: symdiff.grad(wrt="W")(m.f),
    "call, refused syntax": lambda m: symdiff.grad(m.f, wrt="w")(np.ones((2, 3)), np.ones(3)),
    "call, a wrong dtype": lambda m: symdiff.grad(m.g, wrt="w")(np.ones((2, 3)), np.ones(3, int)),
    "call, a shape mismatch": lambda m: symdiff.grad(m.g, wrt="w")(np.ones((2, 3)), np.ones(4)),
    "derive, refused syntax": lambda m: symdiff.derive(m.f, shapes={"x": ("N", "D"), "w": ("D",)}),
    "export, refused syntax": lambda m: symdiff.export(m.f, shapes={"x": ("N", "D"), "w": ("D",)}),
    "check_grad, a wrong gradient": lambda m: symdiff.check_grad(m.g, [np.ones((2, 3)), np.ones(3)], wrt="w",
                                                                  grad=lambda x, w: np.zeros(3)),
}


@pytest.mark.parametrize("case", TYPICAL)
def test_a_typical_error_shows_the_users_call_not_symdiffs_internals(tmp_path, case):
    module = load_module(tmp_path, HEADER + "def f(x, w):\n    z = x @ w\n    try:\n        z = z + 1\n"
                         "    except ValueError:\n        pass\n"
                         "    return bce(z, z)\n\n\ndef g(x, w):\n    return bce(x @ w, x @ w)\n")
    with pytest.raises(symdiff.SymdiffError) as info:
        TYPICAL[case](module)
    frames = _symdiff_frames(info.value)
    assert len(frames) <= 3, traceback.format_tb(info.value.__traceback__)
    assert traceback.extract_tb(info.value.__traceback__)[0].filename == __file__  # the user's call comes first
    assert info.value.filename == module.__file__


def test_an_internal_bug_keeps_its_whole_traceback(monkeypatch):
    from symdiff import validate

    def bug(self, node):
        raise RuntimeError("an internal bug")

    monkeypatch.setattr(validate.Validator, "visit_Return", bug)
    with pytest.raises(RuntimeError) as info:
        symdiff.grad(tutorial, wrt="w")(np.ones(5), np.zeros(3), np.ones((5, 3)), np.zeros(3))
    assert len(_symdiff_frames(info.value)) > 3
    assert traceback.extract_tb(info.value.__traceback__)[-1].name == "bug"


def test_a_shape_the_generated_check_refuses_is_raised_at_once_and_short():
    """The generated code's own check names the parameter; symdiff adds only its dispatch's frames."""
    g = symdiff.grad(tutorial, wrt="w")
    g(np.ones(5), np.zeros(3), np.ones((5, 3)), np.zeros(3))
    with pytest.raises(ValueError, match=r"b: expected shape \(\w,\) = \(3,\), got \(4,\)") as info:
        g(np.ones(5), np.zeros(3), np.ones((5, 3)), np.zeros(4))
    assert len(_symdiff_frames(info.value)) <= 3
    assert len(g.derivations) == 1
