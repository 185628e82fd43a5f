"""Generated numpy code, rewritten against the Python Array API standard: the same function then runs
on any library that implements it (numpy, CuPy, torch, JAX, dask, array-api-strict), taking its
namespace `xp` from its arguments through `array_api_compat`.

The rewrite is one table and a handful of rules over the numpy AST the ops lower to: `np.f(...)` as
`xp.<standard name>(...)`, reductions and reshapes as functions (`xp.sum(x, axis=0)`), `x.size` as
`math.prod(x.shape)`, `np.maximum(e, z >= 0)` and `g * (x > 0)` with the mask cast to a float
dtype, and indices that name fewer axes than the array has completed with `...`.
"""
from __future__ import annotations

import ast
import copy

from . import pyast as A
from .errors import SymdiffError

#: numpy's name -> the standard's, where they differ (names absent here are the same in both).
RENAMED = {
    "absolute": "abs", "arcsin": "asin", "arccos": "acos", "arctan": "atan", "arctan2": "atan2",
    "arcsinh": "asinh", "arccosh": "acosh", "arctanh": "atanh", "power": "pow", "concatenate": "concat",
    "transpose": "permute_dims", "cumsum": "cumulative_sum", "cumprod": "cumulative_prod", "amax": "max",
    "amin": "min", "true_divide": "divide", "invert": "bitwise_invert", "left_shift": "bitwise_left_shift",
    "rint": "round",
}
#: Functions of the standard (2024.12) that numpy spells the same.
STANDARD = {
    "abs", "acos", "acosh", "add", "asin", "asinh", "atan", "atan2", "atanh", "ceil", "clip", "cos", "cosh",
    "divide", "equal", "exp", "expm1", "floor", "greater", "greater_equal", "hypot", "less", "less_equal", "log",
    "log1p", "log2", "log10", "logaddexp", "logical_and", "logical_not", "logical_or", "maximum", "minimum",
    "multiply", "negative", "not_equal", "positive", "pow", "round", "sign", "sin", "sinh", "sqrt", "square",
    "subtract", "tan", "tanh", "trunc", "where", "zeros", "zeros_like", "ones", "ones_like", "full",
    "full_like", "eye", "arange", "linspace", "empty", "empty_like", "broadcast_to", "broadcast_arrays", "reshape",
    "expand_dims", "squeeze", "flip", "roll", "stack", "concat", "permute_dims", "moveaxis", "repeat", "tile",
    "take", "take_along_axis", "matmul", "tensordot", "vecdot", "matrix_transpose", "sum", "prod", "mean",
    "std", "var", "max", "min", "cumulative_sum", "cumulative_prod", "asarray", "astype", "tril", "triu",
    "float32", "float64", "int64", "bool", "meshgrid", "unstack", "diff", "argmax", "argmin", "all", "any",
    "count_nonzero", "nonzero", "sort", "argsort", "searchsorted", "isnan", "isinf", "isfinite", "reciprocal",
    "signbit", "copysign", "nextafter", "real", "imag", "conj", "logical_xor", "floor_divide", "remainder",
}
_LINALG = {"inv", "solve", "det", "slogdet", "cholesky", "eigh", "eigvalsh", "norm", "vector_norm",
           "matrix_norm", "outer", "trace", "diagonal", "cross", "qr", "svd", "svdvals", "pinv",
           "matrix_power", "matrix_rank", "tensordot", "vecdot"}
#: Array methods numpy has and the standard spells as functions of the array.
_METHODS = {"sum", "prod", "mean", "std", "var", "max", "min", "reshape", "transpose", "swapaxes", "copy",
            "astype", "ravel", "flatten", "cumsum", "cumprod", "clip", "squeeze", "repeat", "round", "any",
            "all", "argmax", "argmin", "dot"}


class Unsupported(SymdiffError):
    """Code that needs a numpy function the Array API standard does not have."""

    def __init__(self, what: str):
        super().__init__(f"the generated code needs `{what}`, which the Array API standard does not have",
                         hint="This function runs on numpy arrays only: pass numpy arrays (or export without "
                              "--array-api).")


def _xp(name: str) -> ast.expr:
    return A.attr(A.name("xp"), name)


