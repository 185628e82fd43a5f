"""The loop corpus's oracle (tests/corpus/loops_examples.py): each case's finite-difference check,
as the corpus harness runs it, accepts torch autograd's gradient and catches it 0.1% off. The
torch-spelled cases run as they are; the numpy ones run on torch tensors, their module executed
again with `np` bound to a torch namespace (`TorchNumpy`), and give numpy's value."""
import inspect

import numpy as np
import pytest
from helpers import torch

from corpus import harness, load_cases, loops_examples

if torch is None:
    pytest.skip("the oracle of the loop corpus is torch autograd", allow_module_level=True)

CASES = load_cases(("loops_examples",))


class TorchNumpy:
    """The numpy calls the loop corpus makes, on float64 torch tensors."""

    linalg = torch.linalg
    dot = staticmethod(torch.matmul)

    def __getattr__(self, name):  # tanh, exp, log, abs, sqrt, stack, zeros_like...
        return getattr(torch, name)

    @staticmethod
    def zeros(shape):
        return torch.zeros(shape, dtype=torch.float64)

    @staticmethod
    def copy(a):
        return a.clone()

    @staticmethod
    def concatenate(arrays, axis=0):
        return torch.cat(arrays, dim=axis)

    @staticmethod
    def sum(a, axis=None, keepdims=False):
        return a.sum() if axis is None else a.sum(dim=axis, keepdim=keepdims)

    @staticmethod
    def mean(a):
        return a.mean()

    @staticmethod
    def max(a, axis=None, keepdims=False):
        return a.max() if axis is None else a.amax(dim=axis, keepdim=keepdims)


def _torch_module():
    """loops_examples executed again with `np` a TorchNumpy."""
    source = inspect.getsource(loops_examples).replace("import numpy as np\n", "")
    namespace = {"__name__": "corpus.loops_examples_on_torch", "__package__": "corpus", "np": TorchNumpy()}
    exec(compile(source, loops_examples.__file__, "exec"), namespace)
    return namespace


TORCH_FUNCTIONS = _torch_module()


def _tensors(tree, grad_paths, path=()):
    if isinstance(tree, (list, tuple)):
        return type(tree)(_tensors(item, grad_paths, path + (i,)) for i, item in enumerate(tree))
    if not isinstance(tree, np.ndarray):
        return tree
    tensor = torch.from_numpy(tree.copy())
    return tensor.requires_grad_() if path in grad_paths else tensor


def torch_gradient(case, fn):
    """`fn`'s gradients by torch autograd in float64, as `symdiff.grad(case.fn, wrt=case.wrt)`
    returns them (one or a tuple, trees shaped as the arguments)."""
    indices, single = harness.wrt_indices(case.fn, case.wrt)

    def call(*args):
        paths = {(i,) + p for i in indices for p, _ in harness.leaves(args[i])}
        tensors = _tensors(list(args), paths)
        inputs = [leaf for i in indices for _, leaf in harness.leaves(tensors[i])]
        previous = torch.get_default_dtype()
        torch.set_default_dtype(torch.float64)  # torch.zeros(...) in torch-spelled cases
        try:
            flat = iter(g.numpy() for g in torch.autograd.grad(fn(*tensors), inputs))
        finally:
            torch.set_default_dtype(previous)
        grads = [_rebuild(args[i], flat) for i in indices]
        return grads[0] if single else tuple(grads)

    return call, single


def _rebuild(tree, flat):
    if isinstance(tree, (list, tuple)):
        return type(tree)(_rebuild(item, flat) for item in tree)
    return next(flat)


def _off(grads, single):
    """The gradients with the first leaf 0.1% too large."""
    first = grads if single else grads[0]
    leaf = first[0] if isinstance(first, (list, tuple)) else first
    leaf *= 1.001
    return grads


def _with(monkeypatch, case, tweak=lambda grads, single: grads):
    """symdiff.grad and value_and_grad replaced by torch autograd (tweaked), in the harness."""
    fn = case.fn if case.framework == "torch" else TORCH_FUNCTIONS[case.fn.__name__]
    exact, single = torch_gradient(case, fn)
    value = harness.reference_function(case)[0]

    def grad(f, wrt=None):
        return lambda *args: tweak(exact(*args), single)

    def value_and_grad(f, wrt=None):
        return lambda *args: (value(args), grad(f, wrt)(*args))

    monkeypatch.setattr(harness.symdiff, "grad", grad)
    monkeypatch.setattr(harness.symdiff, "value_and_grad", value_and_grad)


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_finite_differences_agree_with_torch_autograd(monkeypatch, case):
    if case.framework != "torch":  # the torch run of the numpy source computes numpy's value
        args = case.args(np.random.default_rng(0))
        torch_value = TORCH_FUNCTIONS[case.fn.__name__](*_tensors(list(args), set()))
        assert float(torch_value) == pytest.approx(float(case.fn(*args)), rel=1e-12, abs=1e-14)
    _with(monkeypatch, case)
    result = harness.run_case(case)
    assert result.outcome == "right", result.detail


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_finite_differences_catch_a_gradient_off_by_a_thousandth(monkeypatch, case):
    _with(monkeypatch, case, _off)
    result = harness.run_case(case, values=False, again=False)
    assert result.outcome == "wrong" and "finite differences" in result.detail
