"""A catalogue of bad inputs across the layers: the source (every refused construct), the shapes
given to `derive` (and annotations), `wrt`, and the values a generated function is called with.

Each bad input raises a `symdiff.SymdiffError` subclass whose message says what is wrong (a phrase)
and what to do (another), or, for a generated function called with wrong shapes, a `ValueError`
naming the parameter and the expected shape before numpy sees the arrays. NaN and inf are not bad
inputs: they propagate as in numpy. The caller's arrays are never modified.
"""
import threading

import numpy as np
import pytest
from helpers import rng, torch

import symdiff
from symdiff import InputTypeError, ShapeError, SourceError, UnknownCallError, UnsupportedSyntaxError, WrtError
from symdiff.ops import REFUSED as REFUSED_CALLS
from symdiff.source import FunctionSource
from symdiff.validate import _ASSIGN_TARGETS, _REFUSED

HEADER = "import numpy as np\nfrom symdiff import functional as F\n\n\n"


def derive_text(tmp_path, text: str, shapes=None, wrt=None, name="f"):
    """Derive `name` from a file holding `text`; every parameter is an (N,) vector unless `shapes`."""
    path = tmp_path / "bad.py"
    path.write_text(text)
    source = FunctionSource.from_file(path, name)
    if shapes is None:
        shapes = {a.arg: ("N",) for a in source.tree.args.posonlyargs + source.tree.args.args}
    return symdiff.derive(source, wrt=wrt, shapes=shapes)


def assert_says(exc: BaseException, what: str, do: str) -> None:
    """The message names the problem (`what`) and what to do about it (`do`), case-insensitively."""
    text = str(exc).lower()
    assert what.lower() in text, f"{what!r} not in:\n{exc}"
    assert do.lower() in text, f"{do!r} not in:\n{exc}"


# -- the source: every construct the validator refuses -----------------------------------------

