"""Loops as loops: RNN, GRU and LSTM recurrences, iterations and while loops, derived once for every
length and checked against finite differences and torch autograd."""
import re

import numpy as np
import pytest

import symdiff
from symdiff import SymdiffError, UnsupportedSyntaxError
from tests.corpus.d2l_examples import rnn as d2l_rnn
from tests.helpers import fd_gradient, load_module, rng, torch

B, D, H = 2, 3, 4


def sigmoid(z):
    return 1 / (1 + np.exp(-z))


def rnn(X, h0, Wx, Wh, b):
    h = h0
    loss = 0.0
    for t in range(X.shape[0]):
        h = np.tanh(X[t] @ Wx + h @ Wh + b)
        loss = loss + (h * h).sum()
    return loss


def rnn_final(X, h0, Wx, Wh):
    h = h0
    for x in X:
        h = np.tanh(x @ Wx + h @ Wh)
    return (h ** 2).sum()


def gru(X, h0, Wz, Uz, Wr, Ur, Wh, Uh):
    h = h0
    hs = []
    for x in X:
        z = sigmoid(x @ Wz + h @ Uz)
        r = sigmoid(x @ Wr + h @ Ur)
        h_tilde = np.tanh(x @ Wh + (r * h) @ Uh)
        h = (1 - z) * h + z * h_tilde
        hs.append(h)
    return np.mean(np.stack(hs) ** 2)


def lstm(X, Wf, Wi, Wo, Wc, bf, bi, bo, bc, Wy):
    T, B, D = X.shape
    H = Wf.shape[1]
    h = np.zeros((B, H))
    c = np.zeros((B, H))
    loss = 0.0
    for t in range(T):
        xh = np.concatenate([X[t], h], axis=1)
        f = sigmoid(xh @ Wf + bf)
        i = sigmoid(xh @ Wi + bi)
        o = sigmoid(xh @ Wo + bo)
        c_hat = np.tanh(xh @ Wc + bc)
        c = f * c + i * c_hat
        h = o * np.tanh(c)
        loss += np.mean((h @ Wy) ** 2)
    return loss


def power_iteration(A, v):
    for _ in range(60):
        w = A @ v
        v = w / np.linalg.norm(w)
    return v @ A @ v


def discounted(X, w):
    total = 0.0
    for t, x in enumerate(X):
        total = total + 0.9 ** t * np.tanh(x @ w)
    return total


def fixed_point(x0, a):
    x = x0
    err = 1.0
    it = 0
    while err > 1e-12 and it < 200:
        x_new = np.cos(a * x)
        err = np.abs(x_new - x).max()
        x = x_new
        it += 1
    return (x ** 2).sum()


def states(X, h0, W):
    h = h0
    hs = []
    for x in X:
        h = np.tanh(x @ W + h)
        hs.append(h)
    return np.stack(hs, axis=1)


def rnn_args(T, seed=0, dtype=np.float64):
    r = rng(seed)
    args = [r.normal(size=(T, B, D)), r.normal(size=(B, H)), r.normal(size=(D, H)) * 0.5,
            r.normal(size=(H, H)) * 0.5, r.normal(size=H)]
    return [a.astype(dtype) for a in args]


# -- gradients at several lengths, one derivation ----------------------------------------------

def test_rnn_gradient_matches_finite_differences_at_every_length_with_one_derivation():
    d = symdiff.derive(rnn, wrt=("X", "h0", "Wx", "Wh", "b"),
                       shapes={"X": ("T", "B", "D"), "h0": ("B", "H"), "Wx": ("D", "H"), "Wh": ("H", "H"), "b": ("H",)})
    grad = d.compiled("grad")
    for T in (0, 1, 2, 6):
        args = rnn_args(T)
        for i, g in enumerate(grad(*args)):
            np.testing.assert_allclose(g, fd_gradient(rnn, args, i), rtol=1e-6, atol=1e-8)


