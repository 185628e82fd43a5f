"""How generated values are named: the one place that makes names.

A computed value is named after the user's variable when it has one, else by a *stem* saying what
it holds (`sig`, `total`, `picked`). Derivatives are named from the value they differentiate: the
adjoint (cotangent) of `x` is `dx`, its tangent `x_dot`, a Jacobian block `jac_w`, a Hessian
block `hess_w` (`hess_w_b` off the diagonal). A `Namer` makes each name unique (`h`, `h1`, `h2`...)
and keeps clear of Python keywords, builtins and the modules generated code imports.
"""
from __future__ import annotations

import builtins
import keyword
import re

import sympy as sp

#: The stem of a value nothing better describes.
ANONYMOUS = "t"

#: Names generated code reads besides its own: the modules it imports, keywords and builtins.
RESERVED = frozenset({"np", "math", "scipy", "xp"} | set(keyword.kwlist) | set(dir(builtins)))

# the stem of a node by the function computing it, and of a temporary (`exp_z`: what it takes the function of)
_NODE_STEMS = {"exp": "e", "sigmoid": "sig", "tanh": "th", "log": "log", "softplus": "sp", "relu": "r"}
_TEMPORARY_STEMS = {"exp": "exp", "absolute": "abs", "log": "log", "log1p": "log1p", "tanh": "tanh"}


def adjoint(name: str) -> str:
    """The cotangent of `name` in reverse mode: `dx`."""
    return f"d{name}"


def tangent(name: str) -> str:
    """The tangent of `name` in forward mode: `x_dot`."""
    return f"{name}_dot"


def jacobian(name: str) -> str:
    return f"jac_{name}"


def hessian(a: str, b: str) -> str:
    """The Hessian block of parameters `a` and `b`: `hess_w`, or `hess_w_b` off the diagonal."""
    return f"hess_{a}" if a == b else f"hess_{a}_{b}"


def hvp(name: str) -> str:
    return f"hvp_{name}"


def product(a: str, b: str) -> str:
    """A matrix product of two named values (`xw`), else `prod`."""
    return f"{a}{b}" if a.isidentifier() and b.isidentifier() else "prod"


def node_stem(expr: sp.Expr) -> str:
    """The stem of an elementwise node, from the function at its top (`sig` for a sigmoid)."""
    return _NODE_STEMS.get(type(expr).__name__, ANONYMOUS)


def temporary(expr: sp.Expr, subject) -> str:
    """The name of a common subexpression, saying what it holds: `exp_z` (`subject(expr)` names
    the value it is about), `scale` for a number, else `t`."""
    if not any(not s.is_integer for s in expr.free_symbols):
        return "scale"
    stem = _TEMPORARY_STEMS.get(expr.func.__name__.lower()) if isinstance(expr, sp.Function) else None
    return f"{stem}_{subject(expr)}" if stem else ANONYMOUS


def unnamed_dim(owner: str, axis: int) -> str:
    """The placeholder name of a dimension read off an argument (`_x_0`), until it gets a real one."""
    return f"_{owner}_{axis}"


def identifier(text: str) -> str:
    """`text` made a Python identifier (other characters become `_`)."""
    text = re.sub(r"\W", "_", text) or ANONYMOUS
    return text if text.isidentifier() else f"_{text}"


class Namer:
    """Unique identifiers: `stem`, else `stem1`, `stem2`... none of them taken or reserved."""

    def __init__(self, taken=(), reserved=RESERVED):
        self.taken = set(taken) | set(reserved)

    def __call__(self, stem: str) -> str:
        base = identifier(stem)
        name, i = base, 1
        while name in self.taken:
            name, i = f"{base}{i}", i + 1
        self.taken.add(name)
        return name
