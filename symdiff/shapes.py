"""Symbolic shapes: dimensions are SymPy expressions of dimension symbols, equalities between them a
union-find.

A shape is a tuple of dimensions, each a SymPy `Integer`, a positive integer `Symbol`, or an
expression of them (`N*D` after a reshape, `N + M` after a concatenation, `N - 1` after a slice).
A symbol may be bound to an expression (a flexible `K` found equal to `N*D`). Dimensions
named by the user (`derive(shapes=...)`, annotations) are *rigid*: two different names are two sizes
that may differ, so numpy broadcasting between them is refused at derive time. Dimensions read off
a call's arguments are *flexible*: they carry the size seen and unify with any dimension of
the same size, or become a literal 1 where numpy would broadcast them.
"""
from __future__ import annotations

import sympy as sp

Shape = tuple


def dim_symbol(name: str) -> sp.Symbol:
    return sp.Symbol(name, integer=True, positive=True)


class Dims:
    """The dimension symbols of one derivation and what is known to be equal."""

    def __init__(self):
        self._parent: dict[sp.Symbol, sp.Expr] = {}
        self._seen: dict[sp.Symbol, int] = {}
        self._flexible: set[sp.Symbol] = set()
        self._order: dict[sp.Symbol, int] = {}

    def symbol(self, name: str, *, seen: int | None = None, flexible: bool = False) -> sp.Symbol:
        """The dimension called `name` (the same symbol for the same name), of the size `seen` if known."""
        sym = dim_symbol(name)
        if sym not in self._order:
            self._order[sym] = len(self._order)
            if seen is not None:
                self._seen[sym] = seen
            if flexible:
                self._flexible.add(sym)
        return sym

    def rename(self, dim: sp.Symbol, name: str) -> sp.Symbol:
        """Give the representative `dim` a new name (graphs pick it up with `Graph.resolve_dims`)."""
        new = dim_symbol(name)
        self._order[new] = self._order[dim]
        if dim in self._seen:
            self._seen[new] = self._seen[dim]
        if dim in self._flexible:
            self._flexible.add(new)
        self._parent[dim] = new
        return new

    def find(self, dim) -> sp.Expr:
        """The representative of a dimension: a symbol's binding, followed; in an expression, each
        symbol's."""
        dim = sp.sympify(dim)
        while dim in self._parent:
            dim = self._parent[dim]
        if dim.is_Symbol or dim.is_Integer:
            return dim
        subs = {s: self.find(s) for s in dim.free_symbols if s in self._parent}
        return sp.expand(dim.xreplace(subs)) if subs else dim

    def resolve(self, shape: Shape) -> Shape:
        return tuple(self.find(d) for d in shape)

    def substitution(self) -> dict:
        """Every unified symbol mapped to its representative (for `xreplace`)."""
        return {s: self.find(s) for s in self._parent}

    def show(self, shape: Shape) -> str:
        """A shape for messages: dimensions by name, the unnamed ones read off a call by their size."""
        shown = []
        for d in self.resolve(shape):
            named = not (d.is_Symbol and d.name.startswith("_") and self.seen(d) is not None)
            shown.append(d if named else self.seen(d))
        return format_shape(tuple(shown))

    def seen(self, dim) -> int | None:
        """The size seen for a dimension at the call it was derived for (None where unknown)."""
        dim = self.find(dim)
        if dim.is_Integer:
            return int(dim)
        if dim.is_Symbol:
            return self._seen.get(dim)
        if not all(s in self._seen for s in dim.free_symbols):
            return None
        value = dim.xreplace({s: self._seen[s] for s in dim.free_symbols})
        return int(value) if value.is_Integer else None

    def _bind(self, sym: sp.Symbol, value: sp.Expr) -> sp.Expr:
        self._parent[sym] = value
        return value

    def equal(self, a, b) -> sp.Expr | None:
        """Unify two dimensions that must be equal; None when they cannot be (sizes that differ, or
        named sizes that may differ: `N` and `M`, `N*D` and `K`)."""
        a, b = self.find(a), self.find(b)
        if a == b or sp.expand(a - b) == 0:
            return a
        if a.is_Integer and b.is_Integer:
            return None
        if not (a.is_Symbol or a.is_Integer) or not (b.is_Symbol or b.is_Integer):
            return self._equal_expression(a, b)
        if a.is_Integer:
            a, b = b, a
        if b.is_Integer:
            if a in self._flexible and self._seen.get(a, int(b)) == int(b):
                return self._bind(a, b)
            return None
        ha, hb = self._seen.get(a), self._seen.get(b)
        if ha is not None and hb is not None and ha != hb:
            return None
        if self._order[a] > self._order[b]:
            a, b = b, a
        if b in self._flexible:
            keep, drop = a, b
        elif a in self._flexible:
            keep, drop = b, a
        else:
            return None
        if keep not in self._seen and drop in self._seen:
            self._seen[keep] = self._seen[drop]
        return self._bind(drop, keep)

    def _equal_expression(self, a, b) -> sp.Expr | None:
        """`a == b` where one side is a compound expression: a flexible symbol is solved for, when it
        appears once with coefficient 1 or -1 (`K := N*D`, `P - 2 == 2` gives `P := 4`, `P - L == L`
        gives `P := 2*L`), and bound when the sizes seen agree; else they cannot be shown equal."""
        difference = sp.expand(a - b)
        alone = {a, b}  # a symbol that is one side is bound to the other first, then the latest
        for sym in sorted(difference.free_symbols & self._flexible, key=lambda s: (s not in alone, -self._order[s])):
            coefficient = difference.coeff(sym)
            rest = sp.expand(difference - coefficient * sym)
            if coefficient not in (1, -1) or sym in rest.free_symbols:
                continue
            expr = -rest * coefficient
            seen, expected = self._seen.get(sym), self.seen(expr)
            if (seen is None or expected is None or seen == expected) and not (expr.is_Integer and expr < 1):
                self._bind(sym, expr)
                return self.find(a)
        return self._equal_parts(a, b, difference)

    def _equal_parts(self, a, b, difference) -> sp.Expr | None:
        """`a == b` where they differ by whole parts (`x[:, :D // 2]` against `x[:, D // 2:]`): each
        flexible size divided with `//` is bound to a multiple of its divisor where its size seen is
        one (see `divide`), then they are unified again; None where none is, with nothing bound."""
        saved = dict(self._parent)
        bound = False
        for part in sorted(difference.atoms(sp.floor), key=sp.default_sort_key):
            numerator, denominator = part.args[0].as_numer_denom()
            if denominator.is_Integer and numerator.is_Symbol:
                bound |= self.divide(numerator, int(denominator)) is not None
        result = self.equal(a, b) if bound else self._equal_products(a, b)
        if result is None:  # a failed equality constrains nothing
            self._parent.clear()
            self._parent.update(saved)
        return result

    def _equal_products(self, a, b) -> sp.Expr | None:
        """`a == b` for products of flexible sizes (`T*B` of one array against `T'*B'` of another,
        flattened): factors are unified pairwise by their sizes seen, where those pair them one way
        only (distinct on each side, the same on both); None otherwise."""
        sides = [sp.Mul.make_args(d) for d in (a, b)]
        if not all(len(f) > 1 and all(x.is_Symbol and x in self._flexible for x in f) for f in sides):
            return None
        seen = [{self._seen.get(x): x for x in f} for f in sides]
        if None in seen[0] or any(len(s) != len(f) for s, f in zip(seen, sides)) or seen[0].keys() != seen[1].keys():
            return None
        for size, x in seen[0].items():
            self.equal(x, seen[1][size])
        return self.find(a) if sp.expand(self.find(a) - self.find(b)) == 0 else None

    def divide(self, d, k: int) -> sp.Expr | None:
        """`d / k` as a dimension, where it is whole: a multiple of `k`, or a flexible symbol whose size
        seen is one, then bound to `k` times a new flexible symbol (`N := 3*M`, which the shape checks
        verify); None otherwise."""
        d = self.find(d)
        quotient = sp.expand(d / k)
        if all(c.is_Integer for c in sp.Poly(quotient, *quotient.free_symbols).coeffs()) if quotient.free_symbols \
                else quotient.is_Integer:
            return quotient
        seen = self._seen.get(d)
        if d.is_Symbol and d in self._flexible and seen is not None and seen % k == 0:
            part = self.symbol(f"{d.name}_{k}", seen=seen // k, flexible=True)
            self._bind(d, k * part)
            return part
        return None

    def broadcast(self, a, b) -> sp.Expr | None:
        """The dimension numpy broadcasting gives for `a` against `b`; None when they are incompatible."""
        a, b = self.find(a), self.find(b)
        if a == b or b == 1:
            return a
        if a == 1:
            return b
        for one, other in ((a, b), (b, a)):
            if one in self._flexible and self._seen.get(one) == 1 and self.seen(other) != 1:
                self._bind(one, sp.Integer(1))
                return other
        return self.equal(a, b)

    def broadcast_shapes(self, *shapes: Shape) -> Shape | None:
        ndim = max((len(s) for s in shapes), default=0)
        out = [sp.Integer(1)] * ndim
        for shape in shapes:
            for i, d in enumerate(shape, start=ndim - len(shape)):
                out[i] = self.broadcast(out[i], d)
                if out[i] is None:
                    return None
        return tuple(out)


def matmul_shape(dims: Dims, a: Shape, b: Shape) -> Shape | None:
    """numpy.matmul's result shape (stacks of matrices broadcast); None when sizes are incompatible."""
    inner_b = b[0] if len(b) == 1 else b[-2]
    if dims.equal(a[-1], inner_b) is None:
        return None
    if len(a) <= 2 and len(b) <= 2:
        return dims.resolve(a[:-1] + b[1:])
    stack = dims.broadcast_shapes(a[:-2], b[:-2])
    if stack is None:
        return None
    rows = a[-2:-1] if len(a) >= 2 else ()
    cols = b[-1:] if len(b) >= 2 else ()
    return dims.resolve(stack + rows + cols)


def size(shape: Shape) -> sp.Expr:
    """The number of elements of a shape."""
    return sp.Mul(*shape)


def format_shape(shape: Shape) -> str:
    """`(N, K)`, `(K,)`, `()`."""
    inner = ", ".join(str(d) for d in shape)
    return f"({inner},)" if len(shape) == 1 else f"({inner})"