def test_length_zero_gives_the_gradient_of_the_loop_free_program():
    r = rng(1)
    X, h0, Wx, Wh = np.zeros((0, B, D)), r.normal(size=(B, H)), r.normal(size=(D, H)), r.normal(size=(H, H))
    h0_before = h0.copy()
    dX, dh0, dWx, dWh = symdiff.grad(rnn_final, wrt=(0, 1, 2, 3))(X, h0, Wx, Wh)
    np.testing.assert_array_equal(h0, h0_before)  # the final state is h0 itself: never written in place
    np.testing.assert_array_equal(dh0, 2 * h0)  # the gradient of (h0 ** 2).sum()
    assert dX.shape == (0, B, D) and not dWx.any() and not dWh.any()


def test_float32_stays_float32_and_inputs_are_not_modified():
    args = rnn_args(5, dtype=np.float32)
    copies = [a.copy() for a in args]
    value, grads = symdiff.value_and_grad(rnn, wrt=(0, 1, 2, 3, 4))(*args)
    assert value.dtype == np.float32 and all(g.dtype == np.float32 for g in grads)
    expected = symdiff.grad(rnn, wrt=(0, 1, 2, 3, 4))(*(a.astype(np.float64) for a in args))
    for g, e in zip(grads, expected):
        np.testing.assert_allclose(g, e, rtol=2e-3, atol=2e-4)
    assert all(np.array_equal(a, c) for a, c in zip(args, copies))


def test_models_match_finite_differences_elementwise_and_along_random_directions():
    r = rng(2)
    for T in (1, 4):
        X = r.normal(size=(T, B, D))
        weights = [r.normal(size=s) * 0.5 for s in [(D, H), (H, H)] * 3]
        assert symdiff.check_grad(gru, [X, r.normal(size=(B, H)), *weights], wrt=tuple(range(8))) < 1e-5
        weights = [r.normal(size=(D + H, H)) * 0.5 for _ in range(4)] + [r.normal(size=H) for _ in range(4)]
        assert symdiff.check_grad(lstm, [X, *weights, r.normal(size=(H, 2))], wrt=tuple(range(10))) < 1e-5
        assert symdiff.check_grad(discounted, [r.normal(size=(T, D)), r.normal(size=D)], wrt=(0, 1)) < 1e-5


# -- against torch autograd ----------------------------------------------------------------------

def _torch_gru(X, h0, Wz, Uz, Wr, Ur, Wh, Uh):
    h, hs = h0, []
    for x in X:
        z = torch.sigmoid(x @ Wz + h @ Uz)
        r = torch.sigmoid(x @ Wr + h @ Ur)
        h = (1 - z) * h + z * torch.tanh(x @ Wh + (r * h) @ Uh)
        hs.append(h)
    return (torch.stack(hs) ** 2).mean()


def _torch_lstm(X, Wf, Wi, Wo, Wc, bf, bi, bo, bc, Wy):
    h = c = torch.zeros(X.shape[1], Wf.shape[1], dtype=X.dtype)
    loss = 0.0
    for x in X:
        xh = torch.cat([x, h], dim=1)
        c = torch.sigmoid(xh @ Wf + bf) * c + torch.sigmoid(xh @ Wi + bi) * torch.tanh(xh @ Wc + bc)
        h = torch.sigmoid(xh @ Wo + bo) * torch.tanh(c)
        loss = loss + ((h @ Wy) ** 2).mean()
    return loss


def _torch_rnn(X, h0, Wx, Wh, b):
    h, loss = h0, 0.0
    for x in X:
        h = torch.tanh(x @ Wx + h @ Wh + b)
        loss = loss + (h * h).sum()
    return loss


