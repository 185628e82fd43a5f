"""The corpus (tests/corpus/): realistic functions in the styles of public examples, each compiled
gradient checked against central finite differences in float64, trees round-tripping their
structure (lists stay lists, dicts keep their keys, NamedTuples their type)."""
import importlib

import numpy as np
import pytest
from helpers import fd_gradient, rng, torch

import symdiff
from symdiff.trees import LEAF, flatten, unflatten


def _module(name):
    if name == "d2l_style" and torch is None:
        pytest.skip("the d2l-style corpus is torch-spelled and imports torch")
    return importlib.import_module(f"corpus.{name}")


def r(*shape, seed=0):
    return np.asarray(rng(seed).standard_normal(shape))


def onehot(n, k, seed=0):
    return np.eye(k)[rng(seed).integers(0, k, n)]


def _mlp_params(module, sizes):
    return module.init_random_params(0.5, sizes) if hasattr(module, "init_random_params") \
        else module.init_network_params(sizes)


# name: (module, function or a maker of it from the module, arguments from the module, wrt)
CASES = {
    "autograd logistic regression on globals": ("autograd_style", "training_loss", lambda m: [r(3)], 0),
    "autograd tanh": ("autograd_style", "tanh", lambda m: [r(4)], 0),
    "autograd neural_net log posterior": ("autograd_style", "log_posterior",
                                          lambda m: [_mlp_params(m, [3, 4, 2]), r(5, 3), onehot(5, 2)], 0),
    "autograd objective with keyword L2_reg": ("autograd_style", "objective",
                                               lambda m: [_mlp_params(m, [3, 4, 4, 2]), r(5, 3), onehot(5, 2)], 0),
    "autograd loss over the batch size": ("autograd_style", "accuracy_free_loss",
                                          lambda m: [_mlp_params(m, [3, 2]), r(5, 3), onehot(5, 2)], 0),
    "autograd factory closure": ("autograd_style", lambda m: m.make_nn_funs([3, 4, 2], 0.1),
                                 lambda m: [_mlp_params(m, [3, 4, 2]), r(5, 3), r(5, 2)], 0),
    "jax mlp params[:-1]": ("jax_style", "loss", lambda m: [_mlp_params(m, [3, 5, 4, 2]), r(6, 3), onehot(6, 2)], 0),
    "jax mlp wrt images": ("jax_style", "loss", lambda m: [_mlp_params(m, [3, 5, 2]), r(6, 3), onehot(6, 2)], 1),
    "jax NamedTuple linear regression": ("jax_style", "loss_fn",
                                         lambda m: [m.Params(r(1, seed=1), r(1, seed=2)), r(8), r(8, seed=3)], 0),
    "jax dict linear model": ("jax_style", "mse_dict", lambda m: [{"w": r(3, 2), "b": r(2)}, r(5, 3), r(5, 2)], 0),
    "jax nested dict mlp": ("jax_style", "nested_dict_mlp",
                            lambda m: [{"layer1": {"w": r(3, 4), "b": r(4)}, "layer2": {"w": r(4, 2)}}, r(5, 3)], 0),
    "jax dict of layers by key": ("jax_style", "dict_layers", lambda m: [{"a": r(3, 3), "b": r(3, 2)}, r(5, 3)], 0),
    "jax tree l2 over values()": ("jax_style", "tree_l2", lambda m: [{"w": r(3, 2), "b": r(2)}], 0),
    "jax selu defaults": ("jax_style", "selu_like", lambda m: [r(7)], 0),
    "jax sum_logistic": ("jax_style", "sum_logistic", lambda m: [r(7)], 0),
    "jax batch tuple": ("jax_style", "linear_model_loss",
                        lambda m: [{"W": r(3, 2), "b": r(2)}, (r(5, 3), r(5, 2))], 0),
    "tangent saxpy": ("tangent_style", "saxpy", lambda m: [r(3), r(3, seed=1), r(3, seed=2)], 0),
    "tangent augassign": ("tangent_style", "augassign", lambda m: [r(3)], 0),
    "tangent simple_loop": ("tangent_style", "simple_loop", lambda m: [r(3)], 0),
    "tangent nested_loop": ("tangent_style", "nested_loop", lambda m: [r(3)], 0),
    "tangent if_true": ("tangent_style", "if_true", lambda m: [r(3)], 0),
    "tangent while_loop": ("tangent_style", "while_loop", lambda m: [r(3)], 0),
    "tangent unpacking tuple argument": ("tangent_style", "unpacking_args_saxpy",
                                         lambda m: [(r(3), r(3, seed=1), r(3, seed=2))], 0),
    "tangent nested_dict": ("tangent_style", "nested_dict", lambda m: [{"i": {"j": r(3), "k": r(3, seed=1)}}], 0),
    "tangent logistic_regression": ("tangent_style", "logistic_regression",
                                    lambda m: [r(5, 3), (r(5, 2) > 0).astype(float), r(3, 2), r(2)], 2),
    "tangent inline helper": ("tangent_style", "inline_helper", lambda m: [r(3)], 0),
    "tangent default": ("tangent_style", "fn_with_default", lambda m: [r(3)], 0),
    "tangent break/continue": ("tangent_style", "break_continue", lambda m: [r(3)], 0),
    "tangent conditional expression": ("tangent_style", "cond_expr", lambda m: [r(3)], 0),
    "tangent list append": ("tangent_style", "list_append", lambda m: [r(3)], 0),
    "d2l linreg": ("d2l_style", "linreg_loss", lambda m: [r(6, 2), r(6), r(2), r(1)], 2),
    "d2l softmax regression (d2l.reduce_sum lambda)": ("d2l_style", "softmax_regression_loss",
                                                       lambda m: [r(5, 4), onehot(5, 3), r(4, 3), r(3)], 2),
    "d2l mlp on global parameters": ("d2l_style", "mlp_loss", lambda m: [r(5, 4), onehot(5, 3)], 0),
    "d2l l2_penalty": ("d2l_style", "l2_penalty", lambda m: [r(4, 3)], 0),
    "pytorch polynomial": ("d2l_style", "polynomial_loss",
                           lambda m: [r(9), r(9, seed=1), r(), r(seed=2), r(seed=3), r(seed=4)], 3),
    "d2l params list": ("d2l_style", "params_list_loss",
                        lambda m: [[r(4, 5), r(5), r(5, 3), r(3)], r(6, 4), r(6, 3)], 0),
    "d2l module bound method": ("d2l_style", lambda m: m.LinearRegressionScratch(3, 0.1).loss,
                                lambda m: [r(6, 3), r(6, 1)], 0),
}


