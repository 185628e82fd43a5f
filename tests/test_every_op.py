"""The op test: every registered op, through the examples its definition carries, compiled and checked
against the real function (numpy, scipy or torch) and central finite differences of it, in float64 and
float32: value, VJP (per element), JVP (random directions), second order where asked. A spelling that
no example reaches fails `test_every_spelling_has_an_example`."""
from __future__ import annotations

import itertools

import numpy as np
import pytest
import scipy.special
import scipy.stats
from helpers import load_module, torch

import symdiff
import symdiff.functional
from symdiff.ops import EXAMPLES, OPS, REFUSED

HEADER = """\
import math
import numpy as np
import scipy
import scipy.linalg
import scipy.special
import scipy.stats
import symdiff
import symdiff.functional
from symdiff import functional as sf
try:
    import torch
    import torch.nn.functional as F
except ImportError:
    torch = F = None
"""
DOMAINS = {
    "real": lambda rng, shape: rng.standard_normal(shape),
    "positive": lambda rng, shape: rng.uniform(0.5, 2.0, shape),
    "unit": lambda rng, shape: rng.uniform(-0.9, 0.9, shape),
    "above1": lambda rng, shape: rng.uniform(1.5, 3.0, shape),
    "probability": lambda rng, shape: rng.uniform(0.05, 0.95, shape),
    "spd": lambda rng, shape: rng.standard_normal(shape),  # square matrices made symmetric positive definite below
}
EPS = 1e-6


def _inputs(ex, rng, dtype=np.float64):
    args = {}
    for name, shape in ex.shapes.items():
        if name in ex.integers:
            args[name] = rng.integers(0, ex.integers[name], shape)
        elif ex.domain == "spd" and len(shape) >= 2 and shape[-1] == shape[-2]:
            m = rng.standard_normal(shape)
            args[name] = (m @ np.swapaxes(m, -1, -2) + shape[-1] * np.eye(shape[-1])).astype(dtype)
        else:
            args[name] = DOMAINS[ex.domain](rng, shape).astype(dtype)
    return args


def _module(tmp_path, ex):
    params = ", ".join(ex.shapes)
    return load_module(tmp_path, f"{HEADER}\n\ndef f({params}):\n    return {ex.expr}\n")


def _reference(module, ex, args):
    """The real function's value in float64: numpy (or scipy), else torch where the spelling is torch's."""
    try:
        if "torch" in ex.expr or "F." in ex.expr:
            raise AttributeError
        value = module.f(**args)
        return np.asarray(value, dtype=np.float64)
    except (AttributeError, TypeError):
        if torch is None:
            pytest.skip("torch is an optional oracle")
        tensors = {k: torch.tensor(v) for k, v in args.items()}
        return module.f(**tensors).detach().numpy().astype(np.float64)


def _float_params(ex):
    return ex.wrt or tuple(n for n in ex.shapes if n not in ex.integers)


def _example_id(ex):
    return f"{ex.expr} {'x'.join(map(str, itertools.chain(*ex.shapes.values())))}"