@pytest.mark.skipif(torch is None, reason="torch is the oracle")
@pytest.mark.parametrize("model", ["rnn", "gru", "lstm"])
def test_recurrences_match_torch_autograd(model):
    r = rng(3)
    X = r.normal(size=(7, B, D))
    if model == "rnn":
        fn, oracle, args = rnn, _torch_rnn, rnn_args(7)
    elif model == "gru":
        fn, oracle = gru, _torch_gru
        args = [X, r.normal(size=(B, H))] + [r.normal(size=s) * 0.5 for s in [(D, H), (H, H)] * 3]
    else:
        fn, oracle = lstm, _torch_lstm
        args = [X] + [r.normal(size=(D + H, H)) * 0.5 for _ in range(4)] + [r.normal(size=H) for _ in range(4)] \
            + [r.normal(size=(H, 2))]
    tensors = [torch.tensor(a, requires_grad=True) for a in args]
    oracle(*tensors).backward()
    ours = symdiff.grad(fn, wrt=tuple(range(len(args))))(*args)
    for g, t in zip(ours, tensors):
        np.testing.assert_allclose(g, t.grad.numpy(), rtol=1e-10, atol=1e-12)


def d2l_loss(params, inputs, state, y):
    y_hat, _ = d2l_rnn(inputs, state, params)
    return torch.nn.functional.cross_entropy(y_hat, y)


@pytest.mark.skipif(torch is None, reason="torch is the oracle")
def test_d2l_rnn_concatenating_its_outputs_matches_torch():
    r = rng(11)
    T, V = 5, 3
    params = [r.normal(size=s) * 0.5 for s in [(V, H), (H, H), (H,), (H, V), (V,)]]
    inputs, state, y = r.normal(size=(T, B, V)), (r.normal(size=(B, H)),), r.integers(0, V, size=T * B)
    tensors = [torch.tensor(p, requires_grad=True) for p in params]
    d2l_loss(tensors, torch.tensor(inputs), (torch.tensor(state[0]),), torch.tensor(y)).backward()
    for g, t in zip(symdiff.grad(d2l_loss)(params, inputs, state, y), tensors):
        np.testing.assert_allclose(g, t.grad.numpy(), rtol=1e-10, atol=1e-12)


# -- the generated loops ---------------------------------------------------------------------

def test_generated_code_is_a_forward_and_a_reverse_loop_storing_the_carries():
    d = symdiff.derive(rnn, wrt=("Wx", "Wh", "b"),
                       shapes={"X": ("T", "B", "D"), "h0": ("B", "H"), "Wx": ("D", "H"), "Wh": ("H", "H"), "b": ("H",)})
    source = d.module_source(("grad",))
    assert "for t in range(T):" in source and "for t in reversed(range(T)):" in source
    assert "# grad of: for t in range(X.shape[0]):" in source
    assert "hs = np.empty((1 + T, B, H), dtype=h.dtype)" in source  # the carry entering each step, then the last
    assert "losss" not in source  # the running loss is not stored: its step's rule does not read it
    assert "h = np.tanh(X_t @ Wx + h @ Wh + b)" in source


def test_a_long_constant_range_is_one_loop_not_sixty_copies():
    r = rng(4)
    A = r.normal(size=(5, 5))
    A = A + A.T
    assert symdiff.check_grad(power_iteration, [A, r.normal(size=5)], wrt=(0, 1)) < 1e-5
    source = symdiff.derive(power_iteration, wrt="A", shapes={"A": ("N", "N"), "v": ("N",)}).module_source(("grad",))
    assert len(re.findall(r"= np.linalg.norm\(w\d*\)", source)) == 2 and "for i in reversed(range(60)):" in source
    assert len(source.splitlines()) < 60


def test_code_size_does_not_depend_on_the_loop_length():
    def iterate_20(x, w):
        for _ in range(20):
            x = np.tanh(x @ w)
        return x.sum()

    def iterate_2000(x, w):
        for _ in range(2000):
            x = np.tanh(x @ w)
        return x.sum()

    shapes = {"x": ("N",), "w": ("N", "N")}
    short, long = (symdiff.derive(f, wrt="w", shapes=shapes).module_source(("grad",)) for f in (iterate_20, iterate_2000))
    assert len(short.splitlines()) == len(long.splitlines()) and len(long) - len(short) < 20


