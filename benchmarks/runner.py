"""`python -m benchmarks` and `symdiff bench`: check every contender against hand-written numpy, time
them interleaved, measure symdiff's compile cost, then print Markdown and write JSON and a PNG."""
from __future__ import annotations

import argparse
import importlib
import json
import sys
import time
from datetime import datetime
from pathlib import Path

from symdiff import SymdiffError

from . import compile_cost, environment as machine, report
from .chart import chart
from .contenders import BY_KEY, check, peak_memory
from .peers import Unsupported
from .timing import DEFAULT, QUICK, Method, interleave
from .workloads import DTYPES, KEYS, Workload, workloads

RESULTS = Path(__file__).with_name("results")


def progress(message: str, end: str = "\n") -> None:
    print(message, end=end, file=sys.stderr, flush=True)


class Steps:
    """`[k/n] what ... ETA ~Ns` on stderr, one line a step. The ETA extrapolates the seconds per
    step so far, and is at least `guess` seconds per step left."""

    def __init__(self, total: int, guess: float):
        self.total, self.done, self.guess = total, 0, guess
        self.start = time.perf_counter()

    def step(self, what: str) -> None:
        elapsed = time.perf_counter() - self.start
        per_step = max(self.guess, elapsed / self.done) if self.done else self.guess
        self.done += 1
        progress(f"[{self.done}/{self.total}] {what} ... ETA ~{per_step * (self.total - self.done + 1):.0f}s")


def run_workload(workload: Workload, contenders, method: Method, steps: Steps) -> dict:
    """Prepare and check each contender (hand-written numpy first: the reference), then time the
    ones that passed; for C also a bare `x @ w`. A peer's import is not part of its first call. A
    contender that cannot compile the model (a SymdiffError, a peer without its spelling) is
    reported as refused, with the reason, not as a failure."""
    inputs = workload.inputs()
    entries, calls, reference = {}, {}, None
    for contender in contenders:
        steps.step(f"{workload.key} {workload.dtype} {contender.label}")
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
        except (SymdiffError, Unsupported) as exc:
            entry.update(status="refused", error=getattr(exc, "message", None) or str(exc))
            progress(f"    {workload.name}: {contender.label} refused: {entry['error']}")
            continue
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
            if contender.numpy_memory:
                entry["peak_bytes"] = peak_memory(call)
    if workload.key == "C":
        x, w = inputs[0], inputs[2]
        calls["matmul"] = lambda: x @ w
    progress(f"    {workload.label}: timing {', '.join(calls)}, interleaved")
    timings = interleave(calls, method)
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
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="examples:\n  python -m benchmarks --quick --output /tmp/bench\n"
               "  python -m benchmarks --workloads A,B --dtypes float32 --contenders symdiff,torch\n"
               "  python -m benchmarks --chart benchmarks/results/latest.json")
    parser.add_argument("--quick", action="store_true",
                        help="every code path in seconds: small sizes, few repetitions")
    parser.add_argument("--workloads", default="A,B,C,D,E,F", help="comma-separated, from A,B,C,D,E,F (default: all)")
    parser.add_argument("--dtypes", default=",".join(DTYPES), help="comma-separated (default: float32,float64)")
    parser.add_argument("--contenders", default=",".join(BY_KEY),
                        help=f"comma-separated, from {','.join(BY_KEY)} (numpy, the reference, always runs)")
    parser.add_argument("--depths", help="comma-separated MLP depths for E (default: "
                        f"{','.join(map(str, compile_cost.DEPTHS))}; e.g. 32,64,128,256)")
    parser.add_argument("--budget", type=float, help=f"seconds of timing per workload and dtype (default {DEFAULT.budget:g})")
    parser.add_argument("--output", type=Path, default=RESULTS,
                        help="folder for the JSON record and the chart (default: benchmarks/results/, git-ignored)")
    parser.add_argument("--chart", type=Path, metavar="RECORD.json",
                        help="only redraw the chart of a recorded run, beside it (RECORD.png)")
    args = parser.parse_args(argv)
    args.workloads = _choices(args.workloads, KEYS + ("E",), "workloads", parser)
    args.dtypes = _choices(args.dtypes, DTYPES, "dtypes", parser)
    args.contenders = ["numpy"] + [c for c in _choices(args.contenders, tuple(BY_KEY), "contenders", parser)
                                   if c != "numpy"]
    return args


def _warn(record: dict) -> None:
    """Warn on stderr, and record, when the machine is busy (at the start, then at the end)."""
    for warning in machine.load_warnings(record["environment"]):
        if warning not in record["warnings"]:
            progress(f"!! WARNING: {warning}")
            record["warnings"].append(warning)


def main(argv=None) -> int:
    """Run the benchmark; 1 if a contender failed its check, else 0."""
    argv = sys.argv[1:] if argv is None else list(argv)
    args = parse_args(argv)
    if args.chart:
        png = chart(json.loads(args.chart.read_text()), args.chart.with_suffix(".png"))
        progress(f"wrote {png}" if png else "no chart: matplotlib is not installed")
        return 0 if png else 1
    method = QUICK if args.quick else DEFAULT
    if args.budget is not None:
        method = Method(args.budget, method.sample, method.warmup, method.min_rounds, method.max_rounds)
    record = {"created": datetime.now().isoformat(timespec="seconds"),
              "command": " ".join(["python -m benchmarks", *argv]), "quick": args.quick,
              "method": vars(method), "environment": machine.environment(), "workloads": [], "compile": [],
              "warnings": []}
    _warn(record)
    contenders = [BY_KEY[key] for key in args.contenders]
    if args.quick:  # seconds of compiling on the first call of every workload would make it slow
        skipped = [c for c in contenders if c.slow_first_call]
        contenders = [c for c in contenders if not c.slow_first_call]
        if skipped:
            progress(f"--quick: leaving out {', '.join(c.label for c in skipped)} (slow first call)")
    for contender in contenders:
        if not contender.available():
            progress(f"{contender.label}: not installed ({contender.requires}), reported as such")
    selected = workloads([k for k in args.workloads if k != "E"], args.dtypes, quick=args.quick)
    depths = (compile_cost.QUICK_DEPTHS if args.quick else compile_cost.DEPTHS) if "E" in args.workloads else ()
    if args.depths and depths:
        depths = tuple(int(d) for d in args.depths.split(","))
    steps = Steps(len(selected) * len(contenders) + len(depths), method.budget / len(contenders))
    for workload in selected:
        record["workloads"].append(run_workload(workload, contenders, method, steps))
    if depths:
        record["compile"] = compile_cost.measure(depths, repeats=1 if args.quick else 3,
                                                 before=lambda depth: steps.step(f"E compile cost, depth {depth}"))
    record["environment"]["load_average_end"] = machine.load_average()
    _warn(record)
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
