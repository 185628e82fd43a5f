"""Elementwise functions, one row each: numpy's name, the SymPy function, the domain the op test
draws inputs from, and spellings beyond `numpy.<name>`, `torch.<name>` and the `.<name>()` method.
SymPy gives their derivatives; `NUMPY_FUNCTIONS` is how the emitter spells them.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import sympy as sp

from . import EXAMPLES, array, constant, defop, example, register
from .. import scalar as S
from ..errors import UnsupportedSyntaxError
from ..ir import elementwise
from ..scalar import absolute, log1p, relu, sigmoid, softplus, stop_gradient


@dataclass(frozen=True)
class Unary:
    numpy: str | None  # numpy's function (None: composed of others)
    fn: object  # the SymPy function
    domain: str = "real"
    torch: str | None = ""  # torch's name: "" for numpy's, None for none
    spellings: tuple = ()
    array_api: bool = True  # whether the Array API standard has it

    @property
    def names(self) -> tuple:
        names = [f"numpy.{self.numpy}"] if self.numpy else []
        torch = self.numpy if self.torch == "" else self.torch
        if torch:
            names += [f"torch.{torch}", f"method.{torch}"]
        return tuple(names) + self.spellings


def _aliases(numpy: str) -> tuple:
    """numpy's name in torch, where it is an alias of torch's own (`torch.arcsin` of `torch.asin`)."""
    return (f"torch.{numpy}", f"method.{numpy}")


UNARY = (
    Unary("exp", sp.exp),
    Unary("log", sp.log, "positive"),
    Unary("log1p", log1p, "positive"),
    Unary("sqrt", sp.sqrt, "positive"),
    Unary("tanh", sp.tanh, spellings=("torch.nn.functional.tanh",)),
    Unary("abs", absolute, spellings=("numpy.absolute", "torch.absolute", "builtins.abs", "method.__abs__")),
    Unary("sin", sp.sin),
    Unary("cos", sp.cos),
    Unary("tan", sp.tan, "unit"),
    Unary("arcsin", sp.asin, "unit", torch="asin", spellings=_aliases("arcsin")),
    Unary("arccos", sp.acos, "unit", torch="acos", spellings=_aliases("arccos")),
    Unary("arctan", sp.atan, torch="atan", spellings=_aliases("arctan")),
    Unary("sinh", sp.sinh),
    Unary("cosh", sp.cosh),
    Unary("arcsinh", sp.asinh, torch="asinh", spellings=_aliases("arcsinh")),
    Unary("arccosh", sp.acosh, "above1", torch="acosh", spellings=_aliases("arccosh")),
    Unary("arctanh", sp.atanh, "unit", torch="atanh", spellings=_aliases("arctanh")),
    Unary("expm1", S.expm1, spellings=("torch.special.expm1",)),
    Unary("exp2", S.exp2, spellings=("torch.special.exp2",), array_api=False),
    Unary("log2", S.log2, "positive"),
    Unary("log10", S.log10, "positive"),
    Unary("cbrt", S.cbrt, torch=None, array_api=False),
    Unary("reciprocal", lambda u: 1 / u, "positive"),
    Unary(None, sp.erf, torch="erf", spellings=("torch.special.erf", "scipy.special.erf")),
    Unary(None, S.gammaln, "positive", torch="lgamma", spellings=("scipy.special.gammaln", "torch.special.gammaln"),
          array_api=False),
    Unary(None, S.digamma, "positive", torch="digamma", array_api=False,
          spellings=("scipy.special.digamma", "scipy.special.psi", "torch.special.digamma", "torch.special.psi")),
    Unary("sign", S.signum),
    Unary("floor", S.floor),
    Unary("ceil", S.ceil),
    Unary("rint", S.rint, torch="round", spellings=("numpy.round", "numpy.around")),
    Unary("trunc", S.trunc, spellings=("numpy.fix", "torch.fix")),
    Unary(None, sigmoid, torch="sigmoid", spellings=("symdiff.functional.sigmoid", "torch.nn.functional.sigmoid",
                                                      "scipy.special.expit", "torch.special.expit")),
    Unary(None, S.logit, "probability", torch="logit",
          spellings=("scipy.special.logit", "torch.special.logit")),
    Unary(None, relu, torch="relu", spellings=("symdiff.functional.relu",)),
    Unary(None, softplus, torch=None, spellings=("symdiff.functional.softplus",)),
    Unary(None, lambda u: -softplus(-u), torch=None,
          spellings=("symdiff.functional.logsigmoid", "torch.nn.functional.logsigmoid")),
)

#: How the emitter spells each SymPy function: numpy's name, or a dotted path outside numpy.
NUMPY_FUNCTIONS = {
    **{row.fn: row.numpy for row in UNARY if row.numpy and isinstance(row.fn, sp.FunctionClass)},
    sp.erf: "scipy.special.erf",
    sp.atan2: "arctan2",
    S.logaddexp: "logaddexp",
    S.logaddexp2: "logaddexp2",
    S.hypot: "hypot",
    S.clip: "clip",
    S.hardtanh: "clip",
    S.xlogy: "scipy.special.xlogy",
    S.gammaln: "scipy.special.gammaln",
    S.digamma: "scipy.special.psi",
    S.hurwitz_zeta: "scipy.special.zeta",
    S.betaln: "scipy.special.betaln",
    S.clip_below: "maximum",
    S.clip_above: "minimum",
}


def _unary(fn):
    def impl(graph, input):
        return array(graph, input, "the argument").apply(fn)

    return impl


def _examples(row: Unary):
    """The op test's calls of a row: its first numpy, torch and method spellings."""
    spelled = {"numpy": "np.{}(a)", "torch": "torch.{}(a)", "method": "a.{}()", "symdiff": "{}(a)",
               "scipy": "{}(a)"}
    out = []
    for name in row.names:
        root, _, fn = name.partition(".")
        if root in spelled and not fn.startswith("__") and root != "builtins":
            expr = spelled[root].format(fn if root in ("numpy", "torch", "method") else name)
            out.append(example(expr, row.domain, second_order=True, array_api=row.array_api, a=(3, 4)))
    return out


