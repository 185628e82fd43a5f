"""What `symdiff.value_and_grad` costs in process above its generated code: the dispatch overhead.

    python -m benchmarks.dispatch [--workloads A,B] [--dtypes float32,float64] [--quick]

Per workload, the transformed function, the raw generated function it dispatches to, and the general
path (`Transformed._call`, what every call took before the fast path was generated) are called in
turn, one call each, the order rotated, each call timed alone, for `--seconds` in all with the garbage
collector off. A difference of a fraction of a microsecond on calls of 10 to 200 µs needs this: medians
of single calls shrug off a busy neighbour's interruptions, and each contender sees the same ones.
The overhead is the difference of the medians; the noise, that of the generated code timed twice as
two contenders (an overhead below it is not resolved). Prints a Markdown table.
"""
from __future__ import annotations

import argparse
import gc
import time

import numpy as np

import symdiff

from . import models
from .timing import warm
from .workloads import DTYPES, workloads


def alternate(calls: dict, seconds: float) -> dict[str, float]:
    """The median seconds of a single call of each of `calls`, called in turn (order rotated)."""
    for call in calls.values():
        warm(call, 0.05)
    names = list(calls)
    times = {name: [] for name in names}
    clock = time.perf_counter
    enabled = gc.isenabled()
    gc.disable()
    try:
        end, r = clock() + seconds, 0
        while clock() < end:
            for name in names[r % len(names):] + names[:r % len(names)]:
                call = calls[name]
                start = clock()
                call()
                times[name].append(clock() - start)
            r += 1
    finally:
        if enabled:
            gc.enable()
    return {name: float(np.median(t)) for name, t in times.items()}


def measure(workload, seconds: float) -> dict:
    """Medians in seconds of the three calls on one workload, and the overheads above the raw code."""
    args = workload.inputs()
    fn = symdiff.value_and_grad(models.SYMDIFF[workload.model], wrt=workload.wrt)
    fn(*args)
    raw = next(iter(fn._functions.values())).fn
    medians = alternate({"value_and_grad": lambda: fn(*args), "generated code": lambda: raw(*args),
                         "generated code again": lambda: raw(*args), "general path": lambda: fn._call(args, {})},
                        seconds)
    return {"medians_s": medians, "overhead_s": medians["value_and_grad"] - medians["generated code"],
            "general_overhead_s": medians["general path"] - medians["generated code"],
            "noise_s": abs(medians["generated code again"] - medians["generated code"])}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workloads", default="A,B", help="from A,B,C,D (default A,B)")
    parser.add_argument("--dtypes", default=",".join(DTYPES))
    parser.add_argument("--seconds", type=float, default=5.0, help="timing per workload (default 5)")
    parser.add_argument("--quick", action="store_true", help="small sizes, 0.1 s each")
    args = parser.parse_args(argv)
    seconds = 0.1 if args.quick else args.seconds
    print("| workload | generated code | value_and_grad | overhead | general path overhead | noise |\n"
          "|---|---:|---:|---:|---:|---:|")
    for workload in workloads(args.workloads.split(","), args.dtypes.split(","), quick=args.quick):
        r = measure(workload, seconds)
        print(f"| {workload.name} | {r['medians_s']['generated code'] * 1e6:.2f} µs "
              f"| {r['medians_s']['value_and_grad'] * 1e6:.2f} µs | {r['overhead_s'] * 1e6:.2f} µs "
              f"| {r['general_overhead_s'] * 1e6:.2f} µs | {r['noise_s'] * 1e6:.2f} µs |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