@pytest.mark.parametrize("ex", EXAMPLES, ids=_example_id)
def test_op(tmp_path, ex):
    module = _module(tmp_path, ex)
    rng = np.random.default_rng(0)
    args = _inputs(ex, rng)
    wrt = _float_params(ex)
    ref = _reference(module, ex, args)

    def shifted(name, step):
        return _reference(module, ex, {**args, name: args[name] + step})

    # value and JVP along random tangents
    tangents = [rng.standard_normal(np.shape(args[n])) for n in wrt]
    value, dot = symdiff.jvp(module.f, wrt=wrt)(*args.values(), *tangents)
    np.testing.assert_allclose(value, ref, rtol=1e-10, atol=1e-12, err_msg=f"value of {ex.expr}")
    assert np.shape(dot) == ref.shape
    moved = [dict(args), dict(args)]
    for n, t in zip(wrt, tangents):
        moved[0][n] = args[n] + EPS * t
        moved[1][n] = args[n] - EPS * t
    fd_dot = (_reference(module, ex, moved[0]) - _reference(module, ex, moved[1])) / (2 * EPS)
    np.testing.assert_allclose(dot, fd_dot, rtol=1e-5, atol=1e-6, err_msg=f"jvp of {ex.expr}")

    # VJP per element against central differences of <f, v>
    v = rng.standard_normal(ref.shape)
    cotangents = symdiff.vjp(module.f, wrt=wrt)(*args.values(), v)
    cotangents = tuple(cotangents)
    for name, got in zip(wrt, cotangents):
        x = args[name]
        expected = np.zeros_like(x)
        for i in np.ndindex(x.shape):
            h = EPS * max(1.0, abs(x[i]))
            step = np.zeros_like(x)
            step[i] = h
            expected[i] = np.sum((shifted(name, step) - shifted(name, -step)) * v) / (2 * h)
        np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-6, err_msg=f"vjp of {ex.expr} for {name}")

    # float32 stays float32 and agrees with float64
    args32 = {k: (a if k in ex.integers else a.astype(np.float32)) for k, a in args.items()}
    cotangents32 = symdiff.vjp(module.f, wrt=wrt)(*args32.values(), v.astype(np.float32))
    cotangents32 = tuple(cotangents32)
    for got32, got in zip(cotangents32, cotangents):
        assert got32.dtype == np.float32, f"{ex.expr}: float32 in gave {got32.dtype} out"
        np.testing.assert_allclose(got32, got, rtol=2e-3, atol=2e-4, err_msg=f"float32 vjp of {ex.expr}")

    if ex.second_order:  # the derivative of the derivative emits and runs: hvp against differences of vjp
        vjp = symdiff.vjp(module.f, wrt=wrt[0])
        d = rng.standard_normal(args[wrt[0]].shape)
        rest = [args[n] for n in ex.shapes]
        i = list(ex.shapes).index(wrt[0])

        def g(x):
            return vjp(*rest[:i], x, *rest[i + 1:], v)

        hvp = symdiff.hvp(_weighted(tmp_path, ex), wrt=wrt[0])(*rest, v, d)
        x = args[wrt[0]]
        fd = (g(x + EPS * d) - g(x - EPS * d)) / (2 * EPS)
        np.testing.assert_allclose(hvp, fd, rtol=1e-5, atol=1e-6, err_msg=f"hvp of {ex.expr}")


@pytest.mark.parametrize("ex", EXAMPLES, ids=_example_id)
def test_op_on_array_api_strict(tmp_path, ex):
    """The op's code rewritten against the Array API standard gives numpy's results on
    array-api-strict arrays, or, for an op declared numpy-only, a clear refusal."""
    xp = pytest.importorskip("array_api_strict")
    module = _module(tmp_path, ex)
    args = _inputs(ex, np.random.default_rng(0))
    wrt = _float_params(ex)
    vjp = symdiff.vjp(module.f, wrt=wrt)
    v = np.random.default_rng(1).standard_normal(np.shape(symdiff.jvp(module.f, wrt=wrt)(
        *args.values(), *(np.zeros(np.shape(args[n])) for n in wrt))[0]))
    strict = [xp.asarray(a) for a in (*args.values(), v)]
    if not ex.array_api:
        with pytest.raises(symdiff.SymdiffError, match="Array API standard does not have"):
            vjp(*strict)
        return
    expected = vjp(*args.values(), v)
    for got, want in zip(vjp(*strict), expected):
        assert type(got).__module__.startswith("array_api_strict")
        np.testing.assert_allclose(np.asarray(got), want, rtol=1e-12, atol=1e-14, err_msg=f"{ex.expr} on strict")


def _weighted(tmp_path, ex):
    """sum(f(...) * v): the scalar whose Hessian the second-order check takes."""
    params = ", ".join(ex.shapes)
    return load_module(tmp_path, f"{HEADER}\n\ndef fv({params}, v):\n    return (({ex.expr}) * v).sum()\n").fv


def test_every_spelling_has_an_example(tmp_path, monkeypatch):
    """Compiling every example reaches every registered name (but those refused, which
    tests/test_bad_inputs.py calls): an op without an example fails here."""
    reached = set()
    for name, op in list(OPS.items()):
        def traced(graph, args, kwargs, _op=op, _name=name):
            reached.add(_name)
            return _op(graph, args, kwargs)

        monkeypatch.setitem(OPS, name, traced)
    for ex in EXAMPLES:
        module = _module(tmp_path, ex)
        symdiff.derive(module.f, wrt=_float_params(ex)[0], shapes=ex.shapes)
    missing = sorted(set(OPS) - reached - REFUSED)
    assert not missing, f"registered names that no example reaches: {missing}"