def test_short_loops_over_layers_still_unroll():
    def mlp(x, params):
        for W, b in params:
            x = np.tanh(x @ W + b)
        for i in range(3):
            x = x * 0.5
        return x.sum()

    shapes = {"x": ("D",), "params": [(("D", "D"), ("D",)), (("D", "D"), ("D",))]}
    source = symdiff.derive(mlp, wrt="params", shapes=shapes).module_source(("grad",))
    assert " for " not in source


def layers_by_step(x, Ws):
    for i in range(10):
        x = np.tanh(x @ Ws[i])
    return x.sum()


def test_a_constant_range_that_cannot_be_a_loop_node_unrolls_and_leaves_no_body():
    shapes = {"x": ("D",), "Ws": [("D", "D")] * 10}
    assert symdiff.derive(layers_by_step, shapes=shapes).graph.subgraphs == []
    r = rng(16)
    x, Ws = r.normal(size=3), [r.normal(size=(3, 3)) * 0.5 for _ in range(10)]
    grads = symdiff.grad(layers_by_step, wrt="Ws")(x, Ws)
    for i in (0, 9):
        e = np.zeros((3, 3))
        e[1, 2] = 1e-6
        plus = layers_by_step(x, [W + e if j == i else W for j, W in enumerate(Ws)])
        minus = layers_by_step(x, [W - e if j == i else W for j, W in enumerate(Ws)])
        np.testing.assert_allclose(grads[i][1, 2], (plus - minus) / 2e-6, rtol=1e-6)


def rows_from_one(X, w):
    s = 0.0
    for t in range(1, X.shape[0]):
        s = s + ((X[t] - X[t - 1] * w) ** 2).sum()
    return s


def zipped(X, Y, w):
    loss = 0.0
    for x, y in zip(X, Y):
        loss = loss + ((x @ w - y) ** 2).sum()
    return loss / len(X)


def reads_a_collected_list_in_a_loop(X, w):
    hs = []
    h = np.zeros(w.shape)
    for x in X:
        h = np.tanh(x * w + h)
        hs.append(h)
    total = 0.0
    for x in X:
        total = total + (x * np.stack(hs).sum(axis=0)).sum() + len(hs)
    return total


def rnn_step(x, state, W, U):
    h, total = state
    h = np.tanh(x @ W + h @ U)
    return h, total + (h ** 2).sum()


def carries_a_tuple(X, h0, W, U):
    state = (h0, 0.0)
    for x in X:
        state = rnn_step(x, state, W, U)
    h, total = state
    return total + h.sum()


def backwards_collecting(X, w):
    h = np.zeros(w.shape)
    hs = []
    for x in reversed(X):
        h = np.tanh(x * w + h)
        hs.append(h)
    return (np.stack(hs) * np.arange(1.0, X.shape[0] + 1)[:, None]).sum()


def last_value_of_a_local(W, u):
    for _ in range(20):
        v = W.T @ u
        v = v / np.linalg.norm(v)
        u = W @ v
        u = u / np.linalg.norm(u)
    return u @ W @ v


def test_reversed_loops_and_the_last_value_of_a_name_the_body_assigns():
    r = rng(12)
    for T in (1, 4):
        assert symdiff.check_grad(backwards_collecting, [r.normal(size=(T, 3)), r.normal(size=3)], wrt=(0, 1)) < 1e-5
    assert symdiff.check_grad(last_value_of_a_local, [r.normal(size=(4, 3)), r.normal(size=4)], wrt=(0, 1)) < 1e-5


def test_rows_at_offsets_zipped_sequences_and_tuples_of_carries():
    r = rng(9)
    assert symdiff.check_grad(rows_from_one, [r.normal(size=(5, 3)), r.normal(size=3)], wrt=(0, 1)) < 1e-5
    assert symdiff.check_grad(zipped, [r.normal(size=(4, 3)), r.normal(size=(4, 2)), r.normal(size=(3, 2))],
                              wrt=(0, 1, 2)) < 1e-5
    for T in (0, 3):
        args = [r.normal(size=(T, B, D)), r.normal(size=(B, H)), r.normal(size=(D, H)), r.normal(size=(H, H))]
        assert symdiff.check_grad(carries_a_tuple, args, wrt=(0, 1, 2, 3)) < 1e-5
    assert symdiff.check_grad(reads_a_collected_list_in_a_loop, [r.normal(size=(4, 3)), r.normal(size=3)],
                              wrt=(0, 1)) < 1e-5