for _row in UNARY:
    register(_unary(_row.fn), *_row.names)
    EXAMPLES.extend(_examples(_row))
EXAMPLES.extend([  # other ranks
    example("np.sin(a) * np.arctan(a) + np.cosh(a) / np.exp2(a) + np.floor(a) * np.cbrt(a) + np.expm1(a)", a=(5,),
            array_api=False),
    example("np.tan(a) * np.arcsin(a) + np.arctanh(a) - np.log10(a + 1) + np.rint(3 * a) * a", "unit", a=(2, 3, 4)),
    example("torch.asinh(a) * torch.erf(a) + torch.sign(a) * a + a.trunc() + a.ceil()", array_api=False, a=()),
])


# -- functions of two arrays --------------------------------------------------------------------

BINARY = {
    sp.atan2: ("numpy.arctan2", "torch.atan2", "torch.arctan2", "method.atan2", "method.arctan2"),
    S.logaddexp: ("numpy.logaddexp", "torch.logaddexp", "method.logaddexp"),
    S.logaddexp2: ("numpy.logaddexp2", "torch.logaddexp2", "method.logaddexp2"),
    S.hypot: ("numpy.hypot", "torch.hypot", "method.hypot"),
    S.betaln: ("scipy.special.betaln",),
}


def _binary(fn):
    def impl(graph, input, other):
        a, b = array(graph, input, "the first argument"), array(graph, other, "the second argument")
        return elementwise(fn, a, b, label=f"{fn.__name__}({a.label}, {b.label})")

    return impl


for _fn, _names in BINARY.items():
    register(_binary(_fn), *_names)


def clip(graph, x, lo, hi):
    """x clamped to [lo, hi] (either bound may be None), with torch's gradient: 1 where
    lo <= x <= hi, boundaries included."""
    x = array(graph, x, "the array")
    lo, hi = (None if b in (-math.inf, math.inf) else b for b in (lo, hi))  # an infinite bound bounds nothing
    if lo is None and hi is None:
        raise UnsupportedSyntaxError("clip needs a lower or an upper bound; both are None",
                                     location=graph.location, hint="Give `min` or `max` (or drop the clip).")
    bounds = [array(graph, b, "the bound") for b in (lo, hi) if b is not None]
    fn = S.clip if len(bounds) == 2 else S.clip_below if hi is None else S.clip_above
    return elementwise(fn, x, *bounds, label=f"clip({x.label})")


@defop("numpy.clip")
def numpy_clip(graph, a, a_min=None, a_max=None, out=None, *, min=None, max=None):
    constant(graph, out, "`out`", allowed=(None,))
    return clip(graph, a, a_min if min is None else min, a_max if max is None else max)


@defop("torch.clamp", "torch.clip", "method.clamp", "method.clip")
def torch_clamp(graph, input, min=None, max=None):
    return clip(graph, input, min, max)