# one statement showing each refused AST node, inside `def f(x):` before `return x.sum()`
REFUSED_SNIPPETS = {
    "AsyncFor": "async for i in x:\n    pass",
    "Try": "try:\n    x = x + 1\nexcept ValueError:\n    pass",
    "With": "with x:\n    pass",
    "Delete": "del x",
    "Global": "global x",
    "Nonlocal": "nonlocal x",
    "Import": "import os",
    "ImportFrom": "from os import path",
    "AsyncFunctionDef": "async def g(v):\n    return v",
    "ClassDef": "class C:\n    pass",
    "SetComp": "x = np.sum({v for v in x})",
    "Set": "x = np.add(x, {1.0})",
    "JoinedStr": "x = np.add(x, f'{x}')",
    "NamedExpr": "x = (y := x)",
    "Yield": "x = (yield x)",
    "YieldFrom": "x = (yield from x)",
    "Await": "x = await x",
}
ASSIGN_SNIPPETS = {
    "Attribute": "x.value = 1.0",
}
# constructs the validator lets through, refused by the builder when they depend on array values:
# (the statement, what is wrong, what to do)
BUILDER_REFUSED = {
    "break in a loop node": ("for v in x:\n    x = x + v\n    break", "`break` in a loop", "np.where"),
    "max of a size and a non-number": ("x = x * max(..., x.shape[0])", "min or max of a size", "Compare sizes"),
    "carry becomes a string": ("s = 0.0\nfor v in x:\n    s = 'a'", "becomes str", "arrays and numbers"),
    "long loop over a list": ("for v in [x] * 33:\n    x = x + v", "33 iterations", "up to 32 items"),
    "while on an array": ("while x:\n    x = x - 1", "truth value is ambiguous", "np.any"),
    "while on an unchanged array": ("while x.sum() > 0:\n    pass", "does not change", "fixed number"),
    "endless while": ("while True:\n    x = x - 1", "more than 32 times", "become loops"),
    "return in one data branch": ("if x > 0:\n    return x.sum()", "`return` in only one branch", "both branches"),
    "break in a data branch": ("for i in range(2):\n    if x > 0:\n        break", "`break` or `continue`",
                               "np.where"),
    "a list changed in a data branch": ("h = []\nif x > 0:\n    h.append(x)", "list or dict changed", "outside"),
    "if on a size": ("if x.shape[0] > 2:\n    x = x + 1", "sizes that vary between calls", "x.ndim"),
    "a string chosen by array values": ("s = 'a' if x > 0 else 'b'", "depends on array values", "np.where"),
    "raise reached": ("if x.ndim == 1:\n    raise ValueError('x')", "`raise` is reached", "shapes"),
    "boolean mask": ("x = x[x > 0]", "boolean mask", "np.where"),
    "array membership": ("x = np.where(x in x, x, 0.0)", "the comparison `In` of arrays", "< <= > >= == !="),
    "boolean operator": ("x = x and x", "boolean operator (`and`, `or`) on arrays", "`&` and `|`"),
    "dict comprehension over an array": ("d = {i: v for i, v in enumerate(x)}", "a dict comprehension",
                                         "`for` statement appending"),
    "inner for of a comprehension over an array": ("x = np.stack([v for k in range(2) for v in x])",
                                                   "an inner `for` of a comprehension", "`for` statement appending"),
    "list as an array": ("x = np.add(x, [1.0])", "must be an array or a number", "[1.0]"),
    "dict as an array": ("x = np.add(x, {1: 2})", "must be an array or a number", "{1: 2}"),
    "starred array": ("x = np.add(*x)", "iterates over an array", "`for` statement or a list comprehension"),
    "array unpacking": ("a, b = x", "2 names for the", "as many names"),
    "starred unpacking of a varying length": ("a, *b = x", "varies between calls", "slice it"),
    "unpacking a 0-d array": ("a, b = x.sum()", "0-dimensional", "one or more axes"),
    "indices of torch.max": ("v, i = torch.max(x, 0)\nx = x * i", "indices of `torch.max", "outside"),
    "assignment into a parameter": ("x[0] = 1.0", "`x` is a parameter", "x = x.copy()"),
    "too many names": ("a, b = 1.0, 2.0, 3.0", "2 names for 3 values", ""),
    "array in range": ("for i in range(x):\n    pass", "array value", "int default"),
    "failed assertion": ("assert x.ndim == 2", "assertion fails", "shapes"),
    "decorated nested def": ("@np.vectorize\ndef g(v):\n    return v", "decorated nested function", "module level"),
    "nested recursion": ("def g(v):\n    return g(v)\nx = g(x)", "calls itself", "recursion"),
    "missing field": ("y = x.shape.foo", "attribute `.foo`", "tuple"),
    "unassigned on this path": ("if x.ndim == 2:\n    y = x\nx = y", "`y` has no value here", "every path"),
}


def test_the_catalogue_covers_every_refused_construct():
    assert {t.__name__ for t in _REFUSED} == set(REFUSED_SNIPPETS)
    assert {t.__name__ for t in _ASSIGN_TARGETS} == set(ASSIGN_SNIPPETS)


@pytest.mark.parametrize("node", REFUSED_SNIPPETS)
def test_refused_construct(tmp_path, node):
    what, hint = next(v for k, v in _REFUSED.items() if k.__name__ == node)
    body = REFUSED_SNIPPETS[node].replace("\n", "\n    ")
    with pytest.raises(UnsupportedSyntaxError) as info:
        derive_text(tmp_path, HEADER + f"def f(x):\n    {body}\n    return x.sum()\n")
    assert info.value.lineno == 6 and info.value.filename.endswith("bad.py")
    assert_says(info.value, what, hint)


@pytest.mark.parametrize("target", ASSIGN_SNIPPETS)
def test_refused_assignment_target(tmp_path, target):
    what, hint = next(v for k, v in _ASSIGN_TARGETS.items() if k.__name__ == target)
    with pytest.raises(UnsupportedSyntaxError) as info:
        derive_text(tmp_path, HEADER + f"def f(x):\n    {ASSIGN_SNIPPETS[target]}\n    return x.sum()\n")
    assert_says(info.value, what, hint)


