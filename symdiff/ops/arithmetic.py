"""Arithmetic operators and their numpy/torch spellings, matrix products, maximum and minimum."""
from __future__ import annotations

from . import EXAMPLES, array, constant, defop, example, register
from ..ir import Value, elementwise
from ..primitives import matmul
from ..scalar import maximum, minimum, relu

@defop("operator.add", "numpy.add", "method.add", "method.__add__")
def add(graph, input, other):
    return array(graph, input, "the first operand") + array(graph, other, "the second operand")


@defop("torch.add")
def torch_add(graph, input, other, *, alpha=1, out=None):
    constant(graph, out, "`out`", allowed=(None,))
    other = array(graph, other, "`other`")
    return array(graph, input, "`input`") + (other if alpha == 1 else other * constant(graph, alpha, "`alpha`"))


@defop("torch.sub", "torch.subtract")
def torch_sub(graph, input, other, *, alpha=1, out=None):
    constant(graph, out, "`out`", allowed=(None,))
    other = array(graph, other, "`other`")
    return array(graph, input, "`input`") - (other if alpha == 1 else other * constant(graph, alpha, "`alpha`"))


@defop("operator.sub", "numpy.subtract", "method.sub", "method.__sub__")
def sub(graph, input, other):
    return array(graph, input, "the first operand") - array(graph, other, "the second operand")


@defop("operator.mul", "numpy.multiply", "torch.mul", "torch.multiply", "method.mul", "method.__mul__")
def mul(graph, input, other):
    return array(graph, input, "the first operand") * array(graph, other, "the second operand")


@defop("operator.truediv", "numpy.divide", "numpy.true_divide", "torch.div", "torch.divide", "torch.true_divide",
       "method.div", "method.__truediv__")
def truediv(graph, input, other):
    return array(graph, input, "the first operand") / array(graph, other, "the second operand")


@defop("operator.pow", "numpy.power", "torch.pow", "method.pow", "method.__pow__")
def power(graph, input, exponent):
    return array(graph, input, "the base") ** array(graph, exponent, "the exponent")


@defop("operator.neg", "numpy.negative", "torch.neg", "torch.negative", "method.neg", "method.__neg__")
def neg(graph, input):
    return -array(graph, input, "the operand")


@defop("numpy.square", "torch.square", "method.square")
def square(graph, input):
    return array(graph, input, "the operand") ** 2


@defop("operator.pos")
def pos(graph, input):
    return array(graph, input, "the operand")


# -- matrix products -------------------------------------------------------------------------


@defop("operator.matmul", "numpy.matmul", "torch.matmul", "method.matmul", "method.__matmul__")
def matrix_product(graph, input, other):
    return matmul(array(graph, input, "the first operand"), array(graph, other, "the second operand"))


def _ranked_product(name: str, ranks: tuple[int, int]):
    def impl(graph, input, other):
        a, b = array(graph, input, "`input`"), array(graph, other, "`other`")
        if (a.ndim, b.ndim) != ranks:
            raise graph.shape_error(
                f"`{name}` takes a {ranks[0]}-D and a {ranks[1]}-D array; got `{a.label}` of shape "
                f"{a.shape_text} and `{b.label}` of shape {b.shape_text}",
                hint="`torch.matmul` (or `@`) accepts every combination of 1-D and 2-D arrays.",
            )
        return matmul(a, b)

    return impl


register(_ranked_product("torch.mm", (2, 2)), "torch.mm", "method.mm")
register(_ranked_product("torch.mv", (2, 1)), "torch.mv", "method.mv")
register(_ranked_product("torch.dot", (1, 1)), "torch.dot")


def _is_zero(v) -> bool:
    return not isinstance(v, Value) and v == 0 or isinstance(v, Value) and v.expr == 0


def _extremum(fn, zero_case):
    def impl(graph, input, other):
        if _is_zero(other) and zero_case is not None:
            return zero_case(array(graph, input, "the first argument"))
        a, b = array(graph, input, "the first argument"), array(graph, other, "the second argument")
        return elementwise(fn, a, b, label=f"{fn.__name__}({a.label}, {b.label})")

    return impl


# np.maximum(x, 0) is relu (derivative 0 at 0, as torch.relu); between arrays, ties split the
# gradient in half, as torch.maximum does.
register(_extremum(maximum, lambda x: x.apply(relu)), "numpy.maximum", "torch.maximum", "method.maximum")
register(_extremum(minimum, None), "numpy.minimum", "torch.minimum", "method.minimum")


_AB = {"a": (3, 4), "b": (3, 4)}
EXAMPLES.extend([
    example("a + 2.5 * b - a / b + 1 / b - (-a) + (+b)", a=(3, 4), b=(4,), domain="positive"),
    example("a ** 3 + a ** -2 + a ** 0.5 + np.power(a, 2) + a.__pow__(2)", a=(3,), domain="positive",
            second_order=True),
    example("torch.pow(a, 2) + a.pow(3)", a=(3,)),
    example("a ** b + np.power(a, b) + 2 ** b + np.power(1.5, a)", a=(3, 4), b=(4,), domain="positive",
            second_order=True),
    example("torch.pow(a, b) + a.pow(b) + a.__pow__(b)", a=(2, 3), b=(2, 3), domain="positive"),
    example("np.add(a, b) + np.subtract(a, b) + np.multiply(a, b) + np.divide(a, b) + np.true_divide(a, b)"
            " + np.negative(a) + np.square(b)", domain="positive", **_AB),
    example("torch.add(a, b, alpha=2) + torch.sub(a, b, alpha=0.5) + torch.subtract(a, b) + torch.mul(a, b)"
            " + torch.multiply(a, b) + torch.div(a, b) + torch.divide(a, b) + torch.true_divide(a, b)"
            " + torch.neg(a) + torch.negative(a) + torch.square(b)", domain="positive", **_AB),
    example("a.add(b) + a.sub(b) + a.mul(b) + a.div(b) + a.neg() + a.square() + a.__add__(b) + a.__sub__(b)"
            " + a.__mul__(b) + a.__truediv__(b) + a.__neg__() + a.__abs__()", domain="positive", **_AB),
    example("a @ b + np.matmul(a, b) + np.dot(a, b) + a.dot(b) + a.__matmul__(b)", a=(2, 3), b=(3, 4)),
    example("a @ b", a=(3,), b=(3, 4)),
    example("a @ b", a=(2, 3), b=(3,)),
    example("a @ b", a=(3,), b=(3,)),
    example("torch.matmul(a, b) + torch.mm(a, b) + a.mm(b) + a.matmul(b)", a=(2, 3), b=(3, 4)),
    example("torch.mv(a, b) + a.mv(b)", a=(2, 3), b=(3,)),
    example("torch.dot(a, b)", a=(3,), b=(3,)),
    example("np.maximum(a, b) + np.minimum(a, b) + np.maximum(a, 0) + np.minimum(a, 0.5)", **_AB),
    example("torch.maximum(a, b) + torch.minimum(a, b) + a.maximum(b) + a.minimum(b)", **_AB),
])
