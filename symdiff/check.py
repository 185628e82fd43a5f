"""check_grad: gradients against central finite differences in float64."""
from __future__ import annotations

import inspect

import numpy as np

from .errors import GradientCheckError, Location, SymdiffError, api_boundary
from .source import FunctionSource
from .trees import LEAF, flatten, is_tree, key_text, unflatten

#: Default (rtol, atol) by the dtype of the gradient being checked.
TOLERANCES = {np.dtype(np.float64): (1e-6, 1e-9), np.dtype(np.float32): (2e-3, 1e-5)}
#: Parameters with at most this many elements are checked element by element.
PER_ELEMENT_LIMIT = 100
DIRECTIONS = 8


def _def_location(fn) -> Location | None:
    """Where `fn`'s `def` is, for errors, if its source can be read."""
    try:
        source = FunctionSource.from_function(fn)
    except SymdiffError:
        return None
    return source.location(source.tree)


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


@api_boundary
def check_grad(fn, args, *, wrt=None, grad=None, eps=None, rtol=None, atol=None, seed=0) -> float:
    """Compare gradients with central finite differences in float64; return the worst relative error.

    `grad` is any callable returning the gradients for `wrt` (symdiff's by default). Arguments may
    be trees (lists, tuples, dicts, NamedTuples, dataclasses of arrays): each leaf is checked.
    Leaves of up to 100 elements are checked element by element, larger ones along 8 random
    directions. The step is `eps * max(1, |x|)` (eps = 1e-6; pass 1e-4 near kinks such as relu).
    Default tolerances depend on the gradient's dtype: rtol=1e-6 for float64, 2e-3 for float32;
    the finite-difference rounding noise is added to `atol`. Raises `GradientCheckError` naming
    the parameter, the worst index and both values.
    """
    from .api import Transformed, grad as symdiff_grad, resolve_wrt

    base = fn.fn if isinstance(fn, Transformed) else fn
    signature = inspect.signature(base)
    params = [p for p in signature.parameters if signature.parameters[p].kind != inspect.Parameter.VAR_KEYWORD]
    if wrt is None and isinstance(fn, Transformed):
        wrt = fn.wrt.names if not fn.wrt.single else fn.wrt.names[0]
    location = _def_location(base)
    spec = resolve_wrt(wrt, params, f"`{base.__name__}` ", location)
    args = [a if is_tree(a) else np.asarray(a) for a in args]
    try:
        signature.bind(*args)
    except TypeError as exc:
        raise TypeError(f"{base.__name__} takes {len(params)} arguments ({', '.join(params)}), got {len(args)}: "
                        f"{exc}") from None
    grads = (grad or symdiff_grad(base, wrt=spec.names))(*args)
    grads = (grads,) if spec.single and grad is not None else tuple(grads)
    args64 = [_float64(a) for a in args]
    f = _value_function(base, args64)
    rng = np.random.default_rng(seed)
    worst = 0.0
    for name, g in zip(spec.names, grads):
        i = params.index(name)
        leaves, tree = _leaves(args64[i])
        g_leaves, g_tree = _leaves(g)
        if g_tree != tree:
            raise GradientCheckError(f"{base.__name__}: the gradient for `{name}` is structured as {g_tree}, "
                                     f"but `{name}` as {tree}", location=location)
        for path, k in zip(tree.paths(), range(len(leaves))):
            def evaluate(step, k=k):
                shifted = list(args64)
                shifted[i] = unflatten(tree, [x + step if j == k else x for j, x in enumerate(leaves)])
                return float(f(*shifted))

            worst = max(worst, _check_leaf(base.__name__, key_text(name, path), leaves[k], np.asarray(g_leaves[k]),
                                           evaluate, eps, rtol, atol, rng, location))
    return worst


def _leaves(value):
    return flatten(value, lambda v: LEAF) if is_tree(value) else ([np.asarray(value)], LEAF)


def _float64(value):
    leaves, tree = _leaves(value)
    return unflatten(tree, [np.asarray(a, dtype=np.float64) if np.asarray(a).dtype.kind == "f" else np.asarray(a)
                            for a in leaves])