@pytest.mark.parametrize("case", BUILDER_REFUSED)
def test_refused_by_value(tmp_path, case):
    """Loops, branches, subscripts and unpacking of array values: refused at the user's line."""
    statement, what, do = BUILDER_REFUSED[case]
    body = statement.replace("\n", "\n    ")
    with pytest.raises(symdiff.SymdiffError) as info:
        derive_text(tmp_path, HEADER + f"def f(x):\n    {body}\n    return x.sum()\n")
    assert info.value.lineno in (6, 7, 8) and info.value.filename.endswith("bad.py")
    assert_says(info.value, what, do)


# (the source of f, the error, what is wrong, what to do)
SOURCES = {
    "**kwargs": ("def f(x, **kw):\n    return x.sum()", UnsupportedSyntaxError, "**kwargs", "every parameter by name"),
    "parameter named np": ("def f(np):\n    return np.sum()", UnsupportedSyntaxError, "named `np`", "rename"),
    "expression statement": ("def f(x):\n    x.sum()\n    return x.sum()", UnsupportedSyntaxError,
                             "expression statement", "assign the value"),
    "annotation without value": ("def f(x):\n    y: float\n    return x.sum()", UnsupportedSyntaxError,
                                 "annotation without a value", "assign a value"),
    "chained assignment": ("def f(x):\n    a = b = x\n    return a.sum()", UnsupportedSyntaxError,
                           "chained assignment", "its own statement"),
    "return without a value": ("def f(x):\n    return", UnsupportedSyntaxError, "without a value", "return the value"),
    "no return": ("def f(x):\n    y = x", UnsupportedSyntaxError, "no `return`", "end the function with"),
    "statements after return": ("def f(x):\n    return x.sum()\n    y = x", UnsupportedSyntaxError,
                                "after `return`", "remove them"),
    "floor division": ("def f(x):\n    return (x // 2).sum()", UnsupportedSyntaxError, "FloorDiv",
                       "supported operators"),
    "not": ("def f(x):\n    return (not x).sum()", UnsupportedSyntaxError, "`Not`", "supported unary operators"),
    "tuple of arrays": ("def f(x):\n    return np.sum(x, axis=(x, 0))", ShapeError, "axis", "out of range"),
    "array attribute": ("def f(x):\n    return x.real", UnsupportedSyntaxError, "`.real`", "attributes supported"),
    "returned shape": ("def f(x):\n    return x.shape", UnsupportedSyntaxError, "returns a tuple", "has_aux"),
    "recursion": ("def f(x):\n    return f(x)", UnsupportedSyntaxError, "calls itself", "recursion"),
    "file input": ("def f(x):\n    w = np.load('w.npy')\n    return (x * w).sum()", UnsupportedSyntaxError,
                   "input or output", "pass it in"),
    "open": ("def f(x):\n    h = open('log.txt')\n    return x.sum()", UnsupportedSyntaxError, "`open`",
             "outside the function"),
    "unknown method": ("def f(x):\n    return x.argsort().sum()", UnknownCallError, "`.argsort()`", "README"),
    "chained comparison": ("def f(x):\n    return np.where(0 < x < 1, x, 0.0).sum()", UnsupportedSyntaxError,
                           "chained comparison", "(a < b) & (b < c)"),
    "& of arrays": ("def f(x):\n    return (x & (x > 0)).sum()", UnsupportedSyntaxError, "combines boolean masks",
                    "compare first"),
    "~ of an array": ("def f(x):\n    return (~x).sum()", UnsupportedSyntaxError, "combines boolean masks",
                      "compare first"),
    "where without branches": ("def f(x):\n    return np.where(x > 0).sum()", UnsupportedSyntaxError, "indices",
                               "give both branches"),
    "misspelled function": ("def f(x):\n    return np.expp(x).sum()", UnknownCallError, "numpy.expp",
                            "did you mean `numpy.exp`"),
    "computed function": ("def f(x):\n    return (np.exp if x.ndim else np.log)(x).sum()", UnsupportedSyntaxError,
                          "computed function", "by its name"),
    "** unpacking": ("def f(x):\n    return np.sum(x, **{'axis': 0})", UnsupportedSyntaxError, "`**` unpacking",
                     "explicitly"),
    "complex constant": ("def f(x):\n    return (x * 1j).sum()", UnsupportedSyntaxError, "1j", "int or float"),
    "undefined name": ("def f(x):\n    return (x * scale).sum()", UnsupportedSyntaxError, "`scale`",
                       "pass the value as a parameter"),
    "module attribute that is no number": ("def f(x):\n    return (x * np.linalg).sum()", UnsupportedSyntaxError,
                                           "neither a number nor a function symdiff knows", "pass the value as a parameter"),
    "dtype as a number": ("def f(x):\n    return (x * np.float64).sum()", UnsupportedSyntaxError,
                          "not the dtype float64", "an array or a number"),
    "cast to an integer": ("def f(x):\n    return x.astype(int).sum()", UnsupportedSyntaxError, "integers have no "
                           "gradient", "np.trunc"),
    "unknown keyword": ("def f(x):\n    return np.sum(x, axes=0)", UnsupportedSyntaxError, "axes", "takes"),
    "bad reduction": ("def f(x):\n    return F.mse_loss(x, x, reduction='avg')", UnsupportedSyntaxError,
                      "'mean' or 'sum' or 'none'", "reduction"),
    "axis out of range": ("def f(x):\n    return np.sum(x, axis=3)", ShapeError, "axis", "axis"),
    "non-scalar output": ("def f(x):\n    return x * 2", symdiff.NonScalarOutputError, "returns an array",
                          "reduce it"),
    "file does not parse": ("def f(x):\n    return x +", SourceError, "does not parse", "return x +"),
}