def test_collected_values_stack_on_any_axis():
    r = rng(5)
    X, h0, W = r.normal(size=(4, B, D)), r.normal(size=(B, D)), r.normal(size=(D, D)) * 0.5
    out = symdiff.vjp(states, wrt=(0, 1, 2))
    np.testing.assert_allclose(symdiff.derive(states, shapes={"X": ("T", "B", "D"), "h0": ("B", "D"),
                                                              "W": ("D", "D")}).compiled("value")(X, h0, W),
                               states(X, h0, W))
    v = r.normal(size=(B, 4, D))
    grads = out(X, h0, W, v)
    for i, g in enumerate(grads):
        np.testing.assert_allclose(g, fd_gradient(lambda *a: (states(*a) * v).sum(), [X, h0, W], i), rtol=1e-6, atol=1e-8)


def test_while_loop_runs_until_its_test_fails_and_the_reverse_loop_replays_it():
    r = rng(6)
    for a in (r.uniform(0.2, 0.5, 3), r.uniform(0.6, 0.9, 3)):  # different numbers of steps, one derivation
        x0 = r.uniform(0, 1, 3)
        np.testing.assert_allclose(symdiff.value_and_grad(fixed_point, wrt=1)(x0, a)[0], fixed_point(x0, a))
        assert symdiff.check_grad(fixed_point, [x0, a], wrt=(0, 1)) < 1e-5
    t, e = r.normal(size=3), 1e-6
    value, dot = symdiff.jvp(fixed_point, wrt=1)(x0, a, t)
    np.testing.assert_allclose(dot, (fixed_point(x0, a + e * t) - fixed_point(x0, a - e * t)) / (2 * e), rtol=1e-6)
    grad = symdiff.grad(fixed_point, wrt=1)
    np.testing.assert_allclose(symdiff.hvp(fixed_point, wrt=1)(x0, a, t),
                               (grad(x0, a + e * t) - grad(x0, a - e * t)) / (2 * e), rtol=1e-5, atol=1e-8)
    source = symdiff.derive(fixed_point, wrt="a", shapes={"x0": ("N",), "a": ("N",)}).module_source(("grad",))
    assert "while (err1 > 1e-12) & (it < 200.0):" in source and "steps += 1" in source
    assert re.search(r"for i in reversed\(range\(steps\)\):", source)


def test_jvp_and_hvp_run_through_loops():
    args = rnn_args(5, seed=7)
    r = rng(8)
    tangents = [r.normal(size=a.shape) for a in args[2:]]
    value, dot = symdiff.jvp(rnn, wrt=(2, 3, 4))(*args, *tangents)
    e = 1e-6
    plus = rnn(*args[:2], *(a + e * t for a, t in zip(args[2:], tangents)))
    minus = rnn(*args[:2], *(a - e * t for a, t in zip(args[2:], tangents)))
    np.testing.assert_allclose(value, rnn(*args))
    np.testing.assert_allclose(dot, (plus - minus) / (2 * e), rtol=1e-6)
    grad = symdiff.grad(rnn, wrt=3)
    v = r.normal(size=args[3].shape)
    hv = symdiff.hvp(rnn, wrt=3)(*args, v)
    numeric = (grad(*args[:3], args[3] + e * v, args[4]) - grad(*args[:3], args[3] - e * v, args[4])) / (2 * e)
    np.testing.assert_allclose(hv, numeric, rtol=1e-5, atol=1e-7)


