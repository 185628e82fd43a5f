"""Scalar primitives as SymPy functions that carry their own derivative.

Elementwise array code is a scalar SymPy expression applied with numpy broadcasting; SymPy
differentiates it. These primitives keep the calculus in stable terms (softplus' = sigmoid,
never exp(z)/(1+exp(z))) and follow torch's conventions at kinks (relu'(0) = 0). How each one is
computed in numpy is the emitter's business (see `optimize.expand_primitives`).
"""
from __future__ import annotations

import sympy as sp


class _Real(sp.Function):
    """A real-valued function of real arguments."""

    def _eval_is_real(self):
        return all(arg.is_real for arg in self.args)


class sigmoid(_Real):
    """1 / (1 + exp(-x))."""

    def fdiff(self, argindex=1):
        s = sigmoid(self.args[0])
        return s * (1 - s)

    def _eval_is_positive(self):
        return self.args[0].is_real


class softplus(_Real):
    """log(1 + exp(x))."""

    def fdiff(self, argindex=1):
        return sigmoid(self.args[0])

    def _eval_is_positive(self):
        return self.args[0].is_real


class log1p(_Real):
    """log(1 + x), accurate for small x."""

    def fdiff(self, argindex=1):
        return 1 / (1 + self.args[0])


class step(_Real):
    """1 where x > 0, else 0: the derivative of relu, 0 at the kink as in torch."""

    def fdiff(self, argindex=1):
        return sp.S.Zero


class half_step(_Real):
    """1 where x > 0, 1/2 at 0, else 0: the derivative of maximum, which splits ties as torch does."""

    def fdiff(self, argindex=1):
        return sp.S.Zero


class signum(_Real):
    """-1, 0 or 1: the derivative of absolute (0 at 0, as in torch)."""

    def fdiff(self, argindex=1):
        return sp.S.Zero


class absolute(_Real):
    """|x| for real x (SymPy's Abs differentiates as if x could be complex)."""

    def fdiff(self, argindex=1):
        return signum(self.args[0])


class maximum(_Real):
    """numpy.maximum: SymPy's Max insists on comparing its arguments, which fails for symbols of
    unknown sign such as a log-sum-exp."""

    def fdiff(self, argindex=1):
        a, b = self.args
        return half_step(a - b) if argindex == 1 else half_step(b - a)


class minimum(_Real):
    """numpy.minimum."""

    def fdiff(self, argindex=1):
        a, b = self.args
        return half_step(b - a) if argindex == 1 else half_step(a - b)


class relu(_Real):
    """max(x, 0)."""

    def fdiff(self, argindex=1):
        return step(self.args[0])


class stop_gradient(_Real):
    """x, treated as a constant by differentiation (`detach`, `no_grad`)."""

    def fdiff(self, argindex=1):
        return sp.S.Zero


class inf_at_zero(_Real):
    """x, but infinite where x == 0: dividing by it gives 0 there (torch's subgradient of a norm at
    0). Its lowering reads x twice."""

    def fdiff(self, argindex=1):
        return sp.S.One


class equal(_Real):
    """1 where a == b, else 0, in a's dtype (a mask: where a reduction attains its maximum). Its
    lowering reads a twice."""

    def fdiff(self, argindex=1):
        return sp.S.Zero


class nonnegative(_Real):
    """1 where x >= 0, else 0 (a boolean mask); only produced when lowering, never differentiated."""


#: SymPy's own forms of these functions, which it creates while simplifying (sqrt(u**2) is Abs(u))
#: and which differentiate as if their arguments could be complex.
_SYMPY_FORMS = {sp.Abs: absolute, sp.sign: signum, sp.Max: maximum, sp.Min: minimum}


def real_forms(expr: sp.Expr) -> sp.Expr:
    """`expr` with SymPy's Abs, sign, Max and Min replaced by symdiff's real-valued functions."""
    if not expr.has(*_SYMPY_FORMS):
        return expr
    return expr.replace(lambda e: type(e) in _SYMPY_FORMS, lambda e: _SYMPY_FORMS[type(e)](*e.args))