@pytest.mark.parametrize("case", SOURCES)
def test_bad_source(tmp_path, case):
    body, error, what, do = SOURCES[case]
    with pytest.raises(error) as info:
        derive_text(tmp_path, HEADER + body + "\n").function
    assert isinstance(info.value, symdiff.SymdiffError)
    assert_says(info.value, what, do)


def test_missing_file_and_missing_function(tmp_path):
    with pytest.raises(SourceError, match="cannot read"):
        FunctionSource.from_file(tmp_path / "absent.py", "f")
    (tmp_path / "m.py").write_text(HEADER + "def g(x):\n    return x.sum()\n")
    with pytest.raises(SourceError, match="no function `f` is defined in"):
        FunctionSource.from_file(tmp_path / "m.py", "f")


def test_async_function_is_refused_with_what_to_write(tmp_path):
    with pytest.raises(UnsupportedSyntaxError) as info:
        derive_text(tmp_path, HEADER + "async def f(x):\n    return x.sum()\n")
    assert_says(info.value, "async function", "plain `def`")


def test_duplicate_parameter_names_are_refused(tmp_path):
    with pytest.raises(symdiff.SymdiffError, match="duplicate"):
        derive_text(tmp_path, HEADER + "def f(x, x):\n    return (x * x).sum()\n")


# -- reductions: what numpy and torch compute that symdiff refuses --------------------------------

