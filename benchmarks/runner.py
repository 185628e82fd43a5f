"""`python -m benchmarks` and `symdiff bench`: check every contender against hand-written numpy, time
them interleaved, measure symdiff's compile cost, then print Markdown and write JSON and a PNG."""
from __future__ import annotations

import argparse
import importlib
import sys
import time
from datetime import datetime
from pathlib import Path

from . import compile_cost, report
from .chart import chart
from .contenders import BY_KEY, check
from .environment import environment, load_average
from .timing import DEFAULT, QUICK, Method, interleave
from .workloads import DTYPES, KEYS, Workload, workloads

RESULTS = Path(__file__).with_name("results")


def progress(message: str, end: str = "\n") -> None:
    print(message, end=end, file=sys.stderr, flush=True)


def run_workload(workload: Workload, contenders, method: Method) -> dict:
    """Prepare and check each contender (hand-written numpy first: the reference), then time the
    ones that passed; for C also a bare `x @ w`. A peer's import is not part of its first call."""
    inputs = workload.inputs()
    entries, calls, reference = {}, {}, None
    for contender in contenders:
        entry = entries[contender.key] = {"label": contender.label}
        if not contender.available():
            entry["status"] = "not installed"
            continue
        if contender.requires:
            importlib.import_module(contender.requires)
        start = time.perf_counter()
        try:
            call = contender.prepare(workload, inputs)
            result = call()
        except Exception as exc:  # a peer or symdiff failing is a finding, not a crash
            problems = [f"{type(exc).__name__}: {exc}"]
        else:
            entry["setup_s"] = time.perf_counter() - start
            if reference is None:
                reference = result
            problems = check(result, reference, workload.dtype)
        if problems:
            entry.update(status="failed", error="; ".join(problems))
            progress(f"!! {workload.name}: {contender.label} FAILED the check: {entry['error']}")
        else:
            calls[contender.key] = call
    if workload.key == "C":
        x, w = inputs[0], inputs[2]
        calls["matmul"] = lambda: x @ w
    progress(f"{workload.label}: timing {', '.join(calls)} ", end="")
    timings = interleave(calls, method, progress=lambda done, total: progress(".", end=""))
    progress(" done")
    run = {"name": workload.name, "label": workload.label, "key": workload.key, "title": workload.title,
           "dtype": workload.dtype, "sizes": workload.sizes, "contenders": entries}
    bare = timings.pop("matmul", None)
    if bare:
        bare["gflops"] = workload.matmul_flops() / bare["median_s"] / 1e9
        run["matmul"] = bare
    for key, timing in timings.items():
        entries[key].update(status="timed", ratio=timing["median_s"] / timings["numpy"]["median_s"], **timing)
        if bare:
            entries[key]["gflops"] = 2 * workload.matmul_flops() / timing["median_s"] / 1e9
    return run


def _choices(text: str, allowed, what: str, parser) -> list[str]:
    chosen = [item.strip() for item in text.split(",") if item.strip()]
    unknown = [item for item in chosen if item not in allowed]
    if unknown:
        parser.error(f"unknown {what}: {', '.join(unknown)} (choose from {', '.join(allowed)})")
    return chosen


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument("--quick", action="store_true",
                        help="every code path in seconds: small sizes, few repetitions")
    parser.add_argument("--workloads", default="A,B,C,D,E", help="comma-separated, from A,B,C,D,E (default: all)")
    parser.add_argument("--dtypes", default=",".join(DTYPES), help="comma-separated (default: float32,float64)")
    parser.add_argument("--contenders", default=",".join(BY_KEY),
                        help=f"comma-separated, from {','.join(BY_KEY)} (numpy, the reference, always runs)")
    parser.add_argument("--budget", type=float, help=f"seconds of timing per workload and dtype (default {DEFAULT.budget:g})")
    parser.add_argument("--output", type=Path, default=RESULTS, help="folder for the JSON record and the chart")
    args = parser.parse_args(argv)
    args.workloads = _choices(args.workloads, KEYS + ("E",), "workloads", parser)
    args.dtypes = _choices(args.dtypes, DTYPES, "dtypes", parser)
    args.contenders = ["numpy"] + [c for c in _choices(args.contenders, tuple(BY_KEY), "contenders", parser)
                                   if c != "numpy"]
    return args


def main(argv=None) -> int:
    """Run the benchmark; 1 if a contender failed its check, else 0."""
    argv = sys.argv[1:] if argv is None else list(argv)
    args = parse_args(argv)
    method = QUICK if args.quick else DEFAULT
    if args.budget is not None:
        method = Method(args.budget, method.sample, method.warmup, method.min_rounds, method.max_rounds)
    record = {"created": datetime.now().isoformat(timespec="seconds"),
              "command": " ".join(["python -m benchmarks", *argv]), "quick": args.quick,
              "method": vars(method), "environment": environment(), "workloads": [], "compile": []}
    contenders = [BY_KEY[key] for key in args.contenders]
    for contender in contenders:
        if not contender.available():
            progress(f"{contender.label}: not installed ({contender.requires}), reported as such")
    selected = [k for k in args.workloads if k != "E"]
    for workload in workloads(selected, args.dtypes, quick=args.quick):
        record["workloads"].append(run_workload(workload, contenders, method))
    if "E" in args.workloads:
        progress("E compile cost, depth ", end="")
        record["compile"] = compile_cost.measure(
            compile_cost.QUICK_DEPTHS if args.quick else compile_cost.DEPTHS, repeats=1 if args.quick else 3,
            progress=lambda depth, seconds: progress(f"{depth} ({report.duration(seconds)}) ", end=""))
        progress("done")
    record["environment"]["load_average_end"] = load_average()
    args.output.mkdir(parents=True, exist_ok=True)
    stem = args.output / f"bench-{datetime.now():%Y%m%d-%H%M%S}{'-quick' if args.quick else ''}"
    print(report.markdown(record))
    progress(f"wrote {report.write_json(record, stem.with_suffix('.json'))}")
    png = chart(record, stem.with_suffix(".png"))
    progress(f"wrote {png}" if png else "no chart: matplotlib is not installed")
    failed = [f"{run['name']} {e['label']}" for run in record["workloads"] for e in run["contenders"].values()
              if e["status"] == "failed"]
    if failed:
        progress(f"!! FAILED the check: {', '.join(failed)}")
    return 1 if failed else 0
