"""What every primitive is built on: the shape rule of elementwise-shaped ops, constants (whose
derivatives are zero) and filling a cotangent to its value's shape, and identities."""
from __future__ import annotations

from .. import pyast as A
from ..ir import ArrayOp, Value, exact
from ..shapes import format_shape


def same_shape(dims, shape, *static):
    return shape


class Constant(ArrayOp):
    """An array whose value does not depend on its operands' values (only on their shape and dtype)."""

    def vjp(self, g, ans, *args, needs):
        return (None,) * len(self.operands)

    def jvp(self, dots, ans, *args, nb):
        return None


def full(g: Value, like: Value) -> Value:
    """`g` broadcast to exactly the shape of `like` (a constant fills an array of `like`'s dtype)."""
    return exact(g, like.shape, like)


def uniform(g: Value) -> bool:
    """Whether a cotangent is one number everywhere: reordering its elements leaves it as it is."""
    return not g.graph.node_symbols(g.expr)


class FullLike(Constant):
    """An array of `like`'s shape and dtype filled with a constant (`np.full_like`)."""

    params = ("value",)

    def rows(self, batched, like):
        return True

    def numpy(self, L, like, value):
        if value == 0:
            return A.call(A.np("zeros_like"), like)
        return A.call(A.np("full_like"), like, L(value))

    shape = staticmethod(same_shape)


class Full(Constant):
    """An array of a given shape filled with a constant, in `like`'s dtype."""

    params = ("shape", "value")

    @staticmethod
    def shape(dims, like, shape, value):
        return tuple(shape)

    def rows(self, batched, like):
        return True

    def numpy(self, L, like, shape, value):
        dtype = A.attr(like, "dtype")
        if value in (0, 1):
            return A.call(A.np("ones" if value else "zeros"), L.shape(shape), dtype=dtype)
        return A.call(A.np("full"), L.shape(shape), L(value), dtype=dtype)

    def _sympystr(self, printer):
        return f"full({format_shape(self.args[1])}, {printer.doprint(self.args[2])})"


class Identity(ArrayOp):
    """The value itself, as a node of its own (a unique `tag` keeps it from being shared): the
    parameter of an inlined transformed function, or a gradient under its own name."""

    params = ("tag",)
    view = True
    numpy = "{x}"
    shape = staticmethod(same_shape)

    def rows(self, batched, x):
        return True

    def vjp(self, g, ans, x, tag, *, needs):
        return (g,)

    def jvp(self, dots, ans, x, tag, *, nb):
        return dots[0]

    def _sympystr(self, printer):
        return printer.doprint(self.args[0])


class Copy(Identity):
    """A fresh copy, so that no output aliases an input or another output (the tag, a number, keeps
    two copies of one value apart)."""

    view = False
    numpy = "{x}.copy()"
