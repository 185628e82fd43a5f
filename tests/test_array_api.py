"""One derivation, any array library: the same symdiff functions on numpy, torch, array-api-strict and
dask arrays (dask on a distributed LocalCluster), and exported `--array-api` modules without symdiff."""
import subprocess
import sys
import textwrap

import numpy as np
import pytest
from helpers import load_module, torch

import symdiff
from symdiff.examples import mlp, tutorial

xps = pytest.importorskip("array_api_strict")
da = pytest.importorskip("dask.array")
pytest.importorskip("array_api_compat")


def _numpy(a):
    a = a.compute() if hasattr(a, "compute") else a
    return a.numpy() if torch is not None and isinstance(a, torch.Tensor) else np.asarray(a)


def _tree(fn, value):
    return tuple(_tree(fn, v) for v in value) if isinstance(value, tuple) else fn(value)


def _tutorial_args(rng, dtype=np.float64):
    return [a.astype(dtype) for a in (rng.standard_normal(5), rng.random(3), rng.standard_normal((5, 3)),
                                      rng.standard_normal(3))]


def _mlp_args(rng):
    y = np.eye(3)[rng.integers(0, 3, 6)]
    shapes = [(6, 4), None, (4, 5), (5,), (5, 5), (5,), (5, 3), (3,)]
    return [y if s is None else rng.standard_normal(s) for s in shapes]


LIBRARIES = {
    "array_api_strict": xps.asarray,
    "dask": lambda a: da.from_array(a, chunks=2),
    "torch": (lambda a: torch.from_numpy(a)) if torch is not None else None,
}


@pytest.mark.parametrize("library", LIBRARIES)
@pytest.mark.parametrize("model", ["tutorial", "mlp"])
def test_the_same_function_on_every_library(library, model):
    convert = LIBRARIES[library]
    if convert is None:
        pytest.skip("torch is an optional oracle")
    rng = np.random.default_rng(0)
    if model == "tutorial":
        fn, args, wrt = tutorial.loss, _tutorial_args(rng), ("w", "b")
    else:
        fn, args, wrt = mlp.mlp, _mlp_args(rng), ("w1", "b1", "w3")
    transformed = symdiff.value_and_grad(fn, wrt=wrt)
    expected = transformed(*args)
    got = transformed(*(convert(a) for a in args))
    value, grads = got
    root = library.split("_")[0] if library != "array_api_strict" else "array_api_strict"
    for g in (value, *grads):
        assert type(g).__module__.startswith(root), f"{library} in, {type(g).__module__} out"
    np.testing.assert_allclose(_numpy(value), expected[0], rtol=1e-13)
    for g, e in zip(grads, expected[1]):
        np.testing.assert_allclose(_numpy(g), e, rtol=1e-12, atol=1e-15)


def test_float32_tensors_stay_float32():
    if torch is None:
        pytest.skip("torch is an optional oracle")
    args = _tutorial_args(np.random.default_rng(1), np.float32)
    grads = symdiff.grad(tutorial.loss, wrt=("w", "b"))(*(torch.from_numpy(a) for a in args))
    assert all(g.dtype == torch.float32 for g in grads)
    expected = symdiff.grad(tutorial.loss, wrt=("w", "b"))(*args)
    for g, e in zip(grads, expected):
        np.testing.assert_allclose(g.numpy(), e, rtol=2e-5, atol=1e-7)  # float32 kernels differ by ulps


def test_numpy_parameters_beside_a_dask_batch_are_promoted():
    rng = np.random.default_rng(2)
    x, y = rng.standard_normal((40, 5)), rng.random((40, 3))
    w, b = rng.standard_normal((5, 3)), rng.standard_normal(3)
    grad = symdiff.grad(_batched_loss(), wrt=("w", "b"))
    expected = grad(x, y, w, b)
    got = grad(da.from_array(x, chunks=(10, 5)), da.from_array(y, chunks=(10, 3)), w, b)
    for g, e in zip(got, expected):
        assert isinstance(g, da.Array)
        np.testing.assert_allclose(g.compute(), e, rtol=1e-12)


def test_arrays_of_two_libraries_are_refused_with_what_to_pass():
    args = _tutorial_args(np.random.default_rng(3))
    with pytest.raises(symdiff.InputTypeError, match="several libraries") as info:
        symdiff.grad(tutorial.loss, wrt="w")(xps.asarray(args[0]), da.from_array(args[1]), *args[2:])
    assert "Pass arrays of one library" in str(info.value)


_BATCHED = """\
import numpy as np
from symdiff.functional import binary_cross_entropy_with_logits

def loss(x, y, w, b):
    return binary_cross_entropy_with_logits(x @ w + b, y)
"""


def _batched_loss():
    import pathlib
    import tempfile

    return load_module(pathlib.Path(tempfile.mkdtemp()), _BATCHED).loss


def test_gradients_over_a_chunked_batch_on_a_distributed_cluster():
    distributed = pytest.importorskip("distributed")
    rng = np.random.default_rng(4)
    x, y = rng.standard_normal((2000, 8)), (rng.random((2000, 2)) > 0.5).astype(float)
    w, b = rng.standard_normal((8, 2)), rng.standard_normal(2)
    grad = symdiff.grad(_batched_loss(), wrt=("w", "b"))
    expected = grad(x, y, w, b)
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=False, dashboard_address=None) \
            as cluster, distributed.Client(cluster):
        lazy = grad(da.from_array(x, chunks=(250, 8)), da.from_array(y, chunks=(250, 2)), w, b)
        got = da.compute(*lazy)
    for g, e in zip(got, expected):
        np.testing.assert_allclose(g, e, rtol=1e-12)