# (the return expression over x of shape (N, D) and w of shape (D,), the error, what is wrong, what to do)
REDUCTIONS = {
    "ambiguous x.var()": ("x.var()", UnsupportedSyntaxError, "by N - 1 in torch", "x.var(ddof=0)"),
    "ambiguous x.std(axis)": ("x.std(0).sum()", UnsupportedSyntaxError, "ddof=0", "x.std(correction=1)"),
    "ddof and correction": ("np.var(x, ddof=1, correction=1)", UnsupportedSyntaxError, "not both", "correction"),
    "unbiased and correction": ("torch.var(x, unbiased=True, correction=1)", UnsupportedSyntaxError, "not both",
                                "correction"),
    "cumsum without an axis": ("np.cumsum(x).sum()", ShapeError, "flattens", "give the axis"),
    "initial of np.max": ("np.max(x, initial=0.0)", UnsupportedSyntaxError, "`initial=`", "leave out"),
    "dtype of np.prod": ("np.prod(x, dtype='float64')", UnsupportedSyntaxError, "`dtype=`", "leave out"),
    "matrix 2-norm": ("np.linalg.norm(x, 2)", UnsupportedSyntaxError, "singular values", "Frobenius"),
    "nuclear norm": ("torch.norm(x, 'nuc')", UnsupportedSyntaxError, "nuclear", "p='fro'"),
    "vector norm of order 0": ("np.linalg.norm(x, 0, axis=1).sum()", UnsupportedSyntaxError, "order 0",
                               "p > 0"),
    "matrix norm order on one axis": ("np.linalg.norm(x, 'fro', axis=1).sum()", UnsupportedSyntaxError,
                                      "matrix norm", "two axes"),
    ".values of a sum": ("x.sum(1).values.sum()", UnsupportedSyntaxError, "`.values`", "torch.max"),
    "weights of another shape": ("np.average(x, weights=w)", ShapeError, "weights of shape (D,)",
                                 "1-D weights along a single `axis`"),
    "returned of np.average": ("np.average(x, axis=1, weights=w, returned=True).sum()", UnsupportedSyntaxError,
                               "`returned`", "False"),
}


@pytest.mark.parametrize("case", REDUCTIONS)
def test_refused_reduction(tmp_path, case):
    expr, error, what, do = REDUCTIONS[case]
    with pytest.raises(error) as info:
        derive_text(tmp_path, HEADER + f"def f(x, w):\n    return {expr}\n", shapes={"x": ("N", "D"), "w": ("D",)})
    assert info.value.lineno == 6
    assert_says(info.value, what, do)


def test_norm_of_an_array_of_three_dimensions_needs_its_axes(tmp_path):
    with pytest.raises(ShapeError) as info:
        derive_text(tmp_path, HEADER + "def f(x):\n    return np.linalg.norm(x, 1)\n", shapes={"x": ("N", "D", "K")})
    assert_says(info.value, "1-D or 2-D array", "give axis=")


@pytest.mark.parametrize("name", sorted(n for n in REFUSED_CALLS if ".nan" in n))
def test_nan_skipping_reductions_are_refused(tmp_path, name):
    call = name.replace("numpy.", "np.")
    with pytest.raises(UnsupportedSyntaxError) as info:
        derive_text(tmp_path, HEADER + f"import torch\n\n\ndef f(x):\n    return {call}(x)\n")
    assert_says(info.value, "NaN-skipping reductions are not supported", "np.mean")


# -- shapes: derive's `shapes` and string annotations ------------------------------------------

def logistic(x, y, w, b):
    return symdiff.functional.binary_cross_entropy_with_logits(x @ w + b, y)


SHAPES = {"x": ("N", "D"), "y": ("N", "K"), "w": ("D", "K"), "b": ("K",)}

# (shapes, the error, what is wrong, what to do)
BAD_SHAPES = {
    "a missing shape": ({k: v for k, v in SHAPES.items() if k != "b"}, symdiff.SymdiffError,
                        "no shape for parameter `b`", 'shapes={"b"'),
    "inner dimensions differ": (dict(SHAPES, w=("M", "K")), ShapeError, "inner dimensions must be equal",
                                "transpose one of them"),
    "a bias that does not broadcast": (dict(SHAPES, b=("M",)), ShapeError, "cannot broadcast",
                                       "trailing dimensions equal or 1"),
    "a target of another shape": (dict(SHAPES, y=("N",)), ShapeError, "must be the same", "target.size()"),
    "a vector where a matrix goes": (dict(SHAPES, w=("D",), b=()), ShapeError, "target `y` has shape (N, K)",
                                     "target.size() == input.size()"),
}


@pytest.mark.parametrize("case", BAD_SHAPES)
def test_bad_shapes_in_derive(case):
    shapes, error, what, do = BAD_SHAPES[case]
    with pytest.raises(error) as info:
        symdiff.derive(logistic, wrt="w", shapes=shapes)
    assert_says(info.value, what, do)