def _function(module, spec):
    return getattr(module, spec) if isinstance(spec, str) else spec(module)


def _value(fn):
    """f itself where it runs on numpy arrays, else symdiff's forward (torch-spelled code)."""
    value = symdiff.api.Transformed(fn, None, "value")
    return lambda *args: np.asarray(value(*args), dtype=np.float64)


def _fd_tree(f, args, index):
    leaves, tree = flatten(args[index], lambda v: LEAF) if not isinstance(args[index], np.ndarray) \
        else ([args[index]], LEAF)
    grads = []
    for k in range(len(leaves)):
        def at(x, k=k):
            new = list(leaves)
            new[k] = x
            return f(*args[:index], unflatten(tree, new), *args[index + 1:])

        grads.append(fd_gradient(at, [np.asarray(leaves[k], dtype=np.float64)], 0))
    return unflatten(tree, grads)


@pytest.mark.parametrize("case", CASES)
def test_corpus_gradient(case):
    module_name, spec, make_args, wrt = CASES[case]
    module = _module(module_name)
    fn = _function(module, spec)
    args = make_args(module)
    got = symdiff.grad(fn, wrt=wrt)(*args)
    expected = _fd_tree(_value(fn), args, wrt)
    got_leaves, got_tree = flatten(got, lambda v: LEAF) if not isinstance(got, np.ndarray) else ([got], LEAF)
    exp_leaves, exp_tree = flatten(expected, lambda v: LEAF) if not isinstance(expected, np.ndarray) \
        else ([expected], LEAF)
    assert got_tree == exp_tree
    assert type(got) is type(args[wrt]) or isinstance(args[wrt], np.ndarray)
    for g, e in zip(got_leaves, exp_leaves):
        np.testing.assert_allclose(g, e, rtol=1e-5, atol=1e-7)


def test_the_corpus_is_large_enough():
    assert len(CASES) >= 30
