"""Polynomials given by their coefficients: np.polyval by Horner's rule, and np.convolve (the
product's coefficients) as a sum of shifted slices, one per coefficient of the shorter array."""
from __future__ import annotations

from . import EXAMPLES, array, constant, defop, example
from .. import primitives as P
from ..indexing import subscript
from .joining import concatenate


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


def _entries(graph, p, what: str = "np.polyval"):
    n = graph.dims.seen(p.shape[0]) if p.ndim == 1 else None
    if n is None or graph.dims.equal(p.shape[0], n) is None:
        raise graph.shape_error(f"{what} needs a 1-D array of a known number of coefficients, not `{p.label}` "
                                f"of shape {p.shape_text}", hint="Pass the coefficients as a list or a 1-D array.")
    return [subscript(graph, p, (i,)) for i in range(n)]


@defop("numpy.convolve")
def convolve(graph, a, v, mode="full"):
    """np.convolve of a 1-D array with a shorter one `v`, whose length is the size seen (then required
    of every call): out[i] = sum_k v[k] a[i - k], 'full', 'same' or 'valid'."""
    mode = constant(graph, mode, "`mode`", allowed=("full", "same", "valid"))
    x, w = array(graph, a, "the first array"), array(graph, v, "the second array")
    taps = _entries(graph, w, "np.convolve")
    n, k = x.shape[0] if x.ndim == 1 else None, len(taps)
    if n is None or graph.dims.seen(n) is None or graph.dims.seen(n) < k:
        raise graph.shape_error(f"np.convolve: `{x.label}` of shape {x.shape_text} must be a 1-D array at least as "
                                f"long as `{w.label}` ({k})", hint="Pass the longer array first.")
    if mode != "valid" and k > 1:
        zeros = P.Full.build(x, (k - 1,), 0)
        x = concatenate(graph, [zeros, x, zeros], 0)
    def shifted(j):  # x[j:j + len(x) - k + 1], its end counted from the end
        return subscript(graph, x, (slice(j, j - (k - 1) or None),))

    out = sum((taps[k - 1 - j] * shifted(j) for j in range(1, k)), taps[k - 1] * shifted(0))
    if mode == "same":
        start = (k - 1) // 2
        out = subscript(graph, out, (slice(start, start - (k - 1) or None),))
    return out


EXAMPLES.extend([
    example("np.polyval(p, x)", p=(4,), x=(3, 2)),
    example("np.polyval([1.0, p[0], 2.0], x) + np.polyval(p, 0.5)", p=(3,), x=(5,)),
    example("np.convolve(a, v) + np.convolve(a, v, 'same').sum() + np.convolve(a, v, mode='valid').sum()",
            a=(6,), v=(3,)),
    example("np.convolve(a, v, 'same') + np.convolve(a, v[:1] * 2, mode='valid')", a=(5,), v=(2,)),
])