def test_shapes_for_unknown_parameters():
    with pytest.raises(symdiff.SymdiffError) as info:
        symdiff.derive(logistic, wrt="w", shapes=dict(SHAPES, z=("N",)))
    assert_says(info.value, "unknown parameters: z", "parameters are: x, y, w, b")


@pytest.mark.parametrize("shape", [3.5, None, (-1,), ("K-1",)])
def test_malformed_shape_in_derive(shape):
    with pytest.raises(symdiff.SymdiffError) as info:
        symdiff.derive(logistic, wrt="w", shapes=dict(SHAPES, b=shape))
    assert_says(info.value, "shape", '("N", "D")')


@pytest.mark.parametrize("annotation", ['"N @ D"', '"N, D-1"', '"(N; D)"'])
def test_annotation_that_does_not_parse(tmp_path, annotation):
    with pytest.raises(UnsupportedSyntaxError) as info:
        derive_text(tmp_path, HEADER + f"def f(x: {annotation}):\n    return x.sum()\n", shapes={})
    assert_says(info.value, "cannot read the dimension", 'e.g. "N D"')


def test_annotation_and_shapes_disagree_is_decided_by_shapes(tmp_path):
    """`shapes` overrides annotations: derive takes the explicit one."""
    d = derive_text(tmp_path, HEADER + 'def f(x: "N D"):\n    return x.sum()\n', shapes={"x": ("K",)})
    assert d.shapes["x"] == d.graph[d.graph.params[0]].shape and len(d.shapes["x"]) == 1


# -- wrt ------------------------------------------------------------------------------------------

# (wrt, what is wrong, what to do)
BAD_WRT = {
    "unknown name": ("v", "no parameter `v`", "its parameters are: x, y, w, b"),
    "index too large": (7, "has 4 parameters", "x, y, w, b"),
    "index too small": (-5, "has 4 parameters", "x, y, w, b"),
    "duplicate": (("w", "w"), "`w` twice", "once"),
    "duplicate by name and index": (("w", 2), "`w` twice", "once"),
    "empty": ((), "empty", "name at least one parameter"),
    "a float": (1.5, "wrt=1.5", "give parameter names or indices"),
    "a bool": (True, "wrt=True", "give parameter names or indices"),
}


@pytest.mark.parametrize("case", BAD_WRT)
def test_bad_wrt(case):
    wrt, what, do = BAD_WRT[case]
    for attempt in (lambda: symdiff.grad(logistic, wrt=wrt), lambda: symdiff.derive(logistic, wrt=wrt, shapes=SHAPES)):
        with pytest.raises(WrtError) as info:
            attempt()
        assert_says(info.value, what, do)


def test_wrt_of_a_function_without_parameters(tmp_path):
    with pytest.raises(WrtError) as info:
        derive_text(tmp_path, HEADER + "def f():\n    return 1.0\n", shapes={})
    assert_says(info.value, "no parameters to differentiate", "f")


# -- call-time values -------------------------------------------------------------------------


def logistic_args(seed=0):
    r = rng(seed)
    return [r.standard_normal((4, 3)), r.random((4, 2)), r.standard_normal((3, 2)), r.standard_normal(2)]


