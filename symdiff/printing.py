"""Readable math for derivations: `x.T @ ((sigmoid(x @ w + b) - y)/(K*N))`."""
from __future__ import annotations

import sympy as sp
from sympy.printing.precedence import PRECEDENCE
from sympy.printing.str import StrPrinter

from .primitives import MatMul
from .scalar import log1p


def ordered_terms(expr: sp.Expr) -> list[tuple[sp.Expr, bool]]:
    """An Add's terms in the order a reader expects, each with whether it is subtracted.

    Matrix products first (`x @ w + b`), positive terms before negative ones (`sigmoid(z) - y`),
    logarithms last, so that `max(z, 0) - y*z + log1p(e)` keeps float32's small values.
    """
    terms = sorted(
        sp.Add.make_args(expr),
        key=lambda t: (t.has(log1p, sp.log), t.could_extract_minus_sign(), not t.has(MatMul)),
    )
    return [(-t, True) if t.could_extract_minus_sign() else (t, False) for t in terms]


class MathPrinter(StrPrinter):
    """SymPy's str printer with terms in `ordered_terms` order and symbols shown by `names`."""

    def __init__(self, names: dict | None = None):
        super().__init__()
        self.names = names or {}

    def _print_Symbol(self, expr):
        return self.names.get(expr, expr.name)

    def _print_Add(self, expr, order=None):
        out = ""
        for term, negative in ordered_terms(expr):
            text = self.parenthesize(term, PRECEDENCE["Add"])
            if not out:
                out = f"-{text}" if negative else text
            else:
                out += f" - {text}" if negative else f" + {text}"
        return out


def math(expr, names: dict | None = None) -> str:
    return MathPrinter(names).doprint(expr)