def _check_leaf(fname, name, x, g, evaluate, eps, rtol, atol, rng, location) -> float:
    """The worst relative error of one array's gradient `g` at `x`."""
    if g.shape != x.shape:
        raise GradientCheckError(f"{fname}: the gradient for `{name}` has shape {g.shape}, "
                                 f"but `{name}` has shape {x.shape}", location=location)
    d_rtol, d_atol = TOLERANCES.get(g.dtype, TOLERANCES[np.dtype(np.float64)])
    r_tol = d_rtol if rtol is None else rtol
    a_tol = d_atol if atol is None else atol
    g64 = g.astype(np.float64)
    eps = 1e-6 if eps is None else eps
    f0 = abs(evaluate(np.zeros_like(x)))
    probes = []
    if x.size <= PER_ELEMENT_LIMIT:
        for index in np.ndindex(x.shape):
            h = eps * max(1.0, abs(x[index]))
            step = np.zeros_like(x)
            step[index] = h
            probes.append((index, step, h, g64[index]))
    else:
        for k in range(DIRECTIONS):
            v = rng.standard_normal(x.shape)
            v /= np.linalg.norm(v)
            h = eps * max(1.0, float(np.abs(x).max()))
            probes.append((f"direction {k}", v * h, h, float(np.sum(g64 * v))))
    worst = 0.0
    for index, step, h, analytic in probes:
        numeric = (evaluate(step) - evaluate(-step)) / (2 * h)
        noise = 8 * np.finfo(np.float64).eps * max(1.0, f0) / h
        scale = max(abs(numeric), abs(analytic))
        error = abs(numeric - analytic)
        # relative to the value, or to the level below which the absolute tolerance governs
        rel = error / max(scale, (a_tol + noise) / r_tol)
        if not np.isfinite(numeric) or not np.isfinite(analytic) or error > a_tol + noise + r_tol * scale:
            raise GradientCheckError(
                f"{fname}: the gradient with respect to `{name}` disagrees with finite "
                f"differences at {'index ' + str(index) if isinstance(index, tuple) else index}: "
                f"gradient {analytic:.10g}, finite differences {numeric:.10g} "
                f"(relative error {rel:.3g}; rtol={r_tol:g}, atol={a_tol:g})", location=location,
            )
        worst = max(worst, rel)
    return worst


#: Random directions along which `check_kind` compares the kinds other than the gradient.
KIND_DIRECTIONS = 3
KIND_TOLERANCE = (1e-5, 1e-7)  # (rtol, atol) of those comparisons, in float64