# (arguments from logistic_args, the error, what is wrong, what to do)
BAD_VALUES = {
    "an integer array to differentiate": (lambda a: [a[0], a[1], a[2].astype(int), a[3]], InputTypeError,
                                          "`w` is differentiated but is an int64 array", "w.astype(np.float64)"),
    "a bool array to differentiate": (lambda a: [a[0], a[1], a[2] > 0, a[3]], InputTypeError,
                                      "is differentiated but is an bool array", "astype(np.float64)"),
    "an object array": (lambda a: [a[0].astype(object), *a[1:]], InputTypeError, "array of object",
                        "np.asarray(x, dtype=np.float64)"),
    "a complex array": (lambda a: [a[0] + 1j, *a[1:]], InputTypeError, "complex128", "float64 or float32"),
    "strings": (lambda a: ["abc", *a[1:]], InputTypeError, "<u3", "float64 or float32"),
    "None": (lambda a: [None, *a[1:]], InputTypeError, "array of object", "float64 or float32"),
    "a matrix of the wrong rank": (lambda a: [a[0], a[1], a[2][0], a[3]], ShapeError,
                                   "the inner dimensions must be equal", "transpose one of them"),
    "a bias of the wrong size": (lambda a: [a[0], a[1], a[2], np.ones(5)], ShapeError, "cannot broadcast",
                                 "trailing dimensions equal or 1"),
    "a target of the wrong rank": (lambda a: [a[0], a[1][0], a[2], a[3]], ShapeError, "must be the same",
                                   "target.size() == input.size()"),
}


@pytest.mark.parametrize("case", BAD_VALUES)
def test_bad_values_at_call_time(case):
    make, error, what, do = BAD_VALUES[case]
    with pytest.raises(error) as info:
        symdiff.grad(logistic, wrt=("w", "b"))(*make(logistic_args()))
    assert isinstance(info.value, symdiff.SymdiffError)
    assert_says(info.value, what, do)


def test_call_time_shape_errors_show_the_sizes():
    x, y, w, b = logistic_args()
    with pytest.raises(ShapeError) as info:
        symdiff.grad(logistic, wrt="w")(x, y, w, np.ones(5))
    assert "_" not in str(info.value).split("\n")[0].split(":", 3)[-1] and "(5,)" in str(info.value)


def test_ragged_list_names_the_parameter():
    x, y, w, b = logistic_args()
    with pytest.raises(InputTypeError) as info:
        symdiff.grad(logistic, wrt="w")([[1.0, 2.0, 3.0], [1.0]], y[:2], w, b)
    assert_says(info.value, "`x`", "float64")


@pytest.mark.parametrize("param, shape", [("w", (5, 2)), ("x", (3,)), ("b", (3,))])
def test_generated_function_checks_shapes_before_numpy(param, shape):
    """The generated code raises a ValueError naming the parameter and its expected shape."""
    args = dict(zip("xywb", logistic_args()))
    derivation = symdiff.derive(logistic, wrt=("w", "b"), shapes=SHAPES)
    args[param] = np.ones(shape)
    with pytest.raises(ValueError, match=rf"^{param}: expected .*shape \({', '.join(SHAPES[param])},?\)") as info:
        derivation.function(*args.values())
    assert str(shape) in str(info.value)
    assert info.traceback[-1].frame.code.name == "grad_logistic"  # raised by the check, not inside numpy


def test_lists_and_integer_data_are_converted():
    x, y, w, b = logistic_args()
    expected = symdiff.grad(logistic, wrt="w")(x.round(), (y > 0.5).astype(float), w, b)
    got = symdiff.grad(logistic, wrt="w")(x.round().astype(int).tolist(), (y > 0.5).astype(int), w.tolist(), b)
    np.testing.assert_allclose(got, expected, rtol=1e-12)


def test_zero_size_batch_gives_numpy_results():
    """An empty batch with reduction='sum': a zero loss and zero gradients (the 'mean' case is a
    known bug, see test_regressions)."""
    fn = symdiff.value_and_grad(sum_logistic, wrt=("w", "b"))
    x, y, w, b = logistic_args()
    value, (gw, gb) = fn(x[:0], y[:0], w, b)
    assert value == sum_logistic(x[:0], y[:0], w, b) == 0.0
    np.testing.assert_array_equal(gw, np.zeros_like(w))
    np.testing.assert_array_equal(gb, np.zeros_like(b))


def sum_logistic(x, y, w, b):
    return symdiff.functional.binary_cross_entropy_with_logits(x @ w + b, y, reduction="sum")


