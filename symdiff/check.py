"""check_grad: gradients against central finite differences in float64."""
from __future__ import annotations

import inspect

import numpy as np

from .errors import GradientCheckError

#: Default (rtol, atol) by the dtype of the gradient being checked.
TOLERANCES = {np.dtype(np.float64): (1e-6, 1e-9), np.dtype(np.float32): (2e-3, 1e-5)}
#: Parameters with at most this many elements are checked element by element.
PER_ELEMENT_LIMIT = 100
DIRECTIONS = 8


def _value_function(fn, args64):
    """f(*args) in float64: the function itself where it runs on numpy arrays, else symdiff's forward."""
    from .api import Transformed

    try:
        value = np.asarray(fn(*args64))
        if value.shape == () and value.dtype.kind == "f":
            return fn
    except Exception:  # torch spelling, or torch not installed: use symdiff's own forward
        pass
    return Transformed(fn, None, "value")


def check_grad(fn, args, *, wrt=None, grad=None, eps=None, rtol=None, atol=None, seed=0) -> float:
    """Compare gradients with central finite differences in float64; return the worst relative error.

    `grad` is any callable returning the gradients for `wrt` (symdiff's by default). Parameters of up
    to 100 elements are checked element by element, larger ones along 8 random directions. The step
    is `eps * max(1, |x|)` (eps = 1e-6; pass 1e-4 near kinks such as relu). Default tolerances
    depend on the gradient's dtype: rtol=1e-6 for float64, 2e-3 for float32; the finite-difference
    rounding noise is added to `atol`. Raises `GradientCheckError` naming the parameter, the worst
    index and both values.
    """
    from .api import Transformed, grad as symdiff_grad, resolve_wrt

    base = fn.fn if isinstance(fn, Transformed) else fn
    params = list(inspect.signature(base).parameters)
    if wrt is None and isinstance(fn, Transformed):
        wrt = fn.wrt.names if not fn.wrt.single else fn.wrt.names[0]
    spec = resolve_wrt(wrt, params, f"`{base.__name__}` ")
    args = [np.asarray(a) for a in args]
    if len(args) != len(params):
        raise TypeError(f"{base.__name__} takes {len(params)} arguments ({', '.join(params)}), got {len(args)}")
    grads = (grad or symdiff_grad(base, wrt=spec.names))(*args)
    grads = (grads,) if spec.single and grad is not None else tuple(grads)
    args64 = [a.astype(np.float64) if a.dtype.kind == "f" else a for a in args]
    f = _value_function(base, args64)
    eps = 1e-6 if eps is None else eps
    rng = np.random.default_rng(seed)
    worst = 0.0
    for name, g in zip(spec.names, grads):
        i = params.index(name)
        x = args64[i]
        g = np.asarray(g)
        if g.shape != x.shape:
            raise GradientCheckError(f"{base.__name__}: the gradient for `{name}` has shape {g.shape}, "
                                     f"but `{name}` has shape {x.shape}")
        d_rtol, d_atol = TOLERANCES.get(g.dtype, TOLERANCES[np.dtype(np.float64)])
        r_tol = d_rtol if rtol is None else rtol
        a_tol = d_atol if atol is None else atol
        g64 = g.astype(np.float64)

        def evaluate(step):
            shifted = list(args64)
            shifted[i] = x + step
            return float(f(*shifted))

        f0 = abs(evaluate(np.zeros_like(x)))
        if x.size <= PER_ELEMENT_LIMIT:
            probes = []
            for index in np.ndindex(x.shape):
                h = eps * max(1.0, abs(x[index]))
                step = np.zeros_like(x)
                step[index] = h
                probes.append((index, step, h, g64[index]))
        else:
            probes = []
            for k in range(DIRECTIONS):
                v = rng.standard_normal(x.shape)
                v /= np.linalg.norm(v)
                h = eps * max(1.0, float(np.abs(x).max()))
                probes.append((f"direction {k}", v * h, h, float(np.sum(g64 * v))))
        for index, step, h, analytic in probes:
            numeric = (evaluate(step) - evaluate(-step)) / (2 * h)
            noise = 8 * np.finfo(np.float64).eps * max(1.0, f0) / h
            scale = max(abs(numeric), abs(analytic))
            error = abs(numeric - analytic)
            # relative to the value, or to the level below which the absolute tolerance governs
            rel = error / max(scale, (a_tol + noise) / r_tol)
            if not np.isfinite(numeric) or not np.isfinite(analytic) or error > a_tol + noise + r_tol * scale:
                raise GradientCheckError(
                    f"{base.__name__}: the gradient with respect to `{name}` disagrees with finite "
                    f"differences at {'index ' + str(index) if isinstance(index, tuple) else index}: "
                    f"gradient {analytic:.10g}, finite differences {numeric:.10g} "
                    f"(relative error {rel:.3g}; rtol={r_tol:g}, atol={a_tol:g})"
                )
            worst = max(worst, rel)
    return worst

