"""Each optimization pass on its own (stable forms, liveness, copies of outputs, CSE, folding, order,
the one guard for cancelled results, buffer reuse), and the in-place code the emitter writes."""
import numpy as np
import pytest
import sympy as sp

import symdiff
from symdiff import emit
from symdiff.ir import Graph
from symdiff.optimize import _could_cancel, _flatten, cse, fold, fresh_outputs, live, order, schedule
from symdiff.primitives import BroadcastTo, Copy, FullLike
from symdiff.reuse import Facts, liveness, reuse, storage
from symdiff.scalar import sigmoid, softplus
from symdiff.stable import expand, stabilize

from helpers import code_only, fd_gradient, rng

SYMBOLS = sp.symbols("N K", integer=True, positive=True)


def _graph():
    N, K = SYMBOLS
    g = Graph()
    return g, g.param("x", (N, K)), g.param("y", (N, K)), g.param("b", (K,))


def test_stabilize_rewrites_across_statements():
    g, x, _, _ = _graph()
    e = x.apply(sp.exp).named("e")
    out = (e + 1).apply(sp.log).named("out")
    stabilize(g)
    assert g[out.symbol].definition == softplus(x.symbol)


def test_expand_picks_the_stable_form_for_the_dtype():
    z = sp.Symbol("z", real=True)
    assert expand(softplus(z), "float32").has(sp.log) and not expand(softplus(z), "float64").has(sp.log)
    assert not expand(sigmoid(z), None).has(sigmoid)


def test_live_keeps_only_what_the_outputs_read():
    g, x, y, _ = _graph()
    used, unused = (x * y).named("used"), (x + y).named("unused")
    assert live(g, {used.symbol}) == [used.symbol]
    assert unused.symbol not in live(g, {used.symbol})


def test_fresh_outputs_copy_parameters_and_repeats():
    g, x, y, _ = _graph()
    p = (x * y).named("p")
    returns = fresh_outputs(g, (x.symbol, p.symbol, p.symbol))
    assert isinstance(g[returns[0]].definition, Copy) and returns[1] == p.symbol
    assert isinstance(g[returns[2]].definition, Copy)


def test_cse_computes_a_shared_subexpression_once():
    g, x, y, _ = _graph()
    a = (x.apply(sp.exp) * y).named("a")
    c = (x.apply(sp.exp) + y).named("c")
    exprs, temps, _, _ = cse(g, [a.symbol, c.symbol], "float64")
    assert list(temps.values()) == [sp.exp(x.symbol)]
    assert all(e.has(*temps) for e in exprs.values())


def test_fold_inlines_single_use_intermediates_not_named_values():
    g, x, y, _ = _graph()
    t = g.value(g.add(x.expr * y.expr, x.shape))  # anonymous, read once
    named = (t + 1).named("named")
    out = (named * 2).named("out")
    nodes = live(g, {out.symbol})
    exprs = {s: g[s].definition for s in nodes}
    folded = fold(g, nodes, exprs, {out.symbol})
    assert set(folded) == {t.symbol}


def test_order_computes_a_temp_before_its_first_reader():
    g, x, y, _ = _graph()
    a = (x.apply(sp.exp) * y).named("a")
    c = (x.apply(sp.exp) + a).named("c")
    nodes = live(g, {c.symbol})
    exprs, temps, early, sigmoids = cse(g, nodes, None)
    exprs.update(temps)
    statements = order(g, nodes, exprs, {}, temps, early, sigmoids)
    assert [st.name for st in statements] == ["exp_x", "a", "c"]


def test_one_guard_keeps_the_shape_and_dtype_of_a_cancelled_result():
    g, x, _, b = _graph()
    zero = x - x
    assert isinstance(g[zero.symbol].definition, FullLike) and zero.shape == x.shape
    widened = b + x - x  # b, broadcast to the shape of the sum
    assert isinstance(g[widened.symbol].definition, BroadcastTo) and widened.shape == x.shape


