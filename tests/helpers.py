"""Test helpers: an independent finite-difference oracle, torch as an optional oracle, temp modules."""
from __future__ import annotations

import importlib.util
import sys
import textwrap
import uuid

import numpy as np

try:
    import torch
except ImportError:  # torch is an optional oracle
    torch = None


def fd_gradient(f, args, index, eps=1e-6):
    """Per-element central differences of f with respect to args[index], in float64 (independent of
    symdiff.check_grad, to check it)."""
    args = [np.asarray(a, dtype=np.float64) if np.asarray(a).dtype.kind == "f" else np.asarray(a) for a in args]
    x = args[index]
    out = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        h = eps * max(1.0, abs(x[i]))
        plus, minus = x.copy(), x.copy()
        plus[i] += h
        minus[i] -= h
        out[i] = (f(*args[:index], plus, *args[index + 1:]) - f(*args[:index], minus, *args[index + 1:])) / (2 * h)
    return out


def torch_grads(fn, args, wrt_indices):
    """Gradients by torch autograd in float64 of a torch-spelled fn."""
    tensors = [torch.tensor(np.asarray(a, dtype=np.float64), requires_grad=i in wrt_indices)
               for i, a in enumerate(args)]
    value = fn(*tensors)
    value.backward()
    return [tensors[i].grad.numpy() for i in wrt_indices]


def load_module(tmp_path, source: str):
    """Write `source` to a fresh module file and import it."""
    name = f"symdiff_test_{uuid.uuid4().hex[:10]}"
    path = tmp_path / f"{name}.py"
    path.write_text(textwrap.dedent(source))
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def rng(seed=0):
    return np.random.default_rng(seed)


def code_only(source: str) -> str:
    """Generated source without comments and docstrings: what actually runs."""
    import ast

    tree = ast.parse(source)
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.Module)) and ast.get_docstring(node) is not None:
            node.body = node.body[1:]
    return ast.unparse(tree)
