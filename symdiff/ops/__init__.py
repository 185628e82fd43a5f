"""The library: every function and operator symdiff understands, by canonical dotted name.

Each entry binds a call exactly as numpy or torch would (its signature) and builds the IR with
numpy-like `Value`s: from elementwise SymPy expressions (differentiated by SymPy) and from the array
primitives of `symdiff.primitives` (which carry their own rules). The entries live in the family
modules below, each op in one definition; `examples` are the calls the op test runs for each.
"""
from __future__ import annotations

import inspect
from dataclasses import dataclass, field
from typing import Callable

import sympy as sp

from ..errors import ShapeError, UnsupportedSyntaxError
from ..ir import Value, normalize_axes
from ..scalar import mask


@dataclass(frozen=True)
class Op:
    name: str
    impl: Callable
    signature: inspect.Signature

    def __call__(self, graph, args, kwargs):
        try:
            bound = self.signature.bind(*args, **kwargs)
        except TypeError as exc:
            raise UnsupportedSyntaxError(
                f"bad arguments to `{self.name}`: {exc}",
                location=graph.location,
                hint=f"`{self.name}` takes {self.signature}.",
            ) from None
        bound.apply_defaults()
        if any(p.kind is p.VAR_POSITIONAL for p in inspect.signature(self.impl).parameters.values()):
            return self.impl(graph, *bound.args, **bound.kwargs)  # `def impl(graph, self, *shape)`
        return self.impl(graph, **bound.arguments)


OPS: dict[str, Op] = {}


def register(impl: Callable, *names: str, like: Callable | None = None) -> Callable:
    """Register `impl(graph, ...)` under `names`, binding calls with `like`'s signature (or impl's)."""
    signature = inspect.signature(like or impl)
    if like is None:
        signature = signature.replace(parameters=list(signature.parameters.values())[1:])
    for name in names:
        OPS[name] = Op(name, impl, signature)
    return impl


def defop(*names: str, like: Callable | None = None, examples=()):
    """Decorate `impl(graph, ...)` to register it under `names`, with the `examples` the op test runs."""
    EXAMPLES.extend(examples)
    return lambda impl: register(impl, *names, like=like)


@dataclass(frozen=True)
class Example:
    """A call the op test (tests/test_every_op.py) compiles and checks against numpy, torch and
    finite differences: `expr` over arguments of the given shapes, e.g.
    `Example("np.cumsum(a, axis=1)", {"a": (3, 4)})`.

    `domain` is where float inputs are drawn: "real" (normal), "positive" (0.5 to 2), "unit"
    (-0.9 to 0.9), "above1" (1.5 to 3), "probability" (0.05 to 0.95) or "spd" (symmetric positive
    definite matrices). `integers` gives, for index arguments, the exclusive upper bound of their
    values. `wrt` names the arguments to differentiate (default: every float one). `second_order`
    also checks the Hessian-vector product. `array_api=False` declares an op whose code needs numpy
    (the test checks that other libraries' arrays are refused clearly).
    """

    expr: str
    shapes: dict
    domain: str = "real"
    integers: dict = field(default_factory=dict)
    wrt: tuple = ()
    second_order: bool = False
    array_api: bool = True


def example(expr: str, domain: str = "real", integers: dict | None = None, wrt: tuple = (),
            second_order: bool = False, array_api: bool = True, **shapes) -> Example:
    return Example(expr, shapes, domain, integers or {}, tuple(wrt), second_order, array_api)


EXAMPLES: list[Example] = []

#: Names symdiff knows and refuses (each with its reason), so that no example can reach them.
REFUSED: set[str] = set()


def refuse(*names: str, message: str, hint: str) -> None:
    """Register `names` as calls refused with `message` and `hint` (rather than unknown)."""
    def impl(graph, *args, **kwargs):
        raise UnsupportedSyntaxError(message, location=graph.location, hint=hint)

    for name in names:
        OPS[name] = Op(name, impl, inspect.signature(lambda *args, **kwargs: None))
    REFUSED.update(names)


@dataclass(frozen=True, eq=False)
class Bound:
    """A library function as a value (`act=np.tanh`), with keyword options bound (a loss module's)."""

    op: str
    keywords: dict = field(default_factory=dict)


@dataclass(frozen=True)
class DType:
    """A dtype named in the source (`np.float32`, `torch.bool`, `bool`, `x.dtype` as "same")."""

    name: str

    def __repr__(self):
        return f"the dtype {self.name}"

    @property
    def kind(self) -> str:
        """"bool", "int" or "float" ("same", an array's own dtype, is a float's)."""
        return "bool" if self.name.startswith("bool") else "int" if self.name.startswith(("int", "long")) else "float"