class _Rewrite(ast.NodeTransformer):
    def visit_Call(self, node):
        func = node.func
        if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Attribute) \
                and isinstance(func.value.value, ast.Name) and func.value.value.id == "np" \
                and func.value.attr == "linalg":  # np.linalg.f
            if func.attr not in _LINALG:
                raise Unsupported(f"np.linalg.{func.attr}")
            self.generic_visit(node)
            # np.linalg.norm as the ops emit it (no `ord`: the 2-norm over every axis or the given ones)
            node.func = A.attr(_xp("linalg"), "vector_norm" if func.attr == "norm" else func.attr)
            return node
        if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Attribute) \
                and isinstance(func.value.value, ast.Name) and func.value.value.id == "np":  # np.add.at
            raise Unsupported(f"np.{func.value.attr}.{func.attr}")
        if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) and func.value.id == "np":
            return self._function(node, func.attr)
        if isinstance(func, ast.Attribute) and ast.unparse(func).startswith("scipy."):  # erf
            raise Unsupported(ast.unparse(func))
        if isinstance(func, ast.Attribute) and func.attr in _METHODS:
            return self._method(node, func.attr)
        self.generic_visit(node)
        return node

    def _function(self, node, name: str):
        self.generic_visit(node)
        if name == "maximum" and len(node.args) == 2 and isinstance(node.args[1], ast.Compare):
            # a mask beside a float array (the stable sigmoid): the standard wants one dtype
            a, mask = node.args
            cast = A.call(_xp("astype"), mask, A.attr(copy.deepcopy(a), "dtype"))
            return A.call(_xp("maximum"), a, cast)
        if name == "heaviside":  # not in the standard: (x > 0) + h * (x == 0), in x's dtype
            x, h = node.args
            positive = ast.Compare(x, [ast.Gt()], [A.const(0)])
            zero = ast.Compare(copy.deepcopy(x), [ast.Eq()], [A.const(0)])
            if any(isinstance(n, ast.Name) for n in ast.walk(x)):  # an array, not a number (`heaviside(1.0, 0.5)`)
                dtype = A.attr(copy.deepcopy(x), "dtype")
                positive, zero = (A.call(_xp("astype"), c, copy.deepcopy(dtype)) for c in (positive, zero))
            return ast.BinOp(positive, ast.Add(), ast.BinOp(h, ast.Mult(), zero))
        standard = RENAMED.get(name, name)
        if standard not in STANDARD:
            raise Unsupported(f"np.{name}")
        node.func = _xp(standard)
        return node

    def _method(self, node, name: str):
        self.generic_visit(node)
        array = node.func.value
        if name == "copy":
            return A.call(_xp("asarray"), array, copy=A.const(True))
        if name == "swapaxes":
            return A.call(_xp("matrix_transpose"), array)
        if name in ("ravel", "flatten"):
            return A.call(_xp("reshape"), array, A.const((-1,)))
        if name == "dot":
            return ast.BinOp(array, ast.MatMult(), node.args[0])
        if name == "reshape" and not (len(node.args) == 1 and isinstance(node.args[0], ast.Tuple)):
            node.args = [A.tuple_(node.args)]
        standard = {"transpose": "permute_dims", "cumsum": "cumulative_sum", "cumprod": "cumulative_prod"}.get(name, name)
        return ast.Call(_xp(standard), [array, *node.args], node.keywords)

    def visit_BinOp(self, node):
        """A boolean mask multiplying an array (`g * (x > 0)`), cast to the dtype the emitter noted."""
        self.generic_visit(node)
        dtype = getattr(node.right, "mask_dtype", None)
        if dtype is not None:
            node.right = A.call(_xp("astype"), node.right, A.attr(copy.deepcopy(dtype), "dtype"))
        return node

    def visit_Attribute(self, node):
        self.generic_visit(node)
        if isinstance(node.value, ast.Name) and node.value.id == "np":  # np.float32, np.pi
            return _xp(node.attr)
        if node.attr == "size":
            return A.call(A.attr(A.name("math"), "prod"), A.attr(node.value, "shape"))
        return node

    def visit_Subscript(self, node):
        self.generic_visit(node)
        index = node.slice.elts if isinstance(node.slice, ast.Tuple) else [node.slice]
        names_axes = getattr(node, "step", False) or any(isinstance(i, (ast.Slice, ast.Constant, ast.UnaryOp)) for i in index)
        has_ellipsis = any(isinstance(i, ast.Constant) and i.value is Ellipsis for i in index)
        is_shape = isinstance(node.value, ast.Attribute) and node.value.attr == "shape"
        if names_axes and not has_ellipsis and not is_shape:
            node.slice = A.tuple_([*index, ast.Constant(Ellipsis)])
        return node


def function(tree: ast.FunctionDef) -> ast.FunctionDef:
    """The Array API form of a generated function (a copy): `xp` taken from its arguments first."""
    tree = copy.deepcopy(tree)
    rewrite = _Rewrite()
    body = [rewrite.visit(stmt) for stmt in tree.body]
    params = [A.name(a.arg) for a in tree.args.args]
    namespace = ast.Assign([ast.Name("xp", ast.Store())],
                           A.call(A.attr(A.name("array_api_compat"), "array_namespace"), *params))
    docstring = body[:1] if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant) else []
    tree.body = docstring + [namespace] + body[len(docstring):]
    return tree
