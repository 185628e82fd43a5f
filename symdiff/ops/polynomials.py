"""Polynomials given by their coefficients: np.polyval, by Horner's rule over the coefficients."""
from __future__ import annotations

from . import EXAMPLES, array, defop, example
from ..indexing import subscript


@defop("numpy.polyval")
def polyval(graph, p, x):
    """p[0] * x**(n-1) + ... + p[n-1] for coefficients `p` of shape (n,) (n known when compiling:
    the size seen, which the shape checks then require) or a list of them."""
    x = array(graph, x, "`x`")
    coefficients = p if isinstance(p, (list, tuple)) else _entries(graph, array(graph, p, "the coefficients"))
    y = array(graph, coefficients[0], "a coefficient")
    for c in coefficients[1:]:
        y = y * x + array(graph, c, "a coefficient")
    return y


def _entries(graph, p):
    n = graph.dims.hint(p.shape[0]) if p.ndim == 1 else None
    if n is None or graph.dims.equal(p.shape[0], n) is None:
        raise graph.shape_error(f"np.polyval needs a 1-D array of a known number of coefficients, not `{p.label}` "
                                f"of shape {p.shape_text}", hint="Pass the coefficients as a list or a 1-D array.")
    return [subscript(graph, p, (i,)) for i in range(n)]


EXAMPLES.extend([
    example("np.polyval(p, x)", p=(4,), x=(3, 2)),
    example("np.polyval([1.0, p[0], 2.0], x) + np.polyval(p, 0.5)", p=(3,), x=(5,)),
])
