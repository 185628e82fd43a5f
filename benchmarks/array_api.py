"""What running through the Array API standard costs: the per-call overhead of taking the namespace
from the arguments on the tutorial-sized workload, and one gradient step of logistic regression on
dask (a distributed LocalCluster of 2 single-threaded workers) against numpy in memory.

    python -m benchmarks.array_api [--rows 2000000] [--quick]

Interleaved rounds, medians (benchmarks/timing.py); prints a Markdown table.
"""
from __future__ import annotations

import argparse

import numpy as np

import symdiff

from .timing import DEFAULT, QUICK, interleave


def _tutorial_overhead(method) -> dict:
    from symdiff.examples import tutorial

    rng = np.random.default_rng(0)
    args = [rng.standard_normal(5), rng.random(3), rng.standard_normal((5, 3)), rng.standard_normal(3)]
    derivation = symdiff.derive(tutorial.loss, wrt=("w", "b"))
    numpy_code, standard_code = derivation.compiled("grad"), derivation.compiled("grad", array_api=True)
    return interleave({"numpy code": lambda: numpy_code(*args),
                       "Array API code on numpy arrays": lambda: standard_code(*args)}, method)


def _dask_step(rows: int, features: int, chunk_rows: int, method) -> dict:
    import dask
    import dask.array as da
    from distributed import Client, LocalCluster

    from symdiff.examples.out_of_core import logistic

    rng = np.random.default_rng(1)
    x = rng.standard_normal((rows, features))
    y = (x @ np.linspace(-1, 1, features)[:, None] > 0).astype(np.float64)
    w, b = np.zeros((features, 1)), np.zeros(1)
    grad = symdiff.grad(logistic, wrt=("w", "b"))
    with LocalCluster(n_workers=2, threads_per_worker=1, dashboard_address=None) as cluster, Client(cluster) as client:
        dx = client.persist(da.from_array(x, chunks=(chunk_rows, features)))
        dy = client.persist(da.from_array(y, chunks=(chunk_rows, 1)))
        return interleave({"numpy in memory": lambda: grad(x, y, w, b),
                           "dask, 2 workers": lambda: dask.compute(*grad(dx, dy, w, b))}, method)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=2_000_000)
    parser.add_argument("--features", type=int, default=32)
    parser.add_argument("--chunk-rows", type=int, default=250_000)
    parser.add_argument("--quick", action="store_true", help="small sizes, few rounds")
    args = parser.parse_args(argv)
    method = QUICK if args.quick else DEFAULT
    rows = 20_000 if args.quick else args.rows
    chunk = 5_000 if args.quick else args.chunk_rows
    overhead = _tutorial_overhead(method)
    step = _dask_step(rows, args.features, chunk, method)
    print("| measurement | median | ratio |\n|---|---:|---:|")
    base = overhead["numpy code"]["median_s"]
    for name, r in overhead.items():
        print(f"| tutorial grad, {name} | {r['median_s'] * 1e6:.1f} µs | {r['median_s'] / base:.2f}× |")
    base = step["numpy in memory"]["median_s"]
    for name, r in step.items():
        print(f"| logistic regression step, {rows:,} x {args.features}, {name} | {r['median_s'] * 1e3:.0f} ms "
              f"| {r['median_s'] / base:.2f}× |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
