"""Logistic regression and a small MLP trained by gradient descent on a dataset too large for memory:
dask generates it lazily in chunks of rows, symdiff's gradient code runs on the dask arrays, and a
`distributed` cluster computes each step chunk by chunk (sums over the batch are tree reductions).

    python -m symdiff.examples.out_of_core                       # 20 million rows x 32, about 5 GB
    python -m symdiff.examples.out_of_core --rows 200000 --steps 3 --memory-limit 1GB
    python -m symdiff.examples.out_of_core --scheduler tcp://host:8786   # a cluster already running
"""
from __future__ import annotations

import argparse
import time

import numpy as np

import symdiff
from symdiff.functional import binary_cross_entropy_with_logits


def logistic(x, y, w, b):
    return binary_cross_entropy_with_logits(x @ w + b, y)


def mlp(x, y, w1, b1, w2, b2):
    h = np.tanh(x @ w1 + b1)
    return binary_cross_entropy_with_logits(h @ w2 + b2, y)


def dataset(rows: int, features: int, chunk_rows: int, seed: int = 0):
    """Lazy features and labels from a fixed linear rule with noise: nothing is computed until used."""
    import dask.array as da

    rng = da.random.default_rng(seed)
    x = rng.standard_normal((rows, features), chunks=(chunk_rows, features))
    w_true = np.linspace(-1.0, 1.0, features)[:, None]
    noise = rng.standard_normal((rows, 1), chunks=(chunk_rows, 1))
    y = ((x @ w_true + 0.5 * noise) > 0).astype(np.float64)
    return x, y


def train(name, fn, params: dict, x, y, steps: int, rate: float) -> float:
    import dask

    step = symdiff.value_and_grad(fn, wrt=tuple(params))
    loss = float("nan")
    for i in range(steps):
        start = time.perf_counter()
        value, grads = step(x, y, *params.values())
        loss, *grads = dask.compute(value, *grads)
        params = {k: v - rate * g for (k, v), g in zip(params.items(), grads)}
        print(f"{name}: step {i + 1}/{steps}, loss {float(loss):.5f} ({time.perf_counter() - start:.1f} s)", flush=True)
    return float(loss)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=20_000_000)
    parser.add_argument("--features", type=int, default=32)
    parser.add_argument("--chunk-rows", type=int, default=250_000)
    parser.add_argument("--steps", type=int, default=5)
    parser.add_argument("--rate", type=float, default=1.0)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--memory-limit", default="1.5GB", help="per worker (the data is far larger)")
    parser.add_argument("--scheduler", help="address of a running dask scheduler (default: a LocalCluster)")
    args = parser.parse_args(argv)
    from distributed import Client, LocalCluster

    cluster = None if args.scheduler else LocalCluster(n_workers=args.workers, threads_per_worker=1,
                                                       memory_limit=args.memory_limit, dashboard_address=None)
    with Client(args.scheduler or cluster) as client:
        print(f"{args.rows:,} rows x {args.features} features in float64 "
              f"({args.rows * args.features * 8 / 1e9:.1f} GB), chunks of {args.chunk_rows:,} rows, "
              f"on {len(client.scheduler_info()['workers'])} workers", flush=True)
        x, y = dataset(args.rows, args.features, args.chunk_rows)
        rng = np.random.default_rng(1)
        d, h = args.features, 16
        train("logistic regression", logistic, {"w": np.zeros((d, 1)), "b": np.zeros(1)}, x, y, args.steps,
              args.rate)
        train("MLP", mlp, {"w1": rng.standard_normal((d, h)) / np.sqrt(d), "b1": np.zeros(h),
                           "w2": rng.standard_normal((h, 1)) / np.sqrt(h), "b2": np.zeros(1)},
              x, y, args.steps, args.rate)
    if cluster is not None:
        cluster.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