def test_exported_module_runs_the_loops(tmp_path):
    shapes = {"X": ("T", "B", "D"), "h0": ("B", "H"), "Wx": ("D", "H"), "Wh": ("H", "H"), "b": ("H",)}
    source = symdiff.export(rnn, wrt=("Wx", "Wh"), shapes=shapes)
    namespace = {}
    exec(compile(source, str(tmp_path / "rnn_grad.py"), "exec"), namespace)
    args = rnn_args(3)
    for g, e in zip(namespace["grad_rnn"](*args), symdiff.grad(rnn, wrt=(2, 3))(*args)):
        np.testing.assert_array_equal(g, e)


# -- refused, with the line and what to do --------------------------------------------------

def test_hessian_and_jacobian_through_a_loop_are_refused_with_the_loop_line():
    args = rnn_args(2)
    with pytest.raises(UnsupportedSyntaxError, match="Hessian through a loop") as info:
        symdiff.hessian(rnn, wrt=3)(*args)
    assert info.value.lineno == rnn.__code__.co_firstlineno + 3 and "hvp" in info.value.hint
    with pytest.raises(SymdiffError, match="Jacobian"):
        symdiff.jacobian(states, wrt=2)(args[0], np.ones((B, D)), np.ones((D, D)))


def test_refused_loops_name_the_problem():
    def appends_twice(X):
        out = []
        for x in X:
            out.append(x)
            out.append(2 * x)
        return np.stack(out).sum()

    def joins(X):
        out = []
        for x in X:
            out.append(x)
        return np.hstack(out).sum()

    def changes_shape(X):
        h = X[0]
        for x in X:
            h = np.outer(h, x)
        return h.sum()

    def wraps_around(X):
        s = 0.0
        for t in range(X.shape[0]):
            s = s + X[t - 1].sum()
        return s

    def writes_part_of_a_row(X):
        out = np.zeros(X.shape)
        for t in range(X.shape[0]):
            out[t, 0] = X[t, 1]
        return out.sum()

    def dict_of_states(X):
        hs = {}
        h = np.zeros(X.shape[1])
        for t in range(X.shape[0]):
            h = np.tanh(X[t] + h)
            hs[t] = h
        return h.sum()

    X = np.ones((3, 2))
    for fn, message in ((dict_of_states, "a dict changes in the loop"), (appends_twice, "gets 2 items a step"), (joins, "joining the arrays a loop collected other than"),
                        (changes_shape, "changes shape"), (wraps_around, "other than as its row"),
                        (writes_part_of_a_row, "other than a whole row")):
        with pytest.raises(SymdiffError, match=message):
            symdiff.grad(fn)(X)


def test_array_api_module_runs_the_loops():
    xp = pytest.importorskip("array_api_strict")
    shapes = {"x0": ("N",), "a": ("N",)}
    namespace = {}
    exec(symdiff.export(fixed_point, wrt="a", shapes=shapes, array_api=True), namespace)
    x0, a = np.linspace(0.1, 0.9, 3), np.array([0.3, 0.4, 0.5])
    np.testing.assert_allclose(np.asarray(namespace["grad_fixed_point"](xp.asarray(x0), xp.asarray(a))),
                               symdiff.grad(fixed_point, wrt=1)(x0, a), rtol=1e-12)


def written_rows(X, W):
    T = X.shape[0]
    outs = np.ones((T + 2, W.shape[1]))
    h = np.zeros(W.shape[1])
    for t in range(T):
        h = np.tanh(X[t] @ W + h)
        outs[t + 1] = h
    return (outs ** 2).sum()


def test_rows_assigned_into_a_preallocated_array_are_the_loop_collecting():
    r = rng(10)
    for T in (0, 1, 4):
        assert symdiff.check_grad(written_rows, [r.normal(size=(T, 3)), r.normal(size=(3, 2))], wrt=(0, 1)) < 1e-5
    source = symdiff.derive(written_rows, shapes={"X": ("T", "D"), "W": ("D", "H")}).module_source(("value",))
    assert re.search(r"outs\d = np.empty\(\(T, H\), dtype=h\d?.dtype\)", source) and re.search(r"outs\d\[t\] = h", source)


