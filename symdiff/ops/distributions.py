"""Log-densities of scipy.stats distributions beyond the normal.

The multivariate normal, by a solve and a log-determinant (scipy.stats.norm is in `elementwise`)."""
from __future__ import annotations

import sympy as sp

from . import EXAMPLES, array, constant, defop, example
from ..errors import UnsupportedSyntaxError
from .linalg import np_solve, slogdet


@defop("scipy.stats.multivariate_normal.logpdf")
def mvn_logpdf(graph, x, mean=None, cov=1, allow_singular=False):
    """log N(x; mean, cov) of points `x` (d,) or (n, d): cov a (d, d) matrix, a vector (its
    diagonal) or a number (times the identity). scipy reads one triangle of the matrix: the
    derivative is for symmetric perturbations, as those of cholesky and eigh."""
    constant(graph, allow_singular, "`allow_singular`", allowed=(False,))
    x = array(graph, x, "`x`")
    diff = x if mean is None else x - array(graph, mean, "`mean`")
    if diff.ndim not in (1, 2):
        raise graph.shape_error(f"multivariate_normal.logpdf takes points of shape (d,) or (n, d), not "
                                f"{diff.shape_text}", hint="Stack the points as the rows of a 2-D array.")
    d = diff.shape[-1]
    c = array(graph, cov, "`cov`")
    if mean is None and c.ndim < 2:
        raise UnsupportedSyntaxError("multivariate_normal.logpdf without `mean` or a matrix `cov`: scipy then takes "
                                     "points of dimension 1", location=graph.location,
                                     hint="Give the mean (np.zeros(d)) or the covariance, or use scipy.stats.norm.")
    if c.ndim == 2:
        logdet = slogdet(graph, c)[1]
        solved = np_solve(graph, c, diff.T)
        quad = (diff.T * solved).sum(axis=0) if diff.ndim == 2 else diff @ solved
    elif c.ndim <= 1:
        variance = c if c.ndim else c * graph.const(1)
        logdet = variance.apply(sp.log).sum() if c.ndim else d * c.apply(sp.log)
        quad = (diff * diff / variance).sum(axis=diff.ndim - 1)
    else:
        raise graph.shape_error(f"the covariance `{c.label}` of shape {c.shape_text} is not a matrix, a vector or a "
                                "number", hint="Give a (d, d) matrix.")
    return -(quad + logdet + d * sp.log(2 * sp.pi)) / 2


EXAMPLES.extend([
    example("scipy.stats.multivariate_normal.logpdf(x, m, 0.5 * (c + c.T))", domain="spd", x=(3,), m=(3,), c=(3, 3),
            second_order=True),
    example("scipy.stats.multivariate_normal.logpdf(x, m, 0.5 * (c + c.T))", domain="spd", x=(4, 3), m=(3,),
            c=(3, 3)),
    example("scipy.stats.multivariate_normal.logpdf(x, m, cov=v * v + 1) + scipy.stats.multivariate_normal.logpdf(x, m)"
            " + scipy.stats.multivariate_normal.logpdf(x, m, 2.0)", x=(4, 3), m=(3,), v=(3,)),
])
