"""Scalar primitives as SymPy functions that carry their own derivative.

Elementwise array code is a scalar SymPy expression applied with numpy broadcasting; SymPy
differentiates it. These primitives keep the calculus in stable terms (softplus' = sigmoid,
never exp(z)/(1+exp(z))) and follow torch's conventions at kinks (relu'(0) = 0). How each one is
computed in numpy is the emitter's business (see `stable.expand`).
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


class _Flat(_Real):
    """A piecewise-constant function: derivative 0 (torch's convention at its jumps too)."""

    def fdiff(self, argindex=1):
        return sp.S.Zero


class step(_Flat):
    """1 where x > 0, else 0: the derivative of relu, 0 at the kink as in torch."""


class half_step(_Flat):
    """1 where x > 0, 1/2 at 0, else 0: the derivative of maximum, which splits ties as torch does."""


class signum(_Flat):
    """-1, 0 or 1: the derivative of absolute (0 at 0, as in torch)."""


class floor(_Flat):
    """numpy.floor."""


class ceil(_Flat):
    """numpy.ceil."""


class rint(_Flat):
    """numpy.rint: to the nearest integer, halves to even (numpy.round, torch.round)."""


class trunc(_Flat):
    """numpy.trunc: towards zero."""


class mask(_Real):
    """1 where the condition (a SymPy relational or a combination of them) holds, else 0: a boolean
    mask used as a number. Its derivative is 0."""

    @classmethod
    def eval(cls, condition):
        if condition in (sp.true, sp.false):
            return sp.S.One if condition == sp.true else sp.S.Zero

    def _eval_derivative(self, s):
        return sp.S.Zero

    def _eval_power(self, exponent):
        if exponent.is_positive:
            return self

    def _eval_is_real(self):
        return True

    def _eval_is_nonnegative(self):
        return True


class logit(_Real):
    """log(p / (1 - p)), the inverse of sigmoid."""

    def fdiff(self, argindex=1):
        p = self.args[0]
        return 1 / (p * (1 - p))


class expm1(_Real):
    """exp(x) - 1, accurate for small x."""

    def fdiff(self, argindex=1):
        return sp.exp(self.args[0])


class exp2(_Real):
    """2**x."""

    def fdiff(self, argindex=1):
        return sp.log(2) * self


class log2(_Real):
    """The base-2 logarithm."""

    def fdiff(self, argindex=1):
        return 1 / (sp.log(2) * self.args[0])


class log10(_Real):
    """The base-10 logarithm."""

    def fdiff(self, argindex=1):
        return 1 / (sp.log(10) * self.args[0])


class cbrt(_Real):
    """The real cube root, negative for negative x (SymPy's x**(1/3) is complex there)."""

    def fdiff(self, argindex=1):
        return 1 / (3 * cbrt(self.args[0]) ** 2)


class logaddexp(_Real):
    """log(exp(a) + exp(b)), without overflow; the partials are the softmax weights of a and b."""

    def fdiff(self, argindex=1):
        a, b = self.args
        return sigmoid(a - b) if argindex == 1 else sigmoid(b - a)


class logaddexp2(_Real):
    """log2(2**a + 2**b), without overflow."""

    def fdiff(self, argindex=1):
        a, b = self.args
        return sigmoid(sp.log(2) * (a - b)) if argindex == 1 else sigmoid(sp.log(2) * (b - a))


class hypot(_Real):
    """sqrt(a**2 + b**2), without overflow."""

    def fdiff(self, argindex=1):
        return self.args[argindex - 1] / self


class clip(_Real):
    """x clamped to [lo, hi]: the gradient passes where lo <= x <= hi, boundaries included (torch's
    clamp); below lo it goes to lo, above hi to hi."""

    def fdiff(self, argindex=1):
        x, lo, hi = self.args
        inside = (sp.And(x >= lo, x <= hi), x < lo, x > hi)[argindex - 1]
        return mask(inside)


class hardtanh(_Real):
    """x clamped to [lo, hi] with torch's hardtanh gradient: 1 strictly inside, 0 at the bounds."""

    def fdiff(self, argindex=1):
        x, lo, hi = self.args
        return mask(sp.And(x > lo, x < hi))


class xlogy(_Real):
    """x * log(y), 0 where x = 0 (scipy.special.xlogy): the entropy terms of kl_div."""

    def fdiff(self, argindex=1):
        x, y = self.args
        return sp.log(y) if argindex == 1 else x / y


class gammaln(_Real):
    """log|Gamma(x)| (scipy.special.gammaln, torch.lgamma)."""

    def fdiff(self, argindex=1):
        return digamma(self.args[0])


class digamma(_Real):
    """d/dx log Gamma(x) (scipy.special.psi)."""

    def fdiff(self, argindex=1):
        return hurwitz_zeta(2, self.args[0])


class hurwitz_zeta(_Real):
    """sum over k >= 0 of (x + k)**-s for a constant integer s > 1 (scipy.special.zeta): the
    derivatives of digamma, psi^(n)(x) = (-1)**(n+1) n! zeta(n+1, x)."""

    def fdiff(self, argindex=2):
        s, x = self.args
        return -s * hurwitz_zeta(s + 1, x)


class betaln(_Real):
    """log|B(a, b)| (scipy.special.betaln)."""

    def fdiff(self, argindex=1):
        a, b = self.args
        return digamma(self.args[argindex - 1]) - digamma(a + b)


class clip_below(_Real):
    """max(x, lo) with clip's gradient (1 where x >= lo): `clip(x, lo, None)`."""

    def fdiff(self, argindex=1):
        x, lo = self.args
        return mask(x >= lo) if argindex == 1 else mask(x < lo)


class clip_above(_Real):
    """min(x, hi) with clip's gradient (1 where x <= hi): `clip(x, None, hi)`."""

    def fdiff(self, argindex=1):
        x, hi = self.args
        return mask(x <= hi) if argindex == 1 else mask(x > hi)


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


def masked(piecewise: sp.Piecewise) -> sp.Expr:
    """A Piecewise of numbers (the derivative of a `where`) as a sum of masks times the numbers: it
    then multiplies a cotangent in its dtype, where an array of numbers alone would be float64."""
    total, before = sp.S.Zero, sp.false
    for value, condition in piecewise.args:
        total += value * mask(sp.And(condition, sp.Not(before)))
        before = sp.Or(before, condition)
    return total


def real_forms(expr: sp.Expr) -> sp.Expr:
    """`expr` with SymPy's Abs, sign, Max and Min replaced by symdiff's real-valued functions, and
    Piecewises of numbers by masks."""
    if expr.has(sp.Piecewise):
        expr = expr.replace(lambda e: isinstance(e, sp.Piecewise) and all(v.is_number for v, _ in e.args), masked)
    if not expr.has(*_SYMPY_FORMS):
        return expr
    return expr.replace(lambda e: type(e) in _SYMPY_FORMS, lambda e: _SYMPY_FORMS[type(e)](*e.args))