def test_jvp_through_a_cancelled_difference():
    def f(x):
        z = x - x
        return (z * 3 + x * x).sum()

    x, t = rng().standard_normal((3, 4)), rng(1).standard_normal((3, 4))
    value, dot = symdiff.jvp(f)(x, t)
    assert np.isclose(value, (x * x).sum()) and np.isclose(dot, (2 * x * t).sum())


# -- liveness and buffer reuse -------------------------------------------------------------


def linear(x, y, w, b):
    z = x @ w + b
    return symdiff.functional.binary_cross_entropy_with_logits(z, y)


SHAPES = {"x": ("N", "D"), "y": ("N", "K"), "w": ("D", "K"), "b": ("K",)}


def _seen(fn=linear, shapes=SHAPES, dtype="float32", wrt=("w", "b")):
    """A derivation for arrays of `dtype`, as a call that passed them would make it."""
    d = symdiff.derive(fn, wrt=wrt, shapes=shapes)
    d.dtypes = {p: np.dtype(dtype) for p in shapes}
    return d


def _program(dtype="float32", kind="value_and_grad"):
    return _seen(dtype=dtype).program(kind) if dtype else symdiff.derive(linear, wrt=("w", "b"), shapes=SHAPES).program(kind)


def test_liveness_and_storage():
    program = _program()
    last = liveness(program)
    end = len(program.statements)
    assert all(last[s] == end for s in _flatten(program.returns))
    root, ends = storage(program)
    assert all(ends[p] == end for p in program.params)  # the caller's arrays are never free
    db = next(st for st in program.statements if st.name == "db")
    assert ends[root[db.target]] == end


def test_reuse_writes_only_into_dead_temporaries_of_the_same_shape_and_dtype():
    program = _program()
    targets = {st.target: st for st in program.statements}
    outs = {st.name: targets[st.out].name for st in program.statements if st.out is not None}
    assert outs == {"sig": "z", "dz": "sig"}  # z dies at sig, sig at dz; never x, y, w or b
    facts = Facts(program)
    for st in program.statements:
        if st.out is not None:
            assert facts.buffer(st.out) == facts.buffer(st.target)


def test_declared_dtypes_reuse_only_buffers_that_follow_from_the_same_parameters():
    program = symdiff.derive(linear, wrt=("w", "b"), shapes=SHAPES, dtype="float32").program("value_and_grad")
    targets = {st.target: st for st in program.statements}
    outs = {st.name: targets[st.out].name for st in program.statements if st.out is not None}
    assert outs == {"sig": "z"}  # y, which dz reads, may come in another dtype than sig's


def test_reuse_never_takes_a_buffer_of_another_dtype_or_a_broadcast_shape():
    def f(x, y, w, b):
        z = x @ w + b  # float64, as x and w are
        u = np.tanh(b * 2.0)  # (K,): smaller than z
        s = np.exp(z) * y
        t = np.exp(y) * 2.0  # float32, as y is: never in z's buffer
        return (s * u + t * s).sum()

    d = symdiff.derive(f, wrt="w", shapes=SHAPES)
    d.dtypes = {"x": np.dtype("float64"), "y": np.dtype("float32"), "w": np.dtype("float64"), "b": np.dtype("float32")}
    program = d.program("value_and_grad")
    facts = Facts(program)
    outs = [st for st in program.statements if st.out is not None]
    targets = {st.target: st.name for st in program.statements}
    assert {st.name: targets[st.out] for st in outs} == {"s": "z", "ds": "t", "dz": "s"}
    assert all(facts.buffer(st.out) == facts.buffer(st.target) for st in outs)
    r = rng(3)
    args = [r.standard_normal(s).astype(t) for s, t in [((5, 4), "float64"), ((5, 3), "float32"),
                                                        ((4, 3), "float64"), ((3,), "float32")]]
    results = [emit.compile_module(emit.module_source([*d.function_asts(("value_and_grad",), in_place=i)]),
                                   f"mixed_{i}")["value_and_grad_f"](*args) for i in (True, False)]
    (v1, g1), (v2, g2) = results
    assert v1 == v2 and g1.dtype == g2.dtype == np.float64 and np.array_equal(g1, g2)


