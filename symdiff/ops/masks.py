"""Comparisons, boolean masks and `where`.

A comparison is a boolean mask: a SymPy relational (`&`, `|`, `~` make And, Or, Not of them), kept a
lazy expression. Arithmetic reads a mask as 0 and 1 (`scalar.mask`: `(x > 0) * x`); `where` picks a
branch with it (a SymPy Piecewise, emitted as `np.where`), and the gradient flows to the branch taken.
"""
from __future__ import annotations

import sympy as sp

from . import EXAMPLES, array, example, register
from ..errors import UnsupportedSyntaxError
from ..ir import Value, elementwise
from ..scalar import mask

#: torch's name (also operator's and the method's) -> (the SymPy relation, numpy's name)
COMPARISONS = {
    "gt": (sp.StrictGreaterThan, "greater"),
    "ge": (sp.GreaterThan, "greater_equal"),
    "lt": (sp.StrictLessThan, "less"),
    "le": (sp.LessThan, "less_equal"),
    "eq": (sp.Eq, "equal"),
    "ne": (sp.Ne, "not_equal"),
}


def _comparison(relation):
    def impl(graph, input, other):
        a, b = array(graph, input, "the first operand"), array(graph, other, "the second operand")
        label = f"{a.label} {relation.rel_op} {b.label}"
        if relation(a.expr, b.expr) in (sp.true, sp.false):  # `x == x`: 1 or 0 in x's shape and dtype
            return elementwise(lambda x, y: mask(relation(x, y)), a, b, label=label)
        return elementwise(relation, a, b, label=label)

    return impl


for _torch, (_relation, _numpy) in COMPARISONS.items():
    register(_comparison(_relation), f"operator.{_torch}", f"numpy.{_numpy}", f"torch.{_torch}", f"method.{_torch}",
             f"method.__{_torch}__", *([f"torch.{_numpy}"] if _numpy != "equal" else []))  # torch.equal: one bool


def as_mask(graph, value, what: str, nonzero: bool = True) -> Value:
    """`value` as a mask: a comparison as it is, a Python bool as a constant one, and, numpy's way
    (`nonzero`), an array true where it is nonzero."""
    if isinstance(value, bool):
        return Value(graph, sp.true if value else sp.false, (), repr(value))
    if isinstance(value, Value) and value.is_mask:
        return value
    if nonzero:
        return array(graph, value, what).apply(lambda e: sp.Ne(e, 0))
    raise UnsupportedSyntaxError(  # numpy refuses `&`, `|` and `~` on float arrays
        f"`{what}` combines boolean masks such as `x > 0`, not {getattr(value, 'label', repr(value))}",
        location=graph.location,
        hint="Compare first, e.g. `(x > 0) & (y < 1)`; multiply numbers with `*`.",
    )


def _combination(fn, symbol: str, nonzero: bool):
    def impl(graph, input, other):
        a, b = as_mask(graph, input, symbol, nonzero), as_mask(graph, other, symbol, nonzero)
        return elementwise(fn, a, b, label=f"{a.label} {symbol} {b.label}")

    return impl


def _negation(nonzero: bool):
    def impl(graph, input):
        m = as_mask(graph, input, "~", nonzero)
        return Value(graph, sp.Not(m.expr), m.shape, f"~{m.label}")

    return impl


register(_combination(sp.And, "&", False), "operator.and_", "method.__and__")
register(_combination(sp.Or, "|", False), "operator.or_", "method.__or__")
register(_negation(False), "operator.invert", "method.__invert__")
register(_combination(sp.And, "&", True), "numpy.logical_and", "torch.logical_and", "method.logical_and")
register(_combination(sp.Or, "|", True), "numpy.logical_or", "torch.logical_or", "method.logical_or")
register(_negation(True), "numpy.logical_not", "torch.logical_not", "method.logical_not")


def where(graph, condition_, x, y):
    """x where the condition holds, else y; each branch gets the gradient where it is taken."""
    c = as_mask(graph, condition_, "the condition")
    a, b = array(graph, x, "the first branch"), array(graph, y, "the second branch")
    return elementwise(lambda c, a, b: sp.Piecewise((a, c), (b, True)), c, a, b,
                       label=f"where({c.label}, {a.label}, {b.label})")


def _numpy_where(graph, condition, x=None, y=None):
    if x is None or y is None:
        raise UnsupportedSyntaxError(
            "`np.where` with only a condition gives the indices where it holds; symdiff has no indices",
            location=graph.location,
            hint="Give both branches, e.g. np.where(x > 0, x, 0.0).",
        )
    return where(graph, condition, x, y)


def _torch_where(graph, condition, input, other):
    return where(graph, condition, input, other)


register(_numpy_where, "numpy.where")
register(_torch_where, "torch.where")


_AB = {"a": (3, 4), "b": (3, 4)}
EXAMPLES.extend([
    example("np.where(a > b, a * b, np.sin(a)) + (a > 0) * a + (a <= b) * b - (a >= 0.5) * 2.0 * a", **_AB,
            second_order=True),
    example("np.where(a < 0, a ** 2, a) + (a != b) * b + (a == a) * b", a=(2, 3, 4), b=(4,)),
    example("np.where((a > 0) & (b < 0.5) | ~(a > b), a, b ** 2) + np.where((-0.5 < a) & (a <= 0.5), b, 0.0)", **_AB),
    example("np.where(a > 0, 1.0, 0.0) * b + (a > 0).sum() * b + np.where(b, a, b)", a=(3,), b=(3,)),
    example("np.greater(a, b) * a + np.greater_equal(a, 0) * b + np.less(a, b) * b + np.less_equal(a, b) * a"
            " + np.equal(a, b) * a + np.not_equal(a, b) * b", **_AB),
    example("np.where(np.logical_and(a > 0, b > 0) | np.logical_or(a > 1, b < -1), a,"
            " np.where(np.logical_not(a > b), b, a * b))", **_AB),
    example("torch.where(torch.gt(a, b), a, b) + torch.ge(a, 0) * b + torch.lt(a, b) * b + torch.le(a, b) * a"
            " + torch.eq(a, b) * a + torch.ne(a, b) * b + torch.greater(a, b) * a + torch.greater_equal(a, b) * b"
            " + torch.less(a, b) * a + torch.less_equal(a, b) * b + torch.not_equal(a, b) * b", **_AB),
    example("torch.where(torch.logical_and(a > 0, b > 0), a, torch.where(torch.logical_or(a > 1, b < 0), b, a * b))"
            " + torch.logical_not(a > b) * a", **_AB),
    example("a.gt(b) * a + a.ge(b) * b + a.lt(b) * a + a.le(b) * b + a.eq(b) * a + a.ne(b) * b"
            " + a.__gt__(b) * a + a.__ge__(b) * b + a.__lt__(b) * a + a.__le__(b) * b + a.__eq__(b) * a"
            " + a.__ne__(b) * b", **_AB),
    example("(a > 0).logical_and(b > 0) * a + (a > 0).logical_or(b > 0) * b + (a > 0).logical_not() * a"
            " + (a > 0).__and__(b > 0) * b + (a > 0).__or__(b > 0) * a + (a > 0).__invert__() * b", **_AB),
])
