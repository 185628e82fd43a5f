"""`if` statements and conditional expressions on array values: both branches are built and each name
they assign (or the value both return) is selected elementwise, with the gradient of the branch taken
(checked against finite differences and torch)."""
import numpy as np
import pytest
from helpers import load_module, torch

import symdiff

SOURCE = '''
import numpy as np


def assigned(x):
    if x > 0:
        y = x * x
    else:
        y = -x
    return y.sum()


def expression(a, b):
    out = a * b if a > b else a + b
    return out.sum()


def both_return(x):
    if x.sum() > 0:
        return (x ** 2).sum()
    else:
        return np.exp(x).sum()


def one_sided(x, w):
    z = x @ w
    if z > 1.0:
        z = z * 2
    return z.sum()


def nested_in_a_loop(x):
    for k in range(3):
        if x > k - 1:
            x = np.tanh(x) + k
        elif x < -1:
            x = x * 0.5
        else:
            x = x ** 3
    return x.sum()


def on_numbers(x):
    scale = 2.0 if x.mean() > 0 else 3.0
    return (scale * x).sum()
'''

TORCH = {
    "assigned": lambda x: torch.where(x > 0, x * x, -x).sum(),
    "expression": lambda a, b: torch.where(a > b, a * b, a + b).sum(),
}


@pytest.fixture(scope="module")
def module(tmp_path_factory):
    return load_module(tmp_path_factory.mktemp("branches"), SOURCE)


CASES = {
    "assigned": [(7,)],
    "expression": [(7,), (7,)],
    "both_return": [(5,)],
    "one_sided": [(4, 3), (3,)],
    "nested_in_a_loop": [(9,)],
    "on_numbers": [(6,)],
}


@pytest.mark.parametrize("name", CASES)
@pytest.mark.parametrize("seed", [0, 1])
def test_branches_on_values_match_finite_differences(module, name, seed):
    rng = np.random.default_rng(seed)
    fn = getattr(module, name)
    args = [rng.standard_normal(s) * 1.5 for s in CASES[name]]
    wrt = tuple(fn.__code__.co_varnames[: len(args)])
    assert symdiff.check_grad(fn, args, wrt=wrt) < 1e-6
    expected = _numpy_twin(fn, args)
    np.testing.assert_allclose(symdiff.value_and_grad(fn, wrt=wrt)(*args)[0], expected, rtol=1e-12)


def _numpy_twin(fn, args):
    """The function's value computed elementwise, element by element (Python's `if` on each one)."""
    if fn.__name__ in ("both_return", "on_numbers"):
        return fn(*args)  # conditions on a reduction: a scalar, which Python's `if` takes as it is
    columns = [np.broadcast_to(a, np.broadcast_shapes(*(np.shape(b) for b in args))) for a in args] \
        if fn.__name__ != "one_sided" else None
    if columns is None:
        x, w = args
        z = x @ w
        return float(np.sum(np.where(z > 1.0, 2 * z, z)))
    total = 0.0
    for items in zip(*(c.ravel() for c in columns)):
        total += fn(*(np.array([i]) for i in items))
    return total


@pytest.mark.parametrize("name", TORCH)
def test_selected_branches_against_torch(module, name):
    if torch is None:
        pytest.skip("torch is an optional oracle")
    rng = np.random.default_rng(3)
    args = [rng.standard_normal(s) for s in CASES[name]]
    tensors = [torch.tensor(a, requires_grad=True) for a in args]
    TORCH[name](*tensors).backward()
    wrt = tuple(getattr(module, name).__code__.co_varnames[: len(args)])
    grads = symdiff.grad(getattr(module, name), wrt=wrt)(*args)
    for g, t in zip(grads, tensors):
        np.testing.assert_allclose(g, t.grad.numpy(), rtol=1e-12)


def test_float32_stays_float32_through_a_selection(module):
    x = np.linspace(-1, 1, 5).astype(np.float32)
    assert symdiff.grad(module.assigned)(x).dtype == np.float32
    assert symdiff.grad(module.on_numbers)(x).dtype == np.float32


def test_the_generated_code_selects_with_where(module):
    source = symdiff.derive(module.assigned, shapes={"x": ("N",)}).module_source(("value", "grad"))
    assert "np.where(x > 0.0, y, y1)" in source