def check_kind(derivation, kind: str, inputs: list, *, eps: float = 1e-6, seed: int = 0) -> tuple[str, float]:
    """Check one generated kind of `derivation` at float64 `inputs` against central differences: the
    gradient with `check_grad`; jvp, vjp and jacobian along random tangents against differences of the
    value; hessian and hvp against differences of the gradient. Returns what was compared and the
    worst relative error; raises `GradientCheckError` naming the kind."""
    wrt = derivation.wrt
    value = derivation.compiled("value")
    fn = derivation.compiled(kind)
    name = derivation.function_name(kind)
    if kind == "value":
        return "the reference the others are compared with", None
    indices = [derivation.params.index(n) for n in wrt.names]
    if kind in ("grad", "value_and_grad"):
        if kind == "value_and_grad":
            _same_value(name, fn(*inputs)[0], value(*inputs))
        names = wrt.names[0] if wrt.single else wrt.names
        error = check_grad(value, inputs, wrt=names, grad=lambda *a: fn(*a) if kind == "grad" else fn(*a)[1])
        each = "element by element" if all(inputs[i].size <= PER_ELEMENT_LIMIT for i in indices) \
            else f"along {DIRECTIONS} random directions"
        same = f"its value against {derivation.function_name('value')}'s, " if kind == "value_and_grad" else ""
        return f"{same}the gradient against central differences of the value, {each}", error
    against = "gradient" if kind in ("hessian", "hvp") else "value"
    reference = derivation.compiled("grad") if against == "gradient" else value
    rng = np.random.default_rng(seed)
    h = eps * max([1.0] + [float(np.abs(inputs[i]).max(initial=0.0)) for i in indices])
    worst = 0.0
    for _ in range(KIND_DIRECTIONS):
        tangents = [rng.standard_normal(inputs[i].shape) for i in indices]
        norm = np.sqrt(sum(float(np.sum(t * t)) for t in tangents)) or 1.0
        tangents = [t / norm for t in tangents]
        numeric = _along(reference, wrt.single or against == "value", inputs, indices, tangents, h)
        if kind == "jvp":
            result, dot = fn(*inputs, *tangents)
            _same_value(name, result, value(*inputs))
            analytic = [dot]
        elif kind == "vjp":
            v = rng.standard_normal(np.shape(value(*inputs)))
            cotangents = _listed(fn(*inputs, v), wrt.single)
            analytic = [sum(float(np.sum(c * t)) for c, t in zip(cotangents, tangents))]
            numeric = [float(np.sum(v * numeric[0]))]
        elif kind == "jacobian":
            analytic = [sum(np.tensordot(j, t, t.ndim) for j, t in zip(_listed(fn(*inputs), wrt.single), tangents))]
        elif kind == "hessian":
            blocks = [[fn(*inputs)]] if wrt.single else fn(*inputs)
            analytic = [sum(np.tensordot(b, t, t.ndim) for b, t in zip(row, tangents)) for row in blocks]
        else:  # hvp
            analytic = _listed(fn(*inputs, *tangents), wrt.single)
        worst = max(worst, _compare(name, against, analytic, numeric))
    how = {"jvp": "along", "vjp": "with random cotangents, dotted with", "jacobian": "times", "hessian": "times",
           "hvp": "with"}[kind]
    return f"{how} {KIND_DIRECTIONS} random tangents, against central differences of the {against}", worst


def _listed(result, single: bool) -> list:
    return [result] if single else list(result)


def _along(fn, single: bool, inputs: list, indices: list, tangents: list, h: float) -> list:
    """Central differences of `fn`'s arrays along `tangents` of the parameters at `indices`."""
    def at(sign):
        shifted = list(inputs)
        for i, t in zip(indices, tangents):
            shifted[i] = inputs[i] + sign * h * t
        return [np.asarray(a, dtype=np.float64) for a in _listed(fn(*shifted), single)]

    return [(p - m) / (2 * h) for p, m in zip(at(1), at(-1))]


def _same_value(name: str, got, expected) -> None:
    if not np.allclose(got, expected, rtol=1e-12, atol=1e-14):
        raise GradientCheckError(f"{name}: its value {got} differs from the value function's {expected}")


def _compare(name: str, against: str, analytic: list, numeric: list) -> float:
    """The worst relative error of `analytic` against `numeric`; GradientCheckError past the tolerance."""
    rtol, atol = KIND_TOLERANCE
    worst = 0.0
    for a, n in zip(analytic, numeric):
        a, n = np.asarray(a, dtype=np.float64), np.asarray(n, dtype=np.float64)
        error = np.abs(a - n)
        scale = np.maximum(np.abs(a), np.abs(n))
        if not (np.all(np.isfinite(a)) and np.all(np.isfinite(n)) and np.all(error <= atol + rtol * scale)):
            index = np.unravel_index(np.argmax(np.where(np.isfinite(error), error - rtol * scale, np.inf)), a.shape)
            at = f" at index {tuple(int(i) for i in index)}" if a.shape else ""
            raise GradientCheckError(
                f"{name} disagrees with central differences of the {against} along a random tangent{at}: "
                f"{a[index]:.10g} against {n[index]:.10g} (rtol={rtol:g}, atol={atol:g})")
        worst = max(worst, float(np.max(error / np.maximum(scale, atol / rtol), initial=0.0)))
    return worst