def gated(X, w):
    h = np.zeros(w.shape)
    for x in X:
        h = h + sigmoid(x * w) * x
    return h.sum()


def test_loop_bodies_get_the_stable_forms_at_large_logits():
    X = np.array([[1e4, -1e4], [-1e4, 1e4]])
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        for dtype in (np.float32, np.float64):
            g = symdiff.grad(gated, wrt=(0, 1))(X.astype(dtype), np.ones(2, dtype))
            assert all(np.isfinite(a).all() and a.dtype == dtype for a in g)
    source = symdiff.derive(gated, shapes={"X": ("T", "D"), "w": ("D",)}).module_source(("grad",))
    assert "np.exp(-np.abs(" in source


# -- comprehensions over rows and symbolic ranges --------------------------------------------

def comprehended(X, w):
    hs = [np.tanh(x @ w) for x in X]
    return np.stack(hs).sum() + sum(np.sum(X[t] * w[:, 0]) for t in range(X.shape[0]))


def comprehended_with_a_test(X, w):
    return np.array([np.tanh(X[t] @ w) ** 2 for t in range(len(X)) if 1 > 0]).mean()


def test_comprehensions_over_rows_and_symbolic_ranges_are_loops():
    r = rng(14)
    for T in (1, 6):
        args = [r.normal(size=(T, 3)), r.normal(size=(3, 2))]
        assert symdiff.check_grad(comprehended, args, wrt=(0, 1)) < 1e-5
        assert symdiff.check_grad(comprehended_with_a_test, args, wrt=(0, 1)) < 1e-5
    code = symdiff.derive(comprehended, shapes={"X": ("T", "D"), "w": ("D", "K")}).module_source(("grad",))
    # each comprehension is one loop and its reverse, whatever T is: nothing is unrolled
    assert code.count(" in range(T):") == 2 and code.count(" in reversed(range(T)):") == 2


def test_a_dict_comprehension_over_rows_is_refused_where_it_is_written(tmp_path):
    module = load_module(tmp_path, """
import numpy as np

def f(X):
    d = {t: np.tanh(X[t]) for t in range(X.shape[0])}
    return d[0].sum()
""")
    with pytest.raises(UnsupportedSyntaxError, match="dict comprehension") as info:
        symdiff.grad(module.f)(np.ones((3, 2)))
    assert info.value.lineno == 5 and "for` statement appending" in str(info.value)


def swaps_views_of_a_temporary(x, s, W):
    e = np.exp(x)
    a = e[0]
    b = e[1]
    for r in s:
        a, b = b, np.tanh(W @ a + r)
    y = np.sin(x) * 2.0
    return np.sum(a) + np.sum(y * y)


def test_a_loop_result_that_is_its_initial_view_keeps_the_buffer_it_views():
    """Found in review: at 0 or 1 steps `a` is a view of `e`, whose buffer in-place code once reused."""
    r = rng(15)
    x, W = r.normal(size=(3, 4)), r.normal(size=(4, 4)) * 0.5
    transformed = symdiff.value_and_grad(swaps_views_of_a_temporary, wrt=(0, 2))
    value_only = symdiff.derive(swaps_views_of_a_temporary, wrt=("x", "W"), dtype=np.float64,
                                shapes={"x": ("T", "n"), "s": ("K", "n"), "W": ("n", "n")}).compiled("value")
    for K in (0, 1, 2):
        s = r.normal(size=(K, 4))
        value, grads = transformed(x, s, W)
        np.testing.assert_allclose(value, swaps_views_of_a_temporary(x, s, W), rtol=1e-12)
        np.testing.assert_allclose(value_only(x, s, W), swaps_views_of_a_temporary(x, s, W), rtol=1e-12)
        for g, i in zip(grads, (0, 2)):
            np.testing.assert_allclose(g, fd_gradient(swaps_views_of_a_temporary, [x, s, W], i), rtol=1e-6, atol=1e-8)
