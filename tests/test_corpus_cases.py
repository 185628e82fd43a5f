"""The corpus of realistic functions (tests/corpus): what symdiff compiles must be right.

Each case is one test. It fails only when symdiff returns a gradient that disagrees with central
finite differences in float64 (or has the wrong structure, shape or dtype, or modifies its inputs),
or raises something other than a `SymdiffError`: a refusal is the coverage being measured, not a
failure (`python scripts/corpus.py` reports it). Shapes are small: the whole file runs in well under
a minute on two cores.
"""
import numpy as np
import pytest

import symdiff
from corpus import Case, load_cases
from corpus import harness

CASES = load_cases()
#: Seconds one case may take to derive and compile before it is skipped as too slow.
CASE_TIMEOUT = 30.0
#: Also check value_and_grad (its value against the function, its gradients against grad).
CHECK_VALUES = True

pytestmark = pytest.mark.corpus


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_corpus_case(case):
    result = harness.run_case(case, timeout=CASE_TIMEOUT, values=CHECK_VALUES)
    if result.outcome == "timeout":
        pytest.skip(f"{case.id}: {result.detail}")
    assert result.outcome != "corpus-error", f"the corpus function itself fails:\n{result.detail}"
    assert result.outcome != "wrong", f"symdiff's gradient is wrong: {result.detail}"
    assert result.outcome != "crashed", (f"symdiff raised {result.error_class}, not a SymdiffError: "
                                         f"{result.reason}\n{result.detail}")
    assert result.outcome in ("right", "refused")


def test_corpus_size():
    assert len(CASES) >= 80
    assert {c.style for c in CASES} == set(__import__("corpus").STYLES)


# -- the instrument itself: it must see a wrong gradient when there is one ---------------------

def _mlp_loss(params, x):
    total = 0.0
    for W, b in params:
        x = np.tanh(x @ W + b)
        total = total + np.sum(x ** 2)
    return total


def _mlp_grad(params, x):
    """The exact gradient of _mlp_loss by hand (backpropagation)."""
    xs, hs = [x], []
    for W, b in params:
        x = np.tanh(x @ W + b)
        xs.append(x)
    grads = [None] * len(params)
    upstream = np.zeros_like(xs[-1])
    for i in reversed(range(len(params))):
        W, b = params[i]
        out = xs[i + 1]
        d_out = upstream + 2 * out
        d_pre = d_out * (1 - out ** 2)
        grads[i] = (xs[i].T @ d_pre, d_pre.sum(0))
        upstream = d_pre @ W.T
    return grads


def _fake_grad(answer):
    def grad(fn, wrt=None):
        return lambda *args: answer(*args)
    return grad


def _tree_case():
    rng = np.random.default_rng(0)
    params = [(rng.standard_normal((3, 4)), rng.standard_normal(4)), (rng.standard_normal((4, 2)), rng.standard_normal(2))]
    return Case(_mlp_loss, lambda rng: (params, rng.standard_normal((5, 3))), style="selftest")


@pytest.mark.parametrize("answer, expected", [
    (lambda p, x: _mlp_grad(p, x), "right"),
    (lambda p, x: [(g[0], g[1] * 1.001) for g in _mlp_grad(p, x)], "wrong"),           # 0.1% off in one leaf
    (lambda p, x: _mlp_grad(p, x)[:1], "wrong"),                                       # a layer missing
    (lambda p, x: [(g[0].T, g[1]) for g in _mlp_grad(p, x)], "wrong"),                # a transposed leaf
    (lambda p, x: [(g[0].astype(np.float32), g[1]) for g in _mlp_grad(p, x)], "wrong"),
    (lambda p, x: (_ for _ in ()).throw(symdiff.UnsupportedSyntaxError("nope")), "refused"),
    (lambda p, x: 1 / 0, "crashed"),
])
def test_harness_classifies(monkeypatch, answer, expected):
    monkeypatch.setattr(harness.symdiff, "grad", _fake_grad(answer))
    monkeypatch.setattr(harness.symdiff, "value_and_grad", _fake_grad(lambda p, x: (_mlp_loss(p, x), answer(p, x))))
    assert harness.run_case(_tree_case()).outcome == expected


def test_harness_sees_modified_inputs(monkeypatch):
    def answer(p, x):
        g = _mlp_grad(p, x)
        p[0][0][0, 0] += 1.0
        return g
    monkeypatch.setattr(harness.symdiff, "grad", _fake_grad(answer))
    result = harness.run_case(_tree_case(), values=False)
    assert result.outcome == "wrong" and "modified" in result.detail


def test_harness_reports_a_broken_corpus_function():
    case = Case(lambda x: np.sum(x @ x), lambda rng: (rng.standard_normal((2, 3)),), style="selftest")
    assert harness.run_case(case).outcome == "corpus-error"


def test_harness_checks_value_and_grad(monkeypatch):
    monkeypatch.setattr(harness.symdiff, "grad", _fake_grad(_mlp_grad))
    monkeypatch.setattr(harness.symdiff, "value_and_grad",
                        _fake_grad(lambda p, x: (_mlp_loss(p, x) + 1e-3, _mlp_grad(p, x))))
    result = harness.run_case(_tree_case())
    assert result.outcome == "wrong" and "value" in result.detail


def test_harness_calls_the_compiled_gradient_again(monkeypatch):
    first = []

    def grad(fn, wrt=None):
        def call(p, x):  # right on the first call only, as if values were baked in
            first.append(_mlp_grad(p, x)) if not first else None
            return first[0]
        return call
    monkeypatch.setattr(harness.symdiff, "grad", grad)
    case = _tree_case()
    case.args = lambda rng: (harness.copy.deepcopy(_tree_case().args(rng)[0]), rng.standard_normal((5, 3)))
    result = harness.run_case(case, values=False)
    assert result.outcome == "wrong" and "second call" in result.detail