def test_reuse_needs_known_dtypes():
    program = _program(dtype=None)
    assert all(st.out is None for st in program.statements)


def test_reuse_is_a_pass_over_any_program():
    N, K = SYMBOLS
    g, x, y, _ = _graph()
    a = (x * y).named("a")
    c = (a.apply(sp.exp) + 1).named("c")
    program = schedule(g, "f", c.symbol, params=[x.symbol, y.symbol])
    program.dtypes = {x.symbol: "float64", y.symbol: "float64"}
    reuse(program)
    assert [st.out for st in program.statements] == [None, a.symbol]
    source = emit.to_source(emit.function_ast(program))
    assert "c = np.exp(a, out=a)\n    c += 1.0" in source


# -- in-place code -------------------------------------------------------------------------


def test_generated_code_runs_in_place_and_reads_well():
    source = code_only(_seen().source)
    assert "exp_z = -np.abs(z)\n    np.exp(exp_z, out=exp_z)" in source
    assert "dz = np.subtract(sig, y, out=sig)\n    dz /= K * N" in source
    assert "out=x" not in source and "out=y" not in source and "out=w" not in source


def test_the_array_api_code_has_no_in_place_writes():
    d = _seen()
    assert "out=" not in d.module_source(array_api=True) and "/=" not in d.module_source(array_api=True)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_in_place_code_is_bit_identical_and_leaves_inputs_alone(dtype):
    def mlp(x, y, w1, b1, w2, b2):
        h = np.tanh(x @ w1 + b1)
        z = h @ w2 + b2
        return symdiff.functional.binary_cross_entropy_with_logits(z, y) + (h * h).mean()

    shapes = {"x": ("N", "D"), "y": ("N", "K"), "w1": ("D", "H"), "b1": ("H",), "w2": ("H", "K"), "b2": ("K",)}
    d = _seen(mlp, shapes, dtype, wrt=("w1", "b1", "w2", "b2"))
    r = rng()
    sizes = {"N": 7, "D": 5, "H": 6, "K": 3}
    args = [r.standard_normal(tuple(sizes[n] for n in s)).astype(dtype) for s in shapes.values()]
    args[1] = (args[1] > 0).astype(dtype)
    args[-1] = args[-1] * 1e4  # logits of +-1e4 stay finite
    kept = [a.copy() for a in args]
    results = []
    for in_place in (True, False):
        source = emit.module_source(d.function_asts(("value_and_grad",), in_place=in_place))
        assert ("out=" in source) == in_place
        value, grads = emit.compile_module(source, f"passes_{in_place}")["value_and_grad_mlp"](*args)
        results.append([np.asarray(value), *grads])
    assert all(np.array_equal(a, k) for a, k in zip(args, kept))
    for a, b in zip(*results):
        assert a.dtype == np.dtype(dtype) and np.array_equal(a, b) and np.isfinite(a).all()


def test_in_place_gradients_match_finite_differences():
    def f(x, w):
        t = np.exp(-np.abs(x @ w))
        return (np.tanh(t * 3.0) - t).sum()

    r = rng(2)
    x, w = r.standard_normal((4, 3)), r.standard_normal((3, 2))
    grad = symdiff.grad(f, wrt="w")
    assert "out=" in symdiff.derive(f, wrt="w", shapes={"x": ("N", "D"), "w": ("D", "K")}, dtype="float64").source
    np.testing.assert_allclose(grad(x, w), fd_gradient(f, [x, w], 1), rtol=1e-6, atol=1e-9)


def test_could_cancel_names_the_substitutions_folding_avoids():
    s, t, u = sp.symbols("s t u", real=True)
    assert _could_cancel(s - t, s, t) and _could_cancel(s - u, s, t + u)
    assert not _could_cancel(s * u, s, t)