EXAMPLES.extend([
    example("np.arctan2(a, b) + np.logaddexp(a, b) + np.hypot(a, b)", second_order=True, a=(3, 4), b=(3, 4)),
    example("np.arctan2(a, b) + np.logaddexp(a, 1.5) + np.hypot(a, b)", a=(3, 4), b=(4,)),
    example("np.logaddexp2(a, b) + np.logaddexp2(2, b)", second_order=True, a=(3, 4), b=(4,)),
    example("torch.atan2(a, b) + torch.arctan2(a, b) + torch.logaddexp(a, b) + torch.hypot(a, b)", a=(2, 3),
            b=(2, 3)),
    example("a.atan2(b) + a.arctan2(b) + a.logaddexp(b) + a.hypot(b)", a=(3,), b=(3,)),
    example("torch.logaddexp2(a, b) + a.logaddexp2(b)", a=(3,), b=(3,)),
    example("scipy.special.betaln(a, b) + scipy.special.betaln(a, 2.5)", "positive", second_order=True,
            array_api=False, a=(3, 4), b=(4,)),
    example("np.clip(a, -0.5, 0.8) + np.clip(a, None, 0.3) + np.clip(a, -0.2, None) + np.clip(a, min=-1, max=1)"
            " + a.clip(-0.5, 0.5) + a.clip(max=0.1)", second_order=True, a=(3, 4)),
    example("np.clip(a, b, b + c * c)", a=(3, 4), b=(4,), c=(3, 1)),
    example("torch.clamp(a, -0.5, 0.8) + torch.clip(a, max=0.3) + a.clamp(min=-0.2) + a.clip(-1, 1)"
            " + torch.clamp(a, 0.1, float('inf'))", a=(3, 4)),
    example("np.clip(a, -math.inf, 0.2) + np.clip(a, 0.1, np.inf)", a=(3, 4)),
    example("torch.clamp(a, min=b, max=b + c * c)", a=(2, 3), b=(2, 3), c=(2, 3)),
])


# -- the normal distribution -------------------------------------------------------------------


def _standardized(graph, x, loc, scale):
    x, loc, scale = (array(graph, v, what) for v, what in ((x, "`x`"), (loc, "`loc`"), (scale, "`scale`")))
    return (x - loc) / scale, scale


@defop("scipy.stats.norm.logpdf")
def norm_logpdf(graph, x, loc=0, scale=1):
    z, scale = _standardized(graph, x, loc, scale)
    return -z * z / 2 - scale.apply(sp.log) - sp.log(2 * sp.pi) / 2


@defop("scipy.stats.norm.pdf")
def norm_pdf(graph, x, loc=0, scale=1):
    z, scale = _standardized(graph, x, loc, scale)
    return (-z * z / 2).apply(sp.exp) / (scale * sp.sqrt(2 * sp.pi))


@defop("scipy.stats.norm.cdf")
def norm_cdf(graph, x, loc=0, scale=1):
    z, _ = _standardized(graph, x, loc, scale)
    return ((z / sp.sqrt(2)).apply(sp.erf) + 1) / 2


EXAMPLES.extend([
    example("scipy.stats.norm.logpdf(a) + scipy.stats.norm.pdf(a)", second_order=True, a=(3, 4)),
    example("scipy.stats.norm.logpdf(a, b, c) + scipy.stats.norm.pdf(a, loc=b, scale=c)", domain="positive",
            a=(3, 4), b=(4,), c=(3, 1)),
    example("scipy.stats.norm.cdf(a) + scipy.stats.norm.cdf(a, b, scale=c)", second_order=True,
            domain="positive", a=(3, 4), b=(4,), c=(3, 1)),
])


@defop("symdiff.stop_gradient", "symdiff.functional.stop_gradient", "method.detach", "torch.detach")
def stop_gradient_op(graph, x):
    return array(graph, x, "the argument").apply(stop_gradient)


@defop("torch.nn.functional.relu")
def torch_relu(graph, input, inplace=False):
    return array(graph, input, "`input`").apply(relu)


@defop("torch.nn.functional.softplus")
def torch_softplus(graph, input, beta=1, threshold=20):
    """log(1 + exp(beta*x))/beta; torch's linear branch above `threshold` differs by under 1e-8."""
    x = array(graph, input, "`input`")
    beta = constant(graph, beta, "`beta`")
    return x.apply(softplus) if beta == 1 else (x * beta).apply(softplus) / beta


EXAMPLES.extend([
    example("abs(a) + symdiff.stop_gradient(b) * a + sf.stop_gradient(b) * a", wrt=("a",), a=(3, 4), b=(3, 4)),
    example("torch.detach(b) * a + b.detach() * a", wrt=("a",), a=(3, 4), b=(3, 4)),
    example("F.relu(a) + F.softplus(a) + F.softplus(a, beta=2)", a=(3, 4)),
])