@pytest.mark.parametrize("layout", ["fortran", "strided", "transposed view", "broadcast view"])
def test_non_contiguous_arrays_give_the_same_results(layout):
    x, y, w, b = logistic_args()
    make = {
        "fortran": lambda a: np.asfortranarray(a),
        "strided": lambda a: np.repeat(a, 2, axis=-1)[..., ::2],
        "transposed view": lambda a: np.ascontiguousarray(a.T).T,
        "broadcast view": lambda a: np.broadcast_to(a, a.shape),
    }[layout]
    args = [make(a) for a in (x, y, w)] + [b]
    assert not all(a.flags.c_contiguous and a.flags.writeable for a in args[:3])
    expected = symdiff.grad(logistic, wrt=("w", "b"))(x, y, w, b)
    for got, want in zip(symdiff.grad(logistic, wrt=("w", "b"))(*args), expected):
        np.testing.assert_allclose(got, want, rtol=1e-12)


# -- NaN and inf propagate as in numpy ---------------------------------------------------------


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_nan_and_inf_propagate_as_numpy(bad):
    x, y, w, b = logistic_args()
    x[0, 0] = bad
    with np.errstate(all="ignore"):
        value, (gx, gw, gb) = symdiff.value_and_grad(logistic, wrt=("x", "w", "b"))(x, y, w, b)
        expected_value = logistic(x, y, w, b)
    np.testing.assert_array_equal(value, expected_value)  # nan where numpy gives nan
    assert not np.isfinite(gw).all()  # the row of x holding it reaches w's gradient
    assert np.isfinite(gx[1:]).all()  # ... and no other row's
    if torch is not None:
        tensors = [torch.tensor(a, requires_grad=i != 1) for i, a in enumerate((x, y, w, b))]
        torch.nn.functional.binary_cross_entropy_with_logits(tensors[0] @ tensors[2] + tensors[3], tensors[1]).backward()
        for got, t in zip((gx, gw, gb), (tensors[0], tensors[2], tensors[3])):
            np.testing.assert_allclose(got, t.grad.numpy(), rtol=1e-12, equal_nan=True)


# -- the caller's arrays are never modified ----------------------------------------------------


def updates_in_place(x, w, b):
    z = x @ w
    z += b
    x = x * 2
    return (z * x.sum()).sum()


def test_read_only_inputs_work_and_are_unchanged():
    r = rng(3)
    args = [r.standard_normal((4, 3)), r.standard_normal((3, 2)), r.standard_normal(2)]
    originals = [a.copy() for a in args]
    for a in args:
        a.flags.writeable = False
    for fn in (symdiff.grad(updates_in_place, wrt=(0, 1, 2)), symdiff.value_and_grad(updates_in_place, wrt=(0, 1, 2))):
        fn(*args)
        fn(*args)
    for a, original in zip(args, originals):
        np.testing.assert_array_equal(a, original)


def test_writeable_inputs_are_unchanged():
    args = logistic_args(4)
    originals = [a.copy() for a in args]
    grads = symdiff.grad(logistic, wrt=(0, 1, 2, 3))(*args)
    for g in grads:  # no gradient aliases an input
        assert not any(np.shares_memory(g, a) for a in args)
    for a, original in zip(args, originals):
        np.testing.assert_array_equal(a, original)


# -- concurrency ----------------------------------------------------------------------------


def concurrent_loss(x, y, w, b):
    return symdiff.functional.binary_cross_entropy_with_logits(np.tanh(x @ w) + b, y)


def test_eight_threads_derive_once_and_agree():
    fn = symdiff.grad(concurrent_loss, wrt=("w", "b"))
    args = logistic_args(5)
    barrier = threading.Barrier(8)
    results, errors = [None] * 8, []

    def call(i):
        try:
            barrier.wait()
            results[i] = fn(*args)
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=call, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    assert len(fn.derivations) == 1
    expected = symdiff.grad(concurrent_loss, wrt=("w", "b"))(*args)
    for result in results:
        for got, want in zip(result, expected):
            np.testing.assert_array_equal(got, want)
    assert symdiff.check_grad(concurrent_loss, args, wrt=("w", "b")) < 1e-6
