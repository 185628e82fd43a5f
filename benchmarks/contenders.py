"""The contenders: hand-written numpy (the bar), symdiff in process and as an exported module, and the
optional peers. Each `prepare(workload, inputs)` returns a zero-argument call giving the value and the
gradients, which `check` compares with the hand-written ones before anything is timed."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

import symdiff

from . import models, peers

#: Relative tolerance of the check, against the largest entry of each reference array.
TOLERANCE = {"float32": 1e-3, "float64": 1e-8}


@dataclass(frozen=True)
class Contender:
    key: str
    label: str
    prepare: Callable
    requires: str | None = None  # the optional package it needs
    numpy_memory: bool = False  # allocates through numpy, so tracemalloc sees its peak memory
    slow_first_call: bool = False  # compiles for many seconds on its first call: not in --quick runs

    def available(self) -> bool:
        return self.requires is None or peers.installed(self.requires)


def prepare_numpy(workload, inputs):
    fn = models.HAND[workload.model]
    return lambda: fn(*inputs)


def prepare_symdiff(workload, inputs):
    fn = symdiff.value_and_grad(models.SYMDIFF[workload.model], wrt=workload.wrt)
    return lambda: fn(*inputs)


def exported_source(workload) -> str:
    """The module `symdiff export --dtype <the workload's>` writes for the model."""
    return symdiff.export(models.SYMDIFF[workload.model], wrt=workload.wrt, shapes=workload.shapes,
                          kinds=("value_and_grad",), dtype=workload.dtype)


def prepare_export(workload, inputs):
    name = models.SYMDIFF[workload.model].__name__
    namespace: dict = {}
    exec(compile(exported_source(workload), f"<symdiff export of {name}>", "exec"), namespace)
    fn = namespace.get(f"value_and_grad_{name}")
    if fn is None:
        raise LookupError(f"the exported module defines no `value_and_grad_{name}`")
    return lambda: fn(*inputs)


CONTENDERS = (
    Contender("numpy", "hand-written numpy", prepare_numpy, numpy_memory=True),
    Contender("symdiff", "symdiff value_and_grad", prepare_symdiff, numpy_memory=True),
    Contender("export", "symdiff export", prepare_export, numpy_memory=True),
    Contender("torch", "torch eager", peers.prepare_torch, "torch"),
    Contender("torch_compile", "torch.compile", peers.prepare_torch_compile, "torch", slow_first_call=True),
    Contender("jax", "jax.jit", peers.prepare_jax, "jax"),
    Contender("pytensor", "PyTensor", peers.prepare_pytensor, "pytensor", numpy_memory=True,
              slow_first_call=True),
    Contender("autograd", "HIPS autograd", peers.prepare_autograd, "autograd", numpy_memory=True),
)
BY_KEY = {c.key: c for c in CONTENDERS}


def peak_memory(call) -> int:
    """Bytes at the peak of one call, as tracemalloc sees numpy's allocations."""
    import tracemalloc

    tracemalloc.start()
    try:
        call()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def as_numpy(result) -> tuple[np.ndarray, list[np.ndarray]]:
    value, grads = result
    return np.asarray(value), [np.asarray(g) for g in grads]


def check(result, reference, dtype: str) -> list[str]:
    """What differs between a call's (value, gradients) and the reference: dtype, shape, values."""
    problems = []
    value, grads = as_numpy(result)
    ref_value, ref_grads = as_numpy(reference)
    if len(grads) != len(ref_grads):
        return [f"{len(grads)} gradients, expected {len(ref_grads)}"]
    names = ["value"] + [f"gradient {i + 1}" for i in range(len(grads))]
    for name, got, want in zip(names, [value, *grads], [ref_value, *ref_grads]):
        if got.shape != want.shape:
            problems.append(f"{name}: shape {got.shape}, expected {want.shape}")
            continue
        if got.dtype != want.dtype:
            problems.append(f"{name}: dtype {got.dtype}, expected {want.dtype}")
        scale = max(float(np.max(np.abs(want), initial=0.0)), np.finfo(dtype).tiny)
        error = float(np.max(np.abs(got.astype(np.float64) - want), initial=0.0)) / scale
        if not error <= TOLERANCE[dtype]:
            problems.append(f"{name}: relative error {error:.1e} > {TOLERANCE[dtype]:.0e}")
    return problems
