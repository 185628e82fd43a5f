"""PyTorch's autograd tutorial, in numpy and torch spelling, against finite differences and torch."""
import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest
from helpers import fd_gradient, load_module, rng, torch, torch_grads

import symdiff
from symdiff.examples import TUTORIAL_TORCH
from symdiff.examples.tutorial import loss
from symdiff.functional import binary_cross_entropy_with_logits
from symdiff.source import FunctionSource


def tutorial_inputs(seed=0):
    r = rng(seed)
    return [np.ones(5), np.zeros(3), r.standard_normal((5, 3)), r.standard_normal(3)]


def test_tutorial_numpy_spelling_matches_finite_differences():
    args = tutorial_inputs()
    gw, gb = symdiff.grad(loss, wrt=("w", "b"))(*args)
    assert gw.shape == (5, 3) and gb.shape == (3,)
    np.testing.assert_allclose(gw, fd_gradient(loss, args, 2), rtol=1e-7, atol=1e-10)
    np.testing.assert_allclose(gb, fd_gradient(loss, args, 3), rtol=1e-7, atol=1e-10)
    assert symdiff.check_grad(loss, args, wrt=("w", "b")) < 1e-6


def test_issue_example_decorator():
    @symdiff.grad(wrt=("w", "b"))
    def loss(x, y, w, b):
        z = x @ w + b
        return binary_cross_entropy_with_logits(z, y)

    args = tutorial_inputs(1)
    gw, gb = loss(*args)
    np.testing.assert_allclose(gw, fd_gradient(loss.fn, args, 2), rtol=1e-7, atol=1e-10)
    np.testing.assert_allclose(gb, fd_gradient(loss.fn, args, 3), rtol=1e-7, atol=1e-10)


def _torch_spelled_grad():
    """The torch-spelled tutorial read from its file (no import: works without torch)."""
    source = FunctionSource.from_file(TUTORIAL_TORCH, "loss")
    return symdiff.derive(source, wrt=("w", "b")).compiled("grad")


def test_tutorial_torch_spelling_compiles_and_matches_numpy_spelling():
    args = tutorial_inputs(2)
    gw, gb = _torch_spelled_grad()(*args)
    np.testing.assert_allclose(gw, fd_gradient(loss, args, 2), rtol=1e-7, atol=1e-10)
    np.testing.assert_allclose(gb, fd_gradient(loss, args, 3), rtol=1e-7, atol=1e-10)


@pytest.mark.skipif(torch is None, reason="torch is an optional oracle")
def test_tutorial_matches_torch_autograd():
    args = tutorial_inputs(3)
    F = torch.nn.functional
    expected = torch_grads(lambda x, y, w, b: F.binary_cross_entropy_with_logits(torch.matmul(x, w) + b, y), args, [2, 3])
    for got in (symdiff.grad(loss, wrt=("w", "b"))(*args), _torch_spelled_grad()(*args)):
        for g, e in zip(got, expected):
            np.testing.assert_allclose(g, e, rtol=1e-10, atol=1e-12)


def test_torch_spelling_without_torch(tmp_path):
    """In a process where `import torch` fails, the torch-spelled file still compiles and checks."""
    blocker = tmp_path / "torch.py"
    blocker.write_text("raise ImportError('torch is not installed here')\n")
    env = dict(os.environ, PYTHONPATH=str(tmp_path))
    code = "import sys, symdiff.cli; sys.exit(symdiff.cli.main(sys.argv[1:]))"
    result = subprocess.run(
        [sys.executable, "-c", code, "show", f"{TUTORIAL_TORCH}:loss", "--wrt", "w,b"],
        capture_output=True, text=True, env=env, timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert "grad_loss: passed" in result.stdout
    code = result.stdout.split("# generated code")[1].split("# checks at")[0]
    assert not [line for line in code.splitlines() if "torch" in line and not line.strip().startswith("#")]


ALIASES = {
    "numpy as anything": """
        import numpy as anything
        from symdiff.functional import binary_cross_entropy_with_logits as bce
        def loss(x, y, w, b):
            return bce(anything.matmul(x, w) + b, y)
    """,
    "symdiff module": """
        import symdiff
        import numpy
        def loss(x, y, w, b):
            return symdiff.functional.binary_cross_entropy_with_logits(numpy.dot(x, w) + b, y)
    """,
    "symdiff.functional as F": """
        import numpy as np
        import symdiff.functional as F
        def loss(x, y, w, b):
            z = np.add(x @ w, b)
            return F.binary_cross_entropy_with_logits(z, y)
    """,
    "torch.nn.functional as F": """
        import torch
        import torch.nn.functional as F
        def loss(x, y, w, b):
            z = torch.add(torch.matmul(x, w), b)
            return F.binary_cross_entropy_with_logits(z, y, reduction="mean")
    """,
    "from torch.nn import functional": """
        from torch.nn import functional as fn
        import torch as th
        def loss(x, y, w, b):
            return fn.binary_cross_entropy_with_logits(th.matmul(x, w) + b, y)
    """,
    "from torch.nn.functional import ... as ...": """
        import torch
        from torch.nn.functional import binary_cross_entropy_with_logits as bce_logits
        def loss(x, y, w, b):
            return bce_logits(torch.matmul(x, w) + b, y)
    """,
}


@pytest.mark.parametrize("spelling", ALIASES)
def test_aliases_resolve(tmp_path, spelling):
    source = ALIASES[spelling]
    path = tmp_path / "aliased.py"
    path.write_text(textwrap.dedent(source))
    args = tutorial_inputs(4)
    # read statically (works with or without torch) ...
    g_static = symdiff.derive(FunctionSource.from_file(path, "loss"), wrt=("w", "b"),
                              shapes={"x": ("D",), "y": ("K",), "w": ("D", "K"), "b": ("K",)}).compiled("grad")
    expected = (fd_gradient(loss, args, 2), fd_gradient(loss, args, 3))
    for g, e in zip(g_static(*args), expected):
        np.testing.assert_allclose(g, e, rtol=1e-7, atol=1e-10)
    # ... and through the live module's globals where it imports
    if "torch" in source and torch is None:
        return
    live = load_module(tmp_path, source).loss
    for g, e in zip(symdiff.grad(live, wrt=("w", "b"))(*args), expected):
        np.testing.assert_allclose(g, e, rtol=1e-7, atol=1e-10)
