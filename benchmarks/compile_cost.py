"""Workload E: what symdiff costs to derive and emit a tanh MLP's value and gradients, by depth."""
from __future__ import annotations

import linecache
import time

import numpy as np
import sympy

import symdiff

DEPTHS = (1, 2, 4, 8, 16, 32)
QUICK_DEPTHS = (1, 2, 4)


def mlp_function(depth: int):
    """A `depth`-hidden-layer tanh MLP with BCE-with-logits, its shapes and the parameters to
    differentiate; its source is registered with linecache so symdiff reads it like a file's."""
    params = [f"{k}{i}" for i in range(1, depth + 1) for k in "wb"] + ["wo", "bo"]
    lines = ["import numpy as np",
             "from symdiff.functional import binary_cross_entropy_with_logits", "",
             f"def mlp{depth}(x, y, {', '.join(params)}):"]
    previous = "x"
    for i in range(1, depth + 1):
        lines.append(f"    h{i} = np.tanh({previous} @ w{i} + b{i})")
        previous = f"h{i}"
    lines += [f"    z = {previous} @ wo + bo", "    return binary_cross_entropy_with_logits(z, y)"]
    text = "\n".join(lines) + "\n"
    filename = f"<benchmarks mlp{depth}>"
    linecache.cache[filename] = (len(text), None, text.splitlines(True), filename)
    namespace: dict = {}
    exec(compile(text, filename, "exec"), namespace)
    shapes = {"x": ("N", "D"), "y": ("N", "K"), "w1": ("D", "H"), "wo": ("H", "K"), "bo": ("K",)}
    for i in range(1, depth + 1):
        shapes.setdefault(f"w{i}", ("H", "H"))
        shapes[f"b{i}"] = ("H",)
    return namespace[f"mlp{depth}"], shapes, tuple(params)


def derive_and_emit(depth: int) -> tuple[float, float]:
    """Seconds to derive and to emit the value-and-gradient module, from a cleared SymPy cache."""
    fn, shapes, wrt = mlp_function(depth)
    sympy.core.cache.clear_cache()
    start = time.perf_counter()
    derivation = symdiff.derive(fn, wrt=wrt, shapes=shapes)
    derived = time.perf_counter()
    derivation.module_source(("value_and_grad",))
    return derived - start, time.perf_counter() - derived


def measure(depths=DEPTHS, repeats: int = 3, before=None) -> list[dict]:
    """Median derive, emit and total seconds per depth, each repeat a fresh derivation; `before(depth)`
    is called as each depth starts."""
    derive_and_emit(1)  # first use of the pipeline's lazily built tables
    rows = []
    for depth in depths:
        if before:
            before(depth)
        times = np.array([derive_and_emit(depth) for _ in range(repeats)])
        derive_s, emit_s = np.median(times, axis=0)
        total_s = float(np.median(times.sum(axis=1)))
        rows.append({"depth": depth, "derive_s": float(derive_s), "emit_s": float(emit_s), "total_s": total_s,
                     "samples_s": times.tolist()})
    return rows
