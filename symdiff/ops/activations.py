"""torch's activation functions (torch.nn.functional), with its derivatives at the kinks, and the
numpy versions of the common ones in `symdiff.functional`."""
from __future__ import annotations

import sympy as sp

from . import EXAMPLES, array, constant, defop, example, number, register
from .. import functional
from .. import scalar as S

#: torch.nn.functional.selu's constants
SELU_ALPHA = 1.6732632423543772848170429916717
SELU_SCALE = 1.0507009873554804934193349852946


def _gelu(u, approximate):
    if approximate == "tanh":
        return u / 2 * (1 + sp.tanh(sp.sqrt(2 / sp.pi) * (u + sp.Float(0.044715) * u**3)))
    return u / 2 * (1 + sp.erf(u / sp.sqrt(2)))


def _elu(u, alpha):
    """x where x > 0, else alpha * expm1(x), computed on min(x, 0) so that the branch not taken
    cannot overflow; its derivative at 0 is alpha, as torch's."""
    return sp.Piecewise((u, u > 0), (alpha * S.expm1(S.clip_above(u, 0)), True))


@defop("torch.nn.functional.gelu")
def gelu(graph, input, approximate="none"):
    approximate = constant(graph, approximate, "`approximate`", allowed=("none", "tanh"))
    return array(graph, input, "`input`").apply(lambda u: _gelu(u, approximate), label="gelu")


register(lambda graph, x, approximate: gelu(graph, x, approximate), "symdiff.functional.gelu", like=functional.gelu)


@defop("torch.nn.functional.silu")
def silu(graph, input, inplace=False):
    return array(graph, input, "`input`").apply(lambda u: u * S.sigmoid(u), label="silu")


register(lambda graph, x: silu(graph, x), "symdiff.functional.silu", like=functional.silu)


@defop("torch.nn.functional.elu")
def elu(graph, input, alpha=1.0, inplace=False):
    alpha = number(graph, alpha, "`alpha`")
    return array(graph, input, "`input`").apply(lambda u: _elu(u, alpha), label="elu")


register(lambda graph, x, alpha: elu(graph, x, alpha), "symdiff.functional.elu", like=functional.elu)


@defop("torch.nn.functional.selu")
def selu(graph, input, inplace=False):
    return array(graph, input, "`input`").apply(lambda u: SELU_SCALE * _elu(u, SELU_ALPHA), label="selu")


@defop("torch.nn.functional.leaky_relu")
def leaky_relu(graph, input, negative_slope=0.01, inplace=False):
    slope = number(graph, negative_slope, "`negative_slope`")
    return array(graph, input, "`input`").apply(lambda u: sp.Piecewise((u, u > 0), (slope * u, True)),
                                                 label="leaky_relu")


register(lambda graph, x, negative_slope: leaky_relu(graph, x, negative_slope), "symdiff.functional.leaky_relu",
         like=functional.leaky_relu)


@defop("torch.nn.functional.hardtanh")
def hardtanh(graph, input, min_val=-1.0, max_val=1.0, inplace=False):
    lo, hi = number(graph, min_val, "`min_val`"), number(graph, max_val, "`max_val`")
    return array(graph, input, "`input`").apply(lambda u: S.hardtanh(u, lo, hi), label="hardtanh")


@defop("torch.nn.functional.relu6")
def relu6(graph, input, inplace=False):
    return hardtanh(graph, input, 0, 6)


@defop("torch.nn.functional.softsign")
def softsign(graph, input):
    return array(graph, input, "`input`").apply(lambda u: u / (1 + S.absolute(u)), label="softsign")


@defop("torch.nn.functional.tanhshrink")
def tanhshrink(graph, input):
    return array(graph, input, "`input`").apply(lambda u: u - sp.tanh(u), label="tanhshrink")


EXAMPLES.extend([
    example("F.gelu(a)", second_order=True, array_api=False, a=(3, 4)),  # erf
    example("F.gelu(a, approximate='tanh') + F.silu(a)", second_order=True, a=(3, 4)),
    example("sf.gelu(a) + sf.gelu(a, approximate='tanh')", array_api=False, a=(2, 3, 4)),
    example("sf.silu(a) + sf.elu(a, 0.5) + sf.leaky_relu(a, 0.2) + sf.elu(a) + sf.leaky_relu(a)", a=(2, 3, 4)),
    example("F.elu(a) + F.elu(a, alpha=0.3) + F.selu(a) + F.leaky_relu(a) + F.leaky_relu(a, 0.2)",
            second_order=True, a=(3, 4)),
    example("F.hardtanh(a) + F.hardtanh(a, -0.5, 0.8) + F.relu6(3 * a) + F.softsign(a) + F.tanhshrink(a)",
            second_order=True, a=(3, 4)),
    example("F.softsign(a) * F.tanhshrink(a) + F.gelu(a, approximate='tanh')", a=(5,)),
])