def test_exported_array_api_module_runs_without_symdiff(tmp_path):
    path = tmp_path / "tutorial_xp.py"
    symdiff.export(tutorial.loss, path, wrt=("w", "b"), array_api=True)
    source = path.read_text()
    assert "import numpy" not in source and "import array_api_compat" in source
    args = _tutorial_args(np.random.default_rng(5))
    expected = symdiff.value_and_grad(tutorial.loss, wrt=("w", "b"))(*args)
    np.save(tmp_path / "args.npy", np.array(args, dtype=object), allow_pickle=True)
    script = textwrap.dedent(f"""
        import sys, builtins
        real_import = builtins.__import__
        def guarded(name, *a, **k):
            if name.split(".")[0] in ("symdiff", "sympy", "astor"):
                raise ImportError(name + " must not be needed")
            return real_import(name, *a, **k)
        builtins.__import__ = guarded
        import numpy as np, array_api_strict as xp
        sys.path.insert(0, {str(tmp_path)!r})
        import tutorial_xp
        args = np.load({str(tmp_path / "args.npy")!r}, allow_pickle=True)
        value, (gw, gb) = tutorial_xp.value_and_grad_loss(*(xp.asarray(a) for a in args))
        print(type(gw).__module__)
        print(float(value), *np.asarray(gw).ravel(), *np.asarray(gb).ravel())
    """)
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    kind, numbers = out.stdout.strip().splitlines()
    assert kind.startswith("array_api_strict")
    got = np.array(numbers.split(), dtype=float)
    np.testing.assert_allclose(got, np.concatenate([[expected[0]], expected[1][0].ravel(), expected[1][1]]),
                               rtol=1e-13)


def test_the_out_of_core_example_trains(capsys):
    distributed = pytest.importorskip("distributed")
    from symdiff.examples import out_of_core

    with distributed.LocalCluster(n_workers=1, threads_per_worker=1, processes=False, dashboard_address=None) \
            as cluster:
        assert out_of_core.main(["--rows", "4000", "--chunk-rows", "1000", "--steps", "2",
                                 "--scheduler", cluster.scheduler_address]) == 0
    lines = capsys.readouterr().out.splitlines()
    losses = [float(line.split("loss ")[1].split()[0]) for line in lines if "step 2/2" in line]
    assert len(losses) == 2 and all(0 < loss < 0.69 for loss in losses)  # both models learned something


def test_unknown_chunk_sizes_are_refused_with_what_to_call():
    x = da.from_array(np.arange(12.0).reshape(6, 2), chunks=(2, 2))
    x = x[x[:, 0] > 3]  # a dask array whose length is not known yet
    w = np.ones((2, 1))
    with pytest.raises(symdiff.InputTypeError, match="not known yet") as info:
        symdiff.grad(_batched_loss(), wrt="w")(x, x[:, :1], w, np.zeros(1))
    assert "compute_chunk_sizes()" in str(info.value)


def _gpu_libraries():
    cupy = None
    try:
        import cupy
        cupy.cuda.runtime.getDeviceCount()
    except Exception:  # no CuPy, or no device for it
        cupy = None
    return {
        "torch-cuda": (lambda a: torch.from_numpy(a).cuda()) if torch is not None and torch.cuda.is_available() else None,
        "cupy": cupy.asarray if cupy is not None else None,
    }


@pytest.mark.parametrize("library", ["torch-cuda", "cupy"])
def test_gpu_arrays_take_the_same_path(library):
    convert = _gpu_libraries()[library]
    if convert is None:
        pytest.skip(f"{library}: no GPU on this machine")
    args = _tutorial_args(np.random.default_rng(6))
    expected = symdiff.grad(tutorial.loss, wrt=("w", "b"))(*args)
    got = symdiff.grad(tutorial.loss, wrt=("w", "b"))(*(convert(a) for a in args))
    for g, e in zip(got, expected):
        host = g.cpu().numpy() if library == "torch-cuda" else g.get()
        np.testing.assert_allclose(host, e, rtol=1e-12)


def test_a_step_of_a_constant_is_a_number_in_array_api_code(tmp_path):
    """Found by the thorough random programs: d/da max(a - 1, a) holds heaviside(1.0), which the
    Array API rewrite once cast with `(1.0).dtype`."""
    module = load_module(tmp_path, """
import numpy as np

def f(p):
    s = np.logaddexp(0.0, p + p)
    return np.exp(np.maximum(s - 1.0, s)).sum()
""")
    x = np.random.default_rng(0).standard_normal(3)
    grad = symdiff.grad(module.f)
    expected = grad(x)
    np.testing.assert_allclose(_numpy(grad(xps.asarray(x))), expected, rtol=1e-13)
    h = 1e-6
    fd = [(module.f(x + h * e) - module.f(x - h * e)) / (2 * h) for e in np.eye(3)]
    np.testing.assert_allclose(expected, fd, rtol=1e-6)