@dataclass(frozen=True)
class Unavailable:
    """A result symdiff does not compute (the indices of `torch.max(x, dim)`): refused where used."""

    message: str
    hint: str


def array(graph, value, what: str) -> Value:
    """`value` as an array operand: numbers and dimensions (`x.shape[0]`, a SymPy expression of
    dimension symbols) become constants, masks 0 and 1, lists holding arrays of one shape their
    stack (as `np.array`); anything else is refused."""
    if isinstance(value, Unavailable):
        raise UnsupportedSyntaxError(value.message, location=graph.location, hint=value.hint)
    if isinstance(value, Value):
        return value.apply(mask, label=value.label) if value.is_mask else value
    if isinstance(value, (int, float, sp.Expr)) and not isinstance(value, bool):
        return graph.const(value)
    if isinstance(value, (list, tuple)) and _holds_array(value):  # numpy reads it as np.array(value)
        from .joining import np_array
        try:
            return np_array(graph, value)
        except ShapeError:  # arrays of different shapes (a parameter tree): refused as a container
            pass
    if isinstance(value, (list, tuple, dict)):
        raise UnsupportedSyntaxError(
            f"{what} must be an array or a number, not a {type(value).__name__} of {len(value)} items",
            location=graph.location,
            hint="Index or unpack it (`params[0]`, `W, b = params`), or stack it (`np.stack(...)`).")
    raise UnsupportedSyntaxError(
        f"{what} must be an array or a number, not {value!r}", location=graph.location
    )


def _holds_array(value) -> bool:
    return isinstance(value, Value) or isinstance(value, (tuple, list)) and any(_holds_array(v) for v in value)


def number(graph, value, what: str):
    """A constant number parameter (`alpha=1.0`), integral floats as integers so that the formula
    reads `x`, not `1.0*x`."""
    value = constant(graph, value, what)
    if not isinstance(value, (int, float)) or isinstance(value, bool):
        raise UnsupportedSyntaxError(f"{what} must be a number, not {value!r}", location=graph.location)
    return int(value) if float(value).is_integer() else value


def constant(graph, value, what: str, allowed=None):
    """`value` as a compile-time constant (an axis, a reduction...)."""
    if _holds_array(value) or (allowed is not None and value not in allowed):
        expected = "a constant" if allowed is None else " or ".join(repr(a) for a in allowed)
        raise UnsupportedSyntaxError(f"{what} must be {expected}", location=graph.location,
                                     hint="Write it in the source as numbers, strings or tuples of them.")
    return value


def size(graph, value, what: str) -> sp.Expr:
    """A size argument: a non-negative int or a dimension expression (`2*N`)."""
    if isinstance(value, sp.Expr) and value.is_integer:
        return value
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return sp.Integer(value)
    raise UnsupportedSyntaxError(f"{what} must be a non-negative integer, not {value!r}", location=graph.location,
                                 hint="Give sizes as constant integers or dimensions of the inputs.")


def sizes(graph, args: tuple, what: str, inferred: bool = False) -> tuple:
    """A shape given as `(2, 3)`, `[2, 3]`, `2, 3` or `2`, as sizes (-1 kept where `inferred` allows it)."""
    if len(args) == 1 and isinstance(args[0], (tuple, list)):
        args = tuple(args[0])
    if inferred and list(args).count(-1) > 1:
        raise graph.shape_error(f"{what}: only one size can be -1", hint="Give every size but one.")
    return tuple(-1 if inferred and a == -1 and not isinstance(a, sp.Expr) else size(graph, a, what) for a in args)


def one_axis(graph, axis, ndim: int, what: str = "the axis") -> int:
    """A constant single axis, non-negative."""
    axis = constant(graph, axis, what)
    if not isinstance(axis, int) or isinstance(axis, bool):
        raise graph.shape_error(f"{what} must be one integer, not {axis!r}", hint="e.g. 0 or -1.")
    return normalize_axes(graph, axis, ndim)[0]


def constant_axes(graph, axis, ndim: int) -> tuple:
    """Constant axes (None, an int or a tuple) as sorted non-negative ints."""
    return normalize_axes(graph, constant(graph, axis, "the axis"), ndim)


def axis_list(graph, axis, ndim: int) -> list:
    """Axes in the order given (not sorted: moveaxis pairs them)."""
    axes = constant(graph, axis, "the axes")
    axes = list(axes) if isinstance(axes, (tuple, list)) else [axes]
    normalize_axes(graph, tuple(axes), ndim)  # checks range and repeats
    return [a % ndim for a in axes]


from . import (  # noqa: E402,F401  (they register)
    arithmetic, elementwise, masks, activations, axes, reductions, norms, softmax, losses, linalg, reshaping,
    joining, reordering, diagonals, products, constants, gathers, numbers, normalization, modules, splits,
    distributions, polynomials, dtypes, sorting,
)
